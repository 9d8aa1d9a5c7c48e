/* The numeric kernels behind one dispatch point: kernels.c is compiled once per instruction set (portable C,
 * AVX2 + FMA + F16C, AVX-512; see the Makefile) into tables of the same functions, and rs_kernels_active() hands
 * out the one this CPU runs best, chosen once. Everything else calls the kernels through ops.h and dense.h.
 *
 * One order of arithmetic per output, in every table: a dense product sums each output as one chain of
 * fused multiply-adds over k ascending (starting from zero), then adds the bias; int8 products sum exact
 * integers. Element-wise functions (exp, tanh, sigmoid) are the same polynomials everywhere, and sums over
 * a vector run in 16 lanes (lane l takes the elements i = l mod 16 in order) added by a fixed tree. So every
 * table gives the same bits, whatever the batch size, the thread count or the CPU: the instruction set
 * changes the speed, never the result. */
#ifndef RS_KERNELS_H
#define RS_KERNELS_H

#include <stddef.h>
#include <stdint.h>

/* Output rows per panel of packed weights: panel p holds rows [16 p, 16 p + 16) (zero rows past the end).
 * f32 and f16 panels hold, for each k in turn, the 16 rows' weights at k (k-major: a tile reads one
 * contiguous stretch); int8 panels hold, for each pair (k, k + 1), the 16 rows' two weights side by side. */
#define RS_PANEL 16

/* int8 layers have at most this many inputs (a tile's quantized inputs live on the stack); wider layers stay
 * in their stored precision (dense.h rs_dense_quantize). */
#define RS_I8_MAX_IN 4096

/* One dense product: out[i, v] = in_i . W_v (+ bias[v]) for rows i < n. */
typedef struct rs_dense_args {
    float *out;
    size_t ld_out;
    const float *in;
    size_t ld_in;
    int n;
    int out_dim;
    int in_dim;
    const void *packed;   /* the panels */
    const float *scale;   /* int8: each row's scale (W_v = scale[v] * q_v) */
    const float *bias;    /* [out_dim] or NULL */
} rs_dense_args;

typedef struct rs_kernels {
    const char *isa; /* "portable", "avx2" or "avx512" */
    /* The outputs of panels [panel_begin, panel_end), by the weights' stored type. */
    void (*dense_f32)(const rs_dense_args *args, int panel_begin, int panel_end);
    void (*dense_f16)(const rs_dense_args *args, int panel_begin, int panel_end);
    void (*dense_i8)(const rs_dense_args *args, int panel_begin, int panel_end);
    /* The dense product with W unpacked ([out_dim, in_dim] row-major): for matrices made while translating. */
    void (*linear)(float *out, size_t ld_out, const float *in, size_t ld_in, int n, const float *weight,
                   int out_dim, int in_dim, const float *bias);
    /* out[c] = sum over j < count of a[j] * m[j * ld_m + c] for c < width, one FMA chain in j order. */
    void (*mix)(float *out, const float *a, int count, const float *m, size_t ld_m, int width);
    /* x[i] = exp(x[i] - shift); returns the sum of the new x (in double, in the lane order above). */
    double (*exp_shift)(float *x, size_t n, float shift);
    /* The sum of exp(x[i] - shift), x unchanged (in double, in the lane order above). */
    double (*sum_exp)(const float *x, size_t n, float shift);
    /* v . tanh(q + k) over n floats (the additive attention score). */
    float (*additive_score)(const float *q, const float *k, const float *v, int n);
    /* The element-wise half of a GRU step for one row: gi, gh hold the r, z, n pre-activations (3H each). */
    void (*gru_update)(const float *gi, const float *gh, float *h, int hidden);
    /* out[i] = halves[i] widened (exact). */
    void (*halves_to_floats)(const uint16_t *halves, float *out, size_t n);
} rs_kernels;

/* The table this CPU runs best, chosen at the first call: avx512, avx2, else portable. The environment
 * variable RNNSEARCH_ISA (portable, avx2, avx512) asks for a lesser one, for testing that they agree. */
const rs_kernels *rs_kernels_active(void);

/* The table of instruction set `isa`, or NULL when this CPU or this build lacks it. "portable-wide" is the
 * portable table with AVX-512's tile shapes (kernels_wide.c), for tests only. */
const rs_kernels *rs_kernels_for(const char *isa);

#endif
