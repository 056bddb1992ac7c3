/* Sign-flip permutation test of "x symmetric about 0" and the interval for
 * the mean that inverts it, on one value per independent unit (an item's
 * paired delta).
 *
 * A sign pattern splits the units into kept (sum K) and flipped (sum F);
 * its statistic is |K - F| against the observed |K + F|, and
 * |K - F| >= |K + F| exactly when K and F do not have the same strict
 * sign. The test counts patterns that way, without subtracting nearly
 * equal numbers. Shifting every x by mu, the same pattern reaches the
 * observed statistic exactly when mu lies between the mean of its kept
 * and the mean of its flipped units, so the interval of level alpha is
 * read off those 2 means per pattern. Sums within a relative 1e-9 of 0
 * are ties (as scipy's permutation_test, whose tolerance is relative
 * too), in the test and in the interval's endpoints alike, which keeps
 * "interval excludes 0" and "p < alpha" the same decision.
 *
 * Exact: a pattern and its mirror give the same statistic, so the 2^(n-1)
 * patterns with unit n-1 kept are enumerated and counted twice.
 * Monte-Carlo: pattern i comes from RNG stream i, so the answer is the
 * same for any OpenMP thread count; where the sums are exact, a pattern
 * is counted by value (signflip_levels.c), giving the same doubles. */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "parity/common.h"
#include "parity/stats.h"
#include "stats_impl.h"

/* Below this many unit visits a thread team costs more than it saves. */
#define PARALLEL_MIN 65536

/* One pattern: the kept and flipped sums and sizes. */
struct split {
        double kept, flipped;
        size_t nkept, nflipped;
};

struct design {
        const double *x;
        size_t n, reps, patterns;
        uint64_t seed;
        bool exact;
        double tie;           /* |sum| at or below this is 0 */
        struct pa__levels lv; /* owned; lv.n == 0 when not counted by value */
        /* Bit j%64 of word j/64 set when x[j] != 0 (owned; NULL: every
         * unit is visited). Paired outcomes mostly agree, so most x are 0:
         * a zero adds nothing to either sum, and the sizes come from a
         * popcount of the pattern's bits. */
        uint64_t *nonzero;
        size_t work; /* unit visits over all patterns, for the thread team */
};

/* The words of set bits where x is not zero; NULL when out of memory,
 * which only costs speed. */
static uint64_t *nonzero_mask(const double *x, size_t n, size_t *count)
{
        uint64_t *w = calloc((n + 63) / 64, sizeof(*w));

        *count = n;
        if (!w)
                return NULL;
        *count = 0;
        for (size_t j = 0; j < n; j++) {
                w[j / 64] |= (uint64_t)(x[j] != 0) << (j % 64);
                *count += x[j] != 0;
        }
        return w;
}

static void design_release(struct design *d)
{
        pa__levels_release(&d->lv);
        free(d->nonzero);
        d->nonzero = NULL;
}

/* Monte-Carlo patterns are counted by value when that is exact. */
static int design_levels(struct design *d, bool levels)
{
        int rc;

        if (d->exact || !levels)
                return 0;
        rc = pa__levels_init(&d->lv, d->x, d->n);
        return rc < 0 ? rc : 0;
}

static int design_init(struct design *d, const double *x, size_t n, size_t reps, uint64_t seed,
                       bool levels)
{
        double abs_sum = 0;
        size_t i, visits;

        memset(d, 0, sizeof(*d));
        if (!x || n == 0)
                return PA_EINVAL;
        for (i = 0; i < n; i++) {
                if (!isfinite(x[i]))
                        return PA_EINVAL;
                abs_sum += fabs(x[i]);
        }
        d->x = x;
        d->n = n;
        d->seed = seed;
        d->exact = n <= PA_SIGNFLIP_EXACT_MAX;
        d->reps = reps;
        d->tie = 1e-9 * abs_sum;
        if (d->exact)
                d->patterns = (size_t)1 << (n - 1);
        else if (reps == 0)
                return PA_EINVAL;
        else
                d->patterns = reps;
        d->nonzero = nonzero_mask(x, n, &visits);
        visits += (n + 63) / 64;
        d->work = d->patterns > SIZE_MAX / visits ? SIZE_MAX : d->patterns * visits;
        return design_levels(d, levels);
}

