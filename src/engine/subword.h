/* The model's "tokenizer" object (README "Tokenizer", "Subword models"): the word-level options of each side,
 * or a SentencePiece side given as {"sentencepiece": {"model_proto": BASE64}}, a serialized SentencePiece
 * model, read and checked here alone and against the side's vocabulary (rs_tokenizer_parse, loader.h;
 * rs_tokenizer_check_vocab, tokenizer.h). */
#ifndef RS_SUBWORD_H
#define RS_SUBWORD_H

#include "error.h"
#include "sp_model.h"

/* Frees the model and the model itself; NULL is fine. */
void rs_subword_free(rs_sp_model *model);

#endif
