/* The file of --html FILE: the interactive report (html.h) of every input line, in input order: each printed
 * hypothesis (all n of them with --n-best n) with its attention and, with --explain, its occlusion importance
 * as a second method (with --explain=METHODS, each method asked for). A line without tokens appears with its text and no heatmap. A subword model's lines are
 * shown as --heatmap shows them: in words (words.h), or in pieces with --piece-level; occlusion and the
 * gradient methods, computed per piece, appear in the piece view only.
 *
 * The file is opened when the report opens (after the model loaded, before any decoding), so that a bad path
 * fails at once, and written as the lines come, through outfile.h: to a temporary file renamed into place at
 * the end, so that a failed run leaves no page cut short and any old file as it was. */
#ifndef RS_HTML_REPORT_H
#define RS_HTML_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "attribution.h"
#include "error.h"
#include "mem.h"
#include "html.h"
#include "model.h"
#include "outfile.h"
#include "output.h"
#include "strbuf.h"
#include "translator.h"

#define RS_HTML_MAX_METHODS 5 /* attention, occlusion, the gradient methods (attribution.h) */

typedef struct rs_html_report {
    const char *path;
    rs_outfile file;
    bool begun; /* doc holds a started page */
    rs_html_doc doc;
    rs_html_method methods[RS_HTML_MAX_METHODS];
    rs_method method_ids[RS_HTML_MAX_METHODS]; /* which explanation matrix each of methods shows */
    size_t n_methods;
    rs_strbuf translation;
    RS_GROWABLE(const char *) targets;
} rs_html_report;

/* Checks a path without creating anything: not empty, not "-". */
int rs_html_path_check(const char *path, rs_error *err);

/* Creates the file and writes the page's head. explain: the lines will come with explanations: occlusion
 * importances (methods 0, bare --explain), or the matrices of methods (--explain=METHODS, RS_METHOD_BIT). */
int rs_html_report_open(rs_html_report *report, const char *path, bool explain, unsigned methods, rs_error *err);

/* Adds one input line: its text as read (line, len bytes) and its printed hypotheses (options->n_best of
 * them, with options->explained when explaining). tr gives the tokens and matrices (a subword model's word
 * view, words.h), text the same line as printed, for the translations' text; both may be the same. */
int rs_html_report_add(rs_html_report *report, const rs_model *model, const rs_translation *tr,
                       const rs_translation *text, long long id, const char *line, size_t len,
                       const rs_output_options *options, rs_error *err);

/* Finishes the page and closes the file. */
int rs_html_report_close(rs_html_report *report, rs_error *err);

/* After a failure: removes the unfinished file (an old one stays), releases everything. Safe after close and
 * twice. */
void rs_html_report_abandon(rs_html_report *report);

#endif