/* The units of word w, all of them or those not 0. */
static uint64_t units_of(const struct design *d, size_t w)
{
        size_t left = d->n - w * 64;
        uint64_t all = left >= 64 ? ~(uint64_t)0 : ((uint64_t)1 << left) - 1;

        return d->nonzero ? d->nonzero[w] : all;
}

/* Pattern i: in exact mode bit j of i flips unit j (unit n-1 always
 * kept, as i < 2^(n-1)); in Monte-Carlo mode each unit flips with
 * probability 1/2 from stream i, 64 units a draw. The sums add the
 * units in order j, skipping zeros, which change no sum (at most the sign
 * of a zero, made +0 by the tie below); the select is branch-free, as a
 * flip is a coin toss the CPU cannot predict. */
static struct split split_of(const struct design *d, size_t i)
{
        struct split s = {0, 0, 0, 0};
        struct pa_rng r;
        size_t words = (d->n + 63) / 64, nflipped = 0;

        if (!d->exact)
                pa_rng_seed(&r, d->seed, i);
        if (d->lv.n) {
                pa__levels_split(&d->lv, &r, &s.kept, &s.flipped, &s.nflipped);
                words = 0;
                nflipped = s.nflipped;
        }
        for (size_t w = 0; w < words; w++) {
                uint64_t bits = d->exact ? (uint64_t)i : pa_rng_next(&r), units = units_of(d, w);
                size_t left = d->n - w * 64;

                if (left < 64)
                        bits &= ((uint64_t)1 << left) - 1;
                nflipped += (size_t)__builtin_popcountll(bits);
                for (; units; units &= units - 1) {
                        int b = __builtin_ctzll(units);
                        double v = d->x[w * 64 + (size_t)b];
                        double f = (bits >> b) & 1 ? v : 0.0;

                        s.flipped += f;
                        s.kept += v - f;
                }
        }
        s.nflipped = nflipped;
        s.nkept = d->n - nflipped;
        if (fabs(s.kept) <= d->tie)
                s.kept = 0;
        if (fabs(s.flipped) <= d->tie)
                s.flipped = 0;
        return s;
}

/* |K - F| >= |K + F|: K and F not of the same strict sign. */
static bool reaches(struct split s)
{
        return !((s.kept > 0 && s.flipped > 0) || (s.kept < 0 && s.flipped < 0));
}

/* The p-value of `hits` patterns reaching the statistic; every exact hit
 * stands for its mirror too. */
static double p_of(const struct design *d, size_t hits)
{
        if (d->exact)
                return ldexp((double)(2 * hits), -(int)(d->n));
        return (1.0 + (double)hits) / (1.0 + (double)d->reps);
}

static size_t count_hits(const struct design *d)
{
        size_t i, hits = 0;

#pragma omp parallel for schedule(static) reduction(+ : hits) if (d->work >= PARALLEL_MIN)
        for (i = 0; i < d->patterns; i++)
                hits += reaches(split_of(d, i));
        return hits;
}

int pa__signflip_test_opt(const double *x, size_t n, size_t reps, uint64_t seed, bool levels,
                          double *p, bool *exact)
{
        struct design d;
        int rc;

        if (!p)
                return PA_EINVAL;
        if ((rc = design_init(&d, x, n, reps, seed, levels)) < 0)
                goto out;
        *p = p_of(&d, count_hits(&d));
        if (exact)
                *exact = d.exact;
out:
        design_release(&d);
        return rc;
}

