#include "explain.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "words.h"

int rs_explainer_init(rs_explainer *x, const rs_model *model, rs_error *err)
{
    memset(x, 0, sizeof *x);
    x->model = model;
    rs_decoder_init(&x->decoder, model);
    for (int i = 0; i < RS_EXPLAIN_CHUNK; i++) {
        rs_encoding_init(&x->encodings[i]);
        rs_search_init(&x->searches[i]);
    }
    rs_workspace_init(&x->workspace);
    rs_rank_scratch_init(&x->ranks);
    return rs_encoder_init(&x->encoder, model, err);
}

void rs_explainer_free(rs_explainer *x)
{
    rs_encoder_free(&x->encoder);
    rs_decoder_free(&x->decoder);
    for (int i = 0; i < RS_EXPLAIN_CHUNK; i++) {
        rs_encoding_free(&x->encodings[i]);
        rs_search_free(&x->searches[i]);
    }
    rs_workspace_free(&x->workspace);
    rs_rank_scratch_free(&x->ranks);
    for (int k = 0; k < x->explanation_count; k++)
        rs_explanation_free(&x->explanations[k]);
    free(x->explanations);
    if (x->methods & RS_GRADIENT_METHODS)
        rs_attributor_free(&x->attributor);
    memset(x, 0, sizeof *x);
}

