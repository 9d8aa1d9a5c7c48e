/* The translation loop of the command line: reads lines in batches, translates them and writes each line's
 * result (translations and/or the alignment CSV) in input order. */
#ifndef RS_SESSION_H
#define RS_SESSION_H

#include <stdbool.h>
#include <stdio.h>

#include "align.h"
#include "error.h"
#include "explain.h"
#include "heatmap_files.h"
#include "html_report.h"
#include "model.h"
#include "options.h"
#include "output.h"
#include "progress.h"
#include "scores.h"
#include "sink.h"
#include "strbuf.h"
#include "joiner.h"
#include "translator.h"
#include "words.h"

/* The most bytes of one input line that are read; the rest of a longer line is skipped with a warning. Far
 * more than --max-source-tokens tokens of any text: it only bounds the memory that garbage input takes. */
#define RS_MAX_LINE_BYTES (1 << 20)

typedef struct rs_session {
    const rs_session_options *options;
    const rs_model *model;
    rs_joiner translator; /* sentence by sentence (joiner.h) */
    rs_output_options output;
    rs_sink *out; /* translations; NULL with --align-csv - */
    rs_sink *csv; /* the alignment CSV, or NULL */
    rs_explainer explainer; /* --explain, and --align-method's matrix */
    bool explaining;
    rs_aligner aligner; /* --align-method, --align-threshold, --symmetrize, --reverse-model */
    bool aligning;
    rs_scorer scorer; /* --word-scores */
    bool scoring;
    rs_heatmap_files heatmaps; /* --heatmap */
    bool heatmapping;
    rs_html_report html; /* --html */
    bool reporting;
    bool pieces;         /* a subword model: each line gets a word view (words.h) */
    rs_word_view words;
    rs_strbuf text;
    rs_strbuf csv_text;
    long long next_id; /* id of the next input line, counted across all inputs */
    char **lines;
    size_t *line_caps;
    size_t *lens;
    const char **targets; /* --forced: the target part of each line */
    size_t *target_lens;
    rs_translation *results;
    int batch_cap;
    rs_tokens tokens; /* --tokenize */
    rs_progress progress;
    /* lines whose best hypothesis the length limit cut, and which limit did (L of README "Decoding") */
    long long truncated_lines;
    bool cut_by_max_length, cut_by_factor;
} rs_session;

/* Writes the CSV header when csv is given, and creates the --heatmap and --html files. The -a matrix
 * style follows --color and whether `out` is a terminal. */
int rs_session_init(rs_session *session, const rs_session_options *options, const rs_model *model, rs_sink *out,
                    rs_sink *csv, rs_error *err);

/* Finishes what spans all inputs (the --heatmap document, the --html report); call after the last rs_session_run. */
int rs_session_finish(rs_session *session, rs_error *err);

void rs_session_free(rs_session *session);

/* Translates every line of `in` (`name` in messages). A regular file is read batch_size lines at a time;
 * from anything else (terminal, pipe) a batch is the lines available without waiting (at most batch_size),
 * so a lone line is answered at once, and each answer is flushed. */
int rs_session_run(rs_session *session, FILE *in, const char *name, rs_error *err);

#endif
