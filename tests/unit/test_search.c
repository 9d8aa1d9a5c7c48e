/* Greedy and beam search rules (README.md "Decoding") on models whose next-token distribution depends only on
 * the previous token: the decoder embedding is the identity and the output layer reads only the embedding, so
 * output.weight is a transition table of logits. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "helpers.h"
#include "search.h"
#include "translator.h"

enum { UNK, BOS, EOS, PAD, A, B, C, V };
#define NEVER (-100.0)

/* A transition model: logits[y][w] is the logit of w after y. */
static void load_transitions(rs_model *model, const double logits[V][V])
{
    tiny_config c = tiny_default();
    c.es = 1;
    c.he = 1;
    c.bidirectional = false;
    c.et = V;
    c.hd = 1;
    c.bridge = "zeros";
    c.score = "dot";
    c.output = "embedding";
    c.vs = 5;
    c.vt = V;
    cJSON *doc = tiny_doc(&c, 1);
    tiny_zero_all(doc);
    float identity[V * V] = {0}, table[V * V];
    for (int i = 0; i < V; i++)
        identity[i * V + i] = 1.0f;
    for (int y = 0; y < V; y++)
        for (int w = 0; w < V; w++)
            table[w * V + y] = (float)logits[y][w];
    tiny_set_values(doc, "decoder.embedding.weight", identity, V * V);
    tiny_set_values(doc, "output.weight", table, V * V);
    rs_error err = {{0}};
    if (tiny_load(model, doc, &err) < 0)
        fail_msg("%s", err.message);
    cJSON_Delete(doc);
}

/* Fills every row with NEVER, then sets the given (from, to, log-probability) entries. */
static void never_all(double logits[V][V])
{
    for (int y = 0; y < V; y++)
        for (int w = 0; w < V; w++)
            logits[y][w] = NEVER;
}

static rs_search_options options(int beam, double alpha)
{
    rs_search_options o = {beam, 256, 3.0, alpha, true};
    return o;
}

typedef struct run {
    rs_model model;
    rs_translator translator;
    rs_translation result;
} run;

static void translate(run *r, const char *line, const rs_search_options *o)
{
    rs_error err = {{0}};
    if (rs_translate(&r->translator, line, strlen(line), o, &r->result, &err) < 0)
        fail_msg("%s", err.message);
}

static void start(run *r, const double logits[V][V])
{
    load_transitions(&r->model, logits);
    rs_error err = {{0}};
    if (rs_translator_init(&r->translator, &r->model, 1024, &err) < 0)
        fail_msg("%s", err.message);
}

static void finish(run *r)
{
    rs_translator_free(&r->translator);
    rs_model_free(&r->model);
}

static void expect_tokens(const rs_hypothesis *h, const int *tokens, int steps, bool eos)
{
    assert_int_equal(h->steps, steps);
    assert_int_equal(h->ended_by_eos, eos);
    for (int i = 0; i < steps; i++)
        assert_int_equal(h->tokens[i], tokens[i]);
}

static void test_greedy_lowest_id_on_tie(void **state)
{
    (void)state;
    double logits[V][V];
    never_all(logits);
    logits[BOS][A] = logits[BOS][B] = 0.0; /* a tie: A has the lower id */
    logits[BOS][EOS] = -5.0;
    logits[A][EOS] = 0.0;
    run r;
    start(&r, logits);
    rs_search_options o = options(1, 0.6);
    translate(&r, "s0", &o);
    assert_int_equal(r.result.hypothesis_count, 1);
    expect_tokens(&r.result.hypotheses[0], (const int[]){A, EOS}, 2, true);
    assert_float_equal(r.result.hypotheses[0].score, log(0.5 / (1 + exp(-5.0) / 2)), 1e-5);
    /* the attention rows (one source token + eos) sum to 1 */
    const float *att = r.result.hypotheses[0].attention;
    assert_float_equal(att[0] + att[1], 1.0, 1e-6);
    assert_float_equal(att[2] + att[3], 1.0, 1e-6);
    finish(&r);
}

