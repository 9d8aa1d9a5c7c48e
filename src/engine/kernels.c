/* The kernels of kernels.h, written once on the vectors of vec.h. The Makefile compiles this file once per
 * instruction set (RS_ISA_AVX2, RS_ISA_AVX512, or neither for portable C), each time into its own table.
 * Nothing here may depend on the instruction set but speed: the tiles' shapes do, the order of arithmetic
 * per output never does (kernels.h). */
#include "kernels.h"

#include <stdbool.h>

#include "vec.h"

#ifdef __clang__
#pragma STDC FP_CONTRACT OFF /* a * b + c stays two roundings unless written as v_fma (GCC: -ffp-contract=off) */
#endif

#define UNROLL _Pragma("GCC unroll 16")

/* ---- element-wise functions: the same polynomials in every table ---- */

/* exp(x) as Cephes expf: x = n ln2 + r, |r| <= ln2/2, a degree-6 polynomial for e^r, then 2^n. */
V_INLINE v16 v_exp(v16 x)
{
    x = v_min(x, v_set1(88.3762626647949f));
    x = v_max(x, v_set1(-87.3365478515625f)); /* keeps 2^n normal */
    v16 fx = v_floor(v_fma(x, v_set1(1.44269504088896341f), v_set1(0.5f)));
    x = v_fnma(fx, v_set1(0.693359375f), x);
    x = v_fnma(fx, v_set1(-2.12194440e-4f), x);
    v16 y = v_set1(1.9875691500e-4f);
    y = v_fma(y, x, v_set1(1.3981999507e-3f));
    y = v_fma(y, x, v_set1(8.3334519073e-3f));
    y = v_fma(y, x, v_set1(4.1665795894e-2f));
    y = v_fma(y, x, v_set1(1.6666665459e-1f));
    y = v_fma(y, x, v_set1(5.0000001201e-1f));
    y = v_fma(y, v_mul(x, x), v_add(x, v_set1(1.0f)));
    return v_mul(y, v_pow2(fx));
}

/* tanh: Cephes' odd polynomial below |x| = 0.625, else 1 - 2 / (e^{2|x|} + 1) with the sign put back. */
V_INLINE v16 v_tanh(v16 x)
{
    v16 ax = v_abs(x);
    v16 e = v_exp(v_add(ax, ax));
    v16 big = v_sub(v_set1(1.0f), v_div(v_set1(2.0f), v_add(e, v_set1(1.0f))));
    big = v_with_sign_of(big, x);
    v16 z = v_mul(x, x);
    v16 p = v_set1(-5.70498872745e-3f);
    p = v_fma(p, z, v_set1(2.06390887954e-2f));
    p = v_fma(p, z, v_set1(-5.37397155531e-2f));
    p = v_fma(p, z, v_set1(1.33314422036e-1f));
    p = v_fma(p, z, v_set1(-3.33332819422e-1f));
    v16 small = v_fma(v_mul(p, z), x, x);
    return v_select(v_lt(ax, v_set1(0.625f)), small, big);
}

V_INLINE v16 v_sigmoid(v16 x)
{
    v16 e = v_exp(v_sub(v_zero(), x));
    return v_div(v_set1(1.0f), v_add(v_set1(1.0f), e));
}

/* The 16 lanes of array `lane` added by the fixed tree l + (l + 8), l + (l + 4), l + (l + 2), 0 + 1, in the
 * lanes' own type (float or double). */
#define TREE_SUM(lane)                                                                                         \
    do {                                                                                                       \
        for (int l_ = 8; l_ >= 2; l_ /= 2)                                                                     \
            for (int l = 0; l < l_; l++)                                                                       \
                (lane)[l] += (lane)[l + l_];                                                                   \
    } while (0)

static float tree_sum(v16 x)
{
    float lane[16];
    v_store(lane, x);
    TREE_SUM(lane);
    return lane[0] + lane[1];
}

static double tree_sum_double(double *lane)
{
    TREE_SUM(lane);
    return lane[0] + lane[1];
}

/* Adds the first `count` lanes of x to the double lanes. */
static inline void add_lanes(double *lane, v16 x, int count)
{
    float f[16];
    v_store(f, x);
    for (int l = 0; l < count; l++)
        lane[l] += (double)f[l];
}

static double exp_shift(float *x, size_t n, float shift)
{
    double lane[16] = {0};
    v16 s = v_set1(shift);
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        v16 e = v_exp(v_sub(v_load(x + i), s));
        v_store(x + i, e);
        add_lanes(lane, e, 16);
    }
    if (i < n) {
        int rest = (int)(n - i);
        v16 e = v_exp(v_sub(v_load_n(x + i, rest), s));
        v_store_n(x + i, e, rest);
        add_lanes(lane, e, rest);
    }
    return tree_sum_double(lane);
}

