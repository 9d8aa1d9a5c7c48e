#include "words.h"

#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "target_text.h"

#define MARK_LEN 3

static bool marked(const char *token) { return strncmp(token, RS_WORD_MARK, MARK_LEN) == 0; }

static bool vocab_has_pieces(const rs_vocab *vocab)
{
    for (size_t id = 0; id < vocab->size; id++)
        if (marked(rs_vocab_string(vocab, (int32_t)id)))
            return true;
    return false;
}

bool rs_model_has_pieces(const rs_model *model)
{
    return vocab_has_pieces(&model->source_vocab) || vocab_has_pieces(&model->target_vocab);
}

int rs_group_words(const char *const *tokens, int count, int first, int end, bool pieces, int *word_of)
{
    int words = 0;
    for (int i = 0; i < count; i++) {
        bool continues = pieces && i > first && i < end && !marked(tokens[i]);
        word_of[i] = continues ? words - 1 : words++;
    }
    return words;
}

void rs_word_view_init(rs_word_view *v) { memset(v, 0, sizeof *v); }

rs_translation rs_word_view_source(const rs_word_view *v, const rs_translation *tr)
{
    rs_translation with_words = *tr;
    if (v->pieces_length == tr->length && tr->length > 0) {
        with_words.source_word_of = v->source_word_of.at;
        with_words.unk_words = v->unk_words.at;
    }
    return with_words;
}

void rs_word_view_free(rs_word_view *v)
{
    free(v->text.at);
    free(v->source.at);
    free(v->target.at);
    free(v->source_word_of.at);
    free(v->target_word_of.at);
    free(v->hypotheses.at);
    free(v->tokens.at);
    free(v->attention.at);
    free(v->target_offsets.at);
    free(v->step_offsets.at);
    free(v->pieces.at);
    free(v->offsets.at);
    free(v->unk_words.at);
    memset(v, 0, sizeof *v);
}

/* Word view buffers: never empty, so that a reserved pointer is never NULL. */
#define RESERVE(array, count, err) RS_GROW(array, at_least_one(count), "word view", err)
static size_t at_least_one(size_t count) { return count ? count : 1; }

/* Appends text (without a leading word mark) to the view's string buffer; returns its offset or -1. */
static long long append_text(rs_word_view *v, size_t *used, const char *text, bool strip_mark, rs_error *err)
{
    if (strip_mark && marked(text))
        text += MARK_LEN;
    size_t len = strlen(text);
    if (RESERVE(v->text, *used + len + 1, err) < 0)
        return -1;
    memcpy(v->text.at + *used, text, len + 1);
    long long at = (long long)*used;
    *used += len; /* the NUL is overwritten by the next piece of the same word */
    return at;
}

/* Appends the words of strings[0 .. count) grouped by word_of to v->text; their offsets go to
 * v->offsets[base ..]. */
static int build_words(rs_word_view *v, size_t *used, const char *const *strings, int count, const int *word_of,
                       size_t base, bool keep_mark, rs_error *err)
{
    for (int i = 0; i < count; i++) {
        bool starts = i == 0 || word_of[i] != word_of[i - 1];
        if (starts) {
            if (i > 0)
                (*used)++; /* past the NUL of the word before */
            if (RESERVE(v->offsets, base + (size_t)word_of[i] + 1, err) < 0)
                return -1;
            v->offsets.at[base + (size_t)word_of[i]] = *used;
        }
        if (append_text(v, used, strings[i], starts && !keep_mark, err) < 0)
            return -1;
    }
    if (count > 0)
        (*used)++;
    return 0;
}

/* The source word (added bos/eos excluded) with the largest summed weight in a piece row, the first on a tie. */
static int top_source_word(const rs_word_view *v, const rs_translation *tr, const float *row)
{
    int first = v->source_word_of.at[tr->first_token], end = first;
    if (tr->token_count > 0)
        end = v->source_word_of.at[tr->first_token + tr->token_count - 1] + 1;
    int best = first;
    double best_sum = -1.0;
    for (int w = first; w < end; w++) {
        double sum = 0.0;
        for (int j = tr->first_token; j < tr->first_token + tr->token_count; j++)
            if (v->source_word_of.at[j] == w)
                sum += (double)row[j];
        if (sum > best_sum) {
            best_sum = sum;
            best = w;
        }
    }
    return best;
}

