/* Sixteen-lane vectors for the kernels of kernels.c, one definition per instruction set: AVX-512 (one zmm),
 * AVX2 + FMA + F16C (two ymm), or portable C (arrays of 16, which the compiler vectorises as it can).
 * kernels.c is written once on these operations and compiled once per instruction set (Makefile), as
 * CTranslate2 compiles src/cpu/kernels.cc per ISA on its Vec<T, ISA> layer.
 *
 * Every operation is exact IEEE arithmetic per lane (one rounding, fused multiply-add included), so a kernel
 * gives the same bits with every definition: the instruction set changes the speed, never the result.
 * Included by kernels.c only. */
#ifndef RS_VEC_H
#define RS_VEC_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#define V_INLINE static inline __attribute__((always_inline))

#if defined(RS_ISA_AVX512)
/* ---------------------------------------------------------------- AVX-512 ---------------------------- */
#include <immintrin.h>

typedef __m512 v16;      /* 16 floats */
typedef __mmask16 vmask; /* 16 lane flags */
typedef __m512i vi16;    /* 16 int32 */
typedef __m512i vw32;    /* 32 int16: 16 pairs, pair j = (w[j, k], w[j, k + 1]) */

V_INLINE v16 v_zero(void) { return _mm512_setzero_ps(); }
V_INLINE v16 v_set1(float x) { return _mm512_set1_ps(x); }
V_INLINE v16 v_load(const float *p) { return _mm512_loadu_ps(p); }
V_INLINE v16 v_load_n(const float *p, int n) { return _mm512_maskz_loadu_ps((__mmask16)((1u << n) - 1u), p); }
V_INLINE void v_store(float *p, v16 x) { _mm512_storeu_ps(p, x); }
V_INLINE void v_store_n(float *p, v16 x, int n) { _mm512_mask_storeu_ps(p, (__mmask16)((1u << n) - 1u), x); }
V_INLINE v16 v_load_half(const uint16_t *p) { return _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)p)); }
V_INLINE v16 v_add(v16 a, v16 b) { return _mm512_add_ps(a, b); }
V_INLINE v16 v_sub(v16 a, v16 b) { return _mm512_sub_ps(a, b); }
V_INLINE v16 v_mul(v16 a, v16 b) { return _mm512_mul_ps(a, b); }
V_INLINE v16 v_div(v16 a, v16 b) { return _mm512_div_ps(a, b); }
V_INLINE v16 v_fma(v16 a, v16 b, v16 c) { return _mm512_fmadd_ps(a, b, c); }
V_INLINE v16 v_fnma(v16 a, v16 b, v16 c) { return _mm512_fnmadd_ps(a, b, c); }
V_INLINE v16 v_min(v16 a, v16 b) { return _mm512_min_ps(a, b); }
V_INLINE v16 v_max(v16 a, v16 b) { return _mm512_max_ps(a, b); }
V_INLINE v16 v_floor(v16 a) { return _mm512_roundscale_ps(a, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC); }
V_INLINE v16 v_abs(v16 a) { return _mm512_abs_ps(a); }
/* a with the sign bit of s */
V_INLINE v16 v_with_sign_of(v16 a, v16 s)
{
    __m512i sign = _mm512_and_si512(_mm512_castps_si512(s), _mm512_set1_epi32(INT32_MIN));
    return _mm512_castsi512_ps(_mm512_or_si512(_mm512_castps_si512(a), sign));
}
V_INLINE vmask v_lt(v16 a, v16 b) { return _mm512_cmp_ps_mask(a, b, _CMP_LT_OQ); }
V_INLINE v16 v_select(vmask m, v16 if_true, v16 if_false) { return _mm512_mask_blend_ps(m, if_false, if_true); }
/* 2^n for whole-number floats n with -126 <= n <= 127 */
V_INLINE v16 v_pow2(v16 n)
{
    __m512i bits = _mm512_slli_epi32(_mm512_add_epi32(_mm512_cvttps_epi32(n), _mm512_set1_epi32(127)), 23);
    return _mm512_castsi512_ps(bits);
}
V_INLINE vi16 v_round_int(v16 a) { return _mm512_cvtps_epi32(a); } /* to nearest, ties to even */
V_INLINE v16 vi_to_float(vi16 a) { return _mm512_cvtepi32_ps(a); }
V_INLINE vi16 vi_zero(void) { return _mm512_setzero_si512(); }
V_INLINE vw32 vw_load_i8(const int8_t *p) { return _mm512_cvtepi8_epi16(_mm256_loadu_si256((const __m256i *)p)); }
/* acc[j] += x0 * w[2j] + x1 * w[2j + 1], pair = x0 | x1 << 16 */
V_INLINE vi16 vi_madd(vi16 acc, int32_t pair, vw32 w)
{
    return _mm512_add_epi32(acc, _mm512_madd_epi16(_mm512_set1_epi32(pair), w));
}
/* int32 lanes to int16 (the values fit), 16 at p */
V_INLINE void vi_store_i16(int16_t *p, vi16 a) { _mm256_storeu_si256((__m256i *)p, _mm512_cvtepi32_epi16(a)); }
#define RS_KERNEL_ISA "avx512"
#define RS_KERNEL_TABLE rs_kernels_avx512
/* accumulators (v16) a tile may hold: 32 zmm, less the weights and an input */
#define V_TILE_ACCUMULATORS 24

