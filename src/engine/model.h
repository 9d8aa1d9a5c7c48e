/* A loaded model: config, weights, vocabularies, special ids and tokenizer options (spec section 1). */
#ifndef RS_MODEL_H
#define RS_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "dense.h"
#include "embedding.h"
#include "error.h"
#include "gru.h"
#include "tokenizer.h"
#include "vocab.h"

/* The matrices are dense layers (dense.h) and the embeddings tables (embedding.h), kept in the precision the
 * file stores them in; the biases and v are float32. */
typedef struct rs_weights {
    rs_embedding encoder_embedding; /* [Vs, Es] */
    rs_gru_layer *encoder_rnn; /* [Le * directions]: layer l direction d at l * directions + d */
    rs_dense_layer bridge;     /* [Ld * Hd, K] and bias (linear_tanh) */
    rs_dense_layer query;      /* [A, Hd] (additive); its bias zeros when absent from the file */
    rs_dense_layer key;        /* [A, K]; its bias zeros when absent */
    float *v_weight;           /* [A] */
    rs_dense_layer general;    /* [Hd, K] (general), no bias */
    rs_embedding decoder_embedding; /* [Vt, Et] */
    rs_gru_layer *decoder_rnn; /* [Ld] */
    rs_dense_layer output;     /* [Vt, Do] and bias */
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
    float **tensors; /* every float32 buffer (biases, v), for freeing */
    size_t tensor_count;
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

/* Calls fn on each of the model's dense layers (those its config lacks are empty) until one returns non-zero;
 * returns that, else 0. */
int rs_model_each_dense(rs_model *model, int (*fn)(rs_dense_layer *layer, void *arg), void *arg);

/* Re-packs every dense layer of the model as int8 (dense.h rs_dense_quantize). */
int rs_model_quantize(rs_model *model, rs_error *err);

/* "SRC -> TGT" from the meta of the model file at `path` (--list-models), or "?" where the file or its meta
 * does not say; `out` holds `size` bytes. */
void rs_model_languages(const char *path, char *out, size_t size);

#endif
