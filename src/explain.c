#include "explain.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"

int rs_explainer_init(rs_explainer *x, const rs_model *model, rs_error *err)
{
    memset(x, 0, sizeof *x);
    x->model = model;
    rs_decoder_init(&x->decoder, model);
    for (int i = 0; i < RS_EXPLAIN_CHUNK; i++)
        rs_encoding_init(&x->encodings[i]);
    rs_rank_scratch_init(&x->ranks);
    return rs_encoder_init(&x->encoder, model, err);
}

void rs_explainer_free(rs_explainer *x)
{
    rs_encoder_free(&x->encoder);
    rs_decoder_free(&x->decoder);
    for (int i = 0; i < RS_EXPLAIN_CHUNK; i++)
        rs_encoding_free(&x->encodings[i]);
    free(x->ids);
    free(x->occluded);
    free(x->prev);
    free(x->logp);
    rs_rank_scratch_free(&x->ranks);
    for (int k = 0; k < x->explanation_cap; k++) {
        free(x->explanations[k].occlusion);
        free(x->explanations[k].rho);
    }
    free(x->explanations);
    memset(x, 0, sizeof *x);
}

static int reserve_ids(int32_t **buffer, size_t *cap, size_t count, rs_error *err)
{
    void *p = *buffer;
    int rc = rs_reserve(&p, cap, count, sizeof **buffer, "explain", err);
    *buffer = p;
    return rc;
}

static int reserve_explanations(rs_explainer *x, int count, rs_error *err)
{
    if (count <= x->explanation_cap)
        return 0;
    rs_explanation *grown = realloc(x->explanations, (size_t)count * sizeof *grown);
    if (!grown)
        return rs_fail(err, "out of memory (explain, %d hypotheses)", count);
    memset(grown + x->explanation_cap, 0, (size_t)(count - x->explanation_cap) * sizeof *grown);
    x->explanations = grown;
    x->explanation_cap = count;
    return 0;
}

/* The ids the translator gave the encoder, rebuilt from the source strings as translator.c maps them. */
static void source_ids(const rs_model *m, const rs_translation *tr, int32_t *ids)
{
    for (int j = 0; j < tr->length; j++) {
        if (j < tr->first_token)
            ids[j] = m->source_ids.bos;
        else if (j >= tr->first_token + tr->token_count)
            ids[j] = m->source_ids.eos;
        else {
            int32_t id = rs_vocab_find(&m->source_vocab, tr->source[j], strlen(tr->source[j]));
            ids[j] = id < 0 ? m->source_ids.unk : id;
        }
    }
}

/* Decodes the variants todo[0..n) (0: the original source, v >= 1: tokenizer token v - 1 occluded) teacher-
 * forced on the hypothesis, writing log p(y_t) of variant v at x->logp[v * steps + t]. */
static int decode_variants(rs_explainer *x, const rs_translation *tr, const rs_hypothesis *h, const int *todo,
                           int n, rs_error *err)
{
    const rs_model *m = x->model;
    size_t vocab = (size_t)m->config.target_vocab_size;
    size_t length = (size_t)tr->length;
    for (int start = 0; start < n; start += RS_EXPLAIN_CHUNK) {
        int rows = n - start < RS_EXPLAIN_CHUNK ? n - start : RS_EXPLAIN_CHUNK;
        for (int r = 0; r < rows; r++) {
            int v = todo[start + r];
            memcpy(x->occluded, x->ids, length * sizeof *x->ids);
            if (v > 0)
                x->occluded[tr->first_token + v - 1] = m->source_ids.unk;
            if (rs_encode(&x->encoder, x->occluded, tr->length, &x->encodings[r], err) < 0)
                return -1;
            x->batch[r] = &x->encodings[r];
        }
        if (rs_decoder_reserve(&x->decoder, rows, tr->length, err) < 0)
            return -1;
        rs_decoder_start(&x->decoder, x->batch, rows);
        for (int t = 0; t < h->steps; t++) {
            int32_t fed = t == 0 ? m->target_ids.bos : h->tokens[t - 1];
            for (int r = 0; r < rows; r++)
                x->prev[r] = fed;
            rs_decoder_step(&x->decoder, x->prev);
            for (int r = 0; r < rows; r++)
                x->logp[(size_t)todo[start + r] * (size_t)h->steps + (size_t)t] =
                    x->decoder.logprobs[(size_t)r * vocab + (size_t)h->tokens[t]];
        }
    }
    return 0;
}

