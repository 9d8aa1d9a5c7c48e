/* Text shown so that invisible differences show: `--check` prints expected and actual lines this way. */
#ifndef RS_VISIBLE_H
#define RS_VISIBLE_H

#include <stddef.h>

#include "error.h"
#include "strbuf.h"

/* Appends text[0 .. len) (any bytes, NULs included) with these escapes: `\\` for a backslash; `\0`, `\t`, `\n`,
 * `\r` and `\xNN` for the other C0 controls and DEL; `\xNN` for each byte of ill-formed UTF-8; `\uXXXX` for
 * the invisible or blank-looking code points (C1 controls, no-break and other Unicode spaces, zero-width
 * characters, bidi marks, the byte order mark); `\x20` for a space at the start or the end. Everything else is
 * copied. *mark_column (if not NULL) receives the column, in code points of the appended text, at which the
 * byte text[mark] starts (mark <= len; mark == len: the end). */
int rs_visible_append(rs_strbuf *out, const char *text, size_t len, size_t mark, size_t *mark_column, rs_error *err);

/* The offset of the first byte where a and b differ, moved back to the start of its UTF-8 character; the
 * shorter length when one is a prefix of the other. */
size_t rs_visible_first_difference(const char *a, size_t a_len, const char *b, size_t b_len);

/* The code points in text[0 .. len) (each byte of ill-formed UTF-8 counted as one). */
size_t rs_visible_code_points(const char *text, size_t len);

#endif
