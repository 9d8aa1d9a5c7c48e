/* madvise(MADV_DONTNEED): posix_madvise's POSIX_MADV_DONTNEED does nothing on Linux. */
#define _DEFAULT_SOURCE

#include "bulk.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "base64.h"
#include "mem.h"

/* ---- numbers ---- */

/* 10^k for k <= 22: exact in double. */
static const double POW10[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* w * 10^e10 as the float (float)strtod gives, when that can be told without strtod: false otherwise.
 * With w < 2^53 and |e10| <= 22 one correctly rounded operation gives strtod's double itself (Clinger).
 * Otherwise the double below is within 2 ulps of strtod's (at most three roundings of half an ulp, plus
 * strtod's own half), and both round to the same float unless that float32 rounding boundary (a midpoint
 * between two floats) lies within 4 ulps, which then goes to strtod. */
static bool convert(uint64_t w, int e10, bool negative, float *out)
{
    if (e10 < -44 || e10 > 44)
        return false;
    bool exact = w <= (UINT64_C(1) << 53) && e10 >= -22 && e10 <= 22;
    double x = (double)w, d;
    if (e10 >= 0)
        d = e10 <= 22 ? x * POW10[e10] : x * POW10[22] * POW10[e10 - 22];
    else
        d = e10 >= -22 ? x / POW10[-e10] : x / POW10[22] / POW10[-e10 - 22];
    if (!exact) {
        if (!(d >= 0x1p-125 && d < 0x1p127)) /* float subnormals and the overflow edge: strtod decides */
            return false;
        uint64_t bits;
        memcpy(&bits, &d, sizeof bits);
        uint64_t low = bits & ((UINT64_C(1) << 29) - 1), half = UINT64_C(1) << 28;
        if (low > half - 4 && low < half + 4)
            return false;
    } else if (d > FLT_MAX) {
        return false; /* out of range: the caller's strtod path says so */
    }
    float f = (float)d;
    *out = negative ? -f : f;
    return true;
}

static float slow_number(const char *s, size_t len, bool *out_of_range)
{
    char buf[64];
    memcpy(buf, s, len); /* len <= 63, checked by the caller */
    buf[len] = '\0';
    double d = strtod(buf, NULL);
    if (!isfinite(d) || !RS_FLOAT32_ROUNDS_FINITE(d))
        *out_of_range = true;
    return (float)d;
}

static inline bool is_digit(char c)
{
    return (unsigned)(c - '0') < 10u;
}

/* Parses a strict JSON number at p (before end): returns the end of it, or NULL when there is none or it is
 * longer than cJSON reads (63 characters). *out_of_range is set when strtod's value is not a finite float32
 * (an error of the slow path). */
static const char *parse_number(const char *p, const char *end, float *value, bool *out_of_range)
{
    const char *start = p;
    bool negative = false;
    if (p < end && *p == '-') {
        negative = true;
        p++;
    }
    if (p >= end)
        return NULL;
    uint64_t w = 0;
    int digits = 0, e10 = 0;
    bool truncated = false;
    if (*p == '0') {
        p++;
    } else if (*p >= '1' && *p <= '9') {
        while (p < end && is_digit(*p)) {
            if (digits < 19) {
                w = w * 10 + (uint64_t)(*p - '0');
                digits++;
            } else {
                e10++;
                truncated |= *p != '0';
            }
            p++;
        }
    } else {
        return NULL;
    }
    if (p < end && *p == '.') {
        p++;
        const char *first = p;
        while (p < end && is_digit(*p)) {
            if (digits < 19) {
                if (w || *p != '0') { /* leading zeros are not significant */
                    w = w * 10 + (uint64_t)(*p - '0');
                    digits++;
                }
                e10--;
            } else {
                truncated |= *p != '0';
            }
            p++;
        }
        if (p == first)
            return NULL;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        bool exp_negative = false;
        if (p < end && (*p == '+' || *p == '-'))
            exp_negative = *p++ == '-';
        const char *first = p;
        int exponent = 0;
        while (p < end && is_digit(*p)) {
            if (exponent < 100000)
                exponent = exponent * 10 + (*p - '0');
            p++;
        }
        if (p == first)
            return NULL;
        e10 += exp_negative ? -exponent : exponent;
    }
    size_t len = (size_t)(p - start);
    if (len > 63)
        return NULL;
    if (w == 0)
        *value = negative ? -0.0f : 0.0f;
    else if (truncated || !convert(w, e10, negative, value))
        *value = slow_number(start, len, out_of_range);
    return p;
}

