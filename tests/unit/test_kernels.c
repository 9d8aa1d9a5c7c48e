/* The kernels of kernels.h keep one order per output: a dense product equals a plain C chain of fmaf over k
 * ascending (then the bias) bit for bit, for every row count, stride, stored type (f32, f16) and table this
 * machine runs (portable, AVX2, AVX-512, and the portable vectors in AVX-512's tile shapes); every table gives the same bits for every kernel (int8 and the
 * element-wise functions included); threads change nothing; rs_matmul is one FMA chain per output. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dense.h"
#include "kernels.h"
#include "ops.h"

static float rnd(unsigned *s)
{
    *s = *s * 1664525u + 1013904223u;
    return (float)((*s >> 9) & 0x7fff) / 16384.0f - 1.0f;
}

/* kernels.h's order: one FMA chain over k ascending, then the bias. */
static float reference_dot(const float *x, const float *w, int in_dim, const float *bias)
{
    float sum = 0.0f;
    for (int k = 0; k < in_dim; k++)
        sum = fmaf(x[k], w[k], sum);
    return bias ? sum + *bias : sum;
}

static bool same_bits(float a, float b)
{
    return memcmp(&a, &b, sizeof a) == 0;
}

/* portable-wide: the portable vectors in AVX-512's tile shapes, so every machine checks those tiling paths */
static const char *const ISAS[] = {"portable", "portable-wide", "avx2", "avx512"};
enum { ISA_COUNT = 4, MAX_ROWS = 70, MAX_IN = 130, MAX_OUT = 37 };

/* Runs the layer's product with the table `k` on one thread. */
static void dense_with(const rs_kernels *k, float *out, size_t ld_out, const float *in, size_t ld_in, int n,
                       const rs_dense_layer *l)
{
    rs_dense_args a = {out, ld_out, in, ld_in, n, l->out_dim, l->in_dim, l->packed, l->scale, l->bias};
    int panels = (l->out_dim + RS_PANEL - 1) / RS_PANEL;
    (l->dtype == RS_DTYPE_F32 ? k->dense_f32 : l->dtype == RS_DTYPE_F16 ? k->dense_f16 : k->dense_i8)(&a, 0, panels);
}

static void check_against_reference(const rs_kernels *k, const float *w, float *b, int out_dim, int in_dim,
                                    rs_dtype dtype, const float *in, size_t ld_in, float *out, size_t ld_out)
{
    rs_dense_layer layer = {0};
    rs_error err;
    assert_int_equal(rs_dense_pack(&layer, w, out_dim, in_dim, &err), 0);
    assert_int_equal(layer.dtype, dtype);
    for (int n = 1; n <= MAX_ROWS; n += n < 20 ? 1 : 7)
        for (int with_bias = 0; with_bias < 2; with_bias++) {
            layer.bias = with_bias ? b : NULL;
            dense_with(k, out, ld_out, in, ld_in, n, &layer);
            for (int i = 0; i < n; i++)
                for (int v = 0; v < out_dim; v++) {
                    float want = reference_dot(in + (size_t)i * ld_in, w + (size_t)v * (size_t)in_dim, in_dim,
                                               with_bias ? b + v : NULL);
                    if (!same_bits(out[(size_t)i * ld_out + (size_t)v], want))
                        fail_msg("%s in %d out %d n %d bias %d [%d, %d]: %a vs %a", k->isa, in_dim, out_dim, n,
                                 with_bias, i, v, (double)out[(size_t)i * ld_out + (size_t)v], (double)want);
                }
        }
    rs_dense_free(&layer);
}

