#include "subword.h"

#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "base64.h"
#include "loader.h"
#include "tensor.h"
#include "tokenizer.h"

/* Reads the value of tokenizer.SIDE.sentencepiece into a new model (*out). */
static int parse_sentencepiece(rs_sp_model **out, const cJSON *value, const char *where, const char *side,
                               rs_error *err)
{
    const char *at = where ? where : "model";
    if (!cJSON_IsObject(value))
        return rs_fail(err, "%s: tokenizer.%s.sentencepiece: expected an object", at, side);
    const cJSON *proto = NULL;
    for (const cJSON *item = value->child; item; item = item->next) {
        if (!item->string || strcmp(item->string, "model_proto") != 0)
            return rs_fail(err, "%s: tokenizer.%s.sentencepiece.%.100s: unknown key", at, side,
                           item->string ? item->string : "");
        proto = item;
    }
    if (!cJSON_IsString(proto))
        return rs_fail(err, "%s: tokenizer.%s.sentencepiece.model_proto: %s", at, side,
                       proto ? "expected a base64 string" : "missing");
    unsigned char *bytes = NULL;
    size_t len = 0;
    rs_error inner;
    if (rs_base64_decode(proto->valuestring, strlen(proto->valuestring), &bytes, &len, &inner) < 0)
        return rs_fail(err, "%s: tokenizer.%s.sentencepiece.model_proto: %s", at, side, inner.message);
    rs_sp_model *model = malloc(sizeof *model);
    int rc = model ? rs_sp_model_parse(model, bytes, len, &inner) : rs_fail(&inner, "out of memory (tokenizer)");
    free(bytes);
    if (rc < 0) {
        free(model);
        return rs_fail(err, "%s: tokenizer.%s.sentencepiece.model_proto: %s", at, side, inner.message);
    }
    rs_subword_free(*out);
    *out = model;
    return 0;
}

/* A SentencePiece side takes no word-level key: neither in its own object `side_object` nor at the top of the
 * tokenizer object (where a key would apply to both sides). */
static int check_alone(const cJSON *tokenizer, const cJSON *side_object, const char *where, const char *side,
                       rs_error *err)
{
    const char *at = where ? where : "model";
    for (const cJSON *item = side_object->child; item; item = item->next)
        if (item->string && strcmp(item->string, "sentencepiece") != 0)
            return rs_fail(err, "%s: tokenizer.%s.%.100s: a word-level key, not allowed beside sentencepiece", at,
                           side, item->string);
    for (const cJSON *item = tokenizer->child; item; item = item->next)
        if (item->string && strcmp(item->string, "source") != 0 && strcmp(item->string, "target") != 0)
            return rs_fail(err, "%s: tokenizer.%.100s: a word-level key for both sides, not allowed when the %s side "
                                "is sentencepiece", at, item->string, side);
    return 0;
}

/* ---- the word-level options, and the object ---------------------------------------------------------------------- */

static bool *option_field(rs_tok_options *options, const char *key)
{
    if (strcmp(key, "lowercase") == 0)
        return &options->lowercase;
    if (strcmp(key, "fold_accents") == 0)
        return &options->fold_accents;
    if (strcmp(key, "split_punctuation") == 0)
        return &options->split_punctuation;
    if (strcmp(key, "split_elision") == 0)
        return &options->split_elision;
    if (strcmp(key, "capitalize") == 0)
        return &options->capitalize;
    return NULL;
}

/* Messages read "WHERE: tokenizer.PATH: what" so the user finds the key in the model file. */
static int parse_fail(rs_error *err, const char *where, const char *path, const char *key, const char *what)
{
    return rs_fail(err, "%s%stokenizer%s%s%s%s: %s", where ? where : "", where ? ": " : "", path ? "." : "",
                   path ? path : "", key ? "." : "", key ? key : "", what);
}

/* Sets the option named by item's key in every one of options[0..n). */
static int set_option(rs_tok_options *options, size_t n, const cJSON *item, const char *where, const char *path,
                      rs_error *err)
{
    const char *key = item->string ? item->string : "";
    if (!option_field(&options[0], key))
        return parse_fail(err, where, path, key, "unknown key");
    if (!cJSON_IsBool(item))
        return parse_fail(err, where, path, key, "expected true or false");
    for (size_t i = 0; i < n; i++)
        *option_field(&options[i], key) = cJSON_IsTrue(item);
    return 0;
}

