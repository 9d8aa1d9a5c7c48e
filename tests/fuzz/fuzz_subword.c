/* libFuzzer target for SentencePiece sides (README "Subword models"): any bytes as a serialized ModelProto
 * must parse or fail with a one-line message; a model that parses must segment any line into non-empty pieces
 * with ids in range (a piece's own id, or unk for a piece the model lacks) that concatenate to the normalized
 * line, and must decode any piece sequence; all without a memory error or undefined behaviour.
 *
 * Input: 2 bytes (little-endian) give the length of the proto that follows; the rest is up to 8 lines of text.
 * The seeds (tests/fuzz/corpus/subword) hold small BPE models with a few normalization rules and test lines. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sp_model.h"
#include "sp_segment.h"
#include "strbuf.h"
#include "tokenizer.h"
#include "fuzz_check.h"

#define MAX_LINES 8

/* text[0 .. len) with each NUL byte written as U+2400, as rs_sp_encode shows a NUL of a piece. */
static void show_nul(const char *text, size_t len, rs_strbuf *out)
{
    rs_error err;
    rs_strbuf_clear(out);
    CHECK(rs_strbuf_append(out, "", 0, &err) == 0);
    for (size_t i = 0; i < len; i++)
        CHECK((text[i] ? rs_strbuf_putc(out, text[i], &err) : rs_strbuf_append(out, "\xe2\x90\x80", 3, &err)) == 0);
}

static void check_line(const rs_sp_model *model, const char *line, size_t len, rs_tokens *tokens,
                       rs_strbuf *normalized, rs_strbuf *expected, rs_strbuf *joined)
{
    rs_error err;
    CHECK(rs_sp_encode(model, line, len, tokens, &err) == 0);
    CHECK(tokens->has_ids);
    CHECK(rs_sp_normalize_line(model, line, len, normalized, &err) == 0);
    show_nul(normalized->data ? normalized->data : "", normalized->len, expected);
    const char **pieces = malloc((tokens->count + 1) * sizeof *pieces);
    CHECK(pieces);
    rs_strbuf_clear(joined);
    CHECK(rs_strbuf_append(joined, "", 0, &err) == 0);
    for (size_t i = 0; i < tokens->count; i++) {
        pieces[i] = rs_tokens_get(tokens, i);
        size_t n = strlen(pieces[i]);
        CHECK(n > 0);
        int32_t id = tokens->ids.at[i], found = rs_sp_find(model, pieces[i], n);
        CHECK(id >= 0 && (size_t)id < model->pieces.size);
        CHECK(id == found || id == model->unk_id);
        CHECK(rs_strbuf_append(joined, pieces[i], n, &err) == 0);
    }
    CHECK(joined->len == expected->len && memcmp(joined->data, expected->data, joined->len) == 0);
    char *text = rs_sp_decode(model, pieces, tokens->count, &err);
    CHECK(text);
    free(text);
    free(pieces);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    size_t proto_len = (size_t)data[0] | (size_t)data[1] << 8;
    if (proto_len > size - 2)
        proto_len = size - 2;
    rs_sp_model model;
    rs_error err;
    err.message[0] = '\0';
    if (rs_sp_model_parse(&model, data + 2, proto_len, &err) < 0) {
        CHECK(err.message[0] != '\0' && strchr(err.message, '\n') == NULL);
        return 0;
    }
    rs_tokens tokens;
    rs_tokens_init(&tokens);
    rs_strbuf normalized, expected, joined;
    rs_strbuf_init(&normalized);
    rs_strbuf_init(&expected);
    rs_strbuf_init(&joined);
    const char *text = (const char *)data + 2 + proto_len, *end = (const char *)data + size;
    for (int n = 0; n < MAX_LINES; n++) {
        const char *newline = memchr(text, '\n', (size_t)(end - text));
        size_t len = newline ? (size_t)(newline - text) : (size_t)(end - text);
        check_line(&model, text, len, &tokens, &normalized, &expected, &joined);
        if (!newline)
            break;
        text = newline + 1;
    }
    rs_tokens_free(&tokens);
    rs_strbuf_free(&normalized);
    rs_strbuf_free(&expected);
    rs_strbuf_free(&joined);
    rs_sp_model_free(&model);
    return 0;
}