/* From bos: eos .5, a .3, b .2; after a: eos .9, b .1; after b: eos 1. */
static void shrinking_beam_logits(double logits[V][V])
{
    never_all(logits);
    logits[BOS][EOS] = log(0.5);
    logits[BOS][A] = log(0.3);
    logits[BOS][B] = log(0.2);
    logits[A][EOS] = log(0.9);
    logits[A][B] = log(0.1);
    logits[B][EOS] = 0.0;
}

static void test_beam_shrinks_and_ranks(void **state)
{
    (void)state;
    double logits[V][V];
    shrinking_beam_logits(logits);
    run r;
    start(&r, logits);
    /* Beam 2: step 1 keeps eos (finished, F = 1) and a; step 2 keeps K - F = 1: a eos. F = 2: stop. */
    rs_search_options o = options(2, 0.0);
    translate(&r, "s0 s1", &o);
    assert_int_equal(r.result.hypothesis_count, 2);
    const rs_hypothesis *h = r.result.hypotheses;
    expect_tokens(&h[0], (const int[]){EOS}, 1, true); /* raw scores: log .5 > log .27 */
    expect_tokens(&h[1], (const int[]){A, EOS}, 2, true);
    assert_float_equal(h[0].score, log(0.5), 1e-5);
    assert_float_equal(h[1].score, log(0.3 * 0.9), 1e-5);
    assert_float_equal(h[1].normalized_score, h[1].score, 1e-12);

    /* alpha 2: log .27 / 4 > log .5 / 1, so the longer one ranks first; raw scores stay raw */
    o = options(2, 2.0);
    translate(&r, "s0 s1", &o);
    h = r.result.hypotheses;
    expect_tokens(&h[0], (const int[]){A, EOS}, 2, true);
    assert_float_equal(h[0].score, log(0.3 * 0.9), 1e-5);
    assert_float_equal(h[0].normalized_score, log(0.3 * 0.9) / 4.0, 1e-5);
    expect_tokens(&h[1], (const int[]){EOS}, 1, true);

    /* beam 3: step 1 keeps eos, a, b; step 2 (K - F = 2) keeps b eos (log .2) and a eos (log .27): a eos
     * first by score; a b (log .03) is dropped. */
    o = options(3, 0.0);
    translate(&r, "s0 s1", &o);
    h = r.result.hypotheses;
    assert_int_equal(r.result.hypothesis_count, 3);
    expect_tokens(&h[0], (const int[]){EOS}, 1, true);
    expect_tokens(&h[1], (const int[]){A, EOS}, 2, true);
    expect_tokens(&h[2], (const int[]){B, EOS}, 2, true);
    finish(&r);
}

static void test_length_limit_finishes_without_eos(void **state)
{
    (void)state;
    double logits[V][V];
    never_all(logits);
    logits[BOS][A] = 0.0;
    logits[A][A] = 0.0;
    logits[A][B] = -1.0;
    run r;
    start(&r, logits);
    /* "s0" has 2 source positions (eos added): L = ceil(1.0 * 2) = 2 */
    rs_search_options o = options(1, 0.6);
    o.max_length_factor = 1.0;
    translate(&r, "s0", &o);
    expect_tokens(&r.result.hypotheses[0], (const int[]){A, A}, 2, false);
    o.max_length = 1;
    translate(&r, "s0", &o);
    expect_tokens(&r.result.hypotheses[0], (const int[]){A}, 1, false);
    /* beam: after step L the alive hypotheses are finished as they are, in beam order */
    o = options(2, 0.0);
    o.max_length_factor = 1.0;
    translate(&r, "s0", &o);
    assert_int_equal(r.result.hypothesis_count, 2);
    expect_tokens(&r.result.hypotheses[0], (const int[]){A, A}, 2, false);
    expect_tokens(&r.result.hypotheses[1], (const int[]){A, B}, 2, false);
    finish(&r);
}

