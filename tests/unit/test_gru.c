/* The GRU layer and the linear kernels under it: hand-computed values, torch.nn.GRU's gate layout, every row
 * count (kernel tiles and tails) against a plain double-precision loop. test_kernels.c checks the bits. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "gru.h"
#include "ops.h"

/* A layer of the given weights, packed as the loader packs them (dense.h). */
static rs_gru_layer make_layer(int I, int H, const float *w_ih, const float *w_hh, float *b_ih, float *b_hh)
{
    rs_gru_layer layer = {I, H, {.bias = b_ih}, {.bias = b_hh}};
    rs_error err;
    assert_int_equal(rs_dense_pack(&layer.input, w_ih, 3 * H, I, &err), 0);
    assert_int_equal(rs_dense_pack(&layer.hidden, w_hh, 3 * H, H, &err), 0);
    return layer;
}

static void free_layer(rs_gru_layer *layer)
{
    rs_dense_free(&layer->input);
    rs_dense_free(&layer->hidden);
}

static void test_hand_computed_steps(void **state)
{
    (void)state;
    /* input and hidden size 1: rows are the r, z, n gates. Expected values computed by hand (in double):
     * r = s(0.5 x + 0.1 + 0.2 h), z = s(-0.3 x + 0.4 h + 0.2), n = tanh(0.8 x - 0.1 + r (-0.6 h + 0.3)). */
    float w_ih[3] = {0.5f, -0.3f, 0.8f}, w_hh[3] = {0.2f, 0.4f, -0.6f};
    float b_ih[3] = {0.1f, 0.0f, -0.1f}, b_hh[3] = {0.0f, 0.2f, 0.3f};
    rs_gru_layer layer = make_layer(1, 1, w_ih, w_hh, b_ih, b_hh);
    float x[2] = {1.0f, -2.0f}, gates[6], out[2], scratch[3];
    float h = 0.5f;
    rs_gru_input_gates(&layer, x, 1, 2, gates);
    rs_gru_sequence(&layer, gates, 2, false, &h, out, 1, scratch);
    assert_float_equal(out[0], 0.549576866287212, 1e-6);
    assert_float_equal(out[1], 0.15566093299957645, 1e-6);
    assert_float_equal(h, out[1], 0.0);

    /* backwards: position 1 first, then position 0; out[t] is the state after position t */
    h = 0.5f;
    rs_gru_sequence(&layer, gates, 2, true, &h, out, 1, scratch);
    float h1 = out[1];
    h = 0.5f;
    rs_gru_step(&layer, gates + 3, &h, 1, scratch);
    assert_float_equal(h1, h, 0.0);
    rs_gru_step(&layer, gates, &h, 1, scratch);
    assert_float_equal(out[0], h, 0.0);
    free_layer(&layer);
}

static float rnd(unsigned *s)
{
    *s = *s * 1664525u + 1013904223u;
    return (float)((*s >> 9) & 0x7fff) / 32768.0f - 0.5f;
}

static double sig(double x) { return 1.0 / (1.0 + exp(-x)); }

/* One step of n rows in double. */
static void naive_step(const rs_gru_layer *l, const float *x, const float *h, int n, double *out)
{
    int H = l->hidden_size, I = l->input_size;
    float w_ih[64], w_hh[64];
    for (int i = 0; i < n; i++)
        for (int k = 0; k < H; k++) {
            double gi[3], gh[3];
            for (int g = 0; g < 3; g++) {
                int row = g * H + k;
                gi[g] = l->input.bias[row];
                gh[g] = l->hidden.bias[row];
                rs_dense_row(&l->input, row, w_ih);
                rs_dense_row(&l->hidden, row, w_hh);
                for (int j = 0; j < I; j++)
                    gi[g] += (double)w_ih[j] * x[(size_t)i * I + j];
                for (int j = 0; j < H; j++)
                    gh[g] += (double)w_hh[j] * h[(size_t)i * H + j];
            }
            double r = sig(gi[0] + gh[0]), z = sig(gi[1] + gh[1]);
            double nn = tanh(gi[2] + r * gh[2]);
            out[(size_t)i * H + k] = (1 - z) * nn + z * h[(size_t)i * H + k];
        }
}

