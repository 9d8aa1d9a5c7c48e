#include "html.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "heatmap.h"
#include "html_assets.h"
#include "output.h"
#include "utf8.h"

/* A row's values are stored as integers in [-ROW_STEPS, ROW_STEPS], relative to the row's largest magnitude. */
#define ROW_STEPS 1000.0

static int write_failed(const rs_html_doc *doc, rs_error *err)
{
    int code = errno;
    return rs_fail(err, "cannot write the HTML report to %s: %s", doc->name ? doc->name : "the output",
                   code ? strerror(code) : "write error");
}

static int emit(const rs_html_doc *doc, const char *text, size_t len, rs_error *err)
{
    errno = 0;
    if (len && fwrite(text, 1, len, doc->out) != len)
        return write_failed(doc, err);
    return 0;
}

static int emit_str(const rs_html_doc *doc, const char *text, rs_error *err)
{
    return emit(doc, text, strlen(text), err);
}

/* ---- JSON ------------------------------------------------------------------------------------------- */

/* Code points written as \u escapes: what could end the script element or start a comment in it, the line
 * separators that old JavaScript parsers refuse in strings, and the JSON-mandatory ones. */
static bool needs_escape(uint32_t cp)
{
    return cp < 0x20 || cp == '"' || cp == '\\' || cp == '<' || cp == '>' || cp == '&' || cp == 0x2028 ||
           cp == 0x2029;
}

/* Control characters other than tab and line ends, DEL and the C1 controls, and noncharacters are shown as
 * U+FFFD: they have no place in a page. */
