#include "visible.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "utf8.h"

/* Code points that print as nothing or as a plain space in a terminal. */
static bool invisible(uint32_t cp)
{
    return (cp >= 0x80 && cp <= 0xa0) || cp == 0xad || cp == 0x34f || cp == 0x61c || cp == 0x115f ||
           cp == 0x1160 || cp == 0x1680 || cp == 0x180e || (cp >= 0x2000 && cp <= 0x200f) ||
           (cp >= 0x2028 && cp <= 0x202f) || (cp >= 0x205f && cp <= 0x206f) || cp == 0x3000 || cp == 0x3164 ||
           cp == 0xfeff || (cp >= 0xfff9 && cp <= 0xfffb);
}

/* Whether the decoder's U+FFFD at p stands for ill-formed bytes rather than an encoded U+FFFD. */
static bool is_ill_formed(const unsigned char *p, size_t n, uint32_t cp)
{
    return cp == RS_UTF8_REPLACEMENT && !(n == 3 && memcmp(p, "\xef\xbf\xbd", 3) == 0);
}

/* Appends the escape of one character (or one ill-formed byte); returns the columns it takes, or -1. */
static int escape_one(rs_strbuf *out, const unsigned char *p, size_t n, uint32_t cp, bool ill_formed, bool edge,
                      rs_error *err)
{
    if (ill_formed || (cp < 0x20 && !strchr("\t\n\r", (int)cp) && cp != 0) || cp == 0x7f)
        return rs_strbuf_printf(out, err, "\\x%02X", p[0]) < 0 ? -1 : 4;
    const char *named = cp == 0 ? "\\0" : cp == '\t' ? "\\t" : cp == '\n' ? "\\n" : cp == '\r' ? "\\r"
                      : cp == '\\' ? "\\\\" : cp == ' ' && edge ? "\\x20" : NULL;
    if (named)
        return rs_strbuf_puts(out, named, err) < 0 ? -1 : (int)strlen(named);
    if (invisible(cp))
        return rs_strbuf_printf(out, err, "\\u%04X", (unsigned)cp) < 0 ? -1 : 6;
    return rs_strbuf_append(out, (const char *)p, n, err) < 0 ? -1 : 1;
}

int rs_visible_append(rs_strbuf *out, const char *text, size_t len, size_t mark, size_t *mark_column, rs_error *err)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t column = 0;
    if (mark_column)
        *mark_column = 0;
    for (size_t i = 0; i < len;) {
        if (mark_column && i <= mark)
            *mark_column = column;
        uint32_t cp;
        size_t n = rs_utf8_decode(s + i, len - i, &cp);
        bool ill_formed = is_ill_formed(s + i, n, cp);
        if (ill_formed)
            n = 1; /* each byte of it shown on its own */
        int columns = escape_one(out, s + i, n, cp, ill_formed, i == 0 || i + n == len, err);
        if (columns < 0)
            return -1;
        column += (size_t)columns;
        i += n;
    }
    if (mark_column && mark >= len)
        *mark_column = column;
    return 0;
}

size_t rs_visible_first_difference(const char *a, size_t a_len, const char *b, size_t b_len)
{
    size_t n = a_len < b_len ? a_len : b_len, i = 0;
    while (i < n && a[i] == b[i])
        i++;
    /* back to the lead byte of the character the difference falls in (the prefix before i is shared) */
    for (int back = 0; back < 3 && i > 0; back++, i--)
        if (!(i < a_len && ((unsigned char)a[i] & 0xc0) == 0x80) &&
            !(i < b_len && ((unsigned char)b[i] & 0xc0) == 0x80))
            break;
    return i;
}

size_t rs_visible_code_points(const char *text, size_t len)
{
    size_t count = 0;
    for (size_t i = 0; i < len; count++) {
        uint32_t cp;
        size_t n = rs_utf8_decode((const unsigned char *)text + i, len - i, &cp);
        i += is_ill_formed((const unsigned char *)text + i, n, cp) ? 1 : n;
    }
    return count;
}