float rs_bulk_number(const char *s, size_t len)
{
    float v = 0.0f;
    bool out_of_range = false;
    parse_number(s, s + len, &v, &out_of_range);
    return v;
}

/* ---- the scan ---- */

typedef struct scanner {
    const char *text;
    size_t len;
    size_t pos;
    rs_bulk_table *table;
    char *out; /* the skeleton */
    size_t out_len, out_cap;
    size_t copied; /* text before this is in the skeleton (or replaced) */
    bool release;
    uintptr_t released; /* pages below this address were handed back */
    uintptr_t page;
    rs_error *err;
} scanner;

static inline void skip_ws(scanner *s)
{
    while (s->pos < s->len) {
        char c = s->text[s->pos];
        if (c != ' ' && c != '\n' && c != '\r' && c != '\t')
            break;
        s->pos++;
    }
}

static inline bool at(const scanner *s, char c)
{
    return s->pos < s->len && s->text[s->pos] == c;
}

/* Skips white space, then c with the white space after it: true when c was there (after a member or an element,
 * c ',': another follows). */
static bool skip_past(scanner *s, char c)
{
    skip_ws(s);
    if (!at(s, c))
        return false;
    s->pos++;
    skip_ws(s);
    return true;
}

/* At the '}' that must end an object: past it. */
static int close_object(scanner *s)
{
    if (!at(s, '}'))
        return RS_BULK_DECLINED;
    s->pos++;
    return 0;
}

static int append(scanner *s, const char *data, size_t n)
{
    if (s->out_len + n > s->out_cap) {
        void *p = s->out;
        if (rs_reserve(&p, &s->out_cap, s->out_len + n, 1, "model skeleton", s->err) < 0)
            return -1;
        s->out = p;
    }
    memcpy(s->out + s->out_len, data, n);
    s->out_len += n;
    return 0;
}

/* Hands back the pages of the text before `offset` (all in the skeleton or parsed) once there are 4 MB. */
static void release(scanner *s, size_t offset)
{
    if (!s->release)
        return;
    uintptr_t upto = ((uintptr_t)(s->text + offset)) & ~(s->page - 1);
    if (upto > s->released + ((uintptr_t)4 << 20)) {
        madvise((void *)s->released, (size_t)(upto - s->released), MADV_DONTNEED);
        s->released = upto;
    }
}

/* Puts the text before a bulk value starting at `from` into the skeleton. */
static int begin_value(scanner *s, size_t from)
{
    if (append(s, s->text + s->copied, from - s->copied) < 0)
        return -1;
    s->copied = from;
    return 0;
}

/* Puts `placeholder` into the skeleton for the bulk value ending before `to`. */
static int end_value(scanner *s, size_t to, const char *placeholder)
{
    if (append(s, placeholder, strlen(placeholder)) < 0)
        return -1;
    s->copied = to;
    release(s, to);
    return 0;
}

/* Skips a string at pos ('"'); *escaped tells whether it has a backslash. */
static int skip_string(scanner *s, bool *escaped)
{
    size_t pos = s->pos + 1;
    bool esc = false;
    for (;;) {
        if (pos >= s->len)
            return RS_BULK_DECLINED;
        const char *q = memchr(s->text + pos, '"', s->len - pos);
        if (!q)
            return RS_BULK_DECLINED;
        size_t quote = (size_t)(q - s->text);
        const char *b = memchr(s->text + pos, '\\', quote - pos);
        while (b) {
            esc = true;
            pos = (size_t)(b - s->text) + 2;
            if (pos > quote)
                break; /* the quote found was escaped */
            b = memchr(s->text + pos, '\\', quote - pos);
        }
        if (b)
            continue;
        s->pos = quote + 1;
        if (escaped)
            *escaped = esc;
        return 0;
    }
}

