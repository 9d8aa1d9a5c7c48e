/* Model loading: a valid file loads; each kind of invalid file fails with a message naming the place. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "helpers.h"
#include "model.h"

static void expect_load_error(cJSON *doc, const char *expected)
{
    rs_model model;
    rs_error err = {{0}};
    int rc = tiny_load(&model, doc, &err);
    if (rc == 0) {
        rs_model_free(&model);
        fail_msg("loaded, expected an error containing: %s", expected);
    }
    if (!strstr(err.message, expected))
        fail_msg("error \"%s\" lacks \"%s\"", err.message, expected);
    cJSON_Delete(doc);
}

static cJSON *tensors_of(cJSON *doc)
{
    return cJSON_GetObjectItemCaseSensitive(doc, "tensors");
}

static void test_valid_models_load(void **state)
{
    (void)state;
    const char *scores[] = {"additive", "dot", "scaled_dot", "general"};
    const char *bridges[] = {"linear_tanh", "zeros", "copy"};
    for (int s = 0; s < 4; s++)
        for (int b = 0; b < 3; b++) {
            tiny_config c = tiny_default();
            c.score = scores[s];
            c.bridge = bridges[b];
            if (b == 2) { /* copy: unidirectional, sizes equal */
                c.bidirectional = false;
                c.hd = c.he;
            }
            if (s == 1 || s == 2) /* dot products need Hd = K */
                c.hd = c.he * (c.bidirectional ? 2 : 1);
            c.output = "embedding,state,context";
            cJSON *doc = tiny_doc(&c, 7);
            rs_model model;
            rs_error err = {{0}};
            if (tiny_load(&model, doc, &err) < 0)
                fail_msg("%s/%s: %s", scores[s], bridges[b], err.message);
            assert_int_equal(model.config.output_count, 3);
            assert_int_equal(model.config.output_input, c.et + c.hd + c.he * (c.bidirectional ? 2 : 1));
            assert_int_equal(model.source_ids.bos, 1);
            assert_int_equal(model.target_ids.eos, 2);
            assert_int_equal(model.config.target_vocab_size, c.vt);
            rs_model_free(&model);
            cJSON_Delete(doc);
        }
}

static void test_shape_mismatch_message(void **state)
{
    (void)state;
    tiny_config c = tiny_default();
    cJSON *doc = tiny_doc(&c, 1);
    cJSON *t = cJSON_GetObjectItemCaseSensitive(tensors_of(doc), "encoder.rnn.weight_ih_l0");
    cJSON *shape = cJSON_CreateIntArray((const int[]){3, 4}, 2);
    cJSON_ReplaceItemInObjectCaseSensitive(t, "shape", shape);
    expect_load_error(doc, "tiny.json: tensor encoder.rnn.weight_ih_l0: shape [3, 4] but config needs [12, 3]");
}

static void test_missing_and_unknown_tensors(void **state)
{
    (void)state;
    tiny_config c = tiny_default();
    cJSON *doc = tiny_doc(&c, 1);
    cJSON_DeleteItemFromObjectCaseSensitive(tensors_of(doc), "decoder.rnn.bias_hh_l0");
    expect_load_error(doc, "tiny.json: tensor decoder.rnn.bias_hh_l0: missing");

    doc = tiny_doc(&c, 1);
    unsigned seed = 3;
    tiny_add_tensor(tensors_of(doc), "decoder.rnn.weight_ih_l1", 15, 5, &seed);
    expect_load_error(doc, "tensor decoder.rnn.weight_ih_l1: unknown tensor");

    c.score = "dot";
    c.hd = 8;
    doc = tiny_doc(&c, 1);
    tiny_add_tensor(tensors_of(doc), "attention.v.bias", 1, 0, &seed);
    expect_load_error(doc, "tensor attention.v.bias: unknown tensor");
}

static void test_optional_biases(void **state)
{
    (void)state;
    tiny_config c = tiny_default();
    cJSON *doc = tiny_doc(&c, 1);
    unsigned seed = 3;
    cJSON_DeleteItemFromObjectCaseSensitive(tensors_of(doc), "attention.query.bias");
    cJSON_DeleteItemFromObjectCaseSensitive(tensors_of(doc), "attention.key.bias");
    tiny_add_tensor(tensors_of(doc), "attention.v.bias", 1, 0, &seed);
    rs_model model;
    rs_error err = {{0}};
    if (tiny_load(&model, doc, &err) < 0)
        fail_msg("%s", err.message);
    for (int i = 0; i < c.adim; i++) {
        assert_true(model.weights.query.bias[i] == 0.0f);
        assert_true(model.weights.key.bias[i] == 0.0f);
    }
    rs_model_free(&model);
    cJSON_Delete(doc);
}

