/* The public C API (src/include/rnnsearch.h): errors come back as values with a message, a batch translates,
 * attention rows sum to 1, and every result equals what `rnnsearch --format jsonl` prints for the same input
 * and options (tokens, text, scores, attention, word views and attributions, bit for bit). The command line is
 * $RNNSEARCH_BIN (default ./rnnsearch); the tests run from the repository root on its fixture models. */
#include <math.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "rnnsearch.h"

#define FIXTURES "tests/fixtures/"

/* The lines of a file, newlines removed; NULL-terminated, in one allocation with the text after the array. */
static char **read_lines(const char *path, int *count)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    char text[1 << 16];
    size_t len = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[len] = '\0';
    int n = 0;
    for (size_t i = 0; i < len; i++)
        n += text[i] == '\n';
    if (len && text[len - 1] != '\n')
        n++;
    char **lines = malloc((size_t)(n + 1) * sizeof *lines + len + 1);
    assert_non_null(lines);
    char *copy = (char *)(lines + n + 1);
    memcpy(copy, text, len + 1);
    for (int i = 0; i < n; i++) {
        lines[i] = copy;
        char *newline = strchr(copy, '\n');
        if (newline) {
            *newline = '\0';
            copy = newline + 1;
        }
    }
    lines[n] = NULL;
    *count = n;
    return lines;
}

/* The command line's JSONL for `input` with `args`: one parsed object per line, `count` of them. */
static cJSON **cli_jsonl(const char *model, const char *args, const char *input, int count)
{
    const char *bin = getenv("RNNSEARCH_BIN");
    char command[1024];
    snprintf(command, sizeof command, "%s -m %s --quiet --format jsonl -a %s < %s", bin && *bin ? bin : "./rnnsearch",
             model, args, input);
    FILE *p = popen(command, "r");
    assert_non_null(p);
    cJSON **objects = calloc((size_t)count, sizeof *objects);
    assert_non_null(objects);
    char *line = NULL;
    size_t cap = 0;
    int n = 0;
    while (getline(&line, &cap, p) > 0) {
        assert_true(n < count);
        objects[n] = cJSON_Parse(line);
        assert_non_null(objects[n]);
        n++;
    }
    free(line);
    assert_int_equal(pclose(p), 0);
    assert_int_equal(n, count);
    return objects;
}

static void free_jsonl(cJSON **objects, int count)
{
    for (int i = 0; i < count; i++)
        cJSON_Delete(objects[i]);
    free(objects);
}

static void expect_strings(cJSON *array, const char *const *strings, int n)
{
    assert_non_null(array);
    assert_int_equal(cJSON_GetArraySize(array), n);
    for (int i = 0; i < n; i++)
        assert_string_equal(cJSON_GetArrayItem(array, i)->valuestring, strings[i]);
}

static void expect_ints(cJSON *array, const int *values, int n)
{
    assert_non_null(array);
    assert_int_equal(cJSON_GetArraySize(array), n);
    for (int i = 0; i < n; i++)
        assert_int_equal(cJSON_GetArrayItem(array, i)->valueint, values[i]);
}

/* A matrix of the JSONL (printed to 9 digits: the float itself) against the library's, and each attention
 * row summing to 1 when `rows_sum_to_one`. */
static void expect_matrix(cJSON *array, const float *matrix, int rows, int cols, bool rows_sum_to_one)
{
    assert_non_null(array);
    assert_non_null(matrix);
    assert_int_equal(cJSON_GetArraySize(array), rows);
    for (int t = 0; t < rows; t++) {
        cJSON *row = cJSON_GetArrayItem(array, t);
        assert_int_equal(cJSON_GetArraySize(row), cols);
        double sum = 0;
        for (int j = 0; j < cols; j++) {
            float value = matrix[(size_t)t * (size_t)cols + (size_t)j];
            assert_true((float)cJSON_GetArrayItem(row, j)->valuedouble == value);
            sum += value;
        }
        if (rows_sum_to_one)
            assert_true(fabs(sum - 1.0) < 1e-5);
    }
}

