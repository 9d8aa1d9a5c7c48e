#include "output.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attribution.h"
#include "explain.h"
#include "mem.h"
#include "scores.h"
#include "shade.h"
#include "stats.h"
#include "width.h"
#include "words.h"

/* Printed hypotheses: at most n_best; a line without any gets a placeholder (see callers). */
static int printed_count(const rs_translation *tr, int n_best)
{
    if (tr->length == 0)
        return 0;
    return tr->hypothesis_count < n_best ? tr->hypothesis_count : n_best;
}

static int index_of_max(const float *row, int n)
{
    int best = 0;
    for (int j = 1; j < n; j++)
        if (row[j] > row[best])
            best = j;
    return best;
}

int rs_format_pharaoh(rs_strbuf *out, const rs_translation *tr, const rs_hypothesis *h, rs_error *err)
{
    int targets = h->ended_by_eos ? h->steps - 1 : h->steps;
    bool first = true;
    for (int t = 0; t < targets; t++) {
        int s = index_of_max(h->attention + (size_t)t * (size_t)tr->length, tr->length) - tr->first_token;
        if (s < 0 || s >= tr->token_count)
            continue;
        if (rs_strbuf_printf(out, err, "%s%d-%d", first ? "" : " ", s, t) < 0)
            return -1;
        first = false;
    }
    return 0;
}

static size_t code_points(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xc0) != 0x80)
            n++;
    return n;
}

/* The columns of a weight in percent, 0 to 100, in the plain matrix. */
#define PERCENT_WIDTH 3

static int pad(rs_strbuf *out, size_t n, rs_error *err)
{
    for (size_t i = 0; i < n; i++)
        if (rs_strbuf_putc(out, ' ', err) < 0)
            return -1;
    return 0;
}

/* Spaces to take text of display width `shown` to `width` columns. */
static int pad_to(rs_strbuf *out, size_t shown, size_t width, rs_error *err)
{
    return pad(out, width > shown ? width - shown : 0, err);
}

/* The plain matrix of -a (files and pipes): a header line with the source tokens, then one line per target
 * step (eos included), its token and the weights in percent, then an empty line. Every column is as wide as
 * its widest entry in display columns (width.h: wide characters two, combining marks none), tokens and numbers
 * right-aligned, so that it lines up in a pager and still splits on white space. */
static int format_plain_matrix(rs_strbuf *out, const rs_model *m, const rs_translation *tr, const rs_hypothesis *h,
                               const rs_output_options *o, rs_error *err)
{
    size_t label_width = 1;
    for (int t = 0; t < h->steps; t++) {
        size_t w = rs_display_width(rs_format_step_token(m, tr, h, t, o->replace_unk));
        if (w > label_width)
            label_width = w;
    }
    if (pad(out, label_width, err) < 0 || rs_strbuf_puts(out, " |", err) < 0)
        return -1;
    for (int j = 0; j < tr->length; j++) {
        size_t w = rs_display_width(tr->source[j]);
        if (rs_strbuf_putc(out, ' ', err) < 0 || pad_to(out, w, PERCENT_WIDTH, err) < 0 ||
            rs_strbuf_puts(out, tr->source[j], err) < 0)
            return -1;
    }
    if (rs_strbuf_putc(out, '\n', err) < 0)
        return -1;
    for (int t = 0; t < h->steps; t++) {
        const char *target = rs_format_step_token(m, tr, h, t, o->replace_unk);
        if (rs_strbuf_puts(out, target, err) < 0 || pad_to(out, rs_display_width(target), label_width, err) < 0 ||
            rs_strbuf_puts(out, " |", err) < 0)
            return -1;
        const float *row = h->attention + (size_t)t * (size_t)tr->length;
        for (int j = 0; j < tr->length; j++) {
            size_t w = rs_display_width(tr->source[j]);
            int column = (int)(w > PERCENT_WIDTH ? w : PERCENT_WIDTH);
            if (rs_strbuf_printf(out, err, " %*.0f", column, 100.0 * (double)row[j]) < 0)
                return -1;
        }
        if (rs_strbuf_putc(out, '\n', err) < 0)
            return -1;
    }
    return rs_strbuf_putc(out, '\n', err);
}

/* The readable matrix of -a in text mode: plain for files and pipes, shaded or coloured for a terminal. */
static int format_matrix(rs_strbuf *out, const rs_model *m, const rs_translation *tr, const rs_hypothesis *h,
                         const rs_output_options *o, rs_error *err)
{
    if (o->matrix == RS_MATRIX_PLAIN)
        return format_plain_matrix(out, m, tr, h, o, err);
    const char **targets = rs_alloc_array((size_t)h->steps, sizeof *targets, "output", err);
    if (!targets)
        return -1;
    for (int t = 0; t < h->steps; t++)
        targets[t] = rs_format_step_token(m, tr, h, t, o->replace_unk);
    rs_shade_matrix matrix = {tr->source, tr->length, targets, h->steps, h->attention, tr->length};
    int rc = rs_shade_format(out, &matrix, o->matrix == RS_MATRIX_COLOR ? RS_SHADE_COLOR : RS_SHADE_BLOCKS, err);
    free(targets);
    return rc;
}

