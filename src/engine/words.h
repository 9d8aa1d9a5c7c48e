/* Word-level views of subword attention (README.md "Words and pieces"). A subword model's tokens are pieces:
 * a piece that starts with U+2581 (the SentencePiece word mark) starts a word, any other piece continues the
 * word before it; an added bos or eos is a word of its own. In a model without such pieces (a word-level model)
 * every token is a word. Word-level attention: weight(target word u, source word w) = the mean over the target
 * pieces of u of the sum over the source pieces of w of the piece weights, so each row still sums to 1. */
#ifndef RS_WORDS_H
#define RS_WORDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "mem.h"
#include "model.h"
#include "search.h"
#include "translator.h"

#define RS_WORD_MARK "\xe2\x96\x81" /* U+2581 */

/* Whether the model's vocabularies hold pieces marked with U+2581 (a subword model). */
bool rs_model_has_pieces(const rs_model *model);

/* Groups tokens[0 .. count) into words: word_of[i] is token i's word (0-based, in order); tokens outside
 * [first, end) (added bos/eos) are words of their own, and without `pieces` (a word-level model) every token
 * is. Returns the number of words. */
int rs_group_words(const char *const *tokens, int count, int first, int end, bool pieces, int *word_of);

/* The storage of one word view. */
typedef struct rs_word_view {
    RS_GROWABLE(char) text; /* the words' strings, NUL-terminated, one after another */
    RS_GROWABLE(const char *) source; /* the views' word strings */
    RS_GROWABLE(const char *) target;
    RS_GROWABLE(int) source_word_of; /* [pieces]: the word of each source position */
    RS_GROWABLE(int) target_word_of; /* [steps]: the word of each target step */
    RS_GROWABLE(rs_hypothesis) hypotheses;
    RS_GROWABLE(int32_t) tokens;
    RS_GROWABLE(float) attention;
    rs_translation view;
    RS_GROWABLE(int) target_offsets; /* [hypothesis]: where its words start in target; [count]: their number */
    RS_GROWABLE(int) step_offsets;   /* [hypothesis]: where its steps start in target_word_of */
    RS_GROWABLE(const char *) pieces; /* scratch: the strings of one hypothesis's steps, or the source's forms */
    RS_GROWABLE(size_t) offsets;      /* scratch: the words' offsets in text */
    int source_words;    /* words of the source (the first of them in offsets) */
    bool pieces_mode;    /* the model has pieces (rs_model_has_pieces) */
    RS_GROWABLE(const char *) unk_words; /* [source position]: its word as written with its mark */
    int pieces_length;   /* source positions of the translation viewed (source_word_of's length) */
} rs_word_view;

void rs_word_view_init(rs_word_view *view);

/* tr with the view's source_word_of and unk_words (a subword model's --replace-unk copies whole words); the view
 * must have been built from tr. */
rs_translation rs_word_view_source(const rs_word_view *view, const rs_translation *tr);
void rs_word_view_free(rs_word_view *view);

/* Builds view->view, a translation whose tokens are the words of tr (its first `count` hypotheses): source
 * words, and per hypothesis target words (shown through target_tokens: every formatter renders it) with
 * word-level attention (when tr has attention). Valid until the next build or tr changes. A hypothesis's
 * target words are view->target + view->target_offsets[k]; its last step stays eos when tr's did. */
int rs_word_view_build(rs_word_view *view, const rs_model *model, const rs_translation *tr, int count, bool pieces,
                       bool replace_unk, rs_error *err);

#endif
