/* rng.h - the one random number generator: xoshiro256** seeded through splitmix64.
 * Every random draw in wordpipe derives from (seed, stream), so one thread and one seed
 * give bit-for-bit the same results everywhere. */
#ifndef WP_RNG_H
#define WP_RNG_H

#include <stdint.h>

struct rng {
    uint64_t s[4];
};

void rng_seed(struct rng *r, uint64_t seed, uint64_t stream);

static inline uint64_t
rng_rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static inline uint64_t
rng_u64(struct rng *r)
{
    uint64_t *s = r->s;
    const uint64_t out = rng_rotl(s[1] * 5, 7) * 9;
    const uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rng_rotl(s[3], 45);
    return out;
}

/* Uniform in [0, 1) with 24 random bits. */
static inline float
rng_unit(struct rng *r)
{
    return (float)(rng_u64(r) >> 40) * (1.0f / 16777216.0f);
}

/* Uniform in [0, 1) with 53 random bits. */
static inline double
rng_unit_f64(struct rng *r)
{
    return (double)(rng_u64(r) >> 11) * (1.0 / 9007199254740992.0);
}

/* Uniform integer in [0, n), n >= 1, without division (Lemire's multiply-shift; the bias
 * for n far below 2^32 is under 2^-32 and irrelevant here). */
static inline uint32_t
rng_below(struct rng *r, uint32_t n)
{
    return (uint32_t)(((rng_u64(r) >> 32) * (uint64_t)n) >> 32);
}

#endif
