/* Occlusion importance (--explain): how much each source word matters to each target token. For every
 * tokenizer token j of the source, the source with id j replaced by the source unk id is decoded teacher-forced
 * on the hypothesis's tokens; the importance of j for target step t is
 *     log p(y_t | y_<t, source) - log p(y_t | y_<t, source with j occluded),
 * the drop in that token's log-probability (negative when the occlusion helps). Added bos/eos positions are not
 * occluded: their importance is 0. With rs_explainer_set_occlusion_words the unit is a word instead of a token:
 * all of a word's pieces are replaced together and share the drop equally. The original and the occluded sources are decoded together as one batch
 * (in chunks of RS_EXPLAIN_CHUNK rows), so the cost is about that of one forced decode per source word.
 *
 * Each step also gets Spearman's rho between its attention row and its importance row over the tokenizer's
 * tokens (added bos/eos excluded), undefined when either is constant; and the mean rho of the defined steps.
 *
 * With methods (--explain=METHODS, attribution.h) each named method gets its [steps, length] matrix, and each
 * method other than attention its rho with the attention per step and their mean. These rho are computed over
 * the tokenizer's tokens (added bos/eos excluded), leaving out for occlusion the tokens that are unk already
 * (nothing was measured there); they are undefined (NaN) when fewer than three tokens remain (with two, rho can
 * only be +1 or -1: it says which of them is first, not how the ranks agree) or either row is constant. Bare
 * --explain (methods 0) keeps its own rho, as above. */
#ifndef RS_EXPLAIN_H
#define RS_EXPLAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "attribution.h"
#include "decoder.h"
#include "encoder.h"
#include "error.h"
#include "model.h"
#include "search.h"
#include "stats.h"
#include "translator.h"
#include "workspace.h"

#define RS_EXPLAIN_CHUNK 64

typedef struct rs_explanation {
    int steps;         /* rows: the hypothesis's target steps, eos included when emitted */
    int length;        /* columns: source positions, added bos/eos included */
    float *occlusion;  /* [steps, length]: importance; 0 at added bos/eos */
    double *rho;       /* [steps]: Spearman's rho; NAN where undefined */
    double mean_rho;   /* mean of the defined rho; NAN when none is */
    /* --explain=METHODS: the methods' matrices [steps, length] (NULL for methods not asked for; attention is
     * the hypothesis's own rows, occlusion the one above), their rho with the attention [steps] and its mean */
    unsigned methods; /* the methods the workspace is laid out for (RS_METHOD_BIT) */
    const float *matrix[RS_METHOD_COUNT];
    double *method_rho[RS_METHOD_COUNT];
    double method_mean_rho[RS_METHOD_COUNT];
    float *ig_error;   /* [steps]: sum_j ig_tj - (log p(y_t) - log p_baseline(y_t)) */
    float *gradients;  /* [3, steps, length]: saliency, grad_input, ig */
    double *rho_store; /* [RS_METHOD_COUNT, steps] */
    rs_workspace workspace; /* owns occlusion, rho and the methods' buffers */
} rs_explanation;

typedef struct rs_explainer {
    const rs_model *model;
    rs_encoder encoder;
    rs_decoder decoder;
    /* one chunk of variants, decoded teacher-forced together */
    rs_encoding encodings[RS_EXPLAIN_CHUNK];
    const rs_encoding *batch[RS_EXPLAIN_CHUNK];
    rs_search searches[RS_EXPLAIN_CHUNK];
    rs_search *batch_searches[RS_EXPLAIN_CHUNK];
    const int32_t *targets[RS_EXPLAIN_CHUNK];
    int target_lengths[RS_EXPLAIN_CHUNK];
    /* the shape of the workspace: source positions, variants (the source and one per token), target steps */
    int length, variants, steps;
    int32_t *occluded;   /* [length]: one occluded copy of the source ids */
    bool occlude_words;  /* occlusion units are words (a subword model's pieces together), not tokens */
    int *unit_of;        /* [length]: each position's occlusion unit (-1 at added bos/eos) */
    int *unit_size;      /* [variants]: tokens per unit */
    int *unit_decoded;   /* [variants]: 1 when unit u was decoded occluded (its log p is row u + 1 of logp) */
    float *logp;         /* [variants, steps]: log p(y_t) of the original (variant 0) and each occluded source */
    int *todo;           /* [variants]: the variants that are decoded */
    rs_workspace workspace;
    rs_rank_scratch ranks;
    rs_explanation *explanations; /* of the hypotheses of the last call */
    int explanation_count;
    unsigned methods; /* RS_METHOD_BIT of each method of --explain=METHODS; 0: bare --explain */
    rs_attributor attributor; /* with gradient methods */
    float *pair_x, *pair_y; /* [length]: the rows' values that enter a method's rho (workspace) */
} rs_explainer;

/* Sizes e for `steps` rows of `length` columns (contents unset), with the buffers of e->methods;
 * rs_explanation_free releases it. A zeroed rs_explanation is an empty one. */
int rs_explanation_reserve(rs_explanation *e, int steps, int length, rs_error *err);
void rs_explanation_free(rs_explanation *e);

int rs_explainer_init(rs_explainer *explainer, const rs_model *model, rs_error *err);
void rs_explainer_free(rs_explainer *explainer);

/* --occlusion-unit word: occlusion hides a whole word at a time (a subword model's pieces of one word
 * together; in a word-level model every token is a word, so nothing changes), and each piece of the word gets
 * an equal share of the word's importance; default (false): each token on its own. */
void rs_explainer_set_occlusion_words(rs_explainer *explainer, bool words);

/* Asks for the methods of --explain=METHODS (a mask of RS_METHOD_BIT) instead of bare --explain's occlusion;
 * ig_steps is ig's quadrature nodes (0: adaptive). */
int rs_explainer_set_methods(rs_explainer *explainer, unsigned methods, int ig_steps, rs_error *err);

/* Explains the first `count` hypotheses of tr (which needs their attention): explainer->explanations[k] is
 * hypothesis k's, valid until the next call. A translation without source tokens gets nothing. */
int rs_explain(rs_explainer *explainer, const rs_translation *tr, int count, rs_error *err);

#endif
