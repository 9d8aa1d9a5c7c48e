/* Numeric operations on row-major float32, on the kernels of kernels.h (chosen once for this CPU), and the
 * threads they share. Every result is the same on every CPU and for every thread count (kernels.h). Dense
 * layers with packed weights are in dense.h. */
#ifndef RS_OPS_H
#define RS_OPS_H

#include <stddef.h>
#include <stdint.h>

/* In place over n values; max-subtracted so large logits do not overflow. */
void rs_softmax(float *x, size_t n);
void rs_log_softmax(float *x, size_t n);

/* out[i, :] = W . in[i, :] + bias for rows i < n, i.e. out = in W^T + bias, as torch.nn.Linear, for a W
 * made while translating (attention keys): W is [out_dim, in_dim] row-major, not packed; in and out rows are
 * ld_in / ld_out floats apart; bias may be NULL. The order of kernels.h: each output one FMA chain over k
 * ascending, then the bias. */
void rs_linear(float *out, size_t ld_out, const float *in, size_t ld_in, int n, const float *weight, int out_dim,
               int in_dim, const float *bias);

/* out[i, :] += W . in[i, :] for rows i < n (rs_linear's layout, no bias), through scratch [n, out_dim]: the
 * product whole first, then one addition per output (the gradients of backward.h sum in this order). */
void rs_linear_accumulate(float *out, size_t ld_out, const float *in, size_t ld_in, int n, const float *weight,
                          int out_dim, int in_dim, float *scratch);

/* out[n, m] = a[n, k] . b[k, m] (plain matrix product, row-major, given leading dimensions). Each output is
 * one chain of fused multiply-adds in increasing k, whatever n. */
void rs_matmul(float *out, size_t ld_out, const float *a, size_t ld_a, const float *b, size_t ld_b, int n, int k,
               int m);

/* v . tanh(q + k) over n floats, in the lane order of kernels.h. */
float rs_additive_score(const float *q, const float *k, const float *v, int n);

/* The element-wise half of a GRU step for one state h (H floats, updated in place) given its input and hidden
 * gates (3H floats each, r, z, n): h' = (1 - z) n + z h. */
void rs_gru_cell(const float *gates_in, const float *gates_h, float *h, int hidden);

/* out[i] = halves[i] as f32 (exact). */
void rs_halves_to_floats(const uint16_t *halves, float *out, size_t n);

/* One share of per-row work: rows [begin, end). */
typedef void (*rs_rows_fn)(void *arg, int begin, int end);

/* Runs fn over shares covering rows [0, rows) on the threads of rs_set_threads, or at once on the caller's
 * when there is one thread or `cost` (about the multiply-adds of all rows) is too small to share. The rows
 * must be independent of each other. */
void rs_parallel_rows(rs_rows_fn fn, void *arg, int rows, double cost);

/* rs_log_softmax of each of `rows` rows of n values (rows n apart), shared among the threads when that pays. */
void rs_log_softmax_rows(float *x, int rows, size_t n);

/* Sets the number of threads of the matrix products, for the whole process. */
void rs_set_threads(int threads);

/* The threads -t gets by default: the CPUs this process may run on (sched_getaffinity), at most
 * RS_DEFAULT_THREADS_MAX. */
#define RS_DEFAULT_THREADS_MAX 8
int rs_default_threads(void);

#endif
