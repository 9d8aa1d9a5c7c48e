#include "html_report.h"

#include <stdlib.h>
#include <string.h>

#include "explain.h"
#include "mem.h"

static const rs_html_method ATTENTION = {
    "attention", "Attention",
    "Attention: the share of each source token in the context the decoder read for each target token (rows sum "
    "to 1).",
    RS_HTML_UNIT};

static const rs_html_method OCCLUSION = {
    "occlusion", "Occlusion",
    "Occlusion importance: how much the log-probability of each target token drops when the source token is "
    "replaced by <unk> (red: the token helps, blue: it hurts).",
    RS_HTML_SIGNED};

/* --explain=METHODS: the gradient methods, after attention and occlusion (attribution.h). */
static const rs_html_method GRADIENT_METHODS[3] = {
    {"saliency", "Saliency",
     "Saliency: the size (L2 norm) of the gradient of each target token's log-probability with respect to the "
     "source token's embedding.",
     RS_HTML_POSITIVE},
    {"grad_input", "Gradient x input",
     "Gradient times input: the source embedding times that gradient (red: raising the token's weight raises the "
     "log-probability, blue: lowers it).",
     RS_HTML_SIGNED},
    {"ig", "Integrated gradients",
     "Integrated gradients from an all-zero source: each source token's share of the log-probability's change "
     "(red: it raises the log-probability, blue: it lowers it).",
     RS_HTML_SIGNED},
};

static const rs_method GRADIENT_METHOD_IDS[3] = {RS_METHOD_SALIENCY, RS_METHOD_GRAD_INPUT, RS_METHOD_IG};

int rs_html_path_check(const char *path, rs_error *err)
{
    if (*path == '\0')
        return rs_fail(err, "--html: expected a file name");
    if (strcmp(path, "-") == 0)
        return rs_fail(err, "--html: expected a file name ('-', standard output, is not supported)");
    return 0;
}

int rs_html_report_open(rs_html_report *r, const char *path, bool explain, unsigned methods, rs_error *err)
{
    memset(r, 0, sizeof *r);
    r->path = path;
    rs_strbuf_init(&r->translation);
    r->method_ids[r->n_methods] = RS_METHOD_ATTENTION;
    r->methods[r->n_methods++] = ATTENTION;
    if (explain && (!methods || (methods & RS_METHOD_BIT(RS_METHOD_OCCLUSION)))) {
        r->method_ids[r->n_methods] = RS_METHOD_OCCLUSION;
        r->methods[r->n_methods++] = OCCLUSION;
    }
    for (int g = 0; explain && g < 3; g++)
        if (methods & RS_METHOD_BIT(GRADIENT_METHOD_IDS[g])) {
            r->method_ids[r->n_methods] = GRADIENT_METHOD_IDS[g];
            r->methods[r->n_methods++] = GRADIENT_METHODS[g];
        }
    if (rs_html_path_check(path, err) < 0 || rs_outfile_open(&r->file, path, err) < 0)
        return -1;
    r->begun = true;
    return rs_html_begin(&r->doc, r->file.file, path, r->methods, r->n_methods, err);
}

/* targets[0 .. steps) as the heatmap rows show them. */
static int target_labels(rs_html_report *r, const rs_model *m, const rs_translation *tr, const rs_hypothesis *h,
                         bool replace_unk, rs_error *err)
{
    if (RS_GROW(r->targets, h->steps > 0 ? (size_t)h->steps : 1, "HTML report", err) < 0)
        return -1;
    for (int t = 0; t < h->steps; t++)
        r->targets.at[t] = rs_format_step_token(m, tr, h, t, replace_unk);
    return 0;
}

static int add_hypothesis(rs_html_report *r, const rs_model *m, const rs_translation *tr, const rs_translation *text,
                          long long id, int k, const char *line, size_t len, const rs_output_options *o,
                          rs_error *err)
{
    const rs_hypothesis *h = &tr->hypotheses[k];
    rs_strbuf_clear(&r->translation);
    if (rs_format_hypothesis_text(&r->translation, m, text, &text->hypotheses[k], o->replace_unk, err) < 0 ||
        target_labels(r, m, tr, h, o->replace_unk, err) < 0)
        return -1;
    const float *matrices[RS_HTML_MAX_METHODS] = {h->attention, NULL};
    /* the other methods are per piece: a subword model's word view (words.h) shows them with --piece-level only */
    const rs_explanation *e = o->explained ? &o->explained[k] : NULL;
    for (size_t i = 1; e && e->steps == h->steps && e->length == tr->length && i < r->n_methods; i++)
        matrices[i] = r->method_ids[i] == RS_METHOD_OCCLUSION ? e->occlusion : e->matrix[r->method_ids[i]];
    rs_html_sentence sentence = {
        .id = id, .rank = o->n_best > 1 ? k : -1, .score = h->score, .source_text = line, .source_text_len = len,
        .translation = r->translation.data ? r->translation.data : "", .source = tr->source,
        .n_source = (size_t)tr->length, .target = r->targets.at, .n_target = (size_t)h->steps, .matrices = matrices};
    return rs_html_add(&r->doc, &sentence, err);
}

int rs_html_report_add(rs_html_report *r, const rs_model *m, const rs_translation *tr, const rs_translation *text,
                       long long id, const char *line, size_t len, const rs_output_options *o, rs_error *err)
{
    int count = tr->length == 0 ? 0 : tr->hypothesis_count < o->n_best ? tr->hypothesis_count : o->n_best;
    if (count == 0) {
        rs_html_sentence empty = {.id = id, .rank = -1, .score = 0.0, .source_text = line, .source_text_len = len,
                                  .translation = ""};
        return rs_html_add(&r->doc, &empty, err);
    }
    for (int k = 0; k < count; k++)
        if (add_hypothesis(r, m, tr, text, id, k, line, len, o, err) < 0)
            return -1;
    return 0;
}

int rs_html_report_close(rs_html_report *r, rs_error *err)
{
    int rc = 0;
    if (r->begun) {
        r->begun = false;
        rc = rs_html_end(&r->doc, err);
        if (rc == 0)
            rc = rs_outfile_commit(&r->file, err);
    }
    rs_html_report_abandon(r);
    return rc;
}

void rs_html_report_abandon(rs_html_report *r)
{
    if (r->begun) {
        rs_html_abandon(&r->doc);
        r->begun = false;
    }
    rs_outfile_abandon(&r->file);
    r->path = NULL;
    free(r->targets.at);
    r->targets.at = NULL;
    r->targets.cap = 0;
    rs_strbuf_free(&r->translation);
}
