/* Attention heatmaps as self-contained SVG: one panel per sentence, target tokens as rows (top to bottom, eos
 * last), source tokens as columns, a colour scale legend, the weight of every cell as a tooltip.
 *
 * Two ways to write them:
 *   - one sentence, one document:  rs_heatmap_svg_write(out, name, &sentence, err);
 *   - several sentences stacked in one document, as they come (the total size is not known in advance):
 *         rs_heatmap_doc doc;
 *         if (rs_heatmap_svg_begin(&doc, out, name, err)) ...
 *         for each sentence: if (rs_heatmap_svg_sentence(&doc, &sentence, err)) ...
 *         if (rs_heatmap_svg_end(&doc, err)) ...
 *     The root element's size is known only at the end. On a seekable stream not in append mode (a regular
 *     file) it is patched in place; on anything else (a pipe, a terminal, a file opened "a") the panels are
 *     spooled to a tmpfile() and copied out at the end. After a failure call rs_heatmap_svg_abandon() (end
 *     does it itself).
 *
 * Token text is UTF-8 (already valid: the tokenizer replaced invalid sequences) and is XML-escaped here;
 * control characters and U+FFFE/U+FFFF, which XML 1.0 forbids, are written as U+FFFD. Labels longer than
 * RS_HEATMAP_LABEL_COLUMNS columns are shortened with an ellipsis (the tooltip keeps the whole token).
 *
 * Right-to-left text: a token holding a Hebrew, Arabic (Persian, Urdu...), Syriac, Thaana or NKo code point is
 * written in a <tspan direction="rtl" unicode-bidi="embed">, inside a <text> whose anchor is laid out
 * left to right so that renderers agree on where it lands. When most source tokens are right to left the
 * source axis runs right to left (first source token at the right), unless the sentence says otherwise.
 * A title is left to right up to its first right-to-left word and a right-to-left embedding from there
 * (so put the translation last in it: "3: <translation>"). Target rows always run top to bottom.
 *
 * Label widths are estimated from code point counts (wide East Asian characters count two, combining marks
 * none), as the renderer's fonts are unknown; the font is a generic sans-serif list. */
#ifndef RS_HEATMAP_H
#define RS_HEATMAP_H

#include <stddef.h>
#include <stdio.h>

#include "error.h"

#define RS_HEATMAP_LABEL_COLUMNS 24

typedef enum rs_heatmap_direction {
    RS_HEATMAP_AUTO = 0, /* right to left when most source tokens with letters are RTL (see heatmap.c) */
    RS_HEATMAP_LTR,
    RS_HEATMAP_RTL
} rs_heatmap_direction;

typedef struct rs_heatmap_sentence {
    const char *title;          /* optional (NULL: none), e.g. "3: the translation" */
    const char *const *source;  /* column labels, added bos/eos included as the JSONL "source" has them */
    size_t n_source;
    const char *const *target;  /* row labels, eos last */
    size_t n_target;
    const float *weights;       /* [n_target][n_source], row-major; 0..1 (clamped for colour; NaN grey) */
    rs_heatmap_direction source_direction;
    int row_scale;              /* colour |weight| / the row's largest |weight| (weights of any scale and sign;
                                   the tooltips keep the values), the legend in fractions of the row maximum */
} rs_heatmap_sentence;

typedef struct rs_heatmap_doc {
    FILE *out;          /* the caller's stream */
    FILE *spool;        /* panels, when out cannot seek; NULL otherwise */
    const char *name;   /* for messages: the file name, or NULL */
    long size_at;       /* offset in out of the reserved size attributes (seekable case) */
    double width, height;
    size_t count;
} rs_heatmap_doc;

/* A complete document holding one sentence. name (may be NULL) only appears in error messages. */
int rs_heatmap_svg_write(FILE *out, const char *name, const rs_heatmap_sentence *sentence, rs_error *err);

/* Starts a stacked document at out's current position. */
int rs_heatmap_svg_begin(rs_heatmap_doc *doc, FILE *out, const char *name, rs_error *err);

/* Appends one sentence's panel below the previous ones. */
int rs_heatmap_svg_sentence(rs_heatmap_doc *doc, const rs_heatmap_sentence *sentence, rs_error *err);

/* Closes the document, fixes its size and flushes out (out itself stays open: it is the caller's). */
int rs_heatmap_svg_end(rs_heatmap_doc *doc, rs_error *err);

/* Releases what an unfinished document holds (the spool); out stays open. Safe to call twice. */
void rs_heatmap_svg_abandon(rs_heatmap_doc *doc);

/* 1 if the UTF-8 token holds a right-to-left code point (the ranges above), else 0. */
int rs_heatmap_is_rtl(const char *token);

/* +1 for a right-to-left token, -1 for one with left-to-right letters, 0 for punctuation, digits and special
 * tokens written as <...>; the sum over a sentence's tokens votes its direction (positive: right to left). */
int rs_heatmap_token_direction(const char *token);

/* Estimated display width of a UTF-8 string in columns (about one average Latin letter each). */
size_t rs_heatmap_columns(const char *text);

/* The colour map (viridis, interpolated between ten samples): weight 0..1 -> 0xRRGGBB. */
unsigned long rs_heatmap_colour(float weight);

#endif
