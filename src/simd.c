#include "simd.h"

#if defined(__x86_64__) && defined(__GNUC__)

#include <immintrin.h>
#include <math.h>

#define RS_AVX2 __attribute__((target("avx2,fma")))
#define RS_AVX2_INLINE __attribute__((target("avx2,fma"), always_inline)) static inline

bool rs_simd_available(void)
{
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

RS_AVX2_INLINE float hsum(__m256 v)
{
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

/* exp(x) as Cephes expf: x = n ln2 + r, |r| <= ln2/2, a degree-6 polynomial for e^r, then 2^n. */
RS_AVX2_INLINE __m256 exp8(__m256 x)
{
    x = _mm256_min_ps(x, _mm256_set1_ps(88.3762626647949f));
    x = _mm256_max_ps(x, _mm256_set1_ps(-87.3365478515625f)); /* keeps 2^n normal */
    __m256 fx = _mm256_fmadd_ps(x, _mm256_set1_ps(1.44269504088896341f), _mm256_set1_ps(0.5f));
    fx = _mm256_floor_ps(fx);
    x = _mm256_fnmadd_ps(fx, _mm256_set1_ps(0.693359375f), x);
    x = _mm256_fnmadd_ps(fx, _mm256_set1_ps(-2.12194440e-4f), x);
    __m256 y = _mm256_set1_ps(1.9875691500e-4f);
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(1.3981999507e-3f));
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(8.3334519073e-3f));
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(4.1665795894e-2f));
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(1.6666665459e-1f));
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(5.0000001201e-1f));
    y = _mm256_fmadd_ps(y, _mm256_mul_ps(x, x), _mm256_add_ps(x, _mm256_set1_ps(1.0f)));
    __m256i n = _mm256_cvttps_epi32(fx);
    __m256i bits = _mm256_slli_epi32(_mm256_add_epi32(n, _mm256_set1_epi32(127)), 23);
    return _mm256_mul_ps(y, _mm256_castsi256_ps(bits));
}

/* tanh: Cephes' odd polynomial below |x| = 0.625, else 1 - 2 / (e^{2|x|} + 1) with the sign put back. */
RS_AVX2_INLINE __m256 tanh8(__m256 x)
{
    const __m256 sign_mask = _mm256_set1_ps(-0.0f);
    __m256 ax = _mm256_andnot_ps(sign_mask, x);
    __m256 e = exp8(_mm256_add_ps(ax, ax));
    __m256 big = _mm256_sub_ps(_mm256_set1_ps(1.0f),
                               _mm256_div_ps(_mm256_set1_ps(2.0f), _mm256_add_ps(e, _mm256_set1_ps(1.0f))));
    big = _mm256_or_ps(big, _mm256_and_ps(x, sign_mask));
    __m256 z = _mm256_mul_ps(x, x);
    __m256 p = _mm256_set1_ps(-5.70498872745e-3f);
    p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(2.06390887954e-2f));
    p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(-5.37397155531e-2f));
    p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(1.33314422036e-1f));
    p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(-3.33332819422e-1f));
    __m256 small = _mm256_fmadd_ps(_mm256_mul_ps(p, z), x, x);
    __m256 is_small = _mm256_cmp_ps(ax, _mm256_set1_ps(0.625f), _CMP_LT_OQ);
    return _mm256_blendv_ps(big, small, is_small);
}

RS_AVX2_INLINE __m256 sigmoid8(__m256 x)
{
    __m256 e = exp8(_mm256_sub_ps(_mm256_setzero_ps(), x));
    return _mm256_div_ps(_mm256_set1_ps(1.0f), _mm256_add_ps(_mm256_set1_ps(1.0f), e));
}

/* Loads the first `count` < 8 floats, zeros after. */
RS_AVX2_INLINE __m256 load_partial(const float *p, int count)
{
    float buf[8] = {0};
    for (int i = 0; i < count; i++)
        buf[i] = p[i];
    return _mm256_loadu_ps(buf);
}

