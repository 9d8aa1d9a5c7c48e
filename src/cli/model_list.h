/* --list-models (model_find.h says where the models are looked for). */
#ifndef RS_MODEL_LIST_H
#define RS_MODEL_LIST_H

#include "error.h"
#include "model_find.h"
#include "strbuf.h"

/* --list-models: a header and one line per NAME.json in the directories, in search order and by name within
 * one: `NAME  LANGUAGES  PATH`, languages from the file's meta (`de -> en`; `?` where meta does not say, or
 * the file cannot be read), and `(default)` after the model used without -m, `(shadowed)` after one that an
 * earlier directory's file of the same name hides. */
int rs_model_list(const rs_model_dirs *dirs, rs_strbuf *out, rs_error *err);

#endif
