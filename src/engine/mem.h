/* Allocation helpers: overflow-checked sizes and grow-only buffers, so the per-sentence work areas can be
 * reused without per-step allocation. */
#ifndef RS_MEM_H
#define RS_MEM_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

/* *out = a * b; false when that overflows size_t. */
bool rs_mul_size(size_t a, size_t b, size_t *out);

/* *out = a * b * c; false on overflow. */
bool rs_mul3_size(size_t a, size_t b, size_t c, size_t *out);

/* Makes *buffer hold at least `count` elements of `elem_size` bytes (contents kept, new space unset).
 * `what` names the buffer for the out-of-memory message. */
int rs_reserve(void **buffer, size_t *capacity, size_t count, size_t elem_size, const char *what, rs_error *err);

/* rs_reserve for a pointer variable of any object type: RS_RESERVE(ptr, cap, count, what, err) makes `ptr`
 * hold at least `count` elements of sizeof *ptr bytes. */
#define RS_RESERVE(ptr, cap, count, what, err) rs_reserve_at(&(ptr), &(cap), (count), sizeof *(ptr), (what), (err))
int rs_reserve_at(void *pointer_address, size_t *capacity, size_t count, size_t elem_size, const char *what,
                  rs_error *err);

/* rs_reserve for float buffers. */
int rs_reserve_floats(float **buffer, size_t *capacity, size_t count, const char *what, rs_error *err);

/* malloc of count * elem_size bytes with the overflow check; NULL (err set) on failure. */
void *rs_alloc_array(size_t count, size_t elem_size, const char *what, rs_error *err);

/* Like rs_alloc_array but zero-filled. */
void *rs_calloc_array(size_t count, size_t elem_size, const char *what, rs_error *err);

/* strdup of n bytes, NUL-terminated; NULL (err set) on failure. */
char *rs_strndup(const char *text, size_t n, rs_error *err);

#endif
