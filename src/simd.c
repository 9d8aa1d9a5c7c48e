#include "simd.h"

#if defined(__x86_64__) && defined(__GNUC__)

#include <cpuid.h>
#include <immintrin.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

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

/* The linear kernels' per-output sum (ops.h, "one order for every row"): 16 lanes, lane l accumulating
 * in[k] * w[k] for k = l (mod 16) with one FMA per term in k order, then the tree t8 = l + (l + 8),
 * t4 = l + (l + 4), t2 = l + (l + 2), t1 = 0 + 1. Here the 16 lanes are two ymm registers. */
RS_AVX2_INLINE float tree16(__m256 lo, __m256 hi)
{
    return hsum(_mm256_add_ps(lo, hi));
}

/* Loads floats [k, k + 16) of p as two halves, the lanes at or past `end` zero. */
RS_AVX2_INLINE void load16(const float *p, int k, int end, __m256 *lo, __m256 *hi)
{
    if (k + 16 <= end) {
        *lo = _mm256_loadu_ps(p + k);
        *hi = _mm256_loadu_ps(p + k + 8);
        return;
    }
    int left = end - k;
    *lo = left >= 8 ? _mm256_loadu_ps(p + k) : load_partial(p + k, left);
    *hi = left > 8 ? load_partial(p + k + 8, left - 8) : _mm256_setzero_ps();
}

/* R input rows against C weight rows: res[r * C + c] = in_r . w_c. R * C <= 6 keeps the 2 R C accumulators,
 * C weight halves and an input half within the 16 ymm registers. */
RS_AVX2_INLINE void tile_avx2(const float *in, size_t ld_in, const float *w, size_t ld_w, int in_dim, int R, int C,
                              float *res)
{
    __m256 lo[6], hi[6];
#pragma GCC unroll 6
    for (int i = 0; i < R * C; i++)
        lo[i] = hi[i] = _mm256_setzero_ps();
    int k = 0;
    for (; k + 16 <= in_dim; k += 16) {
        __m256 wv[6];
#pragma GCC unroll 6
        for (int c = 0; c < C; c++)
            wv[c] = _mm256_loadu_ps(w + (size_t)c * ld_w + k);
#pragma GCC unroll 6
        for (int r = 0; r < R; r++) {
            __m256 x = _mm256_loadu_ps(in + (size_t)r * ld_in + k);
#pragma GCC unroll 6
            for (int c = 0; c < C; c++)
                lo[r * C + c] = _mm256_fmadd_ps(x, wv[c], lo[r * C + c]);
        }
#pragma GCC unroll 6
        for (int c = 0; c < C; c++)
            wv[c] = _mm256_loadu_ps(w + (size_t)c * ld_w + k + 8);
#pragma GCC unroll 6
        for (int r = 0; r < R; r++) {
            __m256 x = _mm256_loadu_ps(in + (size_t)r * ld_in + k + 8);
#pragma GCC unroll 6
            for (int c = 0; c < C; c++)
                hi[r * C + c] = _mm256_fmadd_ps(x, wv[c], hi[r * C + c]);
        }
    }
    if (k < in_dim) {
#pragma GCC unroll 6
        for (int c = 0; c < C; c++) {
            __m256 wl, wh;
            load16(w + (size_t)c * ld_w, k, in_dim, &wl, &wh);
#pragma GCC unroll 6
            for (int r = 0; r < R; r++) {
                __m256 xl, xh;
                load16(in + (size_t)r * ld_in, k, in_dim, &xl, &xh);
                lo[r * C + c] = _mm256_fmadd_ps(xl, wl, lo[r * C + c]);
                hi[r * C + c] = _mm256_fmadd_ps(xh, wh, hi[r * C + c]);
            }
        }
    }
#pragma GCC unroll 6
    for (int i = 0; i < R * C; i++)
        res[i] = tree16(lo[i], hi[i]);
}

#define TILE_AVX2(R, C)                                                                                        \
    case R:                                                                                                    \
        tile_avx2(block, ld_in, w, (size_t)in_dim, in_dim, R, C, res);                                         \
        break;

/* Writes a tile's sums (plus bias) to out. */
static inline void store_tile(float *out, size_t ld_out, int v, const float *res, int R, int C, const float *bias)
{
    for (int r = 0; r < R; r++)
        for (int c = 0; c < C; c++)
            out[(size_t)r * ld_out + (size_t)(v + c)] = bias ? res[r * C + c] + bias[v + c] : res[r * C + c];
}

