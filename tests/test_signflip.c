/* scorers/stats/signflip.c: the sign-flip test against hand counts and
 * Wilcoxon's exact law, the interval's agreement with the test, null
 * calibration, reproducibility across thread counts, units of value 0
 * against the patterns by their definition, and input checks.
 * SciPy's exact permutation_test vectors run through parity-statcheck. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>
#include <omp.h>

#include "parity/common.h"
#include "parity/stats.h"
#include "scorers/stats/stats_impl.h"

/* Sums of +-1, +-2, +-3: 6 4 2 0 0 -2 -4 -6, so |T| >= 6 twice in 8 and
 * |T| >= 0 always. */
static void exact_by_hand(void **state)
{
        const double x[] = {1, 2, 3}, zero[] = {1, 2, -3}, one[] = {-0.5};
        double p;
        bool exact = false;

        (void)state;
        assert_int_equal(pa_signflip_test(x, 3, 0, 1, &p, &exact), 0);
        assert_true(exact);
        assert_true(p == 0.25);
        assert_true(pa_signflip_min_p(3, 0) == 0.25);
        assert_int_equal(pa_signflip_test(zero, 3, 0, 1, &p, NULL), 0);
        assert_true(p == 1);
        assert_int_equal(pa_signflip_test(one, 1, 0, 1, &p, NULL), 0);
        assert_true(p == 1);
}

/* x_i = +-i makes the statistic Wilcoxon's signed-rank sum: SciPy's
 * wilcoxon(x, mode='exact') gives p = 0.004338232800364494 for this x
 * (n = 30, Monte-Carlo here). 200000 patterns: SE 1.5e-4, allowed 4 SE. */
static void monte_carlo_matches_wilcoxon(void **state)
{
        static const int neg[] = {2, 5, 7, 11, 13, 17, 19, 23};
        double x[30], p;
        bool exact = true;
        size_t i, j;

        (void)state;
        for (i = 0; i < 30; i++) {
                x[i] = (double)(i + 1);
                for (j = 0; j < sizeof(neg) / sizeof(neg[0]); j++)
                        if (neg[j] == (int)i + 1)
                                x[i] = -x[i];
        }
        assert_int_equal(pa_signflip_test(x, 30, 200000, 7, &p, &exact), 0);
        assert_false(exact);
        assert_true(fabs(p - 0.004338232800364494) < 6e-4);
}

/* Deltas of accuracy over 20 samples: multiples of 1/20, many ties. */
static void discrete_sample(double *x, size_t n, struct pa_rng *r, int shift)
{
        size_t i;

        for (i = 0; i < n; i++)
                x[i] = (double)((int)pa_rng_below(r, 15) - 7 + shift) / 20.0;
}

/* The interval excludes 0 exactly when p < alpha, exact and Monte-Carlo,
 * on tie-heavy data, at several levels. */
static void interval_agrees_with_test(void **state)
{
        static const double alphas[] = {0.05, 0.01, 0.2, 0.003};
        struct pa_rng r;
        double x[26], p, lo, hi;
        size_t trial, n, rejected = 0, kept = 0;

        (void)state;
        pa_rng_seed(&r, 11, 0);
        for (trial = 0; trial < 240; trial++) {
                double alpha = alphas[trial % 4];
                size_t reps = trial % 3 ? 0 : 999;

                n = reps ? 21 + (size_t)pa_rng_below(&r, 6) : 1 + (size_t)pa_rng_below(&r, 14);
                discrete_sample(x, n, &r, (int)(trial % 5) - 2);
                assert_int_equal(pa_signflip_test(x, n, reps, trial, &p, NULL), 0);
                assert_int_equal(pa_signflip_ci(x, n, reps, trial, alpha, &lo, &hi), 0);
                assert_true(lo <= hi);
                assert_int_equal(p<alpha, lo> 0 || hi < 0);
                if (p < alpha)
                        rejected++;
                else
                        kept++;
        }
        /* Both branches were exercised. */
        assert_true(rejected > 20 && kept > 20);
}

/* Just inside an end of the interval the shifted data are accepted, just
 * outside rejected: the interval is the test inverted, not an
 * approximation of it (continuous data, so no other end is that close). */
