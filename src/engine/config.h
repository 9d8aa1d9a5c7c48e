/* The model's "config" object (spec section 1): sizes, bridge, attention score and output parts, parsed and
 * checked for consistency. */
#ifndef RS_CONFIG_H
#define RS_CONFIG_H

#include <stdbool.h>

#include "error.h"

/* The largest size accepted for any one dimension; keeps every derived size (3H, Et + K, Do, ...) far
 * inside int. */
#define RS_MAX_DIM (1 << 24)

/* The most layers accepted for the encoder or the decoder. */
#define RS_MAX_LAYERS 256

typedef enum rs_bridge { RS_BRIDGE_LINEAR_TANH, RS_BRIDGE_COPY, RS_BRIDGE_ZEROS } rs_bridge;
typedef enum rs_score { RS_SCORE_ADDITIVE, RS_SCORE_DOT, RS_SCORE_SCALED_DOT, RS_SCORE_GENERAL } rs_score;
typedef enum rs_part { RS_PART_STATE, RS_PART_CONTEXT, RS_PART_EMBEDDING } rs_part;

#define RS_MAX_PARTS 3

typedef struct rs_config {
    int encoder_embedding_dim; /* Es */
    int encoder_hidden_size;   /* He */
    int encoder_layers;        /* Le */
    bool bidirectional;
    int decoder_embedding_dim; /* Et */
    int decoder_hidden_size;   /* Hd */
    int decoder_layers;        /* Ld */
    rs_bridge bridge;
    rs_score score;
    int attention_dim; /* A; 0 unless additive */
    rs_part output[RS_MAX_PARTS];
    int output_count;
    /* derived */
    int directions;        /* 2 if bidirectional else 1 */
    int encoder_output;    /* K = He * directions */
    int decoder_input;     /* Et + K */
    int output_input;      /* Do: sum of the output parts' sizes */
    int source_vocab_size; /* Vs, from the vocabulary list */
    int target_vocab_size; /* Vt */
} rs_config;

const char *rs_bridge_name(rs_bridge bridge);
const char *rs_score_name(rs_score score);
const char *rs_part_name(rs_part part);

/* Size of one output part under this config. */
int rs_part_size(const rs_config *config, rs_part part);

#endif
