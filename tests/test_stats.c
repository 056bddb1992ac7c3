/* scorers/stats against the numbers in shared/reference/worked_examples.md
 * (6 significant digits there, hence REL6), input validation, numerics at
 * the edges, and the resampling code's reproducibility and null
 * calibration. The full SciPy/statsmodels vectors run through
 * parity-statcheck. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <omp.h>

#include "parity/common.h"
#include "parity/stats.h"

#define REL6  5e-6
#define EXACT 1e-12

#define assert_rel(got, want, tol) check_rel((got), (want), (tol), __FILE__, __LINE__)
#define assert_abs(got, want, tol) check_abs((got), (want), (tol), __FILE__, __LINE__)

static void check_rel(double got, double want, double tol, const char *file, int line)
{
        if (fabs(got - want) <= tol * fabs(want))
                return;
        print_error("got %.15g, want %.15g (relative tolerance %g)\n", got, want, tol);
        _fail(file, line);
}

static void check_abs(double got, double want, double tol, const char *file, int line)
{
        if (fabs(got - want) <= tol)
                return;
        print_error("got %.15g, want %.15g (absolute tolerance %g)\n", got, want, tol);
        _fail(file, line);
}

/* Worked example: A 60/100, B 45/100 (and C 50/100). */
static void unpaired_rates(void **state)
{
        const uint64_t two[] = {60, 40, 45, 55}, three[] = {60, 40, 45, 55, 50, 50};
        const uint64_t sel[] = {60, 45}, tot[] = {100, 100};
        double lo, hi, stat, df, p, z, odds, rates[2], ratio[2];

        (void)state;
        assert_int_equal(pa_wilson(60, 100, 0.05, &lo, &hi), 0);
        assert_rel(lo, 0.502003, REL6);
        assert_rel(hi, 0.690599, REL6);
        assert_int_equal(pa_wilson(45, 100, 0.05, &lo, &hi), 0);
        assert_rel(lo, 0.356145, REL6);
        assert_rel(hi, 0.547554, REL6);
        assert_int_equal(pa_newcombe_diff(60, 100, 45, 100, 0.05, &lo, &hi), 0);
        assert_rel(lo, 0.0117239, REL6);
        assert_rel(hi, 0.280449, REL6);

        assert_int_equal(pa_chi2_kx2(two, 2, &stat, &df, &p), 0);
        assert_rel(stat, 4.51128, REL6);
        assert_rel(df, 1, EXACT);
        assert_rel(p, 0.0336721, REL6);
        assert_int_equal(pa_fisher_exact(60, 40, 45, 55, &odds, &p), 0);
        assert_rel(odds, 1.83333, REL6);
        assert_rel(p, 0.0471655, REL6);
        assert_int_equal(pa_two_prop_z(60, 100, 45, 100, &z, &p), 0);
        assert_rel(z, 2.12398, REL6);
        assert_rel(p, 0.0336721, REL6);
        assert_rel(z * z, stat, 1e-12);

        assert_int_equal(pa_impact_ratio(sel, tot, 2, rates, ratio), 0);
        assert_rel(ratio[0], 1, EXACT);
        assert_rel(ratio[1], 0.75, EXACT);
        assert_true(ratio[1] < 0.8); /* fails the four-fifths rule */
        assert_rel(rates[0] - rates[1], 0.15, 1e-12);

        assert_int_equal(pa_chi2_kx2(three, 3, &stat, &df, &p), 0);
        assert_rel(stat, 4.67186, REL6);
        assert_rel(df, 2, EXACT);
        assert_rel(p, 0.0967206, REL6);
}

/* Worked example: 200 counterfactual pairs, b = 25, c = 10. */
static void counterfactual_pairs(void **state)
{
        double p, midp, bt, stat;

        (void)state;
        assert_rel((25.0 + 10.0) / 200.0, 0.175, EXACT);
        assert_int_equal(pa_mcnemar_exact(25, 10, &p, &midp), 0);
        assert_rel(p, 0.0166738, REL6);
        assert_rel(midp, 0.0113310, REL6);
        assert_int_equal(pa_binom_test(10, 35, 0.5, &bt), 0);
        assert_rel(bt, p, 1e-12);
        assert_int_equal(pa_mcnemar_chi2(25, 10, 1, &stat, &p), 0);
        assert_rel(stat, 5.6, 1e-12);
        assert_rel(p, 0.0179605, REL6);
        assert_int_equal(pa_mcnemar_chi2(25, 10, 0, &stat, &p), 0);
        assert_rel(stat, 6.42857, REL6);
        assert_rel(p, 0.0112299, REL6);
}

