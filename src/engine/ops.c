#define _GNU_SOURCE /* sched_getaffinity */
#include "ops.h"

#include <math.h>
#include <sched.h>
#include <stdbool.h>
#include <stdlib.h>

#include "kernels.h"
#include "pool.h"

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
    double sum = rs_kernels_active()->exp_shift(x, n, m);
    float inv = (float)(1.0 / sum);
    for (size_t i = 0; i < n; i++)
        x[i] *= inv;
}

void rs_log_softmax(float *x, size_t n)
{
    if (n == 0)
        return;
    float m = max_of(x, n);
    /* (x - max) - log(sum), in that order as PyTorch does: x - max is exact for the large values, so the
     * result keeps its precision far below the max */
    float log_sum = (float)log(rs_kernels_active()->sum_exp(x, n, m));
    for (size_t i = 0; i < n; i++)
        x[i] = (x[i] - m) - log_sum;
}

void rs_linear(float *out, size_t ld_out, const float *in, size_t ld_in, int n, const float *weight, int out_dim,
               int in_dim, const float *bias)
{
    if (n <= 0 || out_dim <= 0)
        return;
    rs_kernels_active()->linear(out, ld_out, in, ld_in, n, weight, out_dim, in_dim, bias);
}

void rs_linear_accumulate(float *out, size_t ld_out, const float *in, size_t ld_in, int n, const float *weight,
                          int out_dim, int in_dim, float *scratch)
{
    size_t m = (size_t)out_dim;
    rs_linear(scratch, m, in, ld_in, n, weight, out_dim, in_dim, NULL);
    for (size_t i = 0; i < (size_t)n; i++)
        for (size_t c = 0; c < m; c++)
            out[i * ld_out + c] += scratch[i * m + c];
}

void rs_matmul(float *out, size_t ld_out, const float *a, size_t ld_a, const float *b, size_t ld_b, int n, int k,
               int m)
{
    const rs_kernels *kernels = rs_kernels_active();
    for (int i = 0; i < n && m > 0; i++)
        kernels->mix(out + (size_t)i * ld_out, a + (size_t)i * ld_a, k, b, ld_b, m);
}

float rs_additive_score(const float *q, const float *k, const float *v, int n)
{
    return rs_kernels_active()->additive_score(q, k, v, n);
}

void rs_gru_cell(const float *gates_in, const float *gates_h, float *h, int hidden)
{
    rs_kernels_active()->gru_update(gates_in, gates_h, h, hidden);
}

void rs_halves_to_floats(const uint16_t *halves, float *out, size_t n)
{
    rs_kernels_active()->halves_to_floats(halves, out, n);
}

/* ---- threads ---- */

/* The threads of -t N, shared by every product of the process. */
static rs_pool *shared_pool;

/* Products smaller than this (multiply-adds) are not worth waking the other threads for. */
#define RS_PARALLEL_MIN_WORK 131072.0

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

typedef struct softmax_job {
    float *x;
    size_t n;
} softmax_job;

static void log_softmax_part(void *arg, int begin, int end)
{
    const softmax_job *j = arg;
    for (int i = begin; i < end; i++)
        rs_log_softmax(j->x + (size_t)i * j->n, j->n);
}

void rs_log_softmax_rows(float *x, int rows, size_t n)
{
    softmax_job job = {x, n};
    /* About 8 operations a value: the max, the exponentials and their sum, the subtraction. */
    rs_parallel_rows(log_softmax_part, &job, rows, 8.0 * rows * (double)n);
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

int rs_default_threads(void)
{
    cpu_set_t set;
    int cpus = sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set) : 1;
    return cpus < 1 ? 1 : cpus > RS_DEFAULT_THREADS_MAX ? RS_DEFAULT_THREADS_MAX : cpus;
}
