#include "joiner.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"

int rs_joiner_init(rs_joiner *j, const rs_model *model, size_t max_source_tokens, bool split, rs_error *err)
{
    memset(j, 0, sizeof *j);
    j->split = split;
    rs_tokens_init(&j->counting);
    return rs_translator_init(&j->translator, model, max_source_tokens, err);
}

static void free_joined(rs_joined_line *line)
{
    free(line->source.at);
    free(line->hypotheses.at);
    free(line->tokens.at);
    free(line->logprobs.at);
    free(line->ids.at);
    free(line->attention.at);
    free(line->target_tokens.at);
    free(line->bounds.at);
}

void rs_joiner_free(rs_joiner *j)
{
    rs_translator_free(&j->translator);
    free(j->spans.at);
    free(j->target_spans.at);
    free(j->pieces.at);
    free(j->piece_targets.at);
    free(j->piece_lens.at);
    free(j->piece_target_lens.at);
    free(j->piece_results.at);
    free(j->line_first.at);
    free(j->line_dropped.at);
    rs_tokens_free(&j->counting);
    for (size_t i = 0; i < j->joined.cap; i++)
        free_joined(&j->joined.at[i]);
    free(j->joined.at);
    for (size_t i = 0; i < j->explanations.cap; i++)
        rs_explanation_free(&j->explanations.at[i]);
    free(j->explanations.at);
    for (size_t i = 0; i < j->originals.cap; i++) {
        rs_tokens_free(&j->originals.at[i].tokens);
        free(j->originals.at[i].strings.at);
    }
    free(j->originals.at);
    memset(j, 0, sizeof *j);
}

/* How many of the `count` sentences of a line are translated within --max-source-tokens: the first, and each
 * next one while the tokens stay within the limit; *dropped gets the tokens of the others. */
static int sentences_within_limit(rs_joiner *j, const char *line, int count, size_t *dropped, rs_error *err)
{
    size_t limit = j->translator.max_source_tokens, tokens = 0;
    const rs_tok_options *options = &j->translator.model->tokenizer.source;
    j->counting.limit = limit + 1; /* counts without storing more */
    int kept = count;
    *dropped = 0;
    for (int s = 0; s < count; s++) {
        if (rs_tokenize(options, line + j->spans.at[s].start, j->spans.at[s].len, &j->counting, err) < 0)
            return -1;
        size_t n = j->counting.count + j->counting.dropped;
        if (kept == count && (s == 0 || tokens + n <= limit))
            tokens += n;
        else {
            kept = kept < s ? kept : s;
            *dropped += n;
        }
    }
    return kept;
}

/* Appends the sentences of line i (source and, when forced, target) to the pieces. */
static int add_pieces(rs_joiner *j, const char *line, size_t len, const char *target, size_t target_len,
                      int *pieces, size_t *dropped, rs_error *err)
{
    const rs_model *m = j->translator.model;
    int sources = 1, targets = 1;
    if (j->split && rs_split_sentences(line, len, m->source_language, &j->spans.at, &j->spans.cap, &sources, err) < 0)
        return -1;
    if (j->split && target && sources > 1 &&
        rs_split_sentences(target, target_len, m->target_language, &j->target_spans.at, &j->target_spans.cap, &targets,
                           err) < 0)
        return -1;
    if (!j->split || (target && targets != sources))
        sources = 1; /* kept whole */
    *dropped = 0;
    if (sources > 1 && !target && (sources = sentences_within_limit(j, line, sources, dropped, err)) < 0)
        return -1;
    size_t need = (size_t)(*pieces + sources);
    if (RS_GROW(j->pieces, need, "sentences", err) < 0 ||
        RS_GROW(j->piece_lens, need, "sentences", err) < 0 ||
        RS_GROW(j->piece_targets, need, "sentences", err) < 0 ||
        RS_GROW(j->piece_target_lens, need, "sentences", err) < 0)
        return -1;
    for (int s = 0; s < sources; s++, (*pieces)++) {
        bool whole = sources == 1 && *dropped == 0;
        j->pieces.at[*pieces] = whole ? line : line + j->spans.at[s].start;
        j->piece_lens.at[*pieces] = whole ? len : j->spans.at[s].len;
        j->piece_targets.at[*pieces] = !target ? NULL : whole ? target : target + j->target_spans.at[s].start;
        j->piece_target_lens.at[*pieces] = !target ? 0 : whole ? target_len : j->target_spans.at[s].len;
    }
    return 0;
}

