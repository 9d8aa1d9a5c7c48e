#include "shade.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "heatmap.h"

static const char *const BLOCKS[5] = {" ", "\xE2\x96\x91", "\xE2\x96\x92", "\xE2\x96\x93", "\xE2\x96\x88"};
#define ELLIPSIS "\xE2\x80\xA6"
#define RULE "\xE2\x94\x82" /* │ */
#define RESET "\x1b[0m"
#define MIN_CELL 3 /* "100" */

const char *rs_shade_block(float weight)
{
    if (isnan(weight))
        return "?";
    double level = floor(4.0 * (double)weight + 0.5);
    return BLOCKS[level < 0.0 ? 0 : level > 4.0 ? 4 : (int)level];
}

/* A channel 0..255 to the nearest of the cube's levels 0, 95, 135, 175, 215, 255. */
static int cube_level(unsigned long c)
{
    if (c < 48)
        return 0;
    if (c < 115)
        return 1;
    return (int)((c - 35) / 40);
}

int rs_shade_background(float weight)
{
    if (isnan(weight))
        return 244;
    unsigned long rgb = rs_heatmap_colour(weight);
    return 16 + 36 * cube_level((rgb >> 16) & 0xFF) + 6 * cube_level((rgb >> 8) & 0xFF) + cube_level(rgb & 0xFF);
}

int rs_shade_foreground(float weight)
{
    if (isnan(weight))
        return 16;
    unsigned long rgb = rs_heatmap_colour(weight);
    double luminance = 0.2126 * (double)((rgb >> 16) & 0xFF) + 0.7152 * (double)((rgb >> 8) & 0xFF) +
                       0.0722 * (double)(rgb & 0xFF);
    return luminance > 140.0 ? 16 : 231;
}

static int pad(rs_strbuf *out, size_t n, rs_error *err)
{
    for (size_t i = 0; i < n; i++)
        if (rs_strbuf_putc(out, ' ', err) < 0)
            return -1;
    return 0;
}

/* The label as shown, in shown[] (*len bytes): control characters (C0, DEL, C1) replaced by '?', cut to
 * max_columns with an ellipsis. Returns its width in columns. */
#define SHOWN_CAP (4 * RS_SHADE_LABEL_COLUMNS + 8)
static size_t shape_label(const char *text, size_t max_columns, char shown[SHOWN_CAP], size_t *len_out)
{
    size_t len = 0, columns = 0;
    const unsigned char *s = (const unsigned char *)text;
    bool cut = false;
    while (*s) {
        /* one code point (or one stray byte) */
        size_t n = 1;
        while (s[n] && (s[n] & 0xC0) == 0x80 && n < 4)
            n++;
        char piece[8];
        bool control = s[0] < 0x20 || s[0] == 0x7F || (s[0] == 0xC2 && n == 2 && s[1] < 0xA0);
        size_t bytes = control ? 1 : n;
        memcpy(piece, control ? "?" : (const char *)s, bytes);
        piece[bytes] = '\0';
        size_t w = rs_heatmap_columns(piece);
        if (columns + w > max_columns || len + bytes + sizeof ELLIPSIS > SHOWN_CAP) {
            cut = true;
            break;
        }
        memcpy(shown + len, piece, bytes);
        len += bytes;
        columns += w;
        s += n;
    }
    if (cut) {
        /* room for the ellipsis: drop code points until it fits */
        while (len > 0 && columns + 1 > max_columns) {
            size_t start = len - 1;
            while (start > 0 && ((unsigned char)shown[start] & 0xC0) == 0x80)
                start--;
            char piece[8];
            memcpy(piece, shown + start, len - start);
            piece[len - start] = '\0';
            columns -= rs_heatmap_columns(piece);
            len = start;
        }
        memcpy(shown + len, ELLIPSIS, sizeof ELLIPSIS - 1);
        len += sizeof ELLIPSIS - 1;
        columns += 1;
    }
    *len_out = len;
    return columns;
}

static size_t label_width(const char *text)
{
    char shown[SHOWN_CAP];
    size_t len;
    return shape_label(text, RS_SHADE_LABEL_COLUMNS, shown, &len);
}

