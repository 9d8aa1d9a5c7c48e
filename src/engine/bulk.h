/* The fast path of the model loader: the tensors' bulk values ("data" number lists and "base64" strings,
 * nearly all of a model file) are parsed straight into weight buffers by a pre-pass over the text, which
 * hands cJSON a small "skeleton" document with those values blanked out ("data": [] and "base64": "").
 * cJSON still parses and the loader still validates everything else as before.
 *
 * The pre-pass only takes what it can take exactly: strict JSON numbers of at most 63 characters (longer
 * ones are an error for cJSON) converted to the float32 that (float)strtod gives, unescaped base64 strings
 * of the RFC 4648 alphabet with optional '=' padding, regular nestings of at most RS_TENSOR_MAX_DIMS lists.
 * Anything else - an escape, white space inside a base64 string, a number cJSON reads differently, a
 * ragged list, a tensor named twice, a big-endian host - makes it decline, and the loader parses the file
 * the slow way (cJSON alone), which also gives every error message. */
#ifndef RS_BULK_H
#define RS_BULK_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "tensor.h"

/* One tensor's bulk value, parsed. */
typedef struct rs_bulk {
    char *name;     /* the tensor's key in "tensors" */
    bool is_base64; /* a "base64" string, else a "data" list */
    /* data: count numbers as floats. base64: count decoded bytes. The buffer holds capacity bytes (a
     * base64 tensor's room for widening f16 values to f32 when its dtype came after it). */
    void *values;
    size_t count;
    size_t capacity;
    int depth;                       /* data: nesting depth, 1 for a flat list */
    size_t dims[RS_TENSOR_MAX_DIMS]; /* data: the length of the lists at each depth */
} rs_bulk;

typedef struct rs_bulk_table {
    rs_bulk *items; /* in document order */
    size_t count, cap;
    size_t cursor; /* where the next lookup starts: tensors are looked up in document order */
} rs_bulk_table;

/* RS_BULK_DECLINED: the pre-pass does not take this text; parse it the slow way. */
#define RS_BULK_DECLINED 1

/* Scans the JSON text (len bytes, no BOM) and fills *skeleton (malloc'd, skeleton_len bytes) and table.
 * Returns 0, RS_BULK_DECLINED, or -1 when out of memory (err set). When `release` is true the text is a
 * private read-only file mapping whose pages are handed back to the system as the scan passes them. */
int rs_bulk_scan(const char *text, size_t len, bool release, char **skeleton, size_t *skeleton_len,
                 rs_bulk_table *table, rs_error *err);

/* The bulk value of tensor `name`, or NULL. */
rs_bulk *rs_bulk_find(rs_bulk_table *table, const char *name);

void rs_bulk_table_free(rs_bulk_table *table);

/* The float32 that (float)strtod gives for the JSON number s[0 .. len) (strict JSON grammar, checked by the
 * caller); exposed for tests. */
float rs_bulk_number(const char *s, size_t len);

#endif