/* --stats in text output: `entropy TOKEN=H ...` over the target steps and `coverage TOKEN=C ...` over the
 * source positions, three decimals, then an empty line. */
static int format_stats_text(rs_strbuf *out, const rs_model *m, const rs_translation *tr, const rs_hypothesis *h,
                             const rs_output_options *o, rs_error *err)
{
    double *coverage = rs_alloc_array((size_t)tr->length, sizeof *coverage, "output", err);
    if (!coverage)
        return -1;
    rs_coverage(h->attention, h->steps, (size_t)tr->length, tr->length, coverage);
    int rc = rs_strbuf_puts(out, "entropy", err);
    for (int t = 0; rc == 0 && t < h->steps; t++)
        rc = rs_strbuf_printf(out, err, " %s=%.3f", rs_format_step_token(m, tr, h, t, o->replace_unk),
                              rs_entropy(h->attention + (size_t)t * (size_t)tr->length, tr->length));
    if (rc == 0)
        rc = rs_strbuf_puts(out, "\ncoverage", err);
    for (int j = 0; rc == 0 && j < tr->length; j++)
        rc = rs_strbuf_printf(out, err, " %s=%.3f", tr->source[j], coverage[j]);
    if (rc == 0)
        rc = rs_strbuf_puts(out, "\n\n", err);
    free(coverage);
    return rc;
}

/* --word-scores in text output: `logprob TOKEN=LOGP ...` and `output_entropy TOKEN=H ...` over the target
 * steps (eos included), three decimals, then an empty line. */
static int format_scores_text(rs_strbuf *out, const rs_model *m, const rs_translation *tr, const rs_hypothesis *h,
                              const rs_token_scores *scores, const rs_output_options *o, rs_error *err)
{
    for (int line = 0; line < 2; line++) {
        const float *values = line ? scores->entropy.at : scores->logp.at;
        if (rs_strbuf_puts(out, line ? "output_entropy" : "logprob", err) < 0)
            return -1;
        for (int t = 0; t < h->steps; t++)
            if (rs_strbuf_printf(out, err, " %s=%.3f", rs_format_step_token(m, tr, h, t, o->replace_unk),
                                 (double)values[t]) < 0)
                return -1;
        if (rs_strbuf_putc(out, '\n', err) < 0)
            return -1;
    }
    return rs_strbuf_putc(out, '\n', err);
}

/* Appends `text` and spaces up to `width` code points. */
static int put_padded(rs_strbuf *out, const char *text, size_t width, rs_error *err)
{
    size_t n = code_points(text);
    return rs_strbuf_puts(out, text, err) < 0 || pad(out, width > n ? width - n : 0, err) < 0 ? -1 : 0;
}

/* A source cell of the --explain table: the token and the value; for a subword model a piece that is not a
 * whole word is followed by its word in parentheses ("lüssel (Schlüssel)"). */
static int explain_cell(rs_strbuf *cells, const rs_translation *tr, const rs_output_options *o, int j, float value,
                        rs_error *err)
{
    const char *piece = tr->source[j];
    if (o->words && o->words->pieces_length == tr->length) {
        const char *word = o->words->view.source[o->words->source_word_of.at[j]];
        const char *bare = strncmp(piece, RS_WORD_MARK, 3) == 0 ? piece + 3 : piece;
        if (strcmp(bare, word) != 0)
            return rs_strbuf_printf(cells, err, "%s (%s) %.3f", piece, word, (double)value);
    }
    return rs_strbuf_printf(cells, err, "%s %.3f", piece, (double)value);
}

/* --explain in text output: per target step, the most attended source word and its weight, the most
 * important one by occlusion and its importance (nats), and rho; then the mean rho and an empty line. Words
 * are the tokenizer's tokens (added bos/eos excluded). */
