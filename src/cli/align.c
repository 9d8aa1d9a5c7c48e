#include "align.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "model_find.h"
#include "output.h"
#include "words.h"

static const char *const symmetrize_names[] = {"none", "intersection", "union", "grow-diag-final"};

int rs_symmetrize_parse(const char *name, rs_symmetrize *out, rs_error *err)
{
    for (int i = 0; i < (int)(sizeof symmetrize_names / sizeof *symmetrize_names); i++)
        if (strcmp(name, symmetrize_names[i]) == 0) {
            *out = (rs_symmetrize)i;
            return 0;
        }
    return rs_fail(err, "--symmetrize: unknown rule '%s' (expected none, intersection, union or grow-diag-final)",
                   name);
}

const char *rs_symmetrize_name(rs_symmetrize mode)
{
    return symmetrize_names[mode];
}

void rs_links_rows(const float *m, int rows, int width, int first, int count, const rs_align_rule *rule,
                   bool null_columns, unsigned char *grid)
{
    memset(grid, 0, (size_t)rows * (size_t)count);
    for (int r = 0; r < rows; r++) {
        const float *row = m + (size_t)r * (size_t)width;
        unsigned char *links = grid + (size_t)r * (size_t)count;
        if (rule->use_threshold) {
            for (int c = 0; c < count; c++)
                links[c] = row[first + c] >= rule->threshold;
            continue;
        }
        int from = null_columns ? 0 : first, to = null_columns ? width : first + count;
        if (from >= to)
            continue;
        int best = from;
        for (int c = from + 1; c < to; c++)
            if (row[c] > row[best])
                best = c;
        if (best >= first && best < first + count)
            links[best - first] = 1;
    }
}

void rs_links_columns(const float *m, int rows, int width, int first, int count, const rs_align_rule *rule,
                      unsigned char *grid)
{
    if (rule->use_threshold) {
        rs_links_rows(m, rows, width, first, count, rule, false, grid);
        return;
    }
    memset(grid, 0, (size_t)rows * (size_t)count);
    if (rows == 0)
        return;
    for (int c = 0; c < count; c++) {
        int best = 0;
        for (int r = 1; r < rows; r++)
            if (m[(size_t)r * (size_t)width + (size_t)(first + c)] > m[(size_t)best * (size_t)width + (size_t)(first + c)])
                best = r;
        grid[(size_t)best * (size_t)count + (size_t)c] = 1;
    }
}

/* A word's score as a log-probability: the attention's weights and saliency's norms are magnitudes, the other
 * methods' values are already differences of log p. */
static double prior_score(float x, rs_method method)
{
    if (method == RS_METHOD_ATTENTION || method == RS_METHOD_SALIENCY)
        return (double)x > 1e-9 ? log((double)x) : log(1e-9);
    return (double)x;
}

/* The logit of word w in a row at relative position `at`. */
static double prior_logit(const float *row, int w, int count, double at, rs_method method, double tension)
{
    return prior_score(row[w], method) - tension * fabs(at - ((double)w + 0.5) / (double)count);
}

void rs_links_prior(float *m, int rows, int width, int first, int count, rs_method method, double tension)
{
    for (int r = 0; r < rows; r++) {
        float *row = m + (size_t)r * (size_t)width + (size_t)first;
        double at = ((double)r + 0.5) / (double)rows;
        /* the passes recompute the same logits rather than keep a buffer: the max, the sum, the quotients (each
         * word's own value is read before it is replaced) */
        double best = -INFINITY;
        for (int w = 0; w < count; w++) {
            double x = prior_logit(row, w, count, at, method, tension);
            if (x > best)
                best = x;
        }
        double sum = 0.0;
        for (int w = 0; w < count; w++)
            sum += exp(prior_logit(row, w, count, at, method, tension) - best);
        for (int w = 0; w < count; w++)
            row[w] = (float)(exp(prior_logit(row, w, count, at, method, tension) - best) / sum);
    }
}

/* Koehn's grow-diag-final, step for step as scripts/aer.py's grow_diag_final: from the intersection, each pass
 * visits the links present at its start in (row, column) order and adds each neighbour (the 8 around, in aer.py's
 * order) that is in the union and whose row or column has no link yet; passes repeat while one adds a link.
 * Then each direction's links, in order, join when their row or column has none. */