RS_AVX2 void rs_simd_linear_avx2(float *out, size_t ld_out, const float *in, size_t ld_in, int n,
                                 const float *weight, int v_begin, int v_end, int in_dim, const float *bias)
{
    float res[8];
    int v = v_begin;
    for (; v + 2 <= v_end; v += 2) {
        const float *w = weight + (size_t)v * (size_t)in_dim;
        for (int start = 0; start < n;) {
            int rows = n - start < 3 ? n - start : 3;
            const float *block = in + (size_t)start * ld_in;
            switch (rows) {
                TILE_AVX2(1, 2)
                TILE_AVX2(2, 2)
                TILE_AVX2(3, 2)
            }
            store_tile(out + (size_t)start * ld_out, ld_out, v, res, rows, 2, bias);
            start += rows;
        }
    }
    for (; v < v_end; v++) {
        const float *w = weight + (size_t)v * (size_t)in_dim;
        for (int start = 0; start < n;) {
            int rows = n - start < 6 ? n - start : 6;
            const float *block = in + (size_t)start * ld_in;
            switch (rows) {
                TILE_AVX2(1, 1)
                TILE_AVX2(2, 1)
                TILE_AVX2(3, 1)
                TILE_AVX2(4, 1)
                TILE_AVX2(5, 1)
                TILE_AVX2(6, 1)
            }
            store_tile(out + (size_t)start * ld_out, ld_out, v, res, rows, 1, bias);
            start += rows;
        }
    }
}

/* out[c] = sum over j < count of a[j] * m[j * ld_m + c] for c < width: one FMA per term in j order. */
RS_AVX2 void rs_simd_mix_avx2(float *out, const float *a, int count, const float *m, size_t ld_m, int width)
{
    int c = 0;
    for (; c + 32 <= width; c += 32) {
        __m256 acc0 = _mm256_setzero_ps(), acc1 = acc0, acc2 = acc0, acc3 = acc0;
        for (int j = 0; j < count; j++) {
            const float *row = m + (size_t)j * ld_m + c;
            __m256 x = _mm256_broadcast_ss(a + j);
            acc0 = _mm256_fmadd_ps(x, _mm256_loadu_ps(row), acc0);
            acc1 = _mm256_fmadd_ps(x, _mm256_loadu_ps(row + 8), acc1);
            acc2 = _mm256_fmadd_ps(x, _mm256_loadu_ps(row + 16), acc2);
            acc3 = _mm256_fmadd_ps(x, _mm256_loadu_ps(row + 24), acc3);
        }
        _mm256_storeu_ps(out + c, acc0);
        _mm256_storeu_ps(out + c + 8, acc1);
        _mm256_storeu_ps(out + c + 16, acc2);
        _mm256_storeu_ps(out + c + 24, acc3);
    }
    for (; c < width; c += 8) {
        int lanes = width - c < 8 ? width - c : 8;
        __m256 acc = _mm256_setzero_ps();
        for (int j = 0; j < count; j++) {
            const float *row = m + (size_t)j * ld_m + c;
            acc = _mm256_fmadd_ps(_mm256_broadcast_ss(a + j), lanes == 8 ? _mm256_loadu_ps(row) : load_partial(row, lanes),
                                  acc);
        }
        float buf[8];
        _mm256_storeu_ps(buf, acc);
        for (int i = 0; i < lanes; i++)
            out[c + i] = buf[i];
    }
}

/* ---- f16 -> f32 ---- */

bool rs_simd_f16c_available(void)
{
    /* CPUID leaf 1, ECX bit 29: clang's __builtin_cpu_supports knows no "f16c" (gcc's does) */
    unsigned eax, ebx, ecx, edx;
    return __builtin_cpu_supports("avx") && __get_cpuid(1, &eax, &ebx, &ecx, &edx) && (ecx & bit_F16C);
}

__attribute__((target("f16c,avx"))) size_t rs_simd_halves_to_floats(const uint16_t *halves, float *out, size_t n)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(out + i, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(const void *)(halves + i))));
    return i;
}

__attribute__((target("f16c,avx2"))) bool rs_simd_to_halves(const float *x, size_t n, uint16_t *out)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 v = _mm256_loadu_ps(x + i);
        __m128i h = _mm256_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
        __m256 back = _mm256_cvtph_ps(h);
        __m256i same = _mm256_cmpeq_epi32(_mm256_castps_si256(back), _mm256_castps_si256(v));
        if (_mm256_movemask_epi8(same) != -1)
            return false;
        _mm_storeu_si128((__m128i *)(void *)(out + i), h);
    }
    for (; i < n; i++) {
        __m128 v = _mm_set_ss(x[i]);
        __m128i h = _mm_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
        float back = _mm_cvtss_f32(_mm_cvtph_ps(h));
        if (memcmp(&back, x + i, sizeof back) != 0)
            return false;
        out[i] = (uint16_t)_mm_extract_epi16(h, 0);
    }
    return true;
}

