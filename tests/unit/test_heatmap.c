/* SVG heatmap tests: documents are well-formed XML (checked by a small parser below), hold one cell per weight,
 * escape token text, mark right-to-left tokens and reverse an RTL source axis, stack several sentences in
 * one document on seekable and non-seekable streams, and report write failures. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* popen, for a stream that cannot seek */
#endif

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "heatmap.h"

/* ---- helpers -------------------------------------------------------------------------------------- */

static char *read_stream(FILE *f)
{
    assert_int_equal(fseek(f, 0, SEEK_SET), 0);
    size_t cap = 1 << 16, n = 0, got;
    char *data = malloc(cap + 1);
    assert_non_null(data);
    while ((got = fread(data + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            cap *= 2;
            data = realloc(data, cap + 1);
            assert_non_null(data);
        }
    }
    data[n] = '\0';
    return data;
}

static size_t count(const char *text, const char *needle)
{
    size_t n = 0, len = strlen(needle);
    for (const char *p = strstr(text, needle); p; p = strstr(p + len, needle))
        n++;
    return n;
}

static int valid_utf8(const unsigned char *s)
{
    while (*s) {
        size_t len = *s < 0x80 ? 1 : (*s >= 0xC2 && *s <= 0xDF) ? 2 : (*s >= 0xE0 && *s <= 0xEF) ? 3
                                                                    : (*s >= 0xF0 && *s <= 0xF4) ? 4 : 0;
        if (!len)
            return 0;
        for (size_t i = 1; i < len; i++)
            if ((s[i] & 0xC0) != 0x80)
                return 0;
        s += len;
    }
    return 1;
}

/* Character data and attribute values: every & starts one of the five predefined entities, and no < or >
 * appears raw (> is legal in XML text, but the writer escapes it, so one here means a missed escape). */
static int check_chars(const char *s, size_t len)
{
    static const char *const ENTITIES[] = {"&amp;", "&lt;", "&gt;", "&quot;", "&apos;"};
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '<' || s[i] == '>')
            return 0;
        if (s[i] == '&') {
            int ok = 0;
            for (int k = 0; k < 5; k++)
                if (strncmp(s + i, ENTITIES[k], strlen(ENTITIES[k])) == 0)
                    ok = 1;
            if (!ok)
                return 0;
        }
    }
    return 1;
}

static int name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == ':'
           || c == '_';
}

/* A small XML checker for what the writer produces: an optional <?xml ...?> declaration, then exactly one root
 * element; tags balance, attributes are quoted and unique enough for our purposes, text is escaped.
 * Returns the number of elements, or -1 (with the offset of the fault in *where). */
static long check_xml(const char *doc, size_t *where)
{
    const char *p = doc;
    const char *stack[256];
    size_t lens[256], depth = 0;
    long elements = 0;
    int roots = 0;
    if (strncmp(p, "<?xml ", 6) == 0) {
        p = strstr(p, "?>");
        if (!p)
            goto bad;
        p += 2;
    }
    while (*p) {
        if (*p != '<') {
            const char *end = strchr(p, '<');
            size_t len = end ? (size_t)(end - p) : strlen(p);
            if (!check_chars(p, len))
                goto bad;
            if (depth == 0)
                for (size_t i = 0; i < len; i++)
                    if (p[i] != ' ' && p[i] != '\n')
                        goto bad;
            p += len;
            continue;
        }
        if (p[1] == '/') {
            const char *name = p + 2;
            size_t len = 0;
            while (name_char(name[len]))
                len++;
            if (depth == 0 || name[len] != '>' || lens[depth - 1] != len || strncmp(stack[depth - 1], name, len))
                goto bad;
            depth--;
            p = name + len + 1;
            continue;
        }
        const char *name = p + 1;
        size_t len = 0;
        while (name_char(name[len]))
            len++;
        if (len == 0)
            goto bad;
        if (depth == 0 && ++roots > 1)
            goto bad;
        elements++;
        p = name + len;
        for (;;) {
            while (*p == ' ' || *p == '\n')
                p++;
            if (p[0] == '/' && p[1] == '>') {
                p += 2;
                break;
            }
            if (*p == '>') {
                if (depth == 256)
                    goto bad;
                stack[depth] = name;
                lens[depth++] = len;
                p++;
                break;
            }
            size_t attr = 0;
            while (name_char(p[attr]))
                attr++;
            if (attr == 0 || p[attr] != '=' || p[attr + 1] != '"')
                goto bad;
            const char *value = p + attr + 2, *close = strchr(value, '"');
            if (!close || !check_chars(value, (size_t)(close - value)))
                goto bad;
            p = close + 1;
            if (*p != ' ' && *p != '\n' && *p != '>' && *p != '/')
                goto bad;
        }
    }
    if (depth != 0 || roots != 1)
        goto bad;
    return elements;
bad:
    *where = (size_t)(p - doc);
    return -1;
}