static int grow_diag_final(const unsigned char *f, const unsigned char *b, int rows, int cols, unsigned char *out,
                           rs_error *err)
{
    size_t n = (size_t)rows * (size_t)cols;
    unsigned char *start = rs_alloc_array(n ? n : 1, 1, "alignment", err);
    int *row_links = rs_calloc_array((size_t)rows + 1, sizeof *row_links, "alignment", err);
    int *col_links = rs_calloc_array((size_t)cols + 1, sizeof *col_links, "alignment", err);
    if (!start || !row_links || !col_links) {
        free(start);
        free(row_links);
        free(col_links);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        out[i] = f[i] && b[i];
        if (out[i]) {
            row_links[i / (size_t)cols]++;
            col_links[i % (size_t)cols]++;
        }
    }
    static const int around[8][2] = {{-1, 0}, {0, -1}, {1, 0}, {0, 1}, {-1, -1}, {-1, 1}, {1, -1}, {1, 1}};
    for (bool grown = true; grown;) {
        grown = false;
        memcpy(start, out, n);
        for (size_t i = 0; i < n; i++) {
            if (!start[i])
                continue;
            int t = (int)(i / (size_t)cols), c = (int)(i % (size_t)cols);
            for (int k = 0; k < 8; k++) {
                int pt = t + around[k][0], pc = c + around[k][1];
                if (pt < 0 || pt >= rows || pc < 0 || pc >= cols)
                    continue;
                size_t p = (size_t)pt * (size_t)cols + (size_t)pc;
                if ((f[p] || b[p]) && !out[p] && (row_links[pt] == 0 || col_links[pc] == 0)) {
                    out[p] = 1;
                    row_links[pt]++;
                    col_links[pc]++;
                    grown = true;
                }
            }
        }
    }
    for (int d = 0; d < 2; d++) {
        const unsigned char *direction = d ? b : f;
        for (size_t i = 0; i < n; i++) {
            int t = (int)(i / (size_t)cols), c = (int)(i % (size_t)cols);
            if (direction[i] && !out[i] && (row_links[t] == 0 || col_links[c] == 0)) {
                out[i] = 1;
                row_links[t]++;
                col_links[c]++;
            }
        }
    }
    free(start);
    free(row_links);
    free(col_links);
    return 0;
}

int rs_links_symmetrize(const unsigned char *f, const unsigned char *b, int rows, int cols, rs_symmetrize mode,
                        unsigned char *out, rs_error *err)
{
    size_t n = (size_t)rows * (size_t)cols;
    switch (mode) {
    case RS_SYMMETRIZE_NONE:
        memcpy(out, f, n);
        return 0;
    case RS_SYMMETRIZE_INTERSECTION:
        for (size_t i = 0; i < n; i++)
            out[i] = f[i] && b[i];
        return 0;
    case RS_SYMMETRIZE_UNION:
        for (size_t i = 0; i < n; i++)
            out[i] = f[i] || b[i];
        return 0;
    default:
        return grow_diag_final(f, b, rows, cols, out, err);
    }
}

int rs_links_format(rs_strbuf *out, const unsigned char *grid, int rows, int cols, rs_error *err)
{
    bool first = true;
    for (int t = 0; t < rows; t++)
        for (int s = 0; s < cols; s++) {
            if (!grid[(size_t)t * (size_t)cols + (size_t)s])
                continue;
            if (rs_strbuf_printf(out, err, "%s%d-%d", first ? "" : " ", s, t) < 0)
                return -1;
            first = false;
        }
    return 0;
}

void rs_word_matrix(const float *m, int rows, int width, const int *row_word, int row_words, const int *col_word,
                    int col_words, float *out)
{
    memset(out, 0, (size_t)row_words * (size_t)col_words * sizeof *out);
    for (int u = 0; u < row_words; u++) {
        int members = 0;
        float *o = out + (size_t)u * (size_t)col_words;
        for (int r = 0; r < rows; r++) {
            if (row_word[r] != u)
                continue;
            members++;
            const float *row = m + (size_t)r * (size_t)width;
            /* the same sums as words.c's word attention: each member row's word sums, then their mean */
            for (int c = 0; c < width; c++)
                o[col_word[c]] += row[c];
        }
        if (members > 1)
            for (int w = 0; w < col_words; w++)
                o[w] /= (float)members;
    }
}

/* ---- the aligner ---- */

static bool same_vocab(const rs_vocab *a, const rs_vocab *b)
{
    if (a->size != b->size)
        return false;
    for (size_t i = 0; i < a->size; i++)
        if (a->lengths[i] != b->lengths[i] || memcmp(rs_vocab_string(a, (int32_t)i), rs_vocab_string(b, (int32_t)i),
                                                     a->lengths[i]) != 0)
            return false;
    return true;
}