static uint32_t visible(uint32_t cp)
{
    bool control = (cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') || (cp >= 0x7F && cp <= 0x9F);
    bool nonchar = (cp >= 0xFDD0 && cp <= 0xFDEF) || (cp & 0xFFFE) == 0xFFFE;
    return control || nonchar ? RS_UTF8_REPLACEMENT : cp;
}

int rs_html_json_string(rs_strbuf *out, const char *text, size_t len, rs_error *err)
{
    const unsigned char *s = (const unsigned char *)text;
    if (rs_strbuf_putc(out, '"', err) < 0)
        return -1;
    size_t i = 0;
    while (i < len) {
        size_t run = i;
        while (run < len && s[run] >= 0x20 && s[run] < 0x7F && !needs_escape(s[run]))
            run++;
        if (run > i && rs_strbuf_append(out, text + i, run - i, err) < 0)
            return -1;
        if (run == len)
            break;
        uint32_t cp;
        i = run + rs_utf8_decode(s + run, len - run, &cp);
        cp = visible(cp);
        char bytes[4];
        int rc = cp == '"' || cp == '\\' ? rs_strbuf_printf(out, err, "\\%c", (char)cp)
                 : needs_escape(cp)        ? rs_strbuf_printf(out, err, "\\u%04x", (unsigned)cp)
                                           : rs_strbuf_append(out, bytes, rs_utf8_encode(cp, bytes), err);
        if (rc < 0)
            return -1;
    }
    return rs_strbuf_putc(out, '"', err);
}

static int json_token_list(rs_strbuf *out, const char *const *tokens, size_t n, rs_error *err)
{
    if (rs_strbuf_putc(out, '[', err) < 0)
        return -1;
    for (size_t k = 0; k < n; k++)
        if ((k && rs_strbuf_putc(out, ',', err) < 0) || rs_html_json_string(out, tokens[k], strlen(tokens[k]), err) < 0)
            return -1;
    return rs_strbuf_putc(out, ']', err);
}

/* The largest finite magnitude of a row; 0 when there is none. */
static double row_largest(const float *row, size_t columns)
{
    double largest = 0.0;
    for (size_t j = 0; j < columns; j++) {
        double v = fabs((double)row[j]);
        if (isfinite(v) && v > largest)
            largest = v;
    }
    return largest;
}

/* A scale with the fewest digits that read back as the same float (a double's 17 would double the size of
 * a short row); "%g" as rs_format_double writes it, without a locale's decimal comma. */
static int format_scale(rs_strbuf *out, float scale, rs_error *err)
{
    char digits[32];
    for (int precision = 1; precision <= 9; precision++) {
        snprintf(digits, sizeof digits, "%.*g", precision, (double)scale);
        if (strtof(digits, NULL) == scale)
            break;
    }
    return rs_strbuf_puts(out, digits, err);
}

/* {"scales": [...], "values": [...]}: each row relative to its largest magnitude (html.h). */
static int json_matrix(rs_strbuf *out, const float *weights, size_t rows, size_t columns, rs_error *err)
{
    if (rs_strbuf_puts(out, "{\"scales\":[", err) < 0)
        return -1;
    for (size_t t = 0; t < rows; t++) {
        double largest = row_largest(weights + t * columns, columns);
        if ((t && rs_strbuf_putc(out, ',', err) < 0) ||
            format_scale(out, largest > 0.0 ? (float)(largest / ROW_STEPS) : 1.0f, err) < 0)
            return -1;
    }
    if (rs_strbuf_puts(out, "],\"values\":[", err) < 0)
        return -1;
    for (size_t t = 0; t < rows; t++) {
        double largest = row_largest(weights + t * columns, columns);
        for (size_t j = 0; j < columns; j++) {
            double v = weights[t * columns + j];
            int rc = (t || j) ? rs_strbuf_putc(out, ',', err) : 0;
            if (rc == 0)
                rc = !isfinite(v)        ? rs_strbuf_puts(out, "null", err)
                     : largest == 0.0    ? rs_strbuf_putc(out, '0', err)
                                         : rs_strbuf_printf(out, err, "%ld", lround(v / largest * ROW_STEPS));
            if (rc < 0)
                return -1;
        }
    }
    return rs_strbuf_puts(out, "]}", err);
}

static bool tokens_rtl(const char *const *tokens, size_t n)
{
    int votes = 0;
    for (size_t k = 0; k < n; k++)
        votes += rs_heatmap_token_direction(tokens[k]);
    return votes > 0;
}

static int json_sentence(rs_strbuf *out, const rs_html_doc *doc, const rs_html_sentence *s, rs_error *err)
{
    size_t text_len = s->source_text_len;
    while (text_len && (s->source_text[text_len - 1] == '\n' || s->source_text[text_len - 1] == '\r'))
        text_len--;
    if (rs_strbuf_printf(out, err, "{\"id\":%lld,", s->id) < 0 ||
        (s->rank >= 0 && rs_strbuf_printf(out, err, "\"rank\":%d,", s->rank) < 0) ||
        rs_strbuf_puts(out, "\"score\":", err) < 0 ||
        (isfinite(s->score) ? rs_format_double(out, s->score, err) : rs_strbuf_puts(out, "null", err)) < 0 ||
        rs_strbuf_puts(out, ",\"source_text\":", err) < 0 ||
        rs_html_json_string(out, s->source_text, text_len, err) < 0 ||
        rs_strbuf_puts(out, ",\"translation\":", err) < 0 ||
        rs_html_json_string(out, s->translation, strlen(s->translation), err) < 0 ||
        rs_strbuf_puts(out, ",\"source\":", err) < 0 || json_token_list(out, s->source, s->n_source, err) < 0 ||
        rs_strbuf_puts(out, ",\"target\":", err) < 0 || json_token_list(out, s->target, s->n_target, err) < 0 ||
        rs_strbuf_printf(out, err, ",\"source_rtl\":%s,\"target_rtl\":%s,\"matrices\":{",
                         tokens_rtl(s->source, s->n_source) ? "true" : "false",
                         tokens_rtl(s->target, s->n_target) ? "true" : "false") < 0)
        return -1;
    bool first = true;
    for (size_t m = 0; m < doc->n_methods && s->n_source && s->n_target; m++) {
        if (!s->matrices || !s->matrices[m])
            continue;
        if ((!first && rs_strbuf_putc(out, ',', err) < 0) ||
            rs_html_json_string(out, doc->methods[m].name, strlen(doc->methods[m].name), err) < 0 ||
            rs_strbuf_putc(out, ':', err) < 0 || json_matrix(out, s->matrices[m], s->n_target, s->n_source, err) < 0)
            return -1;
        first = false;
    }
    return rs_strbuf_puts(out, "}}", err);
}

static const char *const RANGE_NAMES[] = {"unit", "positive", "signed"};

static int json_methods(rs_strbuf *out, const rs_html_method *methods, size_t n, rs_error *err)
{
    if (rs_strbuf_puts(out, "\"methods\":[", err) < 0)
        return -1;
    for (size_t m = 0; m < n; m++) {
        const rs_html_method *method = &methods[m];
        if ((m && rs_strbuf_putc(out, ',', err) < 0) || rs_strbuf_puts(out, "{\"name\":", err) < 0 ||
            rs_html_json_string(out, method->name, strlen(method->name), err) < 0 ||
            rs_strbuf_puts(out, ",\"label\":", err) < 0 ||
            rs_html_json_string(out, method->label, strlen(method->label), err) < 0 ||
            rs_strbuf_puts(out, ",\"about\":", err) < 0 ||
            rs_html_json_string(out, method->about, strlen(method->about), err) < 0 ||
            rs_strbuf_printf(out, err, ",\"range\":\"%s\"}", RANGE_NAMES[method->range]) < 0)
            return -1;
    }
    return rs_strbuf_putc(out, ']', err);
}

/* ---- the page ---------------------------------------------------------------------------------------- */

int rs_html_begin(rs_html_doc *doc, FILE *out, const char *name, const rs_html_method *methods, size_t n_methods,
                  rs_error *err)
{
    memset(doc, 0, sizeof *doc);
    doc->out = out;
    doc->name = name;
    doc->methods = methods;
    doc->n_methods = n_methods;
    rs_strbuf_init(&doc->buf);
    if (rs_strbuf_puts(&doc->buf, "{\"format\":\"rnnsearch-report\",\"version\":1,", err) < 0 ||
        json_methods(&doc->buf, methods, n_methods, err) < 0 || rs_strbuf_puts(&doc->buf, ",\"sentences\":[", err) < 0)
        return -1;
    if (emit_str(doc, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                      "<meta http-equiv=\"Content-Security-Policy\" content=\"", err) < 0 ||
        emit_str(doc, RS_HTML_POLICY, err) < 0 ||
        emit_str(doc, "\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                      "<meta name=\"generator\" content=\"rnnsearch\">\n<title>rnnsearch report</title>\n<style>",
                 err) < 0 ||
        emit_str(doc, RS_HTML_CSS, err) < 0 ||
        emit_str(doc, "</style>\n</head>\n<body>\n<noscript><p class=\"noscript\">This report draws its sentences and "
                      "heatmaps with JavaScript: allow scripts for this file to see them.</p></noscript>\n"
                      "<script type=\"application/json\" id=\"rs-data\">", err) < 0 ||
        emit(doc, doc->buf.data, doc->buf.len, err) < 0)
        return -1;
    rs_strbuf_clear(&doc->buf);
    return 0;
}

int rs_html_add(rs_html_doc *doc, const rs_html_sentence *sentence, rs_error *err)
{
    rs_strbuf_clear(&doc->buf);
    if ((doc->count && rs_strbuf_puts(&doc->buf, ",\n", err) < 0) || json_sentence(&doc->buf, doc, sentence, err) < 0 ||
        emit(doc, doc->buf.data, doc->buf.len, err) < 0)
        return -1;
    doc->count++;
    return 0;
}

int rs_html_end(rs_html_doc *doc, rs_error *err)
{
    int rc = emit_str(doc, "]}</script>\n<script>", err) < 0 || emit_str(doc, RS_HTML_JS, err) < 0 ||
                     emit_str(doc, "</script>\n</body>\n</html>\n", err) < 0
                 ? -1
                 : 0;
    errno = 0;
    if (rc == 0 && (fflush(doc->out) != 0 || ferror(doc->out)))
        rc = write_failed(doc, err);
    rs_html_abandon(doc);
    return rc;
}

void rs_html_abandon(rs_html_doc *doc)
{
    rs_strbuf_free(&doc->buf);
}
