#include "strbuf.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"

void rs_strbuf_init(rs_strbuf *sb)
{
    sb->data = NULL;
    sb->len = 0;
    sb->cap = 0;
}

void rs_strbuf_free(rs_strbuf *sb)
{
    free(sb->data);
    rs_strbuf_init(sb);
}

void rs_strbuf_clear(rs_strbuf *sb)
{
    sb->len = 0;
    if (sb->data)
        sb->data[0] = '\0';
}

static int reserve_extra(rs_strbuf *sb, size_t extra, rs_error *err)
{
    if (extra > SIZE_MAX - sb->len - 1)
        return rs_fail(err, "out of memory (output line)");
    void *p = sb->data;
    if (rs_reserve(&p, &sb->cap, sb->len + extra + 1, 1, "output line", err) < 0)
        return -1;
    sb->data = p;
    return 0;
}

int rs_strbuf_append(rs_strbuf *sb, const char *bytes, size_t len, rs_error *err)
{
    if (reserve_extra(sb, len, err) < 0)
        return -1;
    if (len)
        memcpy(sb->data + sb->len, bytes, len);
    sb->len += len;
    sb->data[sb->len] = '\0';
    return 0;
}

int rs_strbuf_puts(rs_strbuf *sb, const char *text, rs_error *err)
{
    return rs_strbuf_append(sb, text, strlen(text), err);
}

int rs_strbuf_putc(rs_strbuf *sb, char c, rs_error *err)
{
    return rs_strbuf_append(sb, &c, 1, err);
}

int rs_strbuf_printf(rs_strbuf *sb, rs_error *err, const char *fmt, ...)
{
    char small[128];
    va_list args;
    va_start(args, fmt);
    int n = vsnprintf(small, sizeof small, fmt, args);
    va_end(args);
    if (n < 0)
        return rs_fail(err, "output formatting failed");
    if ((size_t)n < sizeof small)
        return rs_strbuf_append(sb, small, (size_t)n, err);
    if (reserve_extra(sb, (size_t)n, err) < 0)
        return -1;
    va_start(args, fmt);
    vsnprintf(sb->data + sb->len, (size_t)n + 1, fmt, args);
    va_end(args);
    sb->len += (size_t)n;
    return 0;
}
