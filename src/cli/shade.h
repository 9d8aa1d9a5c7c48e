/* Attention matrices for a terminal (-a in text output when standard output is a terminal, or --color
 * always): source tokens as column headings, one row per target step (eos last) labelled with its token, and
 * each weight drawn either as a Unicode shade block repeated across its cell (' ' '░' '▒' '▓' '█': 0, 25, 50,
 * 75, 100 percent, to the nearest) or as the weight in percent on an ANSI 256-colour background (the viridis
 * map of the SVG heatmaps, in the 6x6x6 colour cube). A legend line and an empty line follow.
 *
 * Widths are display columns (wide East Asian characters two, combining marks none); a label longer than
 * RS_SHADE_LABEL_COLUMNS is cut with an ellipsis, and control characters in labels are shown as '?' so that a
 * token cannot send escape sequences to the terminal. */
#ifndef RS_SHADE_H
#define RS_SHADE_H

#include "error.h"
#include "strbuf.h"

#define RS_SHADE_LABEL_COLUMNS 12

typedef enum rs_shade_style { RS_SHADE_BLOCKS, RS_SHADE_COLOR } rs_shade_style;

typedef struct rs_shade_matrix {
    const char *const *source; /* column labels, added bos/eos included */
    int n_source;
    const char *const *target; /* row labels, eos last */
    int n_target;
    const float *weights; /* [n_target][stride] */
    int stride;
} rs_shade_matrix;

int rs_shade_format(rs_strbuf *out, const rs_shade_matrix *matrix, rs_shade_style style, rs_error *err);

/* The shade character (UTF-8) of a weight: level round(4w) clamped to 0..4; NaN gives "?". */
const char *rs_shade_block(float weight);

/* The xterm-256 colour index of a weight's background (viridis, weight clamped to 0..1; NaN: grey 244), and
 * the index of the black or white text drawn on it. */
int rs_shade_background(float weight);
int rs_shade_foreground(float weight);

#endif