static void test_rows_match_naive(void **state)
{
    (void)state;
    unsigned s = 11;
    int I = 13, H = 21;
    float *w_ih = malloc(sizeof(float) * 3 * H * I), *w_hh = malloc(sizeof(float) * 3 * H * H);
    float b_ih[63], b_hh[63];
    for (int i = 0; i < 3 * H * I; i++)
        w_ih[i] = 2 * rnd(&s);
    for (int i = 0; i < 3 * H * H; i++)
        w_hh[i] = 2 * rnd(&s);
    for (int i = 0; i < 3 * H; i++) {
        b_ih[i] = rnd(&s);
        b_hh[i] = rnd(&s);
    }
    rs_gru_layer layer = make_layer(I, H, w_ih, w_hh, b_ih, b_hh);
    enum { MAXN = 20 };
    float x[MAXN * 13], h[MAXN * 21], gates[MAXN * 63], scratch[MAXN * 63];
    double expected[MAXN * 21];
    for (int n = 1; n <= MAXN; n++) { /* every tile size and tail of the kernels */
        for (int i = 0; i < n * I; i++)
            x[i] = rnd(&s);
        for (int i = 0; i < n * H; i++)
            h[i] = rnd(&s);
        naive_step(&layer, x, h, n, expected);
        rs_gru_input_gates(&layer, x, (size_t)I, n, gates);
        rs_gru_step(&layer, gates, h, n, scratch);
        for (int i = 0; i < n * H; i++)
            if (fabs(h[i] - expected[i]) > 2e-6)
                fail_msg("n=%d, value %d: %g vs %g", n, i, h[i], expected[i]);
    }
    free_layer(&layer);
    free(w_ih);
    free(w_hh);
}

static void test_linear_paths(void **state)
{
    (void)state;
    unsigned s = 5;
    int in_dim = 37, out_dim = 29, ld_in = 40, ld_out = 31;
    float w[29 * 37], b[29], in[24 * 40], out[24 * 31];
    for (int i = 0; i < out_dim * in_dim; i++)
        w[i] = rnd(&s);
    for (int i = 0; i < out_dim; i++)
        b[i] = rnd(&s);
    for (int i = 0; i < 24 * ld_in; i++)
        in[i] = rnd(&s);
    for (int n = 1; n <= 24; n++)
        for (int with_bias = 0; with_bias < 2; with_bias++) {
            for (int i = 0; i < 24 * ld_out; i++)
                out[i] = 1234.0f; /* must be overwritten, not accumulated into */
            rs_linear(out, (size_t)ld_out, in, (size_t)ld_in, n, w, out_dim, in_dim, with_bias ? b : NULL);
            for (int i = 0; i < n; i++)
                for (int v = 0; v < out_dim; v++) {
                    double e = with_bias ? b[v] : 0.0;
                    for (int k = 0; k < in_dim; k++)
                        e += (double)w[v * in_dim + k] * in[i * ld_in + k];
                    if (fabs(out[i * ld_out + v] - e) > 1e-5)
                        fail_msg("n=%d bias=%d [%d,%d]: %g vs %g", n, with_bias, i, v, out[i * ld_out + v], e);
                }
            assert_true(out[(n - 1) * ld_out + out_dim] == 1234.0f); /* the gap between rows is untouched */
        }
}

static void test_softmax(void **state)
{
    (void)state;
    for (size_t n = 1; n <= 40; n += 3) {
        float x[40], y[40];
        double sum = 0, max = -1e30;
        for (size_t i = 0; i < n; i++) {
            x[i] = y[i] = (float)(i * 7 % 11) * 3.0f - 1000.0f; /* large values: must not overflow */
            if (x[i] > max)
                max = x[i];
        }
        for (size_t i = 0; i < n; i++)
            sum += exp(x[i] - max);
        rs_softmax(x, n);
        rs_log_softmax(y, n);
        double total = 0;
        for (size_t i = 0; i < n; i++) {
            double p = exp((double)((float)(i * 7 % 11) * 3.0f - 1000.0f) - max) / sum;
            assert_float_equal(x[i], p, 1e-6);
            assert_float_equal(y[i], log(p), 1e-5);
            total += x[i];
        }
        assert_float_equal(total, 1.0, 1e-6);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hand_computed_steps),
        cmocka_unit_test(test_rows_match_naive),
        cmocka_unit_test(test_linear_paths),
        cmocka_unit_test(test_softmax),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
