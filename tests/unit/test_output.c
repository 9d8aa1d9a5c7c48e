/* Output formats on a hand-made translation: text (1-best, n-best, Pharaoh alignments, attention matrix),
 * JSON Lines, the alignment CSV, and the JSON/number formatting under them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "helpers.h"
#include "output.h"

typedef struct fixture {
    rs_model model;
    rs_hypothesis hyps[2];
    rs_translation tr;
    rs_strbuf out;
} fixture;

static const char *const SOURCE[] = {"<s>", "a,b", "\"q\"", "</s>"};
static const int32_t TOKENS0[] = {4, 5, 2}; /* t0 t1 </s> */
static const int32_t TOKENS1[] = {6};       /* t2, cut by the length limit */
static const float ATTENTION0[] = {
    0.7f, 0.1f, 0.1f, 0.1f, /* argmax on the added bos: unaligned */
    0.1f, 0.4f, 0.4f, 0.1f, /* a tie: the lowest index, tokenizer token 0 */
    0.1f, 0.1f, 0.1f, 0.7f, /* eos: never aligned */
};
static const float ATTENTION1[] = {0.0f, 0.0f, 1.0f, 0.0f};

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    tiny_config c = tiny_default();
    c.add_bos = true;
    cJSON *doc = tiny_doc(&c, 1);
    rs_error err = {{0}};
    if (tiny_load(&f->model, doc, &err) < 0)
        fail_msg("%s", err.message);
    cJSON_Delete(doc);
    f->hyps[0] = (rs_hypothesis){TOKENS0, 3, true, -1.5, -0.75, ATTENTION0};
    f->hyps[1] = (rs_hypothesis){TOKENS1, 1, false, -2.25, -2.25, ATTENTION1};
    f->hyps[1].truncated = true; /* no eos: the length limit cut it */
    f->tr = (rs_translation){
        .source = SOURCE, .length = 4, .first_token = 1, .token_count = 2, .hypotheses = f->hyps, .hypothesis_count = 2};
    rs_strbuf_init(&f->out);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    rs_model_free(&f->model);
    rs_strbuf_free(&f->out);
    free(f);
    return 0;
}

static void test_text(void **state)
{
    fixture *f = *state;
    rs_error err;
    rs_output_options o = {1, false, false};
    assert_int_equal(rs_format_text(&f->out, &f->model, &f->tr, 3, &o, &err), 0);
    assert_string_equal(f->out.data, "t0 t1\n");

    rs_strbuf_clear(&f->out);
    o.alignments = true;
    assert_int_equal(rs_format_text(&f->out, &f->model, &f->tr, 3, &o, &err), 0);
    assert_string_equal(f->out.data, "t0 t1 ||| 0-1\n");

    rs_strbuf_clear(&f->out);
    o = (rs_output_options){2, false, true};
    o.nbest_layout = true;
    assert_int_equal(rs_format_text(&f->out, &f->model, &f->tr, 3, &o, &err), 0);
    assert_string_equal(f->out.data, "3 ||| t0 t1 ||| -1.500000 ||| -0.750000 ||| 0-1\n"
                                     "3 ||| t2 ||| -2.250000 ||| -2.250000 ||| 1-0\n");

    /* -n 1 given: the n-best layout with one hypothesis */
    rs_strbuf_clear(&f->out);
    o = (rs_output_options){1, false, false};
    o.nbest_layout = true;
    assert_int_equal(rs_format_text(&f->out, &f->model, &f->tr, 3, &o, &err), 0);
    assert_string_equal(f->out.data, "3 ||| t0 t1 ||| -1.500000 ||| -0.750000\n");

    rs_strbuf_clear(&f->out);
    o = (rs_output_options){1, true, false};
    assert_int_equal(rs_format_text(&f->out, &f->model, &f->tr, 3, &o, &err), 0);
    assert_string_equal(f->out.data, "t0 t1\n"
                                     "     | <s> a,b \"q\" </s>\n"
                                     "t0   |  70  10  10   10\n"
                                     "t1   |  10  40  40   10\n"
                                     "</s> |  10  10  10   70\n"
                                     "\n");
}

