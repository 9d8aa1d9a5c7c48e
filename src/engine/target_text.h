/* The target side of a translation as text: the string of each target step and the detokenized text of a
 * hypothesis, as every --format writer and the library show them (the writers of the front end, output.h, and
 * the library's facade share these, so a caller of either gets the same words). */
#ifndef RS_TARGET_TEXT_H
#define RS_TARGET_TEXT_H

#include <stdbool.h>

#include "error.h"
#include "model.h"
#include "strbuf.h"
#include "translator.h"

/* The detokenized text of a hypothesis (eos excluded); replace_unk as --replace-unk. */
int rs_format_hypothesis_text(rs_strbuf *out, const rs_model *model, const rs_translation *tr,
                              const rs_hypothesis *hyp, bool replace_unk, rs_error *err);

/* The string shown for target step t of hyp: a forced target's own token, else the target vocabulary's string,
 * except (replace_unk) that an unk becomes the source token (added bos/eos excluded) with the largest attention
 * weight at that step, the lowest index on a tie. */
const char *rs_format_step_token(const rs_model *model, const rs_translation *tr, const rs_hypothesis *hyp, int t,
                                 bool replace_unk);

/* The tokenizer token (added bos/eos excluded) with the largest weight in row, the lowest index on a tie;
 * returns its index in the source. */
int rs_top_source_token(const rs_translation *tr, const float *row);

#endif
