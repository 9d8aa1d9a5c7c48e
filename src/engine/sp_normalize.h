/* SentencePiece's normalizer (its normalizer.cc), for the encoder: the model's character rules (the longest
 * matching prefix is replaced), then its whitespace handling: leading, trailing and repeated spaces removed
 * (remove_extra_whitespaces), a space put in front (add_dummy_prefix), and every space written as U+2581
 * (escape_whitespaces). */
#ifndef RS_SP_NORMALIZE_H
#define RS_SP_NORMALIZE_H

#include <stddef.h>

#include "error.h"
#include "sp_model.h"
#include "strbuf.h"

/* Normalizes text[0 .. len) into out (cleared first; out->data may stay NULL when the result is empty). */
int rs_sp_normalize(const rs_sp_model *model, const char *text, size_t len, rs_strbuf *out, rs_error *err);

#endif