static void test_data_forms(void **state)
{
    (void)state;
    tiny_config c = tiny_default();
    /* nested lists as the shape says */
    cJSON *doc = tiny_doc(&c, 1);
    cJSON *t = cJSON_GetObjectItemCaseSensitive(tensors_of(doc), "output.weight");
    cJSON *nested = cJSON_CreateArray();
    for (int r = 0; r < c.vt; r++) {
        cJSON *row = cJSON_CreateArray();
        for (int k = 0; k < c.hd; k++)
            cJSON_AddItemToArray(row, cJSON_CreateNumber(r * 10 + k));
        cJSON_AddItemToArray(nested, row);
    }
    cJSON_ReplaceItemInObjectCaseSensitive(t, "data", nested);
    rs_model model;
    rs_error err = {{0}};
    if (tiny_load(&model, doc, &err) < 0)
        fail_msg("%s", err.message);
    float row[64];
    assert_true(model.weights.output.in_dim <= 64);
    rs_dense_row(&model.weights.output, 2, row);
    assert_true(row[3] == 23.0f);
    rs_model_free(&model);

    /* a row of the wrong length */
    cJSON_DeleteItemFromArray(cJSON_GetArrayItem(nested, 4), 0);
    expect_load_error(doc, "tensor output.weight: data[4] has 4 entries but the shape needs 5");

    /* too few numbers in a flat list */
    doc = tiny_doc(&c, 1);
    cJSON_DeleteItemFromArray(
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(tensors_of(doc), "output.bias"), "data"), 0);
    expect_load_error(doc, "tensor output.bias: data has 6 numbers but shape [7] needs 7");

    /* a string among the numbers */
    doc = tiny_doc(&c, 1);
    cJSON *data =
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(tensors_of(doc), "output.bias"), "data");
    cJSON_ReplaceItemInArray(data, 2, cJSON_CreateString("x"));
    expect_load_error(doc, "tensor output.bias: data[2] is not a number");

    /* a number beyond float range */
    doc = tiny_doc(&c, 1);
    data = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(tensors_of(doc), "output.bias"), "data");
    cJSON_ReplaceItemInArray(data, 1, cJSON_CreateNumber(1e300));
    expect_load_error(doc, "tensor output.bias: data[1] is not a finite float32 value");
}

static cJSON *base64_tensor(const char *dtype, const char *text, int rows)
{
    cJSON *t = cJSON_CreateObject();
    cJSON *shape = cJSON_AddArrayToObject(t, "shape");
    cJSON_AddItemToArray(shape, cJSON_CreateNumber(rows));
    if (dtype)
        cJSON_AddStringToObject(t, "dtype", dtype);
    cJSON_AddStringToObject(t, "base64", text);
    return t;
}

