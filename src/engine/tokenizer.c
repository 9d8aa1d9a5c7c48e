#include "tokenizer.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sp_segment.h"
#include "subword.h"
#include "unicode_tables.h"
#include "utf8.h"

void rs_tokenizer_free(rs_tokenizer *tok)
{
    rs_subword_free(tok->source.sentencepiece);
    rs_subword_free(tok->target.sentencepiece);
    memset(tok, 0, sizeof *tok);
}

bool rs_token_starts_word(const rs_tok_options *options, const char *token)
{
    return !options->sentencepiece || strncmp(token, RS_SP_SPACE, RS_SP_SPACE_LEN) == 0;
}

/* ---- token lists ------------------------------------------------------------------------------------ */

void rs_tokens_init(rs_tokens *tokens) { memset(tokens, 0, sizeof *tokens); }

void rs_tokens_clear(rs_tokens *tokens)
{
    tokens->text_len = 0;
    tokens->count = 0;
    tokens->dropped = 0;
    tokens->has_ids = false;
}

void rs_tokens_free(rs_tokens *tokens)
{
    free(tokens->text.at);
    free(tokens->starts.at);
    free(tokens->ids.at);
    rs_tokens_init(tokens);
}

/* Grows *buffer (of *cap elements of `size` bytes) to hold at least `need` elements. */
static int reserve_text(rs_tokens *tokens, size_t extra, rs_error *err)
{
    if (extra > SIZE_MAX - tokens->text_len)
        return rs_fail(err, "out of memory (tokens)");
    return RS_GROW(tokens->text, tokens->text_len + extra, "tokens", err);
}

/* Ends the token that starts at text offset `start` (its bytes are already in text). */
static int finish_token(rs_tokens *tokens, size_t start, rs_error *err)
{
    if (tokens->limit && tokens->count >= tokens->limit) {
        tokens->text_len = start;
        tokens->dropped++;
        return 0;
    }
    if (reserve_text(tokens, 1, err) < 0)
        return -1;
    if (RS_GROW(tokens->starts, tokens->count + 1, "tokens", err) < 0)
        return -1;
    tokens->text.at[tokens->text_len++] = '\0';
    tokens->starts.at[tokens->count++] = start;
    return 0;
}

int rs_tokens_push(rs_tokens *tokens, const char *token, size_t len, rs_error *err)
{
    if (reserve_text(tokens, len, err) < 0)
        return -1;
    size_t start = tokens->text_len;
    if (len)
        memcpy(tokens->text.at + start, token, len);
    tokens->text_len += len;
    if (finish_token(tokens, start, err) < 0) {
        tokens->text_len = start;
        return -1;
    }
    return 0;
}

int rs_tokens_push_id(rs_tokens *tokens, const char *token, size_t len, int32_t id, rs_error *err)
{
    if (RS_GROW(tokens->ids, tokens->count + 1, "tokens", err) < 0)
        return -1;
    size_t slot = tokens->count;
    if (rs_tokens_push(tokens, token, len, err) < 0)
        return -1;
    if (tokens->count > slot) /* not dropped by the limit */
        tokens->ids.at[slot] = id;
    return 0;
}

/* ---- tokenization ----------------------------------------------------------------------------------- */

/* Yields the code points of a line after decoding, lowercasing and accent folding (steps 1 and 2), one at a
 * time, so that no step needs a buffer of its own. */
typedef struct mapped_reader {
    const unsigned char *pos, *end;
    bool lowercase, fold_accents;
    uint32_t pending[RS_UC_FOLD_MAX];
    size_t pending_len, pending_next;
} mapped_reader;