/* The line's source: bos, every sentence's tokens, eos; line->bounds[0 .. n] the sentences' token starts. */
static int join_source(const rs_model *m, const rs_translation *parts, int n, rs_joined_line *line,
                       rs_translation *out, rs_error *err)
{
    if (RS_GROW(line->source, (size_t)out->length, "sentences", err) < 0 ||
        RS_GROW(line->ids, (size_t)out->length, "sentences", err) < 0)
        return -1;
    int at = 0;
    if (m->add_bos) {
        line->ids.at[at] = m->source_ids.bos;
        line->source.at[at++] = rs_vocab_string(&m->source_vocab, m->source_ids.bos);
    }
    for (int s = 0; s < n; s++) {
        line->bounds.at[s] = at;
        for (int u = 0; parts[s].length > 0 && u < parts[s].token_count; u++) {
            line->ids.at[at] = parts[s].ids[parts[s].first_token + u];
            line->source.at[at++] = parts[s].source[parts[s].first_token + u];
        }
    }
    line->bounds.at[n] = at;
    if (m->add_eos) {
        line->ids.at[at] = m->source_ids.eos;
        line->source.at[at++] = rs_vocab_string(&m->source_vocab, m->source_ids.eos);
    }
    out->source = line->source.at;
    out->ids = line->ids.at;
    return 0;
}

/* Steps of sentence s's hypothesis k that the joined hypothesis keeps: all but an eos that is not the last. */
static int kept_steps(const rs_translation *parts, int s, int last, int k)
{
    const rs_hypothesis *h = &parts[s].hypotheses[k];
    return parts[s].length == 0 ? 0 : h->steps - (h->ended_by_eos && s != last ? 1 : 0);
}

/* Adds sentence s's attention rows (`steps` of them) into rows of the line's `length` columns. */
static void fold_rows(const rs_translation *part, const float *rows, int steps, int offset, int length,
                      float *out)
{
    for (int t = 0; t < steps; t++) {
        float *row = out + (size_t)t * (size_t)length;
        const float *in = rows + (size_t)t * (size_t)part->length;
        memset(row, 0, (size_t)length * sizeof *row);
        for (int c = 0; c < part->length; c++) {
            int to = c < part->first_token                        ? 0
                     : c < part->first_token + part->token_count ? offset + c - part->first_token
                                                                   : length - 1;
            row[to] += in[c];
        }
    }
}

/* Hypothesis k of the line from the k-th of every sentence, its tokens at line->tokens + at. */
static void join_hypothesis(const rs_translation *parts, int n, int last, int k, size_t at, rs_joined_line *line,
                            rs_translation *out)
{
    rs_hypothesis *h = &line->hypotheses.at[k];
    int *targets = line->bounds.at + (n + 1) * (k + 1);
    bool attention = parts[last].hypotheses[0].attention != NULL;
    memset(h, 0, sizeof *h);
    h->tokens = line->tokens.at + at;
    h->logprobs = line->logprobs.at + at;
    h->attention = attention ? line->attention.at + at * (size_t)out->length : NULL;
    for (int s = 0; s < n; s++) {
        targets[s] = h->steps;
        int steps = kept_steps(parts, s, last, k);
        if (steps == 0 && parts[s].length == 0)
            continue;
        const rs_hypothesis *part = &parts[s].hypotheses[k];
        memcpy(line->tokens.at + at + (size_t)h->steps, part->tokens, (size_t)steps * sizeof *part->tokens);
        memcpy(line->logprobs.at + at + (size_t)h->steps, part->logprobs, (size_t)steps * sizeof *part->logprobs);
        h->truncated = h->truncated || part->truncated;
        if (attention)
            fold_rows(&parts[s], part->attention, steps, line->bounds.at[s], out->length,
                      line->attention.at + (at + (size_t)h->steps) * (size_t)out->length);
        h->steps += steps;
        h->score += part->score;
        h->normalized_score += part->normalized_score;
        if (s == last)
            h->ended_by_eos = part->ended_by_eos;
    }
    targets[n] = h->ended_by_eos ? h->steps - 1 : h->steps; /* eos is no sentence's token */
}

/* A forced line's target tokens: every sentence's, in order. */
static int join_targets(const rs_translation *parts, int n, rs_joined_line *line, rs_translation *out,
                        rs_error *err)
{
    int count = 0;
    for (int s = 0; s < n; s++)
        count += parts[s].length > 0 && parts[s].target_tokens ? parts[s].target_count : 0;
    if (count == 0)
        return 0;
    if (RS_GROW(line->target_tokens, (size_t)count, "sentences", err) < 0)
        return -1;
    count = 0;
    for (int s = 0; s < n; s++)
        for (int i = 0; parts[s].length > 0 && parts[s].target_tokens && i < parts[s].target_count; i++)
            line->target_tokens.at[count++] = parts[s].target_tokens[i];
    out->target_tokens = line->target_tokens.at;
    out->target_count = count;
    return 0;
}