/* Sentence i of the result against the command line's object for it. */
static void expect_same(const rnnsearch_result *r, int i, const cJSON *line, bool subword, unsigned methods)
{
    const char *const *tokens;
    int length = rnnsearch_source_tokens(r, i, RNNSEARCH_PIECES, &tokens);
    expect_strings(cJSON_GetObjectItem(line, "source"), tokens, length);
    if (subword && length > 0) {
        int words = rnnsearch_source_tokens(r, i, RNNSEARCH_WORDS, &tokens);
        expect_strings(cJSON_GetObjectItem(line, "source_words"), tokens, words);
        expect_ints(cJSON_GetObjectItem(line, "source_word_of_piece"), rnnsearch_source_word_of(r, i), length);
    }
    cJSON *hypotheses = cJSON_GetObjectItem(line, "hypotheses");
    int count = rnnsearch_hyp_count(r, i);
    if (count == 0) {
        /* a line without tokens: the command line prints one empty hypothesis */
        assert_int_equal(length, 0);
        assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(cJSON_GetArrayItem(hypotheses, 0), "tokens")), 0);
        return;
    }
    assert_int_equal(cJSON_GetArraySize(hypotheses), count);
    for (int k = 0; k < count; k++) {
        cJSON *h = cJSON_GetArrayItem(hypotheses, k);
        int n = rnnsearch_hyp_tokens(r, i, k, RNNSEARCH_PIECES, &tokens);
        expect_strings(cJSON_GetObjectItem(h, "tokens"), tokens, n);
        assert_string_equal(cJSON_GetObjectItem(h, "text")->valuestring, rnnsearch_hyp_text(r, i, k));
        /* the JSONL prints scores with the shortest digits that read back as the same double */
        assert_true(cJSON_GetObjectItem(h, "score")->valuedouble == rnnsearch_hyp_score(r, i, k));
        assert_true(cJSON_GetObjectItem(h, "normalized_score")->valuedouble == rnnsearch_hyp_normalized_score(r, i, k));
        assert_int_equal(cJSON_IsTrue(cJSON_GetObjectItem(h, "truncated")), rnnsearch_hyp_truncated(r, i, k));
        int steps = rnnsearch_hyp_steps(r, i, k), rows, cols;
        assert_int_equal(steps, n + rnnsearch_hyp_ended_by_eos(r, i, k));
        const float *attention = rnnsearch_hyp_attention(r, i, k, RNNSEARCH_PIECES, &rows, &cols);
        assert_int_equal(rows, steps);
        assert_int_equal(cols, length);
        expect_matrix(cJSON_GetObjectItem(h, "attention"), attention, rows, cols, true);
        double sum = 0;
        const float *logprobs = rnnsearch_hyp_logprobs(r, i, k);
        for (int t = 0; t < steps; t++)
            sum += logprobs[t];
        assert_true(sum == rnnsearch_hyp_score(r, i, k));
        if (subword) {
            int words = rnnsearch_hyp_tokens(r, i, k, RNNSEARCH_WORDS, &tokens);
            expect_strings(cJSON_GetObjectItem(h, "target_words"), tokens, words);
            expect_ints(cJSON_GetObjectItem(h, "target_word_of_piece"), rnnsearch_hyp_word_of(r, i, k), n);
            attention = rnnsearch_hyp_attention(r, i, k, RNNSEARCH_WORDS, &rows, &cols);
            assert_int_equal(rows, words + rnnsearch_hyp_ended_by_eos(r, i, k));
            expect_matrix(cJSON_GetObjectItem(h, "word_attention"), attention, rows, cols, true);
        }
        for (int m = 0; m < RNNSEARCH_METHOD_COUNT; m++) {
            const float *matrix = rnnsearch_hyp_attribution(r, i, k, m, &rows, &cols);
            if (!(methods & RNNSEARCH_METHOD_BIT(m))) {
                assert_null(matrix);
                continue;
            }
            cJSON *expected = cJSON_GetObjectItem(h, rnnsearch_method_name(m));
            expect_matrix(m == RNNSEARCH_METHOD_ATTENTION ? cJSON_GetObjectItem(h, "attention") : expected, matrix,
                          rows, cols, false);
            if (m == RNNSEARCH_METHOD_ATTENTION)
                continue;
            const double *rho = rnnsearch_hyp_rank_correlation(r, i, k, m);
            cJSON *rhos = cJSON_GetObjectItem(cJSON_GetObjectItem(h, "rank_correlations"), rnnsearch_method_name(m));
            assert_int_equal(cJSON_GetArraySize(rhos), steps);
            for (int t = 0; t < steps; t++) {
                cJSON *value = cJSON_GetArrayItem(rhos, t);
                assert_true(cJSON_IsNull(value) ? isnan(rho[t]) : value->valuedouble == rho[t]);
            }
        }
    }
}

