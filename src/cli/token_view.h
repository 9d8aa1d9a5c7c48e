/* --tokenize: the tokens of an input line as the encoder receives them (README "Subword models"), instead of a
 * translation. Text: the tokens separated by single spaces. JSON Lines: {"id": N, "tokens": [...], "ids": [...],
 * "word_start": [...]}: the vocabulary ids (unknown: unk) and whether each token starts a word (a piece that
 * begins with U+2581; every word-level token). The added bos/eos are not shown. */
#ifndef RS_TOKEN_VIEW_H
#define RS_TOKEN_VIEW_H

#include <stdbool.h>

#include "error.h"
#include "model.h"
#include "strbuf.h"
#include "tokenizer.h"

/* Append the line (with its newline) for `tokens`, the source tokens of input line `id`, in each format. */
int rs_format_tokens_text(rs_strbuf *out, const rs_model *model, const rs_tokens *tokens, long long id,
                          rs_error *err);
int rs_format_tokens_jsonl(rs_strbuf *out, const rs_model *model, const rs_tokens *tokens, long long id,
                           rs_error *err);

#endif