static bool same_tokenizer(const rs_tok_options *a, const rs_tok_options *b)
{
    return a->lowercase == b->lowercase && a->fold_accents == b->fold_accents &&
           a->split_punctuation == b->split_punctuation && a->split_elision == b->split_elision &&
           (a->sentencepiece != NULL) == (b->sentencepiece != NULL);
}

/* The reverse model's source side must be this model's target side and vice versa: the ids of one are the
 * other's, passed across as they are. */
static int check_reverse(const rs_model *m, const rs_model *r, const char *path, rs_error *err)
{
    if (!same_vocab(&r->source_vocab, &m->target_vocab))
        return rs_fail(err, "--reverse-model %s: its source vocabulary is not this model's target vocabulary "
                            "(%zu and %zu entries)", path, r->source_vocab.size, m->target_vocab.size);
    if (!same_vocab(&r->target_vocab, &m->source_vocab))
        return rs_fail(err, "--reverse-model %s: its target vocabulary is not this model's source vocabulary "
                            "(%zu and %zu entries)", path, r->target_vocab.size, m->source_vocab.size);
    if (!same_tokenizer(&r->tokenizer.source, &m->tokenizer.target) ||
        !same_tokenizer(&r->tokenizer.target, &m->tokenizer.source))
        return rs_fail(err, "--reverse-model %s: its tokenizer options are not this model's with the sides swapped",
                       path);
    if (r->source_ids.unk != m->target_ids.unk || r->target_ids.unk != m->source_ids.unk)
        return rs_fail(err, "--reverse-model %s: its unk ids are not this model's with the sides swapped", path);
    return 0;
}

static int load_reverse(rs_aligner *a, const char *arg, rs_error *err)
{
    rs_model_dirs dirs;
    char *path = NULL;
    int rc = rs_model_dirs_init(&dirs, RS_DATADIR, err);
    if (rc == 0)
        rc = rs_model_find(&dirs, arg, &path, err);
    rs_model_dirs_free(&dirs);
    if (rc < 0)
        return -1;
    rc = rs_model_load(&a->reverse, path, err);
    if (rc == 0) {
        a->reversed = true;
        rc = check_reverse(a->model, &a->reverse, arg, err);
    }
    free(path);
    return rc;
}

int rs_aligner_init(rs_aligner *a, const rs_model *model, const rs_align_rule *rule, const char *reverse_path,
                    const rs_search_options *options, size_t max_source_tokens, int ig_steps, bool occlude_words,
                    rs_error *err)
{
    memset(a, 0, sizeof *a);
    a->model = model;
    a->rule = *rule;
    a->pieces = rs_model_has_pieces(model);
    if (!reverse_path)
        return 0;
    if (load_reverse(a, reverse_path, err) < 0 ||
        rs_translator_init(&a->reverse_translator, &a->reverse, max_source_tokens, err) < 0)
        return -1;
    a->reverse_options = *options;
    a->reverse_options.beam = 1;
    a->reverse_options.keep_attention = true;
    if (rule->method == RS_METHOD_ATTENTION)
        return 0;
    a->reverse_explaining = true;
    if (rs_explainer_init(&a->reverse_explainer, &a->reverse, err) < 0)
        return -1;
    rs_explainer_set_occlusion_words(&a->reverse_explainer, occlude_words);
    return rs_explainer_set_methods(&a->reverse_explainer, RS_METHOD_BIT(rule->method), ig_steps, err);
}

void rs_aligner_free(rs_aligner *a)
{
    if (a->reverse_explaining)
        rs_explainer_free(&a->reverse_explainer);
    if (a->reversed) {
        rs_translator_free(&a->reverse_translator);
        rs_model_free(&a->reverse);
    }
    for (int k = 0; k < a->links_cap; k++)
        rs_strbuf_free(&a->links[k]);
    free(a->links);
    free(a->texts);
    memset(a, 0, sizeof *a);
}

static int reserve_links(rs_aligner *a, int count, rs_error *err)
{
    if (count <= a->links_cap)
        return 0;
    rs_strbuf *links = realloc(a->links, (size_t)count * sizeof *links);
    if (links)
        a->links = links;
    const char **texts = links ? realloc(a->texts, (size_t)count * sizeof *texts) : NULL;
    if (!texts)
        return rs_fail(err, "out of memory (alignment)");
    a->texts = texts;
    for (int k = a->links_cap; k < count; k++)
        rs_strbuf_init(&a->links[k]);
    a->links_cap = count;
    return 0;
}

