#include "sink.h"

#include <errno.h>
#include <string.h>

static int write_failed(rs_sink *sink, int error, rs_error *err)
{
    if (error == EPIPE)
        sink->broken_pipe = true; /* sticky: later calls only see the stream's error flag */
    return rs_fail(err, "write error on %s: %s", sink->name, strerror(error ? error : EIO));
}

int rs_sink_write(rs_sink *sink, const char *data, size_t len, rs_error *err)
{
    errno = 0;
    if (len > 0 && fwrite(data, 1, len, sink->file) != len)
        return write_failed(sink, errno, err);
    if (ferror(sink->file))
        return write_failed(sink, errno, err);
    return 0;
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
    errno = 0;
    int flushed = fflush(sink->file);
    int error = errno;
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