static void assert_well_formed(const char *doc)
{
    size_t where = 0;
    long elements = check_xml(doc, &where);
    if (elements < 0)
        fail_msg("not well-formed at byte %zu: ...%.60s", where, doc + where);
    assert_true(valid_utf8((const unsigned char *)doc));
}

static float *uniform_weights(size_t n_target, size_t n_source)
{
    float *w = malloc((n_target * n_source + 1) * sizeof *w);
    assert_non_null(w);
    for (size_t i = 0; i < n_target * n_source; i++)
        w[i] = 1.0f / (float)n_source;
    return w;
}

/* Writes one sentence as a document and returns the text. */
static char *render(const rs_heatmap_sentence *s)
{
    FILE *f = tmpfile();
    assert_non_null(f);
    rs_error err = {{0}};
    if (rs_heatmap_svg_write(f, "test.svg", s, &err) != 0)
        fail_msg("rs_heatmap_svg_write: %s", err.message);
    char *text = read_stream(f);
    fclose(f);
    assert_well_formed(text);
    return text;
}

/* The x of the translate() of the first <text> whose content starts with label. */
static double source_label_x(const char *doc, const char *label)
{
    const char *needle = "rotate(-45)\" font-size=\"";
    for (const char *p = strstr(doc, needle); p; p = strstr(p + 1, needle)) {
        const char *content = strchr(p, '>') + 1;
        const char *rtl = "<tspan direction=\"rtl\" unicode-bidi=\"embed\">";
        if (strncmp(content, rtl, strlen(rtl)) == 0)
            content += strlen(rtl);
        if (strncmp(content, label, strlen(label)) == 0) {
            const char *start = p;
            while (start > doc && strncmp(start, "translate(", 10) != 0)
                start--;
            return strtod(start + 10, NULL);
        }
    }
    fail_msg("no source label %s", label);
    return 0.0;
}

/* ---- tests ------------------------------------------------------------------------------------------- */

static void test_structure(void **state)
{
    (void)state;
    const char *source[] = {"ein", "hund", "</s>"};
    const char *target[] = {"a", "dog", "barks", "</s>"};
    float *w = uniform_weights(4, 3);
    w[0] = 0.123456f;
    rs_heatmap_sentence s = {"0: a dog barks", source, 3, target, 4, w, RS_HEATMAP_AUTO, 0};
    char *doc = render(&s);
    const char *prolog = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\"";
    assert_int_equal(strncmp(doc, prolog, strlen(prolog)), 0);
    assert_int_equal(count(doc, "</title></rect>"), 12); /* one cell per weight */
    assert_int_equal(count(doc, "<g class=\"sentence\""), 1);
    assert_non_null(strstr(doc, "<title>a \xE2\x86\x90 ein: 0.123456</title>"));
    assert_non_null(strstr(doc, "<title>dog \xE2\x86\x90 hund: 0.333333</title>"));
    assert_non_null(strstr(doc, "sans-serif"));
    assert_non_null(strstr(doc, "font-weight=\"bold\">0: a dog barks</text>"));
    assert_non_null(strstr(doc, "fill=\"url(#rs-heatmap-scale)\"")); /* the legend */
    assert_int_equal(count(doc, "<stop "), 10);
    assert_non_null(strstr(doc, ">0.75</text>"));
    assert_non_null(strstr(doc, "rotate(-45)")); /* source labels on top, rotated */
    assert_int_equal(count(doc, "text-anchor=\"end\""), 4); /* target labels on the left */
    assert_null(strstr(doc, "direction=\"rtl\""));
    /* Left to right: the first source label is left of the last. */
    assert_true(source_label_x(doc, "ein") < source_label_x(doc, "&lt;/s&gt;"));
    free(doc);
    free(w);
}

