/* Gradients of the target log-probabilities with respect to the source embeddings, for gradient attribution
 * (attribution.h). A teacher-forced forward pass of its own, in plain loops and the model's dense layers
 * (dense.h: the very products the translation uses, whatever precision the weights are stored in), keeps
 * every activation the backward pass needs; the backward pass then carries, for every target step t at once,
 * the cotangent of log p(y_t | y_<t, x) back through the output layer, the decoder GRU layers, the attention
 * (every score, through its entry in the score table: attention.h), the bridge and the (bi)directional encoder layers down to the source embeddings.
 *
 * The T cotangents travel together as the rows of one matrix: at decoder step tau the rows t >= tau are live,
 * and every product with a weight matrix is done once for all of them. The cost is that of about T forward
 * passes in multiply-adds, but with the weights read once per step instead of once per target token.
 *
 * The pass depends only on the model's weights (model.h), not on the engine's decoder or search. */
#ifndef RS_BACKWARD_H
#define RS_BACKWARD_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "mem.h"
#include "model.h"

typedef struct rs_backward {
    const rs_model *model;
    int length; /* S of the last run */
    int steps;  /* T of the last run */
    RS_GROWABLE(float) arena;
    /* the weight matrices transposed as float32, so that the backward products are rs_linear's (which reads
     * each weight once for all rows): made on the first rs_backward_run and kept for every later one (they
     * depend on the model alone; remaking them per sentence cost as much as a saliency pass on short
     * sentences), freed by rs_backward_free or rs_backward_release_weights */
    float **transposed;
    int transposed_count;
    /* the forward pass */
    float *source_rows; /* [S, Es]: the source embeddings e_j, widened from their stored precision */
    float *embedded;  /* [S, Es]: the (scaled) source embeddings */
    float *enc_out;   /* [Le, S, K]: every encoder layer's outputs */
    float *enc_gates; /* [Le * D, S, 4He]: r, z, n and W_hn h + b_hn at each position of each layer/direction */
    float *enc_prev;  /* [Le * D, S, He]: the state before each position */
    float *gates_in;  /* [S, 3 max(He, Hd)] */
    float *gates_h;   /* [3 max(He, Hd)] */
    float *state;     /* [Ld, Hd]: the decoder's running state */
    float *initial;   /* [Ld, Hd]: s_0 */
    float *finals;    /* [Le * D, He]: each encoder layer and direction's final state */
    float *keys;      /* [S, key_dim] */
    float *query;     /* [max(A, 1)]: the score's projected query (additive: Wq q + bq; attention.h) */
    float *dec_prev;  /* [T, Ld, Hd]: each decoder layer's state before step t */
    float *dec_gates; /* [T, Ld, 4Hd] */
    float *weights;   /* [T, S]: attention */
    float *tanh_act;  /* [T, S, A]: what the score keeps for its gradient (additive: tanh(Wq q + bq + key_j)) */
    float *input;     /* [T, Et + K]: E(y_{t-1}), c_t */
    float *features;  /* [Do] */
    float *probs;     /* [T, Vt]: p(. | y_<t, x) */
    float *logp;      /* [T]: log p(y_t | y_<t, x) */
    float *entropy;   /* [T]: entropy of p(. | y_<t, x), nats */
    /* the backward pass: T rows of cotangents */
    float *d_features; /* [T, Do] */
    float *d_state;    /* [Ld, T, Hd] */
    float *d_gates_in; /* [T, 3Hd] */
    float *d_gates_h;  /* [T, 3Hd] */
    float *d_input;    /* [T, max(Et + K, Hd)] */
    float *d_context;  /* [T, K] */
    float *d_scores;   /* [T, S] */
    float *d_query;    /* [T, max(A, Hd)] */
    float *d_memory;   /* [T, S, K]: cotangent of the top encoder layer's outputs */
    float *d_keys;     /* [T, S, key_dim] */
    float *d_layer;    /* [T, S, max(Es, K)]: cotangent of a lower layer's outputs (finally the embeddings) */
    float *d_enc_gi;   /* [T, S, 3He] */
    float *d_carry;    /* [T, He] */
    float *d_final;    /* [T, max(K, Ld * Hd)] */
    float *scratch;    /* [T, S, max(Es, K)] */
} rs_backward;

void rs_backward_init(rs_backward *backward, const rs_model *model);
void rs_backward_free(rs_backward *backward);

/* Frees the transposed float32 weights now (the next rs_backward_run makes them again): for a caller that
 * wants their memory back between attributions. */
void rs_backward_release_weights(rs_backward *backward);

/* The teacher-forced forward pass alone: source ids[0 .. length) whose embeddings are multiplied by `scale`
 * (1: the model's own input, 0: the zero baseline), targets[0 .. steps) fed after bos. Fills logp, entropy
 * and probs (above). */
int rs_backward_forward(rs_backward *backward, const int32_t *ids, int length, const int32_t *targets, int steps,
                        float scale, rs_error *err);

/* rs_backward_forward and then the gradients: afterwards backward->d_layer holds
 * d log p(y_t) / d x_j, [steps, length, Es], x_j = scale * E[ids[j]] the encoder's input at position j. */
int rs_backward_run(rs_backward *backward, const int32_t *ids, int length, const int32_t *targets, int steps,
                    float scale, rs_error *err);

#endif