static void test_base64_tensors(void **state)
{
    (void)state;
    tiny_config c = tiny_default();
    c.vt = 4;
    /* f16: 1.0, -2.0, 2^-24 (the smallest subnormal), 65504 */
    cJSON *doc = tiny_doc(&c, 1);
    cJSON_ReplaceItemInObjectCaseSensitive(tensors_of(doc), "output.bias", base64_tensor("f16", "ADwAwAEA/3s=", 4));
    rs_model model;
    rs_error err = {{0}};
    if (tiny_load(&model, doc, &err) < 0)
        fail_msg("%s", err.message);
    const float *b = model.weights.output.bias;
    assert_true(b[0] == 1.0f && b[1] == -2.0f && b[2] == 0x1p-24f && b[3] == 65504.0f);
    rs_model_free(&model);
    cJSON_Delete(doc);

    /* f32 (the default dtype): 1.5, -0.25, 3, 0 */
    doc = tiny_doc(&c, 1);
    cJSON_ReplaceItemInObjectCaseSensitive(tensors_of(doc), "output.bias",
                                           base64_tensor(NULL, "AADAPwAAgL4AAEBAAAAAAA==", 4));
    if (tiny_load(&model, doc, &err) < 0)
        fail_msg("%s", err.message);
    b = model.weights.output.bias;
    assert_true(b[0] == 1.5f && b[1] == -0.25f && b[2] == 3.0f && b[3] == 0.0f);
    rs_model_free(&model);
    cJSON_Delete(doc);

    doc = tiny_doc(&c, 1);
    cJSON_ReplaceItemInObjectCaseSensitive(tensors_of(doc), "output.bias", base64_tensor("f16", "ADwAwAEA", 4));
    expect_load_error(doc, "tensor output.bias: base64 holds 6 bytes but 4 f16 values need 8");

    doc = tiny_doc(&c, 1);
    cJSON_ReplaceItemInObjectCaseSensitive(tensors_of(doc), "output.bias", base64_tensor("f16", "ADwAfAEA/3s=", 4));
    expect_load_error(doc, "tensor output.bias: value 1 is not finite (infinity)");

    doc = tiny_doc(&c, 1);
    cJSON_ReplaceItemInObjectCaseSensitive(tensors_of(doc), "output.bias", base64_tensor("f16", "ADwAfgEA/3s=", 4));
    expect_load_error(doc, "value 1 is not finite (NaN)");

    doc = tiny_doc(&c, 1);
    cJSON_ReplaceItemInObjectCaseSensitive(tensors_of(doc), "output.bias", base64_tensor("f16", "AD*AwAEA/3s=", 4));
    expect_load_error(doc, "tensor output.bias: base64: invalid character at offset 2");

    doc = tiny_doc(&c, 1);
    cJSON_ReplaceItemInObjectCaseSensitive(tensors_of(doc), "output.bias", base64_tensor("bf16", "ADwAwAEA/3s=", 4));
    expect_load_error(doc, "tensor output.bias: dtype must be \"f32\" or \"f16\"");
}

static void set_config_value(cJSON *doc, const char *section, const char *key, cJSON *value)
{
    cJSON *config = cJSON_GetObjectItemCaseSensitive(doc, "config");
    cJSON *target = section ? cJSON_GetObjectItemCaseSensitive(config, section) : config;
    if (cJSON_GetObjectItemCaseSensitive(target, key))
        cJSON_ReplaceItemInObjectCaseSensitive(target, key, value);
    else
        cJSON_AddItemToObject(target, key, value);
}

static void test_config_errors(void **state)
{
    (void)state;
    tiny_config c = tiny_default();
    cJSON *doc = tiny_doc(&c, 1);
    set_config_value(doc, "encoder", "hidden_size", cJSON_CreateNumber(0));
    expect_load_error(doc, "tiny.json: config.encoder.hidden_size: expected a positive integer");

    doc = tiny_doc(&c, 1);
    set_config_value(doc, "decoder", "num_layers", cJSON_CreateNumber(1.5));
    expect_load_error(doc, "config.decoder.num_layers: expected a positive integer");

    doc = tiny_doc(&c, 1);
    set_config_value(doc, "encoder", "bidirectional", cJSON_CreateString("yes"));
    expect_load_error(doc, "config.encoder.bidirectional: expected true or false");

    doc = tiny_doc(&c, 1);
    set_config_value(doc, NULL, "bridge", cJSON_CreateString("identity"));
    expect_load_error(doc, "config.bridge: expected \"linear_tanh\", \"copy\" or \"zeros\", got \"identity\"");

    doc = tiny_doc(&c, 1);
    set_config_value(doc, NULL, "bridge", cJSON_CreateString("copy"));
    expect_load_error(doc, "config.bridge: \"copy\" needs a unidirectional encoder");

    doc = tiny_doc(&c, 1);
    set_config_value(doc, "attention", "score", cJSON_CreateString("dot"));
    expect_load_error(doc, "config.attention.score: \"dot\" needs decoder.hidden_size (5) = the encoder output size K (8)");

    doc = tiny_doc(&c, 1);
    cJSON_DeleteItemFromObjectCaseSensitive(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(doc, "config"), "attention"), "dim");
    expect_load_error(doc, "config.attention.dim: missing");

    doc = tiny_doc(&c, 1);
    const char *twice[] = {"state", "state"};
    set_config_value(doc, NULL, "output", cJSON_CreateStringArray(twice, 2));
    expect_load_error(doc, "config.output[1]: \"state\" is listed twice");

    doc = tiny_doc(&c, 1);
    const char *unknown[] = {"state", "hidden"};
    set_config_value(doc, NULL, "output", cJSON_CreateStringArray(unknown, 2));
    expect_load_error(doc, "config.output[1]: expected \"state\", \"context\" or \"embedding\"");

    doc = tiny_doc(&c, 1);
    set_config_value(doc, NULL, "output", cJSON_CreateArray());
    expect_load_error(doc, "config.output: empty");
}

