/* The loader's fast path (bulk.h): its numbers are the float32 (float)strtod gives, it takes the fixtures'
 * files (base64 f32/f16 and number lists, flat and nested, any white space), and for every file - valid or
 * not - it loads the same weights or fails with the same message as cJSON alone (rs_model_load_cjson). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "bulk.h"
#include "helpers.h"
#include "model.h"

/* ---- numbers ---- */

static void check_number(const char *s)
{
    float want = (float)strtod(s, NULL);
    float got = rs_bulk_number(s, strlen(s));
    if (memcmp(&want, &got, sizeof want) != 0)
        fail_msg("\"%s\": got %a, (float)strtod gives %a", s, (double)got, (double)want);
}

static uint64_t next_random(uint64_t *state)
{
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    return *state;
}

static float random_float(uint64_t *state)
{
    for (;;) {
        uint32_t bits = (uint32_t)next_random(state);
        float f;
        memcpy(&f, &bits, sizeof f);
        if (isfinite(f))
            return f;
    }
}

static void test_numbers_equal_strtod(void **state)
{
    (void)state;
    static const char *const SPECIAL[] = {
        "0", "-0", "0.0", "-0.0e5", "1", "-1", "0.5", "1e-50", "-1e-50", "1e-46", "1.4e-45", "7e-46", "7.1e-46",
        "1.1754942e-38", "1.17549435e-38", "3.4028234e38", "3.4028235e38", "3.40282356e38", "1e38", "1e39",
        "123456789012345678901234567890", "0.000000000000000000000000000001234", "1E+2", "1e-0", "1E-7",
        "16777217", "16777216.5", "16777218.999999999999", "0.1", "0.2", "0.3", "9007199254740993",
        "18446744073709551615", "18446744073709551616e-20", "4.999999999999999999999999e-1",
        "0.012345678734588623", "-0.0027294159028679132", "2.9802322387695312e-08", "1e22", "1e23", "1e-22",
        "1e-23", "1e44", "1e-44", "1e45", "1e-45", "33554431", "33554433", "1.0000000596046448",
        "1.00000005960464477539062500000000001", "1.000000059604644775390625"};
    for (size_t i = 0; i < sizeof SPECIAL / sizeof *SPECIAL; i++)
        check_number(SPECIAL[i]);

    /* Under a memory checker (make check-valgrind sets RNNSEARCH_TEST_WRAPPER) a tenth of the sample: the same
     * code paths, 70 s of valgrind's time less; the plain and ASan runs check all of it. */
    int rounds = getenv("RNNSEARCH_TEST_WRAPPER") && *getenv("RNNSEARCH_TEST_WRAPPER") ? 20000 : 200000;
    uint64_t rng = 0x9e3779b97f4a7c15u;
    char buf[96];
    for (int i = 0; i < rounds; i++) {
        float f = random_float(&rng);
        double d = (double)f;
        snprintf(buf, sizeof buf, "%.17g", d); /* what json.dump of tensor.tolist() writes, or close */
        check_number(buf);
        snprintf(buf, sizeof buf, "%.9g", (double)f);
        check_number(buf);
        snprintf(buf, sizeof buf, "%.*e", (int)(next_random(&rng) % 22), d);
        check_number(buf);
        /* float32 rounding boundaries: the midpoint to the next float, and one double ulp either side */
        float up = nextafterf(f, INFINITY);
        if (isfinite(up)) {
            double mid = ((double)f + (double)up) / 2;
            snprintf(buf, sizeof buf, "%.40e", mid);
            check_number(buf);
            snprintf(buf, sizeof buf, "%.17g", mid);
            check_number(buf);
            snprintf(buf, sizeof buf, "%.17g", nextafter(mid, INFINITY));
            check_number(buf);
            snprintf(buf, sizeof buf, "%.17g", nextafter(mid, -INFINITY));
            check_number(buf);
            snprintf(buf, sizeof buf, "%.18e", nextafter(nextafter(mid, -INFINITY), -INFINITY));
            check_number(buf);
        }
        /* random decimal strings: 1-25 digits, exponents across the float range and beyond */
        int digits = 1 + (int)(next_random(&rng) % 25);
        size_t n = 0;
        if (next_random(&rng) & 1)
            buf[n++] = '-';
        buf[n++] = (char)('1' + next_random(&rng) % 9);
        if (digits > 1)
            buf[n++] = '.';
        for (int k = 1; k < digits; k++)
            buf[n++] = (char)('0' + next_random(&rng) % 10);
        snprintf(buf + n, sizeof buf - n, "e%d", (int)(next_random(&rng) % 100) - 55);
        check_number(buf);
    }
}

