/* Hostile inputs at the level of the modules: error messages that stay one printable line, the tokenizer's
 * token limit, and model texts that other readers would read differently (NUL characters, repeated keys, line
 * breaks in tokens). tests/test_hostile.py and tests/test_io.py test the same through the command line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "error.h"
#include "helpers.h"
#include "model.h"
#include "tokenizer.h"

static void test_messages_are_one_printable_line(void **state)
{
    (void)state;
    rs_error err;
    rs_fail(&err, "x.json: tensor %s: unknown", "a\nb\rc\td\x7f");
    assert_string_equal(err.message, "x.json: tensor a\\u000Ab\\u000Dc\\u0009d\\u007F: unknown");
    rs_fail(&err, "%s", "\xff\xc3(\xe2\x82 ok");
    assert_string_equal(err.message, "\\xFF\\xC3(\\xE2\\x82 ok");
    rs_fail(&err, "%s", "caf\xc3\xa9 \xe2\x80\xa8 \xc2\x85 \xf0\x9f\x98\x80 \xef\xbf\xbd");
    assert_string_equal(err.message, "caf\xc3\xa9 \\u2028 \\u0085 \xf0\x9f\x98\x80 \xef\xbf\xbd");
    /* A message longer than the buffer ends on a whole character. */
    char long_text[2000];
    memset(long_text, 'a', 510);
    strcpy(long_text + 510, "\xc3\xa9\xc3\xa9\xc3\xa9");
    rs_fail(&err, "%s", long_text);
    assert_int_equal(strlen(err.message), 510); /* no room for the NUL after a whole "é" */
    memset(long_text, 'a', 509);
    strcpy(long_text + 509, "\xc3\xa9\xc3\xa9\xc3\xa9");
    rs_fail(&err, "%s", long_text);
    assert_int_equal(strlen(err.message), 511);
    memset(long_text, 'a', 1500); /* longer than the formatting buffer too */
    long_text[1500] = '\0';
    rs_fail(&err, "%s", long_text);
    assert_int_equal(strlen(err.message), 511);
    assert_int_equal(rs_fail(NULL, "no buffer"), -1);
}

static void test_token_limit_counts_the_rest(void **state)
{
    (void)state;
    rs_tok_options options = {0};
    rs_tokens tokens;
    rs_tokens_init(&tokens);
    rs_error err;
    tokens.limit = 3;
    const char *line = "one two three four five six\n";
    assert_int_equal(rs_tokenize(&options, line, strlen(line), &tokens, &err), 0);
    assert_int_equal(tokens.count, 3);
    assert_int_equal(tokens.dropped, 3);
    assert_string_equal(rs_tokens_get(&tokens, 2), "three");
    assert_int_equal(tokens.text_len, strlen("one two three") + 1); /* the dropped tokens take no room */
    /* clearing keeps the limit and resets the count */
    assert_int_equal(rs_tokenize(&options, "a b", 3, &tokens, &err), 0);
    assert_int_equal(tokens.count, 2);
    assert_int_equal(tokens.dropped, 0);
    assert_int_equal(tokens.limit, 3);
    /* a million tokens need no more than the limit's room */
    size_t len = 2000000;
    char *big = malloc(len);
    assert_non_null(big);
    for (size_t i = 0; i < len; i += 2) {
        big[i] = 'x';
        big[i + 1] = ' ';
    }
    assert_int_equal(rs_tokenize(&options, big, len, &tokens, &err), 0);
    assert_int_equal(tokens.count, 3);
    assert_int_equal(tokens.dropped, len / 2 - 3);
    assert_true(tokens.text.cap < 1024 && tokens.starts.cap < 1024);
    free(big);
    rs_tokens_free(&tokens);
}

/* Loads text (not NUL-terminated where the test says so) and expects an error containing `expected`. */
static void expect_text_error(const char *text, size_t len, const char *expected)
{
    rs_model model;
    rs_error err = {{0}};
    if (rs_model_load_text(&model, text, len, "x.json", &err) == 0) {
        rs_model_free(&model);
        fail_msg("loaded, expected an error containing: %s", expected);
    }
    if (!strstr(err.message, expected))
        fail_msg("error \"%s\" lacks \"%s\"", err.message, expected);
}

/* The tiny model's text with `from` replaced by `to` (once). */
static char *edited(const char *from, const char *to)
{
    tiny_config c = tiny_default();
    cJSON *doc = tiny_doc(&c, 3);
    char *text = cJSON_PrintUnformatted(doc);
    cJSON_Delete(doc);
    char *at = strstr(text, from);
    assert_non_null(at);
    size_t before = (size_t)(at - text), from_len = strlen(from), to_len = strlen(to);
    char *out = malloc(strlen(text) - from_len + to_len + 1);
    assert_non_null(out);
    memcpy(out, text, before);
    memcpy(out + before, to, to_len);
    strcpy(out + before + to_len, at + from_len);
    free(text);
    return out;
}

