/* Per-token scores (--word-scores): for each target step t of a hypothesis, log p(y_t | y_<t, x) and the
 * entropy of the output distribution p(. | y_<t, x) in nats, as Marian's --word-scores and fairseq's P- lines.
 * The log p are the hypothesis's own (search.h: the very values the search summed, so they add up to its
 * score). The entropy needs every step's whole distribution, which the search does not keep: the hypothesis is
 * decoded again, forced, by the engine's own encoder and decoder, through a decoder that passes each step on
 * to the search unchanged and takes the entropy of its row on the way. */
#ifndef RS_SCORES_H
#define RS_SCORES_H

#include <stddef.h>
#include <stdint.h>

#include "decoder.h"
#include "encoder.h"
#include "error.h"
#include "mem.h"
#include "model.h"
#include "search.h"
#include "translator.h"

typedef struct rs_token_scores {
    int steps;
    RS_GROWABLE(float) logp;    /* [steps] */
    RS_GROWABLE(float) entropy; /* [steps] */
} rs_token_scores;

typedef struct rs_scorer {
    const rs_model *model;
    rs_encoder encoder;
    rs_decoder decoder;
    rs_encoding encoding;
    rs_search search;
    rs_search_decoder inner; /* the engine's decoder, as the search drives it */
    float *entropy_out;      /* where the wrapping step writes; entropy_step counts its steps */
    int entropy_steps, entropy_step;
    RS_GROWABLE(rs_token_scores) scores; /* of the hypotheses of the last call */
} rs_scorer;

int rs_scorer_init(rs_scorer *scorer, const rs_model *model, rs_error *err);
void rs_scorer_free(rs_scorer *scorer);

/* Scores the first `count` hypotheses of tr: scorer->scores[k] is hypothesis k's, valid until the next call.
 * A translation without source tokens gets nothing. */
int rs_score_tokens(rs_scorer *scorer, const rs_translation *tr, int count, rs_error *err);

/* rs_score_tokens of a line translated sentence by sentence (joiner.h): each of its sentences[0 ..
 * tr->sentence_count) is decoded as the search decoded it, and the steps each kept in the joined hypotheses
 * (tr->sentence_targets) are copied there; log p are the joined hypotheses' own. */
int rs_score_tokens_joined(rs_scorer *scorer, const rs_translation *tr, const rs_translation *sentences, int count,
                           rs_error *err);

#endif