/* R rows (a compile-time constant after inlining) against one weight row. */
RS_AVX2_INLINE void dot_rows(const float *w, const float *in, size_t ld_in, int in_dim, int R, float *res)
{
    /* The loops over r are unrolled so that acc lives in registers. */
    __m256 acc[8];
#pragma GCC unroll 8
    for (int r = 0; r < R; r++)
        acc[r] = _mm256_setzero_ps();
    int k = 0;
    for (; k + 8 <= in_dim; k += 8) {
        __m256 wv = _mm256_loadu_ps(w + k);
#pragma GCC unroll 8
        for (int r = 0; r < R; r++)
            acc[r] = _mm256_fmadd_ps(wv, _mm256_loadu_ps(in + (size_t)r * ld_in + k), acc[r]);
    }
    if (k < in_dim) {
        __m256 wv = load_partial(w + k, in_dim - k);
#pragma GCC unroll 8
        for (int r = 0; r < R; r++)
            acc[r] = _mm256_fmadd_ps(wv, load_partial(in + (size_t)r * ld_in + k, in_dim - k), acc[r]);
    }
#pragma GCC unroll 8
    for (int r = 0; r < R; r++)
        res[r] = hsum(acc[r]);
}

/* Two weight rows against R input rows at once: each input load serves two FMAs. */
RS_AVX2_INLINE void dot_rows2(const float *w0, const float *w1, const float *in, size_t ld_in, int in_dim, int R,
                              float *res0, float *res1)
{
    __m256 a0[6], a1[6];
#pragma GCC unroll 6
    for (int r = 0; r < R; r++) {
        a0[r] = _mm256_setzero_ps();
        a1[r] = _mm256_setzero_ps();
    }
    int k = 0;
    for (; k + 8 <= in_dim; k += 8) {
        __m256 v0 = _mm256_loadu_ps(w0 + k), v1 = _mm256_loadu_ps(w1 + k);
#pragma GCC unroll 6
        for (int r = 0; r < R; r++) {
            __m256 x = _mm256_loadu_ps(in + (size_t)r * ld_in + k);
            a0[r] = _mm256_fmadd_ps(v0, x, a0[r]);
            a1[r] = _mm256_fmadd_ps(v1, x, a1[r]);
        }
    }
    if (k < in_dim) {
        __m256 v0 = load_partial(w0 + k, in_dim - k), v1 = load_partial(w1 + k, in_dim - k);
#pragma GCC unroll 6
        for (int r = 0; r < R; r++) {
            __m256 x = load_partial(in + (size_t)r * ld_in + k, in_dim - k);
            a0[r] = _mm256_fmadd_ps(v0, x, a0[r]);
            a1[r] = _mm256_fmadd_ps(v1, x, a1[r]);
        }
    }
#pragma GCC unroll 6
    for (int r = 0; r < R; r++) {
        res0[r] = hsum(a0[r]);
        res1[r] = hsum(a1[r]);
    }
}

#define DOT_CASE(R)                                                                                            \
    case R:                                                                                                    \
        dot_rows(w, block, ld_in, in_dim, R, res);                                                             \
        break;

#define DOT2_CASE(R)                                                                                           \
    case R:                                                                                                    \
        dot_rows2(w, w + in_dim, block, ld_in, in_dim, R, res, res + 6);                                       \
        break;

