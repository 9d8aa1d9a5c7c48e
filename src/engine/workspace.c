#include "workspace.h"

#include <stdint.h>
#include <stdlib.h>

#include "mem.h"

/* A cache line: rows of one buffer never share a line with another buffer, and SIMD loads start aligned. */
#define RS_WORKSPACE_ALIGN 64

void rs_workspace_init(rs_workspace *ws)
{
    ws->base = NULL;
    ws->capacity = 0;
    ws->used = 0;
    ws->overflow = false;
}

void rs_workspace_free(rs_workspace *ws)
{
    free(ws->base);
    rs_workspace_init(ws);
}

void *rs_workspace_take(rs_workspace *ws, size_t rows, size_t cols, size_t elem_size)
{
    size_t bytes, start = ws->used;
    if (start % RS_WORKSPACE_ALIGN)
        start += RS_WORKSPACE_ALIGN - start % RS_WORKSPACE_ALIGN;
    if (!rs_mul3_size(rows, cols, elem_size, &bytes) || start < ws->used || bytes > SIZE_MAX - start) {
        ws->overflow = true;
        return NULL;
    }
    ws->used = start + bytes;
    /* While measuring (no block, or one too small) nothing is placed. */
    if (!ws->base || ws->used > ws->capacity)
        return NULL;
    return ws->base + start;
}

int rs_workspace_fit(rs_workspace *ws, rs_layout_fn *layout, void *owner, const char *what, rs_error *err)
{
    unsigned char *base = ws->base;
    ws->base = NULL; /* measure only */
    ws->used = 0;
    ws->overflow = false;
    layout(owner, ws);
    ws->base = base;
    if (ws->overflow)
        return rs_fail(err, "out of memory (%s: sizes past the address space)", what);
    size_t needed = ws->used;
    if (needed > ws->capacity || !ws->base) {
        /* aligned_alloc wants a multiple of the alignment */
        size_t bytes = needed + (RS_WORKSPACE_ALIGN - needed % RS_WORKSPACE_ALIGN) % RS_WORKSPACE_ALIGN;
        if (bytes < needed)
            return rs_fail(err, "out of memory (%s: %zu bytes)", what, needed);
        if (bytes == 0)
            bytes = RS_WORKSPACE_ALIGN;
        free(ws->base);
        ws->base = aligned_alloc(RS_WORKSPACE_ALIGN, bytes);
        ws->capacity = ws->base ? bytes : 0;
        if (!ws->base)
            return rs_fail(err, "out of memory (%s: %zu bytes)", what, bytes);
    }
    ws->used = 0;
    layout(owner, ws);
    return 0;
}
