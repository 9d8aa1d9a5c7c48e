#include "scores.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "explain.h"
#include "mem.h"

int rs_scorer_init(rs_scorer *s, const rs_model *model, rs_error *err)
{
    memset(s, 0, sizeof *s);
    s->model = model;
    rs_decoder_init(&s->decoder, model);
    rs_encoding_init(&s->encoding);
    return rs_encoder_init(&s->encoder, model, err);
}

void rs_scorer_free(rs_scorer *s)
{
    rs_encoder_free(&s->encoder);
    rs_decoder_free(&s->decoder);
    rs_encoding_free(&s->encoding);
    free(s->ids);
    for (int k = 0; k < s->scores_cap; k++) {
        free(s->scores[k].logp);
        free(s->scores[k].entropy);
    }
    free(s->scores);
    memset(s, 0, sizeof *s);
}

static int reserve_scores(rs_scorer *s, int count, rs_error *err)
{
    if (count <= s->scores_cap)
        return 0;
    rs_token_scores *grown = realloc(s->scores, (size_t)count * sizeof *grown);
    if (!grown)
        return rs_fail(err, "out of memory (word scores, %d hypotheses)", count);
    memset(grown + s->scores_cap, 0, (size_t)(count - s->scores_cap) * sizeof *grown);
    s->scores = grown;
    s->scores_cap = count;
    return 0;
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

int rs_score_tokens(rs_scorer *s, const rs_translation *tr, int count, rs_error *err)
{
    if (tr->length == 0 || count <= 0)
        return 0;
    const rs_model *m = s->model;
    size_t vocab = (size_t)m->config.target_vocab_size;
    void *p = s->ids;
    int rc = rs_reserve(&p, &s->ids_cap, (size_t)tr->length, sizeof *s->ids, "word scores", err);
    s->ids = p;
    if (rc < 0 || reserve_scores(s, count, err) < 0)
        return -1;
    rs_source_ids(m, tr, s->ids);
    if (rs_encode(&s->encoder, s->ids, tr->length, &s->encoding, err) < 0)
        return -1;
    const rs_encoding *batch[1] = {&s->encoding};
    for (int k = 0; k < count; k++) {
        const rs_hypothesis *h = &tr->hypotheses[k];
        rs_token_scores *out = &s->scores[k];
        out->steps = h->steps;
        if (rs_reserve_floats(&out->logp, &out->logp_cap, (size_t)h->steps, "word scores", err) < 0 ||
            rs_reserve_floats(&out->entropy, &out->entropy_cap, (size_t)h->steps, "word scores", err) < 0 ||
            rs_decoder_reserve(&s->decoder, 1, tr->length, err) < 0)
            return -1;
        rs_decoder_start(&s->decoder, batch, 1);
        for (int t = 0; t < h->steps; t++) {
            int32_t fed = t == 0 ? m->target_ids.bos : h->tokens[t - 1];
            rs_decoder_step(&s->decoder, &fed);
            out->logp[t] = s->decoder.logprobs[h->tokens[t]];
            out->entropy[t] = entropy_of(s->decoder.logprobs, vocab);
        }
    }
    return 0;
}
