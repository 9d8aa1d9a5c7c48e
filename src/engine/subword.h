/* The SentencePiece sides of the model's "tokenizer" object (README "Subword models"): a side given as
 * {"sentencepiece": {"model_proto": BASE64}} holds a serialized SentencePiece model, which is read and checked
 * here, alone and against the side's vocabulary. */
#ifndef RS_SUBWORD_H
#define RS_SUBWORD_H

#include <cjson/cJSON.h>

#include "error.h"
#include "sp_model.h"

/* Reads the value of tokenizer.SIDE.sentencepiece into a new model (*out). */
int rs_subword_parse_side(rs_sp_model **out, const cJSON *value, const char *where, const char *side,
                          rs_error *err);

/* A SentencePiece side takes no word-level key: neither in its own object `side_object` nor at the top of the
 * tokenizer object (where a key would apply to both sides). */
int rs_subword_check_alone(const cJSON *tokenizer, const cJSON *side_object, const char *where, const char *side,
                           rs_error *err);

/* Frees the model and the model itself; NULL is fine. */
void rs_subword_free(rs_sp_model *model);

#endif