/* Joins the results of one line's sentences parts[0 .. n) into out, stored in line. */
static int join(const rs_model *m, const rs_translation *parts, int n, rs_joined_line *line, rs_translation *out,
                rs_error *err)
{
    memset(out, 0, sizeof *out);
    int hypotheses = -1, last = -1;
    for (int s = 0; s < n; s++) {
        out->dropped_tokens += parts[s].dropped_tokens;
        if (parts[s].length == 0)
            continue;
        out->token_count += parts[s].token_count;
        if (hypotheses < 0 || parts[s].hypothesis_count < hypotheses)
            hypotheses = parts[s].hypothesis_count;
        last = s;
    }
    out->first_token = m->add_bos ? 1 : 0;
    if (last < 0)
        return 0; /* no sentence has tokens: nothing was decoded */
    out->length = out->token_count + (m->add_bos ? 1 : 0) + (m->add_eos ? 1 : 0);
    size_t steps = 0, bounds = (size_t)(n + 1) * (size_t)(hypotheses + 1);
    for (int k = 0; k < hypotheses; k++)
        for (int s = 0; s < n; s++)
            steps += (size_t)kept_steps(parts, s, last, k);
    bool attention = parts[last].hypotheses[0].attention != NULL;
    if (RS_GROW(line->bounds, bounds, "sentences", err) < 0 ||
        RS_GROW(line->hypotheses, (size_t)hypotheses, "sentences", err) < 0 ||
        RS_GROW(line->tokens, steps, "sentences", err) < 0 ||
        RS_GROW(line->logprobs, steps, "sentences", err) < 0 ||
        (attention && RS_GROW(line->attention, steps * (size_t)out->length, "sentences", err) < 0) ||
        join_source(m, parts, n, line, out, err) < 0 || join_targets(parts, n, line, out, err) < 0)
        return -1;
    size_t at = 0;
    for (int k = 0; k < hypotheses; k++) {
        join_hypothesis(parts, n, last, k, at, line, out);
        at += (size_t)line->hypotheses.at[k].steps;
    }
    out->hypotheses = line->hypotheses.at;
    out->hypothesis_count = hypotheses;
    out->sentence_count = n;
    out->sentence_sources = line->bounds.at;
    out->sentence_targets = line->bounds.at + n + 1;
    return 0;
}

/* Sets out->source_original from the line tokenized with case and accents kept. */
static int keep_original(rs_joiner *j, rs_original_line *line, const char *text, size_t len, rs_translation *out,
                         rs_error *err)
{
    rs_tok_options options = j->translator.model->tokenizer.source;
    options.lowercase = options.fold_accents = false;
    if (rs_tokenize(&options, text, len, &line->tokens, err) < 0)
        return -1;
    if (out->dropped_tokens > 0 || line->tokens.count != (size_t)out->token_count)
        return 0; /* the tokens do not pair up: --replace-unk copies the model's tokens */
    if (RS_GROW(line->strings, line->tokens.count, "source tokens", err) < 0)
        return -1;
    for (size_t i = 0; i < line->tokens.count; i++)
        line->strings.at[i] = rs_tokens_get(&line->tokens, i);
    out->source_original = line->strings.at;
    return 0;
}

/* keep_original for the lines of one call. */
static int keep_originals(rs_joiner *j, const char *const *lines, const size_t *lens, int count, rs_translation *out,
                          rs_error *err)
{
    /* zeroed: an rs_tokens as rs_tokens_init leaves it */
    if (RS_GROW_ZEROED(j->originals, (size_t)count, "source tokens", err) < 0)
        return -1;
    for (int i = 0; i < count; i++)
        if (out[i].length > 0 && keep_original(j, &j->originals.at[i], lines[i], lens[i], &out[i], err) < 0)
            return -1;
    return 0;
}

/* No line was split: the translator's results as they are. */
static int translate_whole(rs_joiner *j, const char *const *lines, const size_t *lens, const char *const *targets,
                           const size_t *target_lens, int count, const rs_search_options *o, rs_translation *out,
                           rs_error *err)
{
    return targets ? rs_translate_forced_batch(&j->translator, lines, lens, targets, target_lens, count, o, out, err)
                   : rs_translate_batch(&j->translator, lines, lens, count, o, out, err);
}