#elif defined(RS_ISA_AVX2)
/* ---------------------------------------------------------------- AVX2 + FMA + F16C ----------------- */
#include <immintrin.h>

typedef struct v16 { __m256 lo, hi; } v16;
typedef struct vmask { __m256 lo, hi; } vmask;
typedef struct vi16 { __m256i lo, hi; } vi16;
typedef struct vw32 { __m256i lo, hi; } vw32;

V_INLINE __m256i mask8(int n)
{
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}
V_INLINE v16 v_zero(void) { return (v16){_mm256_setzero_ps(), _mm256_setzero_ps()}; }
V_INLINE v16 v_set1(float x) { return (v16){_mm256_set1_ps(x), _mm256_set1_ps(x)}; }
V_INLINE v16 v_load(const float *p) { return (v16){_mm256_loadu_ps(p), _mm256_loadu_ps(p + 8)}; }
V_INLINE v16 v_load_n(const float *p, int n)
{
    v16 r = {_mm256_maskload_ps(p, mask8(n)), _mm256_setzero_ps()};
    if (n > 8)
        r.hi = _mm256_maskload_ps(p + 8, mask8(n - 8));
    return r;
}
V_INLINE void v_store(float *p, v16 x)
{
    _mm256_storeu_ps(p, x.lo);
    _mm256_storeu_ps(p + 8, x.hi);
}
V_INLINE void v_store_n(float *p, v16 x, int n)
{
    _mm256_maskstore_ps(p, mask8(n), x.lo);
    if (n > 8)
        _mm256_maskstore_ps(p + 8, mask8(n - 8), x.hi);
}
V_INLINE v16 v_load_half(const uint16_t *p)
{
    return (v16){_mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)p)),
                 _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(p + 8)))};
}
#define V2(name, op)                                                                                           \
    V_INLINE v16 name(v16 a, v16 b) { return (v16){op(a.lo, b.lo), op(a.hi, b.hi)}; }
