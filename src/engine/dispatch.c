/* The one dispatch point of kernels.h: which table of kernels.c this CPU runs. */
#include "kernels.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

extern const rs_kernels rs_kernels_portable;
extern const rs_kernels rs_kernels_portable_wide; /* kernels_wide.c: for tests, never chosen */
#ifdef RS_X86_KERNELS /* the Makefile builds kernels_avx2.o and kernels_avx512.o */
extern const rs_kernels rs_kernels_avx2;
extern const rs_kernels rs_kernels_avx512;
#endif

const rs_kernels *rs_kernels_for(const char *isa)
{
    if (strcmp(isa, "portable") == 0)
        return &rs_kernels_portable;
    if (strcmp(isa, "portable-wide") == 0)
        return &rs_kernels_portable_wide;
#ifdef RS_X86_KERNELS
    __builtin_cpu_init();
    bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c");
    if (strcmp(isa, "avx2") == 0)
        return avx2 ? &rs_kernels_avx2 : NULL;
    if (strcmp(isa, "avx512") == 0)
        return avx2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") ? &rs_kernels_avx512
                                                                                                : NULL;
#endif
    return NULL;
}

static const rs_kernels *chosen;

static void choose(void)
{
    static const char *const best_first[] = {"avx512", "avx2", "portable"};
    const char *wanted = getenv("RNNSEARCH_ISA");
    size_t start = 0;
    for (size_t i = 0; wanted && i < sizeof best_first / sizeof *best_first; i++)
        if (strcmp(wanted, best_first[i]) == 0)
            start = i;
    for (size_t i = start; !chosen; i++)
        chosen = rs_kernels_for(best_first[i]);
}

const rs_kernels *rs_kernels_active(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, choose);
    return chosen;
}
