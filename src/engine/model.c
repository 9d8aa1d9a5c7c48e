/* MAP_ANONYMOUS, mremap */
#define _GNU_SOURCE

#include "model.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "bulk.h"
#include "loader.h"
#include "mem.h"
#include "ops.h"
#include "tensor.h"
#include "utf8.h"

/* One tensor the config calls for. */
typedef struct expected_tensor {
    char name[64];
    int ndim;
    size_t shape[2];
    float **dest;
    bool optional; /* zero-filled when absent */
    bool found;
    rs_dense_layer *dense;   /* a matrix: packed into *dense once read (then dest is &values) */
    rs_embedding *embedding; /* an embedding table: likewise */
    float *values;
} expected_tensor;

typedef struct tensor_table {
    expected_tensor *items;
    size_t count;
    size_t cap;
} tensor_table;

static void expect(tensor_table *table, const char *name, size_t rows, size_t cols, float **dest, bool optional)
{
    expected_tensor *t = &table->items[table->count++];
    snprintf(t->name, sizeof t->name, "%s", name);
    t->ndim = cols ? 2 : 1;
    t->shape[0] = rows;
    t->shape[1] = cols;
    t->dest = dest;
    t->optional = optional;
    t->found = false;
    t->dense = NULL;
    t->embedding = NULL;
}

/* An embedding table. */
static void expect_embedding(tensor_table *table, const char *name, size_t rows, size_t cols, rs_embedding *embedding)
{
    expected_tensor *t = &table->items[table->count];
    expect(table, name, rows, cols, &t->values, false);
    t->embedding = embedding;
}

/* A matrix that becomes a dense layer. */
static void expect_dense(tensor_table *table, const char *name, size_t rows, size_t cols, rs_dense_layer *dense)
{
    expected_tensor *t = &table->items[table->count];
    expect(table, name, rows, cols, &t->values, false);
    t->dense = dense;
}

static void expect_gru(tensor_table *table, const char *prefix, int layer, const char *suffix, rs_gru_layer *gru)
{
    char name[64];
    size_t gates = 3 * (size_t)gru->hidden_size;
    snprintf(name, sizeof name, "%sweight_ih_l%d%s", prefix, layer, suffix);
    expect_dense(table, name, gates, (size_t)gru->input_size, &gru->input);
    snprintf(name, sizeof name, "%sweight_hh_l%d%s", prefix, layer, suffix);
    expect_dense(table, name, gates, (size_t)gru->hidden_size, &gru->hidden);
    snprintf(name, sizeof name, "%sbias_ih_l%d%s", prefix, layer, suffix);
    expect(table, name, gates, 0, &gru->input.bias, false);
    snprintf(name, sizeof name, "%sbias_hh_l%d%s", prefix, layer, suffix);
    expect(table, name, gates, 0, &gru->hidden.bias, false);
}

/* Lists every tensor the config needs, with its shape and where its buffer goes. */
static int build_table(rs_model *model, tensor_table *table, rs_error *err)
{
    const rs_config *c = &model->config;
    rs_weights *w = &model->weights;
    size_t enc_layers = (size_t)c->encoder_layers * (size_t)c->directions;
    w->encoder_rnn = rs_calloc_array(enc_layers, sizeof *w->encoder_rnn, "model", err);
    w->decoder_rnn = rs_calloc_array((size_t)c->decoder_layers, sizeof *w->decoder_rnn, "model", err);
    table->cap = 4 * (enc_layers + (size_t)c->decoder_layers) + 16;
    table->items = rs_calloc_array(table->cap, sizeof *table->items, "model", err);
    if (!w->encoder_rnn || !w->decoder_rnn || !table->items)
        return -1;

    size_t vs = (size_t)c->source_vocab_size, vt = (size_t)c->target_vocab_size;
    size_t k = (size_t)c->encoder_output, hd = (size_t)c->decoder_hidden_size, a = (size_t)c->attention_dim;
    expect_embedding(table, "encoder.embedding.weight", vs, (size_t)c->encoder_embedding_dim, &w->encoder_embedding);
    for (int l = 0; l < c->encoder_layers; l++)
        for (int d = 0; d < c->directions; d++) {
            rs_gru_layer *gru = &w->encoder_rnn[l * c->directions + d];
            gru->input_size = l == 0 ? c->encoder_embedding_dim : c->encoder_output;
            gru->hidden_size = c->encoder_hidden_size;
            expect_gru(table, "encoder.rnn.", l, d ? "_reverse" : "", gru);
        }
    if (c->bridge == RS_BRIDGE_LINEAR_TANH) {
        expect_dense(table, "bridge.weight", (size_t)c->decoder_layers * hd, k, &w->bridge);
        expect(table, "bridge.bias", (size_t)c->decoder_layers * hd, 0, &w->bridge.bias, false);
    }
    if (c->score == RS_SCORE_ADDITIVE) {
        expect_dense(table, "attention.query.weight", a, hd, &w->query);
        expect(table, "attention.query.bias", a, 0, &w->query.bias, true);
        expect_dense(table, "attention.key.weight", a, k, &w->key);
        expect(table, "attention.key.bias", a, 0, &w->key.bias, true);
        expect(table, "attention.v.weight", 1, a, &w->v_weight, false);
    } else if (c->score == RS_SCORE_GENERAL) {
        expect_dense(table, "attention.weight", hd, k, &w->general);
    }
    expect_embedding(table, "decoder.embedding.weight", vt, (size_t)c->decoder_embedding_dim, &w->decoder_embedding);
    for (int l = 0; l < c->decoder_layers; l++) {
        rs_gru_layer *gru = &w->decoder_rnn[l];
        gru->input_size = l == 0 ? c->decoder_input : c->decoder_hidden_size;
        gru->hidden_size = c->decoder_hidden_size;
        expect_gru(table, "decoder.rnn.", l, "", gru);
    }
    expect_dense(table, "output.weight", vt, (size_t)c->output_input, &w->output);
    expect(table, "output.bias", vt, 0, &w->output.bias, false);

    model->tensors = rs_calloc_array(table->count, sizeof *model->tensors, "model", err);
    return model->tensors ? 0 : -1;
}

