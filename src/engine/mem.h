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

/* rs_reserve for a pointer variable of any object type (pointer_address: a T ** for any T); RS_GROW below. */
int rs_reserve_at(void *pointer_address, size_t *capacity, size_t count, size_t elem_size, const char *what,
                  rs_error *err);

/* rs_reserve_at with the new elements (up to the new capacity) zeroed. */
int rs_reserve_zeroed_at(void *pointer_address, size_t *capacity, size_t count, size_t elem_size, const char *what,
                         rs_error *err);

/* A growable array that knows its capacity, for buffers that keep their contents as they grow (a workspace's
 * buffers, workspace.h, do not): one line a buffer in a struct,
 *     RS_GROWABLE(int32_t) ids;
 * then RS_GROW(x->ids, n, "what", err) for room for n elements, x->ids.at[i] for one, free(x->ids.at) at the
 * end. RS_GROW_ZEROED zeroes the new elements, for elements that own memory (freed up to .cap). */
#define RS_GROWABLE(type) \
    struct {              \
        type *at;         \
        size_t cap;       \
    }
#define RS_GROW(array, count, what, err) \
    rs_reserve_at(&(array).at, &(array).cap, (count), sizeof *(array).at, (what), (err))
#define RS_GROW_ZEROED(array, count, what, err) \
    rs_reserve_zeroed_at(&(array).at, &(array).cap, (count), sizeof *(array).at, (what), (err))

/* rs_reserve for float buffers. */
int rs_reserve_floats(float **buffer, size_t *capacity, size_t count, const char *what, rs_error *err);

/* malloc of count * elem_size bytes with the overflow check; NULL (err set) on failure. */
void *rs_alloc_array(size_t count, size_t elem_size, const char *what, rs_error *err);

/* Like rs_alloc_array but zero-filled. */
void *rs_calloc_array(size_t count, size_t elem_size, const char *what, rs_error *err);

/* strdup of n bytes, NUL-terminated; NULL (err set) on failure. */
char *rs_strndup(const char *text, size_t n, rs_error *err);

#endif