static void interval_is_inverted_test(void **state)
{
        struct pa_rng r;
        double x[12], y[12], lo, hi, p, eps = 1e-7;
        size_t i, reps;

        (void)state;
        pa_rng_seed(&r, 5, 0);
        for (reps = 0; reps <= 4000; reps += 4000) {
                size_t n = reps ? 12 : 10;

                for (i = 0; i < n; i++)
                        x[i] = pa_rng_uniform(&r) - 0.2;
                assert_int_equal(pa_signflip_ci(x, n, reps, 3, 0.05, &lo, &hi), 0);
                assert_true(isfinite(lo) && isfinite(hi));
                for (i = 0; i < n; i++)
                        y[i] = x[i] - (lo + eps);
                assert_int_equal(pa_signflip_test(y, n, reps, 3, &p, NULL), 0);
                assert_true(p >= 0.05);
                for (i = 0; i < n; i++)
                        y[i] = x[i] - (lo - eps);
                assert_int_equal(pa_signflip_test(y, n, reps, 3, &p, NULL), 0);
                assert_true(p < 0.05);
                for (i = 0; i < n; i++)
                        y[i] = x[i] - (hi - eps);
                assert_int_equal(pa_signflip_test(y, n, reps, 3, &p, NULL), 0);
                assert_true(p >= 0.05);
                for (i = 0; i < n; i++)
                        y[i] = x[i] - (hi + eps);
                assert_int_equal(pa_signflip_test(y, n, reps, 3, &p, NULL), 0);
                assert_true(p < 0.05);
        }
}

/* Too few units to reach alpha: the whole line, never a verdict. */
static void unreachable_level(void **state)
{
        const double x[] = {0.4, 0.5, 0.6, 0.7};
        double lo, hi, p;

        (void)state;
        assert_true(pa_signflip_min_p(4, 0) > 0.05);
        assert_int_equal(pa_signflip_ci(x, 4, 0, 1, 0.05, &lo, &hi), 0);
        assert_true(isinf(lo) && lo < 0 && isinf(hi) && hi > 0);
        assert_int_equal(pa_signflip_test(x, 4, 0, 1, &p, NULL), 0);
        assert_true(p >= 0.05);
}

/* Under H0 (symmetric deltas) the rejection rate stays at or under alpha:
 * 600 data sets each exact (n = 9) and Monte-Carlo (n = 24, 999 reps).
 * Binomial(600, 0.05) exceeds 45 with probability < 0.002. */
static void null_calibration(void **state)
{
        struct pa_rng r;
        double x[24], p;
        size_t trial, i, hits[2] = {0, 0};

        (void)state;
        pa_rng_seed(&r, 99, 1);
        for (trial = 0; trial < 1200; trial++) {
                size_t mc = trial % 2, n = mc ? 24 : 9;

                for (i = 0; i < n; i++)
                        x[i] = (pa_rng_uniform(&r) - 0.5) * (double)(1 + i % 3);
                assert_int_equal(pa_signflip_test(x, n, mc ? 999 : 0, trial, &p, NULL), 0);
                hits[mc] += p < 0.05;
        }
        assert_true(hits[0] <= 45 && hits[1] <= 45);
        /* ...and the test is not dead: a shifted mean is found. */
        for (i = 0; i < 24; i++)
                x[i] = pa_rng_uniform(&r) - 0.1;
        assert_int_equal(pa_signflip_test(x, 24, 999, 1, &p, NULL), 0);
        assert_true(p < 0.01);
}

static void thread_count_independent(void **state)
{
        struct pa_rng r;
        double x[40], p1, p2, lo1, hi1, lo2, hi2;
        size_t i;
        int threads = omp_get_max_threads();

        (void)state;
        pa_rng_seed(&r, 3, 3);
        for (i = 0; i < 40; i++)
                x[i] = pa_rng_uniform(&r) - 0.4;
        omp_set_num_threads(1);
        assert_int_equal(pa_signflip_test(x, 40, 5000, 42, &p1, NULL), 0);
        assert_int_equal(pa_signflip_ci(x, 40, 5000, 42, 0.05, &lo1, &hi1), 0);
        omp_set_num_threads(4);
        assert_int_equal(pa_signflip_test(x, 40, 5000, 42, &p2, NULL), 0);
        assert_int_equal(pa_signflip_ci(x, 40, 5000, 42, 0.05, &lo2, &hi2), 0);
        omp_set_num_threads(threads);
        assert_true(p1 == p2 && lo1 == lo2 && hi1 == hi2);
        /* Another seed draws other patterns. */
        assert_int_equal(pa_signflip_test(x, 40, 5000, 43, &p2, NULL), 0);
        assert_int_equal(pa_signflip_ci(x, 40, 5000, 43, 0.05, &lo2, &hi2), 0);
        assert_true(lo1 != lo2 || hi1 != hi2);
}

