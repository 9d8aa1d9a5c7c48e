/* The search rules (README.md "Decoding") on a stub decoder whose next-token distribution depends only on the
 * previous token; then the translator's side (forced targets, empty lines, batches) on transition models: the
 * decoder embedding is the identity and the output layer reads only the embedding, so output.weight is a
 * transition table of logits. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "encoder.h"
#include "helpers.h"
#include "search.h"
#include "translator.h"

enum { UNK, BOS, EOS, PAD, A, B, C, V };
#define NEVER (-100.0)

/* ---- a stub decoder: the search's contract without a model ----
 * Sentence k's next-token distribution is log_softmax(table[k][y]) after token y; a row's attention is one-hot
 * at (y mod S), so a hypothesis's attention rows show which tokens it was fed. */

#define STUB_ROWS 1024
#define STUB_LENGTH 8

typedef struct stub {
    const double (*tables)[V][V]; /* [sentences] */
    const rs_encoding *first;     /* sentence k is first + k */
    int rows, steps, selects;
    int sentence[STUB_ROWS];
    int spare[STUB_ROWS];
    float logprobs[STUB_ROWS * V];
    float attention[STUB_ROWS * STUB_LENGTH];
} stub;

static int stub_start(void *self, const rs_encoding *const *sentences, int n, int max_rows, rs_error *err)
{
    (void)err;
    stub *d = self;
    assert_true(n <= max_rows && max_rows <= STUB_ROWS);
    for (int i = 0; i < n; i++)
        d->sentence[i] = (int)(sentences[i] - d->first);
    d->rows = n;
    return 0;
}

static rs_step_result stub_step(void *self, const int32_t *prev)
{
    stub *d = self;
    for (int i = 0; i < d->rows; i++) {
        const double *logits = d->tables[d->sentence[i]][prev[i]];
        double max = logits[0], sum = 0.0;
        for (int w = 1; w < V; w++)
            max = logits[w] > max ? logits[w] : max;
        for (int w = 0; w < V; w++)
            sum += exp(logits[w] - max);
        for (int w = 0; w < V; w++)
            d->logprobs[i * V + w] = (float)(logits[w] - max - log(sum));
        int length = d->first[d->sentence[i]].length;
        for (int j = 0; j < length; j++)
            d->attention[i * STUB_LENGTH + j] = j == prev[i] % length ? 1.0f : 0.0f;
    }
    d->steps++;
    return (rs_step_result){d->logprobs, d->attention, STUB_LENGTH};
}

static void stub_select(void *self, const int *parents, int n)
{
    stub *d = self;
    for (int i = 0; i < n; i++)
        d->spare[i] = d->sentence[parents[i]];
    memcpy(d->sentence, d->spare, (size_t)n * sizeof *d->sentence);
    d->rows = n;
    d->selects++;
}

/* Searches `count` sentences (tables[k], source lengths[k]) together; searches[k] holds sentence k's result. */
static void stub_search(rs_search *searches, const double (*tables)[V][V], const int *lengths, int count,
                        const int32_t *const *forced, const int *forced_lengths, const rs_search_options *o)
{
    static stub d;
    rs_encoding encodings[8];
    const rs_encoding *batch[8];
    rs_search *batch_searches[8];
    assert_true(count <= 8);
    memset(&d, 0, sizeof d);
    d.tables = tables;
    d.first = encodings;
    for (int k = 0; k < count; k++) {
        assert_true(lengths[k] <= STUB_LENGTH);
        encodings[k] = (rs_encoding){.length = lengths[k]};
        batch[k] = &encodings[k];
        batch_searches[k] = &searches[k];
    }
    rs_search_decoder decoder = {&d, V, BOS, EOS, stub_start, stub_step, stub_select};
    rs_error err = {{0}};
    if (rs_search_batch(batch_searches, &decoder, batch, forced, forced_lengths, count, o, &err) < 0)
        fail_msg("%s", err.message);
    /* every attention row is one-hot at the token fed at that step */
    for (int k = 0; k < count && o->keep_attention; k++)
        for (int h = 0; h < searches[k].hypothesis_count; h++) {
            const rs_hypothesis *hyp = &searches[k].hypotheses[h];
            for (int t = 0; t < hyp->steps; t++) {
                int fed = t == 0 ? BOS : hyp->tokens[t - 1];
                assert_true(hyp->attention[t * lengths[k] + fed % lengths[k]] == 1.0f);
            }
        }
}

