/* Greedy search, beam search and forced decoding, one driver for all three, exactly as README.md "Decoding"
 * defines them (Marian's shrinking beam): the best K - F candidates S_i + log p_i(w) are kept (ties by i, then
 * w), kept candidates ending in eos are finished, the search stops when F >= K, when no hypothesis is alive, or
 * after step L (the alive ones are then finished without eos, marked truncated). Finished hypotheses are ranked
 * by S / |y|^alpha, ties by finishing order. Greedy search is the beam of size 1 (the argmax token, the lowest
 * id on a tie); forced decoding is the beam of size 1 whose token is given. Scores are sums in double of the
 * float32 log-probabilities, as scripts/reference.py computes them.
 *
 * The search sees a decoder only through rs_search_decoder (start, step, select), so the tests run it on a
 * stub decoder and --explain reuses it for its teacher-forced decodes. */
#ifndef RS_SEARCH_H
#define RS_SEARCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "encoder.h"
#include "error.h"
#include "workspace.h"

/* The largest beam (-b): every alive hypothesis is a decoder row of Vt log-probabilities, so the cap bounds a
 * step's memory (beam x Vt floats) and time. */
#define RS_MAX_BEAM 1000

typedef struct rs_search_options {
    int beam;                 /* K, 1 <= K <= RS_MAX_BEAM */
    int max_length;           /* --max-length */
    double max_length_factor; /* --max-length-factor */
    double length_penalty;    /* alpha */
    bool keep_attention;      /* record a_t of every step of every hypothesis */
    int no_repeat_ngram;      /* N > 0: no hypothesis contains an N-gram twice (forced targets excepted) */
} rs_search_options;

typedef struct rs_hypothesis {
    const int32_t *tokens;   /* target ids, one per step: eos last when ended_by_eos */
    int steps;               /* |y|: emitted tokens, eos included when emitted */
    bool ended_by_eos;
    double score;            /* S: sum of log p, eos included */
    double normalized_score; /* S / steps^alpha */
    const float *attention;  /* [steps, S] when keep_attention, else NULL */
    bool truncated;          /* cut by the length limit L without eos */
    const float *logprobs;   /* [steps]: log p of each token (their sum in double is score) */
} rs_hypothesis;

/* What a decoder step gives the search: rows' distributions and attention weights. */
typedef struct rs_step_result {
    const float *logprobs;  /* [rows, vocab_size]: log p(. | y_<t, x) */
    const float *attention; /* [rows, S of the row's sentence], rows ld_attention apart */
    size_t ld_attention;
} rs_step_result;

/* The decoder as the search sees it (CTranslate2's layers::Decoder under a SearchStrategy). Rows are
 * hypotheses; row i of a step continues row parents[i] of the step before. */
typedef struct rs_search_decoder {
    void *self;
    int vocab_size;
    int32_t bos, eos;
    /* Room for max_rows rows; starts rows 0 .. n) at s_0 of sentences[0 .. n). */
    int (*start)(void *self, const rs_encoding *const *sentences, int n, int max_rows, rs_error *err);
    /* Feeds row i the token prev[i] (y_{t-1}) and returns every row's next distribution and attention. */
    rs_step_result (*step)(void *self, const int32_t *prev);
    /* Keeps n rows: new row i is old row parents[i] (rows may repeat). */
    void (*select)(void *self, const int *parents, int n);
} rs_search_decoder;

/* A candidate extension: hypothesis `row` followed by `token`. */
typedef struct rs_candidate {
    double score;
    int row;
    int32_t token;
} rs_candidate;

/* The best `need` candidates offered so far: a heap with the weakest on top, so that offering one costs
 * O(log need) and a too weak one O(1). Candidates must be offered in (row, token) order: an equal score ranks
 * after those already kept. NaN scores rank as -infinity. */
typedef struct rs_candidates {
    rs_candidate *items;
    int count, need;
} rs_candidates;

void rs_candidates_offer(rs_candidates *candidates, double score, int row, int32_t token);

/* Sorts the kept candidates best first (score descending, then row, then token). */
void rs_candidates_sort(rs_candidates *candidates);

/* Every kept candidate of every step is a node; hypotheses are traced back through parents. */
typedef struct rs_node {
    int32_t token;
    int parent; /* -1: the empty hypothesis */
    float logprob;
    double score;
} rs_node;

/* One sentence's search. */
typedef struct rs_search {
    int length;               /* S: source positions */
    int limit;                /* L */
    int beam;                 /* K (1 when forced) */
    bool keep_attention;
    const int32_t *forced;    /* forced decoding: these tokens, then eos; NULL when searching */
    int forced_length;
    /* the nodes grow with the search and keep their contents */
    rs_node *nodes;
    float *node_attention; /* [nodes, S] when keep_attention */
    size_t node_count, node_room, attention_room;
    /* the beam: sized by K in beam_space */
    int alive_count;    /* 0 once the search is over */
    int finished_count; /* F */
    int *alive;         /* [K]: the nodes going on, in rank order */
    int *next_alive, *parents;
    int32_t *prev_tokens;
    double *alive_scores;
    rs_candidate *candidates;
    int *finished;
    rs_workspace beam_space;
    /* --no-repeat-ngram: one row's tokens and the tokens they ban, sized by history_room in ngram_space */
    int32_t *history, *banned;
    int history_room;
    rs_workspace ngram_space;
    /* results, valid until the next search; sized in result_space */
    rs_hypothesis *hypotheses; /* best first */
    int hypothesis_count;
    int32_t *result_tokens;
    float *result_logprobs;
    float *result_attention;
    size_t result_steps; /* all hypotheses' steps together */
    rs_workspace result_space;
} rs_search;

void rs_search_init(rs_search *search);
void rs_search_free(rs_search *search);

/* L = min(max_length, ceil(factor * source_length)). */
int rs_length_limit(int source_length, int max_length, double max_length_factor);

/* Decodes `count` sentences at once (their hypotheses share the decoder's steps), each exactly as it would be
 * alone: searches[i]->hypotheses is sentence i's result, best first. With `forced` (may be NULL), sentence i
 * emits forced[i][0 .. forced_lengths[i]) and then eos whatever the model prefers: one hypothesis with the
 * log p of those tokens and their attention; the length limit and no_repeat_ngram do not apply. */
int rs_search_batch(rs_search *const *searches, const rs_search_decoder *decoder, const rs_encoding *const *encodings,
                    const int32_t *const *forced, const int *forced_lengths, int count, const rs_search_options *options,
                    rs_error *err);

#endif
