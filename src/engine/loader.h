/* The loader's own interface: the parsers of the model document's parts, which model.c calls on the parsed
 * document (config.c: "config"; subword.c: "tokenizer"; tensor.c: each tensor). cJSON stays inside the loader:
 * only the loader's .c files (model.c, config.c, subword.c, tensor.c) include <cjson/cJSON.h>, and this
 * header names the type without it, so that no other header, and no caller of the engine, sees cJSON. */
#ifndef RS_LOADER_H
#define RS_LOADER_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "error.h"
#include "tokenizer.h"

typedef struct cJSON cJSON;

/* Parses config (the "config" value of the model file); `where` names the file for messages. The vocabulary
 * sizes are left 0 for the caller to fill. */
int rs_config_parse(rs_config *config, const cJSON *json, const char *where, rs_error *err);

/* Reads the model's "tokenizer" object (NULL or {} gives the spec's whitespace default). `where` names the
 * file for messages, e.g. "models/x.json". Unknown keys and non-boolean values are errors. */
int rs_tokenizer_parse(rs_tokenizer *tok, const cJSON *object, const char *where, rs_error *err);

/* Decodes the tensor `name` into a malloc'd float array after checking that its shape is `expected`
 * (ndim entries) and that every value is finite. Messages start with "WHERE: tensor NAME: ". */
int rs_tensor_decode(const cJSON *tensor, const char *name, const size_t *expected, int ndim, float **out,
                     const char *where, rs_error *err);

/* rs_tensor_decode's checks that come before the values (an object, the shape, "data" or "base64", the dtype),
 * with its messages: cheap, for a first pass over a model's tensors. */
int rs_tensor_check_header(const cJSON *tensor, const char *name, const size_t *expected, int ndim, const char *where,
                           rs_error *err);

/* rs_tensor_decode for a tensor whose bulk value the pre-pass of bulk.h parsed (the skeleton's tensor object
 * holds "data": [] or "base64": "" in its place): the same checks and values. An f16 tensor's f16 values are
 * are handed to *half instead (malloc'd, count values, not widened: *out is then NULL) when half is not NULL;
 * otherwise *half is NULL. */
struct rs_bulk;
int rs_tensor_decode_bulk(const cJSON *tensor, const char *name, const size_t *expected, int ndim,
                          struct rs_bulk *bulk, float **out, uint16_t **half, const char *where, rs_error *err);

#endif