/* The buffers of one hypothesis's alignment. */
typedef struct align_work {
    int *source_word; /* [S]: each source position's word (bos/eos words of their own) */
    int *target_word; /* [T]: each step's word (eos a word of its own) */
    const char **steps; /* [T]: the steps' strings */
    float *words;     /* [target words, source words] */
    unsigned char *forward, *backward, *links; /* [target words without eos, source words without bos/eos] */
    float *reverse_words; /* [source words + 1, reverse positions' words] */
    int *reverse_row_word, *reverse_col_word;
    int32_t *reverse_source; /* the hypothesis's tokens: the reverse model's source */
    const char **reverse_strings;
} align_work;

static void work_free(align_work *w)
{
    free(w->source_word);
    free(w->target_word);
    free(w->steps);
    free(w->words);
    free(w->forward);
    free(w->backward);
    free(w->links);
    free(w->reverse_words);
    free(w->reverse_row_word);
    free(w->reverse_col_word);
    free(w->reverse_source);
    free(w->reverse_strings);
}

/* The reverse direction: the reverse model forced on (target words -> source tokens), its method matrix made
 * word level and its argmax/threshold links transposed into w->backward [target words, source words]. */
static int reverse_links(rs_aligner *a, const rs_translation *tr, const rs_hypothesis *h, int target_tokens,
                         int target_words, int source_words, align_work *w, rs_error *err)
{
    size_t limit = a->reverse_translator.max_source_tokens;
    if ((size_t)target_tokens > limit)
        return rs_fail(err, "--reverse-model: a target of %d tokens is longer than --max-source-tokens %zu, the "
                            "reverse model's source limit", target_tokens, limit);
    int n = target_tokens ? target_tokens : 1;
    w->reverse_source = rs_alloc_array((size_t)n, sizeof *w->reverse_source, "alignment", err);
    w->reverse_strings = rs_alloc_array((size_t)n, sizeof *w->reverse_strings, "alignment", err);
    if (!w->reverse_source || !w->reverse_strings)
        return -1;
    for (int i = 0; i < target_tokens; i++) {
        w->reverse_source[i] = h->tokens[i];
        w->reverse_strings[i] = w->steps[i];
    }
    rs_translation rt;
    if (rs_translate_forced_ids(&a->reverse_translator, w->reverse_source, w->reverse_strings, target_tokens,
                                tr->ids + tr->first_token, tr->source + tr->first_token, tr->token_count,
                                &a->reverse_options, &rt, err) < 0)
        return -1;
    if (rt.length == 0 || rt.hypothesis_count != 1) {
        memset(w->backward, 0, (size_t)target_words * (size_t)source_words);
        return 0;
    }
    const rs_hypothesis *rh = &rt.hypotheses[0];
    const float *matrix = rh->attention;
    if (a->rule.method != RS_METHOD_ATTENTION) {
        if (rs_explain(&a->reverse_explainer, &rt, 1, err) < 0)
            return -1;
        matrix = a->reverse_explainer.explanations[0].matrix[a->rule.method];
    }
    if (!matrix)
        return rs_fail(err, "--reverse-model: no %s matrix", rs_method_name(a->rule.method));
    /* rows: the source tokens' words, then eos; columns: bos, the target tokens' words, eos */
    int rows = rh->steps, width = rt.length, first = rt.first_token;
    w->reverse_row_word = rs_alloc_array((size_t)rows, sizeof *w->reverse_row_word, "alignment", err);
    w->reverse_col_word = rs_alloc_array((size_t)width, sizeof *w->reverse_col_word, "alignment", err);
    int cols = first + target_words + (width - first - target_tokens);
    w->reverse_words = rs_alloc_array((size_t)(source_words + 1) * (size_t)cols, sizeof *w->reverse_words,
                                      "alignment", err);
    if (!w->reverse_row_word || !w->reverse_col_word || !w->reverse_words)
        return -1;
    int source_first_word = w->source_word[tr->first_token];
    for (int r = 0; r < rows; r++)
        w->reverse_row_word[r] = r < tr->token_count ? w->source_word[tr->first_token + r] - source_first_word
                                                     : source_words;
    for (int c = 0; c < width; c++)
        w->reverse_col_word[c] = c < first ? c
                                 : c < first + target_tokens ? first + w->target_word[c - first]
                                                             : first + target_words + (c - first - target_tokens);
    rs_word_matrix(matrix, rows, width, w->reverse_row_word, source_words + 1, w->reverse_col_word, cols,
                   w->reverse_words);
    if (a->rule.use_prior)
        rs_links_prior(w->reverse_words, source_words, cols, first, target_words, a->rule.method,
                       a->rule.prior_tension);
    unsigned char *grid = w->links; /* [source words, target words] first, transposed below */
    rs_links_rows(w->reverse_words, source_words, cols, first, target_words, &a->rule,
                  a->rule.method == RS_METHOD_ATTENTION && !a->rule.use_prior, grid);
    for (int t = 0; t < target_words; t++)
        for (int s = 0; s < source_words; s++)
            w->backward[(size_t)t * (size_t)source_words + (size_t)s] =
                grid[(size_t)s * (size_t)target_words + (size_t)t];
    return 0;
}