static int format_explain_text(rs_strbuf *out, const rs_model *m, const rs_translation *tr, const rs_hypothesis *h,
                               const rs_explanation *e, const rs_output_options *o, rs_error *err)
{
    /* cells are built first to size the columns */
    rs_strbuf cells;
    rs_strbuf_init(&cells);
    size_t n = (size_t)h->steps * 3;
    size_t *offsets = rs_alloc_array(n, sizeof *offsets, "output", err);
    if (!offsets)
        return -1;
    size_t widths[4] = {code_points("target"), code_points("attention"), code_points("occlusion"),
                        code_points("rho")};
    int rc = 0;
    for (int t = 0; rc == 0 && t < h->steps; t++) {
        size_t row = (size_t)t * (size_t)tr->length;
        int a = rs_top_source_token(tr, h->attention + row), c = rs_top_source_token(tr, e->occlusion + row);
        const char *target = rs_format_step_token(m, tr, h, t, o->replace_unk);
        if (code_points(target) > widths[0])
            widths[0] = code_points(target);
        for (int k = 0; rc == 0 && k < 3; k++) {
            offsets[(size_t)t * 3 + (size_t)k] = cells.len;
            if (k == 0)
                rc = explain_cell(&cells, tr, o, a, h->attention[row + (size_t)a], err);
            else if (k == 1)
                rc = explain_cell(&cells, tr, o, c, e->occlusion[row + (size_t)c], err);
            else if (isnan(e->rho[t]))
                rc = rs_strbuf_puts(&cells, "-", err);
            else
                rc = rs_strbuf_printf(&cells, err, "%.3f", e->rho[t]);
            if (rc == 0)
                rc = rs_strbuf_putc(&cells, '\0', err); /* cells are read back as C strings */
            if (rc == 0) {
                size_t w = code_points(cells.data + offsets[(size_t)t * 3 + (size_t)k]);
                if (w > widths[k + 1])
                    widths[k + 1] = w;
            }
        }
    }
    if (rc == 0)
        rc = put_padded(out, "target", widths[0], err) < 0 || rs_strbuf_puts(out, " | ", err) < 0 ||
                     put_padded(out, "attention", widths[1], err) < 0 || rs_strbuf_puts(out, " | ", err) < 0 ||
                     put_padded(out, "occlusion", widths[2], err) < 0 || rs_strbuf_puts(out, " | rho\n", err) < 0
                 ? -1
                 : 0;
    for (int t = 0; rc == 0 && t < h->steps; t++) {
        const char *const cell[3] = {cells.data + offsets[(size_t)t * 3], cells.data + offsets[(size_t)t * 3 + 1],
                                     cells.data + offsets[(size_t)t * 3 + 2]};
        rc = put_padded(out, rs_format_step_token(m, tr, h, t, o->replace_unk), widths[0], err) < 0 ||
                     rs_strbuf_puts(out, " | ", err) < 0 || put_padded(out, cell[0], widths[1], err) < 0 ||
                     rs_strbuf_puts(out, " | ", err) < 0 || put_padded(out, cell[1], widths[2], err) < 0 ||
                     rs_strbuf_printf(out, err, " | %s\n", cell[2]) < 0
                 ? -1
                 : 0;
    }
    if (rc == 0)
        rc = isnan(e->mean_rho) ? rs_strbuf_puts(out, "mean rho -\n\n", err)
                                : rs_strbuf_printf(out, err, "mean rho %.3f\n\n", e->mean_rho);
    free(offsets);
    rs_strbuf_free(&cells);
    return rc;
}

/* The cell of one method at step t: its top source word (added bos/eos excluded) and that score. */
static int method_cell(rs_strbuf *cells, const rs_translation *tr, const float *matrix, int t, rs_error *err)
{
    size_t row = (size_t)t * (size_t)tr->length;
    int j = rs_top_source_token(tr, matrix + row);
    return rs_strbuf_printf(cells, err, "%s %.3f", tr->source[j], (double)matrix[row + (size_t)j]);
}

/* --explain=METHODS in text output: a header `target | METHOD | ...`, then per target step each method's top
 * source word and its score; then `mean rho METHOD X ...` over the methods with a rho and an empty line. */
static int format_methods_text(rs_strbuf *out, const rs_model *m, const rs_translation *tr, const rs_hypothesis *h,
                               const rs_explanation *e, const rs_output_options *o, rs_error *err)
{
    int methods[RS_METHOD_COUNT], count = 0;
    for (int k = 0; k < RS_METHOD_COUNT; k++)
        if (e->matrix[k] && tr->token_count > 0)
            methods[count++] = k;
    rs_strbuf cells;
    rs_strbuf_init(&cells);
    size_t cols = (size_t)count + 1, n = (size_t)h->steps * cols;
    size_t *offsets = rs_alloc_array(n ? n : 1, sizeof *offsets, "output", err);
    size_t widths[RS_METHOD_COUNT + 1] = {code_points("target")};
    for (int k = 0; k < count; k++)
        widths[k + 1] = code_points(rs_method_name((rs_method)methods[k]));
    int rc = offsets ? 0 : -1;
    for (int t = 0; rc == 0 && t < h->steps; t++)
        for (size_t k = 0; rc == 0 && k < cols; k++) {
            offsets[(size_t)t * cols + k] = cells.len;
            rc = k == 0 ? rs_strbuf_puts(&cells, rs_format_step_token(m, tr, h, t, o->replace_unk), err)
                        : method_cell(&cells, tr, e->matrix[methods[k - 1]], t, err);
            if (rc == 0)
                rc = rs_strbuf_putc(&cells, '\0', err); /* cells are read back as C strings */
            size_t w = rc == 0 ? code_points(cells.data + offsets[(size_t)t * cols + k]) : 0;
            if (w > widths[k])
                widths[k] = w;
        }
    for (size_t k = 0; rc == 0 && k < cols; k++)
        rc = put_padded(out, k ? rs_method_name((rs_method)methods[k - 1]) : "target", k + 1 < cols ? widths[k] : 0,
                        err) < 0 || rs_strbuf_puts(out, k + 1 < cols ? " | " : "\n", err) < 0 ? -1 : 0;
    for (int t = 0; rc == 0 && t < h->steps; t++)
        for (size_t k = 0; rc == 0 && k < cols; k++)
            rc = put_padded(out, cells.data + offsets[(size_t)t * cols + k], k + 1 < cols ? widths[k] : 0, err) < 0 ||
                         rs_strbuf_puts(out, k + 1 < cols ? " | " : "\n", err) < 0 ? -1 : 0;
    if (rc == 0)
        rc = rs_strbuf_puts(out, "mean rho", err);
    for (int k = 0; rc == 0 && k < RS_METHOD_COUNT; k++) {
        if (!e->method_rho[k])
            continue;
        rc = isnan(e->method_mean_rho[k])
                 ? rs_strbuf_printf(out, err, " %s -", rs_method_name((rs_method)k))
                 : rs_strbuf_printf(out, err, " %s %.3f", rs_method_name((rs_method)k), e->method_mean_rho[k]);
    }
    if (rc == 0)
        rc = rs_strbuf_puts(out, "\n\n", err);
    free(offsets);
    rs_strbuf_free(&cells);
    return rc;
}

