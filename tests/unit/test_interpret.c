/* The interpretability outputs: attention statistics (entropy, coverage, Spearman's rho), the terminal matrix
 * (shade blocks, ANSI colours), --replace-unk, the --stats and --explain fields and table, occlusion importance
 * on a tiny model (checked against forced decoding of occluded sources), and --heatmap patterns. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "explain.h"
#include "heatmap_files.h"
#include "helpers.h"
#include "output.h"
#include "shade.h"
#include "stats.h"
#include "translator.h"

/* ---- statistics ------------------------------------------------------------------------------------- */

static void test_entropy_and_coverage(void **state)
{
    (void)state;
    const float uniform[4] = {0.25f, 0.25f, 0.25f, 0.25f};
    assert_true(fabs(rs_entropy(uniform, 4) - log(4.0)) < 1e-7);
    const float peaked[3] = {0.0f, 1.0f, 0.0f};
    assert_true(rs_entropy(peaked, 3) == 0.0); /* 0 ln 0 = 0, no NaN */
    const float half[2] = {0.5f, 0.5f};
    assert_true(fabs(rs_entropy(half, 2) - log(2.0)) < 1e-7);

    /* two rows of three, stride 4 (the fourth column is not part of the matrix) */
    const float rows[8] = {0.5f, 0.25f, 0.25f, 99.0f, 0.125f, 0.125f, 0.75f, 99.0f};
    double coverage[3];
    rs_coverage(rows, 2, 4, 3, coverage);
    assert_true(coverage[0] == 0.625 && coverage[1] == 0.375 && coverage[2] == 1.0);
}

static void test_spearman(void **state)
{
    (void)state;
    rs_rank_scratch scratch;
    rs_rank_scratch_init(&scratch);
    rs_error err;
    double rho;
    bool defined;
    const float x[4] = {1, 2, 3, 4}, up[4] = {10, 20, 30, 40}, down[4] = {4, 3, 2, 1};
    assert_int_equal(rs_spearman(&scratch, x, up, 4, &rho, &defined, &err), 0);
    assert_true(defined && fabs(rho - 1.0) < 1e-12);
    assert_int_equal(rs_spearman(&scratch, x, down, 4, &rho, &defined, &err), 0);
    assert_true(defined && fabs(rho + 1.0) < 1e-12);

    /* ties get average ranks: x ranks 1 2.5 2.5 4, y ranks 1 3 2 4 -> 4.5 / sqrt(4.5 * 5) */
    const float tied[4] = {1, 2, 2, 3}, other[4] = {0.1f, 0.3f, 0.2f, 0.4f};
    assert_int_equal(rs_spearman(&scratch, tied, other, 4, &rho, &defined, &err), 0);
    assert_true(defined && fabs(rho - 4.5 / sqrt(22.5)) < 1e-12);

    /* undefined: a constant row, a single value, a NaN */
    const float constant[4] = {0, 0, 0, 0}, with_nan[4] = {1, NAN, 2, 3};
    assert_int_equal(rs_spearman(&scratch, x, constant, 4, &rho, &defined, &err), 0);
    assert_false(defined);
    assert_true(isnan(rho));
    assert_int_equal(rs_spearman(&scratch, x, up, 1, &rho, &defined, &err), 0);
    assert_false(defined);
    assert_int_equal(rs_spearman(&scratch, with_nan, up, 4, &rho, &defined, &err), 0);
    assert_false(defined);

    /* a longer row, grown scratch */
    float a[100], b[100];
    for (int i = 0; i < 100; i++) {
        a[i] = (float)i;
        b[i] = (float)(i * i);
    }
    assert_int_equal(rs_spearman(&scratch, a, b, 100, &rho, &defined, &err), 0);
    assert_true(defined && fabs(rho - 1.0) < 1e-12);
    rs_rank_scratch_free(&scratch);
}

/* ---- the terminal matrix ---------------------------------------------------------------------------- */