/* Writes the shown label padded with spaces to `width` columns. */
static int put_label(rs_strbuf *out, const char *text, size_t width, rs_error *err)
{
    char shown[SHOWN_CAP];
    size_t len;
    size_t columns = shape_label(text, RS_SHADE_LABEL_COLUMNS, shown, &len);
    if (rs_strbuf_append(out, shown, len, err) < 0)
        return -1;
    return pad(out, width > columns ? width - columns : 0, err);
}

static size_t cell_width(const char *source)
{
    size_t w = label_width(source);
    return w < MIN_CELL ? MIN_CELL : w;
}

static int put_cell(rs_strbuf *out, float weight, size_t width, rs_shade_style style, rs_error *err)
{
    if (style == RS_SHADE_BLOCKS) {
        const char *block = rs_shade_block(weight);
        for (size_t i = 0; i < width; i++)
            if (rs_strbuf_puts(out, block, err) < 0)
                return -1;
        return 0;
    }
    char number[16];
    if (isnan(weight))
        snprintf(number, sizeof number, "?");
    else
        snprintf(number, sizeof number, "%.0f", 100.0 * (double)weight);
    return rs_strbuf_printf(out, err, "\x1b[48;5;%dm\x1b[38;5;%dm", rs_shade_background(weight),
                            rs_shade_foreground(weight)) < 0 ||
                   pad(out, width > strlen(number) ? width - strlen(number) : 0, err) < 0 ||
                   rs_strbuf_puts(out, number, err) < 0 || rs_strbuf_puts(out, RESET, err) < 0
               ? -1
               : 0;
}

/* Under the first column: the five shades with their ranges, or five colour swatches 0..100 percent. */
static int put_legend(rs_strbuf *out, size_t indent, rs_shade_style style, rs_error *err)
{
    if (pad(out, indent + 2, err) < 0)
        return -1;
    if (style == RS_SHADE_BLOCKS)
        return rs_strbuf_puts(out, " ' ' <13%  " "\xE2\x96\x91" " <38%  " "\xE2\x96\x92" " <63%  "
                                   "\xE2\x96\x93" " <88%  " "\xE2\x96\x88" " >=88%\n", err);
    for (int level = 0; level <= 4; level++)
        if (rs_strbuf_putc(out, ' ', err) < 0 || put_cell(out, (float)level / 4.0f, MIN_CELL, style, err) < 0)
            return -1;
    return rs_strbuf_puts(out, " %\n", err);
}

int rs_shade_format(rs_strbuf *out, const rs_shade_matrix *m, rs_shade_style style, rs_error *err)
{
    size_t row_width = 1;
    for (int t = 0; t < m->n_target; t++) {
        size_t w = label_width(m->target[t]);
        if (w > row_width)
            row_width = w;
    }
    /* the header: each source label over its column */
    if (pad(out, row_width, err) < 0 || rs_strbuf_puts(out, " " RULE, err) < 0)
        return -1;
    for (int j = 0; j < m->n_source; j++)
        if (rs_strbuf_putc(out, ' ', err) < 0 || put_label(out, m->source[j], cell_width(m->source[j]), err) < 0)
            return -1;
    if (rs_strbuf_putc(out, '\n', err) < 0)
        return -1;
    for (int t = 0; t < m->n_target; t++) {
        if (put_label(out, m->target[t], row_width, err) < 0 || rs_strbuf_puts(out, " " RULE, err) < 0)
            return -1;
        const float *row = m->weights + (size_t)t * (size_t)m->stride;
        for (int j = 0; j < m->n_source; j++)
            if (rs_strbuf_putc(out, ' ', err) < 0 || put_cell(out, row[j], cell_width(m->source[j]), style, err) < 0)
                return -1;
        if (rs_strbuf_putc(out, '\n', err) < 0)
            return -1;
    }
    return put_legend(out, row_width, style, err) < 0 || rs_strbuf_putc(out, '\n', err) < 0 ? -1 : 0;
}
