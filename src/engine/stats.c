#include "stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>


double rs_entropy(const float *row, int n)
{
    double h = 0.0;
    for (int j = 0; j < n; j++) {
        double w = (double)row[j];
        if (w > 0.0)
            h -= w * log(w);
    }
    return h;
}

void rs_coverage(const float *weights, int rows, size_t stride, int n, double *coverage)
{
    for (int j = 0; j < n; j++)
        coverage[j] = 0.0;
    for (int t = 0; t < rows; t++)
        for (int j = 0; j < n; j++)
            coverage[j] += (double)weights[(size_t)t * stride + (size_t)j];
}

void rs_rank_scratch_init(rs_rank_scratch *s)
{
    memset(s, 0, sizeof *s);
    rs_workspace_init(&s->workspace);
}

void rs_rank_scratch_free(rs_rank_scratch *s)
{
    rs_workspace_free(&s->workspace);
    rs_rank_scratch_init(s);
}

typedef struct ranked {
    float value;
    int index;
} ranked;

static int by_value(const void *a, const void *b)
{
    const ranked *x = a, *y = b;
    if (x->value != y->value)
        return x->value < y->value ? -1 : 1;
    return x->index - y->index;
}

/* 1-based ranks of v, ties averaged (the "average" method of scipy.stats.rankdata). */
static void rank(const float *v, int n, ranked *pairs, double *ranks)
{
    for (int i = 0; i < n; i++)
        pairs[i] = (ranked){v[i], i};
    qsort(pairs, (size_t)n, sizeof *pairs, by_value);
    for (int i = 0; i < n;) {
        int end = i + 1;
        while (end < n && pairs[end].value == pairs[i].value)
            end++;
        double average = 0.5 * (double)(i + 1 + end); /* mean of ranks i+1 .. end */
        for (int k = i; k < end; k++)
            ranks[pairs[k].index] = average;
        i = end;
    }
}

static void scratch_layout(void *owner, rs_workspace *ws)
{
    rs_rank_scratch *s = owner;
    s->pairs = rs_workspace_take(ws, s->room, 1, sizeof(ranked));
    RS_TAKE(ws, s->ranks_x, s->room, 1);
    RS_TAKE(ws, s->ranks_y, s->room, 1);
}

int rs_spearman(rs_rank_scratch *s, const float *x, const float *y, int n, double *rho, bool *defined,
                rs_error *err)
{
    *rho = NAN;
    *defined = false;
    if (n < 2)
        return 0;
    for (int i = 0; i < n; i++)
        if (isnan(x[i]) || isnan(y[i]))
            return 0;
    if ((size_t)n > s->room || !s->pairs) {
        s->room = (size_t)n;
        if (rs_workspace_fit(&s->workspace, scratch_layout, s, "rank correlation", err) < 0)
            return -1;
    }
    rank(x, n, s->pairs, s->ranks_x);
    rank(y, n, s->pairs, s->ranks_y);
    double mean = 0.5 * (double)(n + 1); /* both rank vectors have this mean */
    double sxy = 0.0, sxx = 0.0, syy = 0.0;
    for (int i = 0; i < n; i++) {
        double dx = s->ranks_x[i] - mean, dy = s->ranks_y[i] - mean;
        sxy += dx * dy;
        sxx += dx * dx;
        syy += dy * dy;
    }
    if (sxx == 0.0 || syy == 0.0)
        return 0;
    double r = sxy / sqrt(sxx * syy);
    *rho = r > 1.0 ? 1.0 : r < -1.0 ? -1.0 : r;
    *defined = true;
    return 0;
}