/* Packs a matrix just read into its dense layer or embedding table - from its f16 values as stored (half),
 * else from float32 - and lets the values go: a model stored as f16 never holds a float32 copy of one. */
static int pack_dense(expected_tensor *t, uint16_t *half, const char *where, rs_error *err)
{
    rs_error inner;
    int rows = (int)t->shape[0], cols = (int)t->shape[1], rc;
    if (t->embedding)
        rc = half ? rs_embedding_pack_halves(t->embedding, half, rows, cols, &inner)
                  : rs_embedding_pack(t->embedding, t->values, rows, cols, &inner);
    else
        rc = half ? rs_dense_pack_halves(t->dense, half, rows, cols, &inner)
                  : rs_dense_pack(t->dense, t->values, rows, cols, &inner);
    free(half);
    free(t->values);
    t->values = NULL;
    return rc < 0 ? rs_fail(err, "%s: tensor %s: %s", where, t->name, inner.message) : 0;
}

/* The tensor of `table` named `name`, or NULL. */
static expected_tensor *find_expected(tensor_table *table, const char *name)
{
    for (size_t i = 0; i < table->count; i++)
        if (strcmp(table->items[i].name, name) == 0)
            return &table->items[i];
    return NULL;
}

/* How far a load got when it failed: messages about the text carry positions in it (which differ between the
 * fast path's skeleton and the file), messages about values may be worded by the path that read them; the
 * document's structure (config, vocabularies, tensor names and shapes) reads the same on both paths. */
typedef enum load_stage { STAGE_TEXT, STAGE_STRUCTURE, STAGE_VALUES } load_stage;

/* bulk: the values parsed by bulk.h's pre-pass, or NULL. *stage becomes STAGE_VALUES while values are read. */
static int load_tensors(rs_model *model, const cJSON *tensors, rs_bulk_table *bulk, const char *where,
                        load_stage *stage, rs_error *err)
{
    if (!tensors)
        return rs_fail(err, "%s: tensors: missing", where);
    if (!cJSON_IsObject(tensors))
        return rs_fail(err, "%s: tensors: expected an object", where);
    tensor_table table = {0};
    if (build_table(model, &table, err) < 0) {
        free(table.items);
        return -1;
    }
    int rc = 0;
    const cJSON *item;
    cJSON_ArrayForEach(item, tensors)
    {
        const char *name = item->string;
        if (strcmp(name, "attention.v.bias") == 0 && model->config.score == RS_SCORE_ADDITIVE)
            continue; /* v's bias shifts every score equally, so softmax cancels it: accepted and ignored */
        expected_tensor *t = find_expected(&table, name);
        if (!t) {
            rc = rs_fail(err, "%s: tensor %.200s: unknown tensor (not part of a model with this config)", where, name);
            break;
        }
        if (t->found) {
            rc = rs_fail(err, "%s: tensor %s: given twice", where, name);
            break;
        }
        t->found = true;
        if (rs_tensor_check_header(item, name, t->shape, t->ndim, where, err) < 0) {
            rc = -1;
            break;
        }
        *stage = STAGE_VALUES;
        rs_bulk *values = bulk ? rs_bulk_find(bulk, name) : NULL;
        uint16_t *half = NULL; /* an f16 matrix's values as stored, packed without widening */
        bool packed = t->dense || t->embedding;
        if ((values ? rs_tensor_decode_bulk(item, name, t->shape, t->ndim, values, t->dest, packed ? &half : NULL,
                                            where, err)
                    : rs_tensor_decode(item, name, t->shape, t->ndim, t->dest, where, err)) < 0) {
            rc = -1;
            break;
        }
        if (packed ? pack_dense(t, half, where, err) < 0 : (model->tensors[model->tensor_count++] = *t->dest, false)) {
            rc = -1;
            break;
        }
        *stage = STAGE_STRUCTURE;
    }
    for (size_t i = 0; rc == 0 && i < table.count; i++) {
        expected_tensor *t = &table.items[i];
        if (t->found)
            continue;
        if (!t->optional) {
            rc = rs_fail(err, "%s: tensor %s: missing", where, t->name);
            break;
        }
        size_t count = t->ndim == 2 ? t->shape[0] * t->shape[1] : t->shape[0];
        *t->dest = rs_calloc_array(count, sizeof(float), "tensor", err);
        if (!*t->dest) {
            rc = -1;
            break;
        }
        model->tensors[model->tensor_count++] = *t->dest;
    }
    free(table.items);
    return rc;
}

