#include "progress.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "diag.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* The inputs' total size, or -1 when one of them is not a regular file (a pipe, a terminal, a device). */
static double input_bytes(char *const *files, int count)
{
    static char *const STDIN_ONLY[] = {"-"};
    if (count == 0) {
        files = STDIN_ONLY;
        count = 1;
    }
    double total = 0;
    for (int i = 0; i < count; i++) {
        struct stat st;
        int rc = strcmp(files[i], "-") == 0 ? fstat(STDIN_FILENO, &st) : stat(files[i], &st);
        if (rc != 0 || !S_ISREG(st.st_mode))
            return -1;
        total += (double)st.st_size;
    }
    return total;
}

void rs_progress_start(rs_progress *p, char *const *files, int count, bool report_time)
{
    memset(p, 0, sizeof *p);
    p->report_time = report_time;
    p->start = now();
    p->last_draw = p->start - RS_PROGRESS_INTERVAL; /* the first batch is shown at once */
    if (rs_diag_quiet() || !isatty(STDERR_FILENO))
        return;
    p->total_bytes = input_bytes(files, count);
    p->shown = p->total_bytes >= 0;
    p->shares_terminal = p->shown && isatty(STDOUT_FILENO);
}

void rs_progress_before_output(rs_progress *p)
{
    if (p->shares_terminal)
        rs_status_clear();
}

/* M:SS, or H:MM:SS from an hour on. */
static void format_duration(char *out, unsigned long size, double seconds)
{
    long long s = (long long)llround(seconds);
    if (s >= 3600)
        snprintf(out, size, "%lld:%02lld:%02lld", s / 3600, s / 60 % 60, s % 60);
    else
        snprintf(out, size, "%lld:%02lld", s / 60, s % 60);
}

void rs_progress_format(char *out, unsigned long size, long long lines, double seconds, double done_bytes,
                        double total_bytes)
{
    double rate = seconds > 0 ? (double)lines / seconds : 0;
    int n = snprintf(out, size, "rnnsearch: %lld lines, %.1f lines/s", lines, rate);
    if (n < 0 || (unsigned long)n >= size || total_bytes <= 0)
        return;
    double share = done_bytes < total_bytes ? done_bytes / total_bytes : 1.0;
    char eta[32] = "?";
    if (share > 0 && seconds > 0)
        format_duration(eta, sizeof eta, seconds * (1.0 - share) / share);
    snprintf(out + n, size - (unsigned long)n, ", %.0f%%, ETA %s", floor(100.0 * share), eta);
}

void rs_progress_add(rs_progress *p, int lines, long long target_tokens, double position)
{
    p->lines += lines;
    p->target_tokens += target_tokens;
    if (!p->shown)
        return;
    double t = now();
    /* where translations share the terminal, the line was erased for them and comes back at once */
    if (t - p->last_draw < RS_PROGRESS_INTERVAL && !p->shares_terminal)
        return;
    p->last_draw = t;
    char text[160];
    rs_progress_format(text, sizeof text, p->lines, t - p->start, p->done_bytes + position, p->total_bytes);
    rs_status_draw(text);
}

void rs_progress_input_done(rs_progress *p, double size) { p->done_bytes += size; }

void rs_progress_finish(rs_progress *p)
{
    rs_status_clear();
    if (!p->report_time)
        return;
    double seconds = now() - p->start;
    double per = seconds > 0 ? 1.0 / seconds : 0;
    fprintf(stderr, "rnnsearch: %lld lines, %lld target tokens in %.3f s: %.1f lines/s, %.1f target tokens/s\n",
            p->lines, p->target_tokens, seconds, (double)p->lines * per, (double)p->target_tokens * per);
}