RS_AVX2 void rs_simd_linear(float *out, size_t ld_out, const float *in, size_t ld_in, int n, const float *weight,
                            int out_dim, int in_dim, const float *bias)
{
    int v = 0;
    /* pairs of weight rows, input rows in groups of at most 6 */
    for (; v + 2 <= out_dim; v += 2) {
        const float *w = weight + (size_t)v * (size_t)in_dim;
        float b0 = bias ? bias[v] : 0.0f, b1 = bias ? bias[v + 1] : 0.0f;
        for (int start = 0; start < n;) {
            int left = n - start;
            int rows = left <= 6 ? left : left == 7 ? 4 : left <= 12 ? left - left / 2 : 6;
            const float *block = in + (size_t)start * ld_in;
            float res[12];
            switch (rows) {
                DOT2_CASE(1)
                DOT2_CASE(2)
                DOT2_CASE(3)
                DOT2_CASE(4)
                DOT2_CASE(5)
                DOT2_CASE(6)
            }
            for (int r = 0; r < rows; r++) {
                out[(size_t)(start + r) * ld_out + (size_t)v] = res[r] + b0;
                out[(size_t)(start + r) * ld_out + (size_t)v + 1] = res[6 + r] + b1;
            }
            start += rows;
        }
    }
    for (; v < out_dim; v++) {
        const float *w = weight + (size_t)v * (size_t)in_dim;
        float b = bias ? bias[v] : 0.0f;
        for (int start = 0; start < n; start += 8) {
            int rows = n - start < 8 ? n - start : 8;
            const float *block = in + (size_t)start * ld_in;
            float res[8];
            switch (rows) {
                DOT_CASE(1)
                DOT_CASE(2)
                DOT_CASE(3)
                DOT_CASE(4)
                DOT_CASE(5)
                DOT_CASE(6)
                DOT_CASE(7)
                DOT_CASE(8)
            }
            for (int r = 0; r < rows; r++)
                out[(size_t)(start + r) * ld_out + (size_t)v] = res[r] + b;
        }
    }
}

RS_AVX2 float rs_simd_additive_score(const float *q, const float *k, const float *v, int n)
{
    __m256 acc = _mm256_setzero_ps();
    int x = 0;
    for (; x + 8 <= n; x += 8) {
        __m256 t = tanh8(_mm256_add_ps(_mm256_loadu_ps(q + x), _mm256_loadu_ps(k + x)));
        acc = _mm256_fmadd_ps(_mm256_loadu_ps(v + x), t, acc);
    }
    if (x < n) {
        __m256 t = tanh8(_mm256_add_ps(load_partial(q + x, n - x), load_partial(k + x, n - x)));
        acc = _mm256_fmadd_ps(load_partial(v + x, n - x), t, acc);
    }
    return hsum(acc);
}

RS_AVX2 double rs_simd_exp_shift(float *x, size_t n, float shift)
{
    __m256 s = _mm256_set1_ps(shift);
    __m256d acc = _mm256_setzero_pd();
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 e = exp8(_mm256_sub_ps(_mm256_loadu_ps(x + i), s));
        _mm256_storeu_ps(x + i, e);
        acc = _mm256_add_pd(acc, _mm256_add_pd(_mm256_cvtps_pd(_mm256_castps256_ps128(e)),
                                               _mm256_cvtps_pd(_mm256_extractf128_ps(e, 1))));
    }
    double sum = 0.0;
    if (i < n) {
        float tail[8];
        __m256 e = exp8(_mm256_sub_ps(load_partial(x + i, (int)(n - i)), s));
        _mm256_storeu_ps(tail, e);
        for (size_t j = 0; j < n - i; j++) {
            x[i + j] = tail[j];
            sum += tail[j];
        }
    }
    __m128d t = _mm_add_pd(_mm256_castpd256_pd128(acc), _mm256_extractf128_pd(acc, 1));
    return sum + _mm_cvtsd_f64(t) + _mm_cvtsd_f64(_mm_unpackhi_pd(t, t));
}

RS_AVX2 double rs_simd_sum_exp(const float *x, size_t n, float shift)
{
    __m256 s = _mm256_set1_ps(shift);
    __m256d acc = _mm256_setzero_pd();
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 e = exp8(_mm256_sub_ps(_mm256_loadu_ps(x + i), s));
        acc = _mm256_add_pd(acc, _mm256_add_pd(_mm256_cvtps_pd(_mm256_castps256_ps128(e)),
                                               _mm256_cvtps_pd(_mm256_extractf128_ps(e, 1))));
    }
    double sum = 0.0;
    if (i < n) {
        float tail[8];
        _mm256_storeu_ps(tail, exp8(_mm256_sub_ps(load_partial(x + i, (int)(n - i)), s)));
        for (size_t j = 0; j < n - i; j++)
            sum += tail[j];
    }
    __m128d t = _mm_add_pd(_mm256_castpd256_pd128(acc), _mm256_extractf128_pd(acc, 1));
    return sum + _mm_cvtsd_f64(t) + _mm_cvtsd_f64(_mm_unpackhi_pd(t, t));
}