/* ---- models: the fast path against cJSON alone ---- */

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *text = malloc((size_t)size + 1);
    assert_non_null(text);
    assert_int_equal(fread(text, 1, (size_t)size, f), (size_t)size);
    fclose(f);
    text[size] = '\0';
    *len = (size_t)size;
    return text;
}

typedef struct span {
    const void *data;
    size_t bytes;
} span;

static span floats(const float *data, size_t count)
{
    return (span){data, count * sizeof *data};
}

/* A dense layer's packed weights (dense.h); its type is part of the bytes compared. */
static span packed(const rs_dense_layer *layer)
{
    return (span){layer->packed, layer->packed ? rs_dense_bytes(layer) : 0};
}

/* Every weight buffer of a model with its size, in a fixed order. */
static size_t weight_spans(const rs_model *m, span *out)
{
    const rs_config *c = &m->config;
    const rs_weights *w = &m->weights;
    size_t n = 0;
    size_t hd = (size_t)c->decoder_hidden_size, a = (size_t)c->attention_dim;
    out[n++] = (span){w->encoder_embedding.values, rs_embedding_bytes(&w->encoder_embedding)};
    for (int i = 0; i < c->encoder_layers * c->directions; i++) {
        const rs_gru_layer *g = &w->encoder_rnn[i];
        size_t gates = 3 * (size_t)g->hidden_size;
        out[n++] = packed(&g->input);
        out[n++] = packed(&g->hidden);
        out[n++] = floats(g->input.bias, gates);
        out[n++] = floats(g->hidden.bias, gates);
    }
    if (c->bridge == RS_BRIDGE_LINEAR_TANH) {
        out[n++] = packed(&w->bridge);
        out[n++] = floats(w->bridge.bias, (size_t)c->decoder_layers * hd);
    }
    if (c->score == RS_SCORE_ADDITIVE) {
        out[n++] = packed(&w->query);
        out[n++] = floats(w->query.bias, a);
        out[n++] = packed(&w->key);
        out[n++] = floats(w->key.bias, a);
        out[n++] = floats(w->v_weight, a);
    } else if (c->score == RS_SCORE_GENERAL) {
        out[n++] = packed(&w->general);
    }
    out[n++] = (span){w->decoder_embedding.values, rs_embedding_bytes(&w->decoder_embedding)};
    for (int i = 0; i < c->decoder_layers; i++) {
        const rs_gru_layer *g = &w->decoder_rnn[i];
        size_t gates = 3 * (size_t)g->hidden_size;
        out[n++] = packed(&g->input);
        out[n++] = packed(&g->hidden);
        out[n++] = floats(g->input.bias, gates);
        out[n++] = floats(g->hidden.bias, gates);
    }
    out[n++] = packed(&w->output);
    out[n++] = floats(w->output.bias, (size_t)c->target_vocab_size);
    return n;
}

static void assert_same_weights(const rs_model *a, const rs_model *b, const char *what)
{
    assert_memory_equal(&a->config, &b->config, sizeof a->config);
    span sa[64], sb[64];
    size_t na = weight_spans(a, sa), nb = weight_spans(b, sb);
    assert_int_equal(na, nb);
    for (size_t i = 0; i < na; i++) {
        assert_int_equal(sa[i].bytes, sb[i].bytes);
        if (memcmp(sa[i].data, sb[i].data, sa[i].bytes) != 0)
            fail_msg("%s: weight buffer %zu differs", what, i);
    }
}

/* Loads `text` by every route - rs_model_load_text and rs_model_load of a file (mapped) - and checks each
 * gives what cJSON alone gives: the same weights or the same message. Returns whether it loaded. */
