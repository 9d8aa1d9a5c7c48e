/* Scratch memory with one owner (llama2.c's RunState, CTranslate2's StorageView): an owner (encoder, decoder,
 * search, translator, explainer) lists its buffers once, in a layout function that gives each buffer's element
 * count for the batch at hand, and the workspace places them all in one block that grows when a batch needs
 * more. Adding a buffer is one line in the layout:
 *
 *     RS_TAKE(ws, d->logprobs, rows, vocab);
 *
 * Growing discards the contents: a workspace holds what one batch computes, not what outlives it. Every size
 * product is checked; a layout that does not fit in memory is reported, never half-placed. */
#ifndef RS_WORKSPACE_H
#define RS_WORKSPACE_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

typedef struct rs_workspace {
    unsigned char *base;
    size_t capacity; /* bytes at base */
    size_t used;     /* bytes placed so far by the running layout */
    bool overflow;   /* a size of the running layout did not fit in size_t */
} rs_workspace;

/* Places the owner's buffers with RS_TAKE, reading the batch's shape from the owner. */
typedef void rs_layout_fn(void *owner, rs_workspace *ws);

void rs_workspace_init(rs_workspace *ws);
void rs_workspace_free(rs_workspace *ws);

/* Runs layout(owner, ws) once to measure, grows the block when it is too small, then once more to place the
 * buffers. On failure (err set, `what` names the owner) the owner's pointers are NULL. */
int rs_workspace_fit(rs_workspace *ws, rs_layout_fn *layout, void *owner, const char *what, rs_error *err);

/* In a layout: room for rows * cols elements of elem_size bytes, 64-byte aligned; NULL while measuring. */
void *rs_workspace_take(rs_workspace *ws, size_t rows, size_t cols, size_t elem_size);

/* Points `buffer` (any typed pointer) at rows * cols elements of its type. */
#define RS_TAKE(ws, buffer, rows, cols) ((buffer) = rs_workspace_take((ws), (rows), (cols), sizeof *(buffer)))

#endif