static bool next_code_point(mapped_reader *reader, uint32_t *cp)
{
    while (reader->pending_next == reader->pending_len) {
        if (reader->pos == reader->end)
            return false;
        uint32_t c;
        if (*reader->pos < 0x80) {
            c = *reader->pos++;
            if (reader->lowercase && c >= 'A' && c <= 'Z')
                c += 'a' - 'A';
            *cp = c; /* ASCII folds to itself */
            return true;
        }
        reader->pos += rs_utf8_decode(reader->pos, (size_t)(reader->end - reader->pos), &c);
        if (reader->lowercase)
            c = rs_uc_lower(c);
        reader->pending_next = 0;
        if (reader->fold_accents) {
            reader->pending_len = rs_uc_fold(c, reader->pending);
        } else {
            reader->pending[0] = c;
            reader->pending_len = 1;
        }
    }
    *cp = reader->pending[reader->pending_next++];
    return true;
}

static bool is_apostrophe(uint32_t cp) { return cp == 0x27 || cp == 0x2019; }
static bool is_hyphen(uint32_t cp) { return cp == 0x2D || cp == 0x2010 || cp == 0x2011; }
static bool is_number_joiner(uint32_t cp)
{
    return cp == '.' || cp == ',' || cp == ':' || cp == 0x066B || cp == 0x066C;
}
static bool is_word_class(unsigned cls) { return cls == RS_UC_WORD || cls == RS_UC_DIGIT; }

static int append_code_point(rs_tokens *out, uint32_t cp, rs_error *err)
{
    if (out->text_len + 4 > out->text.cap && reserve_text(out, 4, err) < 0)
        return -1;
    out->text_len += rs_utf8_encode(cp, out->text.at + out->text_len);
    return 0;
}

int rs_tokenize(const rs_tok_options *options, const char *line, size_t len, rs_tokens *out, rs_error *err)
{
    if (options->sentencepiece)
        return rs_sp_encode(options->sentencepiece, line, len, out, err);
    rs_tokens_clear(out);
    if (len == 0)
        line = ""; /* line may be NULL then, and NULL + 0 is undefined */
    if (len && line[len - 1] == '\n')
        len--;
    if (len && line[len - 1] == '\r')
        len--;
    mapped_reader reader = {
        .pos = (const unsigned char *)line,
        .end = (const unsigned char *)line + len,
        .lowercase = options->lowercase,
        .fold_accents = options->fold_accents,
    };
    const bool split = options->split_punctuation, elision = options->split_elision;
    bool in_token = false;     /* a token has bytes in out->text from token_start on */
    size_t token_start = 0;
    unsigned before = RS_UC_SEPARATOR; /* class of the previous code point of the chunk; separator: none */
    uint32_t cp, next = 0;
    bool have = next_code_point(&reader, &cp);
    unsigned cls = have ? rs_uc_class(cp) : RS_UC_SEPARATOR;
    while (have) {
        bool have_next = next_code_point(&reader, &next);
        unsigned next_cls = have_next ? rs_uc_class(next) : RS_UC_SEPARATOR;
        if (cls == RS_UC_SEPARATOR) {
            if (in_token && finish_token(out, token_start, err) < 0)
                return -1;
            in_token = false;
        } else {
            /* A punctuation code point stays inside the token only in the README's two contexts. */
            bool joins = !split || cls != RS_UC_PUNCT ||
                         ((is_apostrophe(cp) || is_hyphen(cp)) && is_word_class(before) &&
                          is_word_class(next_cls)) ||
                         (is_number_joiner(cp) && before == RS_UC_DIGIT && next_cls == RS_UC_DIGIT);
            if (!joins && in_token) {
                if (finish_token(out, token_start, err) < 0)
                    return -1;
                in_token = false;
            }
            if (!in_token) {
                token_start = out->text_len;
                in_token = true;
            }
            if (append_code_point(out, cp, err) < 0)
                return -1;
            /* A split-off punctuation mark is a token by itself; with split_elision a joining apostrophe ends
             * its token (l' homme). */
            if (!joins || (elision && split && cls == RS_UC_PUNCT && is_apostrophe(cp))) {
                if (finish_token(out, token_start, err) < 0)
                    return -1;
                in_token = false;
            }
        }
        before = cls;
        cp = next;
        cls = next_cls;
        have = have_next;
    }
    if (in_token && finish_token(out, token_start, err) < 0)
        return -1;
    return 0;
}

