/* Allocation-failure injection for the test build build/faults/rnnsearch (make faults; tests/test_faults.py),
 * SQLite style: RS_FAIL_ALLOC=N makes the Nth allocation of rnnsearch's own code (malloc, calloc, realloc,
 * cJSON's through its hooks) return NULL, once. The build links with -Wl,--wrap for those functions, so
 * libc's internal allocations are neither counted nor failed.
 *
 * Every block the wrapped functions hand out is tracked; at exit, blocks still live are leaks and are reported
 * on standard error ("alloc-faults: N blocks leaked"), which the test counts as a failure. RS_COUNT_ALLOC=1
 * reports the number of allocations at exit instead ("alloc-faults: N allocations"), for the test's loop. */
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void *__real_malloc(size_t size);
void *__real_calloc(size_t count, size_t size);
void *__real_realloc(void *p, size_t size);
void __real_free(void *p);

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned long long allocations, fail_at;
static void **live; /* open addressing set of the live blocks; NULL slots are empty, TOMBSTONE removed */
static size_t live_cap, live_used, live_count;
static char tombstone;
#define TOMBSTONE ((void *)&tombstone)

static size_t slot_of(void *p)
{
    return (size_t)(((uintptr_t)p >> 4) * 0x9e3779b97f4a7c15ULL) & (live_cap - 1);
}

static void insert(void *p);

static void grow(void)
{
    void **old = live;
    size_t old_cap = live_cap;
    live_cap = live_cap ? live_cap * 2 : 1024;
    live = __real_calloc(live_cap, sizeof *live);
    if (!live)
        abort();
    live_used = live_count = 0;
    for (size_t i = 0; i < old_cap; i++)
        if (old[i] && old[i] != TOMBSTONE)
            insert(old[i]);
    __real_free(old);
}

static void insert(void *p)
{
    if ((live_used + 1) * 2 > live_cap)
        grow();
    size_t i = slot_of(p);
    while (live[i] && live[i] != TOMBSTONE)
        i = (i + 1) & (live_cap - 1);
    if (!live[i])
        live_used++;
    live[i] = p;
    live_count++;
}

static void erase(void *p)
{
    if (!live_cap)
        return;
    for (size_t i = slot_of(p); live[i]; i = (i + 1) & (live_cap - 1))
        if (live[i] == p) {
            live[i] = TOMBSTONE;
            live_count--;
            return;
        }
}

/* Counts an allocation; true when this one is to fail. */
static bool should_fail(void)
{
    return ++allocations == fail_at;
}

void *__wrap_malloc(size_t size)
{
    pthread_mutex_lock(&lock);
    void *p = should_fail() ? NULL : __real_malloc(size);
    if (p)
        insert(p);
    pthread_mutex_unlock(&lock);
    return p;
}

void *__wrap_calloc(size_t count, size_t size)
{
    pthread_mutex_lock(&lock);
    void *p = should_fail() ? NULL : __real_calloc(count, size);
    if (p)
        insert(p);
    pthread_mutex_unlock(&lock);
    return p;
}

void *__wrap_realloc(void *old, size_t size)
{
    pthread_mutex_lock(&lock);
    void *p = should_fail() ? NULL : __real_realloc(old, size);
    if (p) {
        if (old)
            erase(old);
        insert(p);
    }
    pthread_mutex_unlock(&lock);
    return p;
}

void __wrap_free(void *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&lock);
    erase(p); /* blocks libc allocated (realpath, getline) are not in the set */
    pthread_mutex_unlock(&lock);
    __real_free(p);
}

static void report(void)
{
    if (getenv("RS_COUNT_ALLOC"))
        fprintf(stderr, "alloc-faults: %llu allocations\n", allocations);
    else if (live_count)
        fprintf(stderr, "alloc-faults: %zu blocks leaked\n", live_count);
}

__attribute__((constructor)) static void start(void)
{
    const char *n = getenv("RS_FAIL_ALLOC");
    fail_at = n ? strtoull(n, NULL, 10) : 0;
    atexit(report); /* registered first, so it runs after every other exit handler (the thread pool's) */
}
