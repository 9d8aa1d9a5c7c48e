/* Lines in, ranked hypotheses out: tokenization, ids with bos/eos added, encoding and search, with all work
 * space kept across calls. The lines of one call are decoded together (their hypotheses share the decoder's
 * matrix products), each as it would be alone. */
#ifndef RS_TRANSLATOR_H
#define RS_TRANSLATOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decoder.h"
#include "encoder.h"
#include "error.h"
#include "model.h"
#include "search.h"
#include "tokenizer.h"

typedef struct rs_translation {
    /* The source as the encoder saw it: `length` strings, the added bos/eos included (spec section 3's
     * "source"). Tokens are the tokenizer's own strings, also where they map to unk. */
    const char *const *source;
    int length;            /* S; 0 for a line without tokens, which is not decoded */
    const int32_t *ids;    /* [length]: the source ids the encoder saw */
    int first_token;       /* index in source of tokenizer token 0 (1 with add_bos) */
    int token_count;       /* tokenizer tokens kept (after max_source_tokens) */
    size_t dropped_tokens; /* tokens cut off by max_source_tokens */
    const rs_hypothesis *hypotheses; /* best first */
    int hypothesis_count;
    /* Forced decoding only: the target's tokens as the tokenizer wrote them (hypothesis token i < target_count
     * is shown as target_tokens[i], also where it maps to unk); NULL otherwise. */
    const char *const *target_tokens;
    int target_count;
    size_t dropped_target_tokens; /* forced target tokens cut off by max_source_tokens */
    /* A line translated sentence by sentence (joiner.h), sentence_count > 1: sentence s's tokens are source
     * positions [sentence_sources[s], sentence_sources[s + 1]); hypothesis k's steps for it are
     * [sentence_targets[k * (sentence_count + 1) + s], ... + s + 1]. 0 and NULL for a line kept whole. */
    int sentence_count;
    const int *sentence_sources;
    const int *sentence_targets;
    /* --replace-unk: the tokenizer's tokens as the line wrote them (case and accents kept), token_count of
     * them, or NULL (joiner.h). */
    const char *const *source_original;
    /* A subword model's --replace-unk (words.h): source position j's word, and the string an unk copies when
     * that word gets the largest summed weight (the word as written, with its word mark); NULL otherwise. */
    const int *source_word_of;
    const char *const *unk_words;
    /* Word views only (words.h): hypothesis k's step t is shown as step_strings[step_offsets[k] + t]. */
    const char *const *step_strings;
    const int *step_offsets;
} rs_translation;

/* The per-line part of the work space. */
typedef struct rs_translator_line {
    rs_tokens tokens;
    int length;            /* source positions: the shape of source_space */
    const char **source;   /* [length] */
    int32_t *ids;          /* [length] */
    rs_workspace source_space;
    rs_encoding encoding;
    rs_search search;
    rs_tokens target_tokens; /* forced decoding only */
    int target_count;        /* the shape of target_space */
    const char **target_strings;
    int32_t *target_ids;
    rs_workspace target_space;
} rs_translator_line;

typedef struct rs_translator {
    const rs_model *model;
    size_t max_source_tokens;
    rs_translator_line *lines; /* kept across calls: they own their results */
    int line_count;
    int batch_room;            /* lines the batch arrays hold: the shape of batch_space */
    rs_workspace batch_space;
    const rs_encoding **batch; /* the encodings decoded together */
    const int32_t **batch_targets;
    int *batch_target_lengths;
    rs_search **batch_searches;
    const int32_t **batch_ids; /* the sentences encoded together */
    int *batch_lengths;
    rs_encoding **batch_encodings;
    rs_encoder encoder;
    rs_decoder decoder;
} rs_translator;

int rs_translator_init(rs_translator *translator, const rs_model *model, size_t max_source_tokens, rs_error *err);
void rs_translator_free(rs_translator *translator);

/* Translates `count` lines (lines[i] of lens[i] bytes; a trailing newline is ignored) into out[0 .. count).
 * The results stay valid until the next call. */
int rs_translate_batch(rs_translator *translator, const char *const *lines, const size_t *lens, int count,
                       const rs_search_options *options, rs_translation *out, rs_error *err);

/* Forced decoding of `count` lines against their targets (targets[i] of target_lens[i] bytes, tokenized with
 * the target side's rules): each result has one hypothesis, the target and eos, with its score and attention.
 * A line without source tokens is not decoded. */
int rs_translate_forced_batch(rs_translator *translator, const char *const *lines, const size_t *lens,
                              const char *const *targets, const size_t *target_lens, int count,
                              const rs_search_options *options, rs_translation *out, rs_error *err);

/* Forced decoding of one line given as ids (and the strings shown for them): source[0 .. source_count) of the
 * source vocabulary, bos/eos added as the model says, against target[0 .. target_count) of the target
 * vocabulary; --reverse-model passes a hypothesis across this way, its ids being the reverse model's. */
int rs_translate_forced_ids(rs_translator *translator, const int32_t *source, const char *const *source_strings,
                            int source_count, const int32_t *target, const char *const *target_strings,
                            int target_count, const rs_search_options *options, rs_translation *out, rs_error *err);

/* rs_translate_batch of one line. */
int rs_translate(rs_translator *translator, const char *line, size_t len, const rs_search_options *options,
                 rs_translation *out, rs_error *err);

#endif
