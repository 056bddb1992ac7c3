/* The item-level statistics of scorers/stats: Student's and the noncentral
 * t against SciPy, the one-sample t power and MDE by simulation, the CMH
 * test's smallest reachable p, and the clustered rate's design effect. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "parity/common.h"
#include "parity/stats.h"

#define REL 1e-9

static void close_to(double got, double want, double rel)
{
        if (!(fabs(got - want) <= rel * fmax(fabs(want), 1e-300))) {
                print_error("got %.17g, want %.17g\n", got, want);
                fail();
        }
}

/* scipy.stats.nct.cdf, t.ppf and t.sf (SciPy 1.10). */
static void t_against_scipy(void **state)
{
        (void)state;
        close_to(pa_nct_cdf(2.0, 5, 1.0), 0.7780746626162148, REL);
        close_to(pa_nct_cdf(-1.5, 10, 0.5), 0.030975196534077317, REL);
        close_to(pa_nct_cdf(3.0, 29, 4.0), 0.16978270395807252, REL);
        close_to(pa_nct_cdf(0.0, 3, -1.0), 0.8413447460685429, REL);
        /* Deep in the lower tail the mixture sum cancels: absolute 1e-15. */
        assert_true(fabs(pa_nct_cdf(1.0, 100, 8.0) - 1.425279335628665e-12) < 1e-15);
        close_to(pa_t_quantile(0.975, 4), 2.7764451051977987, REL);
        close_to(pa_t_sf(2.5, 7), 0.020496109292876437, REL);
        assert_true(isnan(pa_t_sf(1, 0)));
        assert_true(isnan(pa_t_quantile(1, 5)));
}

/* The one-sample t test detects its own MDE with the promised power:
 * 4000 simulated normal samples at the MDE, detection 0.80 +- 0.02. */
static void mde_detected_at_power(void **state)
{
        static const struct {
                size_t n;
                double level;
        } designs[] = {{8, 0.05}, {30, 0.05}, {30, 0.005}};
        struct pa_rng r;

        (void)state;
        pa_rng_seed(&r, 13, 0);
        for (size_t k = 0; k < sizeof(designs) / sizeof(*designs); k++) {
                size_t n = designs[k].n, hits = 0, sims = 4000;
                double es, x[64], p;

                assert_int_equal(pa_mde_one_sample_t((double)n, designs[k].level, 0.8, &es), 0);
                for (size_t s = 0; s < sims; s++) {
                        for (size_t i = 0; i < n; i++) {
                                /* Box-Muller: sd 1, mean es. */
                                double u = pa_rng_uniform(&r), v = pa_rng_uniform(&r);

                                x[i] = es + sqrt(-2 * log1p(-u)) * cos(2 * 3.141592653589793 * v);
                        }
                        assert_int_equal(pa_one_sample_t(x, n, NULL, NULL, &p), 0);
                        hits += p < designs[k].level;
                }
                print_message("n %zu level %g: mde %.4f sd, detected %.3f\n", n, designs[k].level,
                              es, (double)hits / (double)sims);
                assert_true(fabs((double)hits / (double)sims - 0.8) < 0.02);
        }
}

/* Strata whose margins cannot move far give a smallest p that the
 * observed p never beats; a stratum with one record adds nothing. */
static void cmh_min_p_bounds_p(void **state)
{
        uint64_t t[] = {3, 0, 0, 3, 2, 1, 1, 2, 1, 0, 0, 0};
        double p, min_p, stat, odds;

        (void)state;
        assert_int_equal(pa_cmh(t, 3, 0, &stat, &p, &odds), 0);
        assert_int_equal(pa_cmh_min_p(t, 3, &min_p), 0);
        assert_true(min_p <= p);
        /* Every stratum at its extreme already: the observed is the minimum
         * on the upper side. */
        uint64_t u[] = {3, 0, 0, 3, 3, 0, 0, 3};
        assert_int_equal(pa_cmh(u, 2, 0, &stat, &p, NULL), 0);
        assert_int_equal(pa_cmh_min_p(u, 2, &min_p), 0);
        close_to(min_p, p, 1e-12);
        assert_int_equal(pa_cmh(NULL, 1, 0, NULL, NULL, NULL), PA_EINVAL);
}

/* Items that answer all-or-nothing: the design effect is the cluster size
 * and the interval is as wide as that of one record per item. */
static void cluster_rate_design_effect(void **state)
{
        double pos[10], n[10], lo, hi, deff, wlo, whi;

        (void)state;
        for (int i = 0; i < 10; i++) {
                n[i] = 20;
                pos[i] = i < 4 ? 20 : 0;
        }
        assert_int_equal(pa_cluster_rate(pos, n, 10, 0.05, &lo, &hi, &deff), 0);
        /* G / (G - 1) x the binomial variance times the cluster size. */
        close_to(deff, 20.0 * 10 / 9, 1e-12);
        assert_int_equal(pa_wilson(4, 10, 0.05, &wlo, &whi), 0);
        assert_true(lo < wlo && hi > whi); /* 9 effective records, not 200 */
        /* Independent records inside items: deff near 1. */
        for (int i = 0; i < 10; i++)
                pos[i] = i % 2 ? 9 : 11;
        assert_int_equal(pa_cluster_rate(pos, n, 10, 0.05, &lo, &hi, &deff), 0);
        assert_true(deff < 0.25); /* 0.22: less spread than binomial */
        assert_int_equal(pa_wilson(100, 200, 0.05, &wlo, &whi), 0);
        close_to(lo, wlo, 1e-12); /* deff floored at 1 */
        assert_int_equal(pa_cluster_rate(pos, n, 0, 0.05, &lo, &hi, &deff), PA_EINVAL);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(t_against_scipy),
            cmocka_unit_test(mde_detected_at_power),
            cmocka_unit_test(cmh_min_p_bounds_p),
            cmocka_unit_test(cluster_rate_design_effect),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