static void test_dense_equals_reference_for_every_row_count_and_table(void **state)
{
    (void)state;
    static const int IN[] = {1, 7, 15, 16, 17, 64, 130};
    static const int OUT[] = {1, 3, 16, 17, 37};
    unsigned s = 3;
    size_t ld_in = MAX_IN + 3, ld_out = MAX_OUT + 2;
    float *w = malloc(sizeof(float) * MAX_OUT * MAX_IN), *b = malloc(sizeof(float) * MAX_OUT);
    float *in = malloc(sizeof(float) * MAX_ROWS * ld_in), *out = malloc(sizeof(float) * MAX_ROWS * ld_out);
    for (int i = 0; i < MAX_OUT; i++)
        b[i] = rnd(&s);
    for (size_t i = 0; i < MAX_ROWS * ld_in; i++)
        in[i] = rnd(&s);
    for (int isa = 0; isa < ISA_COUNT; isa++) {
        const rs_kernels *k = rs_kernels_for(ISAS[isa]);
        if (!k)
            continue;
        for (int half = 0; half < 2; half++) {
            for (int i = 0; i < MAX_OUT * MAX_IN; i++) /* f16 values, or a third that no f16 is */
                w[i] = half ? (float)(int)(rnd(&s) * 1024) / 1024.0f : rnd(&s) / 3.0f;
            for (size_t a = 0; a < sizeof IN / sizeof *IN; a++)
                for (size_t c = 0; c < sizeof OUT / sizeof *OUT; c++)
                    check_against_reference(k, w, b, OUT[c], IN[a], half ? RS_DTYPE_F16 : RS_DTYPE_F32, in, ld_in,
                                            out, ld_out);
        }
    }
    free(w);
    free(b);
    free(in);
    free(out);
}