/* Translates `input` with the library and compares every line with the command line run with `args`. */
static void compare_with_cli(const char *model_path, const char *input, const char *args, const rnnsearch_options *o,
                             bool forced)
{
    rnnsearch_model *model;
    rnnsearch_error err;
    assert_int_equal(rnnsearch_model_load(&model, model_path, NULL, &err), RNNSEARCH_OK);
    assert_int_equal(err.status, RNNSEARCH_OK);
    int count;
    char **lines = read_lines(input, &count);
    char **targets = NULL;
    if (forced) {
        targets = calloc((size_t)count, sizeof *targets);
        assert_non_null(targets);
        for (int i = 0; i < count; i++) {
            char *tab = strchr(lines[i], '\t');
            assert_non_null(tab);
            *tab = '\0';
            targets[i] = tab + 1;
        }
    }
    rnnsearch_result *r;
    assert_int_equal(rnnsearch_translate(model, (const char *const *)lines, (const char *const *)targets, count, o, &r,
                                         &err),
                     RNNSEARCH_OK);
    assert_string_equal(rnnsearch_model_error(model), "");
    assert_int_equal(rnnsearch_result_count(r), count);
    cJSON **expected = cli_jsonl(model_path, args, input, count);
    for (int i = 0; i < count; i++)
        expect_same(r, i, expected[i], rnnsearch_model_is_subword(model), o->explain);
    free_jsonl(expected, count);
    rnnsearch_result_free(r);
    rnnsearch_model_free(model);
    free(lines);
    free(targets);
}

static void test_version(void **state)
{
    (void)state;
    assert_string_equal(rnnsearch_version(), RNNSEARCH_VERSION);
    assert_string_equal(rnnsearch_status_string(RNNSEARCH_ERROR_MODEL), "model error");
    assert_string_equal(rnnsearch_method_name(RNNSEARCH_METHOD_GRAD_INPUT), "grad_input");
    assert_null(rnnsearch_method_name(RNNSEARCH_METHOD_COUNT));
}

