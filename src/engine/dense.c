#include "dense.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kernels.h"
#include "mem.h"
#include "ops.h"

/* The f16 bit pattern of x when x is exactly an f16 value (finite), else false. */
static bool half_of(float x, uint16_t *out)
{
    uint32_t bits;
    memcpy(&bits, &x, sizeof bits);
    uint16_t sign = (uint16_t)((bits >> 16) & 0x8000u);
    uint32_t exponent = (bits >> 23) & 0xffu, mantissa = bits & 0x7fffffu;
    int e = (int)exponent - 127;
    if (exponent == 0 && mantissa == 0) {
        *out = sign;
        return true;
    }
    if (exponent == 0 || exponent == 0xff || e > 15 || e < -24)
        return false;
    if (e >= -14) { /* normal: the low 13 mantissa bits must be zero */
        if (mantissa & 0x1fffu)
            return false;
        *out = (uint16_t)(sign | (uint32_t)(e + 15) << 10 | mantissa >> 13);
        return true;
    }
    uint32_t full = 0x800000u | mantissa; /* subnormal: a multiple of 2^-24 */
    int drop = 13 + (-14 - e);
    if (full & ((1u << drop) - 1u))
        return false;
    *out = (uint16_t)(sign | full >> drop);
    return true;
}

static size_t panels_of(int out_dim)
{
    return ((size_t)out_dim + RS_PANEL - 1) / RS_PANEL;
}

/* Values per panel: in_dim rounded up to pairs for int8. */
static size_t panel_values(const rs_dense_layer *layer)
{
    size_t k = (size_t)layer->in_dim;
    return (layer->dtype == RS_DTYPE_I8 ? (k + 1) / 2 * 2 : k) * RS_PANEL;
}

static size_t value_bytes(rs_dtype dtype)
{
    return dtype == RS_DTYPE_F32 ? sizeof(float) : dtype == RS_DTYPE_F16 ? sizeof(uint16_t) : sizeof(int8_t);
}

size_t rs_dense_bytes(const rs_dense_layer *layer)
{
    size_t scales = layer->scale ? (size_t)layer->out_dim * sizeof(float) : 0;
    return panels_of(layer->out_dim) * panel_values(layer) * value_bytes(layer->dtype) + scales;
}

/* Where W[v, k] sits among the packed values. */
static size_t packed_index(const rs_dense_layer *layer, int v, int k)
{
    size_t panel = (size_t)v / RS_PANEL, j = (size_t)v % RS_PANEL;
    if (layer->dtype == RS_DTYPE_I8)
        return panel * panel_values(layer) + (size_t)(k / 2) * 2 * RS_PANEL + 2 * j + (size_t)(k % 2);
    return panel * panel_values(layer) + (size_t)k * RS_PANEL + j;
}

/* A zeroed buffer for the layer's panels (the rows past out_dim stay zero). */
static void *alloc_panels(const rs_dense_layer *layer, rs_error *err)
{
    size_t values;
    if (!rs_mul_size(panels_of(layer->out_dim), panel_values(layer), &values))
        return rs_fail(err, "out of memory (dense layer %d x %d)", layer->out_dim, layer->in_dim), NULL;
    return rs_calloc_array(values ? values : 1, value_bytes(layer->dtype), "dense layer", err);
}

/* Makes the layer a `dtype` layer (f32 or f16) of W = values [out_dim, in_dim] (of that type), keeping its bias. */
static int pack(rs_dense_layer *layer, rs_dtype dtype, const void *values, int out_dim, int in_dim, rs_error *err)
{
    float *bias = layer->bias;
    rs_dense_free(layer);
    *layer = (rs_dense_layer){out_dim, in_dim, dtype, NULL, NULL, bias};
    if (!(layer->packed = alloc_panels(layer, err)))
        return -1;
    /* panel by panel: rows [v0, v0 + 16) of W become k-major columns of 16 (packed_index's order for f32 and
     * f16), reading each row once in order */
    size_t width = value_bytes(dtype), in = (size_t)in_dim;
    for (int v0 = 0; v0 < out_dim; v0 += RS_PANEL) {
        char *panel = (char *)layer->packed + packed_index(layer, v0, 0) * width;
        int rows = out_dim - v0 < RS_PANEL ? out_dim - v0 : RS_PANEL;
        for (int j = 0; j < rows; j++) {
            const char *row = (const char *)values + (size_t)(v0 + j) * in * width;
            if (width == sizeof(float))
                for (size_t k = 0; k < in; k++)
                    memcpy(panel + (k * RS_PANEL + (size_t)j) * sizeof(float), row + k * sizeof(float),
                           sizeof(float));
            else
                for (size_t k = 0; k < in; k++)
                    memcpy(panel + (k * RS_PANEL + (size_t)j) * sizeof(uint16_t), row + k * sizeof(uint16_t),
                           sizeof(uint16_t));
        }
    }
    return 0;
}

bool rs_floats_to_halves(const float *x, size_t n, uint16_t *out)
{
    for (size_t i = 0; i < n; i++)
        if (!half_of(x[i], &out[i]))
            return false;
    return true;
}

