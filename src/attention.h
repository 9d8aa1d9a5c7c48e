/* Attention scores (spec section 1): additive v . tanh(Wq q + bq + Wk h_j + bk), dot q . h_j,
 * scaled_dot q . h_j / sqrt(K), general q . (W h_j); weights are the softmax over every source position.
 * Everything that depends only on the source ("keys") is computed once per sentence. */
#ifndef RS_ATTENTION_H
#define RS_ATTENTION_H

#include "model.h"

/* Floats per source position in the keys: A (additive), Hd (general) or K (dot, scaled_dot). */
int rs_attention_key_dim(const rs_config *config);

/* keys[S, key_dim] from the encoder outputs memory[S, K]: Wk h_j + bk (additive), W h_j (general),
 * h_j / sqrt(K) (scaled_dot) or h_j (dot). */
void rs_attention_keys(const rs_model *model, const float *memory, int length, float *keys);

/* For additive scores, proj[n, A] = Wq q_i + bq for n queries (rows ld_query apart), done for all rows at once
 * since it does not depend on the source; other scores need nothing. */
void rs_attention_project(const rs_model *model, const float *queries, size_t ld_query, int n, float *proj);

/* Attention weights [n, length] (rows ld_weights apart) of n queries over one source: `queries` are the
 * projections of rs_attention_project (rows A apart) for additive scores, else the states q (rows ld_query
 * apart). tanh_scratch is not used (it may be NULL). Each row is computed alone. */
void rs_attention_weights(const rs_model *model, const float *queries, size_t ld_query, int n, const float *keys,
                          int length, float *tanh_scratch, float *weights, size_t ld_weights);

#endif
