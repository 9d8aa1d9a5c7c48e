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
    /* the gradient (attention.h): rs_attention_grad_layers, rs_attention_energies_taped,
     * rs_attention_energies_backward and rs_attention_keys_backward of this score */
    void (*grad_layers)(const rs_weights *w, const rs_dense_layer **layers);
    void (*taped)(const rs_model *m, const float *state, const float *keys, int length, float *query, float *saved,
                  float *energies);
    void (*energies_backward)(const rs_model *m, const rs_score_grad *g);
    void (*keys_backward)(const rs_model *m, size_t n, const float *d_keys, float *d_memory,
                          const float *const *transposed, float *scratch);
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

static void additive_grad_layers(const rs_weights *w, const rs_dense_layer **layers)
{
    layers[RS_SCORE_GRAD_QUERY] = &w->query;
    layers[RS_SCORE_GRAD_KEY] = &w->key;
}

/* In plain loops with libm's tanh, keeping u_j = tanh(Wq q + bq + key_j) for the gradient. */
static void additive_taped(const rs_model *m, const float *state, const float *keys, int length, float *query,
                           float *saved, float *energies)
{
    size_t a = (size_t)m->config.attention_dim;
    const float *v = m->weights.v_weight;
    rs_dense_ld(query, a, state, (size_t)m->config.decoder_hidden_size, 1, &m->weights.query);
    for (size_t j = 0; j < (size_t)length; j++) {
        float *u = saved + j * a, e = 0.0f;
        for (size_t x = 0; x < a; x++) {
            u[x] = tanhf(query[x] + keys[j * a + x]);
            e += v[x] * u[x];
        }
        energies[j] = e;
    }
}

/* de_j / d(Wq q + bq) = de_j / d key_j = de_j v (1 - u_j^2); then through Wq to the state. */
static void additive_energies_backward(const rs_model *m, const rs_score_grad *g)
{
    size_t a = (size_t)m->config.attention_dim, hd = (size_t)m->config.decoder_hidden_size, s = g->length;
    const float *v = m->weights.v_weight;
    memset(g->d_query, 0, g->rows * a * sizeof *g->d_query);
    for (size_t r = 0; r < g->rows; r++) {
        float *dq = g->d_query + r * a;
        for (size_t j = 0; j < s; j++) {
            const float *u = g->saved + j * a;
            float de = g->d_energies[r * s + j];
            float *dk = g->d_keys + (r * s + j) * a;
            for (size_t x = 0; x < a; x++) {
                float dpre = de * v[x] * (1.0f - u[x] * u[x]);
                dk[x] += dpre;
                dq[x] += dpre;
            }
        }
    }
    rs_linear_accumulate(g->d_state, hd, g->d_query, a, (int)g->rows, g->transposed[RS_SCORE_GRAD_QUERY], (int)hd,
                         (int)a, g->scratch);
}

/* Through Wk (additive) or W (general) back to the encoder outputs. */
static void projected_keys_backward(const rs_model *m, size_t n, const float *d_keys, float *d_memory,
                                    const float *const *transposed, float *scratch)
{
    int k = m->config.encoder_output, kd = rs_attention_key_dim(&m->config);
    rs_linear_accumulate(d_memory, (size_t)k, d_keys, (size_t)kd, (int)n, transposed[RS_SCORE_GRAD_KEY], k, kd,
                         scratch);
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

static void no_grad_layers(const rs_weights *w, const rs_dense_layer **layers)
{
    (void)w;
    layers[RS_SCORE_GRAD_QUERY] = layers[RS_SCORE_GRAD_KEY] = NULL;
}

static void general_grad_layers(const rs_weights *w, const rs_dense_layer **layers)
{
    layers[RS_SCORE_GRAD_QUERY] = NULL;
    layers[RS_SCORE_GRAD_KEY] = &w->general;
}

/* e_j = state . key_j: nothing to keep. */
static void dot_taped(const rs_model *m, const float *state, const float *keys, int length, float *query,
                      float *saved, float *energies)
{
    (void)query;
    (void)saved;
    rs_linear(energies, (size_t)length, state, (size_t)m->config.decoder_hidden_size, 1, keys, length,
              rs_attention_key_dim(&m->config), NULL);
}

/* de_j / d state = de_j key_j, de_j / d key_j = de_j state. */
static void dot_energies_backward(const rs_model *m, const rs_score_grad *g)
{
    size_t hd = (size_t)m->config.decoder_hidden_size, kd = (size_t)rs_attention_key_dim(&m->config), s = g->length;
    rs_matmul(g->scratch, kd, g->d_energies, s, g->keys, kd, (int)g->rows, (int)s, (int)kd);
    for (size_t i = 0; i < g->rows; i++)
        for (size_t x = 0; x < kd; x++)
            g->d_state[i * hd + x] += g->scratch[i * kd + x];
    for (size_t r = 0; r < g->rows; r++)
        for (size_t j = 0; j < s; j++) {
            float de = g->d_energies[r * s + j];
            float *dk = g->d_keys + (r * s + j) * kd;
            for (size_t x = 0; x < kd; x++)
                dk[x] += de * g->state[x];
        }
}

static void dot_keys_backward(const rs_model *m, size_t n, const float *d_keys, float *d_memory,
                              const float *const *transposed, float *scratch)
{
    (void)transposed;
    (void)scratch;
    size_t count = n * (size_t)m->config.encoder_output;
    for (size_t i = 0; i < count; i++)
        d_memory[i] += d_keys[i];
}

static void scaled_dot_keys_backward(const rs_model *m, size_t n, const float *d_keys, float *d_memory,
                                     const float *const *transposed, float *scratch)
{
    (void)transposed;
    (void)scratch;
    size_t count = n * (size_t)m->config.encoder_output;
    float scale = (float)sqrt((double)m->config.encoder_output); /* as scaled_dot_keys divided */
    for (size_t i = 0; i < count; i++)
        d_memory[i] += d_keys[i] / scale;
}

static const score_kind SCORES[] = {
    [RS_SCORE_ADDITIVE] = {attention_dim, additive_keys, additive_query, additive_energies, additive_grad_layers,
                           additive_taped, additive_energies_backward, projected_keys_backward},
    [RS_SCORE_DOT] = {encoder_output, dot_keys, NULL, dot_energies, no_grad_layers, dot_taped, dot_energies_backward,
                      dot_keys_backward},
    [RS_SCORE_SCALED_DOT] = {encoder_output, scaled_dot_keys, NULL, dot_energies, no_grad_layers, dot_taped,
                             dot_energies_backward, scaled_dot_keys_backward},
    [RS_SCORE_GENERAL] = {hidden_size, general_keys, NULL, dot_energies, general_grad_layers, dot_taped,
                          dot_energies_backward, projected_keys_backward},
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

void rs_attention_grad_layers(const rs_model *model, const rs_dense_layer *layers[RS_SCORE_GRAD_LAYERS])
{
    SCORES[model->config.score].grad_layers(&model->weights, layers);
}

void rs_attention_energies_taped(const rs_model *model, const float *state, const float *keys, int length,
                                 float *query, float *saved, float *energies)
{
    SCORES[model->config.score].taped(model, state, keys, length, query, saved, energies);
}

void rs_attention_energies_backward(const rs_model *model, const rs_score_grad *grad)
{
    SCORES[model->config.score].energies_backward(model, grad);
}

void rs_attention_keys_backward(const rs_model *model, size_t n, const float *d_keys, float *d_memory,
                                const float *const *transposed, float *scratch)
{
    SCORES[model->config.score].keys_backward(model, n, d_keys, d_memory, transposed, scratch);
}