/* Translates the pieces of the lines together and joins each line's results. */
static int translate_sentences(rs_joiner *j, bool forced, int count, const rs_search_options *o, rs_translation *out,
                               rs_error *err)
{
    int pieces = j->line_first.at[count];
    if (RS_GROW(j->piece_results, (size_t)pieces, "sentences", err) < 0)
        return -1;
    const char *const *sources = (const char *const *)j->pieces.at;
    int rc = forced ? rs_translate_forced_batch(&j->translator, sources, j->piece_lens.at,
                                                 (const char *const *)j->piece_targets.at, j->piece_target_lens.at,
                                                 pieces, o, j->piece_results.at, err)
                     : rs_translate_batch(&j->translator, sources, j->piece_lens.at, pieces, o, j->piece_results.at,
                                          err);
    if (rc < 0)
        return -1;
    if (RS_GROW_ZEROED(j->joined, (size_t)count, "sentences", err) < 0)
        return -1;
    for (int i = 0; i < count; i++) {
        int first = j->line_first.at[i], n = j->line_first.at[i + 1] - first;
        if (n == 1)
            out[i] = j->piece_results.at[first];
        else if (join(j->translator.model, j->piece_results.at + first, n, &j->joined.at[i], &out[i], err) < 0)
            return -1;
        out[i].dropped_tokens += j->line_dropped.at[i];
    }
    return 0;
}

int rs_joiner_translate(rs_joiner *j, const char *const *lines, const size_t *lens, const char *const *targets,
                        const size_t *target_lens, int count, const rs_search_options *o, rs_translation *out,
                        rs_error *err)
{
    if (RS_GROW(j->line_first, (size_t)count + 1, "sentences", err) < 0 ||
        RS_GROW(j->line_dropped, (size_t)count, "sentences", err) < 0)
        return -1;
    int pieces = 0;
    bool dropped = false;
    for (int i = 0; i < count; i++) {
        j->line_first.at[i] = pieces;
        if (add_pieces(j, lines[i], lens[i], targets ? targets[i] : NULL, targets ? target_lens[i] : 0, &pieces,
                       &j->line_dropped.at[i], err) < 0)
            return -1;
        dropped = dropped || j->line_dropped.at[i] > 0;
    }
    j->line_first.at[count] = pieces;
    int rc = pieces == count && !dropped ? translate_whole(j, lines, lens, targets, target_lens, count, o, out, err)
                             : translate_sentences(j, targets != NULL, count, o, out, err);
    if (rc == 0 && j->keep_originals)
        rc = keep_originals(j, lines, lens, count, out, err);
    return rc;
}

/* Points a joined explanation's method matrices and rho at its own buffers (--explain=METHODS): attention is
 * the joined hypothesis's; every rho undefined until the sentences' are copied in. */
static void point_methods(rs_explanation *e, const rs_hypothesis *h)
{
    size_t steps = (size_t)e->steps, cells = steps * (size_t)e->length;
    for (int m = 0; m < RS_METHOD_COUNT; m++) {
        e->matrix[m] = NULL;
        e->method_rho[m] = NULL;
        e->method_mean_rho[m] = NAN;
    }
    if (!e->methods)
        return;
    const rs_method gradient[3] = {RS_METHOD_SALIENCY, RS_METHOD_GRAD_INPUT, RS_METHOD_IG};
    for (int g = 0; g < 3; g++)
        if (e->methods & RS_METHOD_BIT(gradient[g])) {
            e->matrix[gradient[g]] = e->gradients + (size_t)g * cells;
            memset(e->gradients + (size_t)g * cells, 0, cells * sizeof *e->gradients);
        }
    if (e->methods & RS_METHOD_BIT(RS_METHOD_IG))
        memset(e->ig_error, 0, steps * sizeof *e->ig_error);
    if (e->methods & RS_METHOD_BIT(RS_METHOD_ATTENTION))
        e->matrix[RS_METHOD_ATTENTION] = h->attention;
    if (e->methods & RS_METHOD_BIT(RS_METHOD_OCCLUSION))
        e->matrix[RS_METHOD_OCCLUSION] = e->occlusion;
    for (int m = RS_METHOD_OCCLUSION; m < RS_METHOD_COUNT; m++)
        if (e->matrix[m]) {
            e->method_rho[m] = e->rho_store + (size_t)m * steps;
            for (size_t t = 0; t < steps; t++)
                e->method_rho[m][t] = NAN;
        }
}

