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
    /* The matrices as f16 where every value is an f16 value (as in files written with "dtype": "f16"), for
     * the kernels (ops.h rs_linear_h); NULL otherwise. The GRU layers hold theirs. */
    const uint16_t *output_weight_half;
    const uint16_t *query_weight_half;
    const uint16_t *key_weight_half;
    const uint16_t *bridge_weight_half;
    const uint16_t *general_weight_half;
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
    /* meta.source_language when a short string (e.g. "de"), else "": picks sentence splitting's abbreviations */
    char source_language[16];
    char target_language[16]; /* meta.target_language likewise: splits forced targets */
    float **tensors; /* every weight buffer, for freeing */
    size_t tensor_count;
    uint16_t **halves; /* every f16 copy, for freeing */
    size_t half_count;
} rs_model;

/* Loads a v1 model file. Messages name the file and the JSON position or tensor at fault. */
int rs_model_load(rs_model *model, const char *path, rs_error *err);

/* Loads a model from JSON text of `len` bytes; `where` names it in messages. Both take the fast path of
 * bulk.h where they can, and rs_model_load_cjson where it declines. */
int rs_model_load_text(rs_model *model, const char *text, size_t len, const char *where, rs_error *err);

/* rs_model_load_text by cJSON alone: slower and hungrier on big files, the reference the fast path must equal
 * (same weights, same errors). */
int rs_model_load_cjson(rs_model *model, const char *text, size_t len, const char *where, rs_error *err);

void rs_model_free(rs_model *model);

#endif