int rs_format_text(rs_strbuf *out, const rs_model *m, const rs_translation *tr, long long id,
                   const rs_output_options *o, rs_error *err)
{
    bool nbest = o->nbest_layout;
    int count = printed_count(tr, o->n_best);
    if (count == 0) {
        /* No decoding: an empty line, or one empty n-best entry as scripts/reference.py writes it. */
        if (nbest)
            return rs_strbuf_printf(out, err, "%lld |||  ||| 0.000000 ||| 0.000000%s\n", id,
                                    o->alignments ? " ||| " : "");
        return rs_strbuf_putc(out, '\n', err);
    }
    for (int k = 0; k < count; k++) {
        const rs_hypothesis *h = &tr->hypotheses[k];
        if (nbest && rs_strbuf_printf(out, err, "%lld ||| ", id) < 0)
            return -1;
        if (rs_format_hypothesis_text(out, m, tr, h, o->replace_unk, err) < 0)
            return -1;
        if (nbest && rs_strbuf_printf(out, err, " ||| %.6f ||| %.6f", h->score, h->normalized_score) < 0)
            return -1;
        /* a forced target's line carries its score: the number forced decoding is run for */
        if (!nbest && tr->target_tokens && rs_strbuf_printf(out, err, " ||| %.6f", h->score) < 0)
            return -1;
        const rs_translation *words = o->words ? &o->words->view : tr;
        if (o->alignments && (rs_strbuf_puts(out, " ||| ", err) < 0 ||
                              (o->links ? rs_strbuf_puts(out, o->links[k], err)
                                        : rs_format_pharaoh(out, words, &words->hypotheses[k], err)) < 0))
            return -1;
        if (rs_strbuf_putc(out, '\n', err) < 0)
            return -1;
        const rs_translation *shown = o->piece_level ? tr : words;
        if (o->attention && format_matrix(out, m, shown, &shown->hypotheses[k], o, err) < 0)
            return -1;
        if (o->stats && format_stats_text(out, m, tr, h, o, err) < 0)
            return -1;
        if (o->word_scores && format_scores_text(out, m, tr, h, &o->word_scores[k], o, err) < 0)
            return -1;
        if (o->explained && (o->explain_methods ? format_methods_text(out, m, tr, h, &o->explained[k], o, err)
                                                : format_explain_text(out, m, tr, h, &o->explained[k], o, err)) < 0)
            return -1;
    }
    return 0;
}

int rs_format_json_string(rs_strbuf *out, const char *text, rs_error *err)
{
    if (rs_strbuf_putc(out, '"', err) < 0)
        return -1;
    const char *run = text;
    for (const char *p = text;; p++) {
        unsigned char c = (unsigned char)*p;
        if (c != 0 && c != '"' && c != '\\' && c >= 0x20)
            continue;
        if (rs_strbuf_append(out, run, (size_t)(p - run), err) < 0)
            return -1;
        if (c == 0)
            break;
        run = p + 1;
        int rc;
        switch (c) {
        case '"':
            rc = rs_strbuf_puts(out, "\\\"", err);
            break;
        case '\\':
            rc = rs_strbuf_puts(out, "\\\\", err);
            break;
        case '\n':
            rc = rs_strbuf_puts(out, "\\n", err);
            break;
        case '\r':
            rc = rs_strbuf_puts(out, "\\r", err);
            break;
        case '\t':
            rc = rs_strbuf_puts(out, "\\t", err);
            break;
        case '\b':
            rc = rs_strbuf_puts(out, "\\b", err);
            break;
        case '\f':
            rc = rs_strbuf_puts(out, "\\f", err);
            break;
        default:
            rc = rs_strbuf_printf(out, err, "\\u%04x", c);
        }
        if (rc < 0)
            return -1;
    }
    return rs_strbuf_putc(out, '"', err);
}

/* Appends ".0" when printf wrote a whole number, as Python's float repr does. */
static int finish_float(rs_strbuf *out, const char *digits, rs_error *err)
{
    if (rs_strbuf_puts(out, digits, err) < 0)
        return -1;
    if (strpbrk(digits, ".eEn") == NULL)
        return rs_strbuf_puts(out, ".0", err);
    return 0;
}