static int explain_one(rs_explainer *x, const rs_translation *tr, const rs_hypothesis *h, rs_explanation *e,
                       int *todo, rs_error *err)
{
    const rs_model *m = x->model;
    size_t length = (size_t)tr->length, steps = (size_t)h->steps;
    size_t variants = (size_t)tr->token_count + 1, cells;
    e->steps = h->steps;
    e->length = tr->length;
    e->mean_rho = NAN;
    size_t logp_count;
    if (!rs_mul_size(steps, length, &cells) || !rs_mul_size(variants, steps, &logp_count))
        return rs_fail(err, "out of memory (explain: %zu target steps, %zu source positions)", steps, length);
    if (rs_reserve_floats(&e->occlusion, &e->occlusion_cap, cells, "explain", err) < 0 ||
        rs_reserve_floats(&x->logp, &x->logp_cap, logp_count, "explain", err) < 0)
        return -1;
    void *p = e->rho;
    if (rs_reserve(&p, &e->rho_cap, steps, sizeof *e->rho, "explain", err) < 0)
        return -1;
    e->rho = p;

    /* A token that is already unk is occluded by nothing: its importance is exactly 0, not decoded. */
    int n = 0;
    todo[n++] = 0;
    for (int v = 1; v <= tr->token_count; v++)
        if (x->ids[tr->first_token + v - 1] != m->source_ids.unk)
            todo[n++] = v;
    if (decode_variants(x, tr, h, todo, n, err) < 0)
        return -1;

    const float *base = x->logp;
    double rho_sum = 0.0;
    int rho_count = 0;
    for (size_t t = 0; t < steps; t++) {
        float *row = e->occlusion + t * length;
        memset(row, 0, length * sizeof *row);
        for (int v = 1; v <= tr->token_count; v++)
            if (x->ids[tr->first_token + v - 1] != m->source_ids.unk)
                row[tr->first_token + v - 1] =
                    (float)((double)base[t] - (double)x->logp[(size_t)v * steps + t]);
        bool defined;
        if (rs_spearman(&x->ranks, h->attention + t * length + tr->first_token, row + tr->first_token,
                        tr->token_count, &e->rho[t], &defined, err) < 0)
            return -1;
        if (defined) {
            rho_sum += e->rho[t];
            rho_count++;
        }
    }
    if (rho_count)
        e->mean_rho = rho_sum / rho_count;
    return 0;
}

int rs_explain(rs_explainer *x, const rs_translation *tr, int count, rs_error *err)
{
    if (tr->length == 0 || count <= 0)
        return 0;
    if (reserve_explanations(x, count, err) < 0)
        return -1;
    size_t length = (size_t)tr->length;
    if (reserve_ids(&x->ids, &x->ids_cap, length, err) < 0 ||
        reserve_ids(&x->occluded, &x->occluded_cap, length, err) < 0)
        return -1;
    if (!x->prev && !(x->prev = rs_alloc_array(RS_EXPLAIN_CHUNK, sizeof *x->prev, "explain", err)))
        return -1;
    int *todo = rs_alloc_array((size_t)tr->token_count + 1, sizeof *todo, "explain", err);
    if (!todo)
        return -1;
    source_ids(x->model, tr, x->ids);
    int rc = 0;
    for (int k = 0; k < count && rc == 0; k++)
        rc = explain_one(x, tr, &tr->hypotheses[k], &x->explanations[k], todo, err);
    free(todo);
    return rc;
}