/* Skips any value (not validated: cJSON sees it in the skeleton). */
static int skip_value(scanner *s)
{
    if (s->pos >= s->len)
        return RS_BULK_DECLINED;
    char c = s->text[s->pos];
    if (c == '"')
        return skip_string(s, NULL);
    if (c == '{' || c == '[') {
        size_t depth = 0;
        while (s->pos < s->len) {
            c = s->text[s->pos];
            if (c == '"') {
                if (skip_string(s, NULL) != 0)
                    return RS_BULK_DECLINED;
                continue;
            }
            if (c == '{' || c == '[')
                depth++;
            else if (c == '}' || c == ']')
                depth--;
            s->pos++;
            if (depth == 0)
                return 0;
        }
        return RS_BULK_DECLINED;
    }
    while (s->pos < s->len) {
        c = s->text[s->pos];
        if (c == ',' || c == '}' || c == ']' || c == ' ' || c == '\n' || c == '\r' || c == '\t')
            break;
        s->pos++;
    }
    return 0;
}

/* An object's key: [start, end) are its raw bytes, `escaped` whether they hold a backslash. */
typedef struct key {
    size_t start, end;
    bool escaped;
} key;

/* The key at pos, and the ':' after it. */
static int read_key(scanner *s, key *k)
{
    if (!at(s, '"'))
        return RS_BULK_DECLINED;
    k->start = s->pos + 1;
    k->escaped = false;
    if (skip_string(s, &k->escaped) != 0)
        return RS_BULK_DECLINED;
    k->end = s->pos - 1;
    skip_ws(s);
    if (!at(s, ':'))
        return RS_BULK_DECLINED;
    s->pos++;
    skip_ws(s);
    return 0;
}

/* Whether the key is `word` (an escaped key never is: the fast path leaves escapes to cJSON). */
static bool key_is(const scanner *s, const key *k, const char *word)
{
    size_t n = strlen(word);
    return !k->escaped && k->end - k->start == n && memcmp(s->text + k->start, word, n) == 0;
}

static int new_bulk(scanner *s, size_t name_start, size_t name_end, rs_bulk **out)
{
    rs_bulk_table *t = s->table;
    size_t name_len = name_end - name_start;
    for (size_t i = 0; i < t->count; i++)
        if (strlen(t->items[i].name) == name_len && memcmp(t->items[i].name, s->text + name_start, name_len) == 0)
            return RS_BULK_DECLINED; /* a tensor given twice: the slow path reports it */
    if (memchr(s->text + name_start, '\0', name_len))
        return RS_BULK_DECLINED;
    void *p = t->items;
    if (rs_reserve(&p, &t->cap, t->count + 1, sizeof *t->items, "model tensors", s->err) < 0)
        return -1;
    t->items = p;
    rs_bulk *b = &t->items[t->count];
    memset(b, 0, sizeof *b);
    b->name = rs_strndup(s->text + name_start, name_len, s->err);
    if (!b->name)
        return -1;
    t->count++;
    *out = b;
    return 0;
}

/* A "base64" string at pos, decoded into b (base64.h; white space, and anything else the decoder refuses,
 * declines). `widen` asks for room to widen f16 values to f32 later. */
static int read_base64(scanner *s, rs_bulk *b, bool widen)
{
    size_t open = s->pos;
    if (begin_value(s, open) < 0)
        return -1;
    const char *p = s->text + open + 1;
    const char *close = memchr(p, '"', s->len - open - 1);
    if (!close)
        return RS_BULK_DECLINED;
    size_t len = (size_t)(close - p);
    size_t room = len / 4 * 3 + 3;
    if (widen && !rs_mul_size(room, 2, &room))
        return rs_fail(s->err, "out of memory (tensor data)");
    unsigned char *bytes = rs_alloc_array(room, 1, "tensor data", s->err);
    if (!bytes)
        return -1;
    b->is_base64 = true;
    b->values = bytes;
    b->capacity = room;
    rs_base64 decoder;
    rs_base64_begin(&decoder, false);
    size_t n = 0;
    rs_error ignored;
    /* 4 MiB of text at a time (whole groups), the text behind released as it goes */
    for (size_t i = 0; i < len; i += (size_t)1 << 22) {
        size_t piece = len - i < (size_t)1 << 22 ? len - i : (size_t)1 << 22;
        if (i > 0)
            release(s, open + 1 + i);
        if (rs_base64_feed(&decoder, p + i, piece, bytes, &n, &ignored) < 0)
            return RS_BULK_DECLINED;
    }
    if (rs_base64_end(&decoder, bytes, &n, &ignored) < 0)
        return RS_BULK_DECLINED;
    b->count = n;
    s->pos = (size_t)(close - s->text) + 1;
    return end_value(s, s->pos, "\"\"");
}

