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
    rs_workspace_init(&t->batch_space);
    rs_decoder_init(&t->decoder, model);
    return rs_encoder_init(&t->encoder, model, err);
}

static void init_line(rs_translator_line *line)
{
    memset(line, 0, sizeof *line);
    rs_tokens_init(&line->tokens);
    rs_workspace_init(&line->source_space);
    rs_encoding_init(&line->encoding);
    rs_search_init(&line->search);
    rs_tokens_init(&line->target_tokens);
    rs_workspace_init(&line->target_space);
}

static void free_line(rs_translator_line *line)
{
    rs_tokens_free(&line->tokens);
    rs_workspace_free(&line->source_space);
    rs_encoding_free(&line->encoding);
    rs_search_free(&line->search);
    rs_tokens_free(&line->target_tokens);
    rs_workspace_free(&line->target_space);
}

void rs_translator_free(rs_translator *t)
{
    for (int i = 0; i < t->line_count; i++)
        free_line(&t->lines[i]);
    free(t->lines);
    rs_workspace_free(&t->batch_space);
    rs_encoder_free(&t->encoder);
    rs_decoder_free(&t->decoder);
    memset(t, 0, sizeof *t);
}

static void batch_layout(void *owner, rs_workspace *ws)
{
    rs_translator *t = owner;
    size_t n = (size_t)t->batch_room;
    RS_TAKE(ws, t->batch, n, 1);
    RS_TAKE(ws, t->batch_targets, n, 1);
    RS_TAKE(ws, t->batch_target_lengths, n, 1);
    RS_TAKE(ws, t->batch_searches, n, 1);
    RS_TAKE(ws, t->batch_ids, n, 1);
    RS_TAKE(ws, t->batch_lengths, n, 1);
    RS_TAKE(ws, t->batch_encodings, n, 1);
}

static void source_layout(void *owner, rs_workspace *ws)
{
    rs_translator_line *line = owner;
    RS_TAKE(ws, line->source, (size_t)line->length, 1);
    RS_TAKE(ws, line->ids, (size_t)line->length, 1);
}

static void target_layout(void *owner, rs_workspace *ws)
{
    rs_translator_line *line = owner;
    RS_TAKE(ws, line->target_strings, (size_t)line->target_count, 1);
    RS_TAKE(ws, line->target_ids, (size_t)line->target_count, 1);
}

