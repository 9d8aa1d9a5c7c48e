/* Occlusion importance (--explain): how much each source word matters to each target token. For every
 * tokenizer token j of the source, the source with id j replaced by the source unk id is decoded teacher-forced
 * on the hypothesis's tokens; the importance of j for target step t is
 *     log p(y_t | y_<t, source) - log p(y_t | y_<t, source with j occluded),
 * the drop in that token's log-probability (negative when the occlusion helps). Added bos/eos positions are not
 * occluded: their importance is 0. The original and the occluded sources are decoded together as one batch
 * (in chunks of RS_EXPLAIN_CHUNK rows), so the cost is about that of one forced decode per source word.
 *
 * Each step also gets Spearman's rho between its attention row and its importance row over the tokenizer's
 * tokens (added bos/eos excluded), undefined when either is constant; and the mean rho of the defined steps. */
#ifndef RS_EXPLAIN_H
#define RS_EXPLAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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
    rs_workspace workspace; /* owns occlusion and rho */
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
    float *logp;         /* [variants, steps]: log p(y_t) of the original (variant 0) and each occluded source */
    int *todo;           /* [variants]: the variants that are decoded */
    rs_workspace workspace;
    rs_rank_scratch ranks;
    rs_explanation *explanations; /* of the hypotheses of the last call */
    int explanation_count;
} rs_explainer;

/* Sizes e for `steps` rows of `length` columns (contents unset); rs_explanation_free releases it. A zeroed
 * rs_explanation is an empty one. */
int rs_explanation_reserve(rs_explanation *e, int steps, int length, rs_error *err);
void rs_explanation_free(rs_explanation *e);

int rs_explainer_init(rs_explainer *explainer, const rs_model *model, rs_error *err);
void rs_explainer_free(rs_explainer *explainer);

/* Explains the first `count` hypotheses of tr (which needs their attention): explainer->explanations[k] is
 * hypothesis k's, valid until the next call. A translation without source tokens gets nothing. */
int rs_explain(rs_explainer *explainer, const rs_translation *tr, int count, rs_error *err);

#endif