static void test_document_errors(void **state)
{
    (void)state;
    tiny_config c = tiny_default();
    cJSON *doc = tiny_doc(&c, 1);
    cJSON_ReplaceItemInObjectCaseSensitive(doc, "version", cJSON_CreateNumber(2));
    expect_load_error(doc, "tiny.json: version: 2 is not supported");

    doc = tiny_doc(&c, 1);
    cJSON_ReplaceItemInObjectCaseSensitive(doc, "format", cJSON_CreateString("other"));
    expect_load_error(doc, "tiny.json: format: expected \"rnnsearch-model\"");

    doc = tiny_doc(&c, 1);
    cJSON_ReplaceItemInArray(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(doc, "target"), "vocab"),
                             2, cJSON_CreateString("<eos>"));
    expect_load_error(doc, "tiny.json: special_tokens.eos: \"</s>\" is not in target.vocab");

    doc = tiny_doc(&c, 1);
    cJSON_ReplaceItemInArray(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(doc, "source"), "vocab"),
                             5, cJSON_CreateNumber(5));
    expect_load_error(doc, "tiny.json: source.vocab[5]: expected a string");

    doc = tiny_doc(&c, 1);
    cJSON_ReplaceItemInObjectCaseSensitive(cJSON_GetObjectItemCaseSensitive(doc, "source"), "add_bos",
                                           cJSON_CreateNumber(1));
    expect_load_error(doc, "tiny.json: source.add_bos: expected true or false");

    doc = tiny_doc(&c, 1);
    cJSON_DeleteItemFromObjectCaseSensitive(doc, "special_tokens");
    expect_load_error(doc, "tiny.json: special_tokens: missing");
}

static void test_invalid_json_position(void **state)
{
    (void)state;
    rs_model model;
    rs_error err = {{0}};
    const char *text = "{\n  \"format\": \"rnnsearch-model\",\n  \"version\": 1,,\n}";
    assert_int_equal(rs_model_load_text(&model, text, strlen(text), "x.json", &err), -1);
    /* cJSON reports the error at or just after the offending character */
    assert_non_null(strstr(err.message, "x.json: invalid JSON at line 3, column 1"));
    assert_int_equal(rs_model_load_text(&model, "", 0, "x.json", &err), -1);
    assert_string_equal(err.message, "x.json: empty file, expected a JSON model");
    assert_int_equal(rs_model_load_text(&model, "{} x", 4, "x.json", &err), -1);
    assert_string_equal(err.message, "x.json: invalid JSON at line 1, column 4");
    assert_int_equal(rs_model_load(&model, "/nonexistent/model.json", &err), -1);
    assert_string_equal(err.message, "/nonexistent/model.json: cannot open model: No such file or directory");
}

static void test_duplicate_vocab_keeps_first(void **state)
{
    (void)state;
    tiny_config c = tiny_default();
    cJSON *doc = tiny_doc(&c, 1);
    cJSON *vocab = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(doc, "source"), "vocab");
    cJSON_ReplaceItemInArray(vocab, 6, cJSON_CreateString("s0")); /* s0 is also entry 4 */
    rs_model model;
    rs_error err = {{0}};
    if (tiny_load(&model, doc, &err) < 0)
        fail_msg("%s", err.message);
    assert_int_equal(rs_vocab_find(&model.source_vocab, "s0", 2), 4);
    assert_int_equal(rs_vocab_find(&model.source_vocab, "s1", 2), 5);
    assert_int_equal(rs_vocab_find(&model.source_vocab, "s2", 2), -1);
    assert_string_equal(rs_vocab_string(&model.source_vocab, 6), "s0");
    rs_model_free(&model);
    cJSON_Delete(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_models_load),
        cmocka_unit_test(test_shape_mismatch_message),
        cmocka_unit_test(test_missing_and_unknown_tensors),
        cmocka_unit_test(test_optional_biases),
        cmocka_unit_test(test_data_forms),
        cmocka_unit_test(test_base64_tensors),
        cmocka_unit_test(test_config_errors),
        cmocka_unit_test(test_document_errors),
        cmocka_unit_test(test_invalid_json_position),
        cmocka_unit_test(test_duplicate_vocab_keeps_first),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