static int parse_sides(rs_tokenizer *tok, const cJSON *object, const char *where, rs_error *err)
{
    if (!object || cJSON_IsNull(object))
        return 0;
    if (!cJSON_IsObject(object))
        return parse_fail(err, where, NULL, NULL, "expected an object");
    /* Top-level keys first, whatever their order in the file, so that the per-side objects override them. */
    rs_tok_options both[2];
    memset(both, 0, sizeof both);
    for (const cJSON *item = object->child; item; item = item->next) {
        const char *key = item->string ? item->string : "";
        if (strcmp(key, "source") == 0 || strcmp(key, "target") == 0)
            continue;
        if (set_option(both, 2, item, where, NULL, err) < 0)
            return -1;
    }
    tok->source = both[0];
    tok->target = both[1];
    for (const cJSON *item = object->child; item; item = item->next) {
        const char *key = item->string ? item->string : "";
        rs_tok_options *side = strcmp(key, "source") == 0 ? &tok->source
                               : strcmp(key, "target") == 0 ? &tok->target
                                                            : NULL;
        if (!side || cJSON_IsNull(item))
            continue;
        if (!cJSON_IsObject(item))
            return parse_fail(err, where, key, NULL, "expected an object");
        for (const cJSON *sub = item->child; sub; sub = sub->next) {
            bool is_sentencepiece = sub->string && strcmp(sub->string, "sentencepiece") == 0;
            if (is_sentencepiece ? parse_sentencepiece(&side->sentencepiece, sub, where, key, err) < 0
                                 : set_option(side, 1, sub, where, key, err) < 0)
                return -1;
        }
        if (side->sentencepiece && check_alone(object, item, where, key, err) < 0)
            return -1;
    }
    return 0;
}

int rs_tokenizer_parse(rs_tokenizer *tok, const cJSON *object, const char *where, rs_error *err)
{
    memset(tok, 0, sizeof *tok);
    if (parse_sides(tok, object, where, err) < 0) {
        rs_tokenizer_free(tok);
        return -1;
    }
    return 0;
}

void rs_subword_free(rs_sp_model *model)
{
    if (!model)
        return;
    rs_sp_model_free(model);
    free(model);
}

/* The special token `name` (id) must be a piece of this type. */
static int check_special(const rs_sp_model *sp, const rs_vocab *vocab, const char *name, int32_t id, int type,
                         const char *where, const char *side, rs_error *err)
{
    if (id < 0 || sp->types[id] == type)
        return 0;
    return rs_fail(err, "%s: special_tokens.%s \"%.40s\" is piece %d of the %s side's SentencePiece model, which is "
                        "not its %s piece", where, name, rs_vocab_string(vocab, id), id, side,
                   type == RS_SP_UNKNOWN ? "unknown" : "a control");
}

static int check_side(const rs_sp_model *sp, const rs_vocab *vocab, const rs_tok_specials *ids, const char *where,
                      const char *side, rs_error *err)
{
    if (!sp)
        return 0;
    if (vocab->size != sp->pieces.size)
        return rs_fail(err, "%s: %s.vocab has %zu entries, its SentencePiece model %zu pieces (they must be the "
                            "same list)", where, side, vocab->size, sp->pieces.size);
    for (size_t i = 0; i < vocab->size; i++)
        if (vocab->lengths[i] != sp->pieces.lengths[i] ||
            memcmp(rs_vocab_string(vocab, (int32_t)i), rs_vocab_string(&sp->pieces, (int32_t)i), vocab->lengths[i]))
            return rs_fail(err, "%s: %s.vocab[%zu] is \"%.40s\", its SentencePiece model's piece %zu is \"%.40s\"",
                           where, side, i, rs_vocab_string(vocab, (int32_t)i), i,
                           rs_vocab_string(&sp->pieces, (int32_t)i));
    if (check_special(sp, vocab, "unk", ids->unk, RS_SP_UNKNOWN, where, side, err) < 0 ||
        check_special(sp, vocab, "bos", ids->bos, RS_SP_CONTROL, where, side, err) < 0 ||
        check_special(sp, vocab, "eos", ids->eos, RS_SP_CONTROL, where, side, err) < 0 ||
        check_special(sp, vocab, "pad", ids->pad, RS_SP_CONTROL, where, side, err) < 0)
        return -1;
    return 0;
}

int rs_tokenizer_check_vocab(const rs_tokenizer *tok, const rs_vocab *source, const rs_tok_specials *source_ids,
                             const rs_vocab *target, const rs_tok_specials *target_ids, const char *where,
                             rs_error *err)
{
    if (check_side(tok->source.sentencepiece, source, source_ids, where, "source", err) < 0)
        return -1;
    return check_side(tok->target.sentencepiece, target, target_ids, where, "target", err);
}
