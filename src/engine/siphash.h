/* SipHash-1-3 (Aumasson and Bernstein, "SipHash: a fast short-input PRF"): a keyed hash whose collisions cannot
 * be precomputed without the key, so that a crafted vocabulary cannot turn the hash table's lookups quadratic.
 * The key is drawn at random per process (rs_siphash_random_key); the hash only places entries, so results
 * never depend on it. */
#ifndef RS_SIPHASH_H
#define RS_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

typedef struct rs_siphash_key {
    uint64_t k0, k1;
} rs_siphash_key;

uint64_t rs_siphash(const rs_siphash_key *key, const void *data, size_t len);

/* A key from getrandom(2), or /dev/urandom, or (without either) the clock and addresses. */
rs_siphash_key rs_siphash_random_key(void);

#endif
