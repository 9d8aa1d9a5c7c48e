/* AVX2/FMA versions of the hot loops, chosen at run time on x86-64 CPUs that have them (the binary stays
 * portable: these functions are compiled for AVX2 or AVX-512 with target attributes, not with -mavx2). The
 * linear kernels sum in the one order of ops.h and agree bit for bit with the scalar code; exp/tanh are
 * polynomials (errors of a few float32 ulps), so those agree with the scalar path to float32 rounding only. */
#ifndef RS_SIMD_H
#define RS_SIMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Whether this CPU runs the functions below; callers use the scalar code when it does not. */
bool rs_simd_available(void);

/* Whether this CPU also runs the AVX-512 kernels. */
bool rs_simd_avx512_available(void);

/* The linear kernel of ops.h (rs_linear) for weight rows [v_begin, v_end): out[i, v] = in_i . W_v (+ bias[v])
 * for n input rows, each sum in the one order ops.h defines, so that the AVX2, AVX-512 and scalar versions
 * agree bit for bit whatever the number of rows. */
void rs_simd_linear_avx2(float *out, size_t ld_out, const float *in, size_t ld_in, int n, const float *weight,
                         int v_begin, int v_end, int in_dim, const float *bias);
void rs_simd_linear_avx512(float *out, size_t ld_out, const float *in, size_t ld_in, int n, const float *weight,
                           int v_begin, int v_end, int in_dim, const float *bias);

/* rs_simd_linear_avx512 with the weights stored as f16 (exact f32 values widened on the fly: the same sums,
 * half the memory traffic). */
void rs_simd_linear_avx512_half(float *out, size_t ld_out, const float *in, size_t ld_in, int n,
                                const uint16_t *weight, int v_begin, int v_end, int in_dim, const float *bias);

/* out[c] = sum over j < count of a[j] * m[j * ld_m + c] for c < width, one FMA per term in j order (ops.h
 * rs_mix). */
void rs_simd_mix_avx2(float *out, const float *a, int count, const float *m, size_t ld_m, int width);
void rs_simd_mix_avx512(float *out, const float *a, int count, const float *m, size_t ld_m, int width);

/* Whether this CPU converts f16 to f32 in hardware (F16C). */
bool rs_simd_f16c_available(void);

/* out[i] = halves[i] widened to f32 (exact) for the first values, in blocks of 8; returns how many were done
 * (the rest is the caller's). */
size_t rs_simd_halves_to_floats(const uint16_t *halves, float *out, size_t n);

/* out[i] = x[i] as f16 when every one of the n values is exactly an f16 value (true), else false. */
bool rs_simd_to_halves(const float *x, size_t n, uint16_t *out);

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
