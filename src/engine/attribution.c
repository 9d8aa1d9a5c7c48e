#include "attribution.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"

static const char *const METHOD_NAMES[RS_METHOD_COUNT] = {"attention", "occlusion", "saliency", "grad_input", "ig"};

const char *rs_method_name(rs_method method)
{
    return method >= 0 && method < RS_METHOD_COUNT ? METHOD_NAMES[method] : "?";
}

int rs_methods_parse(const char *list, unsigned *methods, rs_error *err)
{
    *methods = 0;
    const char *p = list;
    for (;;) {
        size_t len = strcspn(p, ",");
        int found = -1;
        for (int m = 0; m < RS_METHOD_COUNT && found < 0; m++)
            if (strlen(METHOD_NAMES[m]) == len && strncmp(p, METHOD_NAMES[m], len) == 0)
                found = m;
        if (found < 0)
            return rs_fail(err, "--explain: unknown method '%.*s' (expected a comma list of attention, occlusion, "
                                "saliency, grad_input, ig)", (int)len, p);
        *methods |= RS_METHOD_BIT(found);
        if (p[len] == '\0')
            return 0;
        p += len + 1;
    }
}

/* Gauss-Legendre nodes and weights on [0, 1] (Newton's method on the Legendre polynomial P_n). */
static void gauss_legendre(int n, double *nodes, double *weights)
{
    for (int i = 0; i < (n + 1) / 2; i++) {
        double z = cos(3.14159265358979323846 * (i + 0.75) / (n + 0.5)), derivative = 1.0;
        for (int iteration = 0; iteration < 100; iteration++) {
            double p1 = 1.0, p2 = 0.0;
            for (int j = 1; j <= n; j++) {
                double p3 = p2;
                p2 = p1;
                p1 = ((2.0 * j - 1.0) * z * p2 - (j - 1.0) * p3) / j;
            }
            derivative = n * (z * p1 - p2) / (z * z - 1.0);
            double previous = z;
            z = previous - p1 / derivative;
            if (fabs(z - previous) < 1e-15)
                break;
        }
        double w = 1.0 / ((1.0 - z * z) * derivative * derivative); /* 2 / (...) on [-1, 1], halved */
        nodes[i] = (1.0 - z) / 2.0;
        nodes[n - 1 - i] = (1.0 + z) / 2.0;
        weights[i] = weights[n - 1 - i] = w;
    }
}

int rs_attributor_init(rs_attributor *a, const rs_model *model, int ig_steps, rs_error *err)
{
    memset(a, 0, sizeof *a);
    a->model = model;
    rs_backward_init(&a->backward, model);
    a->ig_steps = ig_steps;
    int nodes = ig_steps > 0 ? ig_steps : RS_IG_NODES;
    a->nodes = rs_alloc_array((size_t)nodes, sizeof *a->nodes, "attribution", err);
    a->weights = rs_alloc_array((size_t)nodes, sizeof *a->weights, "attribution", err);
    if (!a->nodes || !a->weights)
        return -1;
    gauss_legendre(nodes, a->nodes, a->weights);
    return 0;
}

void rs_attributor_free(rs_attributor *a)
{
    rs_backward_free(&a->backward);
    free(a->nodes);
    free(a->weights);
    memset(a, 0, sizeof *a);
}

/* out[t, j] = sum_k e_jk g_tjk (times `weight`, added when `add`) for the gradients in backward->d_layer; e_j
 * as the last forward pass widened it (backward->source_rows: the same ids, whatever the scale). */
static void dot_embeddings(const rs_attributor *a, size_t length, size_t steps, double weight, bool add, float *out)
{
    size_t es = (size_t)a->model->config.encoder_embedding_dim;
    const float *grad = a->backward.d_layer, *table = a->backward.source_rows;
    for (size_t t = 0; t < steps; t++)
        for (size_t j = 0; j < length; j++) {
            const float *e = table + j * es, *g = grad + (t * length + j) * es;
            double sum = 0.0;
            for (size_t k = 0; k < es; k++)
                sum += (double)e[k] * (double)g[k];
            out[t * length + j] = (float)((add ? (double)out[t * length + j] : 0.0) + weight * sum);
        }
}

static void saliency_of(const rs_attributor *a, size_t length, size_t steps, float *out)
{
    size_t es = (size_t)a->model->config.encoder_embedding_dim;
    for (size_t i = 0; i < steps * length; i++) {
        const float *g = a->backward.d_layer + i * es;
        double sum = 0.0;
        for (size_t k = 0; k < es; k++)
            sum += (double)g[k] * (double)g[k];
        out[i] = (float)sqrt(sum);
    }
}

/* part[t, j] = the quadrature over [lo, hi] of e_j . g_tj(alpha e) with the attributor's rule. */
static int quadrature(rs_attributor *a, const int32_t *ids, int length, const int32_t *targets, int steps,
                      double lo, double hi, int nodes, const double *node, const double *weight, float *part,
                      rs_error *err)
{
    size_t s = (size_t)length, t_count = (size_t)steps;
    memset(part, 0, s * t_count * sizeof *part);
    for (int i = 0; i < nodes; i++) {
        if (rs_backward_run(&a->backward, ids, length, targets, steps, (float)(lo + (hi - lo) * node[i]), err) < 0)
            return -1;
        dot_embeddings(a, s, t_count, (hi - lo) * weight[i], true, part);
    }
    return 0;
}

/* What an adaptive ig run shares across its intervals. */
typedef struct ig_run {
    rs_attributor *a;
    const int32_t *ids, *targets;
    int length, steps;
    const float *delta; /* [steps]: log p(y_t) - log p_baseline(y_t) */
    int budget;         /* gradient evaluations left */
    float *ig;
} ig_run;

