#include "target_text.h"

#include <stdlib.h>

#include "mem.h"
#include "tokenizer.h"

static const char *target_string(const rs_model *m, int32_t id)
{
    return rs_vocab_string(&m->target_vocab, id);
}

int rs_top_source_token(const rs_translation *tr, const float *row)
{
    int best = tr->first_token;
    for (int j = tr->first_token + 1; j < tr->first_token + tr->token_count; j++)
        if (row[j] > row[best])
            best = j;
    return best;
}

/* --replace-unk's source for a row: the tokenizer token with the largest weight, or for a subword model (words.h)
 * the word with the largest summed weight (the first on a tie); returns a source index (of its first piece). */
static int unk_source(const rs_translation *tr, const float *row)
{
    if (!tr->source_word_of)
        return rs_top_source_token(tr, row);
    int best = tr->first_token;
    double best_sum = -1.0;
    for (int j = tr->first_token; j < tr->first_token + tr->token_count;) {
        double sum = 0.0;
        int w = tr->source_word_of[j], start = j;
        for (; j < tr->first_token + tr->token_count && tr->source_word_of[j] == w; j++)
            sum += (double)row[j];
        if (sum > best_sum) {
            best_sum = sum;
            best = start;
        }
    }
    return best;
}

const char *rs_format_step_token(const rs_model *m, const rs_translation *tr, const rs_hypothesis *h, int t,
                                 bool replace_unk)
{
    if (tr->step_strings) /* a word view (words.h) */
        return tr->step_strings[tr->step_offsets[h - tr->hypotheses] + t];
    if (tr->target_tokens && t < tr->target_count)
        return tr->target_tokens[t];
    if (replace_unk && h->tokens[t] == m->target_ids.unk && h->attention && tr->token_count > 0) {
        int j = unk_source(tr, h->attention + (size_t)t * (size_t)tr->length);
        if (tr->unk_words)
            return tr->unk_words[j];
        return tr->source_original ? tr->source_original[j - tr->first_token] : tr->source[j];
    }
    return target_string(m, h->tokens[t]);
}

/* Appends the detokenized steps [from, to) of h. */
static int format_steps_text(rs_strbuf *out, const rs_model *m, const rs_translation *tr, const rs_hypothesis *h,
                             int from, int to, bool replace_unk, rs_error *err)
{
    int count = to - from;
    const char **words = rs_alloc_array(count > 0 ? (size_t)count : 1, sizeof *words, "output", err);
    if (!words)
        return -1;
    for (int i = 0; i < count; i++)
        words[i] = rs_format_step_token(m, tr, h, from + i, replace_unk);
    char *text = rs_detokenize(&m->tokenizer.target, (const char *const *)words, (size_t)count, err);
    free(words);
    if (!text)
        return -1;
    int rc = rs_strbuf_puts(out, text, err);
    free(text);
    return rc;
}

int rs_format_hypothesis_text(rs_strbuf *out, const rs_model *m, const rs_translation *tr, const rs_hypothesis *h,
                              bool replace_unk, rs_error *err)
{
    int count = h->ended_by_eos ? h->steps - 1 : h->steps;
    if (tr->sentence_count < 2)
        return format_steps_text(out, m, tr, h, 0, count, replace_unk, err);
    /* sentence by sentence (joiner.h), joined with one space */
    const int *ends = tr->sentence_targets + (h - tr->hypotheses) * (tr->sentence_count + 1);
    bool first = true;
    for (int s = 0; s < tr->sentence_count; s++) {
        int to = ends[s + 1] < count ? ends[s + 1] : count;
        if (to <= ends[s])
            continue;
        if ((!first && rs_strbuf_putc(out, ' ', err) < 0) ||
            format_steps_text(out, m, tr, h, ends[s], to, replace_unk, err) < 0)
            return -1;
        first = false;
    }
    return 0;
}