/* The first code point of s that ends a line for a text reader (Python's str.splitlines), or 0. No tokenizer
 * token holds one, and a target token that did would break the one-line-per-input output. */
static uint32_t find_line_break(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\n' || c == '\r' || c == '\v' || c == '\f' || (c >= 0x1c && c <= 0x1e))
            return c;
        if (c == 0xc2 && i + 1 < len && (unsigned char)s[i + 1] == 0x85)
            return 0x85;
        if (c == 0xe2 && i + 2 < len && (unsigned char)s[i + 1] == 0x80 &&
            ((unsigned char)s[i + 2] == 0xa8 || (unsigned char)s[i + 2] == 0xa9))
            return (unsigned char)s[i + 2] == 0xa8 ? 0x2028 : 0x2029;
    }
    return 0;
}

static int load_vocab(rs_vocab *vocab, const cJSON *side, const char *side_name, const char *where, rs_error *err)
{
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(side, "vocab");
    if (!list)
        return rs_fail(err, "%s: %s.vocab: missing", where, side_name);
    if (!cJSON_IsArray(list))
        return rs_fail(err, "%s: %s.vocab: expected a list of strings", where, side_name);
    size_t count = (size_t)cJSON_GetArraySize(list);
    if (count > RS_MAX_DIM)
        return rs_fail(err, "%s: %s.vocab: %zu entries (at most %d)", where, side_name, count, RS_MAX_DIM);
    const char **strings = rs_alloc_array(count, sizeof *strings, "vocabulary", err);
    size_t *lengths = rs_alloc_array(count, sizeof *lengths, "vocabulary", err);
    int rc = strings && lengths ? 0 : -1;
    size_t i = 0;
    const cJSON *item;
    cJSON_ArrayForEach(item, list)
    {
        if (rc < 0)
            break;
        if (!cJSON_IsString(item)) {
            rc = rs_fail(err, "%s: %s.vocab[%zu]: expected a string", where, side_name, i);
            break;
        }
        strings[i] = item->valuestring;
        lengths[i] = strlen(item->valuestring);
        if (!rs_utf8_valid((const unsigned char *)strings[i], lengths[i])) {
            rc = rs_fail(err, "%s: %s.vocab[%zu]: not valid UTF-8", where, side_name, i);
            break;
        }
        uint32_t line_break = find_line_break(strings[i], lengths[i]);
        if (line_break) {
            rc = rs_fail(err, "%s: %s.vocab[%zu]: holds a line break (U+%04X), which no token can", where, side_name,
                         i, (unsigned)line_break);
            break;
        }
        i++;
    }
    if (rc == 0)
        rc = rs_vocab_build(vocab, strings, lengths, count, err);
    free(strings);
    free(lengths);
    return rc;
}

static int get_bool(const cJSON *parent, const char *key, const char *path, bool fallback, bool *out,
                    const char *where, rs_error *err)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(parent, key);
    if (!item) {
        *out = fallback;
        return 0;
    }
    if (!cJSON_IsBool(item))
        return rs_fail(err, "%s: %s.%s: expected true or false", where, path, key);
    *out = cJSON_IsTrue(item);
    return 0;
}

