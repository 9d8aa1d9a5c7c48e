#include "pool.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define cpu_relax() _mm_pause()
#else
#define cpu_relax() ((void)0)
#endif

/* How long a worker polls for the next call before it sleeps: longer than the gaps between the products of
 * one decoder step, short enough not to hold a core when the program waits for input. */
#define RS_SPIN_NS 200000L

struct rs_pool {
    int threads;
    pthread_t *workers;
    int started;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    atomic_uint generation; /* bumped by every call: wakes the workers */
    /* The call's parts, claimed one at a time by whichever thread comes first: generation (24 bits), parts
     * (20 bits), next part to take (20 bits). A worker that wakes late finds nothing left to take and leaves
     * the call alone, so the caller never waits for a thread that did not start (the machine may have fewer
     * free cores than threads). */
    _Atomic uint64_t claim;
    atomic_int done; /* parts finished */
    atomic_bool stop;
    rs_pool_fn fn; /* read only after a part is claimed: stable until every part is done */
    void *arg;
};

#define PART_BITS 20
#define PART_MASK ((UINT64_C(1) << PART_BITS) - 1)
#define GEN_MASK ((UINT64_C(1) << 24) - 1)

static long long now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Returns the next generation after `seen`, or `seen` itself when the pool stops. */
static unsigned wait_for_call(rs_pool *pool, unsigned seen)
{
    long long deadline = 0;
    for (unsigned spins = 0;; spins++) {
        unsigned g = atomic_load_explicit(&pool->generation, memory_order_acquire);
        if (g != seen || atomic_load_explicit(&pool->stop, memory_order_acquire))
            return g;
        cpu_relax();
        if ((spins & 255) == 255) {
            long long t = now_ns();
            if (!deadline)
                deadline = t + RS_SPIN_NS;
            else if (t > deadline)
                break;
        }
    }
    pthread_mutex_lock(&pool->lock);
    unsigned g;
    while ((g = atomic_load_explicit(&pool->generation, memory_order_acquire)) == seen &&
           !atomic_load_explicit(&pool->stop, memory_order_acquire))
        pthread_cond_wait(&pool->wake, &pool->lock);
    pthread_mutex_unlock(&pool->lock);
    return g;
}

/* Takes and runs parts of call `gen` until none is left. */
static void run_parts(rs_pool *pool, uint64_t gen)
{
    uint64_t c = atomic_load_explicit(&pool->claim, memory_order_acquire);
    for (;;) {
        uint64_t parts = (c >> PART_BITS) & PART_MASK, next = c & PART_MASK;
        if ((c >> (2 * PART_BITS)) != gen || next >= parts)
            return;
        if (!atomic_compare_exchange_weak_explicit(&pool->claim, &c, c + 1, memory_order_acq_rel,
                                                   memory_order_acquire))
            continue;
        pool->fn(pool->arg, (int)next, (int)parts);
        atomic_fetch_add_explicit(&pool->done, 1, memory_order_release);
        c = atomic_load_explicit(&pool->claim, memory_order_acquire);
    }
}

static void *worker_main(void *arg)
{
    rs_pool *pool = arg;
    /* 0, the generation the pool was created with: a call made before this thread got to run is still
     * ahead of it */
    unsigned seen = 0;
    for (;;) {
        seen = wait_for_call(pool, seen);
        if (atomic_load_explicit(&pool->stop, memory_order_acquire))
            return NULL;
        run_parts(pool, seen & GEN_MASK);
    }
}

int rs_pool_create(rs_pool **out, int threads, rs_error *err)
{
    *out = NULL;
    if (threads < 1)
        threads = 1;
    rs_pool *pool = calloc(1, sizeof *pool);
    if (!pool)
        return rs_fail(err, "out of memory (thread pool)");
    pool->threads = threads;
    atomic_init(&pool->generation, 0);
    atomic_init(&pool->claim, 0);
    atomic_init(&pool->done, 0);
    atomic_init(&pool->stop, false);
    if (pthread_mutex_init(&pool->lock, NULL) != 0) {
        free(pool);
        return rs_fail(err, "cannot create the thread pool");
    }
    if (pthread_cond_init(&pool->wake, NULL) != 0) {
        pthread_mutex_destroy(&pool->lock);
        free(pool);
        return rs_fail(err, "cannot create the thread pool");
    }
    if (threads > 1) {
        pool->workers = calloc((size_t)threads - 1, sizeof *pool->workers);
        if (!pool->workers) {
            rs_pool_destroy(pool);
            return rs_fail(err, "out of memory (thread pool)");
        }
    }
    for (int i = 1; i < threads; i++) {
        if (pthread_create(&pool->workers[i - 1], NULL, worker_main, pool) != 0) {
            rs_pool_destroy(pool);
            return rs_fail(err, "cannot start %d threads", threads);
        }
        pool->started++;
    }
    *out = pool;
    return 0;
}

void rs_pool_destroy(rs_pool *pool)
{
    if (!pool)
        return;
    pthread_mutex_lock(&pool->lock);
    atomic_store_explicit(&pool->stop, true, memory_order_release);
    pthread_cond_broadcast(&pool->wake);
    pthread_mutex_unlock(&pool->lock);
    for (int i = 0; i < pool->started; i++)
        pthread_join(pool->workers[i], NULL);
    pthread_cond_destroy(&pool->wake);
    pthread_mutex_destroy(&pool->lock);
    free(pool->workers);
    free(pool);
}

int rs_pool_threads(const rs_pool *pool)
{
    return pool ? pool->threads : 1;
}

void rs_pool_run(rs_pool *pool, rs_pool_fn fn, void *arg, int parts)
{
    if (parts < 1)
        parts = 1;
    if (pool->threads == 1 || parts == 1) {
        for (int p = 0; p < parts; p++)
            fn(arg, p, parts);
        return;
    }
    if ((uint64_t)parts > PART_MASK)
        parts = (int)PART_MASK;
    /* Every part of the previous call is done, so no thread reads fn and arg now. */
    pool->fn = fn;
    pool->arg = arg;
    atomic_store_explicit(&pool->done, 0, memory_order_relaxed);
    unsigned gen = atomic_load_explicit(&pool->generation, memory_order_relaxed) + 1;
    uint64_t tag = (uint64_t)(gen & GEN_MASK);
    atomic_store_explicit(&pool->claim, tag << (2 * PART_BITS) | (uint64_t)parts << PART_BITS, memory_order_release);
    /* Under the lock, so that a worker about to sleep sees the new generation or gets the broadcast. */
    pthread_mutex_lock(&pool->lock);
    atomic_store_explicit(&pool->generation, gen, memory_order_release);
    pthread_cond_broadcast(&pool->wake);
    pthread_mutex_unlock(&pool->lock);
    run_parts(pool, tag);
    /* Only parts that other threads took and are running remain. */
    for (unsigned spins = 0; atomic_load_explicit(&pool->done, memory_order_acquire) < parts; spins++) {
        if (spins < 4096)
            cpu_relax();
        else
            sched_yield();
    }
}