/* ---- AVX-512: the same sums, 16 lanes in one zmm register ---- */

#define RS_AVX512 __attribute__((target("avx512f,avx2,fma")))
#define RS_AVX512_INLINE __attribute__((target("avx512f,avx2,fma"), always_inline)) static inline

bool rs_simd_avx512_available(void)
{
    return __builtin_cpu_supports("avx512f") && rs_simd_available();
}

/* The tree of tree16 on one zmm: lanes l + (l + 8) first. */
RS_AVX512_INLINE float tree16_512(__m512 v)
{
    __m256 lo = _mm512_castps512_ps256(v);
    __m256 hi = _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1));
    __m256 s = _mm256_add_ps(lo, hi);
    __m128 t = _mm_add_ps(_mm256_castps256_ps128(s), _mm256_extractf128_ps(s, 1));
    t = _mm_add_ps(t, _mm_movehl_ps(t, t));
    t = _mm_add_ss(t, _mm_movehdup_ps(t));
    return _mm_cvtss_f32(t);
}

/* 16 weights from row w at k: f32, or f16 widened (exactly) when `half`. */
RS_AVX512_INLINE __m512 load_weights(const void *w, size_t k, bool half)
{
    if (half)
        return _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(const void *)((const uint16_t *)w + k)));
    return _mm512_loadu_ps((const float *)w + k);
}

/* The last `count` < 16 weights from row w at k, zeros after. */
RS_AVX512_INLINE __m512 load_weights_tail(const void *w, size_t k, int count, bool half)
{
    if (half) {
        uint16_t buf[16] = {0};
        memcpy(buf, (const uint16_t *)w + k, (size_t)count * sizeof *buf);
        return _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(const void *)buf));
    }
    return _mm512_maskz_loadu_ps((__mmask16)((1u << count) - 1u), (const float *)w + k);
}

/* R input rows against C weight rows (rows ld_w weights apart, f32 or f16), R * C <= 24 accumulators, over
 * inputs [k0, k1) (k0 a multiple of 16). The 16-lane sums start from `spill` (or zero when NULL); when `last`
 * they are added up into res[r * C + c], else saved back to spill for the next inputs, unchanged: a sum is the
 * same whether its inputs are taken in one stretch or several. */
RS_AVX512_INLINE void tile_avx512(const float *in, size_t ld_in, const void *w, size_t ld_w, int k0, int k1, int R,
                                  int C, float *res, float *spill, bool last, bool half)
{
    __m512 acc[24];
    size_t width = half ? sizeof(uint16_t) : sizeof(float);
#pragma GCC unroll 24
    for (int i = 0; i < R * C; i++)
        acc[i] = k0 > 0 ? _mm512_loadu_ps(spill + 16 * i) : _mm512_setzero_ps();
    int k = k0;
    for (; k + 16 <= k1; k += 16) {
        __m512 wv[8];
#pragma GCC unroll 8
        for (int c = 0; c < C; c++)
            wv[c] = load_weights((const char *)w + (size_t)c * ld_w * width, (size_t)k, half);
#pragma GCC unroll 6
        for (int r = 0; r < R; r++) {
            __m512 x = _mm512_loadu_ps(in + (size_t)r * ld_in + k);
#pragma GCC unroll 8
            for (int c = 0; c < C; c++)
                acc[r * C + c] = _mm512_fmadd_ps(x, wv[c], acc[r * C + c]);
        }
    }
    if (k < k1) {
        __mmask16 mask = (__mmask16)((1u << (k1 - k)) - 1u);
        __m512 wv[8];
#pragma GCC unroll 8
        for (int c = 0; c < C; c++)
            wv[c] = load_weights_tail((const char *)w + (size_t)c * ld_w * width, (size_t)k, k1 - k, half);
#pragma GCC unroll 6
        for (int r = 0; r < R; r++) {
            __m512 x = _mm512_maskz_loadu_ps(mask, in + (size_t)r * ld_in + k);
#pragma GCC unroll 8
            for (int c = 0; c < C; c++)
                acc[r * C + c] = _mm512_fmadd_ps(x, wv[c], acc[r * C + c]);
        }
    }
    if (!last) {
#pragma GCC unroll 24
        for (int i = 0; i < R * C; i++)
            _mm512_storeu_ps(spill + 16 * i, acc[i]);
        return;
    }
#pragma GCC unroll 24
    for (int i = 0; i < R * C; i++)
        res[i] = tree16_512(acc[i]);
}

