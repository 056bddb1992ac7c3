/* xoshiro256** (Blackman and Vigna 2018) seeded through splitmix64. */
#include "parity/stats.h"

uint64_t pa_splitmix64(uint64_t *state)
{
        uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
}

void pa_rng_seed(struct pa_rng *r, uint64_t seed, uint64_t stream)
{
        /* Hash the stream number first: nearby streams must not start from
         * nearby splitmix states, whose outputs would overlap shifted. */
        uint64_t h = stream, st = seed ^ pa_splitmix64(&h);
        int i;

        for (i = 0; i < 4; i++)
                r->s[i] = pa_splitmix64(&st);
        /* An all-zero state would stay zero; splitmix64 cannot give four
         * zeros in a row, but keep the invariant explicit. */
        if (!(r->s[0] | r->s[1] | r->s[2] | r->s[3]))
                r->s[0] = 1;
}

static uint64_t rotl(uint64_t x, int k)
{
        return (x << k) | (x >> (64 - k));
}

uint64_t pa_rng_next(struct pa_rng *r)
{
        uint64_t *s = r->s, out = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = rotl(s[3], 45);
        return out;
}

double pa_rng_uniform(struct pa_rng *r)
{
        return (double)(pa_rng_next(r) >> 11) * 0x1.0p-53;
}

uint64_t pa_rng_below(struct pa_rng *r, uint64_t bound)
{
        uint64_t x, limit;

        if (bound == 0)
                return 0;
        /* Rejection on the top of the range: 2^64 mod bound values would
         * be drawn once too often by a plain modulo. */
        limit = -bound % bound;
        do
                x = pa_rng_next(r);
        while (x < limit);
        return x % bound;
}