/* Whether the quadrature `part` of [lo, hi] is within its share of the tolerance at every step: by the
 * fundamental theorem of calculus along the path its sum over j must equal logp_hi - logp_lo. */
static bool interval_converged(const ig_run *r, double lo, double hi, const float *logp_lo, const float *logp_hi,
                               const float *part)
{
    size_t s = (size_t)r->length;
    for (size_t t = 0; t < (size_t)r->steps; t++) {
        double sum = 0.0;
        for (size_t j = 0; j < s; j++)
            sum += (double)part[t * s + j];
        double error = fabs(sum - ((double)logp_hi[t] - (double)logp_lo[t]));
        double scale = fabs((double)r->delta[t]) > RS_IG_DELTA_FLOOR ? fabs((double)r->delta[t]) : RS_IG_DELTA_FLOOR;
        if (error > (hi - lo) * RS_IG_TOLERANCE * scale)
            return false;
    }
    return true;
}

/* Adaptive composite Gauss-Legendre over [lo, hi]: an interval whose error is above its share is halved. */
static int ig_interval(ig_run *r, double lo, double hi, const float *logp_lo, const float *logp_hi, int depth,
                       rs_error *err)
{
    rs_attributor *a = r->a;
    size_t cells = (size_t)r->length * (size_t)r->steps;
    float *part = rs_alloc_array(cells, sizeof *part, "attribution", err);
    float *logp_mid = rs_alloc_array((size_t)r->steps, sizeof *logp_mid, "attribution", err);
    int rc = part && logp_mid ? 0 : -1;
    if (rc == 0)
        rc = quadrature(a, r->ids, r->length, r->targets, r->steps, lo, hi, RS_IG_NODES, a->nodes, a->weights, part,
                        err);
    r->budget -= RS_IG_NODES;
    bool done = rc < 0 || depth >= RS_IG_MAX_DEPTH || r->budget < 2 * RS_IG_NODES ||
                interval_converged(r, lo, hi, logp_lo, logp_hi, part);
    if (rc == 0 && done)
        for (size_t i = 0; i < cells; i++)
            r->ig[i] += part[i];
    if (rc == 0 && !done) {
        double mid = (lo + hi) / 2.0;
        rc = rs_backward_forward(&a->backward, r->ids, r->length, r->targets, r->steps, (float)mid, err);
        if (rc == 0) {
            memcpy(logp_mid, a->backward.logp, (size_t)r->steps * sizeof *logp_mid);
            rc = ig_interval(r, lo, mid, logp_lo, logp_mid, depth + 1, err);
        }
        if (rc == 0)
            rc = ig_interval(r, mid, hi, logp_mid, logp_hi, depth + 1, err);
    }
    free(part);
    free(logp_mid);
    return rc;
}

/* ig and its completeness error; logp holds log p(y_t) of the model's own input. */
static int integrated_gradients(rs_attributor *a, const int32_t *ids, int length, const int32_t *targets, int steps,
                                const float *logp, float *ig, float *ig_error, rs_error *err)
{
    size_t s = (size_t)length, t_count = (size_t)steps;
    float *baseline = rs_alloc_array(t_count, sizeof *baseline, "attribution", err);
    float *delta = rs_alloc_array(t_count, sizeof *delta, "attribution", err);
    int rc = baseline && delta ? rs_backward_forward(&a->backward, ids, length, targets, steps, 0.0f, err) : -1;
    if (rc == 0) {
        memcpy(baseline, a->backward.logp, t_count * sizeof *baseline);
        for (size_t t = 0; t < t_count; t++)
            delta[t] = logp[t] - baseline[t];
        if (a->ig_steps > 0) {
            rc = quadrature(a, ids, length, targets, steps, 0.0, 1.0, a->ig_steps, a->nodes, a->weights, ig, err);
        } else {
            ig_run run = {a, ids, targets, length, steps, delta, RS_MAX_IG_STEPS, ig};
            memset(ig, 0, s * t_count * sizeof *ig);
            rc = ig_interval(&run, 0.0, 1.0, baseline, logp, 0, err);
        }
    }
    for (size_t t = 0; rc == 0 && ig_error && t < t_count; t++) {
        double sum = 0.0;
        for (size_t j = 0; j < s; j++)
            sum += (double)ig[t * s + j];
        ig_error[t] = (float)(sum - (double)delta[t]);
    }
    free(baseline);
    free(delta);
    return rc;
}

int rs_attribute(rs_attributor *a, const int32_t *ids, int length, const int32_t *targets, int steps,
                 float *saliency, float *grad_input, float *ig, float *ig_error, float *logp, float *entropy,
                 rs_error *err)
{
    size_t s = (size_t)length, t_count = (size_t)steps;
    float *own_logp = rs_alloc_array(t_count, sizeof *own_logp, "attribution", err);
    if (!own_logp)
        return -1;
    int rc = saliency || grad_input
                 ? rs_backward_run(&a->backward, ids, length, targets, steps, 1.0f, err)
                 : rs_backward_forward(&a->backward, ids, length, targets, steps, 1.0f, err);
    if (rc == 0) {
        memcpy(own_logp, a->backward.logp, t_count * sizeof *own_logp);
        if (logp)
            memcpy(logp, a->backward.logp, t_count * sizeof *logp);
        if (entropy)
            memcpy(entropy, a->backward.entropy, t_count * sizeof *entropy);
        if (saliency)
            saliency_of(a, s, t_count, saliency);
        if (grad_input)
            dot_embeddings(a, s, t_count, 1.0, false, grad_input);
        if (ig)
            rc = integrated_gradients(a, ids, length, targets, steps, own_logp, ig, ig_error, err);
    }
    free(own_logp);
    return rc;
}