static double sum_exp(const float *x, size_t n, float shift)
{
    double lane[16] = {0};
    v16 s = v_set1(shift);
    size_t i = 0;
    for (; i + 16 <= n; i += 16)
        add_lanes(lane, v_exp(v_sub(v_load(x + i), s)), 16);
    if (i < n)
        add_lanes(lane, v_exp(v_sub(v_load_n(x + i, (int)(n - i)), s)), (int)(n - i));
    return tree_sum_double(lane);
}

static float additive_score(const float *q, const float *k, const float *v, int n)
{
    v16 acc = v_zero();
    int x = 0;
    for (; x + 16 <= n; x += 16)
        acc = v_fma(v_load(v + x), v_tanh(v_add(v_load(q + x), v_load(k + x))), acc);
    if (x < n) /* zero lanes add v * tanh(0) = 0 */
        acc = v_fma(v_load_n(v + x, n - x), v_tanh(v_add(v_load_n(q + x, n - x), v_load_n(k + x, n - x))), acc);
    return tree_sum(acc);
}

/* h' = (1 - z) n + z h with r = s(gi_r + gh_r), z = s(gi_z + gh_z), n = tanh(gi_n + r gh_n). */
V_INLINE v16 gru_cell(v16 gi_r, v16 gi_z, v16 gi_n, v16 gh_r, v16 gh_z, v16 gh_n, v16 h)
{
    v16 r = v_sigmoid(v_add(gi_r, gh_r));
    v16 z = v_sigmoid(v_add(gi_z, gh_z));
    v16 n = v_tanh(v_fma(r, gh_n, gi_n));
    return v_fma(z, h, v_mul(v_sub(v_set1(1.0f), z), n));
}

static void gru_update(const float *gi, const float *gh, float *h, int hidden)
{
    const float *gi_z = gi + hidden, *gi_n = gi + 2 * hidden;
    const float *gh_z = gh + hidden, *gh_n = gh + 2 * hidden;
    int k = 0;
    for (; k + 16 <= hidden; k += 16)
        v_store(h + k, gru_cell(v_load(gi + k), v_load(gi_z + k), v_load(gi_n + k), v_load(gh + k),
                                v_load(gh_z + k), v_load(gh_n + k), v_load(h + k)));
    if (k < hidden) {
        int m = hidden - k;
        v_store_n(h + k, gru_cell(v_load_n(gi + k, m), v_load_n(gi_z + k, m), v_load_n(gi_n + k, m),
                                  v_load_n(gh + k, m), v_load_n(gh_z + k, m), v_load_n(gh_n + k, m),
                                  v_load_n(h + k, m)), m);
    }
}

static void halves_to_floats(const uint16_t *halves, float *out, size_t n)
{
    size_t i = 0;
    for (; i + 16 <= n; i += 16)
        v_store(out + i, v_load_half(halves + i));
    if (i < n) {
        uint16_t rest[16] = {0};
        memcpy(rest, halves + i, (n - i) * sizeof *halves);
        v_store_n(out + i, v_load_half(rest), (int)(n - i));
    }
}

static void mix(float *out, const float *a, int count, const float *m, size_t ld_m, int width)
{
    int c = 0;
    for (; c + 64 <= width; c += 64) {
        v16 acc0 = v_zero(), acc1 = acc0, acc2 = acc0, acc3 = acc0;
        for (int j = 0; j < count; j++) {
            const float *row = m + (size_t)j * ld_m + c;
            v16 x = v_set1(a[j]);
            acc0 = v_fma(x, v_load(row), acc0);
            acc1 = v_fma(x, v_load(row + 16), acc1);
            acc2 = v_fma(x, v_load(row + 32), acc2);
            acc3 = v_fma(x, v_load(row + 48), acc3);
        }
        v_store(out + c, acc0);
        v_store(out + c + 16, acc1);
        v_store(out + c + 32, acc2);
        v_store(out + c + 48, acc3);
    }
    for (; c < width; c += 16) {
        int lanes = width - c < 16 ? width - c : 16;
        v16 acc = v_zero();
        for (int j = 0; j < count; j++)
            acc = v_fma(v_set1(a[j]), v_load_n(m + (size_t)j * ld_m + c, lanes), acc);
        v_store_n(out + c, acc, lanes);
    }
}

