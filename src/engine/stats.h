/* Statistics of attention matrices for the interpretability outputs: the entropy of a row, the coverage of the
 * source positions, and Spearman's rank correlation between two rows (attention against occlusion). */
#ifndef RS_STATS_H
#define RS_STATS_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "workspace.h"

/* -sum_j w_j ln w_j in nats, 0 ln 0 = 0; computed in double. */
double rs_entropy(const float *row, int n);

/* coverage[j] = sum over the `rows` rows of weights[t * stride + j], for j < n. */
void rs_coverage(const float *weights, int rows, size_t stride, int n, double *coverage);

/* Work space of rs_spearman, grown to the longest row seen. */
typedef struct rs_rank_scratch {
    size_t room;     /* values the buffers hold: the shape of workspace */
    void *pairs;     /* [room] of stats.c's (value, index) pairs */
    double *ranks_x, *ranks_y;
    rs_workspace workspace;
} rs_rank_scratch;

void rs_rank_scratch_init(rs_rank_scratch *scratch);
void rs_rank_scratch_free(rs_rank_scratch *scratch);

/* Spearman's rho of x[0..n) and y[0..n): the Pearson correlation of their ranks, tied values getting the
 * average of their ranks. *defined is false (and *rho NAN) when it is undefined: fewer than two values, a
 * constant x or y, or a NaN among them. */
int rs_spearman(rs_rank_scratch *scratch, const float *x, const float *y, int n, double *rho, bool *defined,
                rs_error *err);

#endif
