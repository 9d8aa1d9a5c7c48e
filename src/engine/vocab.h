/* A vocabulary: id -> string (the model's list) and string -> id (a hash map). A string listed twice keeps
 * its first id, as Python's dict.setdefault over the list does (scripts/model.py). */
#ifndef RS_VOCAB_H
#define RS_VOCAB_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "siphash.h"

typedef struct rs_vocab {
    char *text;      /* all strings, each NUL-terminated */
    size_t *offsets; /* offsets[id]: start of string id in text */
    size_t *lengths;
    size_t size;
    int32_t *slots; /* open addressing table of ids, -1 = empty; slot_count is a power of two */
    size_t slot_count;
    rs_siphash_key key; /* the table's hash key, random per vocabulary (siphash.h) */
} rs_vocab;

void rs_vocab_init(rs_vocab *vocab);
void rs_vocab_free(rs_vocab *vocab);

/* Builds the vocabulary from `count` strings (lengths given; copied). */
int rs_vocab_build(rs_vocab *vocab, const char *const *strings, const size_t *lengths, size_t count,
                   rs_error *err);

/* The id of the string, or -1 when absent. */
int32_t rs_vocab_find(const rs_vocab *vocab, const char *string, size_t len);

static inline const char *rs_vocab_string(const rs_vocab *vocab, int32_t id) { return vocab->text + vocab->offsets[id]; }

#endif
