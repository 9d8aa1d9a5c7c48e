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
    a->nodes = rs_alloc_array((size_t)ig_steps, sizeof *a->nodes, "attribution", err);
    a->weights = rs_alloc_array((size_t)ig_steps, sizeof *a->weights, "attribution", err);
    if (!a->nodes || !a->weights)
        return -1;
    gauss_legendre(ig_steps, a->nodes, a->weights);
    return 0;
}

void rs_attributor_free(rs_attributor *a)
{
    rs_backward_free(&a->backward);
    free(a->nodes);
    free(a->weights);
    memset(a, 0, sizeof *a);
}

/* out[t, j] = sum_k e_jk g_tjk (times `weight`, added when `add`) for the gradients in backward->d_layer. */
static void dot_embeddings(const rs_attributor *a, const int32_t *ids, size_t length, size_t steps, double weight,
                           bool add, float *out)
{
    size_t es = (size_t)a->model->config.encoder_embedding_dim;
    const float *grad = a->backward.d_layer, *table = a->model->weights.encoder_embedding;
    for (size_t t = 0; t < steps; t++)
        for (size_t j = 0; j < length; j++) {
            const float *e = table + (size_t)ids[j] * es, *g = grad + (t * length + j) * es;
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

/* ig and its completeness error; logp holds log p(y_t) of the model's own input. */
static int integrated_gradients(rs_attributor *a, const int32_t *ids, int length, const int32_t *targets, int steps,
                                const float *logp, float *ig, float *ig_error, rs_error *err)
{
    size_t s = (size_t)length, t_count = (size_t)steps;
    memset(ig, 0, s * t_count * sizeof *ig);
    for (int i = 0; i < a->ig_steps; i++) {
        if (rs_backward_run(&a->backward, ids, length, targets, steps, (float)a->nodes[i], err) < 0)
            return -1;
        dot_embeddings(a, ids, s, t_count, a->weights[i], true, ig);
    }
    if (!ig_error)
        return 0;
    if (rs_backward_forward(&a->backward, ids, length, targets, steps, 0.0f, err) < 0)
        return -1;
    for (size_t t = 0; t < t_count; t++) {
        double sum = 0.0;
        for (size_t j = 0; j < s; j++)
            sum += (double)ig[t * s + j];
        ig_error[t] = (float)(sum - ((double)logp[t] - (double)a->backward.logp[t]));
    }
    return 0;
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
            dot_embeddings(a, ids, s, t_count, 1.0, false, grad_input);
        if (ig)
            rc = integrated_gradients(a, ids, length, targets, steps, own_logp, ig, ig_error, err);
    }
    free(own_logp);
    return rc;
}
