#include "token_view.h"

#include <string.h>

#include "output.h"

static int32_t token_id(const rs_model *m, const rs_tokens *tokens, size_t i)
{
    if (tokens->has_ids)
        return tokens->ids.at[i];
    const char *token = rs_tokens_get(tokens, i);
    int32_t id = rs_vocab_find(&m->source_vocab, token, strlen(token));
    return id < 0 ? m->source_ids.unk : id;
}

int rs_format_tokens_jsonl(rs_strbuf *out, const rs_model *m, const rs_tokens *tokens, long long id, rs_error *err)
{
    if (rs_strbuf_printf(out, err, "{\"id\": %lld, \"tokens\": [", id) < 0)
        return -1;
    for (size_t i = 0; i < tokens->count; i++)
        if ((i && rs_strbuf_puts(out, ", ", err) < 0) || rs_format_json_string(out, rs_tokens_get(tokens, i), err) < 0)
            return -1;
    if (rs_strbuf_puts(out, "], \"ids\": [", err) < 0)
        return -1;
    for (size_t i = 0; i < tokens->count; i++)
        if (rs_strbuf_printf(out, err, "%s%d", i ? ", " : "", (int)token_id(m, tokens, i)) < 0)
            return -1;
    if (rs_strbuf_puts(out, "], \"word_start\": [", err) < 0)
        return -1;
    for (size_t i = 0; i < tokens->count; i++) {
        bool starts = rs_token_starts_word(&m->tokenizer.source, rs_tokens_get(tokens, i));
        if (rs_strbuf_printf(out, err, "%s%s", i ? ", " : "", starts ? "true" : "false") < 0)
            return -1;
    }
    return rs_strbuf_puts(out, "]}\n", err);
}

int rs_format_tokens_text(rs_strbuf *out, const rs_model *model, const rs_tokens *tokens, long long id,
                          rs_error *err)
{
    (void)model;
    (void)id;
    for (size_t i = 0; i < tokens->count; i++)
        if ((i && rs_strbuf_putc(out, ' ', err) < 0) || rs_strbuf_puts(out, rs_tokens_get(tokens, i), err) < 0)
            return -1;
    return rs_strbuf_putc(out, '\n', err);
}
