#include "tensor.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "base64.h"
#include "bulk.h"
#include "loader.h"
#include "mem.h"
#include "ops.h"

float rs_half_to_float(uint16_t half)
{
    uint32_t sign = (uint32_t)(half >> 15) << 31;
    uint32_t exponent = (half >> 10) & 0x1f;
    uint32_t mantissa = half & 0x3ff;
    uint32_t bits;
    if (exponent == 0) {
        if (mantissa == 0) {
            bits = sign;
        } else {
            /* Subnormal: mantissa * 2^-24, exactly representable as a normal f32. */
            float value = ldexpf((float)mantissa, -24);
            return sign ? -value : value;
        }
    } else if (exponent == 0x1f) {
        bits = sign | 0x7f800000u | (mantissa << 13); /* inf or NaN, payload kept */
    } else {
        bits = sign | ((exponent + 127 - 15) << 23) | (mantissa << 13);
    }
    float value;
    memcpy(&value, &bits, sizeof value);
    return value;
}

static void format_shape(char *buf, size_t size, const size_t *shape, int ndim)
{
    size_t used = (size_t)snprintf(buf, size, "[");
    for (int i = 0; i < ndim && used < size; i++)
        used += (size_t)snprintf(buf + used, size - used, "%s%zu", i ? ", " : "", shape[i]);
    if (used < size)
        snprintf(buf + used, size - used, "]");
}

/* Stores one JSON number as a float, refusing what a float cannot hold. */
static int store_number(const cJSON *item, float *dst, const char *name, const char *where, const char *path,
                        size_t index, rs_error *err)
{
    if (!cJSON_IsNumber(item))
        return rs_fail(err, "%s: tensor %s: %s[%zu] is not a number", where, name, path, index);
    double v = item->valuedouble;
    if (!isfinite(v) || !RS_FLOAT32_ROUNDS_FINITE(v))
        return rs_fail(err, "%s: tensor %s: %s[%zu] is not a finite float32 value", where, name, path, index);
    if (dst) /* NULL: only checking */
        *dst = (float)v;
    return 0;
}

/* Walks nested lists that must match shape[depth..] exactly. */
static int read_nested(const cJSON *array, const size_t *shape, int ndim, int depth, float **dst, const char *name,
                       const char *where, char *path, size_t path_cap, rs_error *err)
{
    if (!cJSON_IsArray(array))
        return rs_fail(err, "%s: tensor %s: %s is not a list", where, name, path);
    size_t count = (size_t)cJSON_GetArraySize(array);
    if (count != shape[depth])
        return rs_fail(err, "%s: tensor %s: %s has %zu entries but the shape needs %zu", where, name, path, count,
                       shape[depth]);
    size_t path_len = strlen(path);
    size_t index = 0;
    const cJSON *item;
    cJSON_ArrayForEach(item, array)
    {
        if (depth + 1 == ndim) {
            if (store_number(item, *dst, name, where, path, index, err) < 0)
                return -1;
            if (*dst)
                (*dst)++;
        } else {
            snprintf(path + path_len, path_cap - path_len, "[%zu]", index);
            if (read_nested(item, shape, ndim, depth + 1, dst, name, where, path, path_cap, err) < 0)
                return -1;
            path[path_len] = '\0';
        }
        index++;
    }
    return 0;
}

static int read_numbers(const cJSON *data, const size_t *shape, int ndim, size_t count, float *values,
                        const char *name, const char *where, rs_error *err)
{
    if (!cJSON_IsArray(data))
        return rs_fail(err, "%s: tensor %s: data is not a list", where, name);
    const cJSON *first = data->child;
    if (ndim > 1 && first && cJSON_IsArray(first)) {
        char path[32 + 24 * RS_TENSOR_MAX_DIMS] = "data";
        float *dst = values;
        return read_nested(data, shape, ndim, 0, &dst, name, where, path, sizeof path, err);
    }
    size_t n = (size_t)cJSON_GetArraySize(data);
    if (n != count) {
        char shape_text[128];
        format_shape(shape_text, sizeof shape_text, shape, ndim);
        return rs_fail(err, "%s: tensor %s: data has %zu numbers but shape %s needs %zu", where, name, n,
                       shape_text, count);
    }
    size_t index = 0;
    const cJSON *item;
    cJSON_ArrayForEach(item, data)
    {
        if (store_number(item, values ? values + index : NULL, name, where, "data", index, err) < 0)
            return -1;
        index++;
    }
    return 0;
}

/* The count f16 values of `halves` as f32 (exact). */
static void widen_halves(const void *halves, float *out, size_t count)
{
    if (((uintptr_t)halves & 1) == 0) {
        rs_halves_to_floats(halves, out, count);
        return;
    }
    const unsigned char *bytes = halves;
    for (size_t i = 0; i < count; i++) {
        uint16_t half;
        memcpy(&half, bytes + 2 * i, 2);
        out[i] = rs_half_to_float(half);
    }
}