static void test_shade_levels(void **state)
{
    (void)state;
    assert_string_equal(rs_shade_block(0.0f), " ");
    assert_string_equal(rs_shade_block(0.12f), " ");
    assert_string_equal(rs_shade_block(0.13f), "\xE2\x96\x91");
    assert_string_equal(rs_shade_block(0.5f), "\xE2\x96\x92");
    assert_string_equal(rs_shade_block(0.7f), "\xE2\x96\x93");
    assert_string_equal(rs_shade_block(0.9f), "\xE2\x96\x88");
    assert_string_equal(rs_shade_block(1.0f), "\xE2\x96\x88");
    assert_string_equal(rs_shade_block(-1.0f), " ");
    assert_string_equal(rs_shade_block(7.0f), "\xE2\x96\x88");
    assert_string_equal(rs_shade_block(NAN), "?");
    /* viridis ends: #440154 -> cube (1, 0, 1), #fde725 -> cube (5, 4, 0); text white on dark, black on light */
    assert_int_equal(rs_shade_background(0.0f), 16 + 36 * 1 + 0 + 1);
    assert_int_equal(rs_shade_background(1.0f), 16 + 36 * 5 + 6 * 4 + 0);
    assert_int_equal(rs_shade_foreground(0.0f), 231);
    assert_int_equal(rs_shade_foreground(1.0f), 16);
    assert_int_equal(rs_shade_background(NAN), 244);
}

static void test_shade_blocks_layout(void **state)
{
    (void)state;
    const char *source[] = {"<s>", "a", "verylongtokenname123", "\xE7\x8A\xAC", "</s>"}; /* 犬: 2 columns */
    const char *target[] = {"x\x1b[2J", "</s>"};
    const float weights[] = {1.0f, 0.0f, 0.5f, 0.25f, 0.0f, 99.0f, 0.0f, 0.0f, 0.0f, 0.0f, 1.0f, 99.0f};
    rs_shade_matrix matrix = {source, 5, target, 2, weights, 6};
    rs_strbuf out;
    rs_strbuf_init(&out);
    rs_error err;
    assert_int_equal(rs_shade_format(&out, &matrix, RS_SHADE_BLOCKS, &err), 0);
#define B4 "\xE2\x96\x88"
#define B2 "\xE2\x96\x92"
#define B1 "\xE2\x96\x91"
    const char *expected =
        "      \xE2\x94\x82 <s> a   verylongtok\xE2\x80\xA6 \xE7\x8A\xAC  </s>\n"
        "x?[2J \xE2\x94\x82 " B4 B4 B4 "     " B2 B2 B2 B2 B2 B2 B2 B2 B2 B2 B2 B2 " " B1 B1 B1 "     \n"
        "</s>  \xE2\x94\x82                          " B4 B4 B4 B4 "\n"
        "        ' ' <13%  " B1 " <38%  " B2 " <63%  \xE2\x96\x93 <88%  " B4 " >=88%\n"
        "\n";
    assert_string_equal(out.data, expected);
    assert_null(strchr(out.data, '\x1b')); /* the token's escape sequence is defused */
    rs_strbuf_free(&out);
}

static void test_shade_colour(void **state)
{
    (void)state;
    const char *source[] = {"ab", "</s>"};
    const char *target[] = {"x"};
    const float weights[] = {1.0f, 0.0f};
    rs_shade_matrix matrix = {source, 2, target, 1, weights, 2};
    rs_strbuf out;
    rs_strbuf_init(&out);
    rs_error err;
    assert_int_equal(rs_shade_format(&out, &matrix, RS_SHADE_COLOR, &err), 0);
    assert_non_null(strstr(out.data, "x \xE2\x94\x82 \x1b[48;5;220m\x1b[38;5;16m100\x1b[0m "
                                     "\x1b[48;5;53m\x1b[38;5;231m   0\x1b[0m\n"));
    rs_strbuf_free(&out);
}

/* ---- formatting on a hand-made translation ---------------------------------------------------------- */

typedef struct fixture {
    rs_model model;
    rs_hypothesis hyp;
    rs_translation tr;
    rs_strbuf out;
} fixture;

static const char *const SOURCE[] = {"<s>", "xx", "yy", "</s>"};
static const int32_t TOKENS[] = {0, 4, 0, 2}; /* <unk> t0 <unk> </s> */
static const float ATTENTION[] = {
    0.5f, 0.2f, 0.2f, 0.1f, /* bos largest (ignored), then a tie: the lowest index, xx */
    0.1f, 0.6f, 0.2f, 0.1f, /**/
    0.1f, 0.1f, 0.3f, 0.5f, /* eos largest (ignored): yy */
    0.1f, 0.1f, 0.1f, 0.7f, /**/
};

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
    f->hyp = (rs_hypothesis){TOKENS, 4, true, -4.0, -2.0, ATTENTION};
    f->tr = (rs_translation){
        .source = SOURCE, .length = 4, .first_token = 1, .token_count = 2, .hypotheses = &f->hyp,
        .hypothesis_count = 1};
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

