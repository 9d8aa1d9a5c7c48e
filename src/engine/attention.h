/* Attention (spec section 1): energies e_j of a query q against the encoder outputs h_j, weights a = softmax(e)
 * over every source position. The scores are one table (attention.c): additive v . tanh(Wq q + bq + Wk h_j + bk),
 * dot q . h_j, scaled_dot q . h_j / sqrt(K), general q . (W h_j). Each score splits into what depends only on
 * the source (the "keys", computed once per sentence), what depends only on the query (computed once per step
 * for all rows) and the energies of one row. Adding a score: an entry in that table, its name in config.c and
 * its tensors in the loader (model.c), with their tests. */
#ifndef RS_ATTENTION_H
#define RS_ATTENTION_H

#include <stddef.h>

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

#endif
