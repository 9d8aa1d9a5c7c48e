#include "scores.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"

int rs_scorer_init(rs_scorer *s, const rs_model *model, rs_error *err)
{
    memset(s, 0, sizeof *s);
    s->model = model;
    rs_decoder_init(&s->decoder, model);
    rs_encoding_init(&s->encoding);
    rs_search_init(&s->search);
    return rs_encoder_init(&s->encoder, model, err);
}

void rs_scorer_free(rs_scorer *s)
{
    rs_encoder_free(&s->encoder);
    rs_decoder_free(&s->decoder);
    rs_encoding_free(&s->encoding);
    rs_search_free(&s->search);
    for (size_t k = 0; k < s->scores.cap; k++) {
        free(s->scores.at[k].logp.at);
        free(s->scores.at[k].entropy.at);
    }
    free(s->scores.at);
    memset(s, 0, sizeof *s);
}

static int reserve_scores(rs_scorer *s, int count, rs_error *err)
{
    return RS_GROW_ZEROED(s->scores, (size_t)count, "word scores", err);
}

/* -sum_v p(v) log p(v) of one row of log-probabilities, in double. */
static float entropy_of(const float *logprobs, size_t vocab)
{
    double h = 0.0;
    for (size_t v = 0; v < vocab; v++) {
        double p = exp((double)logprobs[v]);
        if (p > 0.0)
            h -= p * (double)logprobs[v];
    }
    return (float)h;
}

/* The search's decoder contract around the engine's decoder: start and select pass through; step passes the
 * result on unchanged and records the entropy of row 0 (forced decoding has one row) for the steps wanted. */
static int entropy_start(void *self, const rs_encoding *const *sentences, int n, int max_rows, rs_error *err)
{
    rs_scorer *s = self;
    s->entropy_step = 0;
    return s->inner.start(s->inner.self, sentences, n, max_rows, err);
}

static rs_step_result entropy_step(void *self, const int32_t *prev)
{
    rs_scorer *s = self;
    rs_step_result r = s->inner.step(s->inner.self, prev);
    /* a hypothesis cut without eos is forced on all its tokens and then eos: that last step is not its own */
    if (s->entropy_step < s->entropy_steps)
        s->entropy_out[s->entropy_step] = entropy_of(r.logprobs, (size_t)s->inner.vocab_size);
    s->entropy_step++;
    return r;
}

static void entropy_select(void *self, const int *parents, int n)
{
    rs_scorer *s = self;
    s->inner.select(s->inner.self, parents, n);
}

/* Room for the scores of hypotheses [0, count) of tr. */
static int reserve_steps(rs_scorer *s, const rs_translation *tr, int count, rs_error *err)
{
    if (reserve_scores(s, count, err) < 0)
        return -1;
    for (int k = 0; k < count; k++) {
        rs_token_scores *out = &s->scores.at[k];
        size_t steps = (size_t)tr->hypotheses[k].steps;
        out->steps = tr->hypotheses[k].steps;
        if (RS_GROW(out->logp, steps, "word scores", err) < 0 ||
            RS_GROW(out->entropy, steps, "word scores", err) < 0)
            return -1;
        memcpy(out->logp.at, tr->hypotheses[k].logprobs, steps * sizeof *out->logp.at);
    }
    return 0;
}

int rs_score_tokens(rs_scorer *s, const rs_translation *tr, int count, rs_error *err)
{
    if (tr->length == 0 || count <= 0)
        return 0;
    if (reserve_steps(s, tr, count, err) < 0 || rs_encode(&s->encoder, tr->ids, tr->length, &s->encoding, err) < 0)
        return -1;
    s->inner = rs_decoder_for_search(&s->decoder);
    rs_search_decoder wrapped = s->inner;
    wrapped.self = s;
    wrapped.start = entropy_start;
    wrapped.step = entropy_step;
    wrapped.select = entropy_select;
    rs_search_options forced = {.beam = 1, .max_length = INT_MAX, .max_length_factor = 1.0};
    const rs_encoding *batch[1] = {&s->encoding};
    rs_search *searches[1] = {&s->search};
    for (int k = 0; k < count; k++) {
        const rs_hypothesis *h = &tr->hypotheses[k];
        rs_token_scores *out = &s->scores.at[k];
        /* forced decoding emits the target and then eos: the target is the hypothesis without its eos */
        const int32_t *targets[1] = {h->tokens};
        int target_lengths[1] = {h->ended_by_eos ? h->steps - 1 : h->steps};
        s->entropy_out = out->entropy.at;
        s->entropy_steps = h->steps;
        if (rs_search_batch(searches, &wrapped, batch, targets, target_lengths, 1, &forced, err) < 0)
            return -1;
    }
    return 0;
}

int rs_score_tokens_joined(rs_scorer *s, const rs_translation *tr, const rs_translation *sentences, int count,
                           rs_error *err)
{
    int n = tr->sentence_count;
    if (tr->length == 0 || count <= 0)
        return 0;
    /* the joined scores live in their own array while each sentence's are computed into s->scores */
    rs_token_scores *joined = rs_calloc_array((size_t)count, sizeof *joined, "word scores", err);
    if (!joined)
        return -1;
    int rc = 0;
    for (int k = 0; rc == 0 && k < count; k++) {
        joined[k].steps = tr->hypotheses[k].steps;
        rc = RS_GROW(joined[k].entropy, (size_t)joined[k].steps, "word scores", err);
    }
    for (int i = 0; rc == 0 && i < n; i++) {
        if (sentences[i].length == 0)
            continue;
        rc = rs_score_tokens(s, &sentences[i], count, err);
        for (int k = 0; rc == 0 && k < count; k++) {
            /* sentence i's tokens start at bounds[i]; its eos is kept only at the end of the line, where the
             * joined steps end (so the copy stops there), and elsewhere is overwritten by the next sentence */
            int at = tr->sentence_targets[k * (n + 1) + i], steps = s->scores.at[k].steps;
            if (steps > joined[k].steps - at)
                steps = joined[k].steps - at;
            memcpy(joined[k].entropy.at + at, s->scores.at[k].entropy.at, (size_t)steps * sizeof *joined[k].entropy.at);
        }
    }
    if (rc == 0)
        rc = reserve_steps(s, tr, count, err);
    for (int k = 0; k < count; k++) {
        if (rc == 0)
            memcpy(s->scores.at[k].entropy.at, joined[k].entropy.at,
                   (size_t)joined[k].steps * sizeof *joined[k].entropy.at);
        free(joined[k].entropy.at);
    }
    free(joined);
    return rc;
}
