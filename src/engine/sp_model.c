#include "sp_model.h"

#include <stdlib.h>
#include <string.h>

#include "mem.h"

/* ---- protobuf wire format --------------------------------------------------------------------------- */

typedef struct wire {
    const unsigned char *pos, *end;
} wire;

enum { WIRE_VARINT = 0, WIRE_FIXED64 = 1, WIRE_BYTES = 2, WIRE_FIXED32 = 5 };

/* One field: its number and wire type, and its value (varint and fixed32 in `number`, bytes in data/len). */
typedef struct field {
    uint32_t id;
    int type;
    uint64_t number;
    const unsigned char *data;
    size_t len;
} field;

static bool read_varint(wire *w, uint64_t *out)
{
    uint64_t value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (w->pos == w->end)
            return false;
        unsigned char byte = *w->pos++;
        value |= (uint64_t)(byte & 0x7f) << shift;
        if (!(byte & 0x80)) {
            *out = value;
            return true;
        }
    }
    return false; /* more than 10 bytes */
}

/* Reads the next field of the message; false when the bytes are truncated or malformed. */
static bool read_field(wire *w, field *f)
{
    uint64_t key;
    if (!read_varint(w, &key) || (key >> 3) == 0 || (key >> 3) > UINT32_MAX)
        return false;
    f->id = (uint32_t)(key >> 3);
    f->type = (int)(key & 7);
    size_t left = (size_t)(w->end - w->pos);
    switch (f->type) {
    case WIRE_VARINT:
        return read_varint(w, &f->number);
    case WIRE_FIXED64:
        if (left < 8)
            return false;
        w->pos += 8;
        return true;
    case WIRE_FIXED32:
        if (left < 4)
            return false;
        f->number = (uint32_t)w->pos[0] | (uint32_t)w->pos[1] << 8 | (uint32_t)w->pos[2] << 16 |
                    (uint32_t)w->pos[3] << 24;
        w->pos += 4;
        return true;
    case WIRE_BYTES:
        if (!read_varint(w, &f->number) || f->number > (uint64_t)(w->end - w->pos))
            return false;
        f->data = w->pos;
        f->len = (size_t)f->number;
        w->pos += f->len;
        return true;
    default:
        return false; /* groups (3, 4) and reserved types: not in a ModelProto */
    }
}

static int malformed(rs_error *err, const char *what)
{
    return rs_fail(err, "SentencePiece model: %s is truncated or malformed (not a serialized ModelProto?)", what);
}

/* The field's value has the wire type the proto declares. */
static int expect(const field *f, int type, const char *name, rs_error *err)
{
    if (f->type != type)
        return rs_fail(err, "SentencePiece model: %s has the wrong wire type %d", name, f->type);
    return 0;
}

/* ---- pieces ----------------------------------------------------------------------------------------- */

/* A piece as read, its text still in the proto's bytes. */
typedef struct raw_piece {
    const char *text;
    size_t len;
    float score;
    unsigned char type;
} raw_piece;

typedef struct piece_list {
    raw_piece *items;
    size_t count, cap;
} piece_list;

static const char *type_name(unsigned type)
{
    static const char *const NAMES[] = {"?", "NORMAL", "UNKNOWN", "CONTROL", "USER_DEFINED", "UNUSED", "BYTE"};
    return type < sizeof NAMES / sizeof *NAMES ? NAMES[type] : "?";
}

/* ModelProto.SentencePiece: piece (1), score (2), type (3). */
static int parse_piece(piece_list *list, const unsigned char *data, size_t len, rs_error *err)
{
    if (list->count >= INT32_MAX / 2)
        return rs_fail(err, "SentencePiece model: too many pieces");
    void *items = list->items;
    if (rs_reserve(&items, &list->cap, list->count + 1, sizeof *list->items, "SentencePiece pieces", err) < 0)
        return -1;
    list->items = items;
    size_t i = list->count;
    raw_piece *p = &list->items[i];
    *p = (raw_piece){"", 0, 0.0f, RS_SP_NORMAL};
    wire w = {data, data + len};
    field f;
    while (w.pos < w.end) {
        if (!read_field(&w, &f))
            return malformed(err, "a piece");
        if (f.id == 1) {
            if (expect(&f, WIRE_BYTES, "piece.piece", err) < 0)
                return -1;
            p->text = (const char *)f.data;
            p->len = f.len;
        } else if (f.id == 2) {
            if (expect(&f, WIRE_FIXED32, "piece.score", err) < 0)
                return -1;
            uint32_t bits = (uint32_t)f.number;
            memcpy(&p->score, &bits, sizeof bits);
        } else if (f.id == 3) {
            if (expect(&f, WIRE_VARINT, "piece.type", err) < 0)
                return -1;
            if (f.number < RS_SP_NORMAL || f.number > RS_SP_BYTE)
                return rs_fail(err, "SentencePiece model: piece %zu has the unknown type %llu", i,
                               (unsigned long long)f.number);
            p->type = (unsigned char)f.number;
        }
    }
    if (p->len == 0)
        return rs_fail(err, "SentencePiece model: piece %zu is empty", i);
    if (memchr(p->text, '\0', p->len))
        return rs_fail(err, "SentencePiece model: piece %zu holds a NUL byte", i);
    if (p->type == RS_SP_USER_DEFINED || p->type == RS_SP_UNUSED || p->type == RS_SP_BYTE)
        return rs_fail(err, "SentencePiece model: piece %zu (\"%.*s\") has type %s, which rnnsearch does not "
                            "support (retrain without user-defined symbols and byte_fallback)",
                       i, p->len > 40 ? 40 : (int)p->len, p->text, type_name(p->type));
    list->count++;
    return 0;
}

