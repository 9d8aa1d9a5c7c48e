/* The rnnsearch tokenizer: README.md "Tokenizer" defines the rules; scripts/tokenizer.py is its Python twin. */
#ifndef RS_TOKENIZER_H
#define RS_TOKENIZER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "mem.h"
#include "vocab.h"

struct rs_sp_model;

typedef struct rs_tok_options {
    bool lowercase;
    bool fold_accents;
    bool split_punctuation;
    bool split_elision;
    bool capitalize;
    /* A SentencePiece side ({"sentencepiece": {"model_proto": BASE64}}, README "Subword models"): the
     * segmentation model, owned by the rs_tokenizer; NULL for a word-level side. */
    struct rs_sp_model *sentencepiece;
} rs_tok_options;

typedef struct rs_tokenizer {
    rs_tok_options source; /* used to tokenize input lines */
    rs_tok_options target; /* used to detokenize output tokens */
} rs_tokenizer;

/* A list of tokens: NUL-terminated strings packed in one buffer. */
typedef struct rs_tokens {
    RS_GROWABLE(char) text; /* token bytes, each token followed by NUL */
    size_t text_len;        /* bytes used in text */
    RS_GROWABLE(size_t) starts; /* starts.at[i]: offset of token i in text */
    size_t count;
    /* When limit > 0, tokens after the first `limit` are only counted in `dropped`, not stored, so that a
     * huge line needs no more memory than its longest token. rs_tokens_init sets 0: no limit. */
    size_t limit;
    size_t dropped;
    /* has_ids: ids[i] is token i's vocabulary id, given by the tokenizer (SentencePiece sides, whose pieces are
     * the vocabulary); else the caller looks the strings up. */
    bool has_ids;
    RS_GROWABLE(int32_t) ids;
} rs_tokens;

void rs_tokenizer_free(rs_tokenizer *tok);

/* The special ids of one side, as the model's special_tokens name them (pad -1: none). */
typedef struct rs_tok_specials {
    int32_t unk, bos, eos, pad;
} rs_tok_specials;

/* A SentencePiece side's vocabulary must be the model's pieces in id order, and its unk/bos/eos/pad the
 * model's unknown and control pieces; word-level sides pass. `where` names the file for messages. */
int rs_tokenizer_check_vocab(const rs_tokenizer *tok, const rs_vocab *source, const rs_tok_specials *source_ids,
                             const rs_vocab *target, const rs_tok_specials *target_ids, const char *where,
                             rs_error *err);

/* Whether a token starts a word: on a SentencePiece side a piece that begins with U+2581 (the first piece of a
 * line always does, unless the model adds no dummy prefix); on a word-level side every token. */
bool rs_token_starts_word(const rs_tok_options *options, const char *token);

void rs_tokens_init(rs_tokens *tokens);
void rs_tokens_clear(rs_tokens *tokens); /* count = dropped = 0, keeps memory and the limit */
void rs_tokens_free(rs_tokens *tokens);
int rs_tokens_push(rs_tokens *tokens, const char *token, size_t len, rs_error *err);
/* rs_tokens_push of a token with its vocabulary id (tokens->has_ids must be set). */
int rs_tokens_push_id(rs_tokens *tokens, const char *token, size_t len, int32_t id, rs_error *err);
static inline const char *rs_tokens_get(const rs_tokens *tokens, size_t i)
{
    return tokens->text.at + tokens->starts.at[i];
}

/* Tokenizes one line of `len` bytes (any bytes: invalid UTF-8 becomes U+FFFD, NUL separates; a trailing
 * "\n" and then "\r" are ignored) into `out` (cleared first). Fails only when memory runs out. A SentencePiece
 * side segments the line into pieces with their ids (sp_segment.h). */
int rs_tokenize(const rs_tok_options *options, const char *line, size_t len, rs_tokens *out, rs_error *err);

/* Joins target tokens into text (a SentencePiece side: SentencePiece's decoding); returns a malloc'd
 * NUL-terminated string, or NULL (err set) when out of memory. */
char *rs_detokenize(const rs_tok_options *options, const char *const *tokens, size_t count, rs_error *err);

#endif