/* One sentence of source length 2 searched alone. */
static void search_one(rs_search *search, const double logits[V][V], const rs_search_options *o)
{
    int length = 2;
    stub_search(search, (const double(*)[V][V])logits, &length, 1, NULL, NULL, o);
}

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
    rs_search r;
    rs_search_init(&r);
    rs_search_options o = options(1, 0.6);
    search_one(&r, logits, &o);
    assert_int_equal(r.hypothesis_count, 1);
    expect_tokens(&r.hypotheses[0], (const int[]){A, EOS}, 2, true);
    assert_float_equal(r.hypotheses[0].score, log(0.5 / (1 + exp(-5.0) / 2)), 1e-5);
    /* the attention rows (one source token + eos) sum to 1 */
    const float *att = r.hypotheses[0].attention;
    assert_float_equal(att[0] + att[1], 1.0, 1e-6);
    assert_float_equal(att[2] + att[3], 1.0, 1e-6);
    rs_search_free(&r);
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
    rs_search r;
    rs_search_init(&r);
    /* Beam 2: step 1 keeps eos (finished, F = 1) and a; step 2 keeps K - F = 1: a eos. F = 2: stop. */
    rs_search_options o = options(2, 0.0);
    search_one(&r, logits, &o);
    assert_int_equal(r.hypothesis_count, 2);
    const rs_hypothesis *h = r.hypotheses;
    expect_tokens(&h[0], (const int[]){EOS}, 1, true); /* raw scores: log .5 > log .27 */
    expect_tokens(&h[1], (const int[]){A, EOS}, 2, true);
    assert_float_equal(h[0].score, log(0.5), 1e-5);
    assert_float_equal(h[1].score, log(0.3 * 0.9), 1e-5);
    assert_float_equal(h[1].normalized_score, h[1].score, 1e-12);

    /* alpha 2: log .27 / 4 > log .5 / 1, so the longer one ranks first; raw scores stay raw */
    o = options(2, 2.0);
    search_one(&r, logits, &o);
    h = r.hypotheses;
    expect_tokens(&h[0], (const int[]){A, EOS}, 2, true);
    assert_float_equal(h[0].score, log(0.3 * 0.9), 1e-5);
    assert_float_equal(h[0].normalized_score, log(0.3 * 0.9) / 4.0, 1e-5);
    expect_tokens(&h[1], (const int[]){EOS}, 1, true);

    /* beam 3: step 1 keeps eos, a, b; step 2 (K - F = 2) keeps b eos (log .2) and a eos (log .27): a eos
     * first by score; a b (log .03) is dropped. */
    o = options(3, 0.0);
    search_one(&r, logits, &o);
    h = r.hypotheses;
    assert_int_equal(r.hypothesis_count, 3);
    expect_tokens(&h[0], (const int[]){EOS}, 1, true);
    expect_tokens(&h[1], (const int[]){A, EOS}, 2, true);
    expect_tokens(&h[2], (const int[]){B, EOS}, 2, true);
    rs_search_free(&r);
}

static void test_length_limit_finishes_without_eos(void **state)
{
    (void)state;
    double logits[V][V];
    never_all(logits);
    logits[BOS][A] = 0.0;
    logits[A][A] = 0.0;
    logits[A][B] = -1.0;
    rs_search r;
    rs_search_init(&r);
    /* "s0" has 2 source positions (eos added): L = ceil(1.0 * 2) = 2 */
    rs_search_options o = options(1, 0.6);
    o.max_length_factor = 1.0;
    search_one(&r, logits, &o);
    expect_tokens(&r.hypotheses[0], (const int[]){A, A}, 2, false);
    assert_true(r.hypotheses[0].truncated);
    o.max_length = 1;
    search_one(&r, logits, &o);
    expect_tokens(&r.hypotheses[0], (const int[]){A}, 1, false);
    /* beam: after step L the alive hypotheses are finished as they are, in beam order */
    o = options(2, 0.0);
    o.max_length_factor = 1.0;
    search_one(&r, logits, &o);
    assert_int_equal(r.hypothesis_count, 2);
    expect_tokens(&r.hypotheses[0], (const int[]){A, A}, 2, false);
    expect_tokens(&r.hypotheses[1], (const int[]){A, B}, 2, false);
    rs_search_free(&r);
}

