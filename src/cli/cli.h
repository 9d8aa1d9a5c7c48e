/* The command line (spec section 2 and the project's additions): parsing and validation of the options. */
#ifndef RS_CLI_H
#define RS_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "error.h"
#include "search.h"

typedef enum rs_format { RS_FORMAT_TEXT, RS_FORMAT_JSONL } rs_format;

/* --color: colours in the terminal matrix of -a (auto: standard output is a terminal, TERM is not "dumb" and
 * NO_COLOR is unset or empty). */
typedef enum rs_color { RS_COLOR_AUTO, RS_COLOR_ALWAYS, RS_COLOR_NEVER } rs_color;

#define RS_DEFAULT_BEAM 5
#define RS_DEFAULT_MAX_LENGTH 256
#define RS_DEFAULT_MAX_LENGTH_FACTOR 3.0
#define RS_DEFAULT_LENGTH_PENALTY 0.6
#define RS_DEFAULT_BATCH_SIZE 32
#define RS_MAX_BATCH_SIZE 65536 /* larger --batch-size values count as this */
#define RS_DEFAULT_MAX_SOURCE_TOKENS 1024
#define RS_MAX_THREADS 256 /* larger --threads values count as this */

typedef struct rs_cli {
    const char *model_path; /* -m: a file or a model name (model_find.h); NULL: the default model */
    bool list_models;       /* --list-models */
    rs_search_options search;
    int n_best;
    bool n_best_given; /* -n given: text output takes the n-best layout, for -n 1 too (as Marian's --n-best) */
    rs_format format;
    bool attention;
    bool alignments;
    const char *align_csv;  /* NULL, a file name or "-" */
    const char *output;     /* -o: NULL (standard output) or a file name, written atomically (outfile.h) */
    const char *check_file; /* NULL or the regression file */
    bool forced;            /* input lines are source<TAB>target, the target forced */
    const char *heatmap;    /* --heatmap: NULL or the SVG file name pattern (heatmap_files.h) */
    const char *html;       /* --html: NULL or the report's file name (html_report.h) */
    bool heatmap_row_scale; /* --heatmap-scale row */
    rs_color color;
    bool replace_unk;       /* --replace-unk */
    bool stats;             /* --stats: entropy and coverage */
    bool explain;           /* --explain: occlusion importance */
    bool tokenize;          /* --tokenize: print the source tokens, no translation */
    bool split_sentences;   /* true unless --no-split-sentences (joiner.h) */
    bool piece_level;       /* --piece-level: -a matrices and heatmaps of a subword model show pieces */
    unsigned explain_methods; /* --explain=METHODS: RS_METHOD_BIT mask (attribution.h); 0 for bare --explain */
    int ig_steps;           /* --ig-steps */
    /* --align-method, --align-threshold, --symmetrize, --reverse-model (align.h): any of them sets align_rule
     * (and alignments); without it --alignments keeps its attention argmax */
    bool align_rule;
    int align_method;       /* rs_method */
    bool align_threshold_given;
    double align_threshold;
    int symmetrize;         /* rs_symmetrize */
    const char *reverse_model; /* NULL, a file or a model name */
    bool word_scores;       /* --word-scores: log p and output entropy per target token */
    int threads; /* 0: rs_default_threads() */
    bool quantize_int8;     /* --quantize int8 */
    int batch_size;
    size_t max_source_tokens;
    bool quiet;       /* --quiet: no warnings, no progress line */
    bool report_time; /* --report-time: lines/s and target tokens/s at the end */
    char **files; /* input files ("-" is standard input); none: standard input */
    int file_count;
    bool help;
    bool version;
} rs_cli;

/* Parses argv. Messages are without the "rnnsearch: " prefix. */
int rs_cli_parse(rs_cli *cli, int argc, char **argv, rs_error *err);

/* Writes the --help text. */
void rs_cli_help(FILE *out);

#endif
