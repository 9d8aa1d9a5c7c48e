#include "tensor.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bulk.h"
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

int rs_base64_decode(const char *text, size_t len, unsigned char **out, size_t *out_len, rs_error *err)
{
    signed char value[256];
    memset(value, -1, sizeof value);
    static const char ALPHABET[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (int i = 0; i < 64; i++)
        value[(unsigned char)ALPHABET[i]] = (signed char)i;

    unsigned char *bytes = rs_alloc_array(len / 4 * 3 + 3, 1, "tensor data", err);
    if (!bytes)
        return -1;
    const unsigned char *s = (const unsigned char *)text;
    size_t n = 0, i = 0;
    /* Fast path: whole groups of four alphabet characters. */
    while (i + 4 <= len) {
        int a = value[s[i]], b = value[s[i + 1]], c = value[s[i + 2]], d = value[s[i + 3]];
        if ((a | b | c | d) < 0)
            break;
        uint32_t group = (uint32_t)a << 18 | (uint32_t)b << 12 | (uint32_t)c << 6 | (uint32_t)d;
        bytes[n++] = (unsigned char)(group >> 16);
        bytes[n++] = (unsigned char)(group >> 8);
        bytes[n++] = (unsigned char)group;
        i += 4;
    }
    /* The rest, one character at a time: padding, whitespace, errors. */
    size_t digits = 0, padding = 0;
    uint32_t group = 0;
    for (; i < len; i++) {
        unsigned char c = s[i];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
            continue;
        if (c == '=') {
            padding++;
            continue;
        }
        int v = value[c];
        if (v < 0 || padding > 0) {
            free(bytes);
            if (v < 0)
                return rs_fail(err, "base64: invalid character at offset %zu", i);
            return rs_fail(err, "base64: data after '=' padding at offset %zu", i);
        }
        group = group << 6 | (uint32_t)v;
        if (++digits == 4) {
            bytes[n++] = (unsigned char)(group >> 16);
            bytes[n++] = (unsigned char)(group >> 8);
            bytes[n++] = (unsigned char)group;
            digits = 0;
            group = 0;
        }
    }
    bool bad_padding = padding > 2 || (padding > 0 && (digits + padding) % 4 != 0);
    if (digits == 1 || bad_padding) {
        free(bytes);
        return rs_fail(err, "base64: truncated or badly padded");
    }
    if (digits == 2) {
        bytes[n++] = (unsigned char)(group >> 4);
    } else if (digits == 3) {
        bytes[n++] = (unsigned char)(group >> 10);
        bytes[n++] = (unsigned char)(group >> 2);
    }
    *out = bytes;
    *out_len = n;
    return 0;
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

static int read_base64(const cJSON *tensor, const cJSON *b64, size_t count, float *values, const char *name,
                       const char *where, rs_error *err)
{
    if (!cJSON_IsString(b64))
        return rs_fail(err, "%s: tensor %s: base64 is not a string", where, name);
    const cJSON *dtype = cJSON_GetObjectItemCaseSensitive(tensor, "dtype");
    size_t width = 4;
    if (dtype) {
        if (cJSON_IsString(dtype) && strcmp(dtype->valuestring, "f32") == 0)
            width = 4;
        else if (cJSON_IsString(dtype) && strcmp(dtype->valuestring, "f16") == 0)
            width = 2;
        else
            return rs_fail(err, "%s: tensor %s: dtype must be \"f32\" or \"f16\"", where, name);
    }
    unsigned char *bytes;
    size_t len;
    rs_error b64_err;
    if (rs_base64_decode(b64->valuestring, strlen(b64->valuestring), &bytes, &len, &b64_err) < 0)
        return rs_fail(err, "%s: tensor %s: %s", where, name, b64_err.message);
    size_t expected;
    if (!rs_mul_size(count, width, &expected) || len != expected) {
        free(bytes);
        return rs_fail(err, "%s: tensor %s: base64 holds %zu bytes but %zu %s values need %zu", where, name, len,
                       count, width == 2 ? "f16" : "f32", count * width);
    }
    for (size_t i = 0; i < count; i++) {
        const unsigned char *p = bytes + i * width;
        float v;
        if (width == 2) {
            v = rs_half_to_float((uint16_t)(p[0] | p[1] << 8));
        } else {
            uint32_t bits = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
            memcpy(&v, &bits, sizeof v);
        }
        if (!isfinite(v)) {
            free(bytes);
            return rs_fail(err, "%s: tensor %s: value %zu is not finite (%s)", where, name, i,
                           isnan(v) ? "NaN" : "infinity");
        }
        values[i] = v;
    }
    free(bytes);
    return 0;
}

/* The checks every tensor gets before its values: an object, a shape equal to `expected`, one of "data" and
 * "base64". Sets *count to the number of values. */
static int check_header(const cJSON *tensor, const char *name, const size_t *expected, int ndim, size_t *count,
                        const cJSON **data, const cJSON **b64, const char *where, rs_error *err)
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
    const cJSON *dtype = cJSON_GetObjectItemCaseSensitive(tensor, "dtype");
    if (*data && dtype && !(cJSON_IsString(dtype) && (strcmp(dtype->valuestring, "f32") == 0 ||
                                                      strcmp(dtype->valuestring, "f16") == 0)))
        return rs_fail(err, "%s: tensor %s: dtype must be \"f32\" or \"f16\"", where, name);
    return 0;
}

int rs_tensor_check_header(const cJSON *tensor, const char *name, const size_t *expected, int ndim, const char *where,
                           rs_error *err)
{
    size_t count;
    const cJSON *data, *b64;
    return check_header(tensor, name, expected, ndim, &count, &data, &b64, where, err);
}

int rs_tensor_decode(const cJSON *tensor, const char *name, const size_t *expected, int ndim, float **out,
                     const char *where, rs_error *err)
{
    *out = NULL;
    size_t count;
    const cJSON *data, *b64;
    if (check_header(tensor, name, expected, ndim, &count, &data, &b64, where, err) < 0)
        return -1;
    /* A file may declare a tensor far larger than the data it holds: the data's size is checked before the
     * values are allocated (with values NULL, read_numbers only checks). */
    if (data && cJSON_IsArray(data) &&
        ((ndim > 1 && data->child && cJSON_IsArray(data->child)) || (size_t)cJSON_GetArraySize(data) != count) &&
        read_numbers(data, expected, ndim, count, NULL, name, where, err) < 0)
        return -1;
    if (b64 && cJSON_IsString(b64) && strlen(b64->valuestring) / 4 * 3 + 2 < count * 2) /* f16: 2 bytes a value */
        return rs_fail(err, "%s: tensor %s: base64 holds at most %zu bytes but %zu values need at least %zu", where,
                       name, strlen(b64->valuestring) / 4 * 3 + 2, count, count * 2);
    float *values = rs_alloc_array(count, sizeof *values, "tensor", err);
    if (!values)
        return -1;
    int rc = data ? read_numbers(data, expected, ndim, count, values, name, where, err)
                  : read_base64(tensor, b64, count, values, name, where, err);
    if (rc < 0) {
        free(values);
        return -1;
    }
    *out = values;
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

/* Shrinks (or grows) a bulk buffer to exactly `bytes`. */
static int fit(rs_bulk *bulk, size_t bytes, rs_error *err)
{
    if (bulk->values && bulk->capacity == bytes)
        return 0;
    void *p = realloc(bulk->values, bytes ? bytes : 1);
    if (!p)
        return rs_fail(err, "out of memory (tensor: %zu bytes)", bytes);
    bulk->values = p;
    bulk->capacity = bytes;
    return 0;
}

int rs_tensor_decode_bulk(const cJSON *tensor, const char *name, const size_t *expected, int ndim, rs_bulk *bulk,
                          float **out, uint16_t **half, const char *where, rs_error *err)
{
    *out = NULL;
    if (half)
        *half = NULL;
    size_t count;
    const cJSON *data, *b64;
    if (check_header(tensor, name, expected, ndim, &count, &data, &b64, where, err) < 0)
        return -1;
    size_t bytes;
    if (!rs_mul_size(count, sizeof(float), &bytes))
        return rs_fail(err, "%s: tensor %s: too large", where, name);
    if (bulk->is_base64) {
        const cJSON *dtype = cJSON_GetObjectItemCaseSensitive(tensor, "dtype");
        size_t width = 4;
        if (dtype) {
            if (cJSON_IsString(dtype) && strcmp(dtype->valuestring, "f32") == 0)
                width = 4;
            else if (cJSON_IsString(dtype) && strcmp(dtype->valuestring, "f16") == 0)
                width = 2;
            else
                return rs_fail(err, "%s: tensor %s: dtype must be \"f32\" or \"f16\"", where, name);
        }
        if (!b64 || bulk->count != count * width)
            return rs_fail(err, "%s: tensor %s: base64 holds %zu bytes but %zu values need %zu", where, name,
                           bulk->count, count, count * width);
        const unsigned char *raw = bulk->values;
        uint32_t bad = 0;
        if (width == 4) {
            for (size_t i = 0; i < count; i++) {
                uint32_t bits;
                memcpy(&bits, raw + 4 * i, 4);
                bad |= (bits & 0x7f800000u) == 0x7f800000u;
            }
        } else {
            for (size_t i = 0; i < count; i++) {
                uint16_t bits;
                memcpy(&bits, raw + 2 * i, 2);
                bad |= (bits & 0x7c00u) == 0x7c00u;
            }
        }
        if (bad)
            return rs_fail(err, "%s: tensor %s: a value is not finite", where, name);
        if (width == 2 && half) { /* the f16 values themselves, for a dense layer (dense.h) */
            if (fit(bulk, count * 2, err) < 0)
                return -1;
            *half = bulk->values;
            bulk->values = NULL;
            bulk->capacity = 0;
            return 0;
        }
        if (width == 2) {
            float *values = rs_alloc_array(count, sizeof *values, "tensor", err);
            if (!values)
                return -1;
            widen_halves(bulk->values, values, count);
            free(bulk->values); /* the f16 bytes are not needed again: their memory goes now */
            bulk->values = NULL;
            bulk->capacity = 0;
            *out = values;
            return 0;
        }
    } else {
        bool matches = bulk->depth == 1 ? bulk->count == count : ndim > 1 && bulk->depth == ndim;
        for (int d = 0; matches && bulk->depth > 1 && d < ndim; d++)
            matches = bulk->dims[d] == expected[d];
        if (!data || !matches)
            return rs_fail(err, "%s: tensor %s: data does not match the shape", where, name);
    }
    if (fit(bulk, bytes, err) < 0)
        return -1;
    *out = bulk->values;
    bulk->values = NULL;
    bulk->capacity = 0;
    return 0;
}