#define TILE_AVX512(R, C)                                                                                      \
    case R:                                                                                                    \
        tile_avx512(block, ld_in, w, (size_t)in_dim, k0, k1, R, C, res, spill, last, half);                   \
        break;

/* Input rows taken per pass over the weights: their slice stays in L2 while the weight rows stream by. */
#define RS_ROW_CHUNK 64
/* Inputs taken per pass over a chunk when the rows are long: a tile's slices of inputs and weights then stay
 * in L1 across the chunk (a multiple of 16). */
#define RS_K_BLOCK 512

RS_AVX512_INLINE void linear_avx512(float *out, size_t ld_out, const float *in, size_t ld_in, int n,
                                    const void *weight, int v_begin, int v_end, int in_dim, const float *bias,
                                    bool half)
{
    float res[24];
    /* the 16-lane sums of every tile of a chunk between stretches of inputs */
    float spill_area[((RS_ROW_CHUNK + 5) / 6) * 24 * 16];
    size_t row_bytes = (size_t)in_dim * (half ? sizeof(uint16_t) : sizeof(float));
    int k_block = in_dim > RS_K_BLOCK + RS_K_BLOCK / 2 ? RS_K_BLOCK : in_dim;
    /* equal chunks of at most RS_ROW_CHUNK rows: the weights stream by once per chunk */
    int chunks = (n + RS_ROW_CHUNK - 1) / RS_ROW_CHUNK, size = (n + chunks - 1) / chunks;
    for (int chunk = 0; chunk < n; chunk += size) {
        int chunk_rows = n - chunk < size ? n - chunk : size;
        const float *chunk_in = in + (size_t)chunk * ld_in;
        float *chunk_out = out + (size_t)chunk * ld_out;
        int v = v_begin;
        if (chunk_rows == 1) {
            /* one input row: eight weight rows at a time keep eight FMA chains going */
            for (; v + 8 <= v_end; v += 8) {
                const void *w = (const char *)weight + (size_t)v * row_bytes;
                tile_avx512(chunk_in, ld_in, w, (size_t)in_dim, 0, in_dim, 1, 8, res, NULL, true, half);
                store_tile(chunk_out, ld_out, v, res, 1, 8, bias);
            }
        }
        for (; v + 4 <= v_end; v += 4) {
            const void *w = (const char *)weight + (size_t)v * row_bytes;
            for (int k0 = 0; k0 < in_dim; k0 += k_block) {
                int k1 = in_dim - k0 <= k_block + k_block / 2 ? in_dim : k0 + k_block;
                bool last = k1 == in_dim;
                float *spill = spill_area;
                for (int start = 0; start < chunk_rows; spill += 24 * 16) {
                    int rows = chunk_rows - start < 6 ? chunk_rows - start : 6;
                    const float *block = chunk_in + (size_t)start * ld_in;
                    switch (rows) {
                        TILE_AVX512(1, 4)
                        TILE_AVX512(2, 4)
                        TILE_AVX512(3, 4)
                        TILE_AVX512(4, 4)
                        TILE_AVX512(5, 4)
                        TILE_AVX512(6, 4)
                    }
                    if (last)
                        store_tile(chunk_out + (size_t)start * ld_out, ld_out, v, res, rows, 4, bias);
                    start += rows;
                }
                if (last)
                    break;
            }
        }
        for (; v < v_end; v++) {
            const void *w = (const char *)weight + (size_t)v * row_bytes;
            int k0 = 0, k1 = in_dim;
            bool last = true;
            float *spill = NULL;
            for (int start = 0; start < chunk_rows;) {
                int rows = chunk_rows - start < 6 ? chunk_rows - start : 6;
                const float *block = chunk_in + (size_t)start * ld_in;
                switch (rows) {
                    TILE_AVX512(1, 1)
                    TILE_AVX512(2, 1)
                    TILE_AVX512(3, 1)
                    TILE_AVX512(4, 1)
                    TILE_AVX512(5, 1)
                    TILE_AVX512(6, 1)
                }
                store_tile(chunk_out + (size_t)start * ld_out, ld_out, v, res, rows, 1, bias);
                start += rows;
            }
        }
    }
}