/* ---- dense products: register tiles of R input rows by P panels ---- */

/* Panels a tile of R rows takes: its R * P accumulators, P weight vectors and one input must fit in the
 * registers (V_TILE_ACCUMULATORS counts them in v16), and at least 1. */
#define TILE_PANELS(R) ((R) == 1 ? 4 : ((V_TILE_ACCUMULATORS + 2) / ((R) + 1) > 0 ? (V_TILE_ACCUMULATORS + 2) / ((R) + 1) : 1))
#define TILE_ROWS 6

enum { STORED_F32, STORED_F16 };

/* Writes acc (+ bias) to the tile's outputs: rows [row, row + R), panels [panel, panel + P). */
V_INLINE void store_tile(const rs_dense_args *a, const v16 *acc, int row, int R, int panel, int P)
{
    UNROLL for (int p = 0; p < P; p++)
    {
        int v = (panel + p) * RS_PANEL, width = a->out_dim - v < RS_PANEL ? a->out_dim - v : RS_PANEL;
        v16 bias = a->bias ? v_load_n(a->bias + v, width) : v_zero();
        UNROLL for (int r = 0; r < R; r++)
        {
            v16 y = a->bias ? v_add(acc[r * P + p], bias) : acc[r * P + p];
            float *out = a->out + (size_t)(row + r) * a->ld_out + (size_t)v;
            if (width == RS_PANEL)
                v_store(out, y);
            else
                v_store_n(out, y, width);
        }
    }
}

/* One chain of FMAs per output over k ascending: the inputs broadcast, the weights a panel's vector. */
V_INLINE void tile_float(const rs_dense_args *a, int stored, int row, int R, int panel, int P)
{
    v16 acc[TILE_ROWS * 8];
    size_t stride = (size_t)a->in_dim * RS_PANEL;
    const float *in = a->in + (size_t)row * a->ld_in;
    UNROLL for (int i = 0; i < R * P; i++) acc[i] = v_zero();
    for (int k = 0; k < a->in_dim; k++) {
        v16 w[8];
        size_t at = (size_t)panel * stride + (size_t)k * RS_PANEL;
        UNROLL for (int p = 0; p < P; p++)
        {
            w[p] = stored == STORED_F16 ? v_load_half((const uint16_t *)a->packed + at + (size_t)p * stride)
                                        : v_load((const float *)a->packed + at + (size_t)p * stride);
        }
        UNROLL for (int r = 0; r < R; r++)
        {
            v16 x = v_set1(in[(size_t)r * a->ld_in + (size_t)k]);
            UNROLL for (int p = 0; p < P; p++) acc[r * P + p] = v_fma(x, w[p], acc[r * P + p]);
        }
    }
    store_tile(a, acc, row, R, panel, P);
}

/* Rows [row, row + R) against panels [panel, panel + P) for P = TILE_PANELS(R) or 1, as constants. */
#define TILES_OF(R, KERNEL, ...)                                                                               \
    case R:                                                                                                    \
        if (P == TILE_PANELS(R))                                                                               \
            KERNEL(__VA_ARGS__, row, R, panel, TILE_PANELS(R));                                                \
        else                                                                                                   \
            for (int p = 0; p < P; p++)                                                                        \
                KERNEL(__VA_ARGS__, row, R, panel + p, 1);                                                     \
        break;
#define TILE_SWITCH(KERNEL, ...)                                                                               \
    switch (R) {                                                                                               \
        TILES_OF(1, KERNEL, __VA_ARGS__)                                                                       \
        TILES_OF(2, KERNEL, __VA_ARGS__)                                                                       \
        TILES_OF(3, KERNEL, __VA_ARGS__)                                                                       \
        TILES_OF(4, KERNEL, __VA_ARGS__)                                                                       \
        TILES_OF(5, KERNEL, __VA_ARGS__)                                                                       \
        TILES_OF(6, KERNEL, __VA_ARGS__)                                                                       \
    }

static void tile_f32(const rs_dense_args *a, int row, int R, int panel, int P)
{
    TILE_SWITCH(tile_float, a, STORED_F32)
}

static void tile_f16(const rs_dense_args *a, int row, int R, int panel, int P)
{
    TILE_SWITCH(tile_float, a, STORED_F16)
}

/* Input rows taken per pass over the weights: their slice stays in L2 while each panel group, read once from
 * memory, serves them all from L1/L2. */
#define ROW_CHUNK 64

typedef void (*tile_fn)(const rs_dense_args *a, int row, int R, int panel, int P);