static void test_load_errors_are_values(void **state)
{
    (void)state;
    rnnsearch_model *model = (rnnsearch_model *)&model;
    rnnsearch_error err;
    assert_int_equal(rnnsearch_model_load(&model, "tests/no/such/model.json", NULL, &err), RNNSEARCH_ERROR_MODEL);
    assert_null(model);
    assert_int_equal(err.status, RNNSEARCH_ERROR_MODEL);
    assert_string_equal(err.message, "tests/no/such/model.json: cannot open model: No such file or directory");

    /* a file that is not a model: the loader's message names the file */
    char path[] = "/tmp/rnnsearch-api-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "{\"version\": 1", 13), 13);
    close(fd);
    assert_int_equal(rnnsearch_model_load(&model, path, NULL, &err), RNNSEARCH_ERROR_MODEL);
    unlink(path);
    assert_null(model);
    assert_non_null(strstr(err.message, path));

    /* a model name found nowhere */
    assert_int_equal(rnnsearch_model_load(&model, "no-such-model-name", NULL, &err), RNNSEARCH_ERROR_MODEL);
    assert_non_null(strstr(err.message, "no-such-model-name"));

    rnnsearch_load_options options;
    rnnsearch_load_options_init(&options);
    options.threads = -1;
    assert_int_equal(rnnsearch_model_load(&model, FIXTURES "bi2_additive.json", &options, &err),
                     RNNSEARCH_ERROR_ARGUMENT);
    assert_non_null(strstr(err.message, "threads"));
    assert_int_equal(rnnsearch_model_load(NULL, FIXTURES "bi2_additive.json", NULL, NULL), RNNSEARCH_ERROR_ARGUMENT);
}

static void test_bad_options_are_values(void **state)
{
    (void)state;
    rnnsearch_model *model;
    rnnsearch_error err;
    assert_int_equal(rnnsearch_model_load(&model, FIXTURES "bi2_additive.json", NULL, &err), RNNSEARCH_OK);
    const char *lines[] = {"ein hund läuft"};
    rnnsearch_result *r = (rnnsearch_result *)&r;
    rnnsearch_options o;
    rnnsearch_options_init(&o);
    o.beam = 0;
    assert_int_equal(rnnsearch_translate(model, lines, NULL, 1, &o, &r, &err), RNNSEARCH_ERROR_ARGUMENT);
    assert_null(r);
    assert_string_equal(err.message, "beam: expected 1 .. 1000, got 0");
    assert_string_equal(rnnsearch_model_error(model), err.message);
    rnnsearch_options_init(&o);
    o.n_best = 6;
    assert_int_equal(rnnsearch_translate(model, lines, NULL, 1, &o, &r, &err), RNNSEARCH_ERROR_ARGUMENT);
    assert_non_null(strstr(err.message, "n_best"));
    o.n_best = 2;
    assert_int_equal(rnnsearch_translate(model, lines, lines, 1, &o, &r, NULL), RNNSEARCH_ERROR_ARGUMENT);
    assert_non_null(strstr(rnnsearch_model_error(model), "forced"));
    rnnsearch_options_init(&o);
    o.explain = 1u << 9;
    assert_int_equal(rnnsearch_translate(model, lines, NULL, 1, &o, &r, &err), RNNSEARCH_ERROR_ARGUMENT);
    o.explain = 0;
    o.length_penalty = NAN;
    assert_int_equal(rnnsearch_translate(model, lines, NULL, 1, &o, &r, &err), RNNSEARCH_ERROR_ARGUMENT);
    const char *missing[] = {NULL};
    assert_int_equal(rnnsearch_translate(model, missing, NULL, 1, NULL, &r, &err), RNNSEARCH_ERROR_ARGUMENT);
    assert_int_equal(rnnsearch_translate(NULL, lines, NULL, 1, NULL, &r, &err), RNNSEARCH_ERROR_ARGUMENT);
    unsigned methods;
    assert_int_equal(rnnsearch_methods_parse("saliency,foo", &methods, &err), RNNSEARCH_ERROR_ARGUMENT);
    assert_non_null(strstr(err.message, "unknown method 'foo'"));
    assert_int_equal(rnnsearch_methods_parse("ig,attention", &methods, &err), RNNSEARCH_OK);
    assert_int_equal(methods, RNNSEARCH_METHOD_BIT(RNNSEARCH_METHOD_IG) | RNNSEARCH_METHOD_BIT(RNNSEARCH_METHOD_ATTENTION));

    /* after the errors the model still translates, and accessors out of range give nothing */
    assert_int_equal(rnnsearch_translate(model, lines, NULL, 1, NULL, &r, &err), RNNSEARCH_OK);
    assert_string_equal(rnnsearch_model_error(model), "");
    assert_int_equal(rnnsearch_result_count(r), 1);
    assert_null(rnnsearch_hyp_text(r, 1, 0));
    assert_null(rnnsearch_hyp_text(r, 0, 1));
    assert_int_equal(rnnsearch_hyp_tokens(r, -1, 0, RNNSEARCH_PIECES, NULL), 0);
    int rows = 7, cols = 7;
    assert_null(rnnsearch_hyp_attribution(r, 0, 0, RNNSEARCH_METHOD_IG, &rows, &cols));
    assert_int_equal(rows + cols, 0);
    assert_true(isnan(rnnsearch_hyp_mean_rank_correlation(r, 0, 0, RNNSEARCH_METHOD_IG)));
    rnnsearch_result_free(r);
    rnnsearch_result_free(NULL);
    rnnsearch_model_free(model);
    rnnsearch_model_free(NULL);
}

