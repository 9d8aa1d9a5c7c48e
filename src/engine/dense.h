/* A dense layer y = W x + b (torch.nn.Linear): the weights in the precision the model stores them in, packed
 * once at load for the kernels (kernels.h), the bias, the sizes. A projection is one call:
 * rs_dense(out, in, n, &w->query). The layer decides itself whether the product is worth sharing among the
 * threads of rs_set_threads (ops.h); the result does not depend on it (kernels.h). */
#ifndef RS_DENSE_H
#define RS_DENSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

typedef enum rs_dtype {
    RS_DTYPE_F32,
    RS_DTYPE_F16, /* every weight an f16 value: half the memory, the same products */
    RS_DTYPE_I8   /* per-row symmetric int8: W_v = scale[v] * q_v, |q| <= 127 */
} rs_dtype;

typedef struct rs_dense_layer {
    int out_dim;
    int in_dim;
    rs_dtype dtype;
    void *packed;  /* the panels of kernels.h, owned */
    float *scale;  /* int8: [out_dim], owned; else NULL */
    float *bias;   /* [out_dim] or NULL: not owned (the model's tensor) */
} rs_dense_layer;

/* Packs W [out_dim, in_dim] (row-major) into layer: as f16 when every value is an f16 value (as in files
 * written with "dtype": "f16"), else as f32. The bias is left as it was. */
int rs_dense_pack(rs_dense_layer *layer, const float *weight, int out_dim, int in_dim, rs_error *err);

/* out[i] = x[i] as f16 bits for i < n when every x[i] is exactly an f16 value (then true), else false. */
bool rs_floats_to_halves(const float *x, size_t n, uint16_t *out);

/* rs_dense_pack from f16 values (bit patterns, finite): packed as f16. */
int rs_dense_pack_halves(rs_dense_layer *layer, const uint16_t *halves, int out_dim, int in_dim, rs_error *err);

/* Re-packs the layer as int8 (per output row: scale = max |W_v| / 127, q = round(W_v / scale)); a layer of
 * more than RS_I8_MAX_IN (4096) inputs stays as it is. The inputs of an int8 product are quantized per row
 * (scale = max |x| / L, L <= 32767 such that the integer sums cannot overflow), so the sums are exact. */
int rs_dense_quantize(rs_dense_layer *layer, rs_error *err);

void rs_dense_free(rs_dense_layer *layer);

/* Bytes of the packed weights (and scales). */
size_t rs_dense_bytes(const rs_dense_layer *layer);

/* row[k] = W[v, k] for k < in_dim, as the products use it (int8: scale[v] * q). */
void rs_dense_row(const rs_dense_layer *layer, int v, float *row);

/* out[i, :] = W in[i, :] + b for n rows, rows contiguous (in_dim and out_dim floats). */
void rs_dense(float *out, const float *in, int n, const rs_dense_layer *layer);

/* rs_dense with rows ld_in / ld_out floats apart. */
void rs_dense_ld(float *out, size_t ld_out, const float *in, size_t ld_in, int n, const rs_dense_layer *layer);

#endif