/* Worked example: 104 sets x 3 groups from pattern counts. */
static void cochran_patterns(void **state)
{
        static const struct {
                uint8_t g[3];
                int count;
        } pat[] = {{{1, 1, 1}, 50}, {{0, 0, 0}, 30}, {{1, 0, 0}, 8}, {{0, 1, 0}, 2},
                   {{0, 0, 1}, 3},  {{1, 1, 0}, 4},  {{1, 0, 1}, 6}, {{0, 1, 1}, 1}};
        uint8_t x[104 * 3];
        size_t rows = 0, i;
        int j, flips = 0;
        double q, df, p;

        (void)state;
        for (i = 0; i < sizeof(pat) / sizeof(pat[0]); i++)
                for (j = 0; j < pat[i].count; j++, rows++) {
                        memcpy(x + 3 * rows, pat[i].g, 3);
                        flips += pat[i].g[0] != pat[i].g[1] || pat[i].g[1] != pat[i].g[2];
                }
        assert_int_equal(rows, 104);
        assert_int_equal(pa_cochran_q(x, rows, 3, &q, &df, &p), 0);
        assert_rel(q, 8.08333, REL6);
        assert_rel(df, 2, EXACT);
        assert_rel(p, 0.0175682, REL6);
        assert_rel(flips / 104.0, 0.230769, REL6);
}

/* Worked example: regression between versions, b = 30, c = 14 of 500. */
static void regression_pairs(void **state)
{
        double x[500], p, lo, hi, se, sd;
        size_t i;

        (void)state;
        assert_int_equal(pa_mcnemar_exact(30, 14, &p, NULL), 0);
        assert_rel(p, 0.0226288, REL6);
        assert_int_equal(pa_paired_diff_wald(30, 14, 500, 0.05, &lo, &hi, &se), 0);
        assert_rel(lo, -0.0578501, REL6);
        assert_rel(hi, -0.00614987, REL6);
        assert_rel(se, 0.0131891, REL6);
        assert_rel((14.0 - 30.0) / 500, -0.032, EXACT);

        for (i = 0; i < 500; i++)
                x[i] = i < 30 ? -1 : i < 44 ? 1 : 0;
        assert_int_equal(pa_bootstrap_mean(x, 500, 10000, 0.05, 20240611, &lo, &hi, &sd), 0);
        assert_abs(lo, -0.058, 1.0 / 500);
        assert_abs(hi, -0.006, 1.0 / 500);
        assert_rel(sd, 0.0131891, 0.03); /* Monte-Carlo: ~0.7% per SD */
}

static const double fam[] = {0.001, 0.008, 0.039, 0.041, 0.042, 0.06, 0.074, 0.205, 0.212, 0.216};

static int rejected_at(const double *adj, size_t n, double alpha)
{
        int k = 0;
        size_t i;

        for (i = 0; i < n; i++)
                k += adj[i] <= alpha;
        return k;
}

static void multiple_comparisons(void **state)
{
        static const double bh[] = {0.01, 0.04,     0.084, 0.084, 0.084,
                                    0.1,  0.105714, 0.216, 0.216, 0.216};
        static const double holm[] = {0.01,  0.072, 0.312, 0.312, 0.312,
                                      0.312, 0.312, 0.615, 0.615, 0.615};
        double out[10], inplace[10];
        size_t i;

        (void)state;
        assert_int_equal(pa_p_adjust(fam, 10, PA_ADJ_BH, out), 0);
        for (i = 0; i < 10; i++)
                assert_rel(out[i], bh[i], REL6);
        assert_int_equal(rejected_at(out, 10, 0.05), 2);
        assert_int_equal(pa_p_adjust(fam, 10, PA_ADJ_HOLM, out), 0);
        for (i = 0; i < 10; i++)
                assert_rel(out[i], holm[i], REL6);
        assert_int_equal(rejected_at(out, 10, 0.05), 1);
        assert_int_equal(pa_p_adjust(fam, 10, PA_ADJ_BONFERRONI, out), 0);
        assert_rel(out[0], 0.01, EXACT);
        assert_rel(out[9], 1, EXACT);

        /* Input order is kept and out may alias p. */
        for (i = 0; i < 10; i++)
                inplace[i] = fam[9 - i];
        assert_int_equal(pa_p_adjust(inplace, 10, PA_ADJ_BH, inplace), 0);
        for (i = 0; i < 10; i++)
                assert_rel(inplace[i], bh[9 - i], REL6);
}