/* Sizes the joined explanations of hypotheses [0, count) of tr, with the buffers of `methods`
 * (--explain=METHODS, 0 for bare --explain): occlusion and the methods' matrices zero, rho undefined. */
static int reserve_explanations(rs_joiner *j, const rs_translation *tr, int count, unsigned methods, rs_error *err)
{
    if (RS_GROW_ZEROED(j->explanations, (size_t)count, "explain", err) < 0)
        return -1;
    for (int k = 0; k < count; k++) {
        rs_explanation *e = &j->explanations.at[k];
        size_t steps = (size_t)tr->hypotheses[k].steps, cells = steps * (size_t)tr->length;
        e->methods = methods;
        if (rs_explanation_reserve(e, (int)steps, tr->length, err) < 0)
            return -1;
        point_methods(e, &tr->hypotheses[k]);
        memset(e->occlusion, 0, cells * sizeof *e->occlusion);
        for (size_t t = 0; t < steps; t++)
            e->rho[t] = NAN;
    }
    return 0;
}

/* Adds sentence s's explanations (in explainer->explanations) into the joined ones. */
static void join_explanations(rs_joiner *j, const rs_explainer *x, const rs_translation *parts, int n, int s,
                              int last, const rs_translation *tr, int count)
{
    for (int k = 0; k < count; k++) {
        const rs_explanation *part = &x->explanations[k];
        rs_explanation *e = &j->explanations.at[k];
        int steps = kept_steps(parts, s, last, k), at = tr->sentence_targets[k * (n + 1) + s];
        fold_rows(&parts[s], part->occlusion, steps, tr->sentence_sources[s], tr->length,
                  e->occlusion + (size_t)at * (size_t)tr->length);
        memcpy(e->rho + at, part->rho, (size_t)steps * sizeof *e->rho);
        /* the methods other than attention (the joined hypothesis has its own), their rho and ig's error */
        for (int m = RS_METHOD_OCCLUSION; m < RS_METHOD_COUNT; m++) {
            if (!e->matrix[m] || !part->matrix[m])
                continue;
            if (m != RS_METHOD_OCCLUSION)
                fold_rows(&parts[s], part->matrix[m], steps, tr->sentence_sources[s], tr->length,
                          (float *)e->matrix[m] + (size_t)at * (size_t)tr->length);
            memcpy(e->method_rho[m] + at, part->method_rho[m], (size_t)steps * sizeof *e->rho);
        }
        if (e->matrix[RS_METHOD_IG] && part->matrix[RS_METHOD_IG])
            memcpy(e->ig_error + at, part->ig_error, (size_t)steps * sizeof *e->ig_error);
    }
}

/* The mean of the defined values of rho[0 .. n); NAN when none is. */
static double mean_defined(const double *rho, int n)
{
    double sum = 0.0;
    int defined = 0;
    for (int t = 0; t < n; t++)
        if (!isnan(rho[t])) {
            sum += rho[t];
            defined++;
        }
    return defined ? sum / defined : NAN;
}

const rs_translation *rs_joiner_sentences(const rs_joiner *j, int line)
{
    return j->piece_results.at + j->line_first.at[line];
}

int rs_joiner_explain(rs_joiner *j, rs_explainer *x, int line, const rs_translation *tr, int count,
                      const rs_explanation **out, rs_error *err)
{
    if (tr->sentence_count < 2) {
        if (rs_explain(x, tr, count, err) < 0)
            return -1;
        *out = x->explanations; /* after the call: it may move them */
        return 0;
    }
    const rs_translation *parts = rs_joiner_sentences(j, line);
    int n = tr->sentence_count, last = -1;
    for (int s = 0; s < n; s++)
        last = parts[s].length > 0 ? s : last;
    if (reserve_explanations(j, tr, count, x->methods, err) < 0)
        return -1;
    for (int s = 0; s < n; s++) {
        if (parts[s].length == 0)
            continue;
        if (rs_explain(x, &parts[s], count, err) < 0)
            return -1;
        join_explanations(j, x, parts, n, s, last, tr, count);
    }
    for (int k = 0; k < count; k++) {
        rs_explanation *e = &j->explanations.at[k];
        e->mean_rho = mean_defined(e->rho, e->steps);
        for (int m = RS_METHOD_OCCLUSION; m < RS_METHOD_COUNT; m++)
            if (e->method_rho[m])
                e->method_mean_rho[m] = mean_defined(e->method_rho[m], e->steps);
    }
    *out = j->explanations.at;
    return 0;
}
