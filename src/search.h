/* Greedy and beam search exactly as README.md "Decoding" defines them (Marian's shrinking beam):
 * the best K - F candidates S_i + log p_i(w) are kept (ties by i, then w), kept candidates ending in eos are
 * finished, the search stops when F >= K, when no hypothesis is alive, or after step L (the alive ones are
 * then finished without eos). Finished hypotheses are ranked by S / |y|^alpha, ties by finishing order.
 * Beam size 1 is greedy search: the argmax token, the lowest id on a tie. Scores are sums in double of the
 * float32 log-probabilities, as scripts/reference.py computes them. */
#ifndef RS_SEARCH_H
#define RS_SEARCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decoder.h"
#include "encoder.h"
#include "error.h"
#include "model.h"

typedef struct rs_search_options {
    int beam;                 /* K >= 1 */
    int max_length;           /* --max-length */
    double max_length_factor; /* --max-length-factor */
    double length_penalty;    /* alpha */
    bool keep_attention;      /* record a_t of every step of every hypothesis */
} rs_search_options;

typedef struct rs_hypothesis {
    const int32_t *tokens;   /* target ids, one per step: eos last when ended_by_eos */
    int steps;               /* |y|: emitted tokens, eos included when emitted */
    bool ended_by_eos;
    double score;            /* S: sum of log p, eos included */
    double normalized_score; /* S / steps^alpha */
    const float *attention;  /* [steps, S] when keep_attention, else NULL */
} rs_hypothesis;

/* A candidate extension (the beam's selection, exposed for tests). */
typedef struct rs_candidate {
    double score;
    int row;
    int32_t token;
} rs_candidate;

typedef struct rs_search {
    /* every kept candidate of every step is a node; hypotheses are traced back through parents */
    int32_t *node_token;
    int *node_parent;
    double *node_score;
    float *node_attention; /* [nodes, S] */
    size_t node_count, node_token_cap, node_parent_cap, node_score_cap, node_attention_cap;
    /* the beam */
    int length;         /* source positions */
    int limit;          /* L */
    int alive_count;    /* 0 once the search is over */
    int finished_count; /* F */
    int *alive, *next_alive, *parents;
    int32_t *prev_tokens;
    double *alive_scores;
    rs_candidate *candidates;
    int *finished;
    size_t beam_cap;
    /* results, valid until the next search */
    rs_hypothesis *hypotheses;
    int hypothesis_count;
    int32_t *result_tokens;
    float *result_attention;
    size_t result_tokens_cap, result_attention_cap;
} rs_search;

void rs_search_init(rs_search *search);
void rs_search_free(rs_search *search);

/* L = min(max_length, ceil(factor * source_length)). */
int rs_length_limit(int source_length, int max_length, double max_length_factor);

/* Inserts (score, row, token) into the best-first list cand[0..*count) holding at most `need`, if it belongs
 * there. Candidates must be offered in (row, token) order: an equal score ranks after those already kept. */
void rs_offer_candidate(rs_candidate *cand, int *count, int need, double score, int row, int32_t token);

/* Decodes one encoded sentence; the result is search->hypotheses[0 .. hypothesis_count), best first. */
int rs_search_run(rs_search *search, rs_decoder *decoder, const rs_encoding *encoding,
                  const rs_search_options *options, rs_error *err);

/* Beam search of `count` sentences at once (their hypotheses share the decoder's matrix products), each
 * decoded as it would be alone: searches[i]->hypotheses holds sentence i's result. */
int rs_search_beam_batch(rs_search *const *searches, rs_decoder *decoder, const rs_encoding *const *encodings,
                         int count, const rs_search_options *options, rs_error *err);

/* Greedy search (options->beam is ignored) of `count` sentences at once, each decoded as it would be alone:
 * search->hypotheses[i] is sentence i's translation (hypothesis_count = count). */
int rs_search_greedy_batch(rs_search *search, rs_decoder *decoder, const rs_encoding *const *encodings, int count,
                           const rs_search_options *options, rs_error *err);

/* Forced decoding (teacher forcing) of `count` sentences at once: sentence i emits targets[i][0 ..
 * target_lengths[i]) and then eos; search->hypotheses[i] holds its score (log p of those tokens and eos) and
 * attention rows. The length limit does not apply. */
int rs_search_forced_batch(rs_search *search, rs_decoder *decoder, const rs_encoding *const *encodings,
                           const int32_t *const *targets, const int *target_lengths, int count,
                           const rs_search_options *options, rs_error *err);

#endif
