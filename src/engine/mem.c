#include "mem.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

bool rs_mul_size(size_t a, size_t b, size_t *out)
{
    if (a != 0 && b > SIZE_MAX / a)
        return false;
    *out = a * b;
    return true;
}

bool rs_mul3_size(size_t a, size_t b, size_t c, size_t *out)
{
    size_t ab;
    return rs_mul_size(a, b, &ab) && rs_mul_size(ab, c, out);
}

int rs_reserve(void **buffer, size_t *capacity, size_t count, size_t elem_size, const char *what, rs_error *err)
{
    if (count <= *capacity && *buffer != NULL)
        return 0;
    /* Grow geometrically so a slowly growing need (longer and longer sentences) costs few reallocations. */
    size_t wanted = count;
    if (*capacity <= SIZE_MAX / 2 && wanted < *capacity * 2)
        wanted = *capacity * 2;
    if (wanted == 0)
        wanted = 1;
    size_t bytes;
    if (!rs_mul_size(wanted, elem_size, &bytes))
        return rs_fail(err, "out of memory (%s: %zu elements)", what, count);
    void *grown = realloc(*buffer, bytes);
    if (!grown)
        return rs_fail(err, "out of memory (%s: %zu bytes)", what, bytes);
    *buffer = grown;
    *capacity = wanted;
    return 0;
}

int rs_reserve_at(void *pointer_address, size_t *capacity, size_t count, size_t elem_size, const char *what,
                  rs_error *err)
{
    /* the pointer is copied, not read through a void ** (it may be a T ** for any object type T) */
    void *p;
    memcpy(&p, pointer_address, sizeof p);
    int rc = rs_reserve(&p, capacity, count, elem_size, what, err);
    memcpy(pointer_address, &p, sizeof p);
    return rc;
}

int rs_reserve_zeroed_at(void *pointer_address, size_t *capacity, size_t count, size_t elem_size, const char *what,
                         rs_error *err)
{
    size_t before = *capacity;
    if (rs_reserve_at(pointer_address, capacity, count, elem_size, what, err) < 0)
        return -1;
    unsigned char *p;
    memcpy(&p, pointer_address, sizeof p);
    if (*capacity > before) /* the sizes were checked by rs_reserve */
        memset(p + before * elem_size, 0, (*capacity - before) * elem_size);
    return 0;
}

int rs_reserve_floats(float **buffer, size_t *capacity, size_t count, const char *what, rs_error *err)
{
    void *p = *buffer;
    int rc = rs_reserve(&p, capacity, count, sizeof(float), what, err);
    *buffer = p;
    return rc;
}

void *rs_alloc_array(size_t count, size_t elem_size, const char *what, rs_error *err)
{
    size_t bytes;
    if (!rs_mul_size(count, elem_size, &bytes)) {
        rs_fail(err, "out of memory (%s: %zu elements)", what, count);
        return NULL;
    }
    void *p = malloc(bytes ? bytes : 1);
    if (!p)
        rs_fail(err, "out of memory (%s: %zu bytes)", what, bytes);
    return p;
}

void *rs_calloc_array(size_t count, size_t elem_size, const char *what, rs_error *err)
{
    size_t bytes;
    if (!rs_mul_size(count, elem_size, &bytes)) {
        rs_fail(err, "out of memory (%s: %zu elements)", what, count);
        return NULL;
    }
    void *p = calloc(bytes ? bytes : 1, 1);
    if (!p)
        rs_fail(err, "out of memory (%s: %zu bytes)", what, bytes);
    return p;
}

char *rs_strndup(const char *text, size_t n, rs_error *err)
{
    if (n == SIZE_MAX) {
        rs_fail(err, "out of memory (string)");
        return NULL;
    }
    char *copy = malloc(n + 1);
    if (!copy) {
        rs_fail(err, "out of memory (string of %zu bytes)", n);
        return NULL;
    }
    memcpy(copy, text, n);
    copy[n] = '\0';
    return copy;
}
