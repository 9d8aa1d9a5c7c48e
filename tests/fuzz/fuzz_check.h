/* CHECK for the libFuzzer harnesses: a broken invariant aborts with its line, which libFuzzer reports as a
 * crash and saves the input of. */
#ifndef RS_FUZZ_CHECK_H
#define RS_FUZZ_CHECK_H

#include <stdio.h>
#include <stdlib.h>

#define CHECK(condition)                                                                                      \
    do {                                                                                                      \
        if (!(condition)) {                                                                                   \
            fprintf(stderr, "check failed at %s:%d: %s\n", __FILE__, __LINE__, #condition);                  \
            abort();                                                                                          \
        }                                                                                                     \
    } while (0)

#endif
