/* realpath() */
#define _XOPEN_SOURCE 700

#include "outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mem.h"

typedef struct protected_file {
    dev_t dev;
    ino_t ino;
    char *name;
    const char *role;
} protected_file;

/* The inputs and the model, and the outputs open now (their resolved paths): see outfile.h. */
static protected_file *protected_files;
static size_t protected_count, protected_cap;
static const char **open_outputs;
static size_t open_count, open_cap;

int rs_outfile_protect(int fd, const char *name, const char *role, rs_error *err)
{
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
        return 0;
    void *items = protected_files;
    if (rs_reserve(&items, &protected_cap, protected_count + 1, sizeof *protected_files, "file list", err) < 0)
        return -1;
    protected_files = items;
    char *copy = rs_strndup(name, strlen(name), err);
    if (!copy)
        return -1;
    protected_files[protected_count++] = (protected_file){st.st_dev, st.st_ino, copy, role};
    return 0;
}

void rs_outfile_reset(void)
{
    for (size_t i = 0; i < protected_count; i++)
        free(protected_files[i].name);
    free(protected_files);
    free(open_outputs);
    protected_files = NULL;
    open_outputs = NULL;
    protected_count = protected_cap = open_count = open_cap = 0;
}

static const protected_file *find_protected(const struct stat *st)
{
    for (size_t i = 0; i < protected_count; i++)
        if (protected_files[i].dev == st->st_dev && protected_files[i].ino == st->st_ino)
            return &protected_files[i];
    return NULL;
}

int rs_outfile_check_stdout(rs_error *err)
{
    struct stat st;
    if (fstat(STDOUT_FILENO, &st) != 0 || !S_ISREG(st.st_mode))
        return 0;
    const protected_file *p = find_protected(&st);
    if (p)
        return rs_fail(err, "standard output is %s (%s): it would be overwritten while read", p->role, p->name);
    return 0;
}

/* The path a write to `path` lands on: a symbolic link resolved (malloc'd). */
static char *resolve(const char *path, rs_error *err)
{
    struct stat st;
    if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) {
        char *real = realpath(path, NULL);
        if (real)
            return real;
    }
    return rs_strndup(path, strlen(path), err);
}

/* "dir/.base.XXXXXX" for mkstemp. */
static char *temp_name(const char *path, rs_error *err)
{
    const char *slash = strrchr(path, '/');
    size_t dir_len = slash ? (size_t)(slash - path) + 1 : 0;
    const char *base = path + dir_len;
    size_t len = dir_len + 1 + strlen(base) + 8;
    char *name = rs_alloc_array(len, 1, "file name", err);
    if (name)
        snprintf(name, len, "%.*s.%s.XXXXXX", (int)dir_len, path, base);
    return name;
}

static int claim(const char *path, rs_error *err)
{
    for (size_t i = 0; i < open_count; i++)
        if (strcmp(open_outputs[i], path) == 0)
            return rs_fail(err, "%s is given as two outputs", path);
    void *items = open_outputs;
    if (rs_reserve(&items, &open_cap, open_count + 1, sizeof *open_outputs, "file list", err) < 0)
        return -1;
    open_outputs = items;
    open_outputs[open_count++] = path;
    return 0;
}

static void unclaim(const char *path)
{
    for (size_t i = 0; i < open_count; i++)
        if (open_outputs[i] == path) {
            open_outputs[i] = open_outputs[--open_count];
            return;
        }
}

/* The temporary file for out->path, with the permission bits the final file is to have. */
static int create_temp(rs_outfile *out, const struct stat *existing, rs_error *err)
{
    if (!(out->temp_path = temp_name(out->path, err)))
        return -1;
    int fd = mkstemp(out->temp_path);
    if (fd < 0) {
        int e = errno;
        free(out->temp_path);
        out->temp_path = NULL;
        return rs_fail(err, "cannot create %s: %s", out->path, strerror(e));
    }
    mode_t mode;
    if (existing) {
        mode = existing->st_mode & 07777;
    } else {
        mode_t mask = umask(0);
        umask(mask);
        mode = 0666 & ~mask;
    }
    if (fchmod(fd, mode) != 0 || !(out->file = fdopen(fd, "wb"))) {
        int e = errno;
        close(fd);
        unlink(out->temp_path);
        return rs_fail(err, "cannot create %s: %s", out->path, strerror(e));
    }
    return 0;
}

/* A device, FIFO or terminal: nothing to replace, and no rename could. Not claimed: two outputs may share
 * /dev/null. */
static int open_in_place(rs_outfile *out, const char *path, rs_error *err)
{
    free(out->path);
    out->path = NULL;
    if (!(out->file = fopen(path, "wb")))
        return rs_fail(err, "cannot open %s: %s", path, strerror(errno));
    if (!(out->path = rs_strndup(path, strlen(path), err))) {
        fclose(out->file);
        out->file = NULL;
        return -1;
    }
    return 0;
}

int rs_outfile_open(rs_outfile *out, const char *path, rs_error *err)
{
    memset(out, 0, sizeof *out);
    if (!(out->path = resolve(path, err)))
        return -1;
    struct stat st;
    bool exists = stat(out->path, &st) == 0;
    const protected_file *p = exists ? find_protected(&st) : NULL;
    int rc = 0;
    if (p && strcmp(p->name, path) == 0)
        rc = rs_fail(err, "%s is %s: refusing to overwrite it", path, p->role);
    else if (p)
        rc = rs_fail(err, "%s is %s (%s): refusing to overwrite it", path, p->role, p->name);
    else if (exists && S_ISDIR(st.st_mode))
        rc = rs_fail(err, "cannot create %s: %s", path, strerror(EISDIR));
    else if (exists && !S_ISREG(st.st_mode))
        return open_in_place(out, path, err);
    else if (claim(out->path, err) < 0)
        rc = -1;
    else
        rc = create_temp(out, exists ? &st : NULL, err);
    if (rc < 0) {
        unclaim(out->path);
        free(out->path);
        memset(out, 0, sizeof *out);
    }
    return rc;
}

static void release(rs_outfile *out)
{
    if (out->path)
        unclaim(out->path);
    free(out->path);
    free(out->temp_path);
    memset(out, 0, sizeof *out);
}

int rs_outfile_commit(rs_outfile *out, rs_error *err)
{
    if (!out->file)
        return 0;
    errno = 0;
    bool failed = fflush(out->file) != 0 || ferror(out->file);
    int code = errno;
    if (fclose(out->file) != 0 && !failed) {
        failed = true;
        code = errno;
    }
    out->file = NULL;
    if (!failed && out->temp_path && rename(out->temp_path, out->path) != 0) {
        int e = errno;
        unlink(out->temp_path);
        rs_fail(err, "cannot rename %s to %s: %s", out->temp_path, out->path, strerror(e));
        release(out);
        return -1;
    }
    if (failed) {
        if (out->temp_path)
            unlink(out->temp_path);
        rs_fail(err, "write error on %s: %s", out->path, strerror(code ? code : EIO));
        release(out);
        return -1;
    }
    release(out);
    return 0;
}

void rs_outfile_abandon(rs_outfile *out)
{
    if (out->file)
        fclose(out->file);
    out->file = NULL;
    if (out->temp_path)
        unlink(out->temp_path);
    release(out);
}