/* Room for `count` lines: the lines themselves (kept, they own their results) and the batch arrays. */
static int reserve_lines(rs_translator *t, int count, rs_error *err)
{
    if (count > t->line_count) {
        rs_translator_line *lines = rs_alloc_array((size_t)count, sizeof *lines, "lines", err);
        if (!lines)
            return -1;
        if (t->line_count)
            memcpy(lines, t->lines, (size_t)t->line_count * sizeof *lines);
        for (int i = t->line_count; i < count; i++)
            init_line(&lines[i]);
        free(t->lines);
        t->lines = lines;
        t->line_count = count;
    }
    if (count <= t->batch_room && t->batch)
        return 0;
    t->batch_room = count;
    return rs_workspace_fit(&t->batch_space, batch_layout, t, "lines", err);
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
    line->length = (int)length;
    if (rs_workspace_fit(&line->source_space, source_layout, line, "source tokens", err) < 0)
        return -1;

    size_t n = 0;
    if (m->add_bos) {
        line->source[n] = rs_vocab_string(&m->source_vocab, m->source_ids.bos);
        line->ids[n++] = m->source_ids.bos;
    }
    for (size_t i = 0; i < count; i++) {
        const char *token = rs_tokens_get(&line->tokens, i);
        int32_t id = line->tokens.has_ids ? line->tokens.ids.at[i]
                                          : rs_vocab_find(&m->source_vocab, token, strlen(token));
        line->source[n] = token;
        line->ids[n++] = id < 0 ? m->source_ids.unk : id;
    }
    if (m->add_eos) {
        line->source[n] = rs_vocab_string(&m->source_vocab, m->source_ids.eos);
        line->ids[n++] = m->source_ids.eos;
    }
    out->source = line->source;
    out->ids = line->ids;
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

/* Decodes the encoded lines (forced on their targets when `forced`) and points the results at their
 * hypotheses. */
static int search_lines(rs_translator *t, int count, bool forced, const rs_search_options *o, rs_translation *out,
                        rs_error *err)
{
    int decoded = 0;
    for (int i = 0; i < count; i++)
        if (out[i].length > 0) {
            t->batch[decoded] = &t->lines[i].encoding;
            t->batch_searches[decoded] = &t->lines[i].search;
            t->batch_targets[decoded] = t->lines[i].target_ids;
            t->batch_target_lengths[decoded++] = out[i].target_count;
        }
    rs_search_decoder decoder = rs_decoder_for_search(&t->decoder);
    if (rs_search_batch(t->batch_searches, &decoder, t->batch, forced ? t->batch_targets : NULL,
                        t->batch_target_lengths, decoded, o, err) < 0)
        return -1;
    for (int i = 0; i < count; i++)
        if (out[i].length > 0) {
            out[i].hypotheses = t->lines[i].search.hypotheses;
            out[i].hypothesis_count = t->lines[i].search.hypothesis_count;
        }
    return 0;
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
    return search_lines(t, count, false, o, out, err);
}

/* Tokenizes a forced target into the line's target ids and strings. */
static int prepare_target(rs_translator *t, rs_translator_line *line, const char *text, size_t len,
                          rs_translation *out, rs_error *err)
{
    const rs_model *m = t->model;
    line->target_tokens.limit = t->max_source_tokens; /* a forced target is held to the source's limit */
    if (rs_tokenize(&m->tokenizer.target, text, len, &line->target_tokens, err) < 0)
        return -1;
    size_t count = line->target_tokens.count;
    out->dropped_target_tokens = line->target_tokens.dropped;
    if (count > t->max_source_tokens) {
        out->dropped_target_tokens += count - t->max_source_tokens;
        count = t->max_source_tokens;
    }
    if (count > INT_MAX - 1)
        return rs_fail(err, "target too long (%zu tokens)", count);
    line->target_count = (int)count;
    if (rs_workspace_fit(&line->target_space, target_layout, line, "target tokens", err) < 0)
        return -1;
    for (size_t i = 0; i < count; i++) {
        const char *token = rs_tokens_get(&line->target_tokens, i);
        int32_t id = line->target_tokens.has_ids ? line->target_tokens.ids.at[i]
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
    for (int i = 0; i < count; i++) {
        if (prepare(t, &t->lines[i], lines[i], lens[i], &out[i], err) < 0)
            return -1;
        if (out[i].length > 0 && prepare_target(t, &t->lines[i], targets[i], target_lens[i], &out[i], err) < 0)
            return -1;
    }
    if (encode_lines(t, out, count, err) < 0)
        return -1;
    return search_lines(t, count, true, o, out, err);
}

int rs_translate_forced_ids(rs_translator *t, const int32_t *source, const char *const *source_strings,
                            int source_count, const int32_t *target, const char *const *target_strings,
                            int target_count, const rs_search_options *o, rs_translation *out, rs_error *err)
{
    const rs_model *m = t->model;
    if (reserve_lines(t, 1, err) < 0)
        return -1;
    rs_translator_line *line = &t->lines[0];
    memset(out, 0, sizeof *out);
    out->first_token = m->add_bos ? 1 : 0;
    if (source_count <= 0)
        return 0; /* nothing to decode, as a line without tokens */
    if ((size_t)source_count > t->max_source_tokens)
        return rs_fail(err, "source of %d tokens, more than the limit %zu", source_count, t->max_source_tokens);
    out->token_count = source_count;
    line->length = source_count + (m->add_bos ? 1 : 0) + (m->add_eos ? 1 : 0);
    line->target_count = target_count;
    if (rs_workspace_fit(&line->source_space, source_layout, line, "source tokens", err) < 0 ||
        rs_workspace_fit(&line->target_space, target_layout, line, "target tokens", err) < 0)
        return -1;
    int n = 0;
    if (m->add_bos) {
        line->source[n] = rs_vocab_string(&m->source_vocab, m->source_ids.bos);
        line->ids[n++] = m->source_ids.bos;
    }
    for (int i = 0; i < source_count; i++) {
        line->source[n] = source_strings[i];
        line->ids[n++] = source[i];
    }
    if (m->add_eos) {
        line->source[n] = rs_vocab_string(&m->source_vocab, m->source_ids.eos);
        line->ids[n++] = m->source_ids.eos;
    }
    for (int i = 0; i < target_count; i++) {
        line->target_strings[i] = target_strings[i];
        line->target_ids[i] = target[i];
    }
    out->source = line->source;
    out->ids = line->ids;
    out->length = line->length;
    out->target_tokens = line->target_strings;
    out->target_count = target_count;
    if (encode_lines(t, out, 1, err) < 0)
        return -1;
    return search_lines(t, 1, true, o, out, err);
}

int rs_translate(rs_translator *t, const char *line, size_t len, const rs_search_options *o, rs_translation *out,
                 rs_error *err)
{
    return rs_translate_batch(t, &line, &len, 1, o, out, err);
}
