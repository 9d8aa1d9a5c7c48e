#include "sp_normalize.h"

#include <string.h>

#include "utf8.h"

/* A Darts-clone double-array unit: the fields its bits pack. */
static uint32_t unit_offset(uint32_t unit) { return (unit >> 10) << ((unit & (1u << 9)) >> 6); }
static uint32_t unit_label(uint32_t unit) { return unit & ((1u << 31) | 0xffu); }
static uint32_t unit_value(uint32_t unit) { return unit & ((1u << 31) - 1); }
static bool unit_has_leaf(uint32_t unit) { return (unit >> 8) & 1u; }

/* SentencePiece looks at no more than this many matching prefixes (the shortest ones). */
#define MAX_PREFIX_MATCHES 32

/* The longest rule that matches a prefix of s[0 .. len): returns its length (0: none) and sets *replacement.
 * Walks the double array as Darts-clone's commonPrefixSearch does, with bounds checks a hostile file needs. */
static size_t longest_rule(const rs_sp_model *model, const unsigned char *s, size_t len, const char **replacement)
{
    if (model->trie_units == 0)
        return 0;
    const uint32_t *trie = model->trie;
    size_t best = 0, matches = 0;
    size_t node = unit_offset(trie[0]);
    for (size_t i = 0; i < len; i++) {
        node ^= s[i];
        if (node >= model->trie_units)
            break;
        uint32_t unit = trie[node];
        if (unit_label(unit) != s[i])
            break;
        node ^= unit_offset(unit);
        if (unit_has_leaf(unit)) {
            if (node >= model->trie_units)
                break;
            uint32_t value = unit_value(trie[node]);
            if (matches++ < MAX_PREFIX_MATCHES && value < model->replacements_len) {
                best = i + 1;
                *replacement = model->replacements + value; /* NUL-ended: the blob ends in NUL */
            }
        }
    }
    return best;
}

/* SentencePiece's NormalizePrefix: the normalized form of the text's first character(s) in *piece (NUL-ended
 * or of *piece_len bytes) and the input bytes it stands for. */
static size_t normalize_prefix(const rs_sp_model *model, const unsigned char *s, size_t len, const char **piece,
                               size_t *piece_len)
{
    const char *replacement = NULL;
    size_t matched = longest_rule(model, s, len, &replacement);
    if (matched > 0) {
        *piece = replacement;
        *piece_len = strlen(replacement);
        return matched;
    }
    uint32_t cp;
    size_t n = rs_utf8_decode(s, len, &cp);
    if (cp == RS_UTF8_REPLACEMENT && !(n == 3 && memcmp(s, "\xef\xbf\xbd", 3) == 0)) {
        *piece = "\xef\xbf\xbd"; /* a malformed sequence: U+FFFD for its first byte alone */
        *piece_len = 3;
        return 1;
    }
    *piece = (const char *)s;
    *piece_len = n;
    return n;
}

static int append_piece(const rs_sp_model *model, const char *piece, size_t len, rs_strbuf *out, rs_error *err)
{
    for (size_t i = 0; i < len; i++) {
        int rc = model->escape_whitespaces && piece[i] == ' ' ? rs_strbuf_append(out, RS_SP_SPACE, RS_SP_SPACE_LEN, err)
                                                              : rs_strbuf_putc(out, piece[i], err);
        if (rc < 0)
            return -1;
    }
    return 0;
}

int rs_sp_normalize(const rs_sp_model *model, const char *text, size_t len, rs_strbuf *out, rs_error *err)
{
    rs_strbuf_clear(out);
    const unsigned char *s = (const unsigned char *)text, *end = s + len;
    const char *piece;
    size_t piece_len;
    if (model->remove_extra_whitespaces) /* leading spaces (after the rules) */
        while (s < end) {
            size_t n = normalize_prefix(model, s, (size_t)(end - s), &piece, &piece_len);
            if (piece_len != 1 || piece[0] != ' ')
                break;
            s += n;
        }
    if (s == end)
        return 0;
    if (model->add_dummy_prefix && append_piece(model, " ", 1, out, err) < 0)
        return -1;
    bool after_space = model->remove_extra_whitespaces;
    while (s < end) {
        s += normalize_prefix(model, s, (size_t)(end - s), &piece, &piece_len);
        if (after_space)
            while (piece_len > 0 && piece[0] == ' ')
                piece++, piece_len--;
        if (piece_len > 0) {
            if (append_piece(model, piece, piece_len, out, err) < 0)
                return -1;
            after_space = piece[piece_len - 1] == ' ';
        }
        if (!model->remove_extra_whitespaces)
            after_space = false;
    }
    if (model->remove_extra_whitespaces) { /* trailing spaces */
        const char *space = model->escape_whitespaces ? RS_SP_SPACE : " ";
        size_t space_len = strlen(space);
        while (out->len >= space_len && memcmp(out->data + out->len - space_len, space, space_len) == 0)
            out->len -= space_len;
        if (out->data)
            out->data[out->len] = '\0';
    }
    return 0;
}
