/* An embedding table (torch.nn.Embedding): one row of `dim` values per id, kept in the precision the model
 * stores it in (f16 when every value is an f16 value, else f32) and widened a row at a time when looked up. */
#ifndef RS_EMBEDDING_H
#define RS_EMBEDDING_H

#include <stddef.h>
#include <stdint.h>

#include "dense.h"
#include "error.h"

typedef struct rs_embedding {
    int rows;
    int dim;
    rs_dtype dtype;  /* RS_DTYPE_F32 or RS_DTYPE_F16 */
    void *values;    /* [rows, dim], owned */
} rs_embedding;

/* From float32 values [rows, dim]: kept as f16 when every value is an f16 value. */
int rs_embedding_pack(rs_embedding *table, const float *values, int rows, int dim, rs_error *err);

/* From f16 values (bit patterns, finite). */
int rs_embedding_pack_halves(rs_embedding *table, const uint16_t *halves, int rows, int dim, rs_error *err);

/* out[k] = row id's values as float32, k < dim. */
void rs_embedding_row(const rs_embedding *table, int32_t id, float *out);

size_t rs_embedding_bytes(const rs_embedding *table);

void rs_embedding_free(rs_embedding *table);

#endif
