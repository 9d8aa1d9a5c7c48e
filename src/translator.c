#include "translator.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"

int rs_translator_init(rs_translator *t, const rs_model *model, size_t max_source_tokens, rs_error *err)
{
    memset(t, 0, sizeof *t);
    t->model = model;
    t->max_source_tokens = max_source_tokens;
    rs_decoder_init(&t->decoder, model);
    rs_search_init(&t->search);
    return rs_encoder_init(&t->encoder, model, err);
}

static void free_line(rs_translator_line *line)
{
    rs_tokens_free(&line->tokens);
    free(line->source);
    free(line->ids);
    rs_encoding_free(&line->encoding);
    rs_search_free(&line->search);
    rs_tokens_free(&line->target_tokens);
    free(line->target_strings);
    free(line->target_ids);
}

void rs_translator_free(rs_translator *t)
{
    for (int i = 0; i < t->line_cap; i++)
        free_line(&t->lines[i]);
    free(t->lines);
    free(t->batch);
    free(t->batch_targets);
    free(t->batch_searches);
    free(t->batch_target_lengths);
    free(t->batch_ids);
    free(t->batch_lengths);
    free(t->batch_encodings);
    rs_encoder_free(&t->encoder);
    rs_decoder_free(&t->decoder);
    rs_search_free(&t->search);
    memset(t, 0, sizeof *t);
}

static int reserve_lines(rs_translator *t, int count, rs_error *err)
{
    if (count <= t->line_cap)
        return 0;
    rs_translator_line *lines = realloc(t->lines, (size_t)count * sizeof *lines);
    if (!lines)
        return rs_fail(err, "out of memory (%d lines)", count);
    t->lines = lines;
    const rs_encoding **batch = realloc(t->batch, (size_t)count * sizeof *batch);
    if (!batch)
        return rs_fail(err, "out of memory (%d lines)", count);
    t->batch = batch;
    const int32_t **targets = realloc(t->batch_targets, (size_t)count * sizeof *targets);
    if (!targets)
        return rs_fail(err, "out of memory (%d lines)", count);
    t->batch_targets = targets;
    int *lengths = realloc(t->batch_target_lengths, (size_t)count * sizeof *lengths);
    if (!lengths)
        return rs_fail(err, "out of memory (%d lines)", count);
    t->batch_target_lengths = lengths;
    rs_search **searches = realloc(t->batch_searches, (size_t)count * sizeof *searches);
    if (!searches)
        return rs_fail(err, "out of memory (%d lines)", count);
    t->batch_searches = searches;
    const int32_t **ids = realloc(t->batch_ids, (size_t)count * sizeof *ids);
    if (!ids)
        return rs_fail(err, "out of memory (%d lines)", count);
    t->batch_ids = ids;
    int *id_lengths = realloc(t->batch_lengths, (size_t)count * sizeof *id_lengths);
    if (!id_lengths)
        return rs_fail(err, "out of memory (%d lines)", count);
    t->batch_lengths = id_lengths;
    rs_encoding **encodings = realloc(t->batch_encodings, (size_t)count * sizeof *encodings);
    if (!encodings)
        return rs_fail(err, "out of memory (%d lines)", count);
    t->batch_encodings = encodings;
    for (int i = t->line_cap; i < count; i++) {
        rs_translator_line *line = &lines[i];
        memset(line, 0, sizeof *line);
        rs_tokens_init(&line->tokens);
        rs_encoding_init(&line->encoding);
        rs_search_init(&line->search);
        rs_tokens_init(&line->target_tokens);
    }
    t->line_cap = count;
    return 0;
}

/* Tokenizes one line into its source ids; a line without tokens gets length 0. */
static int prepare(rs_translator *t, rs_translator_line *line, const char *text, size_t len, rs_translation *out,
                   rs_error *err)
{
    const rs_model *m = t->model;
    memset(out, 0, sizeof *out);
    line->tokens.limit = t->max_source_tokens; /* the tokens past it are counted, not kept */
    if (rs_tokenize(&m->tokenizer.source, text, len, &line->tokens, err) < 0)
        return -1;
    size_t count = line->tokens.count;
    out->dropped_tokens = line->tokens.dropped;
    if (count > t->max_source_tokens) {
        out->dropped_tokens += count - t->max_source_tokens;
        count = t->max_source_tokens;
    }
    if (count > INT_MAX - 2)
        return rs_fail(err, "line too long (%zu tokens)", count);
    out->first_token = m->add_bos ? 1 : 0;
    out->token_count = (int)count;
    if (count == 0)
        return 0; /* nothing to translate: an empty result, no decoding */

    size_t length = count + (m->add_bos ? 1 : 0) + (m->add_eos ? 1 : 0);
    void *p = line->source;
    if (rs_reserve(&p, &line->source_cap, length, sizeof *line->source, "source tokens", err) < 0)
        return -1;
    line->source = p;
    p = line->ids;
    if (rs_reserve(&p, &line->ids_cap, length, sizeof *line->ids, "source ids", err) < 0)
        return -1;
    line->ids = p;

    size_t n = 0;
    if (m->add_bos) {
        line->source[n] = rs_vocab_string(&m->source_vocab, m->source_ids.bos);
        line->ids[n++] = m->source_ids.bos;
    }
    for (size_t i = 0; i < count; i++) {
        const char *token = rs_tokens_get(&line->tokens, i);
        int32_t id = line->tokens.has_ids ? line->tokens.ids[i]
                                          : rs_vocab_find(&m->source_vocab, token, strlen(token));
        line->source[n] = token;
        line->ids[n++] = id < 0 ? m->source_ids.unk : id;
    }
    if (m->add_eos) {
        line->source[n] = rs_vocab_string(&m->source_vocab, m->source_ids.eos);
        line->ids[n++] = m->source_ids.eos;
    }
    out->source = line->source;
    out->length = (int)length;
    return 0;
}

