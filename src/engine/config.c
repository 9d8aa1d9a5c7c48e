#include "config.h"

#include <math.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "loader.h"

static const char *const BRIDGES[] = {"linear_tanh", "copy", "zeros"};
static const char *const SCORES[] = {"additive", "dot", "scaled_dot", "general"};
static const char *const PARTS[] = {"state", "context", "embedding"};

const char *rs_bridge_name(rs_bridge bridge) { return BRIDGES[bridge]; }
const char *rs_score_name(rs_score score) { return SCORES[score]; }
const char *rs_part_name(rs_part part) { return PARTS[part]; }

int rs_part_size(const rs_config *config, rs_part part)
{
    switch (part) {
    case RS_PART_STATE:
        return config->decoder_hidden_size;
    case RS_PART_CONTEXT:
        return config->encoder_output;
    case RS_PART_EMBEDDING:
        return config->decoder_embedding_dim;
    }
    return 0;
}

static const char *type_name(const cJSON *item)
{
    if (!item)
        return "nothing";
    if (cJSON_IsNumber(item))
        return "a number";
    if (cJSON_IsString(item))
        return "a string";
    if (cJSON_IsBool(item))
        return "a boolean";
    if (cJSON_IsNull(item))
        return "null";
    if (cJSON_IsArray(item))
        return "an array";
    if (cJSON_IsObject(item))
        return "an object";
    return "an invalid value";
}

static const cJSON *get_object(const cJSON *parent, const char *key, const char *path, const char *where,
                               rs_error *err)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(parent, key);
    if (!item) {
        rs_fail(err, "%s: %s.%s: missing", where, path, key);
        return NULL;
    }
    if (!cJSON_IsObject(item)) {
        rs_fail(err, "%s: %s.%s: expected an object, got %s", where, path, key, type_name(item));
        return NULL;
    }
    return item;
}

static int get_size_max(const cJSON *parent, const char *key, const char *path, const char *where, int max,
                        int *out, rs_error *err)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(parent, key);
    if (!item)
        return rs_fail(err, "%s: %s.%s: missing", where, path, key);
    if (!cJSON_IsNumber(item))
        return rs_fail(err, "%s: %s.%s: expected a positive integer, got %s", where, path, key, type_name(item));
    double v = item->valuedouble;
    if (!(v >= 1 && v <= max && v == floor(v)))
        return rs_fail(err, "%s: %s.%s: expected a positive integer up to %d, got %.17g", where, path, key, max, v);
    *out = (int)v;
    return 0;
}

static int get_size(const cJSON *parent, const char *key, const char *path, const char *where, int *out,
                    rs_error *err)
{
    int max = strcmp(key, "num_layers") == 0 ? RS_MAX_LAYERS : RS_MAX_DIM;
    return get_size_max(parent, key, path, where, max, out, err);
}

static int get_choice(const cJSON *parent, const char *key, const char *path, const char *where,
                      const char *const *choices, int count, int *out, rs_error *err)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(parent, key);
    if (!item)
        return rs_fail(err, "%s: %s%s%s: missing", where, path, *path ? "." : "", key);
    if (cJSON_IsString(item))
        for (int i = 0; i < count; i++)
            if (strcmp(item->valuestring, choices[i]) == 0) {
                *out = i;
                return 0;
            }
    char expected[128] = "";
    for (int i = 0; i < count; i++) {
        strcat(expected, i == 0 ? "\"" : i + 1 < count ? ", \"" : " or \"");
        strcat(expected, choices[i]);
        strcat(expected, "\"");
    }
    if (cJSON_IsString(item))
        return rs_fail(err, "%s: %s%s%s: expected %s, got \"%.60s\"", where, path, *path ? "." : "", key, expected,
                       item->valuestring);
    return rs_fail(err, "%s: %s%s%s: expected %s, got %s", where, path, *path ? "." : "", key, expected,
                   type_name(item));
}

static int parse_encoder(rs_config *config, const cJSON *json, const char *where, rs_error *err)
{
    const cJSON *enc = get_object(json, "encoder", "config", where, err);
    if (!enc)
        return -1;
    if (get_size(enc, "embedding_dim", "config.encoder", where, &config->encoder_embedding_dim, err) < 0 ||
        get_size(enc, "hidden_size", "config.encoder", where, &config->encoder_hidden_size, err) < 0 ||
        get_size(enc, "num_layers", "config.encoder", where, &config->encoder_layers, err) < 0)
        return -1;
    const cJSON *bidir = cJSON_GetObjectItemCaseSensitive(enc, "bidirectional");
    if (!bidir)
        return rs_fail(err, "%s: config.encoder.bidirectional: missing", where);
    if (!cJSON_IsBool(bidir))
        return rs_fail(err, "%s: config.encoder.bidirectional: expected true or false, got %s", where,
                       type_name(bidir));
    config->bidirectional = cJSON_IsTrue(bidir);
    return 0;
}