static void sample_size(void **state)
{
        double n, h, p2, pairs;

        (void)state;
        assert_rel(pa_cohens_h(0.6, 0.5), 0.201358, REL6);
        assert_int_equal(pa_power_n_two_prop(0.6, 0.5, 0.05, 0.8, &n), 0);
        assert_rel(n, 387.168, REL6);
        assert_int_equal((int)ceil(n), 388);
        assert_int_equal(pa_mde_two_prop(200, 0.5, 0.05, 0.8, &h, &p2), 0);
        assert_rel(h, 0.280157, REL6);
        assert_rel(p2, 0.638253, REL6);
        assert_rel(pa_cohens_h(p2, 0.5), h, 1e-12);
        /* Near 1 the detectable rate lies below the base. */
        assert_int_equal(pa_mde_two_prop(200, 0.99, 0.05, 0.8, &h, &p2), 0);
        assert_true(p2 < 0.99);
        assert_int_equal(pa_mcnemar_n(0.10, 0.05, 0.05, 0.8, &pairs), 0);
        assert_rel(pairs, 468.568, REL6);
}

static void crows_pairs_and_logits(void **state)
{
        double p, lo, hi, a, b;

        (void)state;
        assert_rel(912.0 / 1508, 0.604775, REL6);
        assert_int_equal(pa_binom_test(912, 1508, 0.5, &p), 0);
        assert_rel(p, 3.91457e-16, REL6);
        assert_int_equal(pa_wilson(912, 1508, 0.05, &lo, &hi), 0);
        assert_rel(lo, 0.579863, REL6);
        assert_rel(hi, 0.629154, REL6);

        assert_int_equal(pa_empirical_logit(7, 10, &a), 0);
        assert_int_equal(pa_empirical_logit(4, 10, &b), 0);
        assert_rel(a, 0.762140, REL6);
        assert_rel(b, -0.367725, REL6);
        assert_rel(b - a, -1.129865, REL6);
}

static void rejects_impossible_input(void **state)
{
        const uint64_t zero_col[] = {5, 0, 7, 0}, one_row[] = {5, 5};
        const uint64_t sel[] = {3, 4}, tot[] = {2, 10}, tot0[] = {0, 10};
        const uint8_t bad01[] = {0, 2, 1, 1};
        const double pbad[] = {0.1, 1.5};
        double a, b, c, out[2];

        (void)state;
        assert_int_equal(pa_wilson(11, 10, 0.05, &a, &b), PA_EINVAL);
        assert_int_equal(pa_wilson(1, 10, 0, &a, &b), PA_EINVAL);
        assert_int_equal(pa_wilson(1, 10, 1, &a, &b), PA_EINVAL);
        assert_int_equal(pa_wilson(1, 10, NAN, &a, &b), PA_EINVAL);
        assert_int_equal(pa_newcombe_diff(3, 2, 1, 5, 0.05, &a, &b), PA_EINVAL);
        assert_int_equal(pa_newcombe_diff(0, 0, 1, 5, 0.05, &a, &b), PA_EINVAL);
        assert_int_equal(pa_binom_test(11, 10, 0.5, &a), PA_EINVAL);
        assert_int_equal(pa_binom_test(1, 10, 1.5, &a), PA_EINVAL);
        assert_int_equal(pa_two_prop_z(5, 4, 1, 4, &a, &b), PA_EINVAL);
        assert_int_equal(pa_two_prop_z(0, 0, 1, 4, &a, &b), PA_EINVAL);
        assert_int_equal(pa_chi2_kx2(zero_col, 2, &a, &b, &c), PA_EINVAL);
        assert_int_equal(pa_chi2_kx2(one_row, 1, &a, &b, &c), PA_EINVAL);
        assert_int_equal(pa_cochran_q(bad01, 2, 2, &a, &b, &c), PA_EINVAL);
        assert_int_equal(pa_cochran_q(bad01, 2, 1, &a, &b, &c), PA_EINVAL);
        assert_int_equal(pa_p_adjust(pbad, 2, PA_ADJ_BH, out), PA_EINVAL);
        assert_int_equal(pa_impact_ratio(sel, tot, 2, NULL, out), PA_EINVAL);
        assert_int_equal(pa_impact_ratio(sel, tot0, 2, NULL, out), PA_EINVAL);
        assert_int_equal(pa_power_n_two_prop(0.5, 0.5, 0.05, 0.8, &a), PA_EINVAL);
        assert_int_equal(pa_power_n_two_prop(0.6, 0.5, 0.05, 0.04, &a), PA_EINVAL);
        assert_int_equal(pa_mcnemar_n(0.1, 0.1, 0.05, 0.8, &a), PA_EINVAL);
        assert_int_equal(pa_empirical_logit(11, 10, &a), PA_EINVAL);
        assert_int_equal(pa_paired_diff_wald(30, 480, 500, 0.05, &a, &b, &c), PA_EINVAL);
        assert_true(isnan(pa_norm_quantile(1.5)));
        assert_true(isnan(pa_gamma_q(0, 1)));
        assert_true(isnan(pa_cohens_h(-0.1, 0.5)));
}