/* The bits of the little-endian value at p, `width` bytes. */
static uint32_t bits_at(const unsigned char *p, size_t width)
{
    return width == 4 ? (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24
                      : (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

/* The first value of raw[count] (`width` bytes each) that is infinite or NaN (every exponent bit set), or
 * count. */
static size_t first_not_finite(const unsigned char *raw, size_t count, size_t width)
{
    uint32_t exponent = width == 4 ? 0x7f800000u : 0x7c00u;
    uint32_t bad = 0;
    /* no early exit, one loop per width: the common, good tensor in one vectorizable pass */
    if (width == 4)
        for (size_t i = 0; i < count; i++)
            bad |= (bits_at(raw + 4 * i, 4) & exponent) == exponent;
    else
        for (size_t i = 0; i < count; i++)
            bad |= (bits_at(raw + 2 * i, 2) & exponent) == exponent;
    size_t i = 0;
    while (bad && i < count && (bits_at(raw + width * i, width) & exponent) != exponent)
        i++;
    return bad ? i : count;
}

/* A base64 tensor's values from its decoded bytes (a malloc'd buffer, taken over: freed or handed on), for
 * both paths: their number, their finiteness, then the f32 values in *out, or with `half` an f16 tensor's
 * values as stored in *half (*out then NULL). */
static int values_from_bytes(unsigned char *bytes, size_t len, size_t count, size_t width, float **out,
                             uint16_t **half, const char *name, const char *where, rs_error *err)
{
    size_t expected;
    if (!rs_mul_size(count, width, &expected) || len != expected) {
        free(bytes);
        return rs_fail(err, "%s: tensor %s: base64 holds %zu bytes but %zu %s values need %zu", where, name, len,
                       count, width == 2 ? "f16" : "f32", count * width);
    }
    size_t bad = first_not_finite(bytes, count, width);
    if (bad < count) {
        uint32_t bits = bits_at(bytes + width * bad, width);
        bool nan = width == 4 ? (bits & 0x007fffffu) != 0 : (bits & 0x03ffu) != 0;
        free(bytes);
        return rs_fail(err, "%s: tensor %s: value %zu is not finite (%s)", where, name, bad, nan ? "NaN" : "infinity");
    }
    if (width == 2 && !half) {
        float *values = rs_alloc_array(count, sizeof *values, "tensor", err);
        if (values)
            widen_halves(bytes, values, count);
        free(bytes); /* the f16 bytes are not needed again: their memory goes now */
        *out = values;
        return values ? 0 : -1;
    }
    /* f32 values as they are (a little-endian host), or f16 ones for a dense layer (dense.h), in a buffer of
     * their size */
    unsigned char *fitted = realloc(bytes, len ? len : 1);
    if (!fitted) {
        free(bytes);
        return rs_fail(err, "out of memory (tensor: %zu bytes)", len);
    }
    if (width == 2)
        *half = (uint16_t *)(void *)fitted;
    else
        *out = (float *)(void *)fitted;
    return 0;
}

/* The bytes of one stored value: "dtype" absent or "f32" 4, "f16" 2. */
static int value_width(const cJSON *tensor, const char *name, const char *where, size_t *width, rs_error *err)
{
    const cJSON *dtype = cJSON_GetObjectItemCaseSensitive(tensor, "dtype");
    *width = 4;
    if (!dtype || (cJSON_IsString(dtype) && strcmp(dtype->valuestring, "f32") == 0))
        return 0;
    if (cJSON_IsString(dtype) && strcmp(dtype->valuestring, "f16") == 0) {
        *width = 2;
        return 0;
    }
    return rs_fail(err, "%s: tensor %s: dtype must be \"f32\" or \"f16\"", where, name);
}

/* The checks every tensor gets before its values: an object, a shape equal to `expected`, one of "data" and
 * "base64", the dtype. Sets *count to the number of values and *width to the bytes of a stored one. */
static int check_header(const cJSON *tensor, const char *name, const size_t *expected, int ndim, size_t *count,
                        size_t *width, const cJSON **data, const cJSON **b64, const char *where, rs_error *err)
{
    if (!cJSON_IsObject(tensor))
        return rs_fail(err, "%s: tensor %s: expected an object with \"shape\" and \"data\" or \"base64\"", where,
                       name);
    const cJSON *shape = cJSON_GetObjectItemCaseSensitive(tensor, "shape");
    if (!shape)
        return rs_fail(err, "%s: tensor %s: missing \"shape\"", where, name);
    if (!cJSON_IsArray(shape))
        return rs_fail(err, "%s: tensor %s: shape is not a list", where, name);
    size_t dims[RS_TENSOR_MAX_DIMS];
    int given = cJSON_GetArraySize(shape);
    if (given > RS_TENSOR_MAX_DIMS)
        return rs_fail(err, "%s: tensor %s: shape has %d dimensions (at most %d)", where, name, given,
                       RS_TENSOR_MAX_DIMS);
    int i = 0;
    const cJSON *dim;
    cJSON_ArrayForEach(dim, shape)
    {
        if (!cJSON_IsNumber(dim) || !(dim->valuedouble >= 0 && dim->valuedouble <= 1e15) ||
            dim->valuedouble != floor(dim->valuedouble))
            return rs_fail(err, "%s: tensor %s: shape[%d] is not a non-negative integer", where, name, i);
        dims[i++] = (size_t)dim->valuedouble;
    }
    bool same = given == ndim;
    for (int d = 0; same && d < ndim; d++)
        same = dims[d] == expected[d];
    if (!same) {
        char got_text[128], want_text[128];
        format_shape(got_text, sizeof got_text, dims, given);
        format_shape(want_text, sizeof want_text, expected, ndim);
        return rs_fail(err, "%s: tensor %s: shape %s but config needs %s", where, name, got_text, want_text);
    }
    *count = 1;
    for (int d = 0; d < ndim; d++)
        if (!rs_mul_size(*count, expected[d], count))
            return rs_fail(err, "%s: tensor %s: too large", where, name);

    *data = cJSON_GetObjectItemCaseSensitive(tensor, "data");
    *b64 = cJSON_GetObjectItemCaseSensitive(tensor, "base64");
    if (*data && *b64)
        return rs_fail(err, "%s: tensor %s: has both \"data\" and \"base64\"", where, name);
    if (!*data && !*b64)
        return rs_fail(err, "%s: tensor %s: missing \"data\" or \"base64\"", where, name);
    return value_width(tensor, name, where, width, err);
}

int rs_tensor_check_header(const cJSON *tensor, const char *name, const size_t *expected, int ndim, const char *where,
                           rs_error *err)
{
    size_t count, width;
    const cJSON *data, *b64;
    return check_header(tensor, name, expected, ndim, &count, &width, &data, &b64, where, err);
}

int rs_tensor_decode(const cJSON *tensor, const char *name, const size_t *expected, int ndim, float **out,
                     const char *where, rs_error *err)
{
    *out = NULL;
    size_t count, width;
    const cJSON *data, *b64;
    if (check_header(tensor, name, expected, ndim, &count, &width, &data, &b64, where, err) < 0)
        return -1;
    if (b64) {
        if (!cJSON_IsString(b64))
            return rs_fail(err, "%s: tensor %s: base64 is not a string", where, name);
        size_t len = strlen(b64->valuestring);
        /* A file may declare a tensor far larger than the data it holds: nothing is allocated for values the
         * string cannot hold. */
        if (len / 4 * 3 + 2 < count * 2) /* f16: 2 bytes a value */
            return rs_fail(err, "%s: tensor %s: base64 holds at most %zu bytes but %zu values need at least %zu",
                           where, name, len / 4 * 3 + 2, count, count * 2);
        unsigned char *bytes;
        size_t n;
        rs_error b64_err;
        if (rs_base64_decode(b64->valuestring, len, &bytes, &n, &b64_err) < 0)
            return rs_fail(err, "%s: tensor %s: %s", where, name, b64_err.message);
        return values_from_bytes(bytes, n, count, width, out, NULL, name, where, err);
    }
    /* The same for a list: its size is checked before the values are allocated (with values NULL,
     * read_numbers only checks). */
    if (cJSON_IsArray(data) &&
        ((ndim > 1 && data->child && cJSON_IsArray(data->child)) || (size_t)cJSON_GetArraySize(data) != count) &&
        read_numbers(data, expected, ndim, count, NULL, name, where, err) < 0)
        return -1;
    float *values = rs_alloc_array(count, sizeof *values, "tensor", err);
    if (!values)
        return -1;
    if (read_numbers(data, expected, ndim, count, values, name, where, err) < 0) {
        free(values);
        return -1;
    }
    *out = values;
    return 0;
}

int rs_tensor_decode_bulk(const cJSON *tensor, const char *name, const size_t *expected, int ndim, rs_bulk *bulk,
                          float **out, uint16_t **half, const char *where, rs_error *err)
{
    *out = NULL;
    if (half)
        *half = NULL;
    size_t count, width;
    const cJSON *data, *b64;
    if (check_header(tensor, name, expected, ndim, &count, &width, &data, &b64, where, err) < 0)
        return -1;
    size_t bytes;
    if (!rs_mul_size(count, sizeof(float), &bytes))
        return rs_fail(err, "%s: tensor %s: too large", where, name);
    if (bulk->is_base64 ? !b64 : !data)
        return rs_fail(err, "%s: tensor %s: the pre-pass read another value", where, name);
    unsigned char *values = bulk->values; /* taken over */
    bulk->values = NULL;
    bulk->capacity = 0;
    if (bulk->is_base64)
        return values_from_bytes(values, bulk->count, count, width, out, half, name, where, err);
    bool matches = bulk->depth == 1 ? bulk->count == count : ndim > 1 && bulk->depth == ndim;
    for (int d = 0; matches && bulk->depth > 1 && d < ndim; d++)
        matches = bulk->dims[d] == expected[d];
    if (!matches) {
        free(values);
        return rs_fail(err, "%s: tensor %s: data does not match the shape", where, name);
    }
    float *fitted = realloc(values, bytes ? bytes : 1);
    if (!fitted) {
        free(values);
        return rs_fail(err, "out of memory (tensor: %zu bytes)", bytes);
    }
    *out = fitted;
    return 0;
}