int rs_format_double(rs_strbuf *out, double value, rs_error *err)
{
    if (!isfinite(value)) /* not JSON numbers; Python writes these names */
        return rs_strbuf_puts(out, isnan(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity", err);
    char digits[40];
    for (int precision = 1; precision <= 17; precision++) {
        snprintf(digits, sizeof digits, "%.*g", precision, value);
        if (strtod(digits, NULL) == value)
            break;
    }
    return finish_float(out, digits, err);
}

/* An attention weight: its float32 value to 9 significant digits (round-trips a float), as
 * scripts/reference.py writes them. */
static int format_weight(rs_strbuf *out, float weight, rs_error *err)
{
    char digits[40];
    snprintf(digits, sizeof digits, "%.9g", (double)weight);
    return finish_float(out, digits, err);
}

/* `, "NAME": [[...], ...]`: `steps` rows of `length` weights. */
static int format_rows_json(rs_strbuf *out, const char *name, const float *rows, int steps, int length,
                            rs_error *err)
{
    if (rs_strbuf_printf(out, err, ", \"%s\": [", name) < 0)
        return -1;
    for (int t = 0; t < steps; t++) {
        if (rs_strbuf_puts(out, t ? ", [" : "[", err) < 0)
            return -1;
        const float *row = rows + (size_t)t * (size_t)length;
        for (int j = 0; j < length; j++)
            if ((j && rs_strbuf_puts(out, ", ", err) < 0) || format_weight(out, row[j], err) < 0)
                return -1;
        if (rs_strbuf_putc(out, ']', err) < 0)
            return -1;
    }
    return rs_strbuf_putc(out, ']', err);
}

/* A double or null (NaN: undefined). */
static int format_optional_double(rs_strbuf *out, double value, rs_error *err)
{
    return isnan(value) ? rs_strbuf_puts(out, "null", err) : rs_format_double(out, value, err);
}

/* --stats: `"entropy"` per target step and `"coverage"` per source position, each to float precision. */
static int format_stats_json(rs_strbuf *out, const rs_translation *tr, const rs_hypothesis *h, rs_error *err)
{
    if (rs_strbuf_puts(out, ", \"entropy\": [", err) < 0)
        return -1;
    for (int t = 0; t < h->steps; t++)
        if ((t && rs_strbuf_puts(out, ", ", err) < 0) ||
            format_weight(out, (float)rs_entropy(h->attention + (size_t)t * (size_t)tr->length, tr->length), err) < 0)
            return -1;
    double *coverage = rs_alloc_array((size_t)tr->length, sizeof *coverage, "output", err);
    if (!coverage)
        return -1;
    rs_coverage(h->attention, h->steps, (size_t)tr->length, tr->length, coverage);
    int rc = rs_strbuf_puts(out, "], \"coverage\": [", err);
    for (int j = 0; rc == 0 && j < tr->length; j++)
        rc = (j && rs_strbuf_puts(out, ", ", err) < 0) || format_weight(out, (float)coverage[j], err) < 0 ? -1 : 0;
    free(coverage);
    return rc < 0 ? -1 : rs_strbuf_putc(out, ']', err);
}

/* `, "NAME": [v, ...]`: one float per step, to float precision. */
static int format_floats_json(rs_strbuf *out, const char *name, const float *values, int n, rs_error *err)
{
    if (rs_strbuf_printf(out, err, ", \"%s\": [", name) < 0)
        return -1;
    for (int t = 0; t < n; t++)
        if ((t && rs_strbuf_puts(out, ", ", err) < 0) || format_weight(out, values[t], err) < 0)
            return -1;
    return rs_strbuf_putc(out, ']', err);
}

/* --word-scores: `"word_scores"` (log p per step) and `"output_entropy"`. */
static int format_scores_json(rs_strbuf *out, const rs_token_scores *scores, rs_error *err)
{
    return format_floats_json(out, "word_scores", scores->logp.at, scores->steps, err) < 0 ||
                   format_floats_json(out, "output_entropy", scores->entropy.at, scores->steps, err) < 0
               ? -1
               : 0;
}

/* `, "NAME": {"METHOD": VALUE, ...}` over the methods with a rho; VALUE is the method's rho per step (rows) or
 * their mean. */
static int format_rho_object(rs_strbuf *out, const char *name, const rs_explanation *e, bool rows, rs_error *err)
{
    if (rs_strbuf_printf(out, err, ", \"%s\": {", name) < 0)
        return -1;
    bool first = true;
    for (int m = 0; m < RS_METHOD_COUNT; m++) {
        if (!e->method_rho[m])
            continue;
        if (rs_strbuf_printf(out, err, "%s\"%s\": ", first ? "" : ", ", rs_method_name((rs_method)m)) < 0)
            return -1;
        first = false;
        if (!rows) {
            if (format_optional_double(out, e->method_mean_rho[m], err) < 0)
                return -1;
            continue;
        }
        if (rs_strbuf_putc(out, '[', err) < 0)
            return -1;
        for (int t = 0; t < e->steps; t++)
            if ((t && rs_strbuf_puts(out, ", ", err) < 0) || format_optional_double(out, e->method_rho[m][t], err) < 0)
                return -1;
        if (rs_strbuf_putc(out, ']', err) < 0)
            return -1;
    }
    return rs_strbuf_putc(out, '}', err);
}

/* --explain=METHODS: a matrix per method (attention only when -a has not written it), ig's completeness error
 * per step, and the rank correlations with the attention. */
static int format_methods_json(rs_strbuf *out, const rs_explanation *e, const rs_output_options *o, rs_error *err)
{
    for (int m = 0; m < RS_METHOD_COUNT; m++) {
        if (!e->matrix[m] || (m == RS_METHOD_ATTENTION && o->attention))
            continue;
        if (format_rows_json(out, rs_method_name((rs_method)m), e->matrix[m], e->steps, e->length, err) < 0)
            return -1;
    }
    if (e->matrix[RS_METHOD_IG] && format_floats_json(out, "ig_completeness_error", e->ig_error, e->steps, err) < 0)
        return -1;
    return format_rho_object(out, "rank_correlations", e, true, err) < 0 ||
                   format_rho_object(out, "mean_rank_correlations", e, false, err) < 0
               ? -1
               : 0;
}

/* The fields of --explain=METHODS for a line without decoding: empty ones. */
static int format_methods_empty_json(rs_strbuf *out, const rs_output_options *o, rs_error *err)
{
    for (int m = 0; m < RS_METHOD_COUNT; m++) {
        if (!(o->explain_methods & RS_METHOD_BIT(m)) || (m == RS_METHOD_ATTENTION && o->attention))
            continue;
        if (rs_strbuf_printf(out, err, ", \"%s\": []", rs_method_name((rs_method)m)) < 0)
            return -1;
    }
    if ((o->explain_methods & RS_METHOD_BIT(RS_METHOD_IG)) &&
        rs_strbuf_puts(out, ", \"ig_completeness_error\": []", err) < 0)
        return -1;
    return rs_strbuf_puts(out, ", \"rank_correlations\": {}, \"mean_rank_correlations\": {}", err);
}

/* --explain: `"occlusion"` rows like the attention's, `"rank_correlation"` per step and its mean. */
static int format_explain_json(rs_strbuf *out, const rs_explanation *e, const rs_output_options *o, rs_error *err)
{
    if (o->explain_methods)
        return format_methods_json(out, e, o, err);
    if (format_rows_json(out, "occlusion", e->occlusion, e->steps, e->length, err) < 0 ||
        rs_strbuf_puts(out, ", \"rank_correlation\": [", err) < 0)
        return -1;
    for (int t = 0; t < e->steps; t++)
        if ((t && rs_strbuf_puts(out, ", ", err) < 0) || format_optional_double(out, e->rho[t], err) < 0)
            return -1;
    return rs_strbuf_puts(out, "], \"mean_rank_correlation\": ", err) < 0 ||
                   format_optional_double(out, e->mean_rho, err) < 0
               ? -1
               : 0;
}

/* `, "NAME": [[start, end], ...]` of n sentences from their n + 1 bounds (joiner.h). */
static int format_sentence_ranges(rs_strbuf *out, const char *name, const int *bounds, int n, rs_error *err)
{
    if (rs_strbuf_printf(out, err, ", \"%s\": [", name) < 0)
        return -1;
    for (int s = 0; s < n; s++)
        if (rs_strbuf_printf(out, err, "%s[%d, %d]", s ? ", " : "", bounds[s], bounds[s + 1]) < 0)
            return -1;
    return rs_strbuf_putc(out, ']', err);
}

/* `, "NAME": [...]` of n ints. */
static int format_ints_json(rs_strbuf *out, const char *name, const int *values, int n, rs_error *err)
{
    if (rs_strbuf_printf(out, err, ", \"%s\": [", name) < 0)
        return -1;
    for (int i = 0; i < n; i++)
        if (rs_strbuf_printf(out, err, "%s%d", i ? ", " : "", values[i]) < 0)
            return -1;
    return rs_strbuf_putc(out, ']', err);
}

/* `, "NAME": [...]` of n strings. */
static int format_strings_json(rs_strbuf *out, const char *name, const char *const *values, int n, rs_error *err)
{
    if (rs_strbuf_printf(out, err, ", \"%s\": [", name) < 0)
        return -1;
    for (int i = 0; i < n; i++)
        if ((i && rs_strbuf_puts(out, ", ", err) < 0) || rs_format_json_string(out, values[i], err) < 0)
            return -1;
    return rs_strbuf_putc(out, ']', err);
}

/* A subword model's source words: "source_words" (bos/eos included) and "source_word_of_piece". */
static int format_source_words_json(rs_strbuf *out, const rs_word_view *v, rs_error *err)
{
    if (v->view.length == 0)
        return rs_strbuf_puts(out, ", \"source_words\": [], \"source_word_of_piece\": []", err);
    return format_strings_json(out, "source_words", v->view.source, v->view.length, err) < 0 ||
                   format_ints_json(out, "source_word_of_piece", v->source_word_of.at, v->pieces_length, err) < 0
               ? -1
               : 0;
}

/* Hypothesis k's "target_words" and "target_word_of_piece" (eos excluded, as "tokens"), and with -a its
 * "word_attention" (a row per target word and eos, a column per source word). */
static int format_target_words_json(rs_strbuf *out, const rs_output_options *o, int k, rs_error *err)
{
    const rs_word_view *v = o->words;
    const rs_hypothesis *h = &v->view.hypotheses[k];
    int words = h->ended_by_eos ? h->steps - 1 : h->steps;
    int steps = v->step_offsets.at[k + 1] - v->step_offsets.at[k] - (h->ended_by_eos ? 1 : 0);
    if (format_strings_json(out, "target_words", v->view.step_strings + v->view.step_offsets[k], words, err) < 0 ||
        format_ints_json(out, "target_word_of_piece", v->target_word_of.at + v->step_offsets.at[k], steps, err) < 0)
        return -1;
    if (o->attention && h->attention)
        return format_rows_json(out, "word_attention", h->attention, h->steps, v->view.length, err);
    return 0;
}

int rs_format_jsonl(rs_strbuf *out, const rs_model *m, const rs_translation *tr, long long id,
                    const rs_output_options *o, rs_error *err)
{
    if (rs_strbuf_printf(out, err, "{\"id\": %lld, \"source\": [", id) < 0)
        return -1;
    for (int j = 0; j < tr->length; j++)
        if ((j && rs_strbuf_puts(out, ", ", err) < 0) || rs_format_json_string(out, tr->source[j], err) < 0)
            return -1;
    if (rs_strbuf_putc(out, ']', err) < 0 || (o->words && format_source_words_json(out, o->words, err) < 0) ||
        (tr->sentence_count > 1 &&
         format_sentence_ranges(out, "sentences", tr->sentence_sources, tr->sentence_count, err) < 0) ||
        rs_strbuf_puts(out, ", \"hypotheses\": [", err) < 0)
        return -1;
    int count = printed_count(tr, o->n_best);
    if (count == 0) {
        /* No decoding: one empty hypothesis, as scripts/reference.py writes it. */
        if (rs_strbuf_puts(out, "{\"tokens\": [], \"text\": \"\", \"score\": 0.0, \"normalized_score\": 0.0, "
                                "\"truncated\": false", err) <
                0 ||
            (o->attention && rs_strbuf_puts(out, ", \"attention\": []", err) < 0) ||
            (o->alignments && rs_strbuf_puts(out, ", \"alignment\": \"\"", err) < 0) ||
            (o->stats && rs_strbuf_puts(out, ", \"entropy\": [], \"coverage\": []", err) < 0) ||
            (o->scores && rs_strbuf_puts(out, ", \"word_scores\": [], \"output_entropy\": []", err) < 0) ||
            (o->explain && !o->explain_methods &&
             rs_strbuf_puts(out, ", \"occlusion\": [], \"rank_correlation\": [], \"mean_rank_correlation\": null",
                            err) < 0) ||
            (o->explain_methods && format_methods_empty_json(out, o, err) < 0) ||
            rs_strbuf_puts(out, "}", err) < 0)
            return -1;
    }
    for (int k = 0; k < count; k++) {
        const rs_hypothesis *h = &tr->hypotheses[k];
        if (rs_strbuf_puts(out, k ? ", {\"tokens\": [" : "{\"tokens\": [", err) < 0)
            return -1;
        int words = h->ended_by_eos ? h->steps - 1 : h->steps;
        for (int i = 0; i < words; i++)
            if ((i && rs_strbuf_puts(out, ", ", err) < 0) ||
                rs_format_json_string(out, rs_format_step_token(m, tr, h, i, o->replace_unk), err) < 0)
                return -1;
        /* The text goes through a second buffer to be escaped. */
        rs_strbuf text;
        rs_strbuf_init(&text);
        int rc = rs_format_hypothesis_text(&text, m, tr, h, o->replace_unk, err);
        if (rc == 0)
            rc = rs_strbuf_puts(out, "], \"text\": ", err);
        if (rc == 0)
            rc = rs_format_json_string(out, text.data ? text.data : "", err);
        rs_strbuf_free(&text);
        if (rc < 0 || rs_strbuf_puts(out, ", \"score\": ", err) < 0 || rs_format_double(out, h->score, err) < 0 ||
            rs_strbuf_puts(out, ", \"normalized_score\": ", err) < 0 ||
            rs_format_double(out, h->normalized_score, err) < 0 ||
            rs_strbuf_puts(out, h->truncated ? ", \"truncated\": true" : ", \"truncated\": false",
                           err) < 0)
            return -1;
        if (tr->sentence_count > 1 &&
            format_sentence_ranges(out, "sentence_targets", tr->sentence_targets + k * (tr->sentence_count + 1),
                                   tr->sentence_count, err) < 0)
            return -1;
        if (o->attention && format_rows_json(out, "attention", h->attention, h->steps, tr->length, err) < 0)
            return -1;
        const rs_translation *view = o->words ? &o->words->view : tr;
        if (o->alignments && (rs_strbuf_puts(out, ", \"alignment\": \"", err) < 0 ||
                              (o->links ? rs_strbuf_puts(out, o->links[k], err)
                                        : rs_format_pharaoh(out, view, &view->hypotheses[k], err)) < 0 ||
                              rs_strbuf_putc(out, '"', err) < 0))
            return -1;
        if (o->words && format_target_words_json(out, o, k, err) < 0)
            return -1;
        if (o->stats && format_stats_json(out, tr, h, err) < 0)
            return -1;
        if (o->word_scores && format_scores_json(out, &o->word_scores[k], err) < 0)
            return -1;
        if (o->explained && format_explain_json(out, &o->explained[k], o, err) < 0)
            return -1;
        if (rs_strbuf_putc(out, '}', err) < 0)
            return -1;
    }
    return rs_strbuf_puts(out, "]}\n", err);
}

/* A CSV field, quoted when it holds a comma, quote, CR or LF (RFC 4180), quotes doubled. */
static int csv_field(rs_strbuf *out, const char *text, rs_error *err)
{
    if (strpbrk(text, ",\"\r\n") == NULL)
        return rs_strbuf_puts(out, text, err);
    if (rs_strbuf_putc(out, '"', err) < 0)
        return -1;
    for (const char *p = text; *p; p++)
        if ((*p == '"' && rs_strbuf_putc(out, '"', err) < 0) || rs_strbuf_putc(out, *p, err) < 0)
            return -1;
    return rs_strbuf_putc(out, '"', err);
}

int rs_format_csv_header(rs_strbuf *out, rs_error *err)
{
    return rs_format_csv_header_methods(out, 0, false, err);
}

int rs_format_csv_header_words(rs_strbuf *out, rs_error *err)
{
    return rs_format_csv_header_methods(out, 0, true, err);
}

int rs_format_csv_header_methods(rs_strbuf *out, unsigned methods, bool words, rs_error *err)
{
    if (rs_strbuf_puts(out, "id,hypothesis,target_index,target_token,source_index,source_token,weight", err) < 0 ||
        (words && rs_strbuf_puts(out, ",target_word_index,source_word_index", err) < 0))
        return -1;
    for (int m = RS_METHOD_OCCLUSION; m < RS_METHOD_COUNT; m++)
        if ((methods & RS_METHOD_BIT(m)) && rs_strbuf_printf(out, err, ",%s", rs_method_name((rs_method)m)) < 0)
            return -1;
    return rs_strbuf_puts(out, "\r\n", err);
}

/* The --explain=METHODS columns of one CSV row: each method's score (other than the attention's); an empty
 * field where the explanation has no such matrix (a line split into sentences: joiner.h). */
static int csv_method_scores(rs_strbuf *out, const rs_output_options *o, int k, size_t cell, rs_error *err)
{
    for (int m = RS_METHOD_OCCLUSION; o->explained && m < RS_METHOD_COUNT; m++) {
        if (!(o->explain_methods & RS_METHOD_BIT(m)))
            continue;
        const float *matrix = o->explained[k].matrix[m];
        if ((matrix ? rs_strbuf_printf(out, err, ",%.9g", (double)matrix[cell]) : rs_strbuf_putc(out, ',', err)) < 0)
            return -1;
    }
    return 0;
}

int rs_format_csv(rs_strbuf *out, const rs_model *m, const rs_translation *tr, long long id, int n_best,
                  rs_error *err)
{
    rs_output_options o = {.n_best = n_best};
    return rs_format_csv_rows(out, m, tr, id, &o, err);
}

int rs_format_csv_rows(rs_strbuf *out, const rs_model *m, const rs_translation *tr, long long id,
                       const rs_output_options *o, rs_error *err)
{
    int count = printed_count(tr, o->n_best);
    for (int k = 0; k < count; k++) {
        const rs_hypothesis *h = &tr->hypotheses[k];
        for (int t = 0; t < h->steps; t++) {
            const char *target = rs_format_step_token(m, tr, h, t, o->replace_unk);
            const float *row = h->attention + (size_t)t * (size_t)tr->length;
            int target_word = o->words ? o->words->target_word_of.at[o->words->step_offsets.at[k] + t] : 0;
            for (int j = 0; j < tr->length; j++) {
                if (rs_strbuf_printf(out, err, "%lld,%d,%d,", id, k, t) < 0 || csv_field(out, target, err) < 0 ||
                    rs_strbuf_printf(out, err, ",%d,", j) < 0 || csv_field(out, tr->source[j], err) < 0 ||
                    rs_strbuf_printf(out, err, ",%.9g", (double)row[j]) < 0 ||
                    (o->words &&
                     rs_strbuf_printf(out, err, ",%d,%d", target_word, o->words->source_word_of.at[j]) < 0) ||
                    csv_method_scores(out, o, k, (size_t)t * (size_t)tr->length + (size_t)j, err) < 0 ||
                    rs_strbuf_puts(out, "\r\n", err) < 0)
                    return -1;
            }
        }
    }
    return 0;
}
