#include "sink.h"

#include <errno.h>
#include <poll.h>
#include <string.h>

static int write_failed(rs_sink *sink, int error, rs_error *err)
{
    if (error == EPIPE)
        sink->broken_pipe = true; /* sticky: later calls only see the stream's error flag */
    return rs_fail(err, "write error on %s: %s", sink->name, strerror(error ? error : EIO));
}

void rs_sink_unbuffer(rs_sink *sink)
{
    sink->unbuffered = setvbuf(sink->file, NULL, _IONBF, 0) == 0;
}

/* After a short write of an unbuffered stream: true (the error cleared) when the rest may be written. */
static bool wait_for_output(rs_sink *sink, int error)
{
    if (!sink->unbuffered || (error != EAGAIN && error != EWOULDBLOCK && error != EINTR))
        return false;
    clearerr(sink->file);
    if (error != EINTR) {
        struct pollfd p = {.fd = fileno(sink->file), .events = POLLOUT};
        if (poll(&p, 1, -1) < 0 && errno != EINTR)
            return false;
    }
    return true;
}

int rs_sink_write(rs_sink *sink, const char *data, size_t len, rs_error *err)
{
    size_t done = 0;
    for (;;) {
        errno = 0;
        if (done < len)
            done += fwrite(data + done, 1, len - done, sink->file);
        if (done == len && !ferror(sink->file))
            return 0;
        int error = errno;
        if (!wait_for_output(sink, error))
            return write_failed(sink, error, err);
    }
}

int rs_sink_flush(rs_sink *sink, rs_error *err)
{
    errno = 0;
    if (fflush(sink->file) != 0 || ferror(sink->file))
        return write_failed(sink, errno, err);
    return 0;
}

int rs_sink_close(rs_sink *sink, rs_error *err)
{
    if (!sink->file)
        return 0;
    /* A write through stdio outside the sink (the --help text) that failed left its reason in errno. */
    int earlier = ferror(sink->file) ? errno : 0;
    errno = 0;
    int flushed = fflush(sink->file);
    int error = errno ? errno : earlier;
    bool failed = flushed != 0 || ferror(sink->file);
    errno = 0;
    int closed = fclose(sink->file);
    if (!failed && closed != 0) {
        failed = true;
        error = errno;
    }
    sink->file = NULL;
    return failed ? write_failed(sink, error, err) : 0;
}
