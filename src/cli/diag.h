/* Standard error besides the errors: warnings, which --quiet silences, and one status line (the progress of
 * progress.h) redrawn in place on a terminal. A warning first erases the status line, so the two never run
 * into each other on one line; the next redraw puts the status back below it. */
#ifndef RS_DIAG_H
#define RS_DIAG_H

#include <stdbool.h>

/* --quiet: rs_warn prints nothing and rs_status_draw draws nothing. */
void rs_diag_set_quiet(bool quiet);
bool rs_diag_quiet(void);

/* "rnnsearch: warning: MESSAGE" and a newline on standard error, unless quiet. */
void rs_warn(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

/* Draws `text` (one line, no newline) as the status line: carriage return, the text, erase to the end of
 * the line. Only for a terminal on standard error; the caller decides that. */
void rs_status_draw(const char *text);

/* Erases the status line if one is shown, leaving the cursor at the start of the empty line. */
void rs_status_clear(void);

#endif
