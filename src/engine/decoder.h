/* The decoder: one step for n hypotheses (rows) at once, as scripts/model.py step() reads: with q the top
 * layer's state s_{t-1}, attention weights a_t and context c_t, the embedding E(y_{t-1}), the GRU stack on
 * [E(y_{t-1}); c_t], the output parts in config order, logits and log_softmax. Rows may belong to different
 * sentences (each row names its encoding), so that several sentences share the matrix products; everything
 * else (attention, softmax) is done row by row, on the threads of rs_set_threads, and no row's result depends
 * on the others (ops.h). Buffers are sized before decoding (rs_decoder_reserve), so a step allocates nothing. */
#ifndef RS_DECODER_H
#define RS_DECODER_H

#include <stddef.h>
#include <stdint.h>

#include "encoder.h"
#include "error.h"
#include "model.h"
#include "search.h"
#include "workspace.h"

typedef struct rs_decoder {
    const rs_model *model;
    int rows;          /* hypotheses now held */
    int max_rows;      /* rows the buffers hold */
    size_t ld_weights; /* floats between rows of weights: the longest source reserved for */
    rs_workspace workspace; /* owns every buffer below (decoder.c: layout) */
    const rs_encoding **row_encoding; /* [rows]: the sentence each row decodes */
    const rs_encoding **spare_encoding;
    float *state;        /* [Ld][max_rows][Hd]: layer l's states, so the top layer's rows form one matrix */
    float *state_spare;  /* same shape, target of rs_decoder_select */
    float *query_proj;   /* [rows, A] */
    const float *queries; /* this step's attention queries: query_proj or the top layer's states */
    size_t ld_queries;
    float *weights;      /* [rows, ld_weights]: attention weights of the last step */
    float *input;        /* [rows, Et + K]: E(y_{t-1}) then c_t */
    float *gates_in;     /* [rows, 3Hd] */
    float *gates_h;      /* [rows, 3Hd] */
    float *features;     /* [rows, Do] */
    float *logprobs;     /* [rows, Vt]: log p of the last step */
} rs_decoder;

void rs_decoder_init(rs_decoder *decoder, const rs_model *model);
void rs_decoder_free(rs_decoder *decoder);

/* Makes room for `rows` hypotheses over sources of at most `max_length` positions. Call before
 * rs_decoder_start; it may discard the rows held. */
int rs_decoder_reserve(rs_decoder *decoder, int rows, int max_length, rs_error *err);

/* Starts n rows, row i at s_0 of encodings[i]. */
void rs_decoder_start(rs_decoder *decoder, const rs_encoding *const *encodings, int n);

/* Advances every row: row i was fed prev[i] (y_{t-1}). Afterwards row i's a_t is at weights + i * ld_weights
 * and its log p(. | ...) at logprobs + i * Vt. */
void rs_decoder_step(rs_decoder *decoder, const int32_t *prev);

/* Keeps n rows: new row i is old row parents[i] (rows may repeat). */
void rs_decoder_select(rs_decoder *decoder, const int *parents, int n);

/* The decoder as rs_search_batch drives it (valid while the decoder is). */
rs_search_decoder rs_decoder_for_search(rs_decoder *decoder);

#endif
