/* Lines in, one translation per line out, each line translated sentence by sentence (sentences.h) and the
 * sentences' results joined into one rs_translation (README.md "Several sentences on one line"):
 *   - source: the added bos (if any), every sentence's tokens, the added eos (if any), as if the line had
 *     been tokenized whole; each sentence's own bos/eos weights are added into those two columns, so that
 *     every attention row still sums to 1 and source indices count the line's tokens;
 *   - hypothesis k: sentence by sentence, the k-th hypothesis of each (the line has as many hypotheses as its
 *     sentence with the fewest), without the eos steps that end the sentences before the last; its score and
 *     normalized score are the sums of theirs; attention rows of a sentence are zero outside its tokens;
 *   - forced decoding splits the target too and pairs the sentences when both sides have as many; otherwise
 *     the line is forced whole;
 *   - --max-source-tokens bounds a line, not each sentence: the sentence that reaches the limit is the last
 *     translated (and cut by the translator as any line), the tokens of the rest count as dropped.
 * A line of one sentence (or with splitting off) gets the translator's result unchanged. */
#ifndef RS_JOINER_H
#define RS_JOINER_H

#include <stdbool.h>

#include "error.h"
#include "explain.h"
#include "mem.h"
#include "model.h"
#include "sentences.h"
#include "translator.h"

/* The storage behind one joined line's rs_translation. */
typedef struct rs_joined_line {
    RS_GROWABLE(const char *) source;
    RS_GROWABLE(int32_t) ids;
    RS_GROWABLE(rs_hypothesis) hypotheses;
    RS_GROWABLE(int32_t) tokens;
    RS_GROWABLE(float) logprobs;
    RS_GROWABLE(float) attention;
    RS_GROWABLE(const char *) target_tokens;
    RS_GROWABLE(int) bounds; /* sentence_sources, then sentence_targets */
} rs_joined_line;

/* A line's tokens as written (for --replace-unk). */
typedef struct rs_original_line {
    rs_tokens tokens;
    RS_GROWABLE(const char *) strings;
} rs_original_line;

typedef struct rs_joiner {
    rs_translator translator;
    bool split; /* false: --no-split-sentences */
    /* --replace-unk: each result's source_original, the line tokenized with case and accents kept (the
     * tokenizer's other rules unchanged), when that gives the same number of tokens */
    bool keep_originals;
    RS_GROWABLE(rs_original_line) originals;
    RS_GROWABLE(rs_span) spans;
    RS_GROWABLE(rs_span) target_spans;
    /* the sentences of one call, translated as one batch */
    RS_GROWABLE(const char *) pieces;
    RS_GROWABLE(const char *) piece_targets;
    RS_GROWABLE(size_t) piece_lens;
    RS_GROWABLE(size_t) piece_target_lens;
    RS_GROWABLE(rs_translation) piece_results;
    RS_GROWABLE(int) line_first; /* [line]: its first sentence's index among the pieces; [count]: their number */
    /* --max-source-tokens holds per line: sentences after the one that reaches it are not translated, and
     * their tokens (counted in `counting`) are added to the line's dropped_tokens */
    RS_GROWABLE(size_t) line_dropped;
    rs_tokens counting;
    RS_GROWABLE(rs_joined_line) joined;
    RS_GROWABLE(rs_explanation) explanations; /* rs_joiner_explain's, of one split line */
} rs_joiner;

int rs_joiner_init(rs_joiner *joiner, const rs_model *model, size_t max_source_tokens, bool split, rs_error *err);
void rs_joiner_free(rs_joiner *joiner);

/* rs_translate_batch (targets NULL) or rs_translate_forced_batch (targets given) of `count` lines, each split
 * into sentences. The results stay valid until the next call. */
int rs_joiner_translate(rs_joiner *joiner, const char *const *lines, const size_t *lens, const char *const *targets,
                        const size_t *target_lens, int count, const rs_search_options *options, rs_translation *out,
                        rs_error *err);

/* The sentences line `line` of the last batch was translated as (tr->sentence_count of them, when > 1). */
const rs_translation *rs_joiner_sentences(const rs_joiner *joiner, int line);

/* --explain of the first `count` hypotheses of line `line` of the last call, whose result is tr (or a copy of
 * it): a line kept whole is explained as it is; a split line sentence by sentence (each occlusion decodes its
 * sentence alone), the explanations joined like the attention (occlusion rows folded, rho per kept step, the
 * mean rho over the joined steps). *out points at `count` explanations, valid until the next call. */
int rs_joiner_explain(rs_joiner *joiner, rs_explainer *explainer, int line, const rs_translation *tr, int count,
                      const rs_explanation **out, rs_error *err);

#endif
