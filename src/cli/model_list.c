#include "model_list.h"

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "mem.h"
#include "model.h"
#include "width.h"

typedef struct listed_model {
    char *name; /* without .json */
    char *path;
    char languages[64];
    const char *note; /* "", " (default)" or " (shadowed)" */
} listed_model;

typedef struct model_listing {
    listed_model *items;
    size_t count, cap;
} model_listing;

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int add_model(model_listing *l, const char *dir, const char *file, rs_error *err)
{
    void *items = l->items;
    if (rs_reserve(&items, &l->cap, l->count + 1, sizeof *l->items, "model list", err) < 0)
        return -1;
    l->items = items;
    listed_model *m = &l->items[l->count];
    size_t len = strlen(dir) + strlen(file) + 2;
    m->name = rs_strndup(file, strlen(file) - 5, err);
    m->path = m->name ? rs_alloc_array(len, 1, "model list", err) : NULL;
    if (!m->path) {
        free(m->name);
        return -1;
    }
    snprintf(m->path, len, "%s/%s", dir, file);
    rs_model_languages(m->path, m->languages, sizeof m->languages);
    m->note = "";
    l->count++;
    return 0;
}

/* Adds dir's *.json files (regular files, by name); a directory that cannot be read adds nothing. */
static int add_dir_models(model_listing *l, const char *dir, rs_error *err)
{
    DIR *handle = opendir(dir);
    if (!handle)
        return 0;
    char **names = NULL;
    size_t count = 0, cap = 0;
    int rc = 0;
    for (struct dirent *e; rc == 0 && (e = readdir(handle)) != NULL;) {
        size_t len = strlen(e->d_name);
        if (len <= 5 || strcmp(e->d_name + len - 5, ".json") != 0)
            continue;
        void *grown = names;
        rc = rs_reserve(&grown, &cap, count + 1, sizeof *names, "model list", err);
        names = grown;
        if (rc == 0 && (names[count] = rs_strndup(e->d_name, len, err)) == NULL)
            rc = -1;
        count += rc == 0;
    }
    closedir(handle);
    if (count > 0)
        qsort(names, count, sizeof *names, compare_names);
    for (size_t i = 0; i < count; i++) {
        char path[PATH_MAX];
        struct stat st;
        int n = snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        if (rc == 0 && n > 0 && (size_t)n < sizeof path && stat(path, &st) == 0 && S_ISREG(st.st_mode))
            rc = add_model(l, dir, names[i], err);
        free(names[i]);
    }
    free(names);
    return rc;
}

static void listing_free(model_listing *l)
{
    for (size_t i = 0; i < l->count; i++) {
        free(l->items[i].name);
        free(l->items[i].path);
    }
    free(l->items);
}

/* Marks the default model and those hidden by an earlier one of the same name. */
static void mark_models(model_listing *l, const char *default_path)
{
    for (size_t i = 0; i < l->count; i++) {
        listed_model *m = &l->items[i];
        for (size_t j = 0; j < i && !*m->note; j++)
            if (strcmp(l->items[j].name, m->name) == 0)
                m->note = " (shadowed)";
        if (!*m->note && default_path && strcmp(m->path, default_path) == 0)
            m->note = " (default)";
    }
}

static int put_cell(rs_strbuf *out, const char *text, size_t width, rs_error *err)
{
    size_t shown = rs_display_width(text);
    if (rs_strbuf_puts(out, text, err) < 0)
        return -1;
    for (size_t i = shown; i < width + 2; i++)
        if (rs_strbuf_putc(out, ' ', err) < 0)
            return -1;
    return 0;
}

int rs_model_list(const rs_model_dirs *d, rs_strbuf *out, rs_error *err)
{
    model_listing l = {0};
    int rc = 0;
    for (int i = 0; rc == 0 && i < d->count; i++)
        rc = add_dir_models(&l, d->dirs[i], err);
    char *default_path = NULL;
    rs_error ignored;
    if (rc == 0 && rs_model_find(d, NULL, &default_path, &ignored) < 0)
        default_path = NULL;
    mark_models(&l, default_path);
    free(default_path);
    size_t name_width = strlen("NAME"), languages_width = strlen("LANGUAGES");
    for (size_t i = 0; i < l.count; i++) {
        if (rs_display_width(l.items[i].name) > name_width)
            name_width = rs_display_width(l.items[i].name);
        if (rs_display_width(l.items[i].languages) > languages_width)
            languages_width = rs_display_width(l.items[i].languages);
    }
    if (rc == 0)
        rc = put_cell(out, "NAME", name_width, err) < 0 || put_cell(out, "LANGUAGES", languages_width, err) < 0 ||
                     rs_strbuf_puts(out, "PATH\n", err) < 0
                 ? -1
                 : 0;
    for (size_t i = 0; rc == 0 && i < l.count; i++) {
        const listed_model *m = &l.items[i];
        rc = put_cell(out, m->name, name_width, err) < 0 || put_cell(out, m->languages, languages_width, err) < 0 ||
                     rs_strbuf_printf(out, err, "%s%s\n", m->path, m->note) < 0
                 ? -1
                 : 0;
    }
    listing_free(&l);
    return rc;
}