/* Deltas of s samples a variant, s a power of 2 where the sums are exact
 * and counted by value, and s = 3 where they are not: the test and the
 * interval give the same bits either way, at units around word edges. */
static void by_value_same_bits(void **state)
{
        static const size_t sizes[] = {21, 63, 64, 65, 130, 1000};
        static const int samples[] = {1, 2, 4, 3};
        struct pa_rng r;
        double x[1000];
        size_t counted = 0;

        (void)state;
        pa_rng_seed(&r, 17, 0);
        for (size_t t = 0; t < 48; t++) {
                size_t n = sizes[t % 6], reps = 300 + t;
                int s = samples[t / 6 % 4];
                double p[2], lo[2], hi[2], alpha = t % 2 ? 0.05 : 0.2;
                struct pa__levels lv;
                int rc;

                for (size_t i = 0; i < n; i++)
                        x[i] = (double)((int)pa_rng_below(&r, (uint64_t)(2 * s + 1)) - s +
                                        (t % 3 == 0 && i % 2)) /
                               (double)s;
                for (int fast = 0; fast < 2; fast++) {
                        assert_int_equal(pa__signflip_test_opt(x, n, reps, t, fast, &p[fast], NULL),
                                         0);
                        assert_int_equal(
                            pa__signflip_ci_opt(x, n, reps, t, fast, alpha, &lo[fast], &hi[fast]),
                            0);
                }
                assert_memory_equal(p, p + 1, sizeof(*p));
                assert_memory_equal(lo, lo + 1, sizeof(*lo));
                assert_memory_equal(hi, hi + 1, sizeof(*hi));
                rc = pa__levels_init(&lv, x, n);
                assert_int_equal(rc, s == 3 ? 0 : 1);
                counted += (size_t)rc;
                pa__levels_release(&lv);
        }
        assert_int_equal(counted, 36);
}

/* Values whose sums would round, or too many of them: not counted. */
static void by_value_only_when_exact(void **state)
{
        double x[40];
        struct pa__levels lv;

        (void)state;
        for (size_t i = 0; i < 40; i++)
                x[i] = (double)i;
        assert_int_equal(pa__levels_init(&lv, x, 40), 0);
        for (size_t i = 0; i < 40; i++)
                x[i] = i % 2 ? 0x1p51 : -0.25;
        assert_int_equal(pa__levels_init(&lv, x, 40), 0);
        for (size_t i = 0; i < 40; i++)
                x[i] = i % 2 ? 0x1p40 : -0.25;
        assert_int_equal(pa__levels_init(&lv, x, 40), 1);
        assert_int_equal(lv.count, 2);
        assert_int_equal(lv.shift, 2);
        pa__levels_release(&lv);
}

/* The patterns by their definition, in full (reference for
 * zeros_change_only_the_sizes): pattern i flips unit j when bit j of i
 * (exact) or of stream i's draws (64 units a draw) is set. */
static void reference_split(const double *x, size_t n, bool exact, uint64_t seed, size_t i,
                            double *kept, double *flipped, size_t *nflipped)
{
        struct pa_rng r;
        uint64_t bits = 0;

        *kept = *flipped = 0;
        *nflipped = 0;
        if (!exact)
                pa_rng_seed(&r, seed, i);
        for (size_t j = 0; j < n; j++) {
                bool flip;

                if (exact) {
                        flip = (i >> j) & 1;
                } else {
                        if (j % 64 == 0)
                                bits = pa_rng_next(&r);
                        flip = (bits >> (j % 64)) & 1;
                }
                if (flip) {
                        *flipped += x[j];
                        (*nflipped)++;
                } else {
                        *kept += x[j];
                }
        }
}

/* Units of value 0 change no sum, only how many units each side holds: on
 * data mostly 0 (paired outcomes that agree), exact and Monte-Carlo over
 * several 64-unit draws, the p-value is the reference count's and the
 * interval holds the reference's pattern means. */