/* The source words (offsets[0 .. W)) and, for --replace-unk, their original forms (offsets[W .. 2W)). */
static int source_words(rs_word_view *v, const rs_translation *tr, size_t *used, rs_error *err)
{
    if (RESERVE(v->source_word_of, (size_t)tr->length, err) < 0 ||
        RESERVE(v->pieces, (size_t)tr->length, err) < 0)
        return -1;
    int words = rs_group_words(tr->source, tr->length, tr->first_token, tr->first_token + tr->token_count,
                               v->pieces_mode, v->source_word_of.at);
    v->source_words = words;
    v->pieces_length = tr->length;
    for (int j = 0; j < tr->length; j++) {
        bool token = j >= tr->first_token && j < tr->first_token + tr->token_count;
        v->pieces.at[j] = token && tr->source_original ? tr->source_original[j - tr->first_token] : tr->source[j];
    }
    if (build_words(v, used, tr->source, tr->length, v->source_word_of.at, 0, false, err) < 0 ||
        build_words(v, used, v->pieces.at, tr->length, v->source_word_of.at, (size_t)words, true, err) < 0)
        return -1;
    return words;
}

static void free_step_strings(rs_word_view *v, int steps)
{
    for (int t = 0; t < steps; t++)
        free((char *)v->pieces.at[steps + t]);
}

/* The strings of hypothesis h's steps in v->pieces[0 .. steps); with replace_unk an unk becomes the marked
 * original of the most attended source word, malloc'd and also kept in v->pieces[steps + t] for freeing. */
static int step_strings(rs_word_view *v, const rs_model *m, const rs_translation *tr, const rs_hypothesis *h,
                        bool replace_unk, rs_error *err)
{
    size_t steps = (size_t)h->steps;
    if (RESERVE(v->pieces, 2 * steps, err) < 0)
        return -1;
    for (int t = 0; t < h->steps; t++)
        v->pieces.at[steps + (size_t)t] = NULL;
    for (int t = 0; t < h->steps; t++) {
        v->pieces.at[t] = rs_format_step_token(m, tr, h, t, false);
        bool forced = tr->target_tokens && t < tr->target_count;
        if (!replace_unk || forced || h->tokens[t] != m->target_ids.unk || !h->attention || tr->token_count == 0)
            continue;
        int w = top_source_word(v, tr, h->attention + (size_t)t * (size_t)tr->length);
        const char *original = v->text.at + v->offsets.at[(size_t)v->source_words + (size_t)w];
        char *copy = malloc(MARK_LEN + strlen(original) + 1);
        if (!copy) {
            free_step_strings(v, h->steps);
            return rs_fail(err, "out of memory (word view)");
        }
        strcpy(copy, marked(original) ? "" : RS_WORD_MARK);
        strcat(copy, original);
        v->pieces.at[t] = v->pieces.at[steps + (size_t)t] = copy;
    }
    return 0;
}

/* Word-level rows of one hypothesis: the mean over a target word's pieces of the per-word sums. */
static void fold_attention(const rs_translation *tr, const rs_hypothesis *h, const int *source_word_of,
                           const int *target_word_of, int source_words, int target_words, float *out)
{
    memset(out, 0, (size_t)target_words * (size_t)source_words * sizeof *out);
    for (int u = 0, t = 0; u < target_words; u++) {
        float *row = out + (size_t)u * (size_t)source_words;
        int pieces = 0;
        for (; t < h->steps && target_word_of[t] == u; t++, pieces++)
            for (int j = 0; j < tr->length; j++)
                row[source_word_of[j]] += h->attention[(size_t)t * (size_t)tr->length + (size_t)j];
        for (int w = 0; w < source_words; w++)
            row[w] /= (float)pieces;
    }
}