/* ---- detokenization --------------------------------------------------------------------------------- */

static bool is_one_of(const char *token, const char *const *set, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(token, set[i]) == 0)
            return true;
    return false;
}

static const char *const NO_SPACE_BEFORE[] = {".", ",", "!", "?", ";", ":", "%", ")", "]", "}",
                                              "\u00bb", "\u201d", "\u2019", "\u2026", "\u060c", "\u061b", "\u061f"};
static const char *const NO_SPACE_AFTER[] = {"(", "[", "{", "\u00ab", "\u201c", "\u00bf", "\u00a1", "\u201e",
                                             "\u2018"};

/* True when the token is more than one code point and its last one is an apostrophe (l', qu’). */
static bool ends_in_elision(const char *token, size_t len)
{
    if (len >= 2 && token[len - 1] == '\'')
        return true;
    return len >= 4 && memcmp(token + len - 3, "\u2019", 3) == 0;
}

/* Replaces the first code point of text[0..*len) by its uppercase form; text has room for 4 more bytes. */
static void capitalize_first(char *text, size_t *len)
{
    if (*len == 0)
        return;
    uint32_t cp;
    size_t old_len = rs_utf8_decode((const unsigned char *)text, *len, &cp);
    uint32_t up = rs_uc_upper(cp);
    if (up == cp)
        return; /* also covers an invalid sequence, which decodes to U+FFFD */
    char encoded[4];
    size_t new_len = rs_utf8_encode(up, encoded);
    memmove(text + new_len, text + old_len, *len - old_len + 1);
    memcpy(text, encoded, new_len);
    *len = *len - old_len + new_len;
}

char *rs_detokenize(const rs_tok_options *options, const char *const *tokens, size_t count, rs_error *err)
{
    if (options->sentencepiece)
        return rs_sp_decode(options->sentencepiece, tokens, count, err);
    /* Every token plus one space, the NUL, and 4 bytes for an uppercase form longer than its lowercase. */
    size_t cap = 5;
    for (size_t i = 0; i < count; i++) {
        size_t len = tokens[i] ? strlen(tokens[i]) : 0;
        if (len > SIZE_MAX - cap - 1) {
            rs_fail(err, "out of memory (detokenize)");
            return NULL;
        }
        cap += len + 1;
    }
    char *text = malloc(cap);
    if (!text) {
        rs_fail(err, "out of memory (detokenize)");
        return NULL;
    }
    size_t len = 0;
    bool glue_next = false;
    size_t quotes = 0;
    for (size_t i = 0; i < count; i++) {
        const char *token = tokens[i] ? tokens[i] : "";
        size_t token_len = strlen(token);
        bool glue = true;
        if (options->split_punctuation) {
            glue = glue_next || i == 0;
            glue_next = false;
            if (is_one_of(token, NO_SPACE_BEFORE, sizeof NO_SPACE_BEFORE / sizeof *NO_SPACE_BEFORE))
                glue = true;
            if (is_one_of(token, NO_SPACE_AFTER, sizeof NO_SPACE_AFTER / sizeof *NO_SPACE_AFTER))
                glue_next = true;
            /* Straight quotes open on odd occurrences and close on even ones. */
            if (strcmp(token, "\"") == 0) {
                quotes++;
                if (quotes % 2 == 1)
                    glue_next = true;
                else
                    glue = true;
            }
            if (options->split_elision && ends_in_elision(token, token_len))
                glue_next = true;
        } else {
            glue = i == 0;
        }
        if (!glue)
            text[len++] = ' ';
        memcpy(text + len, token, token_len);
        len += token_len;
    }
    text[len] = '\0';
    if (options->capitalize)
        capitalize_first(text, &len);
    return text;
}