RS_AVX2 void rs_simd_log_softmax(float *x, size_t n)
{
    if (n == 0)
        return;
    __m256 mv = _mm256_set1_ps(x[0]);
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        mv = _mm256_max_ps(mv, _mm256_loadu_ps(x + i));
    float lanes[8];
    _mm256_storeu_ps(lanes, mv);
    float m = lanes[0];
    for (int k = 1; k < 8; k++)
        m = lanes[k] > m ? lanes[k] : m;
    for (; i < n; i++)
        m = x[i] > m ? x[i] : m;
    float log_sum = (float)log(rs_simd_sum_exp(x, n, m));
    __m256 mm = _mm256_set1_ps(m), ls = _mm256_set1_ps(log_sum);
    for (i = 0; i + 8 <= n; i += 8)
        _mm256_storeu_ps(x + i, _mm256_sub_ps(_mm256_sub_ps(_mm256_loadu_ps(x + i), mm), ls));
    for (; i < n; i++)
        x[i] = (x[i] - m) - log_sum;
}

RS_AVX2 void rs_simd_gru_update(const float *gi, const float *gh, float *h, int hidden)
{
    const float *gi_z = gi + hidden, *gi_n = gi + 2 * hidden;
    const float *gh_z = gh + hidden, *gh_n = gh + 2 * hidden;
    const __m256 one = _mm256_set1_ps(1.0f);
    int k = 0;
    for (; k + 8 <= hidden; k += 8) {
        __m256 r = sigmoid8(_mm256_add_ps(_mm256_loadu_ps(gi + k), _mm256_loadu_ps(gh + k)));
        __m256 z = sigmoid8(_mm256_add_ps(_mm256_loadu_ps(gi_z + k), _mm256_loadu_ps(gh_z + k)));
        __m256 nn = tanh8(_mm256_fmadd_ps(r, _mm256_loadu_ps(gh_n + k), _mm256_loadu_ps(gi_n + k)));
        __m256 hv = _mm256_loadu_ps(h + k);
        /* (1 - z) * n + z * h */
        _mm256_storeu_ps(h + k, _mm256_fmadd_ps(z, hv, _mm256_mul_ps(_mm256_sub_ps(one, z), nn)));
    }
    if (k < hidden) {
        int m = hidden - k;
        __m256 r = sigmoid8(_mm256_add_ps(load_partial(gi + k, m), load_partial(gh + k, m)));
        __m256 z = sigmoid8(_mm256_add_ps(load_partial(gi_z + k, m), load_partial(gh_z + k, m)));
        __m256 nn = tanh8(_mm256_fmadd_ps(r, load_partial(gh_n + k, m), load_partial(gi_n + k, m)));
        __m256 hv = load_partial(h + k, m);
        float res[8];
        _mm256_storeu_ps(res, _mm256_fmadd_ps(z, hv, _mm256_mul_ps(_mm256_sub_ps(one, z), nn)));
        for (int j = 0; j < m; j++)
            h[k + j] = res[j];
    }
}

#else /* no AVX2 path on this platform */

bool rs_simd_available(void) { return false; }
void rs_simd_linear(float *out, size_t ld_out, const float *in, size_t ld_in, int n, const float *weight,
                    int out_dim, int in_dim, const float *bias)
{
    (void)out, (void)ld_out, (void)in, (void)ld_in, (void)n, (void)weight, (void)out_dim, (void)in_dim, (void)bias;
}
float rs_simd_additive_score(const float *q, const float *k, const float *v, int n)
{
    (void)q, (void)k, (void)v, (void)n;
    return 0.0f;
}
double rs_simd_exp_shift(float *x, size_t n, float shift)
{
    (void)x, (void)n, (void)shift;
    return 0.0;
}
double rs_simd_sum_exp(const float *x, size_t n, float shift)
{
    (void)x, (void)n, (void)shift;
    return 0.0;
}
void rs_simd_log_softmax(float *x, size_t n)
{
    (void)x, (void)n;
}
void rs_simd_gru_update(const float *gi, const float *gh, float *h, int hidden)
{
    (void)gi, (void)gh, (void)h, (void)hidden;
}

#endif
