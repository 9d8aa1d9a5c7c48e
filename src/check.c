#include "check.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "output.h"
#include "strbuf.h"
#include "translator.h"

typedef struct check_line {
    char *source;   /* NUL-terminated, the tab replaced */
    size_t source_len;
    const char *expected; /* without the line end */
    long long number;
} check_line;

typedef struct check_file {
    check_line *lines;
    size_t count, cap;
    char **buffers; /* one per line, owning the text */
} check_file;

static void free_file(check_file *f)
{
    for (size_t i = 0; i < f->count; i++)
        free(f->buffers[i]);
    free(f->buffers);
    free(f->lines);
}

static int read_file(const char *path, check_file *f, rs_error *err)
{
    memset(f, 0, sizeof *f);
    FILE *in = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!in)
        return rs_fail(err, "cannot open %s: %s", path, strerror(errno));
    size_t buffers_cap = 0;
    long long number = 0;
    int rc = 0;
    for (;;) {
        char *text = NULL;
        size_t cap = 0;
        errno = 0;
        ssize_t got = getline(&text, &cap, in);
        if (got < 0) {
            free(text);
            if (ferror(in))
                rc = rs_fail(err, "read error on %s: %s", path, strerror(errno ? errno : EIO));
            break;
        }
        number++;
        size_t len = (size_t)got;
        if (len && text[len - 1] == '\n')
            text[--len] = '\0';
        if (len && text[len - 1] == '\r')
            text[--len] = '\0';
        char *tab = memchr(text, '\t', len);
        if (!tab && len == 0) { /* an empty line is an empty pair: nothing to translate, nothing expected */
            tab = text;
            text[1] = '\0'; /* getline's buffer holds at least the removed line end and its NUL */
        }
        if (!tab) {
            free(text);
            rc = rs_fail(err, "%s:%lld: no tab between the source and the expected output", path, number);
            break;
        }
        void *p = f->lines;
        if (rs_reserve(&p, &f->cap, f->count + 1, sizeof *f->lines, "check file", err) < 0) {
            free(text);
            rc = -1;
            break;
        }
        f->lines = p;
        p = f->buffers;
        if (rs_reserve(&p, &buffers_cap, f->count + 1, sizeof *f->buffers, "check file", err) < 0) {
            free(text);
            rc = -1;
            break;
        }
        f->buffers = p;
        *tab = '\0';
        f->buffers[f->count] = text;
        f->lines[f->count] = (check_line){text, (size_t)(tab - text), tab + 1, number};
        f->count++;
    }
    if (in != stdin)
        fclose(in);
    if (rc < 0)
        free_file(f);
    return rc;
}

static int report(rs_strbuf *sb, const char *path, const check_line *line, const char *got, rs_error *err)
{
    return rs_strbuf_printf(sb, err, "%s:%lld: differs\n  source:   %s\n  expected: %s\n  got:      %s\n", path,
                            line->number, line->source, line->expected, got);
}

int rs_check_run(const rs_cli *cli, const rs_model *model, rs_sink *out, long long *differ, rs_error *err)
{
    *differ = 0;
    check_file file;
    if (read_file(cli->check_file, &file, err) < 0)
        return -1;
    int batch = cli->batch_size;
    rs_translator translator;
    rs_translation *results = rs_calloc_array((size_t)batch, sizeof *results, "check", err);
    const char **sources = rs_calloc_array((size_t)batch, sizeof *sources, "check", err);
    size_t *lens = rs_calloc_array((size_t)batch, sizeof *lens, "check", err);
    rs_strbuf got, sb;
    rs_strbuf_init(&got);
    rs_strbuf_init(&sb);
    rs_output_options options = {.n_best = 1, .alignments = cli->alignments, .replace_unk = cli->replace_unk};
    memset(&translator, 0, sizeof translator);
    int rc = results && sources && lens ? rs_translator_init(&translator, model, cli->max_source_tokens, err) : -1;
    if (rc == 0) {
        for (size_t start = 0; rc == 0 && start < file.count; start += (size_t)batch) {
            int count = file.count - start < (size_t)batch ? (int)(file.count - start) : batch;
            for (int i = 0; i < count; i++) {
                sources[i] = file.lines[start + i].source;
                lens[i] = file.lines[start + i].source_len;
            }
            rc = rs_translate_batch(&translator, sources, lens, count, &cli->search, results, err);
            for (int i = 0; rc == 0 && i < count; i++) {
                const check_line *line = &file.lines[start + i];
                if (results[i].dropped_tokens)
                    fprintf(stderr,
                            "rnnsearch: warning: %s:%lld: %zu tokens, only the first %d are translated "
                            "(--max-source-tokens)\n",
                            cli->check_file, line->number, results[i].dropped_tokens + (size_t)results[i].token_count,
                            results[i].token_count);
                rs_strbuf_clear(&got);
                rc = rs_format_text(&got, model, &results[i], (long long)(start + (size_t)i), &options, err);
                if (rc < 0)
                    break;
                if (got.len && got.data[got.len - 1] == '\n')
                    got.data[--got.len] = '\0';
                if (strcmp(got.data, line->expected) == 0)
                    continue;
                (*differ)++;
                rs_strbuf_clear(&sb);
                rc = report(&sb, cli->check_file, line, got.data, err);
                if (rc == 0)
                    rc = rs_sink_write(out, sb.data, sb.len, err);
            }
        }
    }
    rs_translator_free(&translator);
    if (rc == 0) {
        rs_strbuf_clear(&sb);
        if (*differ)
            rc = rs_strbuf_printf(&sb, err, "check: %lld of %zu lines differ\n", *differ, file.count);
        else
            rc = rs_strbuf_printf(&sb, err, "check: all %zu lines match\n", file.count);
        if (rc == 0)
            rc = rs_sink_write(out, sb.data, sb.len, err);
    }
    rs_strbuf_free(&got);
    rs_strbuf_free(&sb);
    free(results);
    free(sources);
    free(lens);
    free_file(&file);
    return rc;
}