static void test_empty_lines(void **state)
{
    fixture *f = *state;
    rs_error err;
    rs_translation empty = {.source = NULL, .length = 0};
    rs_output_options o = {1, true, true};
    assert_int_equal(rs_format_text(&f->out, &f->model, &empty, 7, &o, &err), 0);
    assert_string_equal(f->out.data, "\n");
    rs_strbuf_clear(&f->out);
    o.n_best = 3;
    o.nbest_layout = true;
    assert_int_equal(rs_format_text(&f->out, &f->model, &empty, 7, &o, &err), 0);
    assert_string_equal(f->out.data, "7 |||  ||| 0.000000 ||| 0.000000 ||| \n");
    rs_strbuf_clear(&f->out);
    assert_int_equal(rs_format_jsonl(&f->out, &f->model, &empty, 7, &o, &err), 0);
    assert_string_equal(f->out.data, "{\"id\": 7, \"source\": [], \"hypotheses\": [{\"tokens\": [], \"text\": \"\", "
                                     "\"score\": 0.0, \"normalized_score\": 0.0, \"truncated\": false, \"attention\": [], "
                                     "\"alignment\": \"\"}]}\n");
    rs_strbuf_clear(&f->out);
    assert_int_equal(rs_format_csv(&f->out, &f->model, &empty, 7, 3, &err), 0);
    assert_int_equal(f->out.len, 0);
}

static void test_jsonl(void **state)
{
    fixture *f = *state;
    rs_error err;
    rs_output_options o = {2, true, true};
    assert_int_equal(rs_format_jsonl(&f->out, &f->model, &f->tr, 3, &o, &err), 0);
    assert_string_equal(
        f->out.data,
        "{\"id\": 3, \"source\": [\"<s>\", \"a,b\", \"\\\"q\\\"\", \"</s>\"], \"hypotheses\": ["
        "{\"tokens\": [\"t0\", \"t1\"], \"text\": \"t0 t1\", \"score\": -1.5, \"normalized_score\": -0.75, "
        "\"truncated\": false, "
        "\"attention\": [[0.699999988, 0.100000001, 0.100000001, 0.100000001], "
        "[0.100000001, 0.400000006, 0.400000006, 0.100000001], "
        "[0.100000001, 0.100000001, 0.100000001, 0.699999988]], \"alignment\": \"0-1\"}, "
        "{\"tokens\": [\"t2\"], \"text\": \"t2\", \"score\": -2.25, \"normalized_score\": -2.25, \"truncated\": true, "
        "\"attention\": [[0.0, 0.0, 1.0, 0.0]], \"alignment\": \"1-0\"}]}\n");
}

static void test_csv(void **state)
{
    fixture *f = *state;
    rs_error err;
    assert_int_equal(rs_format_csv_header(&f->out, &err), 0);
    assert_int_equal(rs_format_csv(&f->out, &f->model, &f->tr, 3, 2, &err), 0);
    const char *expected = "id,hypothesis,target_index,target_token,source_index,source_token,weight\r\n"
                           "3,0,0,t0,0,<s>,0.699999988\r\n"
                           "3,0,0,t0,1,\"a,b\",0.100000001\r\n"
                           "3,0,0,t0,2,\"\"\"q\"\"\",0.100000001\r\n"
                           "3,0,0,t0,3,</s>,0.100000001\r\n";
    assert_memory_equal(f->out.data, expected, strlen(expected));
    /* 3 steps + 1 step, 4 source positions each, and the header */
    size_t lines = 0;
    for (size_t i = 0; i < f->out.len; i++)
        lines += f->out.data[i] == '\n';
    assert_int_equal(lines, 1 + 4 * 4);
    assert_non_null(strstr(f->out.data, "3,0,2,</s>,3,</s>,0.699999988\r\n3,1,0,t2,0,<s>,0\r\n"));
}

static void test_json_formatting(void **state)
{
    fixture *f = *state;
    rs_error err;
    assert_int_equal(rs_format_json_string(&f->out, "a\"b\\c\n\t\x01\x7f\xc3\xa9", &err), 0);
    assert_string_equal(f->out.data, "\"a\\\"b\\\\c\\n\\t\\u0001\x7f\xc3\xa9\"");
    const double values[] = {0.0, -0.0, 3.0, 0.1, -2.7989907264709473, 1e-05, 1e22, 123456789.5};
    const char *texts[] = {"0.0", "-0.0", "3.0", "0.1", "-2.7989907264709473", "1e-05", "1e+22", "123456789.5"};
    for (int i = 0; i < 8; i++) {
        rs_strbuf_clear(&f->out);
        assert_int_equal(rs_format_double(&f->out, values[i], &err), 0);
        assert_string_equal(f->out.data, texts[i]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_text, setup, teardown),
        cmocka_unit_test_setup_teardown(test_empty_lines, setup, teardown),
        cmocka_unit_test_setup_teardown(test_jsonl, setup, teardown),
        cmocka_unit_test_setup_teardown(test_csv, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_formatting, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
