#include "attention.h"

#include <math.h>
#include <string.h>

#include "dense.h"
#include "ops.h"

/* One attention score. */
typedef struct score_kind {
    int (*key_dim)(const rs_config *c);
    /* keys[S, key_dim] from memory[S, K] */
    void (*keys)(const rs_model *m, const float *memory, int length, float *keys);
    /* proj[n, query_dim] from n states; NULL: the states are the queries */
    void (*query)(const rs_model *m, const float *states, size_t ld_states, int n, float *proj);
    /* energies[n, length] of n queries over one source */
    void (*energies)(const rs_model *m, const float *queries, size_t ld_queries, int n, const float *keys,
                     int length, float *energies, size_t ld_energies);
} score_kind;

static int attention_dim(const rs_config *c)
{
    return c->attention_dim;
}

static int hidden_size(const rs_config *c)
{
    return c->decoder_hidden_size;
}

static int encoder_output(const rs_config *c)
{
    return c->encoder_output;
}

/* additive: keys Wk h_j + bk, queries Wq q + bq, e_j = v . tanh(query + key_j) */
static void additive_keys(const rs_model *m, const float *memory, int length, float *keys)
{
    rs_dense(keys, memory, length, &m->weights.key);
}

static void additive_query(const rs_model *m, const float *states, size_t ld_states, int n, float *proj)
{
    rs_dense_ld(proj, (size_t)m->config.attention_dim, states, ld_states, n, &m->weights.query);
}

static void additive_energies(const rs_model *m, const float *queries, size_t ld_queries, int n, const float *keys,
                              int length, float *energies, size_t ld_energies)
{
    int a = m->config.attention_dim;
    const float *v = m->weights.v_weight;
    for (int i = 0; i < n; i++) {
        const float *q = queries + (size_t)i * ld_queries;
        float *row = energies + (size_t)i * ld_energies;
        for (int j = 0; j < length; j++)
            row[j] = rs_additive_score(q, keys + (size_t)j * a, v, a);
    }
}

/* dot, scaled_dot, general: e_j = q . key_j, the scaling or W being in the keys */
static void dot_energies(const rs_model *m, const float *queries, size_t ld_queries, int n, const float *keys,
                         int length, float *energies, size_t ld_energies)
{
    rs_linear(energies, ld_energies, queries, ld_queries, n, keys, length, rs_attention_key_dim(&m->config), NULL);
}

static void dot_keys(const rs_model *m, const float *memory, int length, float *keys)
{
    memcpy(keys, memory, (size_t)length * (size_t)m->config.encoder_output * sizeof *keys);
}

static void scaled_dot_keys(const rs_model *m, const float *memory, int length, float *keys)
{
    /* Divided here, as scripts/model.py does, so the per-step product needs no scaling. */
    int k = m->config.encoder_output;
    float scale = (float)sqrt((double)k);
    size_t count = (size_t)length * (size_t)k;
    for (size_t i = 0; i < count; i++)
        keys[i] = memory[i] / scale;
}

static void general_keys(const rs_model *m, const float *memory, int length, float *keys)
{
    rs_dense(keys, memory, length, &m->weights.general);
}

static const score_kind SCORES[] = {
    [RS_SCORE_ADDITIVE] = {attention_dim, additive_keys, additive_query, additive_energies},
    [RS_SCORE_DOT] = {encoder_output, dot_keys, NULL, dot_energies},
    [RS_SCORE_SCALED_DOT] = {encoder_output, scaled_dot_keys, NULL, dot_energies},
    [RS_SCORE_GENERAL] = {hidden_size, general_keys, NULL, dot_energies},
};

int rs_attention_key_dim(const rs_config *config)
{
    return SCORES[config->score].key_dim(config);
}

double rs_attention_row_cost(const rs_config *config, int length)
{
    return (double)length *
           (double)(8 * (size_t)config->attention_dim + config->encoder_output + config->decoder_hidden_size);
}

void rs_attention_keys(const rs_model *model, const float *memory, int length, float *keys)
{
    SCORES[model->config.score].keys(model, memory, length, keys);
}

const float *rs_attention_queries(const rs_model *model, const float *states, size_t ld_states, int n, float *proj,
                                  size_t *ld_queries)
{
    const score_kind *score = &SCORES[model->config.score];
    if (!score->query) {
        *ld_queries = ld_states;
        return states;
    }
    score->query(model, states, ld_states, n, proj);
    *ld_queries = (size_t)score->key_dim(&model->config);
    return proj;
}

void rs_attention_weights(const rs_model *model, const float *queries, size_t ld_queries, int n, const float *keys,
                          int length, float *weights, size_t ld_weights)
{
    SCORES[model->config.score].energies(model, queries, ld_queries, n, keys, length, weights, ld_weights);
    for (int i = 0; i < n; i++)
        rs_softmax(weights + (size_t)i * ld_weights, (size_t)length);
}
