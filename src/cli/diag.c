#include "diag.h"

#include <stdarg.h>
#include <stdio.h>

/* Process-wide like standard error itself: the CLI sets quiet once, before any work. */
static bool quiet;
static bool status_shown;

void rs_diag_set_quiet(bool value) { quiet = value; }

bool rs_diag_quiet(void) { return quiet; }

void rs_status_clear(void)
{
    if (!status_shown)
        return;
    fputs("\r\033[K", stderr);
    fflush(stderr);
    status_shown = false;
}

void rs_status_draw(const char *text)
{
    if (quiet)
        return;
    /* ESC [ K erases what a longer earlier status left to the right. */
    fprintf(stderr, "\r%s\033[K", text);
    fflush(stderr);
    status_shown = true;
}

void rs_warn(const char *fmt, ...)
{
    if (quiet)
        return;
    rs_status_clear();
    va_list args;
    va_start(args, fmt);
    fputs("rnnsearch: warning: ", stderr);
    vfprintf(stderr, fmt, args);
    fputc('\n', stderr);
    va_end(args);
}
