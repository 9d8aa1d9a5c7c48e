#include "attention.h"

#include <math.h>
#include <stdbool.h>
#include <string.h>

#include "ops.h"
#include "simd.h"

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
        rs_linear_h(keys, (size_t)c->attention_dim, memory, (size_t)k, length, w->key_weight, w->key_weight_half,
                    c->attention_dim, k, w->key_bias);
        break;
    case RS_SCORE_GENERAL:
        rs_linear_h(keys, (size_t)c->decoder_hidden_size, memory, (size_t)k, length, w->general_weight,
                    w->general_weight_half, c->decoder_hidden_size, k, NULL);
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
        rs_linear_h(proj, (size_t)c->attention_dim, queries, ld_query, n, model->weights.query_weight,
                    model->weights.query_weight_half, c->attention_dim, c->decoder_hidden_size,
                    model->weights.query_bias);
}

void rs_attention_weights(const rs_model *model, const float *queries, size_t ld_query, int n, const float *keys,
                          int length, float *tanh_scratch, float *weights, size_t ld_weights)
{
    (void)tanh_scratch; /* not needed any more: rows may be computed on several threads at once */
    const rs_config *c = &model->config;
    if (c->score == RS_SCORE_ADDITIVE) {
        int a = c->attention_dim;
        const float *v = model->weights.v_weight;
        bool simd = rs_simd_available();
        for (int i = 0; i < n; i++) {
            const float *q = queries + (size_t)i * ld_query;
            float *row = weights + (size_t)i * ld_weights;
            for (int j = 0; j < length; j++) {
                const float *key = keys + (size_t)j * a;
                if (simd) {
                    row[j] = rs_simd_additive_score(q, key, v, a);
                    continue;
                }
                float e = 0.0f;
                for (int x = 0; x < a; x++)
                    e += v[x] * tanhf(q[x] + key[x]);
                row[j] = e;
            }
        }
    } else {
        /* e[i, j] = q_i . key_j for all rows at once */
        rs_linear(weights, ld_weights, queries, ld_query, n, keys, length, rs_attention_key_dim(c), NULL);
    }
    for (int i = 0; i < n; i++)
        rs_softmax(weights + (size_t)i * ld_weights, (size_t)length);
}