static void test_replace_unk(void **state)
{
    fixture *f = *state;
    rs_error err;
    rs_output_options o = {.n_best = 1};
    assert_int_equal(rs_format_text(&f->out, &f->model, &f->tr, 0, &o, &err), 0);
    assert_string_equal(f->out.data, "<unk> t0 <unk>\n");
    rs_strbuf_clear(&f->out);
    o.replace_unk = true;
    assert_int_equal(rs_format_text(&f->out, &f->model, &f->tr, 0, &o, &err), 0);
    assert_string_equal(f->out.data, "xx t0 yy\n");
    rs_strbuf_clear(&f->out);
    assert_int_equal(rs_format_jsonl(&f->out, &f->model, &f->tr, 0, &o, &err), 0);
    assert_non_null(strstr(f->out.data, "\"tokens\": [\"xx\", \"t0\", \"yy\"], \"text\": \"xx t0 yy\""));
    rs_strbuf_clear(&f->out);
    assert_int_equal(rs_format_csv_rows(&f->out, &f->model, &f->tr, 0, &o, &err), 0);
    assert_non_null(strstr(f->out.data, "0,0,0,xx,0,<s>,0.5\r\n"));
    assert_non_null(strstr(f->out.data, "0,0,2,yy,3,</s>,0.5\r\n"));
    assert_non_null(strstr(f->out.data, "0,0,3,</s>,0,<s>,"));

    /* a forced target shows its own tokens, unknown ones included, and its score */
    const char *const written[] = {"W1", "t0", "W3"};
    f->tr.target_tokens = written;
    f->tr.target_count = 3;
    rs_strbuf_clear(&f->out);
    assert_int_equal(rs_format_text(&f->out, &f->model, &f->tr, 0, &o, &err), 0);
    assert_string_equal(f->out.data, "W1 t0 W3 ||| -4.000000\n");
}

static void test_stats_and_explain_output(void **state)
{
    fixture *f = *state;
    rs_error err;
    float occlusion[16] = {0, 2.5f, -1, 0, 0, 1, 3, 0, 0, 0.5f, 0.25f, 0, 0, 1, 1, 0};
    double rho[4] = {0.5, -1.0, 1.0, NAN};
    rs_explanation e = {.steps = 4, .length = 4, .occlusion = occlusion, .rho = rho, .mean_rho = 0.5 / 3.0};
    rs_output_options o = {.n_best = 1, .replace_unk = true, .stats = true, .explain = true, .explained = &e};
    assert_int_equal(rs_format_jsonl(&f->out, &f->model, &f->tr, 0, &o, &err), 0);
    assert_non_null(strstr(f->out.data, "\"entropy\": [1.22060728, 1.08889997, 1.16828251, 0.940447986]"));
    assert_non_null(strstr(f->out.data, "\"coverage\": [0.800000012, 1.0, 0.800000012, 1.39999998]"));
    assert_non_null(strstr(f->out.data, "\"occlusion\": [[0.0, 2.5, -1.0, 0.0], [0.0, 1.0, 3.0, 0.0], "));
    assert_non_null(strstr(f->out.data, "\"rank_correlation\": [0.5, -1.0, 1.0, null], "
                                        "\"mean_rank_correlation\": 0.16666666666666666}]}\n"));

    rs_strbuf_clear(&f->out);
    assert_int_equal(rs_format_text(&f->out, &f->model, &f->tr, 0, &o, &err), 0);
    assert_string_equal(f->out.data, "xx t0 yy\n"
                                     "entropy xx=1.221 t0=1.089 yy=1.168 </s>=0.940\n"
                                     "coverage <s>=0.800 xx=1.000 yy=0.800 </s>=1.400\n"
                                     "\n"
                                     "target | attention | occlusion | rho\n"
                                     "xx     | xx 0.200  | xx 2.500  | 0.500\n"
                                     "t0     | xx 0.600  | yy 3.000  | -1.000\n"
                                     "yy     | yy 0.300  | xx 0.500  | 1.000\n"
                                     "</s>   | xx 0.100  | xx 1.000  | -\n"
                                     "mean rho 0.167\n"
                                     "\n");

    /* a line that is not decoded */
    rs_translation empty = {.source = NULL, .length = 0};
    rs_strbuf_clear(&f->out);
    o.explained = NULL;
    assert_int_equal(rs_format_jsonl(&f->out, &f->model, &empty, 7, &o, &err), 0);
    assert_string_equal(f->out.data, "{\"id\": 7, \"source\": [], \"hypotheses\": [{\"tokens\": [], \"text\": \"\", "
                                     "\"score\": 0.0, \"normalized_score\": 0.0, \"truncated\": false, \"entropy\": [], "
                                     "\"coverage\": [], "
                                     "\"occlusion\": [], \"rank_correlation\": [], "
                                     "\"mean_rank_correlation\": null}]}\n");
}

