/* Attention (spec section 1): energies e_j of a query q against the encoder outputs h_j, weights a = softmax(e)
 * over every source position. The scores are one table (attention.c): additive v . tanh(Wq q + bq + Wk h_j + bk),
 * dot q . h_j, scaled_dot q . h_j / sqrt(K), general q . (W h_j). Each score splits into what depends only on
 * the source (the "keys", computed once per sentence), what depends only on the query (computed once per step
 * for all rows) and the energies of one row. Each entry holds the score's forward (keys, query, energies) and its
 * gradient for backward.h (which dense layers it needs transposed, its energies with what their gradient
 * reads, and the energies' and keys' cotangents). Adding a score: an entry in that table, its name in config.c
 * (rs_score), its tensors in the loader (model.c), with their tests. */
#ifndef RS_ATTENTION_H
#define RS_ATTENTION_H

#include <stddef.h>

#include "dense.h"
#include "model.h"

/* Floats per source position in the keys: A (additive), Hd (general) or K (dot, scaled_dot). */
int rs_attention_key_dim(const rs_config *config);

/* keys[S, key_dim] from the encoder outputs memory[S, K]: Wk h_j + bk (additive), W h_j (general),
 * h_j / sqrt(K) (scaled_dot) or h_j (dot). */
void rs_attention_keys(const rs_model *model, const float *memory, int length, float *keys);

/* The queries of n decoder states (rows ld_states apart) as rs_attention_weights takes them: for additive
 * scores proj[n, A] = Wq q_i + bq (rows A apart), all rows at once; for the others the states themselves.
 * Returns the queries and sets *ld_queries. */
const float *rs_attention_queries(const rs_model *model, const float *states, size_t ld_states, int n, float *proj,
                                  size_t *ld_queries);

/* About the operations of one row's attention over `length` source positions, its context vector and query
 * included: what rs_parallel_rows (ops.h) weighs to decide whether sharing rows among threads pays. */
double rs_attention_row_cost(const rs_config *config, int length);

/* Attention weights [n, length] (rows ld_weights apart) of n queries (of rs_attention_queries) over one
 * source's keys. Each row is computed alone. */
void rs_attention_weights(const rs_model *model, const float *queries, size_t ld_queries, int n, const float *keys,
                          int length, float *weights, size_t ld_weights);

/* The gradient side, for backward.h's own forward and backward passes (plain loops, float32 copies of the
 * score's weights). The score's dense layers that the gradient multiplies by, transposed by the caller: */
enum { RS_SCORE_GRAD_QUERY, RS_SCORE_GRAD_KEY, RS_SCORE_GRAD_LAYERS };

/* layers[RS_SCORE_GRAD_*]: the model's layer of that role, NULL where the score has none. */
void rs_attention_grad_layers(const rs_model *model, const rs_dense_layer *layers[RS_SCORE_GRAD_LAYERS]);

/* The energies[length] of one decoder state (the top layer's, Hd floats) over the keys, keeping in saved[length,
 * A] what the gradient reads back (additive: tanh(Wq q + bq + key_j)); query: scratch of max(A, 1) floats. */
void rs_attention_energies_taped(const rs_model *model, const float *state, const float *keys, int length,
                                 float *query, float *saved, float *energies);

/* One decoder step of the gradient, for rows of cotangents at once. */
typedef struct rs_score_grad {
    size_t rows;               /* cotangent rows */
    size_t length;             /* S */
    const float *keys;         /* [S, key_dim] */
    const float *state;        /* [Hd]: the state the energies were computed from */
    const float *saved;        /* [S, A]: what rs_attention_energies_taped kept for that state */
    const float *d_energies;   /* [rows, S] */
    float *d_keys;             /* [rows, S, key_dim]: the keys' cotangents are added here */
    float *d_state;            /* [rows, Hd]: the state's cotangents are added here */
    float *d_query;            /* scratch [rows, max(A, Hd)] */
    float *scratch;            /* scratch [rows, max(key_dim, Hd)] */
    const float *const *transposed; /* [RS_SCORE_GRAD_LAYERS]: rs_attention_grad_layers' layers as [in, out] */
} rs_score_grad;

/* The cotangents of the energies carried to the keys and the state (both added to). */
void rs_attention_energies_backward(const rs_model *model, const rs_score_grad *grad);

/* d_memory[n, K] += the keys' cotangents d_keys[n, key_dim] carried back through rs_attention_keys; scratch
 * [n, K]. */
void rs_attention_keys_backward(const rs_model *model, size_t n, const float *d_keys, float *d_memory,
                                const float *const *transposed, float *scratch);

#endif