/* Adds hypothesis k's words, steps and rows to the view (pointers are set once all are in). */
static int add_hypothesis(rs_word_view *v, const rs_model *m, const rs_translation *tr, int k, bool replace_unk,
                          size_t *used, rs_error *err)
{
    const rs_hypothesis *h = &tr->hypotheses[k];
    size_t step_at = (size_t)v->step_offsets.at[k], word_at = (size_t)v->target_offsets.at[k];
    size_t sources = (size_t)v->source_words;
    if (RESERVE(v->target_word_of, step_at + (size_t)h->steps, err) < 0)
        return -1;
    int *word_of = v->target_word_of.at + step_at;
    if (step_strings(v, m, tr, h, replace_unk, err) < 0)
        return -1;
    int words = rs_group_words(v->pieces.at, h->steps, 0, h->ended_by_eos ? h->steps - 1 : h->steps, v->pieces_mode,
                               word_of);
    int rc = build_words(v, used, v->pieces.at, h->steps, word_of, 2 * sources + word_at, false, err);
    free_step_strings(v, h->steps);
    if (rc < 0 || RESERVE(v->tokens, word_at + (size_t)words, err) < 0)
        return -1;
    for (int t = h->steps - 1; t >= 0; t--)
        v->tokens.at[word_at + (size_t)word_of[t]] = h->tokens[t]; /* the first piece's id is left */
    if (h->attention) {
        if (RS_GROW(v->attention, (word_at + (size_t)words) * sources, "word view", err) < 0)
            return -1;
        fold_attention(tr, h, v->source_word_of.at, word_of, v->source_words, words,
                       v->attention.at + word_at * sources);
    }
    v->hypotheses.at[k] = *h;
    v->hypotheses.at[k].steps = words;
    v->step_offsets.at[k + 1] = (int)step_at + h->steps;
    v->target_offsets.at[k + 1] = (int)word_at + words;
    return 0;
}

/* Turns the offsets into pointers and fills view->view. */
static int finish_view(rs_word_view *v, const rs_translation *tr, int count, rs_error *err)
{
    size_t sources = (size_t)v->source_words, targets = (size_t)v->target_offsets.at[count];
    if (RESERVE(v->source, sources, err) < 0 || RESERVE(v->target, targets, err) < 0)
        return -1;
    for (size_t w = 0; w < sources; w++)
        v->source.at[w] = v->text.at + v->offsets.at[w];
    for (size_t u = 0; u < targets; u++)
        v->target.at[u] = v->text.at + v->offsets.at[2 * sources + u];
    if (RESERVE(v->unk_words, (size_t)v->pieces_length, err) < 0)
        return -1;
    for (int j = 0; j < v->pieces_length; j++)
        v->unk_words.at[j] = v->text.at + v->offsets.at[sources + (size_t)v->source_word_of.at[j]];
    for (int k = 0; k < count; k++) {
        v->hypotheses.at[k].tokens = v->tokens.at + v->target_offsets.at[k];
        if (v->hypotheses.at[k].attention)
            v->hypotheses.at[k].attention = v->attention.at + (size_t)v->target_offsets.at[k] * sources;
    }
    rs_translation *view = &v->view;
    bool eos = tr->first_token + tr->token_count < tr->length;
    view->source = v->source.at;
    view->length = v->source_words;
    view->first_token = tr->first_token;
    view->token_count = v->source_words - tr->first_token - (eos ? 1 : 0);
    view->dropped_tokens = tr->dropped_tokens;
    view->hypotheses = v->hypotheses.at;
    view->hypothesis_count = count;
    view->step_strings = v->target.at;
    view->step_offsets = v->target_offsets.at;
    return 0;
}

int rs_word_view_build(rs_word_view *v, const rs_model *m, const rs_translation *tr, int count, bool pieces,
                       bool replace_unk, rs_error *err)
{
    memset(&v->view, 0, sizeof v->view);
    v->pieces_mode = pieces;
    v->pieces_length = 0;
    if (tr->length == 0 || count <= 0) {
        v->view = *tr;
        return 0;
    }
    size_t used = 0;
    if (source_words(v, tr, &used, err) < 0 ||
        RESERVE(v->hypotheses, (size_t)count, err) < 0 ||
        RESERVE(v->step_offsets, (size_t)count + 1, err) < 0 ||
        RESERVE(v->target_offsets, (size_t)count + 1, err) < 0)
        return -1;
    v->step_offsets.at[0] = v->target_offsets.at[0] = 0;
    for (int k = 0; k < count; k++)
        if (add_hypothesis(v, m, tr, k, replace_unk, &used, err) < 0)
            return -1;
    return finish_view(v, tr, count, err);
}