static int find_special(const rs_model *model, const cJSON *specials, const char *key, bool required,
                        int32_t *source_id, int32_t *target_id, const char *where, rs_error *err)
{
    *source_id = *target_id = -1;
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(specials, key);
    if (!item) {
        if (required)
            return rs_fail(err, "%s: special_tokens.%s: missing", where, key);
        return 0;
    }
    if (!cJSON_IsString(item))
        return rs_fail(err, "%s: special_tokens.%s: expected a string", where, key);
    const char *s = item->valuestring;
    *source_id = rs_vocab_find(&model->source_vocab, s, strlen(s));
    *target_id = rs_vocab_find(&model->target_vocab, s, strlen(s));
    if (required && *source_id < 0)
        return rs_fail(err, "%s: special_tokens.%s: \"%.100s\" is not in source.vocab", where, key, s);
    if (required && *target_id < 0)
        return rs_fail(err, "%s: special_tokens.%s: \"%.100s\" is not in target.vocab", where, key, s);
    return 0;
}

static const cJSON *get_object(const cJSON *doc, const char *key, const char *where, rs_error *err)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(doc, key);
    if (!item)
        rs_fail(err, "%s: %s: missing", where, key);
    else if (!cJSON_IsObject(item))
        rs_fail(err, "%s: %s: expected an object", where, key);
    else
        return item;
    return NULL;
}