static void test_escaping(void **state)
{
    (void)state;
    const char *source[] = {"a&b", "<s>", "\"q\"", "it's", "x>y", "</s>"};
    const char *target[] = {"&amp;", "caf\xC3\xA9", "\xF0\x9F\x99\x82", "</s>"};
    float *w = uniform_weights(4, 6);
    rs_heatmap_sentence s = {"7: <b>bold</b> & \"quoted\"\ttab\x01", source, 6, target, 4, w, RS_HEATMAP_AUTO, 0};
    char *doc = render(&s);
    assert_non_null(strstr(doc, ">a&amp;b</text>"));
    assert_non_null(strstr(doc, ">&lt;s&gt;</text>"));
    assert_non_null(strstr(doc, ">&quot;q&quot;</text>"));
    assert_non_null(strstr(doc, ">it&apos;s</text>"));
    assert_non_null(strstr(doc, ">x&gt;y</text>"));
    assert_non_null(strstr(doc, ">&amp;amp;</text>"));
    assert_non_null(strstr(doc, ">caf\xC3\xA9</text>"));
    assert_non_null(strstr(doc, ">\xF0\x9F\x99\x82</text>"));
    /* Control characters cannot appear in XML 1.0: U+FFFD instead; tab is allowed. */
    assert_non_null(strstr(doc, "&lt;b&gt;bold&lt;/b&gt; &amp; &quot;quoted&quot;\ttab\xEF\xBF\xBD</text>"));
    assert_null(strstr(doc, "\x01"));
    assert_null(strstr(doc, "<s>"));
    free(doc);
    free(w);
}

static void test_rtl_source_axis(void **state)
{
    (void)state;
    /* Persian: "man", "with ZWNJ", "hat", ".", eos */
    const char *source[] = {"\xD9\x85\xD8\xB1\xD8\xAF", "\xD9\x85\xDB\x8C\xE2\x80\x8C\xD8\xB1\xD9\x88\xD9\x85",
                            "\xDA\xA9\xD9\x84\xD8\xA7\xD9\x87", ".", "</s>"};
    const char *target[] = {"man", "goes", "</s>"};
    float *w = uniform_weights(3, 5);
    rs_heatmap_sentence s = {NULL, source, 5, target, 3, w, RS_HEATMAP_AUTO, 0};
    char *doc = render(&s);
    assert_int_equal(count(doc, "<tspan direction=\"rtl\" unicode-bidi=\"embed\">"), 3);
    assert_true(source_label_x(doc, source[0]) > source_label_x(doc, "&lt;/s&gt;"));
    assert_true(source_label_x(doc, source[0]) > source_label_x(doc, source[2]));
    assert_null(strstr(doc, "font-weight=\"bold\"")); /* no title */
    free(doc);

    s.source_direction = RS_HEATMAP_LTR; /* the caller's choice wins */
    doc = render(&s);
    assert_true(source_label_x(doc, source[0]) < source_label_x(doc, "&lt;/s&gt;"));
    assert_int_equal(count(doc, "<tspan direction=\"rtl\" unicode-bidi=\"embed\">"), 3);
    free(doc);
    free(w);
}

static void test_rtl_target_and_title(void **state)
{
    (void)state;
    const char *source[] = {"i", "know", ".", "</s>"};
    const char *target[] = {"\xD9\x85\xD9\x86", "\xD9\x85\xDB\x8C\xE2\x80\x8C\xD8\xAF\xD8\xA7\xD9\x86\xD9\x85", ".",
                            "</s>"};
    float *w = uniform_weights(4, 4);
    rs_heatmap_sentence s = {"3: \xD9\x85\xD9\x86 .", source, 4, target, 4, w, RS_HEATMAP_AUTO, 0};
    char *doc = render(&s);
    /* Two target labels and the title's Persian part; the source axis stays left to right. */
    assert_int_equal(count(doc, "direction=\"rtl\""), 3);
    assert_non_null(
        strstr(doc, ">3: <tspan direction=\"rtl\" unicode-bidi=\"embed\">\xD9\x85\xD9\x86 .</tspan></text>"));
    assert_true(source_label_x(doc, "i") < source_label_x(doc, "know"));
    free(doc);
    free(w);
}

