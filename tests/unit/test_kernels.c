/* The matrix kernels keep one order for every row (ops.h): each output of rs_linear equals a plain C
 * reference of that order bit for bit, whatever the number of rows, the row strides, the thread count, the
 * instruction set (AVX-512, AVX2, with f16 weight copies) - and rs_matmul is one FMA chain per output. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ops.h"
#include "simd.h"

static float rnd(unsigned *s)
{
    *s = *s * 1664525u + 1013904223u;
    return (float)((*s >> 9) & 0x7fff) / 16384.0f - 1.0f;
}

/* ops.h's order: 16 lanes of FMA chains in k order, the tree, then the bias. */
static float reference_dot(const float *x, const float *w, int in_dim, const float *bias)
{
    float lane[16] = {0};
    for (int k = 0; k < in_dim; k++)
        lane[k & 15] = fmaf(x[k], w[k], lane[k & 15]);
    for (int l = 0; l < 8; l++)
        lane[l] += lane[l + 8];
    for (int l = 0; l < 4; l++)
        lane[l] += lane[l + 4];
    for (int l = 0; l < 2; l++)
        lane[l] += lane[l + 2];
    float sum = lane[0] + lane[1];
    return bias ? sum + *bias : sum;
}

static bool same_bits(float a, float b)
{
    return memcmp(&a, &b, sizeof a) == 0;
}

enum { MAX_ROWS = 70, MAX_IN = 130, MAX_OUT = 29 };

static void test_linear_equals_reference_for_every_row_count(void **state)
{
    (void)state;
    if (!rs_simd_available())
        skip(); /* the scalar path uses FMA only where the machine has it */
    static const int IN[] = {1, 7, 15, 16, 17, 37, 64, 130};
    static const int OUT[] = {1, 3, 4, 8, 9, 29};
    unsigned s = 3;
    size_t ld_in = MAX_IN + 3, ld_out = MAX_OUT + 2;
    float *w = malloc(sizeof(float) * MAX_OUT * MAX_IN), *b = malloc(sizeof(float) * MAX_OUT);
    float *in = malloc(sizeof(float) * MAX_ROWS * ld_in), *out = malloc(sizeof(float) * MAX_ROWS * ld_out);
    for (int i = 0; i < MAX_OUT * MAX_IN; i++)
        w[i] = rnd(&s);
    for (int i = 0; i < MAX_OUT; i++)
        b[i] = rnd(&s);
    for (size_t i = 0; i < MAX_ROWS * ld_in; i++)
        in[i] = rnd(&s);
    for (size_t a = 0; a < sizeof IN / sizeof *IN; a++)
        for (size_t c = 0; c < sizeof OUT / sizeof *OUT; c++)
            for (int n = 1; n <= MAX_ROWS; n += n < 20 ? 1 : 7)
                for (int with_bias = 0; with_bias < 2; with_bias++) {
                    int in_dim = IN[a], out_dim = OUT[c];
                    rs_linear(out, ld_out, in, ld_in, n, w, out_dim, in_dim, with_bias ? b : NULL);
                    for (int i = 0; i < n; i++)
                        for (int v = 0; v < out_dim; v++) {
                            float want = reference_dot(in + (size_t)i * ld_in, w + (size_t)v * (size_t)in_dim, in_dim,
                                                       with_bias ? b + v : NULL);
                            if (!same_bits(out[(size_t)i * ld_out + (size_t)v], want))
                                fail_msg("in %d out %d n %d bias %d [%d, %d]: %a vs %a", in_dim, out_dim, n, with_bias,
                                         i, v, (double)out[(size_t)i * ld_out + (size_t)v], (double)want);
                        }
                }
    free(w);
    free(b);
    free(in);
    free(out);
}

/* The same product through every kernel the machine has, f16 weight copies included. */
static void test_every_kernel_gives_the_same_bits(void **state)
{
    (void)state;
    if (!rs_simd_available())
        skip();
    int out_dim = 45, in_dim = 83, n = 23;
    unsigned s = 9;
    float *w = malloc(sizeof(float) * (size_t)(out_dim * in_dim)), *in = malloc(sizeof(float) * (size_t)(n * in_dim));
    uint16_t *half = malloc(sizeof(uint16_t) * (size_t)(out_dim * in_dim));
    float *a = malloc(sizeof(float) * (size_t)(n * out_dim)), *b = malloc(sizeof(float) * (size_t)(n * out_dim));
    for (int i = 0; i < out_dim * in_dim; i++)
        w[i] = (float)(int)(rnd(&s) * 1024) / 1024.0f; /* exact in f16 */
    for (int i = 0; i < n * in_dim; i++)
        in[i] = rnd(&s);
    rs_simd_linear_avx2(a, (size_t)out_dim, in, (size_t)in_dim, n, w, 0, out_dim, in_dim, NULL);
    if (rs_simd_avx512_available()) {
        rs_simd_linear_avx512(b, (size_t)out_dim, in, (size_t)in_dim, n, w, 0, out_dim, in_dim, NULL);
        assert_memory_equal(a, b, sizeof(float) * (size_t)(n * out_dim));
        assert_true(rs_to_halves(w, (size_t)(out_dim * in_dim), half));
        memset(b, 0, sizeof(float) * (size_t)(n * out_dim));
        rs_simd_linear_avx512_half(b, (size_t)out_dim, in, (size_t)in_dim, n, half, 0, out_dim, in_dim, NULL);
        assert_memory_equal(a, b, sizeof(float) * (size_t)(n * out_dim));
    }
    memset(b, 0, sizeof(float) * (size_t)(n * out_dim));
    rs_linear_h(b, (size_t)out_dim, in, (size_t)in_dim, n, w, rs_to_halves(w, (size_t)(out_dim * in_dim), half) ? half : NULL,
                out_dim, in_dim, NULL);
    assert_memory_equal(a, b, sizeof(float) * (size_t)(n * out_dim));
    /* a value that is not an f16 value: no copy */
    w[17] = 1.0f / 3.0f;
    assert_false(rs_to_halves(w, (size_t)(out_dim * in_dim), half));
    free(w);
    free(in);
    free(half);
    free(a);
    free(b);
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
    for (int rows = 1; rows <= n; rows += 4) {
        rs_set_threads(1);
        rs_linear(one, (size_t)out_dim, in, (size_t)in_dim, rows, w, out_dim, in_dim, bias);
        for (int threads = 2; threads <= 4; threads++) {
            rs_set_threads(threads);
            for (int repeat = 0; repeat < 20; repeat++) {
                memset(more, 0, sizeof(float) * (size_t)(n * out_dim));
                rs_linear(more, (size_t)out_dim, in, (size_t)in_dim, rows, w, out_dim, in_dim, bias);
                assert_memory_equal(one, more, sizeof(float) * (size_t)(rows * out_dim));
            }
        }
    }
    rs_set_threads(1);
    free(w);
    free(bias);
    free(in);
    free(one);
    free(more);
}

static void test_matmul_is_one_chain_per_output(void **state)
{
    (void)state;
    if (!rs_simd_available())
        skip();
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_linear_equals_reference_for_every_row_count),
        cmocka_unit_test(test_every_kernel_gives_the_same_bits),
        cmocka_unit_test(test_threads_give_the_same_bits),
        cmocka_unit_test(test_matmul_is_one_chain_per_output),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
