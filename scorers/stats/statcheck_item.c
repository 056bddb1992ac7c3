/* parity-statcheck's checks of the item-level statistics (statcheck.h):
 * the CMH test, the one-sample t test and its power and minimum detectable
 * effect, and the exact sign-flip test. */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <jansson.h>

#include "parity/common.h"
#include "parity/stats.h"
#include "statcheck.h"

/* A list of 2x2 tables [[[a, b], [c, d]], ...] as 4 counts each. */
static int get_tables(struct ctx *c, json_t *e, uint64_t **out, size_t *k)
{
        json_t *ts = json_object_get(e, "tables"), *t;
        size_t i;

        if (!json_is_array(ts) || !(*k = json_array_size(ts)))
                return pa__sc_bad(c, "\"tables\" must be a nonempty array of 2x2 tables");
        if (!(*out = calloc(4 * *k, sizeof(**out))))
                return pa__sc_bad(c, "out of memory");
        json_array_foreach(ts, i, t)
        {
                for (size_t j = 0; j < 4; j++) {
                        json_t *v = json_array_get(json_array_get(t, j / 2), j % 2);

                        if (!json_is_integer(v) || json_integer_value(v) < 0 ||
                            json_array_size(t) != 2 ||
                            json_array_size(json_array_get(t, j / 2)) != 2) {
                                free(*out);
                                return pa__sc_bad(c, "table %zu: expected [[a, b], [c, d]] counts",
                                                  i);
                        }
                        (*out)[4 * i + j] = (uint64_t)json_integer_value(v);
                }
        }
        return 0;
}

int pa__sc_check_cmh(struct ctx *c, json_t *e)
{
        uint64_t *t = NULL;
        size_t k = 0;
        double s, p, sc, pc, odds;
        int rc;

        if ((rc = get_tables(c, e, &t, &k)) < 0)
                return rc;
        rc = pa_cmh(t, k, 0, &s, &p, &odds);
        if (rc == 0)
                rc = pa_cmh(t, k, 1, &sc, &pc, NULL);
        free(t);
        if (rc < 0)
                return pa__sc_rejected(c, rc);
        if ((rc = pa__sc_expect(c, e, "statistic", s)) < 0 ||
            (rc = pa__sc_expect(c, e, "p", p)) < 0 ||
            (rc = pa__sc_expect(c, e, "statistic_corrected", sc)) < 0 ||
            (rc = pa__sc_expect(c, e, "p_corrected", pc)) < 0)
                return rc;
        return pa__sc_expect(c, e, "odds_ratio_mh", odds);
}

int pa__sc_check_one_sample_t(struct ctx *c, json_t *e)
{
        double *d, t, df, p;
        size_t n = 0; /* any length */
        int rc;

        if ((rc = pa__sc_get_reals(c, e, "d", &n, &d)) < 0)
                return rc;
        rc = pa_one_sample_t(d, n, &t, &df, &p);
        free(d);
        if (rc < 0)
                return pa__sc_rejected(c, rc);
        if ((rc = pa__sc_expect(c, e, "t", t)) < 0 || (rc = pa__sc_expect(c, e, "df", df)) < 0)
                return rc;
        return pa__sc_expect(c, e, "p", p);
}

/* A root found by a solver: statsmodels' solve_power stops about 1e-6
 * (relative) from the root it brackets, so an MDE is compared to 1e-5;
 * SciPy's brentq to 1e-14 agrees with ours to 1e-9 (gen_stat_vectors.py). */
static int expect_root(struct ctx *c, json_t *e, const char *field, double got)
{
        double want;
        int rc;

        if ((rc = pa__sc_get_real(c, e, field, &want)) < 0)
                return rc;
        c->checked++;
        if (!(fabs(got - want) <= 1e-5 * fabs(want))) {
                c->off++;
                printf("%s[%zu].%s: expected %.12g, got %.15g (1e-5 relative)\n", c->key, c->index,
                       field, want, got);
        }
        return 0;
}

int pa__sc_check_power_t(struct ctx *c, json_t *e)
{
        double nobs, alpha, es, power, mde;
        int rc;

        if ((rc = pa__sc_get_real(c, e, "nobs", &nobs)) < 0 ||
            (rc = pa__sc_get_real(c, e, "alpha", &alpha)) < 0 ||
            (rc = pa__sc_get_real(c, e, "effect_size", &es)) < 0)
                return rc;
        if ((rc = pa_power_one_sample_t(es, nobs, alpha, &power)) < 0 ||
            (rc = pa_mde_one_sample_t(nobs, alpha, 0.8, &mde)) < 0)
                return pa__sc_rejected(c, rc);
        if ((rc = pa__sc_expect(c, e, "power", power)) < 0)
                return rc;
        return expect_root(c, e, "mde_effect_size_at_power_0_8", mde);
}

/* The shared file's exact sign-flip items: {d, mean, p}; n <= 20. */
int pa__sc_check_signflip_exact(struct ctx *c, json_t *e)
{
        double *d, p = 1, mean = 0;
        size_t n = 0; /* any length */
        bool exact = false;
        int rc;

        if ((rc = pa__sc_get_reals(c, e, "d", &n, &d)) < 0)
                return rc;
        if (n > PA_SIGNFLIP_EXACT_MAX) {
                free(d);
                return pa__sc_bad(c, "\"d\": at most %d values for the exact test",
                                  PA_SIGNFLIP_EXACT_MAX);
        }
        for (size_t i = 0; i < n; i++)
                mean += d[i] / (double)n;
        rc = pa_signflip_test(d, n, 1, 1, &p, &exact);
        free(d);
        if (rc < 0)
                return pa__sc_rejected(c, rc);
        if (!exact)
                return pa__sc_bad(c, "the test was not exact");
        if ((rc = pa__sc_expect(c, e, "mean", mean)) < 0)
                return rc;
        return pa__sc_expect(c, e, "p", p);
}

int pa__sc_check_mwu(struct ctx *c, json_t *e)
{
        double *x, *y, u1, p;
        size_t nx = 0, ny = 0; /* any length */
        int rc;

        if ((rc = pa__sc_get_reals(c, e, "x", &nx, &x)) < 0)
                return rc;
        if ((rc = pa__sc_get_reals(c, e, "y", &ny, &y)) < 0) {
                free(x);
                return rc;
        }
        rc = pa_mann_whitney_u(x, nx, y, ny, &u1, &p);
        free(x);
        free(y);
        if (rc < 0)
                return pa__sc_rejected(c, rc);
        if ((rc = pa__sc_expect(c, e, "u1", u1)) < 0)
                return rc;
        return pa__sc_expect(c, e, "p", p);
}

int pa__sc_check_kappa(struct ctx *c, json_t *e)
{
        uint64_t *t;
        size_t rows = 0, cols = 0;
        double alpha, kappa, se, lo, hi;
        int rc;

        if ((rc = pa__sc_get_real(c, e, "alpha", &alpha)) < 0 ||
            (rc = pa__sc_get_matrix(c, e, "table", &rows, &cols, UINT64_MAX, &t)) < 0)
                return rc;
        rc = rows == cols ? pa_cohens_kappa(t, rows, alpha, &kappa, &se, &lo, &hi) : PA_EINVAL;
        free(t);
        if (rc < 0)
                return pa__sc_rejected(c, rc);
        if ((rc = pa__sc_expect(c, e, "kappa", kappa)) < 0 ||
            (rc = pa__sc_expect(c, e, "se", se)) < 0 || (rc = pa__sc_expect(c, e, "lower", lo)) < 0)
                return rc;
        return pa__sc_expect(c, e, "upper", hi);
}
