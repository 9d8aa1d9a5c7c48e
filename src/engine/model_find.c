#include "model_find.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mem.h"
#include "model.h"

static int add_dir(rs_model_dirs *d, const char *dir, size_t len, rs_error *err)
{
    if (len == 0 || d->count == RS_MODEL_DIRS_MAX)
        return 0;
    char *copy = rs_strndup(dir, len, err);
    if (!copy)
        return -1;
    d->dirs[d->count++] = copy;
    return 0;
}

/* The directory of the running executable, or "" when /proc does not tell. */
static void executable_dir(char *out, size_t size)
{
    out[0] = '\0';
    ssize_t n = readlink("/proc/self/exe", out, size - 1);
    if (n <= 0)
        return;
    out[n] = '\0';
    char *slash = strrchr(out, '/');
    *(slash ? slash : out) = '\0';
}

int rs_model_dirs_init(rs_model_dirs *d, const char *datadir, rs_error *err)
{
    memset(d, 0, sizeof *d);
    const char *path = getenv("RNNSEARCH_MODEL_PATH");
    for (const char *p = path; p && *p;) {
        size_t len = strcspn(p, ":");
        if (add_dir(d, p, len, err) < 0)
            return -1;
        p += len + (p[len] == ':');
    }
    char exe[PATH_MAX], dir[PATH_MAX + 64];
    executable_dir(exe, sizeof exe);
    if (exe[0]) {
        snprintf(dir, sizeof dir, "%s/models", exe);
        if (add_dir(d, dir, strlen(dir), err) < 0)
            return -1;
    }
    snprintf(dir, sizeof dir, "%s/rnnsearch", datadir);
    return add_dir(d, dir, strlen(dir), err);
}

void rs_model_dirs_free(rs_model_dirs *d)
{
    for (int i = 0; i < d->count; i++)
        free(d->dirs[i]);
    memset(d, 0, sizeof *d);
}

bool rs_model_is_name(const char *arg)
{
    size_t len = strlen(arg);
    if (len == 0 || strchr(arg, '/') || strcmp(arg, ".") == 0 || strcmp(arg, "..") == 0)
        return false;
    if (len >= 5 && strcmp(arg + len - 5, ".json") == 0)
        return false;
    return access(arg, F_OK) != 0;
}

/* "DIR1, DIR2, ..." for messages. */
static void dir_list(const rs_model_dirs *d, char *out, size_t size)
{
    size_t used = 0;
    out[0] = '\0';
    for (int i = 0; i < d->count && used < size; i++) {
        int n = snprintf(out + used, size - used, "%s%s", i ? ", " : "", d->dirs[i]);
        if (n < 0)
            break;
        used += (size_t)n;
    }
}

/* DIR/NAME.json of the first directory that has it, malloc'd; NULL when none has it (err set only when out of
 * memory). */
static char *search(const rs_model_dirs *d, const char *name, bool *out_of_memory, rs_error *err)
{
    *out_of_memory = false;
    for (int i = 0; i < d->count; i++) {
        size_t len = strlen(d->dirs[i]) + strlen(name) + 7;
        char *path = rs_alloc_array(len, 1, "model path", err);
        if (!path) {
            *out_of_memory = true;
            return NULL;
        }
        snprintf(path, len, "%s/%s.json", d->dirs[i], name);
        struct stat st;
        if (stat(path, &st) == 0 && !S_ISDIR(st.st_mode))
            return path;
        free(path);
    }
    return NULL;
}

int rs_model_find(const rs_model_dirs *d, const char *arg, char **path, rs_error *err)
{
    *path = NULL;
    const char *env = getenv("RNNSEARCH_MODEL");
    const char *given = arg ? arg : env && *env ? env : NULL;
    if (given && !rs_model_is_name(given))
        return (*path = rs_strndup(given, strlen(given), err)) ? 0 : -1;
    const char *name = given ? given : RS_DEFAULT_MODEL_NAME;
    bool out_of_memory;
    *path = search(d, name, &out_of_memory, err);
    if (*path || out_of_memory)
        return *path ? 0 : -1;
    char dirs[400];
    dir_list(d, dirs, sizeof dirs);
    if (!given)
        return rs_fail(err, "no default model: %s.json is in none of %s (give a model with -m FILE or NAME, or "
                            "RNNSEARCH_MODEL)", name, dirs);
    return rs_fail(err, "%s %s: no model of that name (%s.json) in %s (see rnnsearch --list-models)",
                   arg ? "--model" : "RNNSEARCH_MODEL", name, name, dirs);
}
