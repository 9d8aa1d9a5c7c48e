#include "ops.h"

#include <math.h>
#include <string.h>

#include <cblas.h>

#include "simd.h"

/* Rows from which one sgemm beats the AVX2 kernel (which streams the weights once, where
 * OpenBLAS repacks them on every call). */
#define RS_SGEMM_MIN_ROWS 13

float rs_sigmoid(float x)
{
    return 1.0f / (1.0f + expf(-x));
}

static float max_of(const float *x, size_t n)
{
    float m = x[0];
    for (size_t i = 1; i < n; i++)
        if (x[i] > m)
            m = x[i];
    return m;
}

void rs_softmax(float *x, size_t n)
{
    if (n == 0)
        return;
    float m = max_of(x, n);
    double sum = 0.0;
    if (rs_simd_available()) {
        sum = rs_simd_exp_shift(x, n, m);
    } else {
        for (size_t i = 0; i < n; i++) {
            x[i] = expf(x[i] - m);
            sum += x[i];
        }
    }
    float inv = (float)(1.0 / sum);
    for (size_t i = 0; i < n; i++)
        x[i] *= inv;
}

void rs_log_softmax(float *x, size_t n)
{
    if (n == 0)
        return;
    if (rs_simd_available()) {
        rs_simd_log_softmax(x, n);
        return;
    }
    float m = max_of(x, n);
    double sum = 0.0;
    for (size_t i = 0; i < n; i++)
        sum += expf(x[i] - m);
    /* (x - max) - log(sum), in that order as PyTorch does: x - max is exact for the large values, so the
     * result keeps its precision far below the max */
    float log_sum = (float)log(sum);
    for (size_t i = 0; i < n; i++)
        x[i] = (x[i] - m) - log_sum;
}

void rs_linear(float *out, size_t ld_out, const float *in, size_t ld_in, int n, const float *weight, int out_dim,
               int in_dim, const float *bias)
{
    if (n <= 0 || out_dim <= 0)
        return;
    if (in_dim > 0 && n > 1 && n < RS_SGEMM_MIN_ROWS && rs_simd_available()) {
        rs_simd_linear(out, ld_out, in, ld_in, n, weight, out_dim, in_dim, bias);
        return;
    }
    float beta = 0.0f;
    if (bias) {
        for (int i = 0; i < n; i++)
            memcpy(out + (size_t)i * ld_out, bias, (size_t)out_dim * sizeof *out);
        beta = 1.0f;
    }
    if (in_dim <= 0) {
        if (!bias)
            for (int i = 0; i < n; i++)
                memset(out + (size_t)i * ld_out, 0, (size_t)out_dim * sizeof *out);
        return;
    }
    if (n == 1)
        cblas_sgemv(CblasRowMajor, CblasNoTrans, out_dim, in_dim, 1.0f, weight, in_dim, in, 1, beta, out, 1);
    else
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, out_dim, in_dim, 1.0f, in, (int)ld_in, weight,
                    in_dim, beta, out, (int)ld_out);
}

void rs_matmul(float *out, size_t ld_out, const float *a, size_t ld_a, const float *b, size_t ld_b, int n, int k,
               int m)
{
    if (n <= 0 || m <= 0)
        return;
    if (n == 1)
        cblas_sgemv(CblasRowMajor, CblasTrans, k, m, 1.0f, b, (int)ld_b, a, 1, 0.0f, out, 1);
    else
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, m, k, 1.0f, a, (int)ld_a, b, (int)ld_b, 0.0f, out,
                    (int)ld_out);
}

void rs_set_threads(int threads)
{
    openblas_set_num_threads(threads);
}