int pa_signflip_test(const double *x, size_t n, size_t reps, uint64_t seed, double *p, bool *exact)
{
        return pa__signflip_test_opt(x, n, reps, seed, true, p, exact);
}

double pa_signflip_min_p(size_t n, size_t reps)
{
        if (n == 0)
                return 1;
        if (n <= PA_SIGNFLIP_EXACT_MAX)
                return ldexp(2.0, -(int)n);
        return 1.0 / (1.0 + (double)reps);
}

size_t pa_signflip_reps_for(double level)
{
        double reps;

        if (!(level > 0) || level >= 1)
                return 20;
        reps = ceil(20.0 / level);
        /* A level so small that no count of patterns fits is asking for
         * the impossible: the caller learns it from the size. */
        return reps >= (double)SIZE_MAX ? SIZE_MAX : (size_t)reps;
}

static int by_value(const void *a, const void *b)
{
        double u = *(const double *)a, v = *(const double *)b;

        return (u > v) - (u < v);
}

/* The pattern's range of mu: between its kept and its flipped mean. The
 * identity (nothing flipped, or in Monte-Carlo everything) always reaches
 * the statistic. */
static void range_of(struct split s, double *lo, double *hi)
{
        double a, b;

        if (s.nkept == 0 || s.nflipped == 0) {
                *lo = -INFINITY;
                *hi = INFINITY;
                return;
        }
        a = s.kept / (double)s.nkept;
        b = s.flipped / (double)s.nflipped;
        *lo = a < b ? a : b;
        *hi = a < b ? b : a;
}

/* The fewest patterns that must reach the statistic at mu for p >= alpha,
 * found with the very expression the test's p comes from. */
static size_t needed(const struct design *d, double alpha)
{
        size_t m = (size_t)(alpha * (double)d->patterns);

        while (m > 0 && p_of(d, m - 1) >= alpha)
                m--;
        while (m <= d->patterns && p_of(d, m) < alpha)
                m++;
        return m;
}

int pa_signflip_ci(const double *x, size_t n, size_t reps, uint64_t seed, double alpha, double *lo,
                   double *hi)
{
        return pa__signflip_ci_opt(x, n, reps, seed, true, alpha, lo, hi);
}

int pa__signflip_ci_opt(const double *x, size_t n, size_t reps, uint64_t seed, bool levels,
                        double alpha, double *lo, double *hi)
{
        struct design d;
        double *low = NULL, *high = NULL;
        size_t i, m;
        int rc;

        if (!lo || !hi || !pa__alpha_ok(alpha))
                return PA_EINVAL;
        if ((rc = design_init(&d, x, n, reps, seed, levels)) < 0)
                goto out;
        m = needed(&d, alpha);
        if (m == 0) {
                /* Even no pattern at all keeps p >= alpha: nothing is excluded. */
                *lo = -INFINITY;
                *hi = INFINITY;
                goto out;
        }
        if (m > d.patterns) {
                /* Unreachable for a valid alpha: the identity alone gives p >= 2 / 2^n. */
                rc = PA_EINVAL;
                goto out;
        }
        low = malloc(d.patterns * sizeof(*low));
        high = malloc(d.patterns * sizeof(*high));
        if (!low || !high) {
                rc = PA_ENOMEM;
                goto out;
        }
#pragma omp parallel for schedule(static) if (d.work >= PARALLEL_MIN)
        for (i = 0; i < d.patterns; i++)
                range_of(split_of(&d, i), &low[i], &high[i]);
        /* Every range holds the mean of x, so below it a mu is reached by
         * the patterns whose range starts at or before it, above it by
         * those whose range ends at or after it. */
        qsort(low, d.patterns, sizeof(*low), by_value);
        qsort(high, d.patterns, sizeof(*high), by_value);
        *lo = low[m - 1];
        *hi = high[d.patterns - m];
        rc = 0;
out:
        free(low);
        free(high);
        design_release(&d);
        return rc;
}
