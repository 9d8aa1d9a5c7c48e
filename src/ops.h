/* Numeric kernels: activations, (log-)softmax and the matrix products. Row-major float32 throughout. */
#ifndef RS_OPS_H
#define RS_OPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

float rs_sigmoid(float x);

/* In place over n values; max-subtracted so large logits do not overflow. */
void rs_softmax(float *x, size_t n);
void rs_log_softmax(float *x, size_t n);

/* out[i, :] = W . in[i, :] + bias for rows i < n, i.e. out = in W^T + bias, as torch.nn.Linear.
 * W is [out_dim, in_dim] row-major; in and out rows are ld_in / ld_out floats apart; bias may be NULL.
 *
 * One order for every row: each output is summed in 16 lanes, lane l accumulating in[k] * W[v, k] for
 * k = l (mod 16) in increasing k, one fused multiply-add per term (a multiply and an add where the machine has
 * no FMA); the lanes are then added as a fixed tree (l + (l + 8), then l + (l + 4), l + (l + 2), 0 + 1) and
 * the bias last. Every kernel (AVX-512, AVX2, scalar) and every tiling follows it, so an output does not
 * depend on how many rows are computed together, on which thread computes it, or on the instruction set:
 * translations are identical whatever the batch size and thread count. */
void rs_linear(float *out, size_t ld_out, const float *in, size_t ld_in, int n, const float *weight, int out_dim,
               int in_dim, const float *bias);

/* rs_linear with the weights also given as f16 (weight_half, or NULL): the same values, so the same outputs;
 * the kernels read the f16 copy where they can (half the memory traffic). */
void rs_linear_h(float *out, size_t ld_out, const float *in, size_t ld_in, int n, const float *weight,
                 const uint16_t *weight_half, int out_dim, int in_dim, const float *bias);

/* rs_linear_h with the given threads (NULL: the caller's alone). */
struct rs_pool;
void rs_linear_pool(struct rs_pool *pool, float *out, size_t ld_out, const float *in, size_t ld_in, int n,
                    const float *weight, const uint16_t *weight_half, int out_dim, int in_dim, const float *bias);

/* Whether the kernels read f16 weight copies on this machine (rs_linear_h), so that making them pays. */
bool rs_linear_reads_halves(void);

/* out[i] = x[i] as f16 for i < n if every x[i] is exactly an f16 value (then returns true), else false. */
bool rs_to_halves(const float *x, size_t n, uint16_t *out);

/* out[n, m] = a[n, k] . b[k, m] (plain matrix product, row-major, given leading dimensions). Each output is
 * one chain of fused multiply-adds in increasing k, whatever n. */
void rs_matmul(float *out, size_t ld_out, const float *a, size_t ld_a, const float *b, size_t ld_b, int n, int k,
               int m);

/* One share of per-row work: rows [begin, end). */
typedef void (*rs_rows_fn)(void *arg, int begin, int end);

/* Runs fn over shares covering rows [0, rows) on the threads of rs_set_threads, or at once on the caller's
 * when there is one thread or `cost` (about the multiply-adds of all rows) is too small to share. The rows
 * must be independent of each other. */
void rs_parallel_rows(rs_rows_fn fn, void *arg, int rows, double cost);

/* Sets the number of threads of the matrix products (rs_linear), for the whole process. */
void rs_set_threads(int threads);

#endif