static bool same_outcome(const char *text, size_t len, const char *what)
{
    rs_model slow, fast;
    rs_error slow_err = {{0}}, fast_err = {{0}};
    int slow_rc = rs_model_load_cjson(&slow, text, len, "m.json", &slow_err);
    int fast_rc = rs_model_load_text(&fast, text, len, "m.json", &fast_err);
    if (slow_rc != fast_rc)
        fail_msg("%s: cJSON alone %s (%s), the fast path %s (%s)", what, slow_rc ? "fails" : "loads",
                 slow_err.message, fast_rc ? "fails" : "loads", fast_err.message);
    if (slow_rc == 0) {
        assert_same_weights(&slow, &fast, what);
        rs_model_free(&fast);
    } else {
        assert_string_equal(slow_err.message, fast_err.message);
    }

    char path[] = "/tmp/rnnsearch-bulk-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, len), (ssize_t)len);
    close(fd);
    rs_model mapped;
    rs_error mapped_err = {{0}}, slow_file_err = {{0}};
    int mapped_rc = rs_model_load(&mapped, path, &mapped_err);
    rs_model slow_file;
    int slow_file_rc = rs_model_load_cjson(&slow_file, text, len, path, &slow_file_err);
    unlink(path);
    assert_int_equal(mapped_rc, slow_file_rc);
    if (mapped_rc == 0) {
        assert_same_weights(&slow_file, &mapped, what);
        rs_model_free(&mapped);
        rs_model_free(&slow_file);
    } else {
        assert_string_equal(slow_file_err.message, mapped_err.message);
    }
    if (slow_rc == 0)
        rs_model_free(&slow);
    return slow_rc == 0;
}

static const char *const FIXTURES[] = {"additive_nobias", "bi2_additive", "general_ctx_state", "scaled_zeros_dec2",
                                       "ties", "tiny_exhaustive", "tokenizer_bos", "uni_copy_dot"};
#define FIXTURE_COUNT (sizeof FIXTURES / sizeof *FIXTURES)

static char *fixture_text(size_t i, size_t *len)
{
    char path[256];
    snprintf(path, sizeof path, "tests/fixtures/%s.json", FIXTURES[i]);
    return slurp(path, len);
}

/* The fast path takes the file: the scan does not decline and finds every tensor's values. */
static void expect_taken(const char *text, size_t len, const char *what)
{
    char *skeleton;
    size_t skeleton_len;
    rs_bulk_table table;
    rs_error err;
    int rc = rs_bulk_scan(text, len, false, &skeleton, &skeleton_len, &table, &err);
    if (rc != 0)
        fail_msg("%s: the fast path declined", what);
    assert_true(table.count > 10);
    assert_true(skeleton_len < len);
    free(skeleton);
    rs_bulk_table_free(&table);
}

static void test_fixtures_take_the_fast_path(void **state)
{
    (void)state;
    for (size_t i = 0; i < FIXTURE_COUNT; i++) {
        size_t len;
        char *text = fixture_text(i, &len);
        expect_taken(text, len, FIXTURES[i]);
        assert_true(same_outcome(text, len, FIXTURES[i]));
        /* the same documents printed by cJSON: no white space, and with tabs and newlines */
        cJSON *doc = cJSON_ParseWithLength(text, len);
        assert_non_null(doc);
        char *compact = cJSON_PrintUnformatted(doc), *pretty = cJSON_Print(doc);
        expect_taken(compact, strlen(compact), FIXTURES[i]);
        expect_taken(pretty, strlen(pretty), FIXTURES[i]);
        assert_true(same_outcome(compact, strlen(compact), FIXTURES[i]));
        assert_true(same_outcome(pretty, strlen(pretty), FIXTURES[i]));
        free(compact);
        free(pretty);
        cJSON_Delete(doc);
        free(text);
    }
}

/* Every tensor rewritten: 2-D "data" lists nested as tensor.tolist() writes them, base64 tensors with
 * "dtype" after "base64". */
static void test_nested_lists_and_late_dtype(void **state)
{
    (void)state;
    for (size_t i = 0; i < FIXTURE_COUNT; i++) {
        size_t len;
        char *text = fixture_text(i, &len);
        cJSON *doc = cJSON_ParseWithLength(text, len);
        cJSON *tensor;
        cJSON_ArrayForEach(tensor, cJSON_GetObjectItemCaseSensitive(doc, "tensors"))
        {
            cJSON *shape = cJSON_GetObjectItemCaseSensitive(tensor, "shape");
            cJSON *data = cJSON_GetObjectItemCaseSensitive(tensor, "data");
            cJSON *dtype = cJSON_DetachItemFromObjectCaseSensitive(tensor, "dtype");
            if (dtype)
                cJSON_AddItemToObject(tensor, "dtype", dtype);
            if (!data || cJSON_GetArraySize(shape) != 2 || cJSON_IsArray(data->child))
                continue; /* nested already */
            int rows = (int)cJSON_GetArrayItem(shape, 0)->valuedouble;
            int cols = (int)cJSON_GetArrayItem(shape, 1)->valuedouble;
            cJSON *nested = cJSON_CreateArray();
            cJSON *item = data->child;
            for (int r = 0; r < rows; r++) {
                cJSON *row = cJSON_CreateArray();
                for (int c = 0; c < cols; c++, item = item->next)
                    cJSON_AddItemToArray(row, cJSON_CreateNumber(item->valuedouble));
                cJSON_AddItemToArray(nested, row);
            }
            cJSON_ReplaceItemInObjectCaseSensitive(tensor, "data", nested);
        }
        char *out = cJSON_PrintUnformatted(doc);
        expect_taken(out, strlen(out), FIXTURES[i]);
        assert_true(same_outcome(out, strlen(out), FIXTURES[i]));
        free(out);
        cJSON_Delete(doc);
        free(text);
    }
}