V2(v_add, _mm256_add_ps)
V2(v_sub, _mm256_sub_ps)
V2(v_mul, _mm256_mul_ps)
V2(v_div, _mm256_div_ps)
V2(v_min, _mm256_min_ps)
V2(v_max, _mm256_max_ps)
#undef V2
V_INLINE v16 v_fma(v16 a, v16 b, v16 c) { return (v16){_mm256_fmadd_ps(a.lo, b.lo, c.lo), _mm256_fmadd_ps(a.hi, b.hi, c.hi)}; }
V_INLINE v16 v_fnma(v16 a, v16 b, v16 c) { return (v16){_mm256_fnmadd_ps(a.lo, b.lo, c.lo), _mm256_fnmadd_ps(a.hi, b.hi, c.hi)}; }
V_INLINE v16 v_floor(v16 a) { return (v16){_mm256_floor_ps(a.lo), _mm256_floor_ps(a.hi)}; }
V_INLINE v16 v_abs(v16 a)
{
    __m256 s = _mm256_set1_ps(-0.0f);
    return (v16){_mm256_andnot_ps(s, a.lo), _mm256_andnot_ps(s, a.hi)};
}
V_INLINE v16 v_with_sign_of(v16 a, v16 s)
{
    __m256 m = _mm256_set1_ps(-0.0f);
    return (v16){_mm256_or_ps(a.lo, _mm256_and_ps(s.lo, m)), _mm256_or_ps(a.hi, _mm256_and_ps(s.hi, m))};
}
V_INLINE vmask v_lt(v16 a, v16 b) { return (vmask){_mm256_cmp_ps(a.lo, b.lo, _CMP_LT_OQ), _mm256_cmp_ps(a.hi, b.hi, _CMP_LT_OQ)}; }
V_INLINE v16 v_select(vmask m, v16 t, v16 f) { return (v16){_mm256_blendv_ps(f.lo, t.lo, m.lo), _mm256_blendv_ps(f.hi, t.hi, m.hi)}; }
V_INLINE __m256 pow2_8(__m256 n)
{
    __m256i bits = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvttps_epi32(n), _mm256_set1_epi32(127)), 23);
    return _mm256_castsi256_ps(bits);
}
V_INLINE v16 v_pow2(v16 n) { return (v16){pow2_8(n.lo), pow2_8(n.hi)}; }
V_INLINE vi16 v_round_int(v16 a) { return (vi16){_mm256_cvtps_epi32(a.lo), _mm256_cvtps_epi32(a.hi)}; }
V_INLINE v16 vi_to_float(vi16 a) { return (v16){_mm256_cvtepi32_ps(a.lo), _mm256_cvtepi32_ps(a.hi)}; }
V_INLINE vi16 vi_zero(void) { return (vi16){_mm256_setzero_si256(), _mm256_setzero_si256()}; }
V_INLINE vw32 vw_load_i8(const int8_t *p)
{
    return (vw32){_mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)p)),
                  _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(p + 16)))};
}
V_INLINE vi16 vi_madd(vi16 acc, int32_t pair, vw32 w)
{
    __m256i x = _mm256_set1_epi32(pair);
    return (vi16){_mm256_add_epi32(acc.lo, _mm256_madd_epi16(x, w.lo)),
                  _mm256_add_epi32(acc.hi, _mm256_madd_epi16(x, w.hi))};
}
V_INLINE void vi_store_i16(int16_t *p, vi16 a)
{
    /* packs saturate, which never happens here (|a| <= 32767); the lane order needs the permute */
    __m256i packed = _mm256_permute4x64_epi64(_mm256_packs_epi32(a.lo, a.hi), 0xd8);
    _mm256_storeu_si256((__m256i *)p, packed);
}
#define RS_KERNEL_ISA "avx2"
#define RS_KERNEL_TABLE rs_kernels_avx2
/* 16 ymm: 12 for accumulators (6 v16), 2 for weights, 1 for an input */
#define V_TILE_ACCUMULATORS 6

#else
/* ---------------------------------------------------------------- portable C ------------------------- */

typedef struct v16 { float f[16]; } v16;
typedef struct vmask { int32_t m[16]; } vmask;
typedef struct vi16 { int32_t i[16]; } vi16;
typedef struct vw32 { int16_t w[32]; } vw32;

#define V_EACH for (int l = 0; l < 16; l++)
V_INLINE v16 v_zero(void) { v16 r; V_EACH r.f[l] = 0.0f; return r; }
V_INLINE v16 v_set1(float x) { v16 r; V_EACH r.f[l] = x; return r; }
V_INLINE v16 v_load(const float *p) { v16 r; memcpy(r.f, p, sizeof r.f); return r; }
V_INLINE v16 v_load_n(const float *p, int n) { v16 r = v_zero(); memcpy(r.f, p, (size_t)n * sizeof *p); return r; }
V_INLINE void v_store(float *p, v16 x) { memcpy(p, x.f, sizeof x.f); }
V_INLINE void v_store_n(float *p, v16 x, int n) { memcpy(p, x.f, (size_t)n * sizeof *p); }
float rs_half_to_float(uint16_t half); /* tensor.c */
V_INLINE v16 v_load_half(const uint16_t *p) { v16 r; V_EACH r.f[l] = rs_half_to_float(p[l]); return r; }
#define V2(name, expr)                                                                                         \
    V_INLINE v16 name(v16 a, v16 b) { v16 r; V_EACH r.f[l] = (expr); return r; }