/* The same inputs through kernel `name` of every table: the same bits. */
#define SAME_IN_EVERY_TABLE(result, bytes, call)                                                               \
    do {                                                                                                       \
        const rs_kernels *first = NULL;                                                                        \
        unsigned char want[bytes];                                                                             \
        for (int isa_ = 0; isa_ < ISA_COUNT; isa_++) {                                                         \
            const rs_kernels *k = rs_kernels_for(ISAS[isa_]);                                                  \
            if (!k)                                                                                            \
                continue;                                                                                      \
            call;                                                                                              \
            if (!first) {                                                                                      \
                first = k;                                                                                     \
                memcpy(want, result, bytes);                                                                   \
            } else if (memcmp(want, result, bytes) != 0) {                                                     \
                fail_msg("%s differs between %s and %s", #call, first->isa, k->isa);                           \
            }                                                                                                  \
        }                                                                                                      \
    } while (0)

static void test_every_table_gives_the_same_bits(void **state)
{
    (void)state;
    enum { N = 23, OUT = 45, IN = 83, LONG = 1000 };
    unsigned s = 9;
    float w[OUT * IN], b[OUT], in[N * IN], out[N * OUT], x[LONG], y[LONG], h[LONG], gates[2 * 3 * 40];
    uint16_t halves[LONG];
    for (int i = 0; i < OUT * IN; i++)
        w[i] = rnd(&s);
    for (int i = 0; i < OUT; i++)
        b[i] = rnd(&s);
    for (int i = 0; i < N * IN; i++)
        in[i] = 4 * rnd(&s);
    for (int i = 0; i < LONG; i++) {
        x[i] = 30 * rnd(&s); /* tanh and exp over their whole ranges */
        halves[i] = (uint16_t)(s >> 7);
        if ((halves[i] & 0x7c00) == 0x7c00) /* finite (as the loader requires): F16C quiets NaNs */
            halves[i] &= 0xbfff;
    }
    for (int i = 0; i < 2 * 3 * 40; i++)
        gates[i] = 6 * rnd(&s);
    rs_dense_layer layer = {0};
    rs_error err;
    assert_int_equal(rs_dense_pack(&layer, w, OUT, IN, &err), 0);
    layer.bias = b;
    SAME_IN_EVERY_TABLE(out, sizeof out, dense_with(k, out, OUT, in, IN, N, &layer));
    assert_int_equal(rs_dense_quantize(&layer, &err), 0);
    SAME_IN_EVERY_TABLE(out, sizeof out, dense_with(k, out, OUT, in, IN, N, &layer));
    rs_dense_free(&layer);
    SAME_IN_EVERY_TABLE(out, sizeof out, k->linear(out, OUT, in, IN, N, w, OUT, IN, b));
    SAME_IN_EVERY_TABLE(out, sizeof(float) * 150, k->mix(out, in, 20, w, 150, 150));
    double sum;
    for (int n = 1; n < LONG; n += 111) {
        SAME_IN_EVERY_TABLE(y, sizeof y, (memcpy(y, x, sizeof y), sum = k->exp_shift(y, (size_t)n, 3.0f),
                                          y[LONG - 1] = (float)sum));
        SAME_IN_EVERY_TABLE(&sum, sizeof sum, sum = k->sum_exp(x, (size_t)n, 30.0f));
        SAME_IN_EVERY_TABLE(y, sizeof(float), y[0] = k->additive_score(x, x + 1, x + 2, n < 500 ? n : 500));
        SAME_IN_EVERY_TABLE(y, sizeof y, k->halves_to_floats(halves, y, (size_t)n));
    }
    for (int hidden = 1; hidden <= 40; hidden += 13)
        SAME_IN_EVERY_TABLE(h, sizeof(float) * 40, (memcpy(h, x, sizeof(float) * 40),
                                                    k->gru_update(gates, gates + 3 * 40, h, hidden)));
}

static void test_int8_is_close_and_batch_independent(void **state)
{
    (void)state;
    enum { N = 13, OUT = 70, IN = 301 };
    unsigned s = 17;
    float *w = malloc(sizeof(float) * OUT * IN), in[N * IN], exact[N * OUT], one[N * OUT], all[N * OUT];
    for (int i = 0; i < OUT * IN; i++)
        w[i] = rnd(&s) * (1 + i % 7);
    for (int i = 0; i < N * IN; i++)
        in[i] = rnd(&s);
    rs_dense_layer layer = {0};
    rs_error err;
    assert_int_equal(rs_dense_pack(&layer, w, OUT, IN, &err), 0);
    rs_dense(exact, in, N, &layer);
    assert_int_equal(rs_dense_quantize(&layer, &err), 0);
    assert_int_equal(layer.dtype, RS_DTYPE_I8);
    assert_true(rs_dense_bytes(&layer) < (size_t)OUT * IN * 2);
    rs_dense(all, in, N, &layer);
    for (int i = 0; i < N; i++)
        rs_dense(one + i * OUT, in + i * IN, 1, &layer);
    assert_memory_equal(one, all, sizeof one);
    double err_sum = 0, norm = 0;
    for (int i = 0; i < N * OUT; i++) {
        err_sum += fabs((double)all[i] - exact[i]);
        norm += fabs((double)exact[i]);
    }
    if (err_sum > 0.01 * norm) /* int8 weights: about 0.4% of each row's largest value */
        fail_msg("int8 mean error %g of mean size %g", err_sum / (N * OUT), norm / (N * OUT));
    float row[IN];
    rs_dense_row(&layer, 5, row);
    for (int k = 0; k < IN; k++)
        assert_true(fabsf(row[k] - w[5 * IN + k]) <= fabsf(layer.scale[5]) / 2 * 1.0001f);
    rs_dense_free(&layer);
    free(w);
}

static void test_packing_keeps_the_stored_precision(void **state)
{
    (void)state;
    float w[6] = {1.0f, -2.0f, 0x1p-24f, 65504.0f, 0.5f, -0.0f}, row[3];
    rs_dense_layer layer = {0};
    rs_error err;
    assert_int_equal(rs_dense_pack(&layer, w, 2, 3, &err), 0);
    assert_int_equal(layer.dtype, RS_DTYPE_F16);
    assert_int_equal(rs_dense_bytes(&layer), RS_PANEL * 3 * sizeof(uint16_t));
    rs_dense_row(&layer, 1, row);
    assert_memory_equal(row, w + 3, sizeof row);
    w[4] = 0x1p-25f; /* below f16's smallest subnormal */
    assert_int_equal(rs_dense_pack(&layer, w, 2, 3, &err), 0);
    assert_int_equal(layer.dtype, RS_DTYPE_F32);
    w[4] = 65520.0f; /* past f16's largest */
    assert_int_equal(rs_dense_pack(&layer, w, 2, 3, &err), 0);
    assert_int_equal(layer.dtype, RS_DTYPE_F32);
    rs_dense_row(&layer, 1, row);
    assert_memory_equal(row, w + 3, sizeof row);
    rs_dense_free(&layer);
}

static void test_threads_give_the_same_bits(void **state)
{
    (void)state;
    int out_dim = 1003, in_dim = 301, n = 9;
    unsigned s = 21;
    float *w = malloc(sizeof(float) * (size_t)out_dim * (size_t)in_dim), *bias = malloc(sizeof(float) * (size_t)out_dim);
    float *in = malloc(sizeof(float) * (size_t)(n * in_dim));
    float *one = malloc(sizeof(float) * (size_t)(n * out_dim)), *more = malloc(sizeof(float) * (size_t)(n * out_dim));
    for (size_t i = 0; i < (size_t)out_dim * (size_t)in_dim; i++)
        w[i] = rnd(&s);
    for (int i = 0; i < out_dim; i++)
        bias[i] = rnd(&s);
    for (int i = 0; i < n * in_dim; i++)
        in[i] = rnd(&s);
    rs_dense_layer layer = {.bias = bias};
    rs_error err;
    assert_int_equal(rs_dense_pack(&layer, w, out_dim, in_dim, &err), 0);
    /* The repeats give the threads other schedules; valgrind (make check-valgrind sets RNNSEARCH_TEST_WRAPPER)
     * runs one thread at a time, so there two check its memory, and 45 s of its time go. */
    const char *wrapper = getenv("RNNSEARCH_TEST_WRAPPER");
    int repeats = wrapper && *wrapper ? 2 : 20;
    for (int quantized = 0; quantized < 2; quantized++) {
        if (quantized)
            assert_int_equal(rs_dense_quantize(&layer, &err), 0);
        for (int rows = 1; rows <= n; rows += 4) {
            rs_set_threads(1);
            rs_dense(one, in, rows, &layer);
            for (int threads = 2; threads <= 4; threads++) {
                rs_set_threads(threads);
                for (int repeat = 0; repeat < repeats; repeat++) {
                    memset(more, 0, sizeof(float) * (size_t)(n * out_dim));
                    rs_dense(more, in, rows, &layer);
                    assert_memory_equal(one, more, sizeof(float) * (size_t)(rows * out_dim));
                }
            }
        }
    }
    rs_set_threads(1);
    rs_dense_free(&layer);
    free(w);
    free(bias);
    free(in);
    free(one);
    free(more);
}

static void test_matmul_is_one_chain_per_output(void **state)
{
    (void)state;
    unsigned s = 5;
    enum { N = 9, K = 23, M = 150 };
    float a[N * K], b[K * (M + 5)], out[N * (M + 1)];
    for (int i = 0; i < N * K; i++)
        a[i] = rnd(&s);
    for (int i = 0; i < K * (M + 5); i++)
        b[i] = rnd(&s);
    for (int m = 1; m <= M; m += 7)
        for (int n = 1; n <= N; n++) {
            rs_matmul(out, M + 1, a, K, b, M + 5, n, K, m);
            for (int i = 0; i < n; i++)
                for (int c = 0; c < m; c++) {
                    float want = 0.0f;
                    for (int j = 0; j < K; j++)
                        want = fmaf(a[i * K + j], b[j * (M + 5) + c], want);
                    if (!same_bits(out[i * (M + 1) + c], want))
                        fail_msg("m %d n %d [%d, %d]", m, n, i, c);
                }
        }
}

static void test_dispatch(void **state)
{
    (void)state;
    assert_non_null(rs_kernels_for("portable"));
    assert_null(rs_kernels_for("sse9"));
    const rs_kernels *active = rs_kernels_active();
    assert_ptr_equal(active, rs_kernels_for(active->isa));
    assert_true(rs_default_threads() >= 1 && rs_default_threads() <= RS_DEFAULT_THREADS_MAX);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dense_equals_reference_for_every_row_count_and_table),
        cmocka_unit_test(test_every_table_gives_the_same_bits),
        cmocka_unit_test(test_int8_is_close_and_batch_independent),
        cmocka_unit_test(test_packing_keeps_the_stored_precision),
        cmocka_unit_test(test_threads_give_the_same_bits),
        cmocka_unit_test(test_matmul_is_one_chain_per_output),
        cmocka_unit_test(test_dispatch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