static void zeros_change_only_the_sizes(void **state)
{
        static const size_t sizes[] = {9, 150};
        struct pa_rng r;
        double x[150];

        (void)state;
        pa_rng_seed(&r, 23, 0);
        for (size_t t = 0; t < 2; t++) {
                size_t n = sizes[t], reps = 700, patterns, hits = 0, ranged = 0;
                bool exact = n <= PA_SIGNFLIP_EXACT_MAX;
                double abs_sum = 0, p, lo, hi, ref_p, seen_lo = INFINITY, seen_hi = -INFINITY;

                for (size_t j = 0; j < n; j++) {
                        uint64_t k = pa_rng_below(&r, 10);

                        x[j] = k < 6 ? 0.0 : k < 8 ? 1.0 : k < 9 ? -1.0 : 0.5;
                        abs_sum += fabs(x[j]);
                }
                patterns = exact ? (size_t)1 << (n - 1) : reps;
                for (size_t i = 0; i < patterns; i++) {
                        double k, f;
                        size_t nf;

                        reference_split(x, n, exact, 5, i, &k, &f, &nf);
                        k = fabs(k) <= 1e-9 * abs_sum ? 0 : k;
                        f = fabs(f) <= 1e-9 * abs_sum ? 0 : f;
                        hits += !((k > 0 && f > 0) || (k < 0 && f < 0));
                        if (nf > 0 && nf < n) {
                                double a = k / (double)(n - nf), b = f / (double)nf;

                                seen_lo = fmin(seen_lo, fmin(a, b));
                                seen_hi = fmax(seen_hi, fmax(a, b));
                                ranged++;
                        }
                }
                ref_p = exact ? ldexp((double)(2 * hits), -(int)n)
                              : (1.0 + (double)hits) / (1.0 + (double)reps);
                assert_int_equal(pa_signflip_test(x, n, reps, 5, &p, NULL), 0);
                assert_true(p == ref_p);
                assert_int_equal(pa_signflip_ci(x, n, reps, 5, 0.05, &lo, &hi), 0);
                assert_true(ranged > 0);
                /* the interval's ends are pattern means (or infinite) */
                assert_true(isinf(lo) || (lo >= seen_lo && lo <= seen_hi));
                assert_true(isinf(hi) || (hi >= seen_lo && hi <= seen_hi));
        }
}

static void reps_for_level(void **state)
{
        (void)state;
        assert_int_equal(pa_signflip_reps_for(0.05), 400);
        assert_int_equal(pa_signflip_reps_for(0.001), 20000);
        assert_int_equal(pa_signflip_reps_for(1), 20);
        assert_true(pa_signflip_min_p(30, pa_signflip_reps_for(0.0004)) <= 0.0004 / 20);
        assert_true(pa_signflip_min_p(20, 5) == ldexp(1, -19));
}

static void rejects_bad_input(void **state)
{
        const double x[] = {1, NAN}, many[21] = {1};
        double p, lo, hi;

        (void)state;
        assert_int_equal(pa_signflip_test(x, 0, 0, 0, &p, NULL), PA_EINVAL);
        assert_int_equal(pa_signflip_test(x, 2, 0, 0, &p, NULL), PA_EINVAL);
        assert_int_equal(pa_signflip_test(NULL, 1, 0, 0, &p, NULL), PA_EINVAL);
        assert_int_equal(pa_signflip_test(x, 1, 0, 0, NULL, NULL), PA_EINVAL);
        /* Monte-Carlo without patterns. */
        assert_int_equal(pa_signflip_test(many, 21, 0, 0, &p, NULL), PA_EINVAL);
        assert_int_equal(pa_signflip_ci(many, 21, 0, 0, 0.05, &lo, &hi), PA_EINVAL);
        assert_int_equal(pa_signflip_ci(x, 1, 0, 0, 0, &lo, &hi), PA_EINVAL);
        assert_int_equal(pa_signflip_ci(x, 1, 0, 0, 1, &lo, &hi), PA_EINVAL);
        assert_int_equal(pa_signflip_ci(x, 1, 0, 0, NAN, &lo, &hi), PA_EINVAL);
        assert_int_equal(pa_signflip_ci(x, 1, 0, 0, 0.05, NULL, &hi), PA_EINVAL);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(exact_by_hand),
            cmocka_unit_test(monte_carlo_matches_wilcoxon),
            cmocka_unit_test(interval_agrees_with_test),
            cmocka_unit_test(interval_is_inverted_test),
            cmocka_unit_test(unreachable_level),
            cmocka_unit_test(null_calibration),
            cmocka_unit_test(thread_count_independent),
            cmocka_unit_test(by_value_same_bits),
            cmocka_unit_test(by_value_only_when_exact),
            cmocka_unit_test(zeros_change_only_the_sizes),
            cmocka_unit_test(reps_for_level),
            cmocka_unit_test(rejects_bad_input),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