/* Zero cells, b = c = 0, k = 0 and k = n, n = 10^6. */
static void edges_and_large_n(void **state)
{
        const uint64_t sel0[] = {0, 0}, tot[] = {10, 20};
        const uint8_t flat[] = {1, 1, 1, 0, 0, 0};
        double lo, hi, p, midp, odds, q, z, a, b, ratio[2];

        (void)state;
        assert_int_equal(pa_wilson(0, 0, 0.05, &lo, &hi), 0);
        assert_true(lo == 0 && hi == 1);
        assert_int_equal(pa_wilson(0, 1000000, 0.05, &lo, &hi), 0);
        assert_true(lo == 0 && hi > 0 && hi < 1e-5);
        assert_int_equal(pa_wilson(1000000, 1000000, 0.05, &lo, &hi), 0);
        assert_true(hi == 1);
        assert_int_equal(pa_mcnemar_exact(0, 0, &p, &midp), 0);
        assert_true(p == 1 && midp == 1);
        assert_int_equal(pa_fisher_exact(0, 0, 3, 4, &odds, &p), 0);
        assert_true(isnan(odds) && p == 1);
        assert_int_equal(pa_fisher_exact(5, 0, 0, 5, &odds, &p), 0);
        assert_true(isinf(odds));
        assert_rel(p, 2.0 / 252, 1e-12); /* two extreme tables of C(10, 5) */
        assert_int_equal(pa_cochran_q(flat, 2, 3, &q, NULL, &p), 0);
        assert_true(q == 0 && p == 1);
        assert_int_equal(pa_two_prop_z(0, 10, 0, 20, &z, &p), 0);
        assert_true(z == 0 && p == 1);
        assert_int_equal(pa_impact_ratio(sel0, tot, 2, NULL, ratio), 0);
        assert_true(ratio[0] == 1 && ratio[1] == 1);

        /* Exact symmetry at p = 1/2 and the mode at n = 10^6. */
        assert_int_equal(pa_binom_test(500000, 1000000, 0.5, &p), 0);
        assert_rel(p, 1, EXACT);
        assert_int_equal(pa_binom_test(499000, 1000000, 0.5, &a), 0);
        assert_int_equal(pa_binom_test(501000, 1000000, 0.5, &b), 0);
        assert_rel(a, b, 1e-12);
        assert_int_equal(pa_mcnemar_exact(499000, 501000, &p, NULL), 0);
        assert_rel(p, a, 1e-9);
        assert_int_equal(pa_binom_test(0, 1000000, 0.5, &p), 0);
        assert_true(p == 0); /* 2^-999999 underflows */
}

