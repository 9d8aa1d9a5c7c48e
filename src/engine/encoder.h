/* The encoder: embeddings, the (bi)GRU stack, the top layer's outputs h_j = [forward_j; backward_j], the
 * attention keys and the bridge that gives the decoder its initial state. Several sentences are encoded
 * together: their positions share the input products, and at each step of the recurrence the sentences still
 * running share the hidden product, each row computed as it would be alone (ops.h), so that a sentence's
 * encoding does not depend on the others. */
#ifndef RS_ENCODER_H
#define RS_ENCODER_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "model.h"
#include "workspace.h"

/* What the decoder needs of one source sentence. */
typedef struct rs_encoding {
    int length;           /* S, source positions (added bos/eos included) */
    float *memory;        /* [S, K]: h_j */
    float *keys;          /* [S, key_dim]: see attention.h */
    float *initial_state; /* [Ld, Hd]: s_0 */
    rs_workspace workspace; /* owns the three above */
} rs_encoding;

/* Work space, grown to the largest batch seen. Positions of all sentences are packed one after another. */
typedef struct rs_encoder {
    const rs_model *model;
    int sentences;              /* the batch being encoded */
    size_t positions;           /* its positions, all sentences together */
    rs_workspace workspace;     /* owns every buffer below (encoder.c: layout) */
    float *packed_a, *packed_b; /* [positions, max(Es, K)]: a layer's input and output, in turn */
    float *gates;               /* [positions, 3He] */
    float *keys;                /* [positions, key_dim] */
    float *state;               /* [sentences, He]: the running states, longest sentence first */
    float *gates_h;             /* [sentences, 3He] */
    float *finals;              /* [sentences, Le * directions, He]: each layer and direction's final state */
    float *bridge_in;           /* [sentences, K] */
    float *bridge_out;          /* [sentences, Ld * Hd] */
    int *order;                 /* [sentences]: by length, longest first */
    size_t *offset;             /* [sentences]: first packed position */
} rs_encoder;

void rs_encoding_init(rs_encoding *encoding);
void rs_encoding_free(rs_encoding *encoding);

int rs_encoder_init(rs_encoder *encoder, const rs_model *model, rs_error *err);
void rs_encoder_free(rs_encoder *encoder);

/* Encodes `length` >= 1 source ids into out. */
int rs_encode(rs_encoder *encoder, const int32_t *ids, int length, rs_encoding *out, rs_error *err);

/* Encodes `count` sentences at once: ids[i] (lengths[i] >= 1 ids) into out[i], each exactly as rs_encode would. */
int rs_encode_batch(rs_encoder *encoder, const int32_t *const *ids, const int *lengths, int count,
                    rs_encoding *const *out, rs_error *err);

#endif
