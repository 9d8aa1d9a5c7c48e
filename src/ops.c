#include "ops.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pool.h"
#include "simd.h"

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

/* ---- the linear kernel: one order for every row ---- */

typedef enum kernel_level { LEVEL_SCALAR, LEVEL_AVX2, LEVEL_AVX512 } kernel_level;

static kernel_level level(void)
{
    if (rs_simd_avx512_available())
        return LEVEL_AVX512;
    return rs_simd_available() ? LEVEL_AVX2 : LEVEL_SCALAR;
}

/* a * b + c, in one rounding where the machine has an FMA instruction (as the SIMD kernels do). */
static inline float madd(float a, float b, float c)
{
#ifdef FP_FAST_FMAF
    return fmaf(a, b, c);
#else
    return a * b + c;
#endif
}

/* in . w in the order of ops.h: 16 lane sums, then the fixed tree. */
static float dot16(const float *in, const float *w, int in_dim)
{
    float lane[16] = {0};
    for (int k = 0; k < in_dim; k++)
        lane[k & 15] = madd(in[k], w[k], lane[k & 15]);
    for (int l = 0; l < 8; l++)
        lane[l] = lane[l] + lane[l + 8];
    for (int l = 0; l < 4; l++)
        lane[l] = lane[l] + lane[l + 4];
    for (int l = 0; l < 2; l++)
        lane[l] = lane[l] + lane[l + 2];
    return lane[0] + lane[1];
}

static void linear_scalar(float *out, size_t ld_out, const float *in, size_t ld_in, int n, const float *weight,
                          int v_begin, int v_end, int in_dim, const float *bias)
{
    for (int v = v_begin; v < v_end; v++) {
        const float *w = weight + (size_t)v * (size_t)in_dim;
        for (int i = 0; i < n; i++) {
            float sum = dot16(in + (size_t)i * ld_in, w, in_dim);
            out[(size_t)i * ld_out + (size_t)v] = bias ? sum + bias[v] : sum;
        }
    }
}

typedef struct linear_job {
    float *out;
    size_t ld_out;
    const float *in;
    size_t ld_in;
    int n;
    const float *weight;
    const uint16_t *weight_half;
    int out_dim;
    int in_dim;
    const float *bias;
    kernel_level level;
} linear_job;

static void linear_range(const linear_job *j, int v_begin, int v_end)
{
    if (v_begin >= v_end)
        return;
    switch (j->level) {
    case LEVEL_AVX512:
        if (j->weight_half)
            rs_simd_linear_avx512_half(j->out, j->ld_out, j->in, j->ld_in, j->n, j->weight_half, v_begin, v_end,
                                       j->in_dim, j->bias);
        else
            rs_simd_linear_avx512(j->out, j->ld_out, j->in, j->ld_in, j->n, j->weight, v_begin, v_end, j->in_dim,
                                  j->bias);
        break;
    case LEVEL_AVX2:
        rs_simd_linear_avx2(j->out, j->ld_out, j->in, j->ld_in, j->n, j->weight, v_begin, v_end, j->in_dim, j->bias);
        break;
    case LEVEL_SCALAR:
        linear_scalar(j->out, j->ld_out, j->in, j->ld_in, j->n, j->weight, v_begin, v_end, j->in_dim, j->bias);
        break;
    }
}

/* Part `part` is a share of the weight rows, in blocks of 8 so that every share but the last keeps the
 * kernels' widest tiles. Which thread computes an output changes nothing in it. */
static void linear_part(void *arg, int part, int parts)
{
    const linear_job *j = arg;
    int blocks = (j->out_dim + 7) / 8;
    int b0 = (int)((long long)blocks * part / parts), b1 = (int)((long long)blocks * (part + 1) / parts);
    int v0 = b0 * 8 < j->out_dim ? b0 * 8 : j->out_dim, v1 = b1 * 8 < j->out_dim ? b1 * 8 : j->out_dim;
    linear_range(j, v0, v1);
}

/* Products smaller than this (multiply-adds) are not worth waking the other threads for. */
#define RS_PARALLEL_MIN_WORK 131072.0

