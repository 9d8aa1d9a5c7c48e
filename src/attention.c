#include "attention.h"

#include <math.h>
#include <stdbool.h>
#include <string.h>

#include "dense.h"
#include "ops.h"

int rs_attention_key_dim(const rs_config *config)
{
    switch (config->score) {
    case RS_SCORE_ADDITIVE:
        return config->attention_dim;
    case RS_SCORE_GENERAL:
        return config->decoder_hidden_size;
    case RS_SCORE_DOT:
    case RS_SCORE_SCALED_DOT:
        break;
    }
    return config->encoder_output;
}

void rs_attention_keys(const rs_model *model, const float *memory, int length, float *keys)
{
    const rs_config *c = &model->config;
    const rs_weights *w = &model->weights;
    int k = c->encoder_output;
    size_t count = (size_t)length * (size_t)k;
    switch (c->score) {
    case RS_SCORE_ADDITIVE:
        rs_dense(keys, memory, length, &w->key);
        break;
    case RS_SCORE_GENERAL:
        rs_dense(keys, memory, length, &w->general);
        break;
    case RS_SCORE_SCALED_DOT: {
        /* Divided here, as scripts/model.py does, so the per-step product needs no scaling. */
        float scale = (float)sqrt((double)k);
        for (size_t i = 0; i < count; i++)
            keys[i] = memory[i] / scale;
        break;
    }
    case RS_SCORE_DOT:
        memcpy(keys, memory, count * sizeof *keys);
        break;
    }
}

void rs_attention_project(const rs_model *model, const float *queries, size_t ld_query, int n, float *proj)
{
    const rs_config *c = &model->config;
    if (c->score == RS_SCORE_ADDITIVE)
        rs_dense_ld(proj, (size_t)c->attention_dim, queries, ld_query, n, &model->weights.query);
}

void rs_attention_weights(const rs_model *model, const float *queries, size_t ld_query, int n, const float *keys,
                          int length, float *tanh_scratch, float *weights, size_t ld_weights)
{
    (void)tanh_scratch; /* not needed any more: rows may be computed on several threads at once */
    const rs_config *c = &model->config;
    if (c->score == RS_SCORE_ADDITIVE) {
        int a = c->attention_dim;
        const float *v = model->weights.v_weight;
        for (int i = 0; i < n; i++) {
            const float *q = queries + (size_t)i * ld_query;
            float *row = weights + (size_t)i * ld_weights;
            for (int j = 0; j < length; j++)
                row[j] = rs_additive_score(q, keys + (size_t)j * a, v, a);
        }
    } else {
        /* e[i, j] = q_i . key_j for all rows at once */
        rs_linear(weights, ld_weights, queries, ld_query, n, keys, length, rs_attention_key_dim(c), NULL);
    }
    for (int i = 0; i < n; i++)
        rs_softmax(weights + (size_t)i * ld_weights, (size_t)length);
}
