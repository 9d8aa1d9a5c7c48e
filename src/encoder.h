/* The encoder: embeddings, the (bi)GRU stack, the top layer's outputs h_j = [forward_j; backward_j], the
 * attention keys and the bridge that gives the decoder its initial state. */
#ifndef RS_ENCODER_H
#define RS_ENCODER_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "model.h"

/* What the decoder needs of one source sentence. */
typedef struct rs_encoding {
    int length;           /* S, source positions (added bos/eos included) */
    float *memory;        /* [S, K]: h_j */
    float *keys;          /* [S, key_dim]: see attention.h */
    float *initial_state; /* [Ld, Hd]: s_0 */
    size_t memory_cap, keys_cap, initial_cap;
} rs_encoding;

/* Work space, grown to the longest sentence seen. */
typedef struct rs_encoder {
    const rs_model *model;
    float *embedded;  /* [S, Es] */
    float *gates;     /* [S, 3He] */
    float *layer_out; /* [S, K]: the layer below's output (input of the next layer) */
    float *finals;    /* [Le * directions, He]: final state of each layer and direction */
    float *gates_h;   /* [3He] */
    size_t embedded_cap, gates_cap, layer_out_cap, finals_cap, gates_h_cap;
} rs_encoder;

void rs_encoding_init(rs_encoding *encoding);
void rs_encoding_free(rs_encoding *encoding);

int rs_encoder_init(rs_encoder *encoder, const rs_model *model, rs_error *err);
void rs_encoder_free(rs_encoder *encoder);

/* Encodes `length` >= 1 source ids into out. */
int rs_encode(rs_encoder *encoder, const int32_t *ids, int length, rs_encoding *out, rs_error *err);

#endif
