/* Output files written safely. Every file rnnsearch writes (-o, --align-csv, --heatmap; --html and any later
 * one) goes through this module, so that:
 *   - it is written to a temporary file in the same directory (".NAME.XXXXXX") and renamed into place only
 *     when complete: a failed, full-disk or interrupted run leaves the old file as it was, never half a file;
 *   - it is never one of the inputs or the model: the command line registers them (rs_outfile_protect) and
 *     opening an output that is one of them (same device and inode, symbolic links followed) is refused, as
 *     is a second output to the same path;
 *   - an existing output keeps its permission bits; a new one gets 0666 less the umask, as with fopen.
 * A path that names something other than a regular file (/dev/null, a FIFO, a terminal) is written in place.
 * A symbolic link is followed: the file it points to is replaced, the link kept.
 *
 * Usage, one call each way (errors are one-line messages naming the file):
 *     rs_outfile html;
 *     if (rs_outfile_open(&html, cli->html, err) < 0) return -1;
 *     ... fwrite to html.file ...
 *     if (rs_outfile_commit(&html, err) < 0) return -1;   (or rs_outfile_abandon(&html) after a failure)
 *
 * The registry of protected files and claimed outputs is process-wide state (the second such, after the
 * thread pool): it is filled before any output opens, from the main thread. */
#ifndef RS_OUTFILE_H
#define RS_OUTFILE_H

#include <stdbool.h>
#include <stdio.h>

#include "error.h"

typedef struct rs_outfile {
    FILE *file;      /* write here */
    char *path;      /* where the file goes, links resolved (for messages and the rename) */
    char *temp_path; /* the temporary file, or NULL when written in place */
} rs_outfile;

/* Registers the open file `fd` (an input, the model) as one no output may replace; `role` is how messages
 * call it ("the model", "an input"), `name` its name. Only regular files are registered. */
int rs_outfile_protect(int fd, const char *name, const char *role, rs_error *err);

/* Refuses a standard output that is a protected file (`rnnsearch f >> f`). */
int rs_outfile_check_stdout(rs_error *err);

/* Opens an output for `path`. Messages: "cannot create PATH: reason", "PATH is the model (NAME)". */
int rs_outfile_open(rs_outfile *out, const char *path, rs_error *err);

/* Flushes, closes and renames the file into place. The output is closed whatever happens. */
int rs_outfile_commit(rs_outfile *out, rs_error *err);

/* Closes and removes the temporary file: the old file (if any) stays. Safe on a zeroed or closed outfile. */
void rs_outfile_abandon(rs_outfile *out);

/* Forgets every registration (tests). */
void rs_outfile_reset(void);

#endif
