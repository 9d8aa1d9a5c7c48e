/* Per-token scores (--word-scores): for each target step t of a hypothesis, log p(y_t | y_<t, x) and the
 * entropy of the output distribution p(. | y_<t, x) in nats, as Marian's --word-scores and fairseq's P- lines.
 * The hypothesis is decoded again teacher-forced by the engine's own encoder and decoder, so the log p are the
 * very values the search summed: they add up to the hypothesis's score. */
#ifndef RS_SCORES_H
#define RS_SCORES_H

#include <stddef.h>
#include <stdint.h>

#include "decoder.h"
#include "encoder.h"
#include "error.h"
#include "model.h"
#include "translator.h"

typedef struct rs_token_scores {
    int steps;
    float *logp;    /* [steps] */
    float *entropy; /* [steps] */
    size_t logp_cap, entropy_cap;
} rs_token_scores;

typedef struct rs_scorer {
    const rs_model *model;
    rs_encoder encoder;
    rs_decoder decoder;
    rs_encoding encoding;
    int32_t *ids;
    size_t ids_cap;
    rs_token_scores *scores; /* of the hypotheses of the last call */
    int scores_cap;
} rs_scorer;

int rs_scorer_init(rs_scorer *scorer, const rs_model *model, rs_error *err);
void rs_scorer_free(rs_scorer *scorer);

/* Scores the first `count` hypotheses of tr: scorer->scores[k] is hypothesis k's, valid until the next call.
 * A translation without source tokens gets nothing. */
int rs_score_tokens(rs_scorer *scorer, const rs_translation *tr, int count, rs_error *err);

#endif