/* The checks SentencePiece makes (distinct strings, one unk), on the model's table. */
static int check_pieces(rs_sp_model *model, rs_error *err)
{
    model->unk_id = -1;
    for (size_t i = 0; i < model->pieces.size; i++) {
        const char *text = rs_vocab_string(&model->pieces, (int32_t)i);
        int32_t first = rs_vocab_find(&model->pieces, text, model->pieces.lengths[i]);
        if (first != (int32_t)i)
            return rs_fail(err, "SentencePiece model: piece %zu (\"%.40s\") repeats piece %d", i, text, first);
        if (model->types[i] == RS_SP_UNKNOWN) {
            if (model->unk_id >= 0)
                return rs_fail(err, "SentencePiece model: pieces %d and %zu are both of type UNKNOWN",
                               model->unk_id, i);
            model->unk_id = (int32_t)i;
        }
    }
    if (model->unk_id < 0)
        return rs_fail(err, "SentencePiece model: no piece of type UNKNOWN");
    return 0;
}

/* Moves the pieces into the model: the string table, scores and types. */
static int store_pieces(rs_sp_model *model, const piece_list *list, rs_error *err)
{
    if (list->count == 0)
        return rs_fail(err, "SentencePiece model: no pieces");
    const char **texts = rs_alloc_array(list->count, sizeof *texts, "SentencePiece pieces", err);
    size_t *lengths = rs_alloc_array(list->count, sizeof *lengths, "SentencePiece pieces", err);
    model->scores = rs_alloc_array(list->count, sizeof *model->scores, "SentencePiece pieces", err);
    model->types = rs_alloc_array(list->count, sizeof *model->types, "SentencePiece pieces", err);
    int rc = texts && lengths && model->scores && model->types ? 0 : -1;
    for (size_t i = 0; rc == 0 && i < list->count; i++) {
        texts[i] = list->items[i].text;
        lengths[i] = list->items[i].len;
        model->scores[i] = list->items[i].score;
        model->types[i] = list->items[i].type;
    }
    if (rc == 0)
        rc = rs_vocab_build(&model->pieces, texts, lengths, list->count, err);
    free(texts);
    free(lengths);
    return rc < 0 ? -1 : check_pieces(model, err);
}

/* ---- specs ------------------------------------------------------------------------------------------ */

/* TrainerSpec: model_type (3), treat_whitespace_as_suffix (24), byte_fallback (35), unk_surface (44). */
static int parse_trainer_spec(rs_sp_model *model, const unsigned char *data, size_t len, int *model_type,
                              rs_error *err)
{
    wire w = {data, data + len};
    field f;
    while (w.pos < w.end) {
        if (!read_field(&w, &f))
            return malformed(err, "trainer_spec");
        if (f.id == 3 || f.id == 24 || f.id == 35) {
            if (expect(&f, WIRE_VARINT, "a trainer_spec field", err) < 0)
                return -1;
            if (f.id == 3)
                *model_type = f.number > 4 ? 0 : (int)f.number;
            else if (f.number && f.id == 24)
                return rs_fail(err, "SentencePiece model: treat_whitespace_as_suffix is not supported");
            else if (f.number)
                return rs_fail(err, "SentencePiece model: byte_fallback is not supported (retrain without it)");
        } else if (f.id == 44) {
            if (expect(&f, WIRE_BYTES, "trainer_spec.unk_surface", err) < 0)
                return -1;
            char *surface = rs_strndup((const char *)f.data, f.len, err);
            if (!surface)
                return -1;
            free(model->unk_surface);
            model->unk_surface = surface;
        }
    }
    return 0;
}