RS_AVX512 void rs_simd_linear_avx512(float *out, size_t ld_out, const float *in, size_t ld_in, int n,
                                     const float *weight, int v_begin, int v_end, int in_dim, const float *bias)
{
    linear_avx512(out, ld_out, in, ld_in, n, weight, v_begin, v_end, in_dim, bias, false);
}

RS_AVX512 void rs_simd_linear_avx512_half(float *out, size_t ld_out, const float *in, size_t ld_in, int n,
                                          const uint16_t *weight, int v_begin, int v_end, int in_dim,
                                          const float *bias)
{
    linear_avx512(out, ld_out, in, ld_in, n, weight, v_begin, v_end, in_dim, bias, true);
}

RS_AVX512 void rs_simd_mix_avx512(float *out, const float *a, int count, const float *m, size_t ld_m, int width)
{
    int c = 0;
    for (; c + 64 <= width; c += 64) {
        __m512 acc0 = _mm512_setzero_ps(), acc1 = acc0, acc2 = acc0, acc3 = acc0;
        for (int j = 0; j < count; j++) {
            const float *row = m + (size_t)j * ld_m + c;
            __m512 x = _mm512_set1_ps(a[j]);
            acc0 = _mm512_fmadd_ps(x, _mm512_loadu_ps(row), acc0);
            acc1 = _mm512_fmadd_ps(x, _mm512_loadu_ps(row + 16), acc1);
            acc2 = _mm512_fmadd_ps(x, _mm512_loadu_ps(row + 32), acc2);
            acc3 = _mm512_fmadd_ps(x, _mm512_loadu_ps(row + 48), acc3);
        }
        _mm512_storeu_ps(out + c, acc0);
        _mm512_storeu_ps(out + c + 16, acc1);
        _mm512_storeu_ps(out + c + 32, acc2);
        _mm512_storeu_ps(out + c + 48, acc3);
    }
    for (; c < width; c += 16) {
        int lanes = width - c < 16 ? width - c : 16;
        __mmask16 mask = (__mmask16)((1u << lanes) - 1u);
        __m512 acc = _mm512_setzero_ps();
        for (int j = 0; j < count; j++)
            acc = _mm512_fmadd_ps(_mm512_set1_ps(a[j]), _mm512_maskz_loadu_ps(mask, m + (size_t)j * ld_m + c), acc);
        _mm512_mask_storeu_ps(out + c, mask, acc);
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
bool rs_simd_avx512_available(void) { return false; }
bool rs_simd_f16c_available(void) { return false; }
bool rs_simd_to_halves(const float *x, size_t n, uint16_t *out)
{
    (void)x, (void)n, (void)out;
    return false;
}
size_t rs_simd_halves_to_floats(const uint16_t *halves, float *out, size_t n)
{
    (void)halves, (void)out, (void)n;
    return 0;
}
void rs_simd_linear_avx2(float *out, size_t ld_out, const float *in, size_t ld_in, int n, const float *weight,
                         int v_begin, int v_end, int in_dim, const float *bias)
{
    (void)out, (void)ld_out, (void)in, (void)ld_in, (void)n, (void)weight, (void)v_begin, (void)v_end, (void)in_dim,
        (void)bias;
}
void rs_simd_linear_avx512(float *out, size_t ld_out, const float *in, size_t ld_in, int n, const float *weight,
                           int v_begin, int v_end, int in_dim, const float *bias)
{
    (void)out, (void)ld_out, (void)in, (void)ld_in, (void)n, (void)weight, (void)v_begin, (void)v_end, (void)in_dim,
        (void)bias;
}
void rs_simd_linear_avx512_half(float *out, size_t ld_out, const float *in, size_t ld_in, int n,
                                const uint16_t *weight, int v_begin, int v_end, int in_dim, const float *bias)
{
    (void)out, (void)ld_out, (void)in, (void)ld_in, (void)n, (void)weight, (void)v_begin, (void)v_end, (void)in_dim,
        (void)bias;
}
void rs_simd_mix_avx2(float *out, const float *a, int count, const float *m, size_t ld_m, int width)
{
    (void)out, (void)a, (void)count, (void)m, (void)ld_m, (void)width;
}
void rs_simd_mix_avx512(float *out, const float *a, int count, const float *m, size_t ld_m, int width)
{
    (void)out, (void)a, (void)count, (void)m, (void)ld_m, (void)width;
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