static void test_equal_scores_keep_finishing_order(void **state)
{
    (void)state;
    double logits[V][V];
    never_all(logits);
    logits[BOS][B] = logits[BOS][A] = log(0.5);
    logits[A][EOS] = logits[B][EOS] = 0.0;
    run r;
    start(&r, logits);
    rs_search_options o = options(2, 0.6);
    translate(&r, "s0", &o);
    assert_int_equal(r.result.hypothesis_count, 2);
    /* step 1: a tie, kept by token id (a, b); step 2: a tie again, by row (a's, then b's) */
    expect_tokens(&r.result.hypotheses[0], (const int[]){A, EOS}, 2, true);
    expect_tokens(&r.result.hypotheses[1], (const int[]){B, EOS}, 2, true);
    assert_true(r.result.hypotheses[0].score == r.result.hypotheses[1].score);
    finish(&r);
}

static void test_forced_decoding(void **state)
{
    (void)state;
    double logits[V][V];
    shrinking_beam_logits(logits);
    run r;
    start(&r, logits);
    rs_search_options o = options(1, 0.6);
    o.max_length = 1; /* forced decoding ignores the length limit */
    const char *sources[] = {"s0 s1", "", "s2"};
    const char *targets[] = {"t0 t1 zz\n", "t0", ""};
    size_t lens[] = {5, 0, 2}, target_lens[] = {9, 2, 0};
    rs_translation results[3];
    rs_error err = {{0}};
    if (rs_translate_forced_batch(&r.translator, sources, lens, targets, target_lens, 3, &o, results, &err) < 0)
        fail_msg("%s", err.message);
    /* t0 = A, t1 = B; zz is unknown: scored as unk, shown as written */
    expect_tokens(&results[0].hypotheses[0], (const int[]){A, B, UNK, EOS}, 4, true);
    assert_int_equal(results[0].target_count, 3);
    assert_string_equal(results[0].target_tokens[2], "zz");
    /* after b every logit but eos's is NEVER; after unk all are: eos is then one of V equal choices */
    double expected = log(0.3) + log(0.1) + (NEVER - log(1.0 + 6 * exp(NEVER))) + log(1.0 / V);
    assert_float_equal(results[0].hypotheses[0].score, expected, 1e-4);
    assert_int_equal(results[1].hypothesis_count, 0); /* no source tokens: not decoded */
    expect_tokens(&results[2].hypotheses[0], (const int[]){EOS}, 1, true);
    assert_float_equal(results[2].hypotheses[0].score, log(0.5), 1e-5);
    finish(&r);
}

static void test_empty_line_is_not_decoded(void **state)
{
    (void)state;
    double logits[V][V];
    shrinking_beam_logits(logits);
    run r;
    start(&r, logits);
    rs_search_options o = options(3, 0.6);
    translate(&r, " \t \r\n", &o);
    assert_int_equal(r.result.length, 0);
    assert_int_equal(r.result.hypothesis_count, 0);
    finish(&r);
}

/* The kept candidates, best first. */
static void expect_kept(rs_candidates *kept, const int *rows, const int *tokens, int count)
{
    rs_candidates_sort(kept);
    assert_int_equal(kept->count, count);
    for (int i = 0; i < count; i++) {
        assert_int_equal(kept->items[i].row, rows[i]);
        assert_int_equal(kept->items[i].token, tokens[i]);
    }
}

static void test_candidate_order(void **state)
{
    (void)state;
    rs_candidate items[3];
    rs_candidates kept = {items, 0, 3};
    /* offered in (row, token) order, as the search does */
    rs_candidates_offer(&kept, 1.0, 0, 5);
    rs_candidates_offer(&kept, 2.0, 0, 6);
    rs_candidates_offer(&kept, 1.0, 1, 0);
    rs_candidates_offer(&kept, 2.0, 1, 1);
    rs_candidates_offer(&kept, 0.5, 1, 2);
    rs_candidates_offer(&kept, 2.0, 2, 0);
    rs_candidates_offer(&kept, NAN, 2, 1);
    expect_kept(&kept, (const int[]){0, 1, 2}, (const int[]){6, 1, 0}, 3);
    for (int i = 0; i < 3; i++)
        assert_true(items[i].score == 2.0);
    kept = (rs_candidates){items, 0, 2};
    rs_candidates_offer(&kept, 1.0, 0, 0);
    rs_candidates_offer(&kept, 1.0, 0, 1);
    rs_candidates_offer(&kept, 1.0, 1, 0);
    rs_candidates_offer(&kept, 3.0, 1, 1);
    expect_kept(&kept, (const int[]){1, 0}, (const int[]){1, 0}, 2);
    /* NaN ranks as -infinity: kept when nothing better comes, ties with -infinity by (row, token) */
    kept = (rs_candidates){items, 0, 3};
    rs_candidates_offer(&kept, NAN, 0, 0);
    rs_candidates_offer(&kept, -INFINITY, 0, 1);
    rs_candidates_offer(&kept, -7.0, 0, 2);
    rs_candidates_offer(&kept, NAN, 0, 3);
    expect_kept(&kept, (const int[]){0, 0, 0}, (const int[]){2, 0, 1}, 3);
}