V2(v_add, a.f[l] + b.f[l])
V2(v_sub, a.f[l] - b.f[l])
V2(v_mul, a.f[l] * b.f[l])
V2(v_div, a.f[l] / b.f[l])
/* as minps/maxps: the second operand when the comparison fails */
V2(v_min, a.f[l] < b.f[l] ? a.f[l] : b.f[l])
V2(v_max, a.f[l] > b.f[l] ? a.f[l] : b.f[l])
#undef V2
V_INLINE v16 v_fma(v16 a, v16 b, v16 c) { v16 r; V_EACH r.f[l] = fmaf(a.f[l], b.f[l], c.f[l]); return r; }
V_INLINE v16 v_fnma(v16 a, v16 b, v16 c) { v16 r; V_EACH r.f[l] = fmaf(-a.f[l], b.f[l], c.f[l]); return r; }
V_INLINE v16 v_floor(v16 a) { v16 r; V_EACH r.f[l] = floorf(a.f[l]); return r; }
V_INLINE v16 v_abs(v16 a) { v16 r; V_EACH r.f[l] = fabsf(a.f[l]); return r; }
V_INLINE v16 v_with_sign_of(v16 a, v16 s)
{
    v16 r;
    V_EACH {
        uint32_t x, y;
        memcpy(&x, &a.f[l], sizeof x);
        memcpy(&y, &s.f[l], sizeof y);
        x |= y & UINT32_C(0x80000000);
        memcpy(&r.f[l], &x, sizeof x);
    }
    return r;
}
V_INLINE vmask v_lt(v16 a, v16 b) { vmask r; V_EACH r.m[l] = a.f[l] < b.f[l]; return r; }
V_INLINE v16 v_select(vmask m, v16 t, v16 f) { v16 r; V_EACH r.f[l] = m.m[l] ? t.f[l] : f.f[l]; return r; }
V_INLINE v16 v_pow2(v16 n)
{
    v16 r;
    V_EACH {
        uint32_t bits = (uint32_t)((int32_t)n.f[l] + 127) << 23;
        memcpy(&r.f[l], &bits, sizeof bits);
    }
    return r;
}
V_INLINE vi16 v_round_int(v16 a) { vi16 r; V_EACH r.i[l] = (int32_t)lrintf(a.f[l]); return r; }
V_INLINE v16 vi_to_float(vi16 a) { v16 r; V_EACH r.f[l] = (float)a.i[l]; return r; }
V_INLINE vi16 vi_zero(void) { vi16 r; V_EACH r.i[l] = 0; return r; }
V_INLINE vw32 vw_load_i8(const int8_t *p) { vw32 r; for (int l = 0; l < 32; l++) r.w[l] = p[l]; return r; }
V_INLINE vi16 vi_madd(vi16 acc, int32_t pair, vw32 w)
{
    int16_t x0 = (int16_t)(pair & 0xffff), x1 = (int16_t)((uint32_t)pair >> 16);
    V_EACH acc.i[l] += (int32_t)x0 * w.w[2 * l] + (int32_t)x1 * w.w[2 * l + 1];
    return acc;
}
V_INLINE void vi_store_i16(int16_t *p, vi16 a) { V_EACH p[l] = (int16_t)a.i[l]; }
#undef V_EACH
#ifdef RS_PORTABLE_WIDE_TILES /* kernels_wide.c */
#define RS_KERNEL_ISA "portable-wide"
#define RS_KERNEL_TABLE rs_kernels_portable_wide
#define V_TILE_ACCUMULATORS 24
#else
#define RS_KERNEL_ISA "portable"
#define RS_KERNEL_TABLE rs_kernels_portable
#define V_TILE_ACCUMULATORS 4
#endif

#endif

#endif