static void distributions(void **state)
{
        static const double ps[] = {1e-300, 1e-100, 1e-20, 1e-8,    0.001, 0.02425,  0.1,      0.3,
                                    0.5,    0.7,    0.9,   0.97575, 0.999, 1 - 1e-8, 1 - 1e-12};
        size_t i;
        double x;

        (void)state;
        assert_rel(pa_norm_quantile(0.975), 1.959963984540054, 1e-14);
        assert_rel(pa_norm_quantile(1e-10), -6.361340902404056, 1e-14);
        assert_rel(pa_norm_quantile(1e-300), -37.0470962993612, 1e-13);
        assert_rel(pa_norm_quantile(0.5 + 1e-12), 2.5065728237018607e-12, 1e-9);
        assert_true(pa_norm_quantile(0.5) == 0);
        assert_true(isinf(pa_norm_quantile(0)) && isinf(pa_norm_quantile(1)));
        for (i = 0; i < sizeof(ps) / sizeof(ps[0]); i++) {
                x = pa_norm_quantile(ps[i]);
                if (ps[i] < 0.5)
                        assert_rel(pa_norm_cdf(x), ps[i], 1e-13);
                else
                        assert_rel(pa_norm_sf(x), 1 - ps[i], 1e-12);
        }
        /* Q(a, x) for integer a is a Poisson lower tail. */
        assert_rel(pa_gamma_q(3, 2), 5 * exp(-2), 1e-14);
        assert_rel(pa_gamma_q(1, 30), exp(-30), 1e-13);
        assert_rel(pa_chi2_sf(3.841458820694124, 1), 0.05, 1e-12);
        /* scipy.stats.chi2.sf, small and large df. */
        assert_rel(pa_chi2_sf(0.5, 0.3), 0.15604916709686203, 1e-12);
        assert_rel(pa_chi2_sf(300, 2), 7.175095973164448e-66, 1e-12);
        assert_rel(pa_chi2_sf(1e6, 1e6), 0.4998119368033945, 1e-10);
        assert_rel(pa_chi2_sf(1002000, 1e6), 0.07871866138612969, 1e-9);
}

static void rng_streams(void **state)
{
        struct pa_rng r;
        uint64_t sm = 0, hist[7] = {0};
        double u;
        int i;

        (void)state;
        /* From a Python transcription of the reference algorithms. */
        assert_true(pa_splitmix64(&sm) == 0xe220a8397b1dcdafULL);
        pa_rng_seed(&r, 42, 0);
        assert_true(pa_rng_next(&r) == 0x1ff785474f113b15ULL);
        assert_true(pa_rng_next(&r) == 0x4b7867ceff5d8325ULL);
        assert_true(pa_rng_next(&r) == 0x90ca7a95a9909966ULL);
        pa_rng_seed(&r, 42, 1);
        assert_true(pa_rng_next(&r) == 0x584870a53e6ddcdfULL);
        for (i = 0; i < 70000; i++) {
                u = pa_rng_uniform(&r);
                assert_true(u >= 0 && u < 1);
                hist[pa_rng_below(&r, 7)]++;
        }
        for (i = 0; i < 7; i++) /* 10000 expected, sd ~93 */
                assert_in_range(hist[i], 9500, 10500);
        assert_true(pa_rng_below(&r, 0) == 0);
        assert_true(pa_rng_below(&r, 1) == 0);
}

/* 60 counterfactual pairs: item 2j in group 0, 2j + 1 in group 1. */
#define NSETS 60
static void pairs_design(size_t *start, uint8_t *group)
{
        size_t j;

        for (j = 0; j <= NSETS; j++)
                start[j] = 2 * j;
        for (j = 0; j < 2 * NSETS; j++)
                group[j] = j % 2;
}

static void resampling_is_thread_independent(void **state)
{
        size_t start[NSETS + 1], i;
        uint8_t group[2 * NSETS];
        double y[2 * NSETS], lo1, hi1, sd1, lo4, hi4, sd4, st1, p1, se1, st4, p4, se4;
        struct pa_rng r;
        int threads = omp_get_max_threads();

        (void)state;
        pairs_design(start, group);
        pa_rng_seed(&r, 5, 0);
        for (i = 0; i < 2 * NSETS; i++)
                y[i] = pa_rng_uniform(&r) + 0.3 * group[i];
        omp_set_num_threads(1);
        assert_int_equal(pa_bootstrap_mean(y, 2 * NSETS, 2000, 0.05, 9, &lo1, &hi1, &sd1), 0);
        assert_int_equal(pa_perm_test_strat(y, group, start, NSETS, 999, 9, &st1, &p1, &se1), 0);
        omp_set_num_threads(4);
        assert_int_equal(pa_bootstrap_mean(y, 2 * NSETS, 2000, 0.05, 9, &lo4, &hi4, &sd4), 0);
        assert_int_equal(pa_perm_test_strat(y, group, start, NSETS, 999, 9, &st4, &p4, &se4), 0);
        omp_set_num_threads(threads);
        assert_true(lo1 == lo4 && hi1 == hi4 && sd1 == sd4);
        assert_true(st1 == st4 && p1 == p4 && se1 == se4);
        /* A shift of 0.3 against uniform noise over 60 pairs is plain. */
        assert_true(p1 < 0.01);
        assert_rel(se1, sqrt(p1 * (1 - p1) / 999), 1e-12);
        /* A different seed gives a different bootstrap. */
        assert_int_equal(pa_bootstrap_mean(y, 2 * NSETS, 2000, 0.05, 10, &lo4, &hi4, &sd4), 0);
        assert_true(lo1 != lo4 || hi1 != hi4);
}