static int push_number(rs_bulk *b, float v, rs_error *err)
{
    if ((b->count + 1) * sizeof(float) > b->capacity) {
        size_t cap = b->capacity / sizeof(float);
        void *p = b->values;
        if (rs_reserve(&p, &cap, b->count + 1 < 1024 ? 1024 : b->count + 1, sizeof(float), "tensor data", err) < 0)
            return -1;
        b->values = p;
        b->capacity = cap * sizeof(float);
    }
    ((float *)b->values)[b->count++] = v;
    return 0;
}

/* A "data" list at pos ('['): regular nested lists of numbers, parsed into b. */
static int read_numbers(scanner *s, rs_bulk *b)
{
    if (begin_value(s, s->pos) < 0)
        return -1;
    size_t counts[RS_TENSOR_MAX_DIMS];
    bool dim_set[RS_TENSOR_MAX_DIMS] = {false};
    int depth = 0, leaf = 0, deepest = 0;
    const char *end = s->text + s->len;
    for (;;) {
        /* an element (or the ']' of an empty list) is expected */
        if (at(s, '[')) {
            if (depth == RS_TENSOR_MAX_DIMS)
                return RS_BULK_DECLINED;
            counts[depth++] = 0;
            if (depth > deepest)
                deepest = depth;
            s->pos++;
            skip_ws(s);
            if (!at(s, ']'))
                continue;
        } else {
            if (leaf == 0)
                leaf = depth;
            else if (leaf != depth)
                return RS_BULK_DECLINED;
            float v;
            bool out_of_range = false;
            const char *after = parse_number(s->text + s->pos, end, &v, &out_of_range);
            if (!after || out_of_range)
                return RS_BULK_DECLINED;
            if (push_number(b, v, s->err) < 0)
                return -1;
            if ((b->count & 0xffff) == 0)
                release(s, s->pos);
            s->pos = (size_t)(after - s->text);
            counts[depth - 1]++;
            if (skip_past(s, ','))
                continue;
            if (!at(s, ']'))
                return RS_BULK_DECLINED;
        }
        /* at the ']' closing the list at `depth` */
        for (;;) {
            s->pos++;
            int d = depth - 1;
            if (!dim_set[d]) {
                b->dims[d] = counts[d];
                dim_set[d] = true;
            } else if (b->dims[d] != counts[d]) {
                return RS_BULK_DECLINED; /* ragged */
            }
            if (--depth == 0)
                break;
            counts[depth - 1]++;
            if (skip_past(s, ','))
                break;
            if (!at(s, ']'))
                return RS_BULK_DECLINED;
        }
        if (depth == 0)
            break;
    }
    if (leaf == 0 && deepest > 1)
        return RS_BULK_DECLINED; /* only empty lists: let cJSON have it */
    if (leaf != 0 && leaf != deepest)
        return RS_BULK_DECLINED;
    b->depth = deepest;
    return end_value(s, s->pos, "[]");
}

