/* Hard word alignments (Pharaoh links) from any attribution method's matrix, symmetrized (README.md
 * "Alignments from any method": --align-method, --align-threshold, --align-prior, --symmetrize,
 * --reverse-model).
 *
 * Links are word to word: a method's [target step, source position] matrix becomes a word matrix as README
 * "Words and pieces" defines it for attention (mean over a target word's pieces of the sum over a source word's
 * pieces; every token is a word in a word-level model). One direction links each target word (eos excluded) to
 * its highest-scoring source word (argmax) or to every source word scoring at least the threshold. The other
 * direction links each source word to a target word: by the column argmax of the same matrix, or, with a
 * reverse-direction model (its source side this model's target side and vice versa), by the same rule on the
 * reverse model's matrix for the forced pair target -> source, transposed. Added bos/eos never link; for the
 * attention's argmax they act as a NULL link (a row whose largest weight is there stays unaligned), as plain
 * --alignments always did, while the other methods take the argmax over the words alone (occlusion gives
 * bos/eos 0 and the gradient methods score them like any word, so there they say nothing about NULL).
 *
 * The symmetrizations are the usual ones of statistical alignment: intersection, union, and Koehn's
 * grow-diag-final, in exactly the order of scripts/aer.py's grow_diag_final (tests/test_align.py compares
 * them on hand-made and random matrices).
 *
 * --align-prior reads a method's word matrix the way fast_align models alignment: each target word's row
 * becomes a distribution over the source words, its scores as log-probabilities plus a log-linear diagonal
 * prior. The row argmax then trades score against distance from the diagonal, and the column argmax compares
 * rows on one scale (a probability) rather than on raw scores whose range differs from row to row: on the
 * Hansards set both help occlusion far more than either alone (README "Alignments from any method"). */
#ifndef RS_ALIGN_H
#define RS_ALIGN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "attribution.h"
#include "error.h"
#include "explain.h"
#include "model.h"
#include "search.h"
#include "strbuf.h"
#include "translator.h"

typedef enum rs_symmetrize {
    RS_SYMMETRIZE_NONE, /* the target words' links alone */
    RS_SYMMETRIZE_INTERSECTION,
    RS_SYMMETRIZE_UNION,
    RS_SYMMETRIZE_GROW_DIAG_FINAL
} rs_symmetrize;

/* Parses a --symmetrize value; the message lists the valid ones. */
int rs_symmetrize_parse(const char *name, rs_symmetrize *out, rs_error *err);
const char *rs_symmetrize_name(rs_symmetrize mode);

typedef struct rs_align_rule {
    rs_method method;   /* whose matrix */
    bool use_threshold; /* every word scoring >= threshold instead of the argmax */
    double threshold;
    rs_symmetrize symmetrize;
    bool use_prior;        /* --align-prior: rows become P(source word | target word), rs_links_prior */
    double prior_tension;
} rs_align_rule;

/* The largest --align-prior tension: far beyond any useful one (fast_align's default is 4). */
#define RS_MAX_ALIGN_PRIOR 1000.0

/* One direction's links from a [rows, width] word matrix whose word columns are [first, first + count):
 * grid[r * count + c] = 1 when row r links to word column c. Argmax: the first largest of the row, over all
 * columns when null_columns (a largest value outside the words leaves the row unlinked), else over the words;
 * with use_threshold every word column >= threshold. */
void rs_links_rows(const float *matrix, int rows, int width, int first, int count, const rs_align_rule *rule,
                   bool null_columns, unsigned char *grid);

/* The other direction from the same matrix: each word column links to its first largest row (the threshold
 * rule gives rs_links_rows's links, the rule being symmetric). */
void rs_links_columns(const float *matrix, int rows, int width, int first, int count, const rs_align_rule *rule,
                      unsigned char *grid);

/* --align-prior: replaces the word columns [first, first + count) of rows 0 .. rows - 1 by
 *   P(w | r) = softmax over w of  score(m[r, w]) - tension * |(r + 1/2) / rows - (w + 1/2) / count|
 * where score is log(max(x, 1e-9)) for the attention and saliency (weights and gradient norms, >= 0) and x itself
 * for occlusion, grad_input and ig (log-probability differences, in nats). Computed in double in a fixed order
 * (scripts/aer.py's apply_prior matches it bit for bit) and stored as float; the other columns are unchanged
 * and take no part (with the prior the argmax is over the words alone). */
void rs_links_prior(float *matrix, int rows, int width, int first, int count, rs_method method, double tension);

/* out = the symmetrization of two [rows, cols] grids (out may not alias them). */
int rs_links_symmetrize(const unsigned char *forward, const unsigned char *backward, int rows, int cols,
                        rs_symmetrize mode, unsigned char *out, rs_error *err);

/* Pharaoh pairs "s-t" of a [rows (target words), cols (source words)] grid, by target word then source word,
 * separated by spaces. */
int rs_links_format(rs_strbuf *out, const unsigned char *grid, int rows, int cols, rs_error *err);

/* out[u, w] = mean over the rows r with row_word[r] == u of the sum over the columns c with col_word[c] == w of
 * matrix[r, c]; out is [row_words, col_words]. */
void rs_word_matrix(const float *matrix, int rows, int width, const int *row_word, int row_words, const int *col_word,
                    int col_words, float *out);

/* The aligner of a session: the rule, the reverse model when given, and each hypothesis's links. */
typedef struct rs_aligner {
    const rs_model *model;
    rs_align_rule rule;
    bool pieces; /* a subword model: words group pieces */
    bool reversed; /* a reverse model is loaded */
    rs_model reverse;
    rs_translator reverse_translator;
    rs_explainer reverse_explainer; /* when the method is not the attention */
    bool reverse_explaining;
    rs_search_options reverse_options;
    rs_strbuf *links; /* [hypothesis]: its Pharaoh links */
    const char **texts; /* [hypothesis]: links[k]'s text ("" when none) */
    int links_cap;
} rs_aligner;

/* options: the decoding options (the reverse model's forced decoding takes them, beam 1); ig_steps and
 * occlude_words: its explainer's (--ig-steps, --occlusion-unit word). Loads the reverse
 * model when reverse_path is not NULL (a file or model name, model_find.h) and checks that
 * its vocabularies and tokenizers are this model's, sides swapped. */
int rs_aligner_init(rs_aligner *aligner, const rs_model *model, const rs_align_rule *rule, const char *reverse_path,
                    const rs_search_options *options, size_t max_source_tokens, int ig_steps, bool occlude_words,
                    rs_error *err);
void rs_aligner_free(rs_aligner *aligner);

/* The links of the first `count` hypotheses of tr into aligner->texts; `explained` holds their explanations
 * (explain.h) when the method is not the attention. */
int rs_align(rs_aligner *aligner, const rs_translation *tr, int count, const rs_explanation *explained, rs_error *err);

#endif
