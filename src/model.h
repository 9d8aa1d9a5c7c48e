/* A loaded model: config, weights, vocabularies, special ids and tokenizer options (spec section 1). */
#ifndef RS_MODEL_H
#define RS_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "error.h"
#include "gru.h"
#include "tokenizer.h"
#include "vocab.h"

typedef struct rs_weights {
    float *encoder_embedding; /* [Vs, Es] */
    rs_gru_layer *encoder_rnn; /* [Le * directions]: layer l direction d at l * directions + d */
    float *bridge_weight;     /* [Ld * Hd, K] (linear_tanh) */
    float *bridge_bias;       /* [Ld * Hd] */
    float *query_weight;      /* [A, Hd] (additive) */
    float *query_bias;        /* [A], zeros when absent from the file */
    float *key_weight;        /* [A, K] */
    float *key_bias;          /* [A], zeros when absent */
    float *v_weight;          /* [A] */
    float *general_weight;    /* [Hd, K] (general) */
    float *decoder_embedding; /* [Vt, Et] */
    rs_gru_layer *decoder_rnn; /* [Ld] */
    float *output_weight;     /* [Vt, Do] */
    float *output_bias;       /* [Vt] */
} rs_weights;

typedef struct rs_special_ids {
    int32_t unk, bos, eos;
    int32_t pad; /* -1 when the model names no pad or its vocab lacks it */
} rs_special_ids;

typedef struct rs_model {
    rs_config config;
    rs_weights weights;
    rs_vocab source_vocab;
    rs_vocab target_vocab;
    rs_special_ids source_ids;
    rs_special_ids target_ids;
    bool add_bos;
    bool add_eos;
    rs_tokenizer tokenizer;
    float **tensors; /* every weight buffer, for freeing */
    size_t tensor_count;
} rs_model;

/* Loads a v1 model file. Messages name the file and the JSON position or tensor at fault. */
int rs_model_load(rs_model *model, const char *path, rs_error *err);

/* Loads a model from JSON text of `len` bytes; `where` names it in messages. */
int rs_model_load_text(rs_model *model, const char *text, size_t len, const char *where, rs_error *err);

void rs_model_free(rs_model *model);

#endif
