/* Shared by the unit tests: tiny models built in memory (cJSON documents in the v1 format). */
#ifndef RS_TEST_HELPERS_H
#define RS_TEST_HELPERS_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "model.h"

typedef struct tiny_config {
    int es, he, le;
    bool bidirectional;
    int et, hd, ld;
    const char *bridge; /* linear_tanh, copy, zeros */
    const char *score;  /* additive, dot, scaled_dot, general */
    int adim;
    const char *output; /* comma-separated parts */
    int vs, vt;         /* vocabulary sizes, >= 4 */
    bool add_bos, add_eos;
} tiny_config;

static inline tiny_config tiny_default(void)
{
    tiny_config c = {3, 4, 1, true, 3, 5, 1, "linear_tanh", "additive", 4, "state", 8, 7, false, true};
    return c;
}

/* Deterministic small values in [-0.5, 0.5). */
static inline float tiny_random(unsigned *state)
{
    *state = *state * 1103515245u + 12345u;
    return (float)((*state >> 8) & 0xffff) / 65536.0f - 0.5f;
}

static inline void tiny_add_tensor(cJSON *tensors, const char *name, int rows, int cols, unsigned *seed)
{
    cJSON *t = cJSON_CreateObject();
    cJSON *shape = cJSON_AddArrayToObject(t, "shape");
    cJSON_AddItemToArray(shape, cJSON_CreateNumber(rows));
    if (cols > 0)
        cJSON_AddItemToArray(shape, cJSON_CreateNumber(cols));
    cJSON *data = cJSON_AddArrayToObject(t, "data");
    int count = rows * (cols > 0 ? cols : 1);
    for (int i = 0; i < count; i++)
        cJSON_AddItemToArray(data, cJSON_CreateNumber(tiny_random(seed)));
    cJSON_AddItemToObject(tensors, name, t);
}

static inline void tiny_add_gru(cJSON *tensors, const char *prefix, int layer, const char *suffix, int input,
                                int hidden, unsigned *seed)
{
    char name[96];
    snprintf(name, sizeof name, "%sweight_ih_l%d%s", prefix, layer, suffix);
    tiny_add_tensor(tensors, name, 3 * hidden, input, seed);
    snprintf(name, sizeof name, "%sweight_hh_l%d%s", prefix, layer, suffix);
    tiny_add_tensor(tensors, name, 3 * hidden, hidden, seed);
    snprintf(name, sizeof name, "%sbias_ih_l%d%s", prefix, layer, suffix);
    tiny_add_tensor(tensors, name, 3 * hidden, 0, seed);
    snprintf(name, sizeof name, "%sbias_hh_l%d%s", prefix, layer, suffix);
    tiny_add_tensor(tensors, name, 3 * hidden, 0, seed);
}

static inline cJSON *tiny_vocab(int size, char prefix)
{
    cJSON *vocab = cJSON_CreateArray();
    const char *specials[] = {"<unk>", "<s>", "</s>", "<pad>"};
    for (int i = 0; i < size; i++) {
        char word[32];
        if (i < 4)
            snprintf(word, sizeof word, "%s", specials[i]);
        else
            snprintf(word, sizeof word, "%c%d", prefix, i - 4);
        cJSON_AddItemToArray(vocab, cJSON_CreateString(word));
    }
    return vocab;
}