static void test_equal_scores_keep_finishing_order(void **state)
{
    (void)state;
    double logits[V][V];
    never_all(logits);
    logits[BOS][B] = logits[BOS][A] = log(0.5);
    logits[A][EOS] = logits[B][EOS] = 0.0;
    rs_search r;
    rs_search_init(&r);
    rs_search_options o = options(2, 0.6);
    search_one(&r, logits, &o);
    assert_int_equal(r.hypothesis_count, 2);
    /* step 1: a tie, kept by token id (a, b); step 2: a tie again, by row (a's, then b's) */
    expect_tokens(&r.hypotheses[0], (const int[]){A, EOS}, 2, true);
    expect_tokens(&r.hypotheses[1], (const int[]){B, EOS}, 2, true);
    assert_true(r.hypotheses[0].score == r.hypotheses[1].score);
    rs_search_free(&r);
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

static void test_eos_is_not_truncated(void **state)
{
    (void)state;
    double logits[V][V];
    shrinking_beam_logits(logits);
    rs_search r;
    rs_search_init(&r);
    rs_search_options o = options(3, 0.0);
    search_one(&r, logits, &o);
    for (int h = 0; h < r.hypothesis_count; h++) {
        assert_true(r.hypotheses[h].ended_by_eos);
        assert_false(r.hypotheses[h].truncated);
    }
    /* the per-token log-probabilities sum to the score */
    const rs_hypothesis *a_eos = &r.hypotheses[1];
    assert_float_equal(a_eos->logprobs[0], log(0.3), 1e-6);
    assert_float_equal(a_eos->logprobs[1], log(0.9), 1e-6);
    assert_true((double)a_eos->logprobs[0] + (double)a_eos->logprobs[1] == a_eos->score);
    rs_search_free(&r);
}

/* Forced decoding is the same loop with the token given: an eos inside the target does not end it, the length
 * limit does not apply, and the scores are the model's log p of the given tokens. */
static void test_forced_override(void **state)
{
    (void)state;
    double logits[V][V];
    shrinking_beam_logits(logits);
    rs_search r[2];
    rs_search_init(&r[0]);
    rs_search_init(&r[1]);
    const int32_t first[] = {B, EOS, A}, second[] = {A};
    const int32_t *forced[] = {first, second};
    int forced_lengths[] = {3, 1}, lengths[] = {2, 3};
    const double(*tables)[V][V] = (const double(*)[V][V])logits;
    double both[2][V][V];
    memcpy(both[0], tables, sizeof both[0]);
    memcpy(both[1], tables, sizeof both[1]);
    rs_search_options o = options(4, 0.0);
    o.max_length = 1;
    o.no_repeat_ngram = 1; /* does not apply either */
    stub_search(r, (const double(*)[V][V])both, lengths, 2, forced, forced_lengths, &o);
    assert_int_equal(r[0].hypothesis_count, 1);
    expect_tokens(&r[0].hypotheses[0], (const int[]){B, EOS, A, EOS}, 4, true);
    assert_false(r[0].hypotheses[0].truncated);
    /* after eos every logit is NEVER: each token has probability 1/V */
    assert_float_equal(r[0].hypotheses[0].score, log(0.2) + 0.0 + log(1.0 / V) + log(0.9), 1e-5);
    expect_tokens(&r[1].hypotheses[0], (const int[]){A, EOS}, 2, true);
    assert_float_equal(r[1].hypotheses[0].score, log(0.3 * 0.9), 1e-5);
    rs_search_free(&r[0]);
    rs_search_free(&r[1]);
}

/* Sentences searched together (different models, lengths and finishing steps) give what each gives alone. */
static void test_batch_matches_alone(void **state)
{
    (void)state;
    double tables[3][V][V];
    shrinking_beam_logits(tables[0]);
    for (int k = 1; k < 3; k++)
        for (int y = 0; y < V; y++)
            for (int w = 0; w < V; w++)
                tables[k][y][w] = sin(1.7 * k + 0.9 * y + 2.3 * w) * (w == EOS ? 0.5 : 2.0);
    int lengths[] = {2, 5, 3};
    for (int beam = 1; beam <= 4; beam++) {
        rs_search together[3], alone;
        rs_search_options o = options(beam, 0.6);
        o.max_length = 6;
        for (int k = 0; k < 3; k++)
            rs_search_init(&together[k]);
        rs_search_init(&alone);
        stub_search(together, (const double(*)[V][V])tables, lengths, 3, NULL, NULL, &o);
        for (int k = 0; k < 3; k++) {
            stub_search(&alone, (const double(*)[V][V])tables + k, &lengths[k], 1, NULL, NULL, &o);
            assert_int_equal(together[k].hypothesis_count, alone.hypothesis_count);
            for (int h = 0; h < alone.hypothesis_count; h++) {
                const rs_hypothesis *x = &together[k].hypotheses[h], *y = &alone.hypotheses[h];
                assert_int_equal(x->steps, y->steps);
                assert_memory_equal(x->tokens, y->tokens, (size_t)x->steps * sizeof *x->tokens);
                assert_memory_equal(x->attention, y->attention, (size_t)(x->steps * lengths[k]) * sizeof(float));
                assert_true(x->score == y->score);
                assert_true(x->truncated == y->truncated);
            }
            rs_search_free(&together[k]);
        }
        rs_search_free(&alone);
    }
}

/* A model that loops: after bos, a; after a: a (0), b (-1), eos (-3); after b: a (0), eos (-2). */
static void looping_logits(double logits[V][V])
{
    never_all(logits);
    logits[BOS][A] = 0.0;
    logits[A][A] = 0.0;
    logits[A][B] = -1.0;
    logits[A][EOS] = -3.0;
    logits[B][A] = 0.0;
    logits[B][EOS] = -2.0;
}

static void test_no_repeat_ngram(void **state)
{
    (void)state;
    double logits[V][V];
    looping_logits(logits);
    rs_search r;
    rs_search_init(&r);
    rs_search_options o = options(1, 0.0);
    o.max_length = 6;
    search_one(&r, logits, &o);
    expect_tokens(&r.hypotheses[0], (const int[]){A, A, A, A, A, A}, 6, false);
    /* N = 1: no token twice: a, then b (a is banned), then eos (a and b are) */
    o.no_repeat_ngram = 1;
    search_one(&r, logits, &o);
    expect_tokens(&r.hypotheses[0], (const int[]){A, B, EOS}, 3, true);
    /* N = 2: a a; then "a a" is taken: a a b; "b a" is new: a a b a; after a, "a a" and "a b" are taken: eos */
    o.no_repeat_ngram = 2;
    search_one(&r, logits, &o);
    expect_tokens(&r.hypotheses[0], (const int[]){A, A, B, A, EOS}, 5, true);
    /* any N: no n-gram of the result occurs twice */
    for (int n = 1; n <= 4; n++) {
        o.no_repeat_ngram = n;
        search_one(&r, logits, &o);
        const rs_hypothesis *h = &r.hypotheses[0];
        for (int i = 0; i + n <= h->steps; i++)
            for (int j = i + 1; j + n <= h->steps; j++)
                assert_memory_not_equal(h->tokens + i, h->tokens + j, (size_t)n * sizeof *h->tokens);
    }
    /* beam search too: no hypothesis holds a repeated bigram */
    o = options(3, 0.0);
    o.max_length = 6;
    o.no_repeat_ngram = 2;
    search_one(&r, logits, &o);
    assert_int_equal(r.hypothesis_count, 3);
    for (int k = 0; k < r.hypothesis_count; k++) {
        const rs_hypothesis *h = &r.hypotheses[k];
        for (int i = 0; i + 2 <= h->steps; i++)
            for (int j = i + 1; j + 2 <= h->steps; j++)
                assert_memory_not_equal(h->tokens + i, h->tokens + j, 2 * sizeof *h->tokens);
    }
    rs_search_free(&r);
}

static void test_beam_cap(void **state)
{
    (void)state;
    double logits[V][V];
    looping_logits(logits);
    rs_search r;
    rs_search_init(&r);
    rs_search_options o = options(RS_MAX_BEAM + 1, 0.0);
    static stub d;
    memset(&d, 0, sizeof d);
    rs_encoding encoding = {.length = 2};
    const rs_encoding *batch = &encoding;
    rs_search *searches = &r;
    d.tables = (const double(*)[V][V])logits;
    d.first = &encoding;
    rs_search_decoder decoder = {&d, V, BOS, EOS, stub_start, stub_step, stub_select};
    rs_error err = {{0}};
    assert_int_equal(rs_search_batch(&searches, &decoder, &batch, NULL, NULL, 1, &o, &err), -1);
    assert_non_null(strstr(err.message, "beam size 1001"));
    /* the largest beam works: every finished hypothesis, at most V - 1 a step here */
    o = options(RS_MAX_BEAM, 0.0);
    o.max_length = 3;
    search_one(&r, logits, &o);
    assert_true(r.hypothesis_count > 0 && r.hypothesis_count <= RS_MAX_BEAM);
    for (int k = 1; k < r.hypothesis_count; k++)
        assert_true(r.hypotheses[k - 1].normalized_score >= r.hypotheses[k].normalized_score);
    rs_search_free(&r);
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
        cmocka_unit_test(test_eos_is_not_truncated),
        cmocka_unit_test(test_forced_override),
        cmocka_unit_test(test_batch_matches_alone),
        cmocka_unit_test(test_no_repeat_ngram),
        cmocka_unit_test(test_beam_cap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
