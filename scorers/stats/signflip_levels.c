/* The sign-flip test's Monte-Carlo patterns counted by value instead of
 * summed unit by unit, when that gives the very same doubles.
 *
 * When every x is m 2^-e (m an integer, e the same for all) and the sum of
 * all |m| stays below 2^52, every partial sum the unit-by-unit loop forms
 * is a multiple of 2^-e below 2^53 of them: exactly representable, so
 * each addition is exact and the loop's result is the exact sum. Counting
 * the flipped units of each distinct value (a popcount of the pattern's
 * random word against the value's bitset) and multiplying out in integers
 * gives that exact sum too, bit for bit, in n / 64 words per value instead
 * of n additions. Paired deltas of 0/1 outcomes over s samples a variant,
 * s a power of 2 (one sample at temperature 0 above all), are such values:
 * at most 2 s + 1 of them. Anything else keeps the unit-by-unit loop. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "parity/common.h"
#include "stats_impl.h"

/* The largest shift tried: x = m 2^-e with e above this is not a delta of
 * rates over a sensible number of samples. */
#define SHIFT_MAX 40

/* Below this bound on sum |m| every partial sum is exact (2^53), with a
 * factor 2 to spare for the bound's own rounding. */
#define EXACT_BOUND 0x1p52

/* The smallest e with x 2^e an integer, or -1 when there is none up to
 * SHIFT_MAX. */
static int shift_of(double v)
{
        for (int e = 0; e <= SHIFT_MAX; e++) {
                double s = ldexp(v, e);

                if (s == nearbyint(s))
                        return e;
        }
        return -1;
}

/* Index of v among the distinct nonzero values seen so far, added when new;
 * -1 when there would be more than PA__LEVELS_MAX. */
static int value_index(double *vals, size_t *count, double v)
{
        for (size_t i = 0; i < *count; i++)
                if (vals[i] == v)
                        return (int)i;
        if (*count == PA__LEVELS_MAX)
                return -1;
        vals[*count] = v;
        return (int)(*count)++;
}

/* The distinct values, their shift and numerators; 0 when the counting is
 * not exact for these x. */
static int find_values(struct pa__levels *lv, const double *x, size_t n, double *vals)
{
        double bound = 0;
        int shift = 0;

        for (size_t j = 0; j < n; j++)
                if (x[j] != 0 && value_index(vals, &lv->count, x[j]) < 0)
                        return 0;
        for (size_t v = 0; v < lv->count; v++) {
                int e = shift_of(vals[v]);

                if (e < 0)
                        return 0;
                shift = e > shift ? e : shift;
        }
        for (size_t v = 0; v < lv->count; v++) {
                double m = ldexp(vals[v], shift);

                if (!(fabs(m) < EXACT_BOUND))
                        return 0;
                lv->m[v] = (int64_t)m;
        }
        lv->shift = shift;
        for (size_t j = 0; j < n; j++)
                bound += fabs(ldexp(x[j], shift));
        return bound < EXACT_BOUND;
}

int pa__levels_init(struct pa__levels *lv, const double *x, size_t n)
{
        double vals[PA__LEVELS_MAX];

        memset(lv, 0, sizeof(*lv));
        lv->n = n;
        lv->words = (n + 63) / 64;
        if (!find_values(lv, x, n, vals)) {
                memset(lv, 0, sizeof(*lv));
                return 0;
        }
        /* Word k of value v at bits[k * count + v]: one pattern word meets
         * all values' words in one cache line. */
        if (lv->count > 0) {
                lv->bits = calloc(lv->words * lv->count, sizeof(*lv->bits));
                if (!lv->bits)
                        return PA_ENOMEM;
        }
        for (size_t j = 0; j < n; j++) {
                if (x[j] == 0)
                        continue;
                for (size_t v = 0; v < lv->count; v++) {
                        if (vals[v] == x[j]) {
                                lv->bits[j / 64 * lv->count + v] |= (uint64_t)1 << (j % 64);
                                lv->total[v]++;
                                break;
                        }
                }
        }
        return 1;
}

void pa__levels_release(struct pa__levels *lv)
{
        if (!lv)
                return;
        free(lv->bits);
        memset(lv, 0, sizeof(*lv));
}

static unsigned ones(uint64_t w)
{
        return (unsigned)__builtin_popcountll(w);
}

/* x86-64's baseline has no popcount instruction: the loop is also built
 * with it, picked at load time where the processor has it. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define WITH_POPCNT __attribute__((target_clones("popcnt", "default")))
#else
#define WITH_POPCNT
#endif

WITH_POPCNT void pa__levels_split(const struct pa__levels *lv, struct pa_rng *r, double *kept,
                                  double *flipped, size_t *nflipped)
{
        uint64_t f[PA__LEVELS_MAX] = {0};
        int64_t k = 0, fl = 0;
        size_t nf = 0;

        for (size_t w = 0; w < lv->words; w++) {
                uint64_t bits = pa_rng_next(r);
                const uint64_t *row = lv->bits + w * lv->count;

                /* The unit loop draws a word for every 64 units and reads
                 * only the bits of units that exist. */
                if (w + 1 == lv->words && lv->n % 64)
                        bits &= ((uint64_t)1 << (lv->n % 64)) - 1;
                nf += ones(bits);
                for (size_t v = 0; v < lv->count; v++)
                        f[v] += ones(bits & row[v]);
        }
        for (size_t v = 0; v < lv->count; v++) {
                fl += lv->m[v] * (int64_t)f[v];
                k += lv->m[v] * (int64_t)(lv->total[v] - f[v]);
        }
        *kept = ldexp((double)k, -lv->shift);
        *flipped = ldexp((double)fl, -lv->shift);
        *nflipped = nf;
}
