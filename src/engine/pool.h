/* A fixed set of worker threads for the matrix products (-t N): one call splits a job into parts that the
 * threads take in turn, and returns when all parts are done. Workers spin briefly between calls (a decoder
 * step makes several calls a few microseconds apart), then sleep. */
#ifndef RS_POOL_H
#define RS_POOL_H

#include "error.h"

typedef struct rs_pool rs_pool;

/* One part of a job. */
typedef void (*rs_pool_fn)(void *arg, int part, int parts);

/* Starts threads - 1 workers (the caller is the last thread). */
int rs_pool_create(rs_pool **pool, int threads, rs_error *err);

/* Stops and joins the workers; NULL is allowed. */
void rs_pool_destroy(rs_pool *pool);

int rs_pool_threads(const rs_pool *pool);

/* Runs fn(arg, part, parts) for every part in [0, parts), each part on whichever thread takes it first (the
 * caller's included), and returns when all are done. More parts than threads keep the threads busy when the
 * machine gives some of them less time. Not reentrant. */
void rs_pool_run(rs_pool *pool, rs_pool_fn fn, void *arg, int parts);

#endif
