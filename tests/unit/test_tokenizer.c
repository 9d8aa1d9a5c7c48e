/* Tokenizer tests: the shared vectors (tests/tokenizer_vectors.tsv and tests/detokenizer_vectors.tsv, which
 * tests/test_tokenizer.py also checks against scripts/tokenizer.py), the model-file options parser, the token
 * list, UTF-8, and invariants on random bytes. Run from the repository root. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <cjson/cJSON.h>

#include "loader.h"
#include "tokenizer.h"
#include "unicode_tables.h"
#include "utf8.h"

/* ---- vector files ----------------------------------------------------------------------------------- */

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fail_msg("cannot open %s (run the tests from the repository root)", path);
        return NULL;
    }
    size_t cap = 1 << 16, n = 0;
    char *data = malloc(cap + 1);
    assert_non_null(data);
    size_t got;
    while ((got = fread(data + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            cap *= 2;
            data = realloc(data, cap + 1);
            assert_non_null(data);
        }
    }
    fclose(f);
    data[n] = '\0';
    *len = n;
    return data;
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decodes the escapes \t \n \r \\ \xHH of s[0..n) into out (room for n bytes); returns the length or -1. */
static long unescape(const char *s, size_t n, char *out)
{
    size_t len = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '\\') {
            out[len++] = s[i];
            continue;
        }
        if (++i == n)
            return -1;
        switch (s[i]) {
        case 't': out[len++] = '\t'; break;
        case 'n': out[len++] = '\n'; break;
        case 'r': out[len++] = '\r'; break;
        case '\\': out[len++] = '\\'; break;
        case 'x': {
            if (i + 2 >= n)
                return -1;
            int hi = hex_digit(s[i + 1]), lo = hex_digit(s[i + 2]);
            if (hi < 0 || lo < 0)
                return -1;
            out[len++] = (char)(hi << 4 | lo);
            i += 2;
            break;
        }
        default: return -1;
        }
    }
    return (long)len;
}

