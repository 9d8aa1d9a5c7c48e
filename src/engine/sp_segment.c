#include "sp_segment.h"

#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "sp_normalize.h"
#include "strbuf.h"
#include "utf8.h"

#define NONE SIZE_MAX

/* A symbol of the BPE merge: bytes [start, start + len) of the normalized line, in a doubly linked list. An
 * emptied symbol (len 0) was merged into its left neighbour. */
typedef struct symbol {
    size_t start, len;
    size_t prev, next;
} symbol;

/* A candidate merge of two adjacent symbols into a piece of `size` bytes with that piece's score. */
typedef struct candidate {
    float score;
    size_t left, right, size;
} candidate;

typedef struct bpe {
    const rs_sp_model *model;
    const char *text;
    symbol *symbols;
    candidate *heap;
    size_t heap_len, heap_cap;
} bpe;

/* The merge order of bpe_model.cc: the highest score first, then the leftmost. */
static bool before(const candidate *a, const candidate *b)
{
    return a->score > b->score || (a->score == b->score && a->left < b->left);
}

static int heap_push(bpe *b, candidate c, rs_error *err)
{
    void *p = b->heap;
    if (rs_reserve(&p, &b->heap_cap, b->heap_len + 1, sizeof *b->heap, "segmentation", err) < 0)
        return -1;
    b->heap = p;
    size_t i = b->heap_len++;
    while (i > 0 && before(&c, &b->heap[(i - 1) / 2])) {
        b->heap[i] = b->heap[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    b->heap[i] = c;
    return 0;
}

static candidate heap_pop(bpe *b)
{
    candidate top = b->heap[0], last = b->heap[--b->heap_len];
    size_t i = 0;
    for (;;) {
        size_t child = 2 * i + 1;
        if (child >= b->heap_len)
            break;
        if (child + 1 < b->heap_len && before(&b->heap[child + 1], &b->heap[child]))
            child++;
        if (!before(&b->heap[child], &last))
            break;
        b->heap[i] = b->heap[child];
        i = child;
    }
    if (b->heap_len > 0)
        b->heap[i] = last;
    return top;
}

/* Adds the merge of symbols left and right when their concatenation is a normal piece. */
static int consider(bpe *b, size_t left, size_t right, rs_error *err)
{
    if (left == NONE || right == NONE)
        return 0;
    size_t size = b->symbols[left].len + b->symbols[right].len;
    int32_t id = rs_sp_find(b->model, b->text + b->symbols[left].start, size);
    if (id < 0 || b->model->types[id] != RS_SP_NORMAL)
        return 0;
    candidate c = {b->model->scores[id], left, right, size};
    return heap_push(b, c, err);
}

/* The bytes of the UTF-8 character that starts with this byte, as SentencePiece's OneCharLen counts them. */
static size_t char_length(unsigned char lead)
{
    return lead < 0xc0 ? 1 : lead < 0xe0 ? 2 : lead < 0xf0 ? 3 : 4;
}

/* Splits the text into characters and merges them, highest-scoring pair first, until no pair is a piece. */
static int merge(bpe *b, size_t len, rs_error *err)
{
    size_t count = 0;
    for (size_t pos = 0; pos < len; count++) {
        size_t n = char_length((unsigned char)b->text[pos]);
        if (n > len - pos)
            n = len - pos;
        b->symbols[count] = (symbol){pos, n, count == 0 ? NONE : count - 1, NONE};
        if (count > 0)
            b->symbols[count - 1].next = count;
        pos += n;
    }
    for (size_t i = 1; i < count; i++)
        if (consider(b, i - 1, i, err) < 0)
            return -1;
    while (b->heap_len > 0) {
        candidate top = heap_pop(b);
        symbol *left = &b->symbols[top.left], *right = &b->symbols[top.right];
        if (left->len == 0 || right->len == 0 || left->len + right->len != top.size)
            continue; /* a stale candidate: one side has been merged since */
        left->len += right->len;
        left->next = right->next;
        if (right->next != NONE)
            b->symbols[right->next].prev = top.left;
        right->len = 0;
        if (consider(b, left->prev, top.left, err) < 0 || consider(b, top.left, left->next, err) < 0)
            return -1;
    }
    return 0;
}

/* Stores a piece with its id. Token strings end at NUL, so a NUL byte of a piece (an unknown character to every
 * bundled model) is shown as U+2400 SYMBOL FOR NULL; the id is SentencePiece's either way. */
static int push_piece(rs_tokens *out, const char *piece, size_t len, int32_t id, rs_error *err)
{
    if (!memchr(piece, '\0', len))
        return rs_tokens_push_id(out, piece, len, id, err);
    rs_strbuf shown;
    rs_strbuf_init(&shown);
    int rc = 0;
    for (size_t i = 0; i < len && rc == 0; i++)
        rc = piece[i] ? rs_strbuf_putc(&shown, piece[i], err) : rs_strbuf_append(&shown, "\xe2\x90\x80", 3, err);
    if (rc == 0)
        rc = rs_tokens_push_id(out, shown.data, shown.len, id, err);
    rs_strbuf_free(&shown);
    return rc;
}

/* Emits the merged symbols as pieces; a run of unknown ones becomes one piece (sentencepiece_processor.cc). */
static int emit(const bpe *b, size_t len, rs_tokens *out, rs_error *err)
{
    size_t unk_start = 0, unk_len = 0;
    for (size_t i = 0; len > 0 && i != NONE; i = b->symbols[i].next) {
        const symbol *s = &b->symbols[i];
        int32_t id = rs_sp_find(b->model, b->text + s->start, s->len);
        if (id < 0)
            id = b->model->unk_id;
        if (b->model->types[id] == RS_SP_UNKNOWN) {
            if (unk_len == 0)
                unk_start = s->start;
            unk_len += s->len;
            continue;
        }
        if (unk_len > 0 && push_piece(out, b->text + unk_start, unk_len, b->model->unk_id, err) < 0)
            return -1;
        unk_len = 0;
        if (push_piece(out, b->text + s->start, s->len, id, err) < 0)
            return -1;
    }
    if (unk_len > 0 && push_piece(out, b->text + unk_start, unk_len, b->model->unk_id, err) < 0)
        return -1;
    return 0;
}

/* The line as valid UTF-8 (maximal subparts of ill-formed sequences become U+FFFD), line end dropped. */
static int repair(const char *line, size_t len, rs_strbuf *out, rs_error *err)
{
    if (len && line[len - 1] == '\n')
        len--;
    if (len && line[len - 1] == '\r')
        len--;
    const unsigned char *s = (const unsigned char *)line, *end = s + len;
    while (s < end) {
        const unsigned char *run = s;
        while (s < end && *s < 0x80)
            s++;
        if (s > run && rs_strbuf_append(out, (const char *)run, (size_t)(s - run), err) < 0)
            return -1;
        if (s == end)
            break;
        uint32_t cp;
        s += rs_utf8_decode(s, (size_t)(end - s), &cp);
        char bytes[4];
        if (rs_strbuf_append(out, bytes, rs_utf8_encode(cp, bytes), err) < 0)
            return -1;
    }
    return 0;
}

int rs_sp_normalize_line(const rs_sp_model *model, const char *line, size_t len, rs_strbuf *out, rs_error *err)
{
    rs_strbuf valid;
    rs_strbuf_init(&valid);
    int rc = repair(len ? line : "", len, &valid, err);
    if (rc == 0)
        rc = rs_sp_normalize(model, valid.data ? valid.data : "", valid.len, out, err);
    rs_strbuf_free(&valid);
    return rc;
}

int rs_sp_encode(const rs_sp_model *model, const char *line, size_t len, rs_tokens *out, rs_error *err)
{
    rs_tokens_clear(out);
    out->has_ids = true;
    rs_strbuf normalized;
    rs_strbuf_init(&normalized);
    bpe b = {.model = model};
    int rc = rs_sp_normalize_line(model, line, len, &normalized, err);
    if (rc == 0 && normalized.len > 0) {
        b.text = normalized.data;
        b.symbols = rs_alloc_array(normalized.len, sizeof *b.symbols, "segmentation", err);
        rc = b.symbols ? merge(&b, normalized.len, err) : -1;
        if (rc == 0)
            rc = emit(&b, normalized.len, out, err);
    }
    free(b.symbols);
    free(b.heap);
    rs_strbuf_free(&normalized);
    return rc;
}

/* ---- decoding --------------------------------------------------------------------------------------- */

/* Appends a normal piece with U+2581 written as a space. */
static int append_spaced(rs_strbuf *text, const char *piece, size_t len, rs_error *err)
{
    const char *end = piece + len;
    while (piece < end) {
        const char *space = memchr(piece, RS_SP_SPACE[0], (size_t)(end - piece));
        while (space && ((size_t)(end - space) < RS_SP_SPACE_LEN || memcmp(space, RS_SP_SPACE, RS_SP_SPACE_LEN)))
            space = memchr(space + 1, RS_SP_SPACE[0], (size_t)(end - space - 1));
        size_t run = space ? (size_t)(space - piece) : (size_t)(end - piece);
        if (rs_strbuf_append(text, piece, run, err) < 0 || (space && rs_strbuf_putc(text, ' ', err) < 0))
            return -1;
        piece += run + (space ? RS_SP_SPACE_LEN : 0);
    }
    return 0;
}

char *rs_sp_decode(const rs_sp_model *model, const char *const *pieces, size_t count, rs_error *err)
{
    rs_strbuf text;
    rs_strbuf_init(&text);
    /* The space of the first word is dropped: every leading piece's U+2581 while nothing is written yet when
     * extra whitespace is removed, else that of the first piece that has one. */
    bool strip_first = model->add_dummy_prefix || model->remove_extra_whitespaces, stripped = false;
    int rc = rs_strbuf_append(&text, "", 0, err);
    for (size_t i = 0; i < count && rc == 0; i++) {
        const char *piece = pieces[i] ? pieces[i] : "";
        size_t len = strlen(piece);
        int32_t id = rs_sp_find(model, piece, len);
        if (id < 0)
            id = model->unk_id;
        if (stripped || text.len > 0)
            strip_first = false;
        stripped = false;
        if (model->types[id] == RS_SP_CONTROL)
            continue;
        if (model->types[id] == RS_SP_UNKNOWN) {
            rc = rs_strbuf_puts(&text, id == rs_sp_find(model, piece, len) ? model->unk_surface : piece, err);
            continue;
        }
        if (strip_first && len >= RS_SP_SPACE_LEN && memcmp(piece, RS_SP_SPACE, RS_SP_SPACE_LEN) == 0) {
            piece += RS_SP_SPACE_LEN;
            len -= RS_SP_SPACE_LEN;
            stripped = !model->remove_extra_whitespaces;
        }
        rc = append_spaced(&text, piece, len, err);
    }
    if (rc < 0) {
        rs_strbuf_free(&text);
        return NULL;
    }
    return text.data;
}