/* text with the first occurrence of `from` at or after the first `after` replaced by `to` (NULL if none). */
static char *replaced(const char *text, const char *after, const char *from, const char *to)
{
    const char *start = after ? strstr(text, after) : text;
    if (!start)
        return NULL;
    const char *at = strstr(start, from);
    if (!at)
        return NULL;
    size_t head = (size_t)(at - text), from_len = strlen(from), to_len = strlen(to), len = strlen(text);
    char *out = malloc(len - from_len + to_len + 1);
    memcpy(out, text, head);
    memcpy(out + head, to, to_len);
    memcpy(out + head + to_len, at + from_len, len - head - from_len + 1);
    return out;
}

/* Base64 of `bytes` (standard alphabet, padded). */
static char *base64(const unsigned char *bytes, size_t n)
{
    static const char A[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char *out = malloc((n + 2) / 3 * 4 + 1), *p = out;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t g = (uint32_t)bytes[i] << 16 | (i + 1 < n ? (uint32_t)bytes[i + 1] << 8 : 0) |
                     (i + 2 < n ? bytes[i + 2] : 0);
        *p++ = A[g >> 18];
        *p++ = A[(g >> 12) & 63];
        *p++ = i + 1 < n ? A[(g >> 6) & 63] : '=';
        *p++ = i + 2 < n ? A[g & 63] : '=';
    }
    *p = '\0';
    return out;
}

/* A copy of the fixture with tensor `name` set to base64 of `bytes` with `dtype`. */
static char *with_base64(const char *text, const char *name, const char *dtype, const unsigned char *bytes,
                         size_t n)
{
    cJSON *doc = cJSON_Parse(text);
    cJSON *tensor = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(doc, "tensors"), name);
    cJSON_DeleteItemFromObjectCaseSensitive(tensor, "data");
    cJSON_DeleteItemFromObjectCaseSensitive(tensor, "base64");
    cJSON_DeleteItemFromObjectCaseSensitive(tensor, "dtype");
    cJSON_AddStringToObject(tensor, "dtype", dtype);
    char *b64 = base64(bytes, n);
    cJSON_AddStringToObject(tensor, "base64", b64);
    free(b64);
    char *out = cJSON_PrintUnformatted(doc);
    cJSON_Delete(doc);
    return out;
}