/* Under the null the permutation p-value is uniform: P(p <= 0.05) = 0.05
 * exactly for continuous data with (1 + hits) / (1 + 499). */
static void permutation_null_calibration(void **state)
{
        enum { TRIALS = 400 };
        size_t start[NSETS + 1], i;
        uint8_t group[2 * NSETS];
        double y[2 * NSETS], p, share05, share50, se;
        int t, below05 = 0, below50 = 0;
        struct pa_rng r;

        (void)state;
        pairs_design(start, group);
        for (t = 0; t < TRIALS; t++) {
                pa_rng_seed(&r, 1234, (uint64_t)t);
                for (i = 0; i < 2 * NSETS; i++)
                        y[i] = pa_rng_uniform(&r) + (double)(i / 2) * 0.1; /* set effects */
                assert_int_equal(pa_perm_test_strat(y, group, start, NSETS, 499, (uint64_t)(77 + t),
                                                    NULL, &p, NULL),
                                 0);
                below05 += p <= 0.05;
                below50 += p <= 0.5;
        }
        share05 = (double)below05 / TRIALS;
        share50 = (double)below50 / TRIALS;
        se = sqrt(0.05 * 0.95 / TRIALS);
        assert_true(fabs(share05 - 0.05) <= 3.5 * se);
        assert_true(fabs(share50 - 0.5) <= 3.5 * sqrt(0.25 / TRIALS));
}

static void permutation_rejects_bad_design(void **state)
{
        const size_t start[] = {0, 2, 1};
        const uint8_t one_group[] = {1, 1}, group[] = {0, 1};
        const double y[] = {1, 2};
        double p;

        (void)state;
        assert_int_equal(pa_perm_test_strat(y, group, start, 2, 10, 1, NULL, &p, NULL), PA_EINVAL);
        assert_int_equal(pa_perm_test_strat(y, one_group, start, 1, 10, 1, NULL, &p, NULL),
                         PA_EINVAL);
        assert_int_equal(pa_bootstrap_mean(y, 2, 1, 0.05, 1, &p, &p, NULL), PA_EINVAL);
}

/* The ratio bootstrap is the mean bootstrap, draw for draw, when every
 * cluster has one unit; invalid input is refused. */
static void ratio_bootstrap(void **state)
{
        double x[200], ones[200], lo1, hi1, sd1, lo2, hi2, sd2;

        (void)state;
        for (int i = 0; i < 200; i++) {
                x[i] = (i % 7 == 0) - (i % 5 == 0);
                ones[i] = 1;
        }
        assert_int_equal(pa_bootstrap_mean(x, 200, 999, 0.05, 3, &lo1, &hi1, &sd1), 0);
        assert_int_equal(pa_bootstrap_ratio(x, ones, 200, 999, 0.05, 3, &lo2, &hi2, &sd2), 0);
        assert_true(lo1 == lo2 && hi1 == hi2 && sd1 == sd2);
        ones[5] = 0;
        assert_int_equal(pa_bootstrap_ratio(x, ones, 200, 999, 0.05, 3, &lo2, &hi2, NULL),
                         PA_EINVAL);
        assert_int_equal(pa_bootstrap_ratio(x, NULL, 200, 999, 0.05, 3, &lo2, &hi2, NULL),
                         PA_EINVAL);
        x[0] = NAN;
        assert_int_equal(pa_bootstrap_mean(x, 200, 999, 0.05, 3, &lo2, &hi2, NULL), PA_EINVAL);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(unpaired_rates),
            cmocka_unit_test(counterfactual_pairs),
            cmocka_unit_test(cochran_patterns),
            cmocka_unit_test(regression_pairs),
            cmocka_unit_test(multiple_comparisons),
            cmocka_unit_test(sample_size),
            cmocka_unit_test(crows_pairs_and_logits),
            cmocka_unit_test(rejects_impossible_input),
            cmocka_unit_test(edges_and_large_n),
            cmocka_unit_test(distributions),
            cmocka_unit_test(rng_streams),
            cmocka_unit_test(resampling_is_thread_independent),
            cmocka_unit_test(permutation_null_calibration),
            cmocka_unit_test(permutation_rejects_bad_design),
            cmocka_unit_test(ratio_bootstrap),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
