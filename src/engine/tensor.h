/* Tensors of the model file (spec section 1): {"shape": [...], "data": [...]} with numbers (flat or nested
 * as the shape says) or {"shape": [...], "dtype": "f32"|"f16", "base64": "..."} with little-endian IEEE
 * values. A base64 tensor without "dtype" is f32, as scripts/model.py reads it. */
#ifndef RS_TENSOR_H
#define RS_TENSOR_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "error.h"

#define RS_TENSOR_MAX_DIMS 4
/* A number is a finite float32 value when it rounds to one: below FLT_MAX + half an ulp (0x1.ffffffp127, where
 * rounding to nearest goes to infinity). So 3.4028235e38, numpy's repr of FLT_MAX, is FLT_MAX. */
#define RS_FLOAT32_ROUNDS_FINITE(d) (fabs(d) < 0x1.ffffffp+127)

/* f16 bit pattern -> f32, exact for every value (subnormals, infinities and NaNs included). */
float rs_half_to_float(uint16_t half);

/* Standard base64 (RFC 4648 alphabet, '=' padding optional, ASCII whitespace skipped). On success *out is a
 * malloc'd buffer of *out_len bytes. On bad input fills err with what is wrong, without a location. */
int rs_base64_decode(const char *text, size_t len, unsigned char **out, size_t *out_len, rs_error *err);

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
