/* The files of --heatmap PATH: SVG heatmaps (heatmap.h) of the attention of the printed hypotheses.
 *   - PATH without "{id}": every hypothesis of every line, stacked in one document at PATH;
 *   - PATH with "{id}": one self-contained document per line, "{id}" replaced by the line's id; with
 *     "{hyp}" too and n_best > 1, one per hypothesis, "{hyp}" replaced by its rank (0 = best); with
 *     n_best > 1 and no "{hyp}", a line's hypotheses are stacked in its document. "{hyp}" is 0 with n_best 1.
 * Panel titles are "ID: translation" ("ID, hypothesis K: translation" with n_best > 1). Lines that are not
 * decoded get no panel and no file.
 *
 * Every file is written through outfile.h: to a temporary name renamed into place when complete, never over
 * an input or the model. The first file (the document, or line 0's) is begun when opening, so that a bad path
 * fails before any decoding; a first file that ends up unused (no decoded line 0) is dropped again. */
#ifndef RS_HEATMAP_FILES_H
#define RS_HEATMAP_FILES_H

#include <stdbool.h>
#include <stdio.h>

#include "error.h"
#include "heatmap.h"
#include "model.h"
#include "outfile.h"
#include "output.h"
#include "strbuf.h"
#include "translator.h"

typedef struct rs_heatmap_files {
    const char *pattern;
    bool per_line;       /* "{id}" in the pattern */
    bool per_hypothesis; /* per_line, "{hyp}" in the pattern and n_best > 1 */
    rs_outfile file;     /* the stacked document, or the file created in advance (file.file NULL: none) */
    char *first_path;    /* the pattern's path for line 0 (per_line) */
    bool first_used;
    bool doc_open;       /* the stacked document is begun */
    rs_heatmap_doc doc;
    rs_strbuf path, title;
    const rs_translation *text; /* the line being added as printed: the titles' text (rs_heatmap_files_add) */
} rs_heatmap_files;

/* Checks the pattern and creates the first file. Messages: "cannot create PATH: reason". */
int rs_heatmap_files_open(rs_heatmap_files *files, const char *pattern, int n_best, rs_error *err);

/* Writes the heatmaps of one line's printed hypotheses (they need their attention). tr gives the labels and
 * matrices (a subword model's word view, words.h), text the same line as printed, for the titles: a word view's
 * words do not detokenize like pieces. Both may be the same translation. */
int rs_heatmap_files_add(rs_heatmap_files *files, const rs_model *model, const rs_translation *tr,
                         const rs_translation *text, long long id, const rs_output_options *options, rs_error *err);

/* Finishes the stacked document (or removes an unused first file) and closes everything. */
int rs_heatmap_files_close(rs_heatmap_files *files, rs_error *err);

/* Releases everything after a failure, without finishing. Safe after close and twice. */
void rs_heatmap_files_abandon(rs_heatmap_files *files);

/* Checks a pattern without creating anything: not empty, not "-", "{hyp}" only with "{id}". */
int rs_heatmap_pattern_check(const char *pattern, rs_error *err);

#endif