static void parse_options(const char *field, size_t n, rs_tok_options *options, int line_no)
{
    memset(options, 0, sizeof *options);
    if (n == 1 && field[0] == '-')
        return;
    size_t start = 0;
    while (start <= n) {
        size_t end = start;
        while (end < n && field[end] != ',')
            end++;
        size_t len = end - start;
        const char *name = field + start;
#define OPTION(key)                                                                                           \
    if (len == strlen(#key) && memcmp(name, #key, len) == 0) {                                                \
        options->key = true;                                                                                  \
    } else
        OPTION(lowercase)
        OPTION(fold_accents)
        OPTION(split_punctuation)
        OPTION(split_elision)
        OPTION(capitalize)
        fail_msg("line %d: unknown option '%.*s'", line_no, (int)len, name);
#undef OPTION
        start = end + 1;
    }
}

/* One case: three tab-separated fields. */
typedef struct vector_case {
    int line_no;
    rs_tok_options options;
    const char *fields[3];
    size_t lens[3];
} vector_case;

/* Calls check(case) for every case line of the file; returns the number of cases. */
static int for_each_case(const char *path, int (*check)(const vector_case *))
{
    size_t size = 0;
    char *data = read_file(path, &size);
    int cases = 0, failures = 0, line_no = 0;
    for (char *line = data; line < data + size;) {
        char *eol = memchr(line, '\n', (size_t)(data + size - line));
        if (!eol)
            eol = data + size;
        line_no++;
        if (line[0] != '#' && eol > line) {
            vector_case c = {.line_no = line_no};
            const char *p = line;
            for (int f = 0; f < 3; f++) {
                const char *tab = f < 2 ? memchr(p, '\t', (size_t)(eol - p)) : eol;
                if (!tab)
                    fail_msg("%s:%d: expected 3 tab-separated fields", path, line_no);
                c.fields[f] = p;
                c.lens[f] = (size_t)(tab - p);
                p = tab + 1;
            }
            if (memchr(c.fields[2], '\t', c.lens[2]))
                fail_msg("%s:%d: more than 3 fields", path, line_no);
            parse_options(c.fields[0], c.lens[0], &c.options, line_no);
            cases++;
            failures += check(&c);
        }
        line = eol + 1;
    }
    free(data);
    if (failures)
        fail_msg("%s: %d of %d cases failed", path, failures, cases);
    return cases;
}

/* Splits a space-separated, escaped token field into `tokens` (unescaped). */
static void field_tokens(const char *field, size_t n, rs_tokens *tokens, int line_no)
{
    rs_tokens_clear(tokens);
    if (n == 0)
        return;
    char *buffer = malloc(n + 1);
    assert_non_null(buffer);
    size_t start = 0;
    while (start <= n) {
        size_t end = start;
        while (end < n && field[end] != ' ')
            end++;
        long len = unescape(field + start, end - start, buffer);
        if (len <= 0)
            fail_msg("line %d: empty or badly escaped token", line_no);
        rs_error err;
        assert_int_equal(rs_tokens_push(tokens, buffer, (size_t)len, &err), 0);
        start = end + 1;
    }
    free(buffer);
}

static void print_tokens(const char *label, const rs_tokens *tokens)
{
    fprintf(stderr, "  %s (%zu):", label, tokens->count);
    for (size_t i = 0; i < tokens->count; i++)
        fprintf(stderr, " [%s]", rs_tokens_get(tokens, i));
    fprintf(stderr, "\n");
}

static int check_tokenize_case(const vector_case *c)
{
    char *input = malloc(c->lens[1] + 1);
    assert_non_null(input);
    long len = unescape(c->fields[1], c->lens[1], input);
    if (len < 0)
        fail_msg("line %d: bad escape in input", c->line_no);
    rs_tokens expected, got;
    rs_tokens_init(&expected);
    rs_tokens_init(&got);
    field_tokens(c->fields[2], c->lens[2], &expected, c->line_no);
    rs_error err;
    assert_int_equal(rs_tokenize(&c->options, input, (size_t)len, &got, &err), 0);
    int failed = got.count != expected.count;
    for (size_t i = 0; !failed && i < got.count; i++)
        failed = strcmp(rs_tokens_get(&got, i), rs_tokens_get(&expected, i)) != 0;
    if (failed) {
        fprintf(stderr, "tests/tokenizer_vectors.tsv:%d: mismatch\n", c->line_no);
        print_tokens("expected", &expected);
        print_tokens("got", &got);
    }
    rs_tokens_free(&expected);
    rs_tokens_free(&got);
    free(input);
    return failed;
}

static int check_detokenize_case(const vector_case *c)
{
    rs_tokens tokens;
    rs_tokens_init(&tokens);
    field_tokens(c->fields[1], c->lens[1], &tokens, c->line_no);
    const char **list = malloc((tokens.count + 1) * sizeof *list);
    assert_non_null(list);
    for (size_t i = 0; i < tokens.count; i++)
        list[i] = rs_tokens_get(&tokens, i);
    char *expected = malloc(c->lens[2] + 1);
    assert_non_null(expected);
    long len = unescape(c->fields[2], c->lens[2], expected);
    if (len < 0)
        fail_msg("line %d: bad escape in text", c->line_no);
    expected[len] = '\0';
    rs_error err;
    char *got = rs_detokenize(&c->options, list, tokens.count, &err);
    assert_non_null(got);
    int failed = strcmp(got, expected) != 0;
    if (failed)
        fprintf(stderr, "tests/detokenizer_vectors.tsv:%d: expected [%s] got [%s]\n", c->line_no, expected, got);
    free(got);
    free(expected);
    free(list);
    rs_tokens_free(&tokens);
    return failed;
}

static void test_tokenizer_vectors(void **state)
{
    (void)state;
    int cases = for_each_case("tests/tokenizer_vectors.tsv", check_tokenize_case);
    assert_true(cases >= 120);
}

static void test_detokenizer_vectors(void **state)
{
    (void)state;
    int cases = for_each_case("tests/detokenizer_vectors.tsv", check_detokenize_case);
    assert_true(cases >= 30);
}

/* ---- rs_tokenizer_parse ----------------------------------------------------------------------------- */

static int parse_json(rs_tokenizer *tok, const char *json, rs_error *err)
{
    cJSON *object = cJSON_Parse(json);
    assert_non_null(object);
    int rc = rs_tokenizer_parse(tok, object, "models/x.json", err);
    cJSON_Delete(object);
    return rc;
}

static bool options_equal(const rs_tok_options *a, bool lowercase, bool fold, bool split, bool elision, bool cap)
{
    return a->lowercase == lowercase && a->fold_accents == fold && a->split_punctuation == split &&
           a->split_elision == elision && a->capitalize == cap;
}

static void test_parse_defaults(void **state)
{
    (void)state;
    rs_tokenizer tok;
    rs_error err;
    memset(&tok, 0xFF, sizeof tok);
    assert_int_equal(rs_tokenizer_parse(&tok, NULL, "m.json", &err), 0);
    assert_true(options_equal(&tok.source, 0, 0, 0, 0, 0));
    assert_true(options_equal(&tok.target, 0, 0, 0, 0, 0));
    memset(&tok, 0xFF, sizeof tok);
    assert_int_equal(parse_json(&tok, "{}", &err), 0);
    assert_true(options_equal(&tok.source, 0, 0, 0, 0, 0));
    assert_true(options_equal(&tok.target, 0, 0, 0, 0, 0));
    assert_int_equal(parse_json(&tok, "null", &err), 0);
    assert_true(options_equal(&tok.target, 0, 0, 0, 0, 0));
}

static void test_parse_top_level_and_sides(void **state)
{
    (void)state;
    rs_tokenizer tok;
    rs_error err;
    assert_int_equal(parse_json(&tok,
                                "{\"lowercase\": true, \"fold_accents\": false, \"split_punctuation\": true,"
                                " \"split_elision\": true, \"capitalize\": true}",
                                &err),
                     0);
    assert_true(options_equal(&tok.source, 1, 0, 1, 1, 1));
    assert_true(options_equal(&tok.target, 1, 0, 1, 1, 1));

    /* The per-side objects override the top level whatever their position in the file. */
    assert_int_equal(parse_json(&tok,
                                "{\"source\": {\"lowercase\": false, \"fold_accents\": true},"
                                " \"lowercase\": true, \"split_punctuation\": true,"
                                " \"target\": {\"capitalize\": true, \"split_punctuation\": false}}",
                                &err),
                     0);
    assert_true(options_equal(&tok.source, 0, 1, 1, 0, 0));
    assert_true(options_equal(&tok.target, 1, 0, 0, 0, 1));

    assert_int_equal(parse_json(&tok, "{\"source\": {}, \"target\": null, \"lowercase\": true}", &err), 0);
    assert_true(options_equal(&tok.source, 1, 0, 0, 0, 0));
    assert_true(options_equal(&tok.target, 1, 0, 0, 0, 0));

    /* A repeated key: the last one wins, as with Python's json module. */
    assert_int_equal(parse_json(&tok, "{\"lowercase\": true, \"lowercase\": false}", &err), 0);
    assert_false(tok.source.lowercase);
}

static void expect_parse_error(const char *json, const char *message)
{
    rs_tokenizer tok;
    rs_error err = {{0}};
    if (parse_json(&tok, json, &err) != -1)
        fail_msg("accepted %s", json);
    if (strcmp(err.message, message) != 0)
        fail_msg("%s: message [%s], expected [%s]", json, err.message, message);
}

static void test_parse_errors(void **state)
{
    (void)state;
    expect_parse_error("{\"lowercse\": true}", "models/x.json: tokenizer.lowercse: unknown key");
    expect_parse_error("{\"source\": {\"lowercse\": true}}", "models/x.json: tokenizer.source.lowercse: unknown key");
    expect_parse_error("{\"target\": {\"source\": {}}}", "models/x.json: tokenizer.target.source: unknown key");
    expect_parse_error("{\"lowercase\": 1}", "models/x.json: tokenizer.lowercase: expected true or false");
    expect_parse_error("{\"capitalize\": \"yes\"}", "models/x.json: tokenizer.capitalize: expected true or false");
    expect_parse_error("{\"target\": {\"capitalize\": null}}",
                       "models/x.json: tokenizer.target.capitalize: expected true or false");
    expect_parse_error("{\"source\": true}", "models/x.json: tokenizer.source: expected an object");
    expect_parse_error("{\"target\": []}", "models/x.json: tokenizer.target: expected an object");
    expect_parse_error("[]", "models/x.json: tokenizer: expected an object");
    expect_parse_error("\"split\"", "models/x.json: tokenizer: expected an object");

    /* Without a file name the message starts at the path. */
    cJSON *object = cJSON_Parse("{\"Lowercase\": true}");
    assert_non_null(object);
    rs_tokenizer tok;
    rs_error err;
    assert_int_equal(rs_tokenizer_parse(&tok, object, NULL, &err), -1);
    assert_string_equal(err.message, "tokenizer.Lowercase: unknown key");
    cJSON_Delete(object);
}

/* ---- token lists -------------------------------------------------------------------------------------- */

static void test_tokens_list(void **state)
{
    (void)state;
    rs_tokens tokens;
    rs_tokens_init(&tokens);
    rs_error err;
    assert_int_equal(tokens.count, 0);
    assert_int_equal(rs_tokens_push(&tokens, "ab", 2, &err), 0);
    assert_int_equal(rs_tokens_push(&tokens, "xyz", 1, &err), 0);
    assert_int_equal(rs_tokens_push(&tokens, "", 0, &err), 0);
    assert_int_equal(tokens.count, 3);
    assert_string_equal(rs_tokens_get(&tokens, 0), "ab");
    assert_string_equal(rs_tokens_get(&tokens, 1), "x");
    assert_string_equal(rs_tokens_get(&tokens, 2), "");
    rs_tokens_clear(&tokens);
    assert_int_equal(tokens.count, 0);
    char word[16];
    for (int i = 0; i < 10000; i++) {
        int len = snprintf(word, sizeof word, "w%d", i);
        assert_int_equal(rs_tokens_push(&tokens, word, (size_t)len, &err), 0);
    }
    assert_int_equal(tokens.count, 10000);
    assert_string_equal(rs_tokens_get(&tokens, 0), "w0");
    assert_string_equal(rs_tokens_get(&tokens, 9999), "w9999");
    rs_tokens_free(&tokens);
    assert_null(tokens.text.at);
    rs_tokens_free(&tokens); /* freeing twice is harmless */
}

static void test_tokenize_reuses_output(void **state)
{
    (void)state;
    rs_tok_options options = {.split_punctuation = true};
    rs_tokens tokens;
    rs_tokens_init(&tokens);
    rs_error err;
    const char *line = "one, two. three";
    assert_int_equal(rs_tokenize(&options, line, strlen(line), &tokens, &err), 0);
    assert_int_equal(tokens.count, 5);
    line = "again\n";
    assert_int_equal(rs_tokenize(&options, line, strlen(line), &tokens, &err), 0);
    assert_int_equal(tokens.count, 1);
    assert_string_equal(rs_tokens_get(&tokens, 0), "again");
    assert_int_equal(rs_tokenize(&options, NULL, 0, &tokens, &err), 0);
    assert_int_equal(tokens.count, 0);
    /* The length, not a NUL, ends the line; NUL separates. */
    assert_int_equal(rs_tokenize(&options, "a\0b c", 3, &tokens, &err), 0);
    assert_int_equal(tokens.count, 2);
    assert_string_equal(rs_tokens_get(&tokens, 1), "b");
    rs_tokens_free(&tokens);
}

/* ---- UTF-8 -------------------------------------------------------------------------------------------- */

static void expect_decode(const char *bytes, size_t len, uint32_t cp, size_t consumed)
{
    uint32_t got;
    size_t n = rs_utf8_decode((const unsigned char *)bytes, len, &got);
    assert_int_equal(n, consumed);
    assert_int_equal(got, cp);
}

static void test_utf8_decode(void **state)
{
    (void)state;
    expect_decode("A", 1, 'A', 1);
    expect_decode("\xC3\xA9", 2, 0xE9, 2);
    expect_decode("\xE2\x82\xAC", 3, 0x20AC, 3);
    expect_decode("\xF0\x9F\x98\x80", 4, 0x1F600, 4);
    expect_decode("\xF4\x8F\xBF\xBF", 4, 0x10FFFF, 4);
    expect_decode("\xED\x9F\xBF", 3, 0xD7FF, 3);
    expect_decode("\xEE\x80\x80", 3, 0xE000, 3);
    /* Maximal subparts: a valid prefix is one U+FFFD, the byte that breaks it starts the next code point. */
    expect_decode("\xE2\x82", 2, RS_UTF8_REPLACEMENT, 2);
    expect_decode("\xE2\x82(", 3, RS_UTF8_REPLACEMENT, 2);
    expect_decode("\xF0\x9F\x98", 3, RS_UTF8_REPLACEMENT, 3);
    expect_decode("\xC3", 1, RS_UTF8_REPLACEMENT, 1);
    expect_decode("\xC0\xAF", 2, RS_UTF8_REPLACEMENT, 1);
    expect_decode("\xC1\xBF", 2, RS_UTF8_REPLACEMENT, 1);
    expect_decode("\xE0\x80\xAF", 3, RS_UTF8_REPLACEMENT, 1);
    expect_decode("\xE0\xA0\x80", 3, 0x800, 3);
    expect_decode("\xED\xA0\x80", 3, RS_UTF8_REPLACEMENT, 1);
    expect_decode("\xF0\x8F\xBF\xBF", 4, RS_UTF8_REPLACEMENT, 1);
    expect_decode("\xF0\x90\x80\x80", 4, 0x10000, 4);
    expect_decode("\xF4\x90\x80\x80", 4, RS_UTF8_REPLACEMENT, 1);
    expect_decode("\xF5\x80\x80\x80", 4, RS_UTF8_REPLACEMENT, 1);
    expect_decode("\x80", 1, RS_UTF8_REPLACEMENT, 1);
    expect_decode("\xFF", 1, RS_UTF8_REPLACEMENT, 1);
    /* The length bounds the sequence even when more bytes follow in memory. */
    expect_decode("\xC3\xA9", 1, RS_UTF8_REPLACEMENT, 1);
}

static void test_utf8_round_trip(void **state)
{
    (void)state;
    char buffer[4];
    for (uint32_t cp = 0; cp <= 0x10FFFF; cp++) {
        size_t len = rs_utf8_encode(cp, buffer);
        uint32_t back;
        assert_int_equal(rs_utf8_decode((const unsigned char *)buffer, len, &back), len);
        if (cp >= 0xD800 && cp <= 0xDFFF)
            assert_int_equal(back, RS_UTF8_REPLACEMENT);
        else if (back != cp)
            fail_msg("U+%04X round-trips to U+%04X", (unsigned)cp, (unsigned)back);
    }
    assert_int_equal(rs_utf8_encode(0x110000, buffer), 3);
}

static void test_unicode_tables(void **state)
{
    (void)state;
    uint32_t out[RS_UC_FOLD_MAX];
    assert_int_equal(rs_uc_class(' '), RS_UC_SEPARATOR);
    assert_int_equal(rs_uc_class(0), RS_UC_SEPARATOR);
    assert_int_equal(rs_uc_class(0xFEFF), RS_UC_SEPARATOR);
    assert_int_equal(rs_uc_class(0x200C), RS_UC_WORD);
    assert_int_equal(rs_uc_class(0x06F5), RS_UC_DIGIT);
    assert_int_equal(rs_uc_class(0xFFFD), RS_UC_PUNCT);
    assert_int_equal(rs_uc_class(0xE000), RS_UC_OTHER);
    assert_int_equal(rs_uc_class(0x110000), RS_UC_OTHER);
    assert_int_equal(rs_uc_lower('A'), 'a');
    assert_int_equal(rs_uc_lower(0x130), 0x130);
    assert_int_equal(rs_uc_lower(0x3A3), 0x3C3);
    assert_int_equal(rs_uc_upper(0xDF), 0xDF);
    assert_int_equal(rs_uc_upper(0x131), 'I');
    assert_int_equal(rs_uc_upper(0x10428), 0x10400);
    assert_int_equal(rs_uc_fold(0xE9, out), 1);
    assert_int_equal(out[0], 'e');
    assert_int_equal(rs_uc_fold(0x301, out), 0);
    assert_int_equal(rs_uc_fold(0xD55C, out), 3);
    assert_int_equal(out[0], 0x1112);
    assert_int_equal(out[1], 0x1161);
    assert_int_equal(out[2], 0x11AB);
    assert_int_equal(rs_uc_fold(0xAC00, out), 2);
    assert_int_equal(rs_uc_fold(0x1D160, out), 3);
    assert_int_equal(rs_uc_fold(0x110000, out), 1);
}

/* ---- random bytes ------------------------------------------------------------------------------------- */

static uint64_t next_random(uint64_t *state)
{
    *state = *state * 6364136223846793005u + 1442695040888963407u;
    return *state >> 33;
}

/* Concatenates the tokens (without separators). */
static size_t concat(const rs_tokens *tokens, char *out)
{
    size_t len = 0;
    for (size_t i = 0; i < tokens->count; i++) {
        size_t n = strlen(rs_tokens_get(tokens, i));
        memcpy(out + len, rs_tokens_get(tokens, i), n);
        len += n;
    }
    return len;
}

/* Random lines: every token is non-empty valid UTF-8 without separators, and splitting punctuation only cuts
 * tokens (the bytes stay the same). */
static void test_tokenize_random_bytes(void **state)
{
    (void)state;
    static const unsigned char interesting[] = {0x00, ' ',  '\t', '\r', '\n', '.',  ',',  '\'', '-',  '1',
                                                'a',  'A',  0x80, 0xBF, 0xC2, 0xC3, 0xE0, 0xE2, 0xED, 0xEF,
                                                0xF0, 0xF4, 0xF5, 0xFF, 0xA0, 0x99, 0x80, 0x8C, 0xD9, 0x9B};
    uint64_t seed = 12345;
    rs_tokens plain, split;
    rs_tokens_init(&plain);
    rs_tokens_init(&split);
    rs_error err;
    unsigned char line[64];
    char joined_plain[64 * 16], joined_split[64 * 16];
    for (int iteration = 0; iteration < 20000; iteration++) {
        size_t len = next_random(&seed) % sizeof line;
        for (size_t i = 0; i < len; i++) {
            uint64_t r = next_random(&seed);
            line[i] = r & 1 ? interesting[(r >> 1) % sizeof interesting] : (unsigned char)(r >> 8);
        }
        unsigned flags = (unsigned)next_random(&seed);
        rs_tok_options options = {.lowercase = flags & 1, .fold_accents = flags & 2, .split_elision = flags & 4};
        assert_int_equal(rs_tokenize(&options, (const char *)line, len, &plain, &err), 0);
        options.split_punctuation = true;
        assert_int_equal(rs_tokenize(&options, (const char *)line, len, &split, &err), 0);
        assert_true(split.count >= plain.count);
        for (size_t i = 0; i < split.count; i++) {
            const unsigned char *t = (const unsigned char *)rs_tokens_get(&split, i);
            size_t n = strlen((const char *)t);
            assert_true(n > 0);
            for (size_t k = 0; k < n;) {
                uint32_t cp;
                size_t used = rs_utf8_decode(t + k, n - k, &cp);
                if (cp == RS_UTF8_REPLACEMENT)
                    assert_memory_equal(t + k, "\xEF\xBF\xBD", 3);
                assert_int_not_equal(rs_uc_class(cp), RS_UC_SEPARATOR);
                k += used;
            }
        }
        size_t a = concat(&plain, joined_plain), b = concat(&split, joined_split);
        assert_int_equal(a, b);
        assert_memory_equal(joined_plain, joined_split, a);
    }
    rs_tokens_free(&plain);
    rs_tokens_free(&split);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tokenizer_vectors),
        cmocka_unit_test(test_detokenizer_vectors),
        cmocka_unit_test(test_parse_defaults),
        cmocka_unit_test(test_parse_top_level_and_sides),
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_tokens_list),
        cmocka_unit_test(test_tokenize_reuses_output),
        cmocka_unit_test(test_utf8_decode),
        cmocka_unit_test(test_utf8_round_trip),
        cmocka_unit_test(test_unicode_tables),
        cmocka_unit_test(test_tokenize_random_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