/* Encodes the prepared lines that have tokens, all together. */
static int encode_lines(rs_translator *t, const rs_translation *out, int count, rs_error *err)
{
    int n = 0;
    for (int i = 0; i < count; i++)
        if (out[i].length > 0) {
            t->batch_ids[n] = t->lines[i].ids;
            t->batch_lengths[n] = out[i].length;
            t->batch_encodings[n++] = &t->lines[i].encoding;
        }
    return rs_encode_batch(&t->encoder, t->batch_ids, t->batch_lengths, n, t->batch_encodings, err);
}

int rs_translate_batch(rs_translator *t, const char *const *lines, const size_t *lens, int count,
                       const rs_search_options *o, rs_translation *out, rs_error *err)
{
    if (reserve_lines(t, count, err) < 0)
        return -1;
    for (int i = 0; i < count; i++)
        if (prepare(t, &t->lines[i], lines[i], lens[i], &out[i], err) < 0)
            return -1;
    if (encode_lines(t, out, count, err) < 0)
        return -1;
    if (o->beam > 1) {
        int decoded = 0;
        for (int i = 0; i < count; i++)
            if (out[i].length > 0) {
                t->batch[decoded] = &t->lines[i].encoding;
                t->batch_searches[decoded++] = &t->lines[i].search;
            }
        if (rs_search_beam_batch(t->batch_searches, &t->decoder, t->batch, decoded, o, err) < 0)
            return -1;
        for (int i = 0; i < count; i++)
            if (out[i].length > 0) {
                out[i].hypotheses = t->lines[i].search.hypotheses;
                out[i].hypothesis_count = t->lines[i].search.hypothesis_count;
            }
        return 0;
    }
    int decoded = 0;
    for (int i = 0; i < count; i++)
        if (out[i].length > 0)
            t->batch[decoded++] = &t->lines[i].encoding;
    if (rs_search_greedy_batch(&t->search, &t->decoder, t->batch, decoded, o, err) < 0)
        return -1;
    decoded = 0;
    for (int i = 0; i < count; i++)
        if (out[i].length > 0) {
            out[i].hypotheses = &t->search.hypotheses[decoded++];
            out[i].hypothesis_count = 1;
        }
    return 0;
}

/* Tokenizes a forced target into the line's target ids and strings. */
static int prepare_target(rs_translator *t, rs_translator_line *line, const char *text, size_t len,
                          rs_translation *out, rs_error *err)
{
    const rs_model *m = t->model;
    if (rs_tokenize(&m->tokenizer.target, text, len, &line->target_tokens, err) < 0)
        return -1;
    size_t count = line->target_tokens.count;
    if (count > INT_MAX - 1)
        return rs_fail(err, "target too long (%zu tokens)", count);
    void *p = line->target_strings;
    if (rs_reserve(&p, &line->target_strings_cap, count, sizeof *line->target_strings, "target tokens", err) < 0)
        return -1;
    line->target_strings = p;
    p = line->target_ids;
    if (rs_reserve(&p, &line->target_ids_cap, count, sizeof *line->target_ids, "target ids", err) < 0)
        return -1;
    line->target_ids = p;
    for (size_t i = 0; i < count; i++) {
        const char *token = rs_tokens_get(&line->target_tokens, i);
        int32_t id = line->target_tokens.has_ids ? line->target_tokens.ids[i]
                                                 : rs_vocab_find(&m->target_vocab, token, strlen(token));
        line->target_strings[i] = token;
        line->target_ids[i] = id < 0 ? m->target_ids.unk : id;
    }
    out->target_tokens = line->target_strings;
    out->target_count = (int)count;
    return 0;
}

int rs_translate_forced_batch(rs_translator *t, const char *const *lines, const size_t *lens,
                              const char *const *targets, const size_t *target_lens, int count,
                              const rs_search_options *o, rs_translation *out, rs_error *err)
{
    if (reserve_lines(t, count, err) < 0)
        return -1;
    int decoded = 0;
    for (int i = 0; i < count; i++) {
        rs_translator_line *line = &t->lines[i];
        if (prepare(t, line, lines[i], lens[i], &out[i], err) < 0)
            return -1;
        if (out[i].length == 0)
            continue;
        if (prepare_target(t, line, targets[i], target_lens[i], &out[i], err) < 0)
            return -1;
        t->batch[decoded] = &line->encoding;
        t->batch_targets[decoded] = line->target_ids;
        t->batch_target_lengths[decoded] = out[i].target_count;
        decoded++;
    }
    if (encode_lines(t, out, count, err) < 0)
        return -1;
    if (rs_search_forced_batch(&t->search, &t->decoder, t->batch, t->batch_targets, t->batch_target_lengths,
                               decoded, o, err) < 0)
        return -1;
    decoded = 0;
    for (int i = 0; i < count; i++)
        if (out[i].length > 0) {
            out[i].hypotheses = &t->search.hypotheses[decoded++];
            out[i].hypothesis_count = 1;
        }
    return 0;
}

int rs_translate(rs_translator *t, const char *line, size_t len, const rs_search_options *o, rs_translation *out,
                 rs_error *err)
{
    return rs_translate_batch(t, &line, &len, 1, o, out, err);
}
