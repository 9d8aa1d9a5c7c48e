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
        free(x->explanations[k].ig_error);
        free(x->explanations[k].gradients);
        free(x->explanations[k].rho_store);
    }
    if (x->methods & RS_GRADIENT_METHODS)
        rs_attributor_free(&x->attributor);
    free(x->targets);
    free(x->pair_x);
    free(x->pair_y);
    free(x->explanations);
    memset(x, 0, sizeof *x);
}

int rs_explainer_set_methods(rs_explainer *x, unsigned methods, int ig_steps, rs_error *err)
{
    if (x->methods & RS_GRADIENT_METHODS)
        rs_attributor_free(&x->attributor);
    x->methods = methods;
    if (!(methods & RS_GRADIENT_METHODS))
        return 0;
    if (rs_attributor_init(&x->attributor, x->model, ig_steps, err) < 0) {
        rs_attributor_free(&x->attributor);
        x->methods = 0;
        return -1;
    }
    return 0;
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

void rs_source_ids(const rs_model *m, const rs_translation *tr, int32_t *ids)
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

/* e->occlusion from the variants' log p, and (bare --explain) its rho with the attention. */
static int occlusion_of(rs_explainer *x, const rs_translation *tr, const rs_hypothesis *h, rs_explanation *e,
                        int *todo, rs_error *err)
{
    const rs_model *m = x->model;
    size_t length = (size_t)tr->length, steps = (size_t)h->steps;
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
        if (x->methods)
            continue;
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

/* The rho of one method's matrix with the attention, per step and their mean (explain.h). */
static int method_rho(rs_explainer *x, const rs_translation *tr, const rs_hypothesis *h, const float *scores,
                      bool skip_unk, double *rho, double *mean, rs_error *err)
{
    size_t length = (size_t)tr->length;
    double sum = 0.0;
    int defined_count = 0;
    for (int t = 0; t < h->steps; t++) {
        int n = 0;
        for (int j = tr->first_token; j < tr->first_token + tr->token_count; j++) {
            if (skip_unk && x->ids[j] == x->model->source_ids.unk)
                continue;
            x->pair_x[n] = h->attention[(size_t)t * length + (size_t)j];
            x->pair_y[n++] = scores[(size_t)t * length + (size_t)j];
        }
        bool defined = false;
        rho[t] = NAN;
        if (n >= 3 && rs_spearman(&x->ranks, x->pair_x, x->pair_y, n, &rho[t], &defined, err) < 0)
            return -1;
        if (defined) {
            sum += rho[t];
            defined_count++;
        }
    }
    *mean = defined_count ? sum / defined_count : NAN;
    return 0;
}

/* --explain=METHODS: the gradient methods' matrices, every method's rho. */
static int methods_of(rs_explainer *x, const rs_translation *tr, const rs_hypothesis *h, rs_explanation *e,
                      rs_error *err)
{
    size_t cells = (size_t)h->steps * (size_t)tr->length;
    unsigned want = x->methods;
    if (want & RS_METHOD_BIT(RS_METHOD_ATTENTION))
        e->matrix[RS_METHOD_ATTENTION] = h->attention;
    if (want & RS_METHOD_BIT(RS_METHOD_OCCLUSION))
        e->matrix[RS_METHOD_OCCLUSION] = e->occlusion;
    if (want & RS_GRADIENT_METHODS) {
        float *sal = e->gradients, *gi = e->gradients + cells, *ig = e->gradients + 2 * cells;
        memcpy(x->targets, h->tokens, (size_t)h->steps * sizeof *x->targets);
        bool want_ig = want & RS_METHOD_BIT(RS_METHOD_IG);
        if (rs_attribute(&x->attributor, x->ids, tr->length, x->targets, h->steps,
                         want & RS_METHOD_BIT(RS_METHOD_SALIENCY) ? sal : NULL,
                         want & RS_METHOD_BIT(RS_METHOD_GRAD_INPUT) ? gi : NULL, want_ig ? ig : NULL,
                         want_ig ? e->ig_error : NULL, NULL, NULL, err) < 0)
            return -1;
        const rs_method gradient[3] = {RS_METHOD_SALIENCY, RS_METHOD_GRAD_INPUT, RS_METHOD_IG};
        for (int g = 0; g < 3; g++)
            if (want & RS_METHOD_BIT(gradient[g]))
                e->matrix[gradient[g]] = e->gradients + (size_t)g * cells;
    }
    for (int m = RS_METHOD_OCCLUSION; m < RS_METHOD_COUNT; m++) {
        e->method_rho[m] = NULL;
        if (!e->matrix[m])
            continue;
        e->method_rho[m] = e->rho_store + (size_t)m * (size_t)h->steps;
        if (method_rho(x, tr, h, e->matrix[m], m == RS_METHOD_OCCLUSION, e->method_rho[m], &e->method_mean_rho[m],
                       err) < 0)
            return -1;
    }
    return 0;
}

/* Sizes the explanation's buffers for this hypothesis. */
static int reserve_explanation(rs_explainer *x, const rs_translation *tr, const rs_hypothesis *h,
                               rs_explanation *e, rs_error *err)
{
    size_t length = (size_t)tr->length, steps = (size_t)h->steps;
    size_t variants = (size_t)tr->token_count + 1, cells, logp_count, gradient_count, rho_count;
    if (!rs_mul_size(steps, length, &cells) || !rs_mul_size(variants, steps, &logp_count) ||
        !rs_mul_size(cells, 3, &gradient_count) || !rs_mul_size(steps, RS_METHOD_COUNT, &rho_count))
        return rs_fail(err, "out of memory (explain: %zu target steps, %zu source positions)", steps, length);
    if (rs_reserve_floats(&e->occlusion, &e->occlusion_cap, cells, "explain", err) < 0 ||
        rs_reserve_floats(&x->logp, &x->logp_cap, logp_count, "explain", err) < 0)
        return -1;
    void *p = e->rho;
    if (rs_reserve(&p, &e->rho_cap, steps, sizeof *e->rho, "explain", err) < 0)
        return -1;
    e->rho = p;
    if (!x->methods)
        return 0;
    p = e->rho_store;
    int rc = rs_reserve(&p, &e->rho_store_cap, rho_count, sizeof *e->rho_store, "explain", err);
    e->rho_store = p;
    p = x->targets;
    if (rc == 0)
        rc = rs_reserve(&p, &x->targets_cap, steps, sizeof *x->targets, "explain", err);
    x->targets = p;
    if (rc < 0 || rs_reserve_floats(&e->gradients, &e->gradients_cap, gradient_count, "explain", err) < 0 ||
        rs_reserve_floats(&e->ig_error, &e->ig_error_cap, steps, "explain", err) < 0 ||
        rs_reserve_floats(&x->pair_x, &x->pair_x_cap, length, "explain", err) < 0 ||
        rs_reserve_floats(&x->pair_y, &x->pair_y_cap, length, "explain", err) < 0)
        return -1;
    return 0;
}

static int explain_one(rs_explainer *x, const rs_translation *tr, const rs_hypothesis *h, rs_explanation *e,
                       int *todo, rs_error *err)
{
    e->steps = h->steps;
    e->length = tr->length;
    e->mean_rho = NAN;
    for (int m = 0; m < RS_METHOD_COUNT; m++) {
        e->matrix[m] = NULL;
        e->method_rho[m] = NULL;
        e->method_mean_rho[m] = NAN;
    }
    if (reserve_explanation(x, tr, h, e, err) < 0)
        return -1;
    if ((!x->methods || (x->methods & RS_METHOD_BIT(RS_METHOD_OCCLUSION))) &&
        occlusion_of(x, tr, h, e, todo, err) < 0)
        return -1;
    return x->methods ? methods_of(x, tr, h, e, err) : 0;
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
    rs_source_ids(x->model, tr, x->ids);
    int rc = 0;
    for (int k = 0; k < count && rc == 0; k++)
        rc = explain_one(x, tr, &tr->hypotheses[k], &x->explanations[k], todo, err);
    free(todo);
    return rc;
}
