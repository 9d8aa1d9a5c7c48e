/* Tensors of the model file (spec section 1): {"shape": [...], "data": [...]} with numbers (flat or nested
 * as the shape says) or {"shape": [...], "dtype": "f32"|"f16", "base64": "..."} with little-endian IEEE
 * values. A base64 tensor without "dtype" is f32, as scripts/model.py reads it. */
#ifndef RS_TENSOR_H
#define RS_TENSOR_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

#define RS_TENSOR_MAX_DIMS 4
/* A number is a finite float32 value when it rounds to one: below FLT_MAX + half an ulp (0x1.ffffffp127, where
 * rounding to nearest goes to infinity). So 3.4028235e38, numpy's repr of FLT_MAX, is FLT_MAX. */
#define RS_FLOAT32_ROUNDS_FINITE(d) (fabs(d) < 0x1.ffffffp+127)

/* f16 bit pattern -> f32, exact for every value (subnormals, infinities and NaNs included). */
float rs_half_to_float(uint16_t half);

#endif
