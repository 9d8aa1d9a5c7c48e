/* AVX2/FMA versions of the hot loops, chosen at run time on x86-64 CPUs that have them (the binary stays
 * portable: these functions are compiled for AVX2 with target attributes, not with -mavx2). They sum in a
 * different order than BLAS and use polynomial exp/tanh (errors of a few float32 ulps), so results agree with
 * the scalar path to float32 rounding, not bit for bit. */
#ifndef RS_SIMD_H
#define RS_SIMD_H

#include <stdbool.h>
#include <stddef.h>

/* Whether this CPU runs the functions below; callers use the scalar code when it does not. */
bool rs_simd_available(void);

/* out[i, :] = W . in[i, :] + bias for n rows (bias may be NULL): the W row stays in cache while it meets
 * every input row, so W is streamed once however many rows there are (up to 8 at a time). */
void rs_simd_linear(float *out, size_t ld_out, const float *in, size_t ld_in, int n, const float *weight,
                    int out_dim, int in_dim, const float *bias);

/* v . tanh(q + k) over n floats. */
float rs_simd_additive_score(const float *q, const float *k, const float *v, int n);

/* x[i] = exp(x[i] - shift); returns the sum (in double). */
double rs_simd_exp_shift(float *x, size_t n, float shift);

/* Returns sum of exp(x[i] - shift) (in double), x unchanged. */
double rs_simd_sum_exp(const float *x, size_t n, float shift);

/* In place: x[i] = (x[i] - max) - log(sum of exp(x[j] - max)), as rs_log_softmax. */
void rs_simd_log_softmax(float *x, size_t n);

/* The element-wise half of a GRU step for one row: gi, gh hold the r, z, n pre-activations (3H each). */
void rs_simd_gru_update(const float *gi, const float *gh, float *h, int hidden);

#endif
