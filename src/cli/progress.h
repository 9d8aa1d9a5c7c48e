/* Progress and timing of a translation run on standard error (never on standard output).
 *
 * Progress: when standard error is a terminal and every input is a regular file (so its size is known and
 * nobody types into the terminal), a status line `rnnsearch: N lines, R lines/s, P%, ETA M:SS` is redrawn in
 * place (diag.h) after the first batch and then at most every RS_PROGRESS_INTERVAL seconds (after every batch
 * when standard output is the terminal too: the line is erased for the batch's results and drawn again below
 * them), and erased at the end. The share done is bytes read over the inputs' total size. --quiet turns it
 * off, and so does a standard error that is not a terminal.
 *
 * --report-time: one line at the end, `rnnsearch: N lines, T target tokens in S s: R lines/s, Q target
 * tokens/s`, target tokens being those of each line's best hypothesis (eos excluded), time measured from
 * rs_progress_start (after the model is loaded) on a monotonic clock. */
#ifndef RS_PROGRESS_H
#define RS_PROGRESS_H

#include <stdbool.h>

#define RS_PROGRESS_INTERVAL 0.25

typedef struct rs_progress {
    bool shown;       /* the status line is drawn */
    bool shares_terminal; /* standard output is a terminal too: the translations go above the status line */
    bool report_time; /* --report-time */
    double start, last_draw; /* monotonic seconds */
    long long lines;
    long long target_tokens;
    double total_bytes; /* the inputs' total size */
    double done_bytes;  /* bytes of the inputs already finished */
} rs_progress;

/* Starts the clock. `files` are the input names ("-" is standard input; none: standard input); progress is
 * shown when standard error is a terminal, --quiet is off and each input is a regular file. */
void rs_progress_start(rs_progress *progress, char *const *files, int count, bool report_time);

/* Counts a translated batch (lines and their best hypotheses' target tokens) and redraws the status line
 * when it is due; `position` is how far the current input has been read, in bytes. */
void rs_progress_add(rs_progress *progress, int lines, long long target_tokens, double position);

/* Call before writing a batch's results: where standard output is a terminal as well, erases the status line
 * (rs_progress_add draws it again below them), so that no result line starts after the status text. */
void rs_progress_before_output(rs_progress *progress);

/* The current input is finished after `size` bytes. */
void rs_progress_input_done(rs_progress *progress, double size);

/* Erases the status line; writes the --report-time line. */
void rs_progress_finish(rs_progress *progress);

/* The status text for these figures (exposed for tests): lines, lines/s, and when total > 0 the percent done
 * and the remaining time at the rate so far. */
void rs_progress_format(char *out, unsigned long size, long long lines, double seconds, double done_bytes,
                        double total_bytes);

#endif
