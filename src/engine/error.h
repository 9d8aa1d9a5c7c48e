/* Errors: every function that can fail fills an rs_error and returns -1; the CLI prints
 * "rnnsearch: <message>" and exits 2. Messages say what is wrong and where. */
#ifndef RS_ERROR_H
#define RS_ERROR_H

#include <stddef.h>

typedef struct rs_error {
    char message[512];
} rs_error;

/* Formats the message into err (if not NULL) and returns -1, so callers can write `return rs_fail(...)`. */
int rs_fail(rs_error *err, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

#endif