static int compare_keys(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* JSON allows a key twice in one object, and readers disagree on which value counts (cJSON: the first,
 * Python: the last); a model file must not be read two ways, so a repeated key is an error. Checked in every
 * object reachable through objects (the arrays hold vocabularies and numbers, whose errors show elsewhere). */
static int check_unique_keys(const cJSON *object, const char *path, const char *where, rs_error *err)
{
    size_t count = 0;
    for (const cJSON *item = object->child; item; item = item->next)
        count++;
    if (count > 1) {
        const char **keys = rs_alloc_array(count, sizeof *keys, "model", err);
        if (!keys)
            return -1;
        size_t n = 0;
        for (const cJSON *item = object->child; item; item = item->next)
            keys[n++] = item->string ? item->string : "";
        qsort(keys, count, sizeof *keys, compare_keys);
        for (size_t i = 1; i < count; i++)
            if (strcmp(keys[i - 1], keys[i]) == 0) {
                int rc = strcmp(path, "tensors") == 0
                             ? rs_fail(err, "%s: tensor %.200s: given twice", where, keys[i])
                             : rs_fail(err, "%s: %s%s%.200s: given twice", where, path, *path ? "." : "", keys[i]);
                free(keys);
                return rc;
            }
        free(keys);
    }
    for (const cJSON *item = object->child; item; item = item->next) {
        if (!cJSON_IsObject(item))
            continue;
        char child_path[256];
        snprintf(child_path, sizeof child_path, "%s%s%s", path, *path ? "." : "", item->string ? item->string : "");
        if (check_unique_keys(item, child_path, where, err) < 0)
            return -1;
    }
    return 0;
}

static int load_document(rs_model *model, const cJSON *doc, rs_bulk_table *bulk, const char *where,
                         load_stage *stage, rs_error *err)
{
    *stage = STAGE_STRUCTURE;
    if (!cJSON_IsObject(doc))
        return rs_fail(err, "%s: not a model file (the top level is not a JSON object)", where);
    if (check_unique_keys(doc, "", where, err) < 0)
        return -1;
    const cJSON *format = cJSON_GetObjectItemCaseSensitive(doc, "format");
    if (!cJSON_IsString(format) || strcmp(format->valuestring, "rnnsearch-model") != 0)
        return rs_fail(err, "%s: format: expected \"rnnsearch-model\" (not an rnnsearch model file?)", where);
    const cJSON *version = cJSON_GetObjectItemCaseSensitive(doc, "version");
    if (!cJSON_IsNumber(version))
        return rs_fail(err, "%s: version: missing or not a number", where);
    if (version->valuedouble != 1)
        return rs_fail(err, "%s: version: %g is not supported (this rnnsearch reads version 1)", where,
                       version->valuedouble);

    const cJSON *meta = cJSON_GetObjectItemCaseSensitive(doc, "meta");
    if (meta && !cJSON_IsObject(meta))
        return rs_fail(err, "%s: meta: expected an object", where);
    const cJSON *language = cJSON_GetObjectItemCaseSensitive(meta, "source_language");
    if (cJSON_IsString(language) && strlen(language->valuestring) < sizeof model->source_language)
        strcpy(model->source_language, language->valuestring);
    language = cJSON_GetObjectItemCaseSensitive(meta, "target_language");
    if (cJSON_IsString(language) && strlen(language->valuestring) < sizeof model->target_language)
        strcpy(model->target_language, language->valuestring);

    const cJSON *config = cJSON_GetObjectItemCaseSensitive(doc, "config");
    if (!config)
        return rs_fail(err, "%s: config: missing", where);
    if (rs_config_parse(&model->config, config, where, err) < 0)
        return -1;

    const cJSON *source = get_object(doc, "source", where, err);
    const cJSON *target = source ? get_object(doc, "target", where, err) : NULL;
    if (!source || !target)
        return -1;
    if (load_vocab(&model->source_vocab, source, "source", where, err) < 0 ||
        load_vocab(&model->target_vocab, target, "target", where, err) < 0)
        return -1;
    if (get_bool(source, "add_bos", "source", false, &model->add_bos, where, err) < 0 ||
        get_bool(source, "add_eos", "source", true, &model->add_eos, where, err) < 0)
        return -1;
    model->config.source_vocab_size = (int)model->source_vocab.size;
    model->config.target_vocab_size = (int)model->target_vocab.size;

    const cJSON *specials = get_object(doc, "special_tokens", where, err);
    if (!specials)
        return -1;
    rs_special_ids *src = &model->source_ids, *tgt = &model->target_ids;
    if (find_special(model, specials, "unk", true, &src->unk, &tgt->unk, where, err) < 0 ||
        find_special(model, specials, "bos", true, &src->bos, &tgt->bos, where, err) < 0 ||
        find_special(model, specials, "eos", true, &src->eos, &tgt->eos, where, err) < 0 ||
        find_special(model, specials, "pad", false, &src->pad, &tgt->pad, where, err) < 0)
        return -1;

    if (rs_tokenizer_parse(&model->tokenizer, cJSON_GetObjectItemCaseSensitive(doc, "tokenizer"), where, err) < 0)
        return -1;
    rs_tok_specials source_specials = {src->unk, src->bos, src->eos, src->pad};
    rs_tok_specials target_specials = {tgt->unk, tgt->bos, tgt->eos, tgt->pad};
    if (rs_tokenizer_check_vocab(&model->tokenizer, &model->source_vocab, &source_specials, &model->target_vocab,
                                 &target_specials, where, err) < 0)
        return -1;
    return load_tensors(model, cJSON_GetObjectItemCaseSensitive(doc, "tensors"), bulk, where, stage, err);
}

/* Line and column (in code points) of text + offset, for messages. */
static void position(const char *text, size_t offset, size_t *line, size_t *column)
{
    *line = 1;
    *column = 1;
    for (size_t i = 0; i < offset; i++) {
        if (text[i] == '\n') {
            ++*line;
            *column = 1;
        } else if (((unsigned char)text[i] & 0xc0) != 0x80) {
            ++*column;
        }
    }
}

/* The offset of the first NUL character in the text, raw or as the JSON escape \u0000, or len if none. cJSON
 * would silently cut a string at it ("</s>\u0000x" read as "</s>"), where other readers keep it. */
static size_t find_nul(const char *text, size_t len)
{
    const char *raw = memchr(text, '\0', len);
    size_t end = raw ? (size_t)(raw - text) : len;
    for (const char *p = text; (p = memchr(p, '\\', (size_t)(text + end - p))) != NULL;) {
        size_t run = 0;
        while (p + run < text + end && p[run] == '\\')
            run++;
        p += run;
        if (run % 2 == 1 && (size_t)(text + end - p) >= 5 && memcmp(p, "u0000", 5) == 0)
            return (size_t)(p - 1 - text);
    }
    return end;
}

/* cJSON's allocations, watched: cJSON returns NULL alike for bad JSON and for no memory, and only this tells
 * the two apart. */
static _Thread_local bool parser_out_of_memory;

static void *watched_malloc(size_t size)
{
    void *p = malloc(size);
    if (!p)
        parser_out_of_memory = true;
    return p;
}

static cJSON *parse_json(const char *text, size_t len, const char **end, bool *out_of_memory)
{
    static cJSON_Hooks hooks = {watched_malloc, free};
    cJSON_InitHooks(&hooks);
    parser_out_of_memory = false;
    cJSON *doc = cJSON_ParseWithLengthOpts(text, len, end, false);
    *out_of_memory = parser_out_of_memory;
    return doc;
}

/* rs_model_load_text, taking tensor values from `bulk` where it has them. */
static int load_text(rs_model *model, const char *text, size_t len, rs_bulk_table *bulk, const char *where,
                     load_stage *stage, rs_error *err)
{
    *stage = STAGE_TEXT;
    memset(model, 0, sizeof *model);
    rs_vocab_init(&model->source_vocab);
    rs_vocab_init(&model->target_vocab);
    if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0) { /* a UTF-8 byte order mark */
        text += 3;
        len -= 3;
        /* One, as Python's utf-8-sig decoder takes; cJSON would skip a second. */
        if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
            return rs_fail(err, "%s: a second byte order mark at line 1, column 2 (not a JSON text)", where);
    }
    size_t skip = 0;
    while (skip < len && (text[skip] == ' ' || text[skip] == '\t' || text[skip] == '\n' || text[skip] == '\r'))
        skip++;
    if (skip == len)
        return rs_fail(err, "%s: empty file, expected a JSON model", where);
    size_t nul = find_nul(text, len);
    if (nul < len) {
        size_t line, column;
        position(text, nul, &line, &column);
        return rs_fail(err, "%s: a NUL character at line %zu, column %zu (%s)", where, line, column,
                       text[nul] ? "model files cannot hold \\u0000" : "not a JSON text file");
    }
    const char *end = NULL;
    bool out_of_memory;
    cJSON *doc = parse_json(text, len, &end, &out_of_memory);
    if (!doc && out_of_memory)
        return rs_fail(err, "%s: out of memory (parsing %zu bytes of JSON)", where, len);
    if (doc && end) {
        while (end < text + len && (*end == ' ' || *end == '\t' || *end == '\n' || *end == '\r'))
            end++;
        if (end < text + len) {
            cJSON_Delete(doc);
            doc = NULL;
        }
    }
    if (!doc) {
        size_t line, column;
        const char *stop = end && end >= text && end <= text + len ? end : text;
        position(text, (size_t)(stop - text), &line, &column);
        return rs_fail(err, "%s: invalid JSON at line %zu, column %zu", where, line, column);
    }
    int rc = load_document(model, doc, bulk, where, stage, err);
    cJSON_Delete(doc);
    /* Messages from helpers that know no file (out of memory) still name it. */
    size_t where_len = strlen(where);
    if (rc < 0 && err && (strncmp(err->message, where, where_len) != 0 || err->message[where_len] != ':')) {
        rs_error inner = *err;
        rs_fail(err, "%s: %s", where, inner.message);
    }
    if (rc < 0)
        rs_model_free(model);
    return rc;
}