/* Tiles covering rows [0, n) and panels [panel_begin, panel_end). */
static void cover(const rs_dense_args *a, int panel_begin, int panel_end, tile_fn tile)
{
    int chunks = (a->n + ROW_CHUNK - 1) / ROW_CHUNK, size = (a->n + chunks - 1) / chunks;
    for (int chunk = 0; chunk < a->n; chunk += size) {
        int chunk_rows = a->n - chunk < size ? a->n - chunk : size;
        int group = TILE_PANELS(chunk_rows < TILE_ROWS ? chunk_rows : TILE_ROWS);
        for (int panel = panel_begin; panel < panel_end; panel += group) {
            int P = panel_end - panel < group ? panel_end - panel : group;
            for (int row = chunk; row < chunk + chunk_rows; row += TILE_ROWS) {
                int R = chunk + chunk_rows - row < TILE_ROWS ? chunk + chunk_rows - row : TILE_ROWS;
                tile(a, row, R, panel, P); /* a tile of fewer rows covers all of the group's panels too */
            }
        }
    }
}

static void dense_f32(const rs_dense_args *a, int panel_begin, int panel_end)
{
    cover(a, panel_begin, panel_end, tile_f32);
}

static void dense_f16(const rs_dense_args *a, int panel_begin, int panel_end)
{
    cover(a, panel_begin, panel_end, tile_f16);
}

/* ---- int8: exact integer sums ---- */

/* The largest |q| of a quantized input: K products of it with |w| <= 127 must add up within int32. */
static int32_t input_limit(int in_dim)
{
    long long pairs = (in_dim + 1) / 2, limit = 2147483647LL / (127LL * 2 * (pairs > 0 ? pairs : 1));
    return limit > 32767 ? 32767 : (int32_t)limit;
}

/* Each input row's scale: max |x| / limit (0 for a zero row), and the factor limit / max |x| that maps
 * the row to integers, both by one division of floats. */
static void input_scales(const float *in, int in_dim, int32_t limit, float *scale, float *factor)
{
    v16 m = v_zero();
    int k = 0;
    for (; k + 16 <= in_dim; k += 16)
        m = v_max(m, v_abs(v_load(in + k)));
    if (k < in_dim)
        m = v_max(m, v_abs(v_load_n(in + k, in_dim - k)));
    float lane[16], amax = 0.0f;
    v_store(lane, m);
    for (int l = 0; l < 16; l++)
        amax = lane[l] > amax ? lane[l] : amax;
    *scale = amax > 0.0f ? amax / (float)limit : 0.0f;
    *factor = amax > 0.0f ? (float)limit / amax : 0.0f;
}

/* q[k] = round(x[k] * factor) for k < in_dim, zero-padded to an even count. */
static void quantize_inputs(const float *x, int in_dim, float factor, int32_t limit, int16_t *q)
{
    v16 f = v_set1(factor), hi = v_set1((float)limit), lo = v_set1(-(float)limit);
    int k = 0;
    for (; k + 16 <= in_dim; k += 16)
        vi_store_i16(q + k, v_round_int(v_min(v_max(v_mul(v_load(x + k), f), lo), hi)));
    if (k < in_dim) {
        int16_t rest[16];
        vi_store_i16(rest, v_round_int(v_min(v_max(v_mul(v_load_n(x + k, in_dim - k), f), lo), hi)));
        memcpy(q + k, rest, (size_t)(in_dim - k) * sizeof *q);
    }
    q[in_dim] = 0;
}

/* Quantized input rows of a tile (kernels.h RS_I8_MAX_IN). */
typedef struct quantized_rows {
    int16_t q[TILE_ROWS][RS_I8_MAX_IN + 2];
    float scale[TILE_ROWS];
} quantized_rows;

