/* Attribution methods (--explain=METHODS): how much source position j matters to target step t, as a [T x S]
 * matrix per method, T the hypothesis's steps (eos included when emitted), S the source positions (added
 * bos/eos included). With e_j the source embedding at j and g_tj = d log p(y_t | y_<t, x) / d e_j
 * (backward.h):
 *   saliency    ||g_tj||_2
 *   grad_input  e_j . g_tj (input x gradient)
 *   ig          integrated gradients from the zero-embedding baseline (every position, added bos/eos included):
 *               e_j . integral_0^1 g_tj(alpha e) d alpha. Completeness: sum_j ig_tj = log p(y_t | e) -
 *               log p(y_t | 0) up to the quadrature error, which is reported per step.
 *               The quadrature is adaptive by default: composite Gauss-Legendre with RS_IG_NODES nodes per
 *               interval, starting from [0, 1]. Completeness holds on every sub-path too, so each interval's
 *               error is known exactly (its sum over j against the forward pass's log p at its ends): an interval
 *               above its share (its length times RS_IG_TOLERANCE times |log p - log p_baseline|, at least
 *               RS_IG_DELTA_FLOOR nats) is halved, until at most RS_MAX_IG_STEPS gradient evaluations. With
 *               ig_steps > 0 it is plain Gauss-Legendre with that many nodes over [0, 1] (scripts/attribute.py's
 *               rule).
 * attention and occlusion come from the search and explain.h. */
#ifndef RS_ATTRIBUTION_H
#define RS_ATTRIBUTION_H

#include <stdint.h>

#include "backward.h"
#include "error.h"
#include "model.h"

typedef enum rs_method {
    RS_METHOD_ATTENTION,
    RS_METHOD_OCCLUSION,
    RS_METHOD_SALIENCY,
    RS_METHOD_GRAD_INPUT,
    RS_METHOD_IG,
    RS_METHOD_COUNT
} rs_method;

#define RS_METHOD_BIT(method) (1u << (method))
#define RS_GRADIENT_METHODS (RS_METHOD_BIT(RS_METHOD_SALIENCY) | RS_METHOD_BIT(RS_METHOD_GRAD_INPUT) | \
                             RS_METHOD_BIT(RS_METHOD_IG))

/* The adaptive rule of ig (above). */
#define RS_IG_NODES 8
#define RS_IG_TOLERANCE 0.01
#define RS_IG_DELTA_FLOOR 0.01
#define RS_IG_MAX_DEPTH 12
#define RS_MAX_IG_STEPS 512

/* The method's name on the command line and in the outputs. */
const char *rs_method_name(rs_method method);

/* Parses a comma list of method names into a bit mask (RS_METHOD_BIT); the message names the unknown one. */
int rs_methods_parse(const char *list, unsigned *methods, rs_error *err);

typedef struct rs_attributor {
    const rs_model *model;
    rs_backward backward;
    int ig_steps;    /* 0: adaptive */
    double *nodes;   /* [ig_steps or RS_IG_NODES]: Gauss-Legendre nodes in (0, 1) */
    double *weights; /* their weights, summing to 1 */
} rs_attributor;

/* ig_steps: 0 for the adaptive rule of ig, else the nodes of the fixed one. */
int rs_attributor_init(rs_attributor *attributor, const rs_model *model, int ig_steps, rs_error *err);
void rs_attributor_free(rs_attributor *attributor);

/* The gradient methods for source ids[0 .. length) and the teacher-forced targets[0 .. steps): each of
 * saliency, grad_input, ig ([steps, length]) is filled when not NULL; ig_error[t] (with ig) gets
 * sum_j ig_tj - (log p(y_t) - log p_baseline(y_t)); logp[t] and entropy[t] (when not NULL) the model's log p(y_t)
 * and the entropy of its output distribution at step t. */
int rs_attribute(rs_attributor *attributor, const int32_t *ids, int length, const int32_t *targets, int steps,
                 float *saliency, float *grad_input, float *ig, float *ig_error, float *logp, float *entropy,
                 rs_error *err);

#endif