static void test_rtl_detection(void **state)
{
    (void)state;
    assert_true(rs_heatmap_is_rtl("\xD7\xA9\xD7\x9C\xD7\x95\xD7\x9D"));  /* Hebrew */
    assert_true(rs_heatmap_is_rtl("\xD8\xA7\xD9\x84\xD8\xB9\xD8\xB1\xD8\xA8\xD9\x8A\xD8\xA9")); /* Arabic */
    assert_true(rs_heatmap_is_rtl("x\xDB\x8C"));                          /* Persian yeh after Latin */
    assert_true(rs_heatmap_is_rtl("\xEF\xBB\xB7"));                        /* presentation form B */
    assert_false(rs_heatmap_is_rtl("hello"));
    assert_false(rs_heatmap_is_rtl("</s>"));
    assert_false(rs_heatmap_is_rtl("\xE2\x80\x8C"));                       /* ZWNJ alone is neutral */
    assert_false(rs_heatmap_is_rtl("\xE6\x9D\xB1"));                       /* CJK */
    assert_false(rs_heatmap_is_rtl(""));
}

static void test_columns_and_truncation(void **state)
{
    (void)state;
    assert_int_equal(rs_heatmap_columns("abc"), 3);
    assert_int_equal(rs_heatmap_columns("e\xCC\x81"), 1);                 /* e + combining acute */
    assert_int_equal(rs_heatmap_columns("\xE6\x9D\xB1\xE4\xBA\xAC"), 4);  /* two wide CJK characters */
    assert_int_equal(rs_heatmap_columns(""), 0);

    const char *long_token = "antidisestablishmentarianism-supercalifragilistic"; /* 49 columns */
    const char *source[] = {long_token, "</s>"};
    const char *target[] = {"x", "</s>"};
    float *w = uniform_weights(2, 2);
    rs_heatmap_sentence s = {NULL, source, 2, target, 2, w, RS_HEATMAP_AUTO, 0};
    char *doc = render(&s);
    /* The label keeps 23 columns and an ellipsis; the tooltip has the whole token. */
    assert_non_null(strstr(doc, ">antidisestablishmentari\xE2\x80\xA6<title>"
                                "antidisestablishmentarianism-supercalifragilistic</title></text>"));
    free(doc);
    free(w);
}

static void test_colour_map(void **state)
{
    (void)state;
    assert_int_equal(rs_heatmap_colour(0.0f), 0x440154);
    assert_int_equal(rs_heatmap_colour(1.0f), 0xfde725);
    assert_int_equal(rs_heatmap_colour(-1.0f), 0x440154);
    assert_int_equal(rs_heatmap_colour(7.0f), 0xfde725);
    assert_int_equal(rs_heatmap_colour(NAN), 0x440154);
    assert_int_equal(rs_heatmap_colour(1.0f / 9.0f), 0x482878);
    /* Lightness grows with the weight: the sum of the channels is monotone along the map. */
    int previous = -1;
    for (int k = 0; k <= 100; k++) {
        unsigned long c = rs_heatmap_colour((float)k / 100.0f);
        int sum = (int)((c >> 16) & 0xFF) + (int)((c >> 8) & 0xFF) + (int)(c & 0xFF);
        assert_true(sum >= previous);
        previous = sum;
    }
}