int rs_model_load_cjson(rs_model *model, const char *text, size_t len, const char *where, rs_error *err)
{
    load_stage stage;
    return load_text(model, text, len, NULL, where, &stage, err);
}

/* The fast path (bulk.h): the tensors' values parsed ahead of cJSON, which then reads only the rest. Returns
 * RS_BULK_DECLINED whenever the text is not for it or anything fails in the text or the values, so that the
 * slow path decides (and words any such error); an error in the document's structure (config, vocabularies,
 * tensor names and shapes) is the slow path's too, and is returned (-1) at once: a big model with a bad shape
 * is not parsed twice. `release`: text is memory whose pages may be dropped as the scan passes. */
static int load_fast(rs_model *model, const char *text, size_t len, bool release, const char *where,
                     rs_error *err)
{
    if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0) {
        text += 3;
        len -= 3;
        if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
            return RS_BULK_DECLINED; /* one BOM is allowed, as Python's utf-8-sig reads: the slow path says so */
    }
    char *skeleton;
    size_t skeleton_len;
    rs_bulk_table table;
    rs_error scan_err;
    if (rs_bulk_scan(text, len, release, &skeleton, &skeleton_len, &table, &scan_err) != 0)
        return RS_BULK_DECLINED;
    rs_error load_err;
    load_stage stage;
    int rc = load_text(model, skeleton, skeleton_len, &table, where, &stage, &load_err);
    free(skeleton);
    rs_bulk_table_free(&table);
    if (rc < 0 && stage == STAGE_STRUCTURE && !strstr(load_err.message, "out of memory")) {
        if (err)
            *err = load_err;
        return -1;
    }
    return rc < 0 ? RS_BULK_DECLINED : 0;
}

int rs_model_load_text(rs_model *model, const char *text, size_t len, const char *where, rs_error *err)
{
    int rc = load_fast(model, text, len, false, where, err);
    if (rc != RS_BULK_DECLINED)
        return rc;
    return rs_model_load_cjson(model, text, len, where, err);
}

#define READ_CHUNK ((size_t)1 << 20)
#define FIRST_MAPPING ((size_t)64 << 20)
#define FILE_CHANGED 1

/* The text of a model file in an anonymous mapping (see read_whole). */
typedef struct file_text {
    char *data;
    size_t len, mapped;
} file_text;

static void text_free(file_text *t)
{
    if (t->data)
        munmap(t->data, t->mapped);
    memset(t, 0, sizeof *t);
}

/* Room for `want` bytes: the mapping grows as the file is read, so memory follows what is read, not the
 * size the file claims (a sparse file of gigabytes stops at its first chunk of NULs). */
