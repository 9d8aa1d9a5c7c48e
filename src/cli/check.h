/* --check (spec section 5): translates the source of every `source<TAB>expected` line and compares the text
 * line the tool would print (1-best, with ` ||| alignments` under --alignments) with the expected output, byte
 * for byte and length included (a NUL or a trailing space is a difference like any other).
 *
 * A file may describe itself: a first line `# rnnsearch-check: OPTIONS` records the decoding options the
 * expected outputs were made with (README.md "Regression mode" lists the options allowed there). They apply
 * as if given before the command line's, so an option given on the command line wins; rnnsearch then warns on
 * standard error that the decoding differs from the one the file records. */
#ifndef RS_CHECK_H
#define RS_CHECK_H

#include <stddef.h>

#include "cli.h"
#include "error.h"
#include "mem.h"
#include "model.h"
#include "sink.h"

#define RS_CHECK_HEADER "# rnnsearch-check:"

typedef struct rs_check_line {
    char *source; /* source_len bytes (NUL-terminated; may hold NULs) */
    size_t source_len;
    const char *expected; /* expected_len bytes, without the line end */
    size_t expected_len;
    long long number; /* 1-based line number in the file */
} rs_check_line;

typedef struct rs_check_file {
    const char *path;
    RS_GROWABLE(rs_check_line) lines;
    size_t count;
    RS_GROWABLE(char *) buffers; /* one per line, owning the text */
    char *header;   /* the options after RS_CHECK_HEADER (NUL-terminated, split in place), or NULL */
    char **argv;    /* the argument vector rs_check_apply_header built */
} rs_check_file;

/* Reads and validates the whole file (a line without a tab is an error naming FILE:LINE), before any model is
 * loaded or line translated. path "-" is standard input. */
int rs_check_read(rs_check_file *file, const char *path, rs_error *err);
void rs_check_file_free(rs_check_file *file);

/* Applies the file's header, if any: parses the header's options followed by argv[1 ..] into *cli. A header
 * holding anything but the decoding options allowed there is an error naming FILE:1. */
int rs_check_apply_header(rs_check_file *file, int argc, char **argv, rs_cli *cli, rs_error *err);

/* Translates and compares every line, as the session would translate it (the session's options: the decoding,
 * and the output's alignments and replace_unk, the parts a compared line shows). Writes each mismatch (escaped
 * so that invisible characters show, with a caret under the first differing column) and a summary to out;
 * *differ is the number of differing lines. */
int rs_check_run(const rs_session_options *options, const rs_model *model, const rs_check_file *file, rs_sink *out,
                 long long *differ, rs_error *err);

#endif
