/* The output formats: text (1-best lines, n-best `ID ||| TEXT ||| SCORE` lines, readable attention matrices,
 * Pharaoh alignments), JSON Lines (spec section 3) and the alignment CSV (spec section 4). Each function
 * appends one input line's result to a string buffer. */
#ifndef RS_OUTPUT_H
#define RS_OUTPUT_H

#include <stdbool.h>

#include "error.h"
#include "model.h"
#include "options.h"
#include "strbuf.h"
#include "target_text.h"
#include "translator.h"


/* Text: the best translation on one line (a --forced target with ` ||| SCORE`), or in the n-best layout one
 * `ID ||| TEXT ||| SCORE ||| NORMALIZED_SCORE` line per hypothesis (scores with 6 decimals: the spec's raw
 * score, then the ranking score); --alignments appends ` ||| s-t ...` as the last field; -a follows each line
 * with its matrix. */
int rs_format_text(rs_strbuf *out, const rs_model *model, const rs_translation *tr, long long id,
                   const rs_output_options *options, rs_error *err);

/* One JSON object and a newline. */
int rs_format_jsonl(rs_strbuf *out, const rs_model *model, const rs_translation *tr, long long id,
                    const rs_output_options *options, rs_error *err);

/* The CSV header line, and one line's rows (needs the attention weights). Lines end in CRLF (RFC 4180). */
int rs_format_csv_header(rs_strbuf *out, rs_error *err);
/* The header of a subword model's CSV: two more columns, target_word_index and source_word_index. */
int rs_format_csv_header_words(rs_strbuf *out, rs_error *err);

/* The header with, after the weight, a subword model's two word columns (words) and a column per method of the
 * RS_METHOD_BIT mask other than the attention (--explain=METHODS: rs_format_csv_rows then writes their scores
 * there). */
int rs_format_csv_header_methods(rs_strbuf *out, unsigned methods, bool words, rs_error *err);
int rs_format_csv(rs_strbuf *out, const rs_model *model, const rs_translation *tr, long long id, int n_best,
                  rs_error *err);

/* Hard alignments of one hypothesis: for each target token (eos excluded) the source token with the largest
 * weight (the lowest index on a tie) as `s-t`, space-separated; a target token whose argmax falls on an added
 * bos/eos is left unaligned. Source indices count the tokenizer's tokens. */
int rs_format_pharaoh(rs_strbuf *out, const rs_translation *tr, const rs_hypothesis *hyp, rs_error *err);

/* rs_format_csv with the options' n_best and replace_unk. */
int rs_format_csv_rows(rs_strbuf *out, const rs_model *model, const rs_translation *tr, long long id,
                       const rs_output_options *options, rs_error *err);

/* Appends a double the way Python's repr() writes it (shortest round-trip digits, ".0" on whole numbers). */
int rs_format_double(rs_strbuf *out, double value, rs_error *err);

/* Appends a JSON string literal (quotes, escapes as Python's json.dumps with ensure_ascii=False). */
int rs_format_json_string(rs_strbuf *out, const char *text, rs_error *err);

#endif