static int text_reserve(file_text *t, size_t want, const char *path, rs_error *err)
{
    if (want <= t->mapped)
        return 0;
    size_t size = t->mapped ? t->mapped : FIRST_MAPPING;
    while (size < want)
        size = size > SIZE_MAX / 2 ? want : size * 2;
    void *map = t->data ? mremap(t->data, t->mapped, size, MREMAP_MAYMOVE)
                        : mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (map == MAP_FAILED)
        return rs_fail(err, "%s: out of memory (reading the model file: %zu bytes)", path, size);
    t->data = map;
    t->mapped = size;
    return 0;
}

static bool same_version(const struct stat *a, const struct stat *b)
{
    return a->st_size == b->st_size && a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
           a->st_mtim.tv_nsec == b->st_mtim.tv_nsec && a->st_ctim.tv_sec == b->st_ctim.tv_sec &&
           a->st_ctim.tv_nsec == b->st_ctim.tv_nsec && a->st_ino == b->st_ino;
}

/* Reads the regular file fd (st: its state before) into t. Stops after the chunk holding a NUL character,
 * which no JSON text holds (the parser then says where). Returns 0, FILE_CHANGED when the file was written to
 * while read (another size, time or inode), or -1. */
static int read_regular(int fd, const struct stat *st, file_text *t, const char *path, rs_error *err)
{
    size_t size = (size_t)st->st_size;
    t->len = 0;
    while (t->len < size) {
        size_t want = size - t->len < READ_CHUNK ? size - t->len : READ_CHUNK;
        if (text_reserve(t, t->len + want, path, err) < 0)
            return -1;
        ssize_t got = pread(fd, t->data + t->len, want, (off_t)t->len);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            return rs_fail(err, "%s: cannot read model: %s", path, strerror(errno));
        if (got == 0)
            return FILE_CHANGED; /* shorter than it was */
        t->len += (size_t)got;
        if (memchr(t->data + t->len - (size_t)got, '\0', (size_t)got))
            break;
    }
    char extra;
    struct stat after;
    if ((t->len == size && pread(fd, &extra, 1, (off_t)size) > 0) || fstat(fd, &after) != 0 ||
        !same_version(st, &after))
        return FILE_CHANGED;
    return 0;
}

/* Reads a regular file into memory, and reads it again while it changes under the reader (a `cp` over the
 * model): the text is one version of the file, or the load fails with a message. The memory is an anonymous
 * mapping, so the fast path can hand its pages back as it passes them, as it did with a file mapping; a
 * shrinking file cannot fault (SIGBUS) the process, as a file mapping could. */
static int read_whole(int fd, file_text *t, const char *path, rs_error *err)
{
    for (int attempt = 0; attempt < 5; attempt++) {
        struct stat st;
        if (fstat(fd, &st) != 0)
            return rs_fail(err, "%s: cannot read model: %s", path, strerror(errno));
        if (st.st_size <= 0 || (uintmax_t)st.st_size >= SIZE_MAX)
            return rs_fail(err, "%s: empty file, expected a JSON model", path);
        int rc = read_regular(fd, &st, t, path, err);
        if (rc <= 0)
            return rc;
        struct timespec pause = {0, 20000000L * (attempt + 1)};
        nanosleep(&pause, NULL);
    }
    return rs_fail(err, "%s: the model file changed while it was read (try again once it is complete)", path);
}

/* A regular file: read whole (read_whole), then the fast path, which releases the pages it passes; when it
 * declines, the text is read again for the slow path. */
static int load_regular(rs_model *model, int fd, const char *path, rs_error *err)
{
    file_text text = {0};
    int rc = read_whole(fd, &text, path, err);
    if (rc == 0)
        rc = load_fast(model, text.data, text.len, true, path, err);
    if (rc == RS_BULK_DECLINED) {
        text_free(&text);
        rc = read_whole(fd, &text, path, err);
        if (rc == 0)
            rc = rs_model_load_cjson(model, text.data, text.len, path, err);
    }
    text_free(&text);
    return rc;
}

/* Anything but a regular file (a pipe, /dev/stdin, a device): read until its end, or a NUL character. */
static int load_stream(rs_model *model, FILE *f, const char *path, rs_error *err)
{
    char *text = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len == cap) {
            void *p = text;
            if (rs_reserve(&p, &cap, cap < 65536 ? 65536 : cap * 2, 1, "model file", err) < 0) {
                free(text);
                return rs_fail(err, "%s: out of memory (reading the model: %zu bytes)", path, len);
            }
            text = p;
        }
        size_t got = fread(text + len, 1, cap - len, f);
        len += got;
        if (got == 0) {
            if (ferror(f)) {
                int e = errno;
                free(text);
                return rs_fail(err, "%s: cannot read model: %s", path, strerror(e));
            }
            break;
        }
        /* A JSON text holds no NUL: there the reading stops (rs_model_load_text says where), so a device like
         * /dev/zero or /dev/urandom given as the model fails at once instead of filling the memory. */
        if (memchr(text + len - got, '\0', got))
            break;
    }
    int rc = rs_model_load_text(model, text, len, path, err);
    free(text);
    return rc;
}

