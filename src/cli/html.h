/* The interactive HTML report (--html): one self-contained page (no network, no external script, style or
 * font) showing each translated sentence with its source, its translation and a heatmap per method, where
 * hovering a target token highlights the source tokens it draws on, and the reverse.
 *
 * The page is a small fixed program (report/report.js and report.css, compiled in as html_assets.c)
 * and the data it draws, written as JSON in a <script type="application/json"> element:
 *     {"format": "rnnsearch-report", "version": 1,
 *      "methods": [{"name": "attention", "label": "Attention", "about": "...", "range": "unit"}, ...],
 *      "sentences": [{"id": 0, "rank": 0, "score": -1.25, "source_text": "...", "translation": "...",
 *                     "source": [tokens], "target": [tokens], "source_rtl": false, "target_rtl": false,
 *                     "matrices": {"attention": {"scales": [one per row], "values": [integers]}, ...}}]}
 * A method is data: its entry in "methods" and a matrix of the same name in each sentence that has it (a
 * sentence may lack one: "matrices" holds only what it has). Matrices are [target][source], row-major; row
 * t's value v is stored as the integer round(v / scales[t]) with scales[t] = max |v| of the row / 1000, so
 * each row keeps three significant digits in a few bytes a cell (null: a NaN or infinite value).
 * "rank" is the hypothesis's rank with n-best lists (0 = best), absent otherwise; "score" is the sum of
 * log-probabilities. Sentences without tokens have empty arrays and no matrices.
 *
 * Escaping: every string is JSON with '<', '>', '&', U+2028 and U+2029 written as \u escapes, so nothing in
 * the data can close the script element or open a comment; invalid UTF-8 and control characters become
 * U+FFFD (tabs and newlines stay escaped). The program builds the page with textContent and DOM calls only,
 * and a Content-Security-Policy allows no network and no script or style but the page's own (by hash).
 *
 * Usage, as a stream (the total size is not known in advance; nothing is kept in memory but one sentence):
 *     rs_html_doc doc;
 *     rs_html_begin(&doc, out, name, methods, n_methods, err);
 *     for each sentence: rs_html_add(&doc, &sentence, err);
 *     rs_html_end(&doc, err);     (or rs_html_abandon(&doc) after a failure)
 * out stays the caller's: it is flushed at the end, never closed. */
#ifndef RS_HTML_H
#define RS_HTML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "error.h"
#include "strbuf.h"

/* How a method's values map to colours. */
typedef enum rs_html_range {
    RS_HTML_UNIT,     /* "unit": values in [0, 1] (attention), drawn on that absolute scale */
    RS_HTML_POSITIVE, /* "positive": values >= 0, drawn from 0 to the sentence's largest */
    RS_HTML_SIGNED    /* "signed": both signs, a diverging scale from -m to +m, m the sentence's largest |v| */
} rs_html_range;

typedef struct rs_html_method {
    const char *name;  /* the key of its matrices, e.g. "attention" */
    const char *label; /* for the switch, e.g. "Attention" */
    const char *about; /* one sentence shown under the switch */
    rs_html_range range;
} rs_html_method;

typedef struct rs_html_sentence {
    long long id;
    int rank;                    /* hypothesis rank in an n-best list; -1: not an n-best list */
    double score;                /* sum of log-probabilities */
    const char *source_text;     /* the input line as read (any bytes; a trailing line end is dropped) */
    size_t source_text_len;
    const char *translation;     /* the detokenized translation */
    const char *const *source;   /* column labels, added bos/eos included */
    size_t n_source;
    const char *const *target;   /* row labels, eos last when emitted */
    size_t n_target;
    const float *const *matrices; /* one per method of the document: [n_target][n_source], or NULL: none */
} rs_html_sentence;

typedef struct rs_html_doc {
    FILE *out;
    const char *name; /* for messages: the file name, or NULL */
    const rs_html_method *methods;
    size_t n_methods;
    size_t count;     /* sentences written */
    rs_strbuf buf;    /* one sentence's JSON */
} rs_html_doc;

/* Writes the page up to the first sentence. */
int rs_html_begin(rs_html_doc *doc, FILE *out, const char *name, const rs_html_method *methods, size_t n_methods,
                  rs_error *err);

int rs_html_add(rs_html_doc *doc, const rs_html_sentence *sentence, rs_error *err);

/* Writes the rest of the page and flushes out. Releases what the document holds, as abandon does. */
int rs_html_end(rs_html_doc *doc, rs_error *err);

/* Releases what an unfinished document holds; out stays open. Safe to call twice. */
void rs_html_abandon(rs_html_doc *doc);

/* Appends text[0 .. len) as a JSON string literal that is safe inside an HTML script element (see above). */
int rs_html_json_string(rs_strbuf *out, const char *text, size_t len, rs_error *err);

#endif
