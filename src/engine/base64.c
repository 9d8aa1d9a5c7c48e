#include "base64.h"

#include <stdlib.h>
#include <string.h>

#include "mem.h"

/* The alphabet's values, -1 elsewhere. */
static void value_table(signed char value[256])
{
    static const char ALPHABET[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    memset(value, -1, 256);
    for (int i = 0; i < 64; i++)
        value[(unsigned char)ALPHABET[i]] = (signed char)i;
}

void rs_base64_begin(rs_base64 *b, bool skip_space)
{
    memset(b, 0, sizeof *b);
    b->skip_space = skip_space;
}

/* The 3 bytes of a group at out[n]; returns n + 3. (A local count, not a size_t *: byte stores may alias it.) */
static size_t put_group(uint32_t group, unsigned char *out, size_t n)
{
    out[n] = (unsigned char)(group >> 16);
    out[n + 1] = (unsigned char)(group >> 8);
    out[n + 2] = (unsigned char)group;
    return n + 3;
}

int rs_base64_feed(rs_base64 *b, const char *text, size_t len, unsigned char *out, size_t *n, rs_error *err)
{
    signed char value[256];
    value_table(value);
    const unsigned char *s = (const unsigned char *)text;
    size_t i = 0, m = *n;
    /* Fast path: whole groups of four alphabet characters. */
    if (b->digits == 0 && b->padding == 0) {
        for (; i + 4 <= len; i += 4) {
            int v0 = value[s[i]], v1 = value[s[i + 1]], v2 = value[s[i + 2]], v3 = value[s[i + 3]];
            if ((v0 | v1 | v2 | v3) < 0)
                break;
            m = put_group((uint32_t)v0 << 18 | (uint32_t)v1 << 12 | (uint32_t)v2 << 6 | (uint32_t)v3, out, m);
        }
    }
    /* The rest, one character at a time: padding, white space, errors. */
    for (; i < len; i++) {
        unsigned char c = s[i];
        if (b->skip_space && (c == ' ' || c == '\t' || c == '\n' || c == '\r'))
            continue;
        if (c == '=') {
            b->padding++;
            continue;
        }
        int v = value[c];
        if (v < 0 || b->padding > 0) {
            *n = m;
            if (v < 0)
                return rs_fail(err, "base64: invalid character at offset %zu", b->offset + i);
            return rs_fail(err, "base64: data after '=' padding at offset %zu", b->offset + i);
        }
        b->group = b->group << 6 | (uint32_t)v;
        if (++b->digits == 4) {
            m = put_group(b->group, out, m);
            b->digits = 0;
            b->group = 0;
        }
    }
    b->offset += len;
    *n = m;
    return 0;
}

int rs_base64_end(rs_base64 *b, unsigned char *out, size_t *n, rs_error *err)
{
    bool bad_padding = b->padding > 2 || (b->padding > 0 && (b->digits + b->padding) % 4 != 0);
    if (b->digits == 1 || bad_padding)
        return rs_fail(err, "base64: truncated or badly padded");
    if (b->digits == 2) {
        out[(*n)++] = (unsigned char)(b->group >> 4);
    } else if (b->digits == 3) {
        out[(*n)++] = (unsigned char)(b->group >> 10);
        out[(*n)++] = (unsigned char)(b->group >> 2);
    }
    return 0;
}

int rs_base64_decode(const char *text, size_t len, unsigned char **out, size_t *out_len, rs_error *err)
{
    unsigned char *bytes = rs_alloc_array(len / 4 * 3 + 3, 1, "tensor data", err);
    if (!bytes)
        return -1;
    rs_base64 b;
    size_t n = 0;
    rs_base64_begin(&b, true);
    if (rs_base64_feed(&b, text, len, bytes, &n, err) < 0 || rs_base64_end(&b, bytes, &n, err) < 0) {
        free(bytes);
        return -1;
    }
    *out = bytes;
    *out_len = n;
    return 0;
}