int rs_model_load(rs_model *model, const char *path, rs_error *err)
{
    memset(model, 0, sizeof *model);
    FILE *f = fopen(path, "rb");
    if (!f)
        return rs_fail(err, "%s: cannot open model: %s", path, strerror(errno));
    struct stat st;
    int rc;
    if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode))
        rc = rs_fail(err, "%s: cannot read model: %s", path, strerror(EISDIR));
    else if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0)
        rc = load_regular(model, fileno(f), path, err);
    else
        rc = load_stream(model, f, path, err);
    fclose(f);
    return rc;
}

int rs_model_each_dense(rs_model *model, int (*fn)(rs_dense_layer *layer, void *arg), void *arg)
{
    const rs_config *c = &model->config;
    rs_weights *w = &model->weights;
    rs_dense_layer *single[] = {&w->bridge, &w->query, &w->key, &w->general, &w->output};
    int rc = 0;
    for (size_t i = 0; i < sizeof single / sizeof *single && rc == 0; i++)
        rc = fn(single[i], arg);
    for (int i = 0; w->encoder_rnn && i < c->encoder_layers * c->directions && rc == 0; i++)
        if ((rc = fn(&w->encoder_rnn[i].input, arg)) == 0)
            rc = fn(&w->encoder_rnn[i].hidden, arg);
    for (int i = 0; w->decoder_rnn && i < c->decoder_layers && rc == 0; i++)
        if ((rc = fn(&w->decoder_rnn[i].input, arg)) == 0)
            rc = fn(&w->decoder_rnn[i].hidden, arg);
    return rc;
}

static int quantize_layer(rs_dense_layer *layer, void *err)
{
    return layer->packed ? rs_dense_quantize(layer, err) : 0;
}

int rs_model_quantize(rs_model *model, rs_error *err)
{
    return rs_model_each_dense(model, quantize_layer, err);
}

static int free_layer(rs_dense_layer *layer, void *arg)
{
    (void)arg;
    rs_dense_free(layer);
    return 0;
}

void rs_model_free(rs_model *model)
{
    rs_model_each_dense(model, free_layer, NULL);
    rs_embedding_free(&model->weights.encoder_embedding);
    rs_embedding_free(&model->weights.decoder_embedding);
    for (size_t i = 0; i < model->tensor_count; i++)
        free(model->tensors[i]);
    free(model->tensors);
    free(model->weights.encoder_rnn);
    free(model->weights.decoder_rnn);
    rs_vocab_free(&model->source_vocab);
    rs_vocab_free(&model->target_vocab);
    rs_tokenizer_free(&model->tokenizer);
    memset(model, 0, sizeof *model);
}

/* The meta is read through bulk.h's pre-pass, which skips the tensors instead of parsing them. */
void rs_model_languages(const char *path, char *out, size_t size)
{
    snprintf(out, size, "?");
    FILE *f = fopen(path, "rb");
    struct stat st;
    if (!f)
        return;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode) || st.st_size <= 3 || (uintmax_t)st.st_size > SIZE_MAX) {
        fclose(f);
        return;
    }
    size_t len = (size_t)st.st_size;
    char *map = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fileno(f), 0);
    fclose(f);
    if (map == MAP_FAILED)
        return;
    size_t bom = memcmp(map, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;
    char *skeleton = NULL;
    size_t skeleton_len = 0;
    rs_bulk_table table;
    rs_error err;
    int rc = rs_bulk_scan(map + bom, len - bom, false, &skeleton, &skeleton_len, &table, &err);
    cJSON *doc = rc == 0                  ? cJSON_ParseWithLength(skeleton, skeleton_len)
                 : rc == RS_BULK_DECLINED ? cJSON_ParseWithLength(map + bom, len - bom)
                                          : NULL;
    if (rc == 0) {
        free(skeleton);
        rs_bulk_table_free(&table);
    }
    munmap(map, len);
    const cJSON *meta = cJSON_GetObjectItemCaseSensitive(doc, "meta");
    const cJSON *source = cJSON_GetObjectItemCaseSensitive(meta, "source_language");
    const cJSON *target = cJSON_GetObjectItemCaseSensitive(meta, "target_language");
    if (cJSON_IsString(source) && cJSON_IsString(target))
        snprintf(out, size, "%.24s -> %.24s", source->valuestring, target->valuestring);
    cJSON_Delete(doc);
}
