/* A growable byte string. Output lines are built in one so that every write to a stream happens in one place
 * (where write errors are checked) and --check can compare the exact line the tool would print. */
#ifndef RS_STRBUF_H
#define RS_STRBUF_H

#include <stddef.h>

#include "error.h"

typedef struct rs_strbuf {
    char *data; /* always NUL-terminated once anything was appended */
    size_t len;
    size_t cap;
} rs_strbuf;

void rs_strbuf_init(rs_strbuf *sb);
void rs_strbuf_free(rs_strbuf *sb);
void rs_strbuf_clear(rs_strbuf *sb); /* len = 0, keeps memory */

int rs_strbuf_append(rs_strbuf *sb, const char *bytes, size_t len, rs_error *err);
int rs_strbuf_puts(rs_strbuf *sb, const char *text, rs_error *err);
int rs_strbuf_putc(rs_strbuf *sb, char c, rs_error *err);
int rs_strbuf_printf(rs_strbuf *sb, rs_error *err, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

#endif
