#include "output.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"

static const char *target_string(const rs_model *m, int32_t id)
{
    return rs_vocab_string(&m->target_vocab, id);
}

/* The string of target step t of h: a forced target shows its own tokens. */
static const char *step_string(const rs_model *m, const rs_translation *tr, const rs_hypothesis *h, int t)
{
    if (tr->target_tokens && t < tr->target_count)
        return tr->target_tokens[t];
    return target_string(m, h->tokens[t]);
}

/* Printed hypotheses: at most n_best; a line without any gets a placeholder (see callers). */
static int printed_count(const rs_translation *tr, int n_best)
{
    if (tr->length == 0)
        return 0;
    return tr->hypothesis_count < n_best ? tr->hypothesis_count : n_best;
}

int rs_format_hypothesis_text(rs_strbuf *out, const rs_model *m, const rs_translation *tr, const rs_hypothesis *h,
                              rs_error *err)
{
    int count = h->ended_by_eos ? h->steps - 1 : h->steps;
    const char **words = rs_alloc_array(count > 0 ? (size_t)count : 1, sizeof *words, "output", err);
    if (!words)
        return -1;
    for (int i = 0; i < count; i++)
        words[i] = step_string(m, tr, h, i);
    char *text = rs_detokenize(&m->tokenizer.target, (const char *const *)words, (size_t)count, err);
    free(words);
    if (!text)
        return -1;
    int rc = rs_strbuf_puts(out, text, err);
    free(text);
    return rc;
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

static int pad(rs_strbuf *out, size_t n, rs_error *err)
{
    for (size_t i = 0; i < n; i++)
        if (rs_strbuf_putc(out, ' ', err) < 0)
            return -1;
    return 0;
}

/* The readable matrix of -a in text mode (the layout of scripts/reference.py): a header line with the source
 * tokens, then one line per target step (eos included) with the weights in percent, then an empty line. */
static int format_matrix(rs_strbuf *out, const rs_model *m, const rs_translation *tr, const rs_hypothesis *h,
                         rs_error *err)
{
    size_t width = 1;
    for (int t = 0; t < h->steps; t++) {
        size_t w = code_points(step_string(m, tr, h, t));
        if (w > width)
            width = w;
    }
    if (pad(out, width, err) < 0 || rs_strbuf_puts(out, " |", err) < 0)
        return -1;
    for (int j = 0; j < tr->length; j++)
        if (rs_strbuf_putc(out, ' ', err) < 0 || rs_strbuf_puts(out, tr->source[j], err) < 0)
            return -1;
    if (rs_strbuf_putc(out, '\n', err) < 0)
        return -1;
    for (int t = 0; t < h->steps; t++) {
        const char *target = step_string(m, tr, h, t);
        if (rs_strbuf_puts(out, target, err) < 0 || pad(out, width - code_points(target), err) < 0 ||
            rs_strbuf_puts(out, " |", err) < 0)
            return -1;
        const float *row = h->attention + (size_t)t * (size_t)tr->length;
        for (int j = 0; j < tr->length; j++)
            if (rs_strbuf_printf(out, err, " %3.0f", 100.0 * (double)row[j]) < 0)
                return -1;
        if (rs_strbuf_putc(out, '\n', err) < 0)
            return -1;
    }
    return rs_strbuf_putc(out, '\n', err);
}

int rs_format_text(rs_strbuf *out, const rs_model *m, const rs_translation *tr, long long id,
                   const rs_output_options *o, rs_error *err)
{
    bool nbest = o->n_best > 1;
    int count = printed_count(tr, o->n_best);
    if (count == 0) {
        /* No decoding: an empty line, or one empty n-best entry as scripts/reference.py writes it. */
        if (nbest)
            return rs_strbuf_printf(out, err, "%lld |||  ||| 0.000000%s\n", id, o->alignments ? " ||| " : "");
        return rs_strbuf_putc(out, '\n', err);
    }
    for (int k = 0; k < count; k++) {
        const rs_hypothesis *h = &tr->hypotheses[k];
        if (nbest && rs_strbuf_printf(out, err, "%lld ||| ", id) < 0)
            return -1;
        if (rs_format_hypothesis_text(out, m, tr, h, err) < 0)
            return -1;
        if (nbest && rs_strbuf_printf(out, err, " ||| %.6f", h->score) < 0)
            return -1;
        if (o->alignments &&
            (rs_strbuf_puts(out, " ||| ", err) < 0 || rs_format_pharaoh(out, tr, h, err) < 0))
            return -1;
        if (rs_strbuf_putc(out, '\n', err) < 0)
            return -1;
        if (o->attention && format_matrix(out, m, tr, h, err) < 0)
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

static int format_attention_json(rs_strbuf *out, const rs_translation *tr, const rs_hypothesis *h, rs_error *err)
{
    if (rs_strbuf_puts(out, ", \"attention\": [", err) < 0)
        return -1;
    for (int t = 0; t < h->steps; t++) {
        if (rs_strbuf_puts(out, t ? ", [" : "[", err) < 0)
            return -1;
        const float *row = h->attention + (size_t)t * (size_t)tr->length;
        for (int j = 0; j < tr->length; j++)
            if ((j && rs_strbuf_puts(out, ", ", err) < 0) || format_weight(out, row[j], err) < 0)
                return -1;
        if (rs_strbuf_putc(out, ']', err) < 0)
            return -1;
    }
    return rs_strbuf_putc(out, ']', err);
}

int rs_format_jsonl(rs_strbuf *out, const rs_model *m, const rs_translation *tr, long long id,
                    const rs_output_options *o, rs_error *err)
{
    if (rs_strbuf_printf(out, err, "{\"id\": %lld, \"source\": [", id) < 0)
        return -1;
    for (int j = 0; j < tr->length; j++)
        if ((j && rs_strbuf_puts(out, ", ", err) < 0) || rs_format_json_string(out, tr->source[j], err) < 0)
            return -1;
    if (rs_strbuf_puts(out, "], \"hypotheses\": [", err) < 0)
        return -1;
    int count = printed_count(tr, o->n_best);
    if (count == 0) {
        /* No decoding: one empty hypothesis, as scripts/reference.py writes it. */
        if (rs_strbuf_puts(out, "{\"tokens\": [], \"text\": \"\", \"score\": 0.0, \"normalized_score\": 0.0", err) <
                0 ||
            (o->attention && rs_strbuf_puts(out, ", \"attention\": []", err) < 0) ||
            (o->alignments && rs_strbuf_puts(out, ", \"alignment\": \"\"", err) < 0) ||
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
                rs_format_json_string(out, step_string(m, tr, h, i), err) < 0)
                return -1;
        /* The text goes through a second buffer to be escaped. */
        rs_strbuf text;
        rs_strbuf_init(&text);
        int rc = rs_format_hypothesis_text(&text, m, tr, h, err);
        if (rc == 0)
            rc = rs_strbuf_puts(out, "], \"text\": ", err);
        if (rc == 0)
            rc = rs_format_json_string(out, text.data ? text.data : "", err);
        rs_strbuf_free(&text);
        if (rc < 0 || rs_strbuf_puts(out, ", \"score\": ", err) < 0 || rs_format_double(out, h->score, err) < 0 ||
            rs_strbuf_puts(out, ", \"normalized_score\": ", err) < 0 ||
            rs_format_double(out, h->normalized_score, err) < 0)
            return -1;
        if (o->attention && format_attention_json(out, tr, h, err) < 0)
            return -1;
        if (o->alignments && (rs_strbuf_puts(out, ", \"alignment\": \"", err) < 0 ||
                              rs_format_pharaoh(out, tr, h, err) < 0 || rs_strbuf_putc(out, '"', err) < 0))
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
    return rs_strbuf_puts(out, "id,hypothesis,target_index,target_token,source_index,source_token,weight\r\n", err);
}

int rs_format_csv(rs_strbuf *out, const rs_model *m, const rs_translation *tr, long long id, int n_best,
                  rs_error *err)
{
    int count = printed_count(tr, n_best);
    for (int k = 0; k < count; k++) {
        const rs_hypothesis *h = &tr->hypotheses[k];
        for (int t = 0; t < h->steps; t++) {
            const char *target = step_string(m, tr, h, t);
            const float *row = h->attention + (size_t)t * (size_t)tr->length;
            for (int j = 0; j < tr->length; j++) {
                if (rs_strbuf_printf(out, err, "%lld,%d,%d,", id, k, t) < 0 || csv_field(out, target, err) < 0 ||
                    rs_strbuf_printf(out, err, ",%d,", j) < 0 || csv_field(out, tr->source[j], err) < 0 ||
                    rs_strbuf_printf(out, err, ",%.9g\r\n", (double)row[j]) < 0)
                    return -1;
            }
        }
    }
    return 0;
}
