#include "error.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "utf8.h"

/* Messages quote what a file or the user gave (JSON keys, vocabulary entries, file names). So that the user
 * always sees one printable line of valid UTF-8, line breaks and other control characters are written as
 * \uXXXX, bytes that are not UTF-8 as \xHH, and a message cut at the buffer's end never ends inside a
 * character. */
static void copy_printable(char *dst, size_t cap, const char *src)
{
    const unsigned char *s = (const unsigned char *)src;
    size_t len = strlen(src), out = 0;
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        size_t n = rs_utf8_decode(s + i, len - i, &cp);
        bool invalid = cp == RS_UTF8_REPLACEMENT && !(n == 3 && memcmp(s + i, "\xEF\xBF\xBD", 3) == 0);
        bool control = cp < 0x20 || (cp >= 0x7F && cp < 0xA0) || cp == 0x2028 || cp == 0x2029;
        char piece[8];
        size_t piece_len;
        if (invalid) {
            n = 1;
            piece_len = (size_t)snprintf(piece, sizeof piece, "\\x%02X", s[i]);
        } else if (control) {
            piece_len = (size_t)snprintf(piece, sizeof piece, "\\u%04X", (unsigned)cp);
        } else {
            memcpy(piece, s + i, n);
            piece_len = n;
        }
        if (out + piece_len >= cap)
            break;
        memcpy(dst + out, piece, piece_len);
        out += piece_len;
        i += n;
    }
    dst[out] = '\0';
}

int rs_fail(rs_error *err, const char *fmt, ...)
{
    if (err) {
        char raw[sizeof err->message * 2];
        va_list args;
        va_start(args, fmt);
        vsnprintf(raw, sizeof raw, fmt, args);
        va_end(args);
        copy_printable(err->message, sizeof err->message, raw);
    }
    return -1;
}