/* A batch of 15 lines (empty and odd ones included) in batches of 4, n-best from a beam of 4. */
static void test_batch_matches_cli(void **state)
{
    (void)state;
    rnnsearch_options o;
    rnnsearch_options_init(&o);
    o.beam = 4;
    o.n_best = 3;
    o.max_length = 10;
    o.batch_size = 4;
    compare_with_cli(FIXTURES "bi2_additive.json", FIXTURES "common.in", "-b 4 -n 3 --max-length 10", &o, false);
}

/* path's lines without those holding a NUL (sentences are C strings: the library sees a NUL as their end),
 * written to `copy` (a mkstemp template). */
static void without_nul_lines(const char *path, char *copy)
{
    FILE *in = fopen(path, "rb");
    assert_non_null(in);
    int fd = mkstemp(copy);
    assert_true(fd >= 0);
    FILE *out = fdopen(fd, "wb");
    assert_non_null(out);
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    while ((len = getline(&line, &cap, in)) > 0)
        if (strlen(line) == (size_t)len)
            fwrite(line, 1, (size_t)len, out);
    free(line);
    fclose(in);
    assert_int_equal(fclose(out), 0);
}

/* A subword model: pieces and words, and every attribution method. */
static void test_subword_and_attributions_match_cli(void **state)
{
    (void)state;
    char input[] = "/tmp/rnnsearch-api-XXXXXX";
    without_nul_lines(FIXTURES "subword.in", input);
    rnnsearch_options o;
    rnnsearch_options_init(&o);
    o.beam = 3;
    o.max_length = 10;
    o.ig_steps = 16;
    assert_int_equal(rnnsearch_methods_parse("attention,occlusion,saliency,grad_input,ig", &o.explain, NULL), 0);
    compare_with_cli(FIXTURES "subword.json", input,
                     "-b 3 --max-length 10 --ig-steps 16 --explain=attention,occlusion,saliency,grad_input,ig", &o,
                     false);
    unlink(input);
}

/* Forced decoding of given targets. */
static void test_forced_matches_cli(void **state)
{
    (void)state;
    char path[] = "/tmp/rnnsearch-api-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char pairs[] = "ein hund läuft\ta dog runs\ndie frau sieht den ball\tthe woman sees the ball\n";
    assert_int_equal(write(fd, pairs, sizeof pairs - 1), (ssize_t)(sizeof pairs - 1));
    close(fd);
    rnnsearch_options o;
    rnnsearch_options_init(&o);
    compare_with_cli(FIXTURES "bi2_additive.json", path, "--forced", &o, true);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_version),
        cmocka_unit_test(test_load_errors_are_values),
        cmocka_unit_test(test_bad_options_are_values),
        cmocka_unit_test(test_batch_matches_cli),
        cmocka_unit_test(test_subword_and_attributions_match_cli),
        cmocka_unit_test(test_forced_matches_cli),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