static int align_one(rs_aligner *a, const rs_translation *tr, const rs_hypothesis *h, const rs_explanation *e,
                     rs_strbuf *out, align_work *w, rs_error *err)
{
    const float *matrix = a->rule.method == RS_METHOD_ATTENTION ? h->attention : e ? e->matrix[a->rule.method] : NULL;
    if (!matrix)
        return rs_fail(err, "alignment: no %s matrix", rs_method_name(a->rule.method));
    int steps = h->steps, length = tr->length;
    int target_tokens = h->ended_by_eos ? steps - 1 : steps;
    w->source_word = rs_alloc_array((size_t)length, sizeof *w->source_word, "alignment", err);
    w->target_word = rs_alloc_array((size_t)steps, sizeof *w->target_word, "alignment", err);
    w->steps = rs_alloc_array((size_t)steps, sizeof *w->steps, "alignment", err);
    if (!w->source_word || !w->target_word || !w->steps)
        return -1;
    for (int i = 0; i < steps; i++)
        w->steps[i] = rs_format_step_token(a->model, tr, h, i, false);
    int end = tr->first_token + tr->token_count;
    int source_all = rs_group_words(tr->source, length, tr->first_token, end, a->pieces, w->source_word);
    int target_all = rs_group_words(w->steps, steps, 0, target_tokens, a->pieces, w->target_word);
    int first = tr->first_token; /* bos is word 0 when added */
    int source_words = source_all - first - (length - end);
    int target_words = target_all - (steps - target_tokens);
    size_t grid = (size_t)(target_words > 0 ? target_words : 1) * (size_t)(source_words > 0 ? source_words : 1);
    w->words = rs_alloc_array((size_t)target_all * (size_t)source_all, sizeof *w->words, "alignment", err);
    w->forward = rs_alloc_array(grid, 1, "alignment", err);
    w->backward = rs_alloc_array(grid, 1, "alignment", err);
    w->links = rs_alloc_array(grid, 1, "alignment", err);
    if (!w->words || !w->forward || !w->backward || !w->links)
        return -1;
    if (target_words <= 0 || source_words <= 0)
        return 0;
    rs_word_matrix(matrix, steps, length, w->target_word, target_all, w->source_word, source_all, w->words);
    if (a->rule.use_prior)
        rs_links_prior(w->words, target_words, source_all, first, source_words, a->rule.method,
                       a->rule.prior_tension);
    bool nulls = a->rule.method == RS_METHOD_ATTENTION && !a->rule.use_prior;
    rs_links_rows(w->words, target_words, source_all, first, source_words, &a->rule, nulls, w->forward);
    if (a->rule.symmetrize == RS_SYMMETRIZE_NONE)
        return rs_links_format(out, w->forward, target_words, source_words, err);
    if (a->reversed) {
        if (reverse_links(a, tr, h, target_tokens, target_words, source_words, w, err) < 0)
            return -1;
    } else {
        rs_links_columns(w->words, target_words, source_all, first, source_words, &a->rule, w->backward);
    }
    if (rs_links_symmetrize(w->forward, w->backward, target_words, source_words, a->rule.symmetrize, w->links,
                            err) < 0)
        return -1;
    return rs_links_format(out, w->links, target_words, source_words, err);
}

int rs_align(rs_aligner *a, const rs_translation *tr, int count, const rs_explanation *explained, rs_error *err)
{
    if (reserve_links(a, count, err) < 0)
        return -1;
    for (int k = 0; k < count; k++) {
        rs_strbuf_clear(&a->links[k]);
        align_work w = {0};
        int rc = tr->length > 0 ? align_one(a, tr, &tr->hypotheses[k], explained ? &explained[k] : NULL,
                                            &a->links[k], &w, err)
                                : 0;
        work_free(&w);
        if (rc < 0)
            return -1;
        a->texts[k] = a->links[k].data ? a->links[k].data : "";
    }
    return 0;
}