static void test_every_file_loads_as_cjson_alone_loads_it(void **state)
{
    (void)state;
    size_t len_b64, len_data;
    char *b64 = fixture_text(1, &len_b64);   /* bi2_additive: base64 f32 */
    char *data = fixture_text(2, &len_data); /* general_ctx_state: number lists */
    size_t len_f16;
    char *f16 = fixture_text(7, &len_f16); /* uni_copy_dot: base64 f16 */
    struct {
        const char *text, *after, *from, *to;
    } cases[] = {
        {b64, NULL, "{", "\xef\xbb\xbf{"},                 /* a byte order mark */
        {b64, "\"base64\": \"", "\"base64\": \"", "\"base64\": \" "}, /* white space inside base64 */
        {b64, "\"base64\": \"", "/", "\\/"},                 /* an escaped slash */
        {b64, "\"base64\": \"", "==\"", "=\""},              /* bad padding */
        {b64, "\"base64\": \"", "==\"", "\""},               /* no padding */
        {b64, "\"base64\": \"", "\"base64\": \"", "\"base64\": \"A"}, /* one character too many */
        {b64, "\"base64\": \"", "\"base64\": \"", "\"base64\": \"AAAA"}, /* three bytes too many */
        {b64, "\"base64\": \"", "\"base64\": \"", "\"base64\": \"!"},
        {b64, "\"tensors\": {", "\"output.bias\"", "\"output\\u002ebias\""}, /* an escaped tensor name */
        {b64, "\"tensors\": {", "\"tensors\": {", "\"tensors\": {\"output.bias\": {\"shape\": [1], \"data\": [0]}, "},
        {b64, "\"tensors\": {", "\"dtype\": \"f32\"", "\"dtype\": \"f64\""},
        {b64, "\"tensors\": {", "\"dtype\": \"f32\"", "\"dtype\": \"f16\""},
        {b64, "\"tensors\": {", "\"base64\": \"", "\"base64\": 5, \"x\": \""},
        {b64, "\"tensors\": {", "\"base64\": \"", "\"data\": [], \"base64\": \""},
        {b64, NULL, "\"format\"", "\"tensors\": {}, \"format\""}, /* "tensors" twice */
        {data, "\"data\": [", "[", "[1e999, "},
        {data, "\"data\": [", "[", "[01, "},
        {data, "\"data\": [", "[", "[1., "},
        {data, "\"data\": [", "[", "[.5, "},
        {data, "\"data\": [", "[", "[+1, "},
        {data, "\"data\": [", "[", "[0x10, "},
        {data, "\"data\": [", "[", "[\"x\", "},
        {data, "\"data\": [", "[", "[null, "},
        {data, "\"data\": [", "[", "[[1], "},
        {data, "\"data\": [", "[", "[[], "},
        {data, "\"data\": [", "[", "[3.4028235e38, "},
        {data, "\"data\": [", "[", "[1e-400, "},
        {data, "\"data\": [", "[", "[123456789012345678901234567890123456789012345678901234567890123456, "},
        {data, "\"data\": [", ", ", " ,"},
        {data, "\"data\": [", ", ", ",\f"},
        {data, "\"data\": [", ", ", ""},
        {data, "\"data\": [", ", ", ",,"},
        {data, "\"data\": [", "]", ",]"},
        {data, "\"data\": [", "]", "]]"},
        {data, "\"data\": [", "]", ""},
        {data, "\"data\": [", "\"data\": [", "\"data\": [-0, -0.0, 1E+1, 1e-1, "},
        {f16, "\"base64\": \"", "\"base64\": \"", "\"base64\": \"AAAA"},
    };
    int loaded = 0, refused = 0;
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *text = replaced(cases[i].text, cases[i].after, cases[i].from, cases[i].to);
        if (!text)
            fail_msg("case %zu: \"%s\" not found", i, cases[i].from);
        char what[64];
        snprintf(what, sizeof what, "case %zu (%s)", i, cases[i].to);
        if (same_outcome(text, strlen(text), what))
            loaded++;
        else
            refused++;
        free(text);
    }
    assert_true(loaded > 3 && refused > 10);

    /* Bad values inside base64: an infinity among f32 values, a NaN among f16 ones, and finite ones. */
    unsigned char bytes[4 * 64] = {0};
    float inf = INFINITY;
    memcpy(bytes + 4 * 3, &inf, 4);
    cJSON *doc = cJSON_Parse(b64);
    const cJSON *bias = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(doc, "tensors"), "output.bias");
    int vt = (int)cJSON_GetObjectItemCaseSensitive(bias, "shape")->child->valuedouble;
    cJSON_Delete(doc);
    assert_true(vt <= 64);
    char *text = with_base64(b64, "output.bias", "f32", bytes, 4 * (size_t)vt);
    assert_false(same_outcome(text, strlen(text), "an infinite f32"));
    free(text);
    uint16_t halves[64] = {0};
    halves[vt - 1] = 0x7e00; /* NaN */
    text = with_base64(b64, "output.bias", "f16", (const unsigned char *)halves, 2 * (size_t)vt);
    assert_false(same_outcome(text, strlen(text), "an f16 NaN"));
    free(text);
    for (int i = 0; i < vt; i++)
        halves[i] = (uint16_t)(0x0001 + 0x1357 * i); /* subnormals and normals */
    text = with_base64(b64, "output.bias", "f16", (const unsigned char *)halves, 2 * (size_t)vt);
    assert_true(same_outcome(text, strlen(text), "f16 values"));
    free(text);
    free(b64);
    free(data);
    free(f16);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_numbers_equal_strtod),
        cmocka_unit_test(test_fixtures_take_the_fast_path),
        cmocka_unit_test(test_nested_lists_and_late_dtype),
        cmocka_unit_test(test_every_file_loads_as_cjson_alone_loads_it),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
