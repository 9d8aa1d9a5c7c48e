/* A SentencePiece model: the ModelProto of a .model file (README "Subword models"), read from its protobuf wire
 * format. Only what segmentation needs is kept, and only what this engine segments exactly as SentencePiece
 * does is accepted: a BPE model without byte fallback, user-defined or unused pieces, whitespace-as-suffix or
 * a denormalizer. Anything else is refused with a message that names it. */
#ifndef RS_SP_MODEL_H
#define RS_SP_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "vocab.h"

/* ModelProto.SentencePiece.Type */
enum { RS_SP_NORMAL = 1, RS_SP_UNKNOWN = 2, RS_SP_CONTROL = 3, RS_SP_USER_DEFINED = 4, RS_SP_UNUSED = 5, RS_SP_BYTE = 6 };

/* U+2581 LOWER ONE EIGHTH BLOCK: SentencePiece's visible space, which starts every word-initial piece. */
#define RS_SP_SPACE "\xe2\x96\x81"
#define RS_SP_SPACE_LEN 3

typedef struct rs_sp_model {
    rs_vocab pieces;      /* id -> piece and piece -> id, in the proto's order */
    float *scores;        /* merge priority of each piece: higher merges first */
    unsigned char *types; /* RS_SP_* of each piece */
    int32_t unk_id;       /* the one UNKNOWN piece */
    char *unk_surface;    /* what decoding writes for the unk piece (TrainerSpec.unk_surface) */
    bool add_dummy_prefix, remove_extra_whitespaces, escape_whitespaces;
    /* NormalizerSpec.precompiled_charsmap: a Darts-clone double array (host order) whose leaves index NUL-ended
     * replacement strings; no units: no rules. */
    uint32_t *trie;
    size_t trie_units;
    char *replacements;
    size_t replacements_len;
} rs_sp_model;

/* Parses the serialized ModelProto proto[0 .. len). Messages say what is wrong, without a location prefix. */
int rs_sp_model_parse(rs_sp_model *model, const unsigned char *proto, size_t len, rs_error *err);

void rs_sp_model_free(rs_sp_model *model);

/* The piece's id, or -1 when the model has no such piece. */
static inline int32_t rs_sp_find(const rs_sp_model *model, const char *piece, size_t len)
{
    return rs_vocab_find(&model->pieces, piece, len);
}

#endif