static void test_nul_characters(void **state)
{
    (void)state;
    char *text = edited("\"s0\"", "\"s0\\u0000x\"");
    expect_text_error(text, strlen(text), "x.json: a NUL character at line 1, column");
    free(text);
    text = edited("\"s0\"", "\"s0\\\\u0000x\""); /* an escaped backslash: the six characters \u0000, no NUL */
    rs_model model;
    rs_error err;
    assert_int_equal(rs_model_load_text(&model, text, strlen(text), "x.json", &err), 0);
    rs_model_free(&model);
    size_t len = strlen(text);
    text[len / 2] = '\0';
    expect_text_error(text, len, "x.json: a NUL character at line 1, column");
    free(text);
    text = edited("\"s0\"", "\"s0\"");
    len = strlen(text);
    char *with_nul = malloc(len + 2);
    memcpy(with_nul, text, len);
    with_nul[len] = '\0'; /* a NUL after the document is not a JSON text either */
    with_nul[len + 1] = 'x';
    expect_text_error(with_nul, len + 1, "NUL character");
    expect_text_error(with_nul, len + 2, "NUL character");
    free(with_nul);
    free(text);
}

static void test_keys_given_twice(void **state)
{
    (void)state;
    char *text = edited("\"config\":{", "\"config\":{\"bridge\":\"zeros\",");
    expect_text_error(text, strlen(text), "x.json: config.bridge: given twice");
    free(text);
    text = edited("\"tensors\":{", "\"tensors\":{\"output.bias\":{},");
    expect_text_error(text, strlen(text), "x.json: tensor output.bias: given twice");
    free(text);
    text = edited("\"format\":", "\"tensors\":{},\"format\":");
    expect_text_error(text, strlen(text), "x.json: tensors: given twice");
    free(text);
}

static void test_line_breaks_in_vocabularies(void **state)
{
    (void)state;
    const char *breaks[] = {"\\n", "\\r", "\\u000b", "\\f", "\\u001c", "\\u0085", "\\u2028", "\\u2029"};
    for (size_t i = 0; i < sizeof breaks / sizeof *breaks; i++) {
        char entry[32];
        snprintf(entry, sizeof entry, "\"t%s0\"", breaks[i]);
        char *text = edited("\"t0\"", entry);
        expect_text_error(text, strlen(text), "x.json: target.vocab[4]: holds a line break");
        free(text);
    }
    char *text = edited("\"s0\"", "\"s\\t0\""); /* a tab does not break a line */
    rs_model model;
    rs_error err;
    assert_int_equal(rs_model_load_text(&model, text, strlen(text), "x.json", &err), 0);
    rs_model_free(&model);
    free(text);
}

static void test_declared_sizes_beyond_the_data(void **state)
{
    (void)state;
    /* 2^24 x 2^24 floats is a petabyte: refused from the data's size, before any allocation. */
    tiny_config c = tiny_default();
    cJSON *doc = tiny_doc(&c, 1);
    cJSON *encoder = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(doc, "config"), "encoder");
    cJSON_ReplaceItemInObjectCaseSensitive(encoder, "embedding_dim", cJSON_CreateNumber(16777216));
    cJSON *tensor = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(doc, "tensors"),
                                                     "encoder.embedding.weight");
    cJSON *shape = cJSON_GetObjectItemCaseSensitive(tensor, "shape");
    cJSON_ReplaceItemInArray(shape, 1, cJSON_CreateNumber(16777216));
    cJSON_ReplaceItemInObjectCaseSensitive(tensor, "data", cJSON_CreateIntArray((int[]){1, 2, 3}, 3));
    rs_model model;
    rs_error err;
    assert_int_equal(tiny_load(&model, doc, &err), -1);
    assert_non_null(strstr(err.message, "tensor encoder.embedding.weight: data has 3 numbers"));
    cJSON_DeleteItemFromObjectCaseSensitive(tensor, "data");
    cJSON_AddStringToObject(tensor, "base64", "AAAAAAAA");
    assert_int_equal(tiny_load(&model, doc, &err), -1);
    assert_non_null(strstr(err.message, "tensor encoder.embedding.weight: base64 holds"));
    cJSON_Delete(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_messages_are_one_printable_line),
        cmocka_unit_test(test_token_limit_counts_the_rest),
        cmocka_unit_test(test_nul_characters),
        cmocka_unit_test(test_keys_given_twice),
        cmocka_unit_test(test_line_breaks_in_vocabularies),
        cmocka_unit_test(test_declared_sizes_beyond_the_data),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
