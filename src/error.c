#include "error.h"

#include <stdarg.h>
#include <stdio.h>

int rs_fail(rs_error *err, const char *fmt, ...)
{
    if (err) {
        va_list args;
        va_start(args, fmt);
        vsnprintf(err->message, sizeof err->message, fmt, args);
        va_end(args);
    }
    return -1;
}
