/* Sentence splitting of an input line (README.md "Several sentences on one line" states the rules): a line
 * holding several sentences is translated sentence by sentence, so that none is dropped. */
#ifndef RS_SENTENCES_H
#define RS_SENTENCES_H

#include <stddef.h>

#include "error.h"

typedef struct rs_span {
    size_t start, len; /* bytes of the line */
} rs_span;

/* Splits text[0 .. len) (any bytes) into sentences, written to (*spans)[0 .. *count) (grown as needed, *cap its
 * capacity). The first span starts at 0 and the last ends at len; between two spans lies only whitespace.
 * Always at least one span. `language` (an ISO 639 code such as "de"; NULL or "" for unknown) picks the
 * abbreviations that do not end a sentence: unknown takes all of them. */
int rs_split_sentences(const char *text, size_t len, const char *language, rs_span **spans, size_t *cap,
                       int *count, rs_error *err);

#endif