/* ---- occlusion on a tiny model ---------------------------------------------------------------------- */

/* The sum over target steps of a source word's importance is the forced score of the original source minus
 * that of the source with the word replaced by an unknown one. */
static void test_occlusion_sums_to_forced_score_drop(void **state)
{
    (void)state;
    tiny_config c = tiny_default();
    c.add_bos = true;
    c.vs = 12;
    cJSON *doc = tiny_doc(&c, 7);
    rs_model model;
    rs_error err = {{0}};
    if (tiny_load(&model, doc, &err) < 0)
        fail_msg("%s", err.message);
    cJSON_Delete(doc);
    rs_translator translator;
    assert_int_equal(rs_translator_init(&translator, &model, 1024, &err), 0);
    rs_search_options options = {1, 10, 3.0, 0.0, true};
    const char *line = "s0 s3 OOV s5";
    rs_translation tr;
    assert_int_equal(rs_translate(&translator, line, strlen(line), &options, &tr, &err), 0);
    const rs_hypothesis *h = &tr.hypotheses[0];
    rs_explainer explainer;
    assert_int_equal(rs_explainer_init(&explainer, &model, &err), 0);
    assert_int_equal(rs_explain(&explainer, &tr, 1, &err), 0);
    const rs_explanation *e = &explainer.explanations[0];
    assert_int_equal(e->steps, h->steps);
    assert_int_equal(e->length, 6);

    /* the hypothesis as a forced target */
    char target[256] = "";
    int words = h->ended_by_eos ? h->steps - 1 : h->steps;
    for (int t = 0; t < words; t++) {
        strcat(target, t ? " " : "");
        strcat(target, rs_vocab_string(&model.target_vocab, h->tokens[t]));
    }
    const char *variants[] = {"s0 s3 OOV s5", "X s3 OOV s5", "s0 X OOV s5", "s0 s3 X s5", "s0 s3 OOV X"};
    double scores[5];
    rs_translator forced;
    assert_int_equal(rs_translator_init(&forced, &model, 1024, &err), 0);
    for (int v = 0; v < 5; v++) {
        rs_translation result;
        const char *source = variants[v];
        size_t len = strlen(source), target_len = strlen(target);
        const char *target_text = target;
        assert_int_equal(
            rs_translate_forced_batch(&forced, &source, &len, &target_text, &target_len, 1, &options, &result, &err),
            0);
        scores[v] = result.hypotheses[0].score;
    }
    for (int j = 0; j < 6; j++) {
        double sum = 0.0;
        for (int t = 0; t < e->steps; t++)
            sum += e->occlusion[t * 6 + j];
        if (j == 0 || j == 5) {
            assert_true(sum == 0.0); /* bos, eos: not occluded */
            continue;
        }
        if (j == 3) {
            assert_true(sum == 0.0); /* already unk */
            continue;
        }
        double expected = scores[0] - scores[j];
        if (fabs(sum - expected) > 1e-4)
            fail_msg("position %d: importance sum %.7f, forced score drop %.7f", j, sum, expected);
    }
    for (int t = 0; t < e->steps; t++)
        assert_true(isnan(e->rho[t]) || (e->rho[t] >= -1.0 && e->rho[t] <= 1.0));
    rs_explainer_free(&explainer);
    rs_translator_free(&forced);
    rs_translator_free(&translator);
    rs_model_free(&model);
}

static void test_heatmap_patterns(void **state)
{
    (void)state;
    rs_error err;
    assert_int_equal(rs_heatmap_pattern_check("all.svg", &err), 0);
    assert_int_equal(rs_heatmap_pattern_check("out/{id}.svg", &err), 0);
    assert_int_equal(rs_heatmap_pattern_check("out/{id}-{hyp}.svg", &err), 0);
    assert_int_equal(rs_heatmap_pattern_check("", &err), -1);
    assert_int_equal(rs_heatmap_pattern_check("-", &err), -1);
    assert_int_equal(rs_heatmap_pattern_check("out/{hyp}.svg", &err), -1);
    assert_non_null(strstr(err.message, "{id}"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_entropy_and_coverage),
        cmocka_unit_test(test_spearman),
        cmocka_unit_test(test_shade_levels),
        cmocka_unit_test(test_shade_blocks_layout),
        cmocka_unit_test(test_shade_colour),
        cmocka_unit_test_setup_teardown(test_replace_unk, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stats_and_explain_output, setup, teardown),
        cmocka_unit_test(test_occlusion_sums_to_forced_score_drop),
        cmocka_unit_test(test_heatmap_patterns),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