void rs_linear_pool(rs_pool *pool, float *out, size_t ld_out, const float *in, size_t ld_in, int n,
                    const float *weight, const uint16_t *weight_half, int out_dim, int in_dim, const float *bias)
{
    if (n <= 0 || out_dim <= 0)
        return;
    if (in_dim <= 0) {
        for (int i = 0; i < n; i++)
            for (int v = 0; v < out_dim; v++)
                out[(size_t)i * ld_out + (size_t)v] = bias ? bias[v] : 0.0f;
        return;
    }
    kernel_level lv = level();
    linear_job job = {out, ld_out, in, ld_in, n, weight, lv == LEVEL_AVX512 ? weight_half : NULL, out_dim, in_dim,
                      bias, lv};
    if (pool && rs_pool_threads(pool) > 1 && (double)n * out_dim * in_dim >= RS_PARALLEL_MIN_WORK && out_dim >= 16)
        rs_pool_run(pool, linear_part, &job, 4 * rs_pool_threads(pool));
    else
        linear_range(&job, 0, out_dim);
}

/* The threads of -t N, shared by every product of the process (as a BLAS library's thread setting is). */
static rs_pool *shared_pool;

void rs_linear(float *out, size_t ld_out, const float *in, size_t ld_in, int n, const float *weight, int out_dim,
               int in_dim, const float *bias)
{
    rs_linear_pool(shared_pool, out, ld_out, in, ld_in, n, weight, NULL, out_dim, in_dim, bias);
}

void rs_linear_h(float *out, size_t ld_out, const float *in, size_t ld_in, int n, const float *weight,
                 const uint16_t *weight_half, int out_dim, int in_dim, const float *bias)
{
    rs_linear_pool(shared_pool, out, ld_out, in, ld_in, n, weight, weight_half, out_dim, in_dim, bias);
}

bool rs_linear_reads_halves(void)
{
    return level() == LEVEL_AVX512 && rs_simd_f16c_available();
}

bool rs_to_halves(const float *x, size_t n, uint16_t *out)
{
    return rs_simd_f16c_available() && rs_simd_to_halves(x, n, out);
}

void rs_matmul(float *out, size_t ld_out, const float *a, size_t ld_a, const float *b, size_t ld_b, int n, int k,
               int m)
{
    if (n <= 0 || m <= 0)
        return;
    kernel_level lv = level();
    for (int i = 0; i < n; i++) {
        float *o = out + (size_t)i * ld_out;
        const float *row = a + (size_t)i * ld_a;
        if (lv == LEVEL_AVX512) {
            rs_simd_mix_avx512(o, row, k, b, ld_b, m);
        } else if (lv == LEVEL_AVX2) {
            rs_simd_mix_avx2(o, row, k, b, ld_b, m);
        } else {
            for (int c = 0; c < m; c++)
                o[c] = 0.0f;
            for (int j = 0; j < k; j++)
                for (int c = 0; c < m; c++)
                    o[c] = madd(row[j], b[(size_t)j * ld_b + (size_t)c], o[c]);
        }
    }
}

typedef struct rows_job {
    rs_rows_fn fn;
    void *arg;
    int rows;
} rows_job;

static void rows_part(void *arg, int part, int parts)
{
    const rows_job *j = arg;
    int begin = (int)((long long)j->rows * part / parts), end = (int)((long long)j->rows * (part + 1) / parts);
    if (begin < end)
        j->fn(j->arg, begin, end);
}

void rs_parallel_rows(rs_rows_fn fn, void *arg, int rows, double cost)
{
    if (rows <= 0)
        return;
    int threads = rs_pool_threads(shared_pool);
    if (threads > 1 && rows > 1 && cost >= RS_PARALLEL_MIN_WORK) {
        rows_job job = {fn, arg, rows};
        rs_pool_run(shared_pool, rows_part, &job, rows < 4 * threads ? rows : 4 * threads);
    } else {
        fn(arg, 0, rows);
    }
}

/* Joins the workers when the program ends, so that it ends with one thread and nothing left allocated. */
static void stop_threads(void)
{
    rs_pool_destroy(shared_pool);
    shared_pool = NULL;
}

void rs_set_threads(int threads)
{
    static bool registered;
    if (!registered)
        registered = atexit(stop_threads) == 0;
    rs_pool_destroy(shared_pool);
    shared_pool = NULL;
    if (threads > 1) {
        rs_error err;
        if (rs_pool_create(&shared_pool, threads, &err) < 0)
            shared_pool = NULL; /* one thread it is */
    }
}
