/* An output stream whose write errors are caught, not lost in stdio's buffer: every write and flush is
 * checked, and a closed pipe (EPIPE, with SIGPIPE ignored) is told apart from real errors so the tool can
 * stop quietly, as Unix filters do when their reader goes away. */
#ifndef RS_SINK_H
#define RS_SINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "error.h"

typedef struct rs_sink {
    FILE *file;
    const char *name; /* for messages: "standard output" or the file name */
    bool broken_pipe; /* the last error was EPIPE */
    bool unbuffered;  /* set by rs_sink_unbuffer */
} rs_sink;

/* Makes the stream unbuffered, so that every rs_sink_write is written through at once and a write that
 * cannot go on yet (an O_NONBLOCK descriptor: EAGAIN) or that a signal interrupts (EINTR) is resumed where it
 * stopped, waiting for the descriptor with poll: records are never cut. For pipes, terminals and sockets;
 * regular files neither block nor see signals. Call before the first write. */
void rs_sink_unbuffer(rs_sink *sink);

/* Messages: "write error on NAME: REASON". */
int rs_sink_write(rs_sink *sink, const char *data, size_t len, rs_error *err);
int rs_sink_flush(rs_sink *sink, rs_error *err);
/* Flushes and closes the file (standard output too, so that a late error shows). */
int rs_sink_close(rs_sink *sink, rs_error *err);

#endif