static void test_nan_and_empty(void **state)
{
    (void)state;
    const char *source[] = {"a", "</s>"};
    const char *target[] = {"</s>"};
    float w[2] = {NAN, 1.0f};
    rs_heatmap_sentence s = {"nan", source, 2, target, 1, w, RS_HEATMAP_AUTO, 0};
    char *doc = render(&s);
    assert_non_null(strstr(doc, "fill=\"#999999\"><title>&lt;/s&gt; \xE2\x86\x90 a: nan</title>"));
    free(doc);

    rs_heatmap_sentence empty = {"empty", NULL, 0, NULL, 0, NULL, RS_HEATMAP_AUTO, 0};
    doc = render(&empty);
    assert_int_equal(count(doc, "</title></rect>"), 0);
    free(doc);

    rs_heatmap_sentence missing = {NULL, source, 2, target, 1, NULL, RS_HEATMAP_AUTO, 0};
    FILE *f = tmpfile();
    assert_non_null(f);
    rs_error err = {{0}};
    assert_int_equal(rs_heatmap_svg_write(f, "x.svg", &missing, &err), -1);
    assert_non_null(strstr(err.message, "no attention weights"));
    fclose(f);
}

static void test_large_sentence(void **state)
{
    (void)state;
    enum { N = 100 };
    const char *tokens[N];
    char storage[N][16];
    for (int i = 0; i < N; i++) {
        snprintf(storage[i], sizeof storage[i], "word%d", i);
        tokens[i] = storage[i];
    }
    float *w = uniform_weights(N, N);
    rs_heatmap_sentence s = {"big", tokens, N, tokens, N, w, RS_HEATMAP_AUTO, 0};
    char *doc = render(&s);
    assert_int_equal(count(doc, "</title></rect>"), N * N);
    /* 12-unit cells: the document stays well under 1500 units a side. */
    double width = strtod(strstr(doc, " width=\"") + 8, NULL), height = strtod(strstr(doc, " height=\"") + 9, NULL);
    assert_true(width > 1200.0 && width < 1500.0);
    assert_true(height > 1200.0 && height < 1500.0);
    assert_non_null(strstr(doc, "width=\"12\" height=\"12\""));
    free(doc);
    free(w);
}

/* Three sentences, one of them wider, stacked in one document. */
static void write_stacked(FILE *f)
{
    const char *source[] = {"ein", "hund", "</s>"};
    const char *target[] = {"a", "dog", "</s>"};
    const char *wide[] = {"one", "two", "three", "four", "five", "six", "seven", "eight", "</s>"};
    float *w = uniform_weights(9, 9);
    rs_heatmap_sentence a = {"0: a dog", source, 3, target, 3, w, RS_HEATMAP_AUTO, 0};
    rs_heatmap_sentence b = {"1: wide", wide, 9, target, 3, w, RS_HEATMAP_AUTO, 0};
    rs_heatmap_doc doc;
    rs_error err = {{0}};
    if (rs_heatmap_svg_begin(&doc, f, "stacked.svg", &err) || rs_heatmap_svg_sentence(&doc, &a, &err)
        || rs_heatmap_svg_sentence(&doc, &b, &err) || rs_heatmap_svg_sentence(&doc, &a, &err)
        || rs_heatmap_svg_end(&doc, &err))
        fail_msg("stacked: %s", err.message);
    rs_heatmap_svg_abandon(&doc); /* harmless after end */
    free(w);
}

static void check_stacked(const char *doc)
{
    assert_well_formed(doc);
    assert_int_equal(count(doc, "<g class=\"sentence\""), 3);
    assert_int_equal(count(doc, "</title></rect>"), 9 + 27 + 9);
    assert_int_equal(count(doc, "<linearGradient"), 1);
    assert_int_equal(count(doc, "<svg "), 1);
    assert_int_equal(count(doc, "</svg>"), 1);
    /* The root's size covers the panels: the last panel's offset is below the first two. */
    double height = strtod(strstr(doc, " height=\"") + 9, NULL);
    const char *last = strstr(doc, "<g class=\"sentence\" transform=\"translate(0 ");
    for (const char *p = last; p; p = strstr(p + 1, "<g class=\"sentence\" transform=\"translate(0 "))
        last = p;
    double last_y = strtod(last + strlen("<g class=\"sentence\" transform=\"translate(0 "), NULL);
    assert_true(last_y > 200.0);
    assert_true(height > last_y + 100.0);
    double width = strtod(strstr(doc, " width=\"") + 8, NULL);
    assert_true(width > 300.0);
    char view[64];
    snprintf(view, sizeof view, "viewBox=\"0 0 %g %g\"", width, height);
    assert_non_null(strstr(doc, view));
}