/* precompiled_charsmap: a little-endian uint32 trie size, the trie's units, then the replacement strings. */
static int parse_charsmap(rs_sp_model *model, const unsigned char *data, size_t len, rs_error *err)
{
    free(model->trie); /* a field given twice: the last one counts, as protobuf reads it */
    free(model->replacements);
    model->trie = NULL;
    model->replacements = NULL;
    model->trie_units = model->replacements_len = 0;
    if (len == 0)
        return 0;
    if (len <= 4)
        return malformed(err, "normalizer_spec.precompiled_charsmap");
    uint32_t trie_bytes = (uint32_t)data[0] | (uint32_t)data[1] << 8 | (uint32_t)data[2] << 16 |
                          (uint32_t)data[3] << 24;
    if (trie_bytes >= len - 4 || trie_bytes % 4 != 0 || data[len - 1] != '\0')
        return malformed(err, "normalizer_spec.precompiled_charsmap");
    model->trie_units = trie_bytes / 4;
    model->trie = rs_alloc_array(model->trie_units ? model->trie_units : 1, sizeof *model->trie, "charsmap", err);
    model->replacements_len = len - 4 - trie_bytes;
    model->replacements = rs_alloc_array(model->replacements_len, 1, "charsmap", err);
    if (!model->trie || !model->replacements)
        return -1;
    const unsigned char *unit = data + 4;
    for (size_t i = 0; i < model->trie_units; i++, unit += 4)
        model->trie[i] = (uint32_t)unit[0] | (uint32_t)unit[1] << 8 | (uint32_t)unit[2] << 16 |
                         (uint32_t)unit[3] << 24;
    memcpy(model->replacements, data + 4 + trie_bytes, model->replacements_len);
    return 0;
}

/* NormalizerSpec: precompiled_charsmap (2), add_dummy_prefix (3), remove_extra_whitespaces (4),
 * escape_whitespaces (5). For the denormalizer (`denormalizer` true) a rule set is refused. */
static int parse_normalizer_spec(rs_sp_model *model, const unsigned char *data, size_t len, bool denormalizer,
                                 rs_error *err)
{
    wire w = {data, data + len};
    field f;
    while (w.pos < w.end) {
        if (!read_field(&w, &f))
            return malformed(err, denormalizer ? "denormalizer_spec" : "normalizer_spec");
        if (f.id == 2) {
            if (expect(&f, WIRE_BYTES, "precompiled_charsmap", err) < 0)
                return -1;
            if (denormalizer && f.len > 0)
                return rs_fail(err, "SentencePiece model: a denormalizer is not supported");
            if (!denormalizer && parse_charsmap(model, f.data, f.len, err) < 0)
                return -1;
        } else if (f.id >= 3 && f.id <= 5 && !denormalizer) {
            if (expect(&f, WIRE_VARINT, "a normalizer_spec flag", err) < 0)
                return -1;
            bool *flag = f.id == 3   ? &model->add_dummy_prefix
                         : f.id == 4 ? &model->remove_extra_whitespaces
                                     : &model->escape_whitespaces;
            *flag = f.number != 0;
        }
    }
    return 0;
}

/* ---- the model -------------------------------------------------------------------------------------- */

static int parse_fields(rs_sp_model *model, piece_list *list, const unsigned char *proto, size_t len,
                        int *model_type, rs_error *err)
{
    wire w = {proto, proto + len};
    field f;
    while (w.pos < w.end) {
        if (!read_field(&w, &f))
            return malformed(err, "the ModelProto");
        if (f.id >= 1 && f.id <= 5 && f.id != 4 && expect(&f, WIRE_BYTES, "a ModelProto field", err) < 0)
            return -1;
        int rc = 0;
        if (f.id == 1)
            rc = parse_piece(list, f.data, f.len, err);
        else if (f.id == 2)
            rc = parse_trainer_spec(model, f.data, f.len, model_type, err);
        else if (f.id == 3)
            rc = parse_normalizer_spec(model, f.data, f.len, false, err);
        else if (f.id == 5)
            rc = parse_normalizer_spec(model, f.data, f.len, true, err);
        if (rc < 0)
            return -1;
    }
    return 0;
}

int rs_sp_model_parse(rs_sp_model *model, const unsigned char *proto, size_t len, rs_error *err)
{
    memset(model, 0, sizeof *model);
    rs_vocab_init(&model->pieces);
    model->add_dummy_prefix = model->remove_extra_whitespaces = model->escape_whitespaces = true;
    int model_type = 1; /* TrainerSpec's default: UNIGRAM */
    piece_list list = {0};
    int rc = parse_fields(model, &list, proto, len, &model_type, err);
    if (rc == 0 && model_type != 2) {
        static const char *const TYPES[] = {"unknown", "unigram", "BPE", "word", "char"};
        rc = rs_fail(err, "SentencePiece model: model type %s is not supported (rnnsearch segments BPE models)",
                     TYPES[model_type]);
    }
    if (rc == 0)
        rc = store_pieces(model, &list, err);
    if (rc == 0 && !model->unk_surface && !(model->unk_surface = rs_strndup(" \xe2\x81\x87 ", 5, err)))
        rc = -1;
    free(list.items);
    if (rc < 0)
        rs_sp_model_free(model);
    return rc;
}

void rs_sp_model_free(rs_sp_model *model)
{
    rs_vocab_free(&model->pieces);
    free(model->scores);
    free(model->types);
    free(model->unk_surface);
    free(model->trie);
    free(model->replacements);
    memset(model, 0, sizeof *model);
}
