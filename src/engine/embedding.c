#include "embedding.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "ops.h"

size_t rs_embedding_bytes(const rs_embedding *table)
{
    return (size_t)table->rows * (size_t)table->dim * (table->dtype == RS_DTYPE_F16 ? 2 : 4);
}

static int alloc_values(rs_embedding *table, int rows, int dim, rs_dtype dtype, rs_error *err)
{
    rs_embedding_free(table);
    *table = (rs_embedding){rows, dim, dtype, NULL};
    size_t count = (size_t)rows * (size_t)dim;
    table->values = rs_alloc_array(count ? count : 1, dtype == RS_DTYPE_F16 ? 2 : 4, "embedding", err);
    return table->values ? 0 : -1;
}

int rs_embedding_pack(rs_embedding *table, const float *values, int rows, int dim, rs_error *err)
{
    size_t count = (size_t)rows * (size_t)dim;
    uint16_t *halves = rs_alloc_array(count ? count : 1, sizeof *halves, "embedding", err);
    if (!halves)
        return -1;
    bool exact = rs_floats_to_halves(values, count, halves);
    int rc = exact ? rs_embedding_pack_halves(table, halves, rows, dim, err)
                   : alloc_values(table, rows, dim, RS_DTYPE_F32, err);
    if (rc == 0 && !exact)
        memcpy(table->values, values, count * sizeof *values);
    free(halves);
    return rc;
}

int rs_embedding_pack_halves(rs_embedding *table, const uint16_t *halves, int rows, int dim, rs_error *err)
{
    if (alloc_values(table, rows, dim, RS_DTYPE_F16, err) < 0)
        return -1;
    memcpy(table->values, halves, (size_t)rows * (size_t)dim * sizeof *halves);
    return 0;
}

void rs_embedding_row(const rs_embedding *table, int32_t id, float *out)
{
    size_t at = (size_t)id * (size_t)table->dim;
    if (table->dtype == RS_DTYPE_F16)
        rs_halves_to_floats((const uint16_t *)table->values + at, out, (size_t)table->dim);
    else
        memcpy(out, (const float *)table->values + at, (size_t)table->dim * sizeof *out);
}

void rs_embedding_free(rs_embedding *table)
{
    free(table->values);
    table->values = NULL;
}