/* config.decoder, config.bridge and config.attention, in that order. */
static int parse_decoder(rs_config *config, const cJSON *json, const char *where, rs_error *err)
{
    const cJSON *dec = get_object(json, "decoder", "config", where, err);
    if (!dec)
        return -1;
    if (get_size(dec, "embedding_dim", "config.decoder", where, &config->decoder_embedding_dim, err) < 0 ||
        get_size(dec, "hidden_size", "config.decoder", where, &config->decoder_hidden_size, err) < 0 ||
        get_size(dec, "num_layers", "config.decoder", where, &config->decoder_layers, err) < 0)
        return -1;

    int choice;
    if (get_choice(json, "bridge", "config", where, BRIDGES, 3, &choice, err) < 0)
        return -1;
    config->bridge = (rs_bridge)choice;

    const cJSON *att = get_object(json, "attention", "config", where, err);
    if (!att)
        return -1;
    if (get_choice(att, "score", "config.attention", where, SCORES, 4, &choice, err) < 0)
        return -1;
    config->score = (rs_score)choice;
    if (config->score == RS_SCORE_ADDITIVE &&
        get_size(att, "dim", "config.attention", where, &config->attention_dim, err) < 0)
        return -1;
    return 0;
}

static int parse_output(rs_config *config, const cJSON *json, const char *where, rs_error *err)
{
    const cJSON *output = cJSON_GetObjectItemCaseSensitive(json, "output");
    if (!output)
        return rs_fail(err, "%s: config.output: missing", where);
    if (!cJSON_IsArray(output))
        return rs_fail(err, "%s: config.output: expected a list of parts, got %s", where, type_name(output));
    int count = cJSON_GetArraySize(output);
    if (count == 0)
        return rs_fail(err, "%s: config.output: empty; expected a list of \"state\", \"context\", \"embedding\"",
                       where);
    int index = 0;
    const cJSON *part;
    cJSON_ArrayForEach(part, output)
    {
        int found = -1;
        if (cJSON_IsString(part))
            for (int i = 0; i < RS_MAX_PARTS; i++)
                if (strcmp(part->valuestring, PARTS[i]) == 0)
                    found = i;
        if (found < 0)
            return rs_fail(err, "%s: config.output[%d]: expected \"state\", \"context\" or \"embedding\"", where,
                           index);
        for (int i = 0; i < config->output_count; i++)
            if (config->output[i] == (rs_part)found)
                return rs_fail(err, "%s: config.output[%d]: \"%s\" is listed twice", where, index, PARTS[found]);
        config->output[config->output_count++] = (rs_part)found;
        index++;
    }
    return 0;
}

/* The derived sizes, and the sizes that must agree across sections. */
static int derive(rs_config *config, const char *where, rs_error *err)
{
    if ((long long)config->decoder_layers * config->decoder_hidden_size > RS_MAX_DIM)
        return rs_fail(err, "%s: config.decoder: num_layers x hidden_size is too large (at most %d)", where,
                       RS_MAX_DIM);
    config->directions = config->bidirectional ? 2 : 1;
    config->encoder_output = config->encoder_hidden_size * config->directions;
    config->decoder_input = config->decoder_embedding_dim + config->encoder_output;
    config->output_input = 0;
    for (int i = 0; i < config->output_count; i++)
        config->output_input += rs_part_size(config, config->output[i]);

    if (config->bridge == RS_BRIDGE_COPY &&
        (config->bidirectional || config->encoder_layers != config->decoder_layers ||
         config->encoder_hidden_size != config->decoder_hidden_size))
        return rs_fail(err,
                       "%s: config.bridge: \"copy\" needs a unidirectional encoder with the decoder's num_layers "
                       "and hidden_size (encoder: %s, %d layers of %d; decoder: %d layers of %d)",
                       where, config->bidirectional ? "bidirectional" : "unidirectional", config->encoder_layers,
                       config->encoder_hidden_size, config->decoder_layers, config->decoder_hidden_size);
    if ((config->score == RS_SCORE_DOT || config->score == RS_SCORE_SCALED_DOT) &&
        config->decoder_hidden_size != config->encoder_output)
        return rs_fail(err,
                       "%s: config.attention.score: \"%s\" needs decoder.hidden_size (%d) = the encoder output size "
                       "K (%d)",
                       where, SCORES[config->score], config->decoder_hidden_size, config->encoder_output);
    return 0;
}

int rs_config_parse(rs_config *config, const cJSON *json, const char *where, rs_error *err)
{
    memset(config, 0, sizeof *config);
    if (!cJSON_IsObject(json))
        return rs_fail(err, "%s: config: expected an object, got %s", where, type_name(json));
    if (parse_encoder(config, json, where, err) < 0 || parse_decoder(config, json, where, err) < 0 ||
        parse_output(config, json, where, err) < 0)
        return -1;
    return derive(config, where, err);
}