/* A complete model document for c with random weights. */
static inline cJSON *tiny_doc(const tiny_config *c, unsigned seed)
{
    cJSON *doc = cJSON_CreateObject();
    cJSON_AddStringToObject(doc, "format", "rnnsearch-model");
    cJSON_AddNumberToObject(doc, "version", 1);
    cJSON_AddItemToObject(doc, "meta", cJSON_CreateObject());
    cJSON *config = cJSON_AddObjectToObject(doc, "config");
    cJSON *enc = cJSON_AddObjectToObject(config, "encoder");
    cJSON_AddNumberToObject(enc, "embedding_dim", c->es);
    cJSON_AddNumberToObject(enc, "hidden_size", c->he);
    cJSON_AddNumberToObject(enc, "num_layers", c->le);
    cJSON_AddBoolToObject(enc, "bidirectional", c->bidirectional);
    cJSON *dec = cJSON_AddObjectToObject(config, "decoder");
    cJSON_AddNumberToObject(dec, "embedding_dim", c->et);
    cJSON_AddNumberToObject(dec, "hidden_size", c->hd);
    cJSON_AddNumberToObject(dec, "num_layers", c->ld);
    cJSON_AddStringToObject(config, "bridge", c->bridge);
    cJSON *att = cJSON_AddObjectToObject(config, "attention");
    cJSON_AddStringToObject(att, "score", c->score);
    if (strcmp(c->score, "additive") == 0)
        cJSON_AddNumberToObject(att, "dim", c->adim);
    cJSON *output = cJSON_AddArrayToObject(config, "output");
    int k = c->he * (c->bidirectional ? 2 : 1), out_dim = 0;
    char parts[64];
    snprintf(parts, sizeof parts, "%s", c->output);
    for (char *part = strtok(parts, ","); part; part = strtok(NULL, ",")) {
        cJSON_AddItemToArray(output, cJSON_CreateString(part));
        out_dim += strcmp(part, "state") == 0 ? c->hd : strcmp(part, "context") == 0 ? k : c->et;
    }
    cJSON *source = cJSON_AddObjectToObject(doc, "source");
    cJSON_AddItemToObject(source, "vocab", tiny_vocab(c->vs, 's'));
    cJSON_AddBoolToObject(source, "add_bos", c->add_bos);
    cJSON_AddBoolToObject(source, "add_eos", c->add_eos);
    cJSON *target = cJSON_AddObjectToObject(doc, "target");
    cJSON_AddItemToObject(target, "vocab", tiny_vocab(c->vt, 't'));
    cJSON *specials = cJSON_AddObjectToObject(doc, "special_tokens");
    cJSON_AddStringToObject(specials, "unk", "<unk>");
    cJSON_AddStringToObject(specials, "bos", "<s>");
    cJSON_AddStringToObject(specials, "eos", "</s>");
    cJSON_AddStringToObject(specials, "pad", "<pad>");
    cJSON_AddItemToObject(doc, "tokenizer", cJSON_CreateObject());

    cJSON *tensors = cJSON_AddObjectToObject(doc, "tensors");
    tiny_add_tensor(tensors, "encoder.embedding.weight", c->vs, c->es, &seed);
    for (int l = 0; l < c->le; l++)
        for (int d = 0; d < (c->bidirectional ? 2 : 1); d++)
            tiny_add_gru(tensors, "encoder.rnn.", l, d ? "_reverse" : "", l ? k : c->es, c->he, &seed);
    if (strcmp(c->bridge, "linear_tanh") == 0) {
        tiny_add_tensor(tensors, "bridge.weight", c->ld * c->hd, k, &seed);
        tiny_add_tensor(tensors, "bridge.bias", c->ld * c->hd, 0, &seed);
    }
    if (strcmp(c->score, "additive") == 0) {
        tiny_add_tensor(tensors, "attention.query.weight", c->adim, c->hd, &seed);
        tiny_add_tensor(tensors, "attention.query.bias", c->adim, 0, &seed);
        tiny_add_tensor(tensors, "attention.key.weight", c->adim, k, &seed);
        tiny_add_tensor(tensors, "attention.key.bias", c->adim, 0, &seed);
        tiny_add_tensor(tensors, "attention.v.weight", 1, c->adim, &seed);
    } else if (strcmp(c->score, "general") == 0) {
        tiny_add_tensor(tensors, "attention.weight", c->hd, k, &seed);
    }
    tiny_add_tensor(tensors, "decoder.embedding.weight", c->vt, c->et, &seed);
    for (int l = 0; l < c->ld; l++)
        tiny_add_gru(tensors, "decoder.rnn.", l, "", l ? c->hd : c->et + k, c->hd, &seed);
    tiny_add_tensor(tensors, "output.weight", c->vt, out_dim, &seed);
    tiny_add_tensor(tensors, "output.bias", c->vt, 0, &seed);
    return doc;
}

/* Replaces the values of a tensor (row-major, count floats). */
static inline void tiny_set_values(cJSON *doc, const char *name, const float *values, int count)
{
    cJSON *t = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(doc, "tensors"), name);
    cJSON *data = cJSON_CreateArray();
    for (int i = 0; i < count; i++)
        cJSON_AddItemToArray(data, cJSON_CreateNumber(values[i]));
    cJSON_ReplaceItemInObjectCaseSensitive(t, "data", data);
}

/* Sets every tensor's values to zero. */
static inline void tiny_zero_all(cJSON *doc)
{
    cJSON *t;
    cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(doc, "tensors"))
    {
        cJSON *v;
        cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(t, "data")) cJSON_SetNumberValue(v, 0.0);
    }
}

/* Loads the document as the file "tiny.json" would be. */
static inline int tiny_load(rs_model *model, const cJSON *doc, rs_error *err)
{
    char *text = cJSON_PrintUnformatted(doc);
    int rc = rs_model_load_text(model, text, strlen(text), "tiny.json", err);
    free(text);
    return rc;
}

#endif