static void test_stacked_seekable(void **state)
{
    (void)state;
    FILE *f = tmpfile();
    assert_non_null(f);
    write_stacked(f);
    char *doc = read_stream(f);
    fclose(f);
    check_stacked(doc);
    free(doc);
}

static void test_stacked_pipe(void **state)
{
    (void)state;
    char path[] = "/tmp/rs_heatmap_test_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *target = fdopen(fd, "r");
    assert_non_null(target);
    char command[128];
    snprintf(command, sizeof command, "cat > %s", path);
    FILE *pipe = popen(command, "w");
    assert_non_null(pipe);
    assert_true(ftell(pipe) < 0); /* really not seekable: the spool path */
    write_stacked(pipe);
    assert_int_equal(pclose(pipe), 0);
    char *doc = read_stream(target);
    fclose(target);
    remove(path);
    check_stacked(doc);
    free(doc);
}

static void test_stacked_append(void **state)
{
    (void)state;
    char path[] = "/tmp/rs_heatmap_test_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "a+");
    assert_non_null(f);
    write_stacked(f); /* append mode: writes ignore the position, so the size cannot be patched in place */
    char *doc = read_stream(f);
    fclose(f);
    remove(path);
    check_stacked(doc);
    free(doc);
}

static void test_empty_stack(void **state)
{
    (void)state;
    FILE *f = tmpfile();
    assert_non_null(f);
    rs_heatmap_doc doc;
    rs_error err = {{0}};
    assert_int_equal(rs_heatmap_svg_begin(&doc, f, NULL, &err), 0);
    assert_int_equal(rs_heatmap_svg_end(&doc, &err), 0);
    char *text = read_stream(f);
    fclose(f);
    assert_well_formed(text);
    free(text);
}

static void test_write_failures(void **state)
{
    (void)state;
    const char *source[] = {"a", "</s>"};
    const char *target[] = {"b", "</s>"};
    float w[4] = {0.5f, 0.5f, 0.5f, 0.5f};
    rs_heatmap_sentence s = {"t", source, 2, target, 2, w, RS_HEATMAP_AUTO, 0};
    rs_error err = {{0}};

    /* A stream open for reading: the first write fails. */
    char path[] = "/tmp/rs_heatmap_test_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "r");
    assert_non_null(f);
    assert_int_equal(rs_heatmap_svg_write(f, "readonly.svg", &s, &err), -1);
    assert_non_null(strstr(err.message, "cannot write the SVG heatmap to readonly.svg"));
    fclose(f);
    remove(path);

    /* A full device: writes are buffered and fail when flushed. */
    f = fopen("/dev/full", "w");
    if (!f) {
        skip();
        return;
    }
    err.message[0] = '\0';
    assert_int_equal(rs_heatmap_svg_write(f, "full.svg", &s, &err), -1);
    assert_non_null(strstr(err.message, "full.svg"));
    fclose(f);

    f = fopen("/dev/full", "w");
    assert_non_null(f);
    rs_heatmap_doc doc;
    err.message[0] = '\0';
    int failed = rs_heatmap_svg_begin(&doc, f, "full.svg", &err) || rs_heatmap_svg_sentence(&doc, &s, &err)
                 || rs_heatmap_svg_end(&doc, &err);
    assert_true(failed);
    rs_heatmap_svg_abandon(&doc);
    assert_non_null(strstr(err.message, "full.svg"));
    fclose(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_structure),
        cmocka_unit_test(test_escaping),
        cmocka_unit_test(test_rtl_source_axis),
        cmocka_unit_test(test_rtl_target_and_title),
        cmocka_unit_test(test_rtl_detection),
        cmocka_unit_test(test_columns_and_truncation),
        cmocka_unit_test(test_colour_map),
        cmocka_unit_test(test_nan_and_empty),
        cmocka_unit_test(test_large_sentence),
        cmocka_unit_test(test_stacked_seekable),
        cmocka_unit_test(test_stacked_pipe),
        cmocka_unit_test(test_stacked_append),
        cmocka_unit_test(test_empty_stack),
        cmocka_unit_test(test_write_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