int rs_dense_pack(rs_dense_layer *layer, const float *weight, int out_dim, int in_dim, rs_error *err)
{
    size_t count = (size_t)out_dim * (size_t)in_dim;
    uint16_t *halves = rs_alloc_array(count ? count : 1, sizeof *halves, "dense layer", err);
    if (!halves)
        return -1;
    if (rs_floats_to_halves(weight, count, halves)) {
        int rc = rs_dense_pack_halves(layer, halves, out_dim, in_dim, err);
        free(halves);
        return rc;
    }
    free(halves);
    return pack(layer, RS_DTYPE_F32, weight, out_dim, in_dim, err);
}

int rs_dense_pack_halves(rs_dense_layer *layer, const uint16_t *halves, int out_dim, int in_dim, rs_error *err)
{
    return pack(layer, RS_DTYPE_F16, halves, out_dim, in_dim, err);
}

void rs_dense_row(const rs_dense_layer *layer, int v, float *row)
{
    for (int k = 0; k < layer->in_dim; k++) {
        size_t at = packed_index(layer, v, k);
        switch (layer->dtype) {
        case RS_DTYPE_F32:
            row[k] = ((const float *)layer->packed)[at];
            break;
        case RS_DTYPE_F16:
            rs_kernels_active()->halves_to_floats((const uint16_t *)layer->packed + at, &row[k], 1);
            break;
        case RS_DTYPE_I8:
            row[k] = layer->scale[v] * (float)((const int8_t *)layer->packed)[at];
            break;
        }
    }
}

/* Row v of W as int8 into the packed values, its scale into scale[v]; row is scratch of in_dim floats. */
static void quantize_row(const rs_dense_layer *from, rs_dense_layer *to, int v, float *row)
{
    rs_dense_row(from, v, row);
    float amax = 0.0f;
    for (int k = 0; k < from->in_dim; k++)
        amax = fabsf(row[k]) > amax ? fabsf(row[k]) : amax;
    float scale = amax / 127.0f;
    to->scale[v] = scale;
    for (int k = 0; k < from->in_dim; k++) {
        long q = scale > 0.0f ? lrintf(row[k] / scale) : 0;
        ((int8_t *)to->packed)[packed_index(to, v, k)] = (int8_t)(q > 127 ? 127 : q < -127 ? -127 : q);
    }
}

int rs_dense_quantize(rs_dense_layer *layer, rs_error *err)
{
    if (layer->dtype == RS_DTYPE_I8 || layer->in_dim > RS_I8_MAX_IN)
        return 0;
    rs_dense_layer q = {layer->out_dim, layer->in_dim, RS_DTYPE_I8, NULL, NULL, layer->bias};
    float *row = rs_alloc_array((size_t)layer->in_dim + 1, sizeof *row, "dense layer", err);
    q.packed = row ? alloc_panels(&q, err) : NULL;
    q.scale = q.packed ? rs_alloc_array((size_t)layer->out_dim + 1, sizeof *q.scale, "dense layer", err) : NULL;
    if (!q.scale) {
        free(row);
        free(q.packed);
        return -1;
    }
    for (int v = 0; v < layer->out_dim; v++)
        quantize_row(layer, &q, v, row);
    free(row);
    rs_dense_free(layer);
    *layer = q;
    return 0;
}

void rs_dense_free(rs_dense_layer *layer)
{
    free(layer->packed);
    free(layer->scale);
    layer->packed = NULL;
    layer->scale = NULL;
}

typedef struct dense_job {
    rs_dense_args args;
    void (*kernel)(const rs_dense_args *args, int panel_begin, int panel_end);
} dense_job;

static void dense_panels(void *arg, int begin, int end)
{
    const dense_job *job = arg;
    job->kernel(&job->args, begin, end);
}

void rs_dense_ld(float *out, size_t ld_out, const float *in, size_t ld_in, int n, const rs_dense_layer *layer)
{
    if (n <= 0 || layer->out_dim <= 0)
        return;
    if (layer->in_dim <= 0) {
        for (int i = 0; i < n; i++)
            for (int v = 0; v < layer->out_dim; v++)
                out[(size_t)i * ld_out + (size_t)v] = layer->bias ? layer->bias[v] : 0.0f;
        return;
    }
    const rs_kernels *k = rs_kernels_active();
    dense_job job = {{out, ld_out, in, ld_in, n, layer->out_dim, layer->in_dim, layer->packed, layer->scale,
                      layer->bias},
                     layer->dtype == RS_DTYPE_F32 ? k->dense_f32 : layer->dtype == RS_DTYPE_F16 ? k->dense_f16
                                                                                                 : k->dense_i8};
    /* shares of whole panels: which thread computes an output changes nothing in it */
    rs_parallel_rows(dense_panels, &job, (int)panels_of(layer->out_dim),
                     (double)n * layer->out_dim * layer->in_dim);
}

void rs_dense(float *out, const float *in, int n, const rs_dense_layer *layer)
{
    rs_dense_ld(out, (size_t)layer->out_dim, in, (size_t)layer->in_dim, n, layer);
}