V_INLINE void tile_int8(const rs_dense_args *a, const quantized_rows *x, int row, int R, int panel, int P)
{
    vi16 acc[TILE_ROWS * 8];
    size_t stride = (size_t)((a->in_dim + 1) / 2) * 2 * RS_PANEL;
    const int8_t *packed = a->packed;
    UNROLL for (int i = 0; i < R * P; i++) acc[i] = vi_zero();
    for (int k = 0; k < a->in_dim; k += 2) {
        vw32 w[8];
        size_t at = (size_t)panel * stride + (size_t)k * RS_PANEL;
        UNROLL for (int p = 0; p < P; p++) w[p] = vw_load_i8(packed + at + (size_t)p * stride);
        UNROLL for (int r = 0; r < R; r++)
        {
            int32_t pair;
            memcpy(&pair, &x->q[r][k], sizeof pair);
            UNROLL for (int p = 0; p < P; p++) acc[r * P + p] = vi_madd(acc[r * P + p], pair, w[p]);
        }
    }
    /* y = sum * (input scale * row scale) */
    v16 out[TILE_ROWS * 8];
    UNROLL for (int p = 0; p < P; p++)
    {
        int v = (panel + p) * RS_PANEL, width = a->out_dim - v < RS_PANEL ? a->out_dim - v : RS_PANEL;
        v16 wscale = v_load_n(a->scale + v, width);
        UNROLL for (int r = 0; r < R; r++) out[r * P + p] =
            v_mul(vi_to_float(acc[r * P + p]), v_mul(v_set1(x->scale[r]), wscale));
    }
    store_tile(a, out, row, R, panel, P);
}

/* The rows' tiles: R rows quantized once, against every panel in turn (the int8 weights stream from cache
 * once per R rows). */
static void dense_i8(const rs_dense_args *a, int panel_begin, int panel_end)
{
    quantized_rows x;
    int32_t limit = input_limit(a->in_dim);
    for (int row = 0; row < a->n; row += TILE_ROWS) {
        int R = a->n - row < TILE_ROWS ? a->n - row : TILE_ROWS;
        for (int r = 0; r < R; r++) {
            const float *in = a->in + (size_t)(row + r) * a->ld_in;
            float factor;
            input_scales(in, a->in_dim, limit, &x.scale[r], &factor);
            quantize_inputs(in, a->in_dim, factor, limit, x.q[r]);
        }
        int group = TILE_PANELS(R);
        for (int panel = panel_begin; panel < panel_end; panel += group) {
            int P = panel_end - panel < group ? panel_end - panel : group;
            TILE_SWITCH(tile_int8, a, &x)
        }
    }
}

/* ---- the product with unpacked weights: 16 rows of W packed on the fly, a block of k at a time ---- */

#define LINEAR_K_BLOCK 128

V_INLINE void linear_rows(const float *in, size_t ld_in, int R, const float *panel, int kb, v16 *acc)
{
    for (int k = 0; k < kb; k++) {
        v16 w = v_load(panel + (size_t)k * RS_PANEL);
        UNROLL for (int r = 0; r < R; r++) acc[r] = v_fma(v_set1(in[(size_t)r * ld_in + (size_t)k]), w, acc[r]);
    }
}

#define LINEAR_ROWS(R)                                                                                         \
    case R:                                                                                                    \
        linear_rows(in + (size_t)row * ld_in + (size_t)k0, ld_in, R, panel, kb, acc);                          \
        break;

static void linear(float *out, size_t ld_out, const float *in, size_t ld_in, int n, const float *weight, int out_dim,
                   int in_dim, const float *bias)
{
    float panel[LINEAR_K_BLOCK * RS_PANEL];
    for (int v = 0; v < out_dim; v += RS_PANEL) {
        int width = out_dim - v < RS_PANEL ? out_dim - v : RS_PANEL;
        rs_dense_args a = {out, ld_out, in, ld_in, n, out_dim, in_dim, NULL, NULL, bias};
        for (int row = 0; row < n; row += TILE_ROWS) {
            int R = n - row < TILE_ROWS ? n - row : TILE_ROWS;
            v16 acc[TILE_ROWS];
            for (int r = 0; r < R; r++)
                acc[r] = v_zero();
            for (int k0 = 0; k0 < in_dim; k0 += LINEAR_K_BLOCK) {
                int kb = in_dim - k0 < LINEAR_K_BLOCK ? in_dim - k0 : LINEAR_K_BLOCK;
                memset(panel, 0, sizeof panel);
                for (int j = 0; j < width; j++)
                    for (int k = 0; k < kb; k++)
                        panel[k * RS_PANEL + j] = weight[(size_t)(v + j) * (size_t)in_dim + (size_t)(k0 + k)];
                switch (R) {
                    LINEAR_ROWS(1)
                    LINEAR_ROWS(2)
                    LINEAR_ROWS(3)
                    LINEAR_ROWS(4)
                    LINEAR_ROWS(5)
                    LINEAR_ROWS(6)
                }
            }
            store_tile(&a, acc, row, R, v / RS_PANEL, 1);
        }
    }
}

const rs_kernels RS_KERNEL_TABLE = {
    RS_KERNEL_ISA, dense_f32, dense_f16, dense_i8, linear, mix, exp_shift, sum_exp, additive_score, gru_update,
    halves_to_floats,
};