void rs_explainer_set_occlusion_words(rs_explainer *x, bool words)
{
    x->occlude_words = words;
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

static void layout(void *owner, rs_workspace *ws)
{
    rs_explainer *x = owner;
    RS_TAKE(ws, x->occluded, (size_t)x->length, 1);
    RS_TAKE(ws, x->unit_of, (size_t)x->length, 1);
    RS_TAKE(ws, x->unit_size, (size_t)x->variants, 1);
    RS_TAKE(ws, x->unit_decoded, (size_t)x->variants, 1);
    RS_TAKE(ws, x->logp, (size_t)x->variants, (size_t)x->steps);
    RS_TAKE(ws, x->todo, (size_t)x->variants, 1);
    RS_TAKE(ws, x->pair_x, x->methods ? (size_t)x->length : 0, 1);
    RS_TAKE(ws, x->pair_y, x->methods ? (size_t)x->length : 0, 1);
}

static void explanation_layout(void *owner, rs_workspace *ws)
{
    rs_explanation *e = owner;
    RS_TAKE(ws, e->occlusion, (size_t)e->steps, (size_t)e->length);
    RS_TAKE(ws, e->rho, (size_t)e->steps, 1);
    /* the methods' buffers only when asked for: bare --explain's memory stays what it was */
    size_t gradient_rows = e->methods & RS_GRADIENT_METHODS ? 3 * (size_t)e->steps : 0;
    RS_TAKE(ws, e->gradients, gradient_rows, (size_t)e->length);
    RS_TAKE(ws, e->ig_error, gradient_rows ? (size_t)e->steps : 0, 1);
    RS_TAKE(ws, e->rho_store, e->methods ? (size_t)RS_METHOD_COUNT : 0, (size_t)e->steps);
}

int rs_explanation_reserve(rs_explanation *e, int steps, int length, rs_error *err)
{
    e->steps = steps;
    e->length = length;
    return rs_workspace_fit(&e->workspace, explanation_layout, e, "explain", err);
}

void rs_explanation_free(rs_explanation *e)
{
    rs_workspace_free(&e->workspace);
    memset(e, 0, sizeof *e);
}

/* Room for `count` explanations (kept across calls: each owns its arrays). */
static int reserve_explanations(rs_explainer *x, int count, rs_error *err)
{
    if (count <= x->explanation_count)
        return 0;
    rs_explanation *grown = rs_calloc_array((size_t)count, sizeof *grown, "explain", err);
    if (!grown)
        return -1;
    if (x->explanation_count)
        memcpy(grown, x->explanations, (size_t)x->explanation_count * sizeof *grown);
    for (int k = x->explanation_count; k < count; k++)
        rs_workspace_init(&grown[k].workspace);
    free(x->explanations);
    x->explanations = grown;
    x->explanation_count = count;
    return 0;
}

/* Decodes the variants todo[0..n) (0: the original source, v >= 1: every token of occlusion unit v - 1
 * occluded) teacher-forced on the hypothesis, writing log p(y_t) of variant v at x->logp[v * steps + t]. */
static int decode_variants(rs_explainer *x, const rs_translation *tr, const rs_hypothesis *h, int n, rs_error *err)
{
    const rs_model *m = x->model;
    size_t length = (size_t)tr->length, steps = (size_t)h->steps;
    /* forced decoding emits the target and then eos: the target is the hypothesis without its eos */
    int target_length = h->ended_by_eos ? h->steps - 1 : h->steps;
    rs_search_options forced = {.beam = 1, .max_length = INT_MAX, .max_length_factor = 1.0};
    rs_search_decoder decoder = rs_decoder_for_search(&x->decoder);
    for (int start = 0; start < n; start += RS_EXPLAIN_CHUNK) {
        int rows = n - start < RS_EXPLAIN_CHUNK ? n - start : RS_EXPLAIN_CHUNK;
        for (int r = 0; r < rows; r++) {
            int v = x->todo[start + r];
            memcpy(x->occluded, tr->ids, length * sizeof *x->occluded);
            for (int j = tr->first_token; v > 0 && j < tr->first_token + tr->token_count; j++)
                if (x->unit_of[j] == v - 1)
                    x->occluded[j] = m->source_ids.unk;
            if (rs_encode(&x->encoder, x->occluded, tr->length, &x->encodings[r], err) < 0)
                return -1;
            x->batch[r] = &x->encodings[r];
            x->batch_searches[r] = &x->searches[r];
            x->targets[r] = h->tokens;
            x->target_lengths[r] = target_length;
        }
        if (rs_search_batch(x->batch_searches, &decoder, x->batch, x->targets, x->target_lengths, rows, &forced,
                            err) < 0)
            return -1;
        for (int r = 0; r < rows; r++)
            memcpy(x->logp + (size_t)x->todo[start + r] * steps, x->searches[r].hypotheses[0].logprobs,
                   steps * sizeof *x->logp);
    }
    return 0;
}

/* x->unit_of[j]: the occlusion unit of tokenizer token j (-1 at added bos/eos), counting from 0; x->unit_size[u]:
 * its tokens. A unit is a token, or with occlude_words a word (words.h: a subword model's pieces grouped). Returns
 * the number of units. */
static int occlusion_units(rs_explainer *x, const rs_translation *tr)
{
    int first = tr->first_token, end = tr->first_token + tr->token_count, units;
    if (x->occlude_words) {
        rs_group_words(tr->source, tr->length, first, end, rs_model_has_pieces(x->model), x->unit_of);
        /* bos (a word of its own) takes number 0 when added: renumber from the first token */
        int base = tr->token_count ? x->unit_of[first] : 0;
        for (int j = first; j < end; j++)
            x->unit_of[j] -= base;
        units = tr->token_count ? x->unit_of[end - 1] + 1 : 0;
    } else {
        for (int j = first; j < end; j++)
            x->unit_of[j] = j - first;
        units = tr->token_count;
    }
    for (int j = 0; j < tr->length; j++)
        if (j < first || j >= end)
            x->unit_of[j] = -1;
    for (int u = 0; u < units; u++)
        x->unit_size[u] = 0;
    for (int j = first; j < end; j++)
        x->unit_size[x->unit_of[j]]++;
    return units;
}

/* e->occlusion from the variants' log p, and (bare --explain) its rho with the attention. A unit's drop in log p
 * is shared equally by its tokens, so that a word's pieces sum to the word's importance. */
static int occlusion_of(rs_explainer *x, const rs_translation *tr, const rs_hypothesis *h, rs_explanation *e,
                        rs_error *err)
{
    const rs_model *m = x->model;
    const int32_t *ids = tr->ids;
    int *todo = x->todo;
    size_t length = (size_t)tr->length, steps = (size_t)h->steps;
    int first = tr->first_token, end = tr->first_token + tr->token_count;

    /* A unit whose tokens are all unk already is occluded by nothing: its importance is exactly 0, not decoded. */
    int units = occlusion_units(x, tr);
    int n = 0;
    todo[n++] = 0;
    for (int u = 0; u < units; u++)
        x->unit_decoded[u] = 0;
    for (int j = first; j < end; j++)
        if (ids[j] != m->source_ids.unk)
            x->unit_decoded[x->unit_of[j]] = 1;
    for (int u = 0; u < units; u++)
        if (x->unit_decoded[u])
            todo[n++] = u + 1;
    if (decode_variants(x, tr, h, n, err) < 0)
        return -1;

    const float *base = x->logp;
    double rho_sum = 0.0;
    int rho_count = 0;
    for (size_t t = 0; t < steps; t++) {
        float *row = e->occlusion + t * length;
        memset(row, 0, length * sizeof *row);
        for (int j = first; j < end; j++) {
            int u = x->unit_of[j];
            if (x->unit_decoded[u])
                row[j] = (float)(((double)base[t] - (double)x->logp[(size_t)(u + 1) * steps + t]) / x->unit_size[u]);
        }
        if (x->methods) {
            e->rho[t] = NAN; /* the methods' rho replace it (method_rho) */
            continue;
        }
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
            if (skip_unk && tr->ids[j] == x->model->source_ids.unk)
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
        bool want_ig = want & RS_METHOD_BIT(RS_METHOD_IG);
        if (rs_attribute(&x->attributor, tr->ids, tr->length, h->tokens, h->steps,
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
        if (!e->matrix[m])
            continue;
        e->method_rho[m] = e->rho_store + (size_t)m * (size_t)h->steps;
        if (method_rho(x, tr, h, e->matrix[m], m == RS_METHOD_OCCLUSION, e->method_rho[m], &e->method_mean_rho[m],
                       err) < 0)
            return -1;
    }
    return 0;
}

static int explain_one(rs_explainer *x, const rs_translation *tr, const rs_hypothesis *h, rs_explanation *e,
                       rs_error *err)
{
    e->mean_rho = NAN;
    e->methods = x->methods;
    for (int m = 0; m < RS_METHOD_COUNT; m++) {
        e->matrix[m] = NULL;
        e->method_rho[m] = NULL;
        e->method_mean_rho[m] = NAN;
    }
    if (rs_explanation_reserve(e, h->steps, tr->length, err) < 0)
        return -1;
    if ((!x->methods || (x->methods & RS_METHOD_BIT(RS_METHOD_OCCLUSION))) && occlusion_of(x, tr, h, e, err) < 0)
        return -1;
    return x->methods ? methods_of(x, tr, h, e, err) : 0;
}

int rs_explain(rs_explainer *x, const rs_translation *tr, int count, rs_error *err)
{
    if (tr->length == 0 || count <= 0)
        return 0;
    if (reserve_explanations(x, count, err) < 0)
        return -1;
    x->length = tr->length;
    x->variants = tr->token_count + 1;
    x->steps = 0;
    for (int k = 0; k < count; k++)
        if (tr->hypotheses[k].steps > x->steps)
            x->steps = tr->hypotheses[k].steps;
    if (rs_workspace_fit(&x->workspace, layout, x, "explain", err) < 0)
        return -1;
    for (int k = 0; k < count; k++)
        if (explain_one(x, tr, &tr->hypotheses[k], &x->explanations[k], err) < 0)
            return -1;
    return 0;
}
