#include "heatmap_files.h"

#include <stdlib.h>
#include <string.h>

#include "attribution.h"
#include "explain.h"
#include "mem.h"

int rs_heatmap_pattern_check(const char *pattern, rs_error *err)
{
    if (*pattern == '\0')
        return rs_fail(err, "--heatmap: expected a file name");
    if (strcmp(pattern, "-") == 0)
        return rs_fail(err, "--heatmap: expected a file name ('-', standard output, is not supported)");
    if (strstr(pattern, "{hyp}") && !strstr(pattern, "{id}"))
        return rs_fail(err, "--heatmap: '{hyp}' needs '{id}' in the file name too (%s)", pattern);
    return 0;
}

/* files->path = the pattern with "{id}" and "{hyp}" replaced. */
static int expand(rs_heatmap_files *f, long long id, int hyp, rs_error *err)
{
    rs_strbuf_clear(&f->path);
    const char *p = f->pattern;
    while (*p) {
        int rc;
        if (strncmp(p, "{id}", 4) == 0) {
            rc = rs_strbuf_printf(&f->path, err, "%lld", id);
            p += 4;
        } else if (strncmp(p, "{hyp}", 5) == 0) {
            rc = rs_strbuf_printf(&f->path, err, "%d", hyp);
            p += 5;
        } else {
            rc = rs_strbuf_putc(&f->path, *p++, err);
        }
        if (rc < 0)
            return -1;
    }
    return 0;
}

int rs_heatmap_files_open(rs_heatmap_files *f, const char *pattern, int n_best, rs_error *err)
{
    memset(f, 0, sizeof *f);
    rs_strbuf_init(&f->path);
    rs_strbuf_init(&f->title);
    f->pattern = pattern;
    if (rs_heatmap_pattern_check(pattern, err) < 0)
        return -1;
    f->per_line = strstr(pattern, "{id}") != NULL;
    f->per_hypothesis = f->per_line && strstr(pattern, "{hyp}") != NULL && n_best > 1;
    if (!f->per_line) {
        if (rs_outfile_open(&f->file, pattern, err) < 0)
            return -1;
        if (rs_heatmap_svg_begin(&f->doc, f->file.file, pattern, err) < 0)
            return -1;
        f->doc_open = true;
        return 0;
    }
    if (expand(f, 0, 0, err) < 0 || !(f->first_path = rs_strndup(f->path.data, f->path.len, err)))
        return -1;
    return rs_outfile_open(&f->file, f->first_path, err);
}

/* Opens *out, the file for line id, hypothesis hyp (per_line): the one begun in advance when it is its path. */
static int open_for(rs_heatmap_files *f, long long id, int hyp, rs_outfile *out, rs_error *err)
{
    if (expand(f, id, hyp, err) < 0)
        return -1;
    if (f->file.file && !f->first_used && strcmp(f->path.data, f->first_path) == 0) {
        *out = f->file;
        memset(&f->file, 0, sizeof f->file);
        f->first_used = true;
        return 0;
    }
    return rs_outfile_open(out, f->path.data, err);
}

/* Gives up the file begun in advance for line 0 when that line has no heatmap (the old file, if any, stays). */
static void drop_first(rs_heatmap_files *f)
{
    if (f->first_used)
        return;
    rs_outfile_abandon(&f->file);
    f->first_used = true;
}

/* Panels of hypothesis k: its attention, then (--explain=METHODS) each other method's matrix. The matrices are
 * per piece: where tr is a subword model's word view (words.h) their shape differs and they are left out, as
 * in the --html report (--piece-level shows them). */
static int panel_methods(const rs_translation *tr, int k, const rs_output_options *o, rs_method *methods)
{
    int n = 0;
    methods[n++] = RS_METHOD_ATTENTION;
    const rs_explanation *e = o->explained ? &o->explained[k] : NULL;
    if (!e || e->steps != tr->hypotheses[k].steps || e->length != tr->length)
        return n;
    for (int m = RS_METHOD_OCCLUSION; m < RS_METHOD_COUNT; m++)
        if ((o->explain_methods & RS_METHOD_BIT(m)) && e->matrix[m])
            methods[n++] = (rs_method)m;
    return n;
}

/* Hypothesis k's panel of `method` as a heatmap sentence; targets has room for its steps. The title is in
 * f->title, the text of hypothesis k of f->text (the translation as printed, whose tokens may be pieces where
 * tr shows words). Other methods than the attention are drawn row-scaled (their scores have any scale and
 * sign). */
static int make_sentence(rs_heatmap_files *f, const rs_model *m, const rs_translation *tr, long long id, int k,
                         rs_method method, const rs_output_options *o, const char **targets,
                         rs_heatmap_sentence *sentence, rs_error *err)
{
    const rs_hypothesis *h = &tr->hypotheses[k];
    bool attention = method == RS_METHOD_ATTENTION;
    rs_strbuf_clear(&f->title);
    int rc = o->n_best > 1 ? rs_strbuf_printf(&f->title, err, "%lld, hypothesis %d", id, k)
                           : rs_strbuf_printf(&f->title, err, "%lld", id);
    if (rc == 0)
        rc = attention ? rs_strbuf_puts(&f->title, ": ", err)
                       : rs_strbuf_printf(&f->title, err, ", %s: ", rs_method_name(method));
    if (rc < 0 || rs_format_hypothesis_text(&f->title, m, f->text, &f->text->hypotheses[k], o->replace_unk, err) < 0)
        return -1;
    for (int t = 0; t < h->steps; t++)
        targets[t] = rs_format_step_token(m, tr, h, t, o->replace_unk);
    *sentence = (rs_heatmap_sentence){f->title.data, tr->source, (size_t)tr->length, targets, (size_t)h->steps,
                                      attention ? h->attention : o->explained[k].matrix[method], RS_HEATMAP_AUTO,
                                      !attention || o->heatmap_row_scale};
    return 0;
}