static void test_length_limit_arithmetic(void **state)
{
    (void)state;
    assert_int_equal(rs_length_limit(2, 256, 3.0), 6);
    assert_int_equal(rs_length_limit(10, 5, 3.0), 5);
    assert_int_equal(rs_length_limit(3, 256, 1.1), 4);
    assert_int_equal(rs_length_limit(50, 256, 1.1), 56); /* 1.1 * 50 = 55.00000000000001 in doubles, as in Python */
    assert_int_equal(rs_length_limit(1, 256, 0.1), 1);
    assert_int_equal(rs_length_limit(1000, 256, 1e300), 256);
}

/* Greedy decoding of several sentences together gives what each gives alone. */
static void test_greedy_batch_matches_single(void **state)
{
    (void)state;
    tiny_config c = tiny_default();
    c.vs = 12;
    c.vt = 9;
    c.output = "state,context,embedding";
    cJSON *doc = tiny_doc(&c, 99);
    rs_model model;
    rs_error err = {{0}};
    if (tiny_load(&model, doc, &err) < 0)
        fail_msg("%s", err.message);
    cJSON_Delete(doc);
    const char *lines[] = {"s0 s1", "", "s2", "s3 s0 s1 s2 s7 s6 s5", "s4 s4"};
    size_t lens[5];
    for (int i = 0; i < 5; i++)
        lens[i] = strlen(lines[i]);
    rs_translator batch, single;
    assert_int_equal(rs_translator_init(&batch, &model, 1024, &err), 0);
    assert_int_equal(rs_translator_init(&single, &model, 1024, &err), 0);
    rs_search_options o = options(1, 0.6);
    rs_translation results[5], one;
    assert_int_equal(rs_translate_batch(&batch, lines, lens, 5, &o, results, &err), 0);
    for (int i = 0; i < 5; i++) {
        assert_int_equal(rs_translate(&single, lines[i], lens[i], &o, &one, &err), 0);
        assert_int_equal(results[i].hypothesis_count, one.hypothesis_count);
        if (!one.hypothesis_count)
            continue;
        const rs_hypothesis *a = &results[i].hypotheses[0], *b = &one.hypotheses[0];
        assert_int_equal(a->steps, b->steps);
        assert_memory_equal(a->tokens, b->tokens, (size_t)a->steps * sizeof *a->tokens);
        assert_float_equal(a->score, b->score, 1e-5);
        for (int k = 0; k < a->steps * results[i].length; k++)
            assert_float_equal(a->attention[k], b->attention[k], 1e-6);
    }
    rs_translator_free(&batch);
    rs_translator_free(&single);
    rs_model_free(&model);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_greedy_lowest_id_on_tie),
        cmocka_unit_test(test_beam_shrinks_and_ranks),
        cmocka_unit_test(test_length_limit_finishes_without_eos),
        cmocka_unit_test(test_equal_scores_keep_finishing_order),
        cmocka_unit_test(test_forced_decoding),
        cmocka_unit_test(test_empty_line_is_not_decoded),
        cmocka_unit_test(test_candidate_order),
        cmocka_unit_test(test_length_limit_arithmetic),
        cmocka_unit_test(test_greedy_batch_matches_single),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
