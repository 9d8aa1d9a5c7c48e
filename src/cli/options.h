/* The option structs of the front end's parts: the command line (cli.h) fills them as it reads argv, and each
 * part takes its own (the session rs_session_options, --check rs_decoding and rs_output_options, the writers
 * rs_output_options). An output flag is one field here, its option in cli.c and its use. */
#ifndef RS_OPTIONS_H
#define RS_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>

#include "search.h"

struct rs_explanation;
struct rs_token_scores;
struct rs_word_view;
struct rs_writer;

/* --color: colours in the terminal matrix of -a (auto: standard output is a terminal, TERM is not "dumb" and
 * NO_COLOR is unset or empty). */
typedef enum rs_color { RS_COLOR_AUTO, RS_COLOR_ALWAYS, RS_COLOR_NEVER } rs_color;

/* How -a draws the matrix in text output: the plain percent matrix (pipes, files), or for a terminal shade
 * blocks or ANSI colours (shade.h). */
typedef enum rs_matrix_style { RS_MATRIX_PLAIN, RS_MATRIX_BLOCKS, RS_MATRIX_COLOR } rs_matrix_style;

typedef struct rs_output_options {
    int n_best;      /* hypotheses printed per line */
    bool attention;  /* -a: matrices (text) or the "attention" field (JSONL) */
    bool alignments; /* --alignments: Pharaoh `s-t` pairs */
    /* [hypothesis]: the links of --align-method/--symmetrize (align.h), printed instead of the attention
     * argmax, set by the caller for each line; NULL for that default */
    const char *const *links;
    bool replace_unk; /* --replace-unk: an unk target token shows the most attended source token */
    bool stats;       /* --stats: attention entropy per target step and coverage per source position */
    bool explain;     /* --explain: occlusion and rank correlation */
    unsigned explain_methods; /* --explain=METHODS: RS_METHOD_BIT mask (attribution.h), 0 for bare --explain */
    bool heatmap_row_scale;   /* --heatmap-scale row: attention rows coloured relative to their maximum */
    bool scores;              /* --word-scores */
    /* --word-scores: the printed hypotheses' per-token scores (scores.h), set by the caller for each line */
    const struct rs_token_scores *word_scores;
    rs_matrix_style matrix;
    /* --explain: the explanations of the printed hypotheses of the line being formatted (explain.h), set by
     * the caller for each line; NULL: none */
    const struct rs_explanation *explained;
    /* A subword model (words.h): the word view of the line being formatted, set by the caller for each line
     * (NULL for word-level models). It gives the word-level Pharaoh links, the JSONL word fields and CSV word
     * columns, and (unless piece_level) the -a matrix. */
    const struct rs_word_view *words;
    bool piece_level; /* --piece-level: the -a matrix and heatmaps show pieces */
    bool nbest_layout; /* text: `ID ||| TEXT ||| SCORE ||| NORMALIZED_SCORE` lines (-n given), else plain text */
} rs_output_options;

/* How lines are translated: the search, the batches and the source's bounds (what a --check file's header may
 * set too). */
typedef struct rs_decoding {
    rs_search_options search;
    int batch_size;
    size_t max_source_tokens;
    bool split_sentences; /* true unless --no-split-sentences (joiner.h) */
} rs_decoding;

/* The translation run over the inputs (session.h). */
typedef struct rs_session_options {
    rs_decoding decoding;
    rs_output_options output;
    const struct rs_writer *format; /* --format (writers.h) */
    rs_color color;
    bool forced;            /* input lines are source<TAB>target, the target forced */
    bool tokenize;          /* --tokenize: print the source tokens, no translation */
    bool report_time;       /* --report-time: lines/s and target tokens/s at the end */
    const char *heatmap;    /* --heatmap: NULL or the SVG file name pattern (heatmap_files.h) */
    const char *html;       /* --html: NULL or the report's file name (html_report.h) */
    int ig_steps;           /* --ig-steps */
    bool occlude_words;     /* --occlusion-unit word */
    /* --align-method, --align-threshold, --align-prior, --symmetrize, --reverse-model (align.h): any of them
     * sets align_rule (and output.alignments); without it --alignments keeps its attention argmax */
    bool align_rule;
    int align_method;          /* rs_method */
    bool align_threshold_given;
    double align_threshold;
    bool align_prior_given;
    double align_prior;        /* the diagonal prior's tension */
    int symmetrize;            /* rs_symmetrize */
    const char *reverse_model; /* NULL, a file or a model name */
    char **files;           /* input files ("-" is standard input); none: standard input */
    int file_count;
} rs_session_options;

#endif