/* Appends every panel of hypothesis k to doc. */
static int add_panels(rs_heatmap_files *f, rs_heatmap_doc *doc, const rs_model *m, const rs_translation *tr,
                      long long id, int k, const rs_output_options *o, const char **targets, rs_error *err)
{
    rs_method methods[RS_METHOD_COUNT];
    int n = panel_methods(tr, k, o, methods);
    rs_heatmap_sentence sentence;
    for (int p = 0; p < n; p++)
        if (make_sentence(f, m, tr, id, k, methods[p], o, targets, &sentence, err) < 0 ||
            rs_heatmap_svg_sentence(doc, &sentence, err) < 0)
            return -1;
    return 0;
}

/* One document in `file` holding the panels of hypotheses [first, last). */
static int write_document(rs_heatmap_files *f, FILE *file, const rs_model *m, const rs_translation *tr,
                          long long id, int first, int last, const rs_output_options *o, const char **targets,
                          rs_error *err)
{
    rs_method methods[RS_METHOD_COUNT];
    rs_heatmap_sentence sentence;
    if (last - first == 1 && panel_methods(tr, first, o, methods) == 1)
        return make_sentence(f, m, tr, id, first, RS_METHOD_ATTENTION, o, targets, &sentence, err) < 0 ||
                       rs_heatmap_svg_write(file, f->path.data, &sentence, err) < 0
                   ? -1
                   : 0;
    rs_heatmap_doc doc;
    int rc = rs_heatmap_svg_begin(&doc, file, f->path.data, err);
    for (int k = first; rc == 0 && k < last; k++)
        rc = add_panels(f, &doc, m, tr, id, k, o, targets, err);
    if (rc == 0)
        return rs_heatmap_svg_end(&doc, err);
    rs_heatmap_svg_abandon(&doc);
    return -1;
}

static int write_line(rs_heatmap_files *f, const rs_model *m, const rs_translation *tr, long long id, int count,
                      const rs_output_options *o, const char **targets, rs_error *err)
{
    if (!f->per_line) {
        for (int k = 0; k < count; k++)
            if (add_panels(f, &f->doc, m, tr, id, k, o, targets, err) < 0)
                return -1;
        return 0;
    }
    /* one file per hypothesis, or one per line with its hypotheses stacked */
    int files = f->per_hypothesis ? count : 1;
    for (int k = 0; k < files; k++) {
        rs_outfile file;
        if (open_for(f, id, k, &file, err) < 0)
            return -1;
        /* the path stays in f->path: make_sentence only touches the title */
        if (write_document(f, file.file, m, tr, id, k, f->per_hypothesis ? k + 1 : count, o, targets, err) < 0) {
            rs_outfile_abandon(&file);
            return -1;
        }
        if (rs_outfile_commit(&file, err) < 0)
            return -1;
    }
    return 0;
}

int rs_heatmap_files_add(rs_heatmap_files *f, const rs_model *m, const rs_translation *tr, const rs_translation *text,
                         long long id, const rs_output_options *o, rs_error *err)
{
    f->text = text;
    int count = tr->length == 0 ? 0 : tr->hypothesis_count < o->n_best ? tr->hypothesis_count : o->n_best;
    if (count == 0) {
        if (f->per_line && id == 0)
            drop_first(f);
        return 0;
    }
    int steps = 1;
    for (int k = 0; k < count; k++)
        if (tr->hypotheses[k].steps > steps)
            steps = tr->hypotheses[k].steps;
    const char **targets = rs_alloc_array((size_t)steps, sizeof *targets, "heatmap", err);
    if (!targets)
        return -1;
    int rc = write_line(f, m, tr, id, count, o, targets, err);
    free(targets);
    return rc;
}

int rs_heatmap_files_close(rs_heatmap_files *f, rs_error *err)
{
    int rc = 0;
    if (f->doc_open) {
        f->doc_open = false;
        rc = rs_heatmap_svg_end(&f->doc, err);
        if (rc == 0)
            rc = rs_outfile_commit(&f->file, err);
    } else if (f->per_line) {
        drop_first(f);
    }
    rs_heatmap_files_abandon(f);
    return rc;
}

void rs_heatmap_files_abandon(rs_heatmap_files *f)
{
    if (f->doc_open) {
        rs_heatmap_svg_abandon(&f->doc);
        f->doc_open = false;
    }
    rs_outfile_abandon(&f->file);
    free(f->first_path);
    f->first_path = NULL;
    rs_strbuf_free(&f->path);
    rs_strbuf_free(&f->title);
}
