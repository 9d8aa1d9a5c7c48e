/* The command line (spec section 2 and the project's additions): parsing and validation of the options. */
#ifndef RS_CLI_H
#define RS_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "defaults.h"
#include "error.h"
#include "options.h"

/* The options, each stored in the option struct of the part that reads it (options.h): the session's, the
 * decoding's and the output's are filled here directly, not copied over afterwards. */
typedef struct rs_cli {
    const char *model_path; /* -m: a file or a model name (model_find.h); NULL: the default model */
    bool list_models;       /* --list-models */
    rs_session_options session;
    const char *align_csv;  /* NULL, a file name or "-" */
    const char *output;     /* -o: NULL (standard output) or a file name, written atomically (outfile.h) */
    const char *check_file; /* NULL or the regression file */
    int threads; /* 0: rs_default_threads() */
    bool quantize_int8;     /* --quantize int8 */
    bool quiet;       /* --quiet: no warnings, no progress line */
    bool help;
    bool version;
} rs_cli;

/* Parses argv. Messages are without the "rnnsearch: " prefix. */
int rs_cli_parse(rs_cli *cli, int argc, char **argv, rs_error *err);

/* Writes the --help text. */
void rs_cli_help(FILE *out);

#endif