/* One tensor object at pos ('{') named by `name`. */
static int read_tensor(scanner *s, const key *name)
{
    s->pos++;
    skip_ws(s);
    if (at(s, '}')) {
        s->pos++;
        return 0;
    }
    bool seen_bulk = false;
    int dtype = 0; /* 2: "f16" came first, 4: "f32", 0: not known */
    do {
        key k;
        int rc = read_key(s, &k);
        if (rc != 0)
            return rc;
        bool is_data = key_is(s, &k, "data");
        bool is_base64 = key_is(s, &k, "base64");
        if (is_data || is_base64) {
            if (seen_bulk)
                return RS_BULK_DECLINED; /* both, or one twice: the slow path knows what to say */
            seen_bulk = true;
        }
        if (is_base64 && at(s, '"')) {
            rs_bulk *b;
            if ((rc = new_bulk(s, name->start, name->end, &b)) != 0 || (rc = read_base64(s, b, dtype != 4)) != 0)
                return rc;
        } else if (is_data && at(s, '[')) {
            rs_bulk *b;
            if ((rc = new_bulk(s, name->start, name->end, &b)) != 0 || (rc = read_numbers(s, b)) != 0)
                return rc;
        } else {
            if (key_is(s, &k, "dtype")) {
                size_t left = s->len - s->pos;
                if (left >= 5 && memcmp(s->text + s->pos, "\"f16\"", 5) == 0)
                    dtype = 2;
                else if (left >= 5 && memcmp(s->text + s->pos, "\"f32\"", 5) == 0)
                    dtype = 4;
            }
            if ((rc = skip_value(s)) != 0)
                return rc;
        }
    } while (skip_past(s, ','));
    return close_object(s);
}

/* The "tensors" object at pos ('{'). */
static int read_tensors(scanner *s)
{
    s->pos++;
    skip_ws(s);
    if (at(s, '}')) {
        s->pos++;
        return 0;
    }
    do {
        key k;
        int rc = read_key(s, &k);
        if (rc != 0)
            return rc;
        if (k.escaped)
            return RS_BULK_DECLINED;
        rc = at(s, '{') ? read_tensor(s, &k) : skip_value(s);
        if (rc != 0)
            return rc;
    } while (skip_past(s, ','));
    return close_object(s);
}

static int scan_document(scanner *s)
{
    if (!skip_past(s, '{'))
        return RS_BULK_DECLINED;
    bool seen_tensors = false;
    while (!at(s, '}')) {
        key k;
        int rc = read_key(s, &k);
        if (rc != 0)
            return rc;
        if (key_is(s, &k, "tensors")) {
            if (seen_tensors)
                return RS_BULK_DECLINED;
            seen_tensors = true;
            rc = at(s, '{') ? read_tensors(s) : skip_value(s);
        } else {
            rc = skip_value(s);
        }
        if (rc != 0)
            return rc;
        if (!skip_past(s, ',') && !at(s, '}'))
            return RS_BULK_DECLINED;
    }
    /* the rest (the closing brace and whatever follows) goes to cJSON as it is */
    return append(s, s->text + s->copied, s->len - s->copied);
}

int rs_bulk_scan(const char *text, size_t len, bool release, char **skeleton, size_t *skeleton_len,
                 rs_bulk_table *table, rs_error *err)
{
    memset(table, 0, sizeof *table);
    *skeleton = NULL;
    *skeleton_len = 0;
    const uint16_t one = 1;
    unsigned char first;
    memcpy(&first, &one, 1);
    if (first != 1)
        return RS_BULK_DECLINED; /* base64 floats are little-endian */
    scanner s = {0};
    s.text = text;
    s.len = len;
    s.table = table;
    s.err = err;
    s.release = release;
    if (release) {
        long page = sysconf(_SC_PAGESIZE);
        s.page = page > 0 ? (uintptr_t)page : 4096;
        s.released = (uintptr_t)text & ~(s.page - 1);
    }
    int rc = scan_document(&s);
    if (rc != 0) {
        free(s.out);
        rs_bulk_table_free(table);
        return rc;
    }
    *skeleton = s.out;
    *skeleton_len = s.out_len;
    return 0;
}

rs_bulk *rs_bulk_find(rs_bulk_table *table, const char *name)
{
    for (size_t k = 0; k < table->count; k++) {
        size_t i = (table->cursor + k) % table->count;
        if (strcmp(table->items[i].name, name) == 0) {
            table->cursor = i + 1;
            return &table->items[i];
        }
    }
    return NULL;
}

void rs_bulk_table_free(rs_bulk_table *table)
{
    for (size_t i = 0; i < table->count; i++) {
        free(table->items[i].name);
        free(table->items[i].values);
    }
    free(table->items);
    memset(table, 0, sizeof *table);
}
