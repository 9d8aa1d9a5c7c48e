/* Numeric kernels: activations, (log-)softmax and thin wrappers over BLAS. Row-major float32 throughout. */
#ifndef RS_OPS_H
#define RS_OPS_H

#include <stddef.h>

float rs_sigmoid(float x);

/* In place over n values; max-subtracted so large logits do not overflow. */
void rs_softmax(float *x, size_t n);
void rs_log_softmax(float *x, size_t n);

/* out[i, :] = W . in[i, :] + bias for rows i < n, i.e. out = in W^T + bias, as torch.nn.Linear.
 * W is [out_dim, in_dim] row-major; in and out rows are ld_in / ld_out floats apart; bias may be NULL.
 * One row goes through sgemv, several through one sgemm. */
void rs_linear(float *out, size_t ld_out, const float *in, size_t ld_in, int n, const float *weight, int out_dim,
               int in_dim, const float *bias);

/* out[n, m] = a[n, k] . b[k, m] (plain matrix product, row-major, given leading dimensions). */
void rs_matmul(float *out, size_t ld_out, const float *a, size_t ld_a, const float *b, size_t ld_b, int n, int k,
               int m);

/* Sets the number of BLAS threads. */
void rs_set_threads(int threads);

#endif
