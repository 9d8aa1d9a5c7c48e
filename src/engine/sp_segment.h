/* Segmentation with a SentencePiece BPE model, exactly as SentencePiece's own encoder and decoder do it
 * (README "Subword models"): a line becomes pieces, output pieces become text. */
#ifndef RS_SP_SEGMENT_H
#define RS_SP_SEGMENT_H

#include <stddef.h>

#include "error.h"
#include "sp_model.h"
#include "strbuf.h"
#include "tokenizer.h"

/* Segments one line of `len` bytes (any bytes: invalid UTF-8 becomes U+FFFD, maximal subparts; a trailing "\n"
 * and then "\r" are ignored) into `out` (cleared first): each piece with its id, an unknown one (a run of
 * characters the model lacks) as its text with the unk id, a NUL byte in it shown as U+2400. Fails only when
 * memory runs out. */
int rs_sp_encode(const rs_sp_model *model, const char *line, size_t len, rs_tokens *out, rs_error *err);

/* The text rs_sp_encode segments: the line as valid UTF-8 without its line end, normalized (sp_normalize.h);
 * its pieces concatenated give it back. */
int rs_sp_normalize_line(const rs_sp_model *model, const char *line, size_t len, rs_strbuf *out, rs_error *err);

/* The text of pieces, as SentencePiece's DecodePieces: U+2581 becomes a space, the space of the first word is
 * dropped, control pieces (<s>, </s>, <pad>) are invisible, the unk piece is written as the model's
 * unk_surface and a string that is no piece as itself. Returns a malloc'd string or NULL (err set). */
char *rs_sp_decode(const rs_sp_model *model, const char *const *pieces, size_t count, rs_error *err);

#endif
