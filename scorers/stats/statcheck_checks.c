/* parity-statcheck's checks (statcheck.h): one function per key of a
 * vectors file, recomputing an item's expected values with scorers/stats,
 * and the table that maps the keys to them. */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "parity/common.h"
#include "parity/stats.h"
#include "statcheck.h"

/* ---- one function per vectors key ---- */

static int check_wilson(struct ctx *c, json_t *e)
{
        uint64_t k, n;
        double alpha, lo, hi;
        int rc;

        if ((rc = pa__sc_get_count(c, e, "successes", &k)) < 0 ||
            (rc = pa__sc_get_count(c, e, "trials", &n)) < 0 ||
            (rc = pa__sc_get_real(c, e, "alpha", &alpha)) < 0)
                return rc;
        if ((rc = pa_wilson(k, n, alpha, &lo, &hi)) < 0)
                return pa__sc_rejected(c, rc);
        if ((rc = pa__sc_expect(c, e, "lower", lo)) < 0)
                return rc;
        return pa__sc_expect(c, e, "upper", hi);
}

static int check_newcombe(struct ctx *c, json_t *e)
{
        uint64_t k1, n1, k2, n2;
        double alpha, lo, hi;
        int rc;

        if ((rc = pa__sc_get_count(c, e, "k1", &k1)) < 0 ||
            (rc = pa__sc_get_count(c, e, "n1", &n1)) < 0 ||
            (rc = pa__sc_get_count(c, e, "k2", &k2)) < 0 ||
            (rc = pa__sc_get_count(c, e, "n2", &n2)) < 0 ||
            (rc = pa__sc_get_real(c, e, "alpha", &alpha)) < 0)
                return rc;
        if ((rc = pa_newcombe_diff(k1, n1, k2, n2, alpha, &lo, &hi)) < 0)
                return pa__sc_rejected(c, rc);
        if ((rc = pa__sc_expect(c, e, "lower", lo)) < 0)
                return rc;
        return pa__sc_expect(c, e, "upper", hi);
}

static int check_fisher(struct ctx *c, json_t *e)
{
        uint64_t *t;
        size_t rows, cols = 2;
        double odds, p;
        int rc;

        if ((rc = pa__sc_get_matrix(c, e, "table", &rows, &cols, UINT64_MAX, &t)) < 0)
                return rc;
        if (rows != 2) {
                free(t);
                return pa__sc_bad(c, "\"table\" must be 2 x 2");
        }
        rc = pa_fisher_exact(t[0], t[1], t[2], t[3], &odds, &p);
        free(t);
        if (rc < 0)
                return pa__sc_rejected(c, rc);
        if ((rc = pa__sc_expect(c, e, "p", p)) < 0)
                return rc;
        /* Optional: the reference format has no odds ratio, ours adds it
         * where it is finite. */
        if (json_object_get(e, "odds_ratio"))
                return pa__sc_expect(c, e, "odds_ratio", odds);
        return 0;
}

static int check_chi2(struct ctx *c, json_t *e)
{
        uint64_t *t;
        size_t rows, cols = 2;
        double stat, df, p;
        int rc;

        if ((rc = pa__sc_get_matrix(c, e, "table", &rows, &cols, UINT64_MAX, &t)) < 0)
                return rc;
        rc = pa_chi2_kx2(t, rows, &stat, &df, &p);
        free(t);
        if (rc < 0)
                return pa__sc_rejected(c, rc);
        if ((rc = pa__sc_expect(c, e, "chi2", stat)) < 0 ||
            (rc = pa__sc_expect(c, e, "dof", df)) < 0)
                return rc;
        return pa__sc_expect(c, e, "p", p);
}

/* b and c come from "b"/"c" or from the table's off-diagonal; with both,
 * they must agree. */
static int check_mcnemar(struct ctx *c, json_t *e)
{
        uint64_t *t = NULL, b, cc;
        size_t rows, cols = 2;
        int have_bc = json_object_get(e, "b") || json_object_get(e, "c"), rc;
        double p;

        if (have_bc && ((rc = pa__sc_get_count(c, e, "b", &b)) < 0 ||
                        (rc = pa__sc_get_count(c, e, "c", &cc)) < 0))
                return rc;
        if (json_object_get(e, "table") || !have_bc) {
                if ((rc = pa__sc_get_matrix(c, e, "table", &rows, &cols, UINT64_MAX, &t)) < 0)
                        return rc;
                if (rows != 2)
                        rc = pa__sc_bad(c, "\"table\" must be 2 x 2");
                else if (have_bc && (t[1] != b || t[2] != cc))
                        rc = pa__sc_bad(c, "\"b\", \"c\" disagree with the table's off-diagonal");
                b = t[1];
                cc = t[2];
                free(t);
                if (rc < 0)
                        return rc;
        }
        if ((rc = pa_mcnemar_exact(b, cc, &p, NULL)) < 0)
                return pa__sc_rejected(c, rc);
        return pa__sc_expect(c, e, "p", p);
}

static int check_cochran(struct ctx *c, json_t *e)
{
        uint64_t *m;
        uint8_t *x;
        size_t rows, cols = 0, i;
        double q, df, p;
        int rc;

        if ((rc = pa__sc_get_matrix(c, e, "matrix", &rows, &cols, 1, &m)) < 0)
                return rc;
        if (!(x = malloc(rows * cols))) {
                free(m);
                return pa__sc_bad(c, "out of memory");
        }
        for (i = 0; i < rows * cols; i++)
                x[i] = (uint8_t)m[i];
        free(m);
        rc = pa_cochran_q(x, rows, cols, &q, &df, &p);
        free(x);
        if (rc < 0)
                return pa__sc_rejected(c, rc);
        if ((rc = pa__sc_expect(c, e, "q", q)) < 0 || (rc = pa__sc_expect(c, e, "df", df)) < 0)
                return rc;
        return pa__sc_expect(c, e, "p", p);
}

static int check_z(struct ctx *c, json_t *e)
{
        uint64_t k1, n1, k2, n2;
        double z, p;
        int rc;

        if ((rc = pa__sc_get_count(c, e, "k1", &k1)) < 0 ||
            (rc = pa__sc_get_count(c, e, "n1", &n1)) < 0 ||
            (rc = pa__sc_get_count(c, e, "k2", &k2)) < 0 ||
            (rc = pa__sc_get_count(c, e, "n2", &n2)) < 0)
                return rc;
        if ((rc = pa_two_prop_z(k1, n1, k2, n2, &z, &p)) < 0)
                return pa__sc_rejected(c, rc);
        if ((rc = pa__sc_expect(c, e, "z", z)) < 0)
                return rc;
        return pa__sc_expect(c, e, "p", p);
}

static int check_power(struct ctx *c, json_t *e)
{
        double p1, p2, alpha, power, n;
        int rc;

        if ((rc = pa__sc_get_real(c, e, "p1", &p1)) < 0 ||
            (rc = pa__sc_get_real(c, e, "p2", &p2)) < 0 ||
            (rc = pa__sc_get_real(c, e, "alpha", &alpha)) < 0 ||
            (rc = pa__sc_get_real(c, e, "power", &power)) < 0)
                return rc;
        if ((rc = pa_power_n_two_prop(p1, p2, alpha, power, &n)) < 0)
                return pa__sc_rejected(c, rc);
        if ((rc = pa__sc_expect(c, e, "cohens_h", pa_cohens_h(p1, p2))) < 0)
                return rc;
        return pa__sc_expect(c, e, "n_per_group", n);
}

static int check_binom(struct ctx *c, json_t *e)
{
        uint64_t k, n;
        double p0, p;
        int rc;

        if ((rc = pa__sc_get_count(c, e, "k", &k)) < 0 ||
            (rc = pa__sc_get_count(c, e, "n", &n)) < 0 ||
            (rc = pa__sc_get_real(c, e, "p0", &p0)) < 0)
                return rc;
        if ((rc = pa_binom_test(k, n, p0, &p)) < 0)
                return pa__sc_rejected(c, rc);
        return pa__sc_expect(c, e, "p", p);
}

static int check_p_adjust(struct ctx *c, json_t *e)
{
        static const struct {
                const char *field;
                enum pa_p_adjust method;
        } methods[] = {{"bh", PA_ADJ_BH}, {"holm", PA_ADJ_HOLM}, {"bonferroni", PA_ADJ_BONFERRONI}};
        double *p = NULL, *want = NULL, *got = NULL;
        size_t n = 0, m, j;
        int rc;

        if ((rc = pa__sc_get_reals(c, e, "p", &n, &p)) < 0)
                return rc;
        if (!(got = malloc(n * sizeof(*got)))) {
                rc = pa__sc_bad(c, "out of memory");
                goto fail;
        }
        for (m = 0; m < sizeof(methods) / sizeof(methods[0]); m++) {
                if ((rc = pa__sc_get_reals(c, e, methods[m].field, &n, &want)) < 0)
                        goto fail;
                if ((rc = pa_p_adjust(p, n, methods[m].method, got)) < 0) {
                        rc = pa__sc_rejected(c, rc);
                        goto fail;
                }
                for (j = 0; j < n; j++)
                        pa__sc_compare_at(c, methods[m].field, j, want[j], got[j]);
                free(want);
                want = NULL;
        }
fail:
        free(p);
        free(want);
        free(got);
        return rc;
}

static int check_impact(struct ctx *c, json_t *e)
{
        json_t *sel = json_object_get(e, "selected");
        uint64_t *s = NULL, *t = NULL;
        double *rates = NULL, *ratio = NULL, *want = NULL;
        size_t n = json_is_array(sel) ? json_array_size(sel) : 0, j;
        int rc;

        if (!n)
                return pa__sc_bad(c, "\"selected\" must be a nonempty array of counts");
        if ((rc = pa__sc_get_counts(c, e, "selected", n, &s)) < 0 ||
            (rc = pa__sc_get_counts(c, e, "total", n, &t)) < 0)
                goto fail;
        rates = malloc(n * sizeof(*rates));
        ratio = malloc(n * sizeof(*ratio));
        if (!rates || !ratio) {
                rc = pa__sc_bad(c, "out of memory");
                goto fail;
        }
        if ((rc = pa_impact_ratio(s, t, n, rates, ratio)) < 0) {
                rc = pa__sc_rejected(c, rc);
                goto fail;
        }
        if ((rc = pa__sc_get_reals(c, e, "rates", &n, &want)) < 0)
                goto fail;
        for (j = 0; j < n; j++)
                pa__sc_compare_at(c, "rates", j, want[j], rates[j]);
        free(want);
        if ((rc = pa__sc_get_reals(c, e, "impact_ratio", &n, &want)) < 0)
                goto fail;
        for (j = 0; j < n; j++)
                pa__sc_compare_at(c, "impact_ratio", j, want[j], ratio[j]);
fail:
        free(s);
        free(t);
        free(rates);
        free(ratio);
        free(want);
        return rc;
}

/* Exact sign-flip p, and its inverted interval where the item has one (it
 * has none when the test cannot reach alpha). */
static int check_signflip(struct ctx *c, json_t *e)
{
        double *x = NULL, alpha, p, lo, hi;
        size_t n = 0;
        bool exact;
        int rc;

        if ((rc = pa__sc_get_reals(c, e, "x", &n, &x)) < 0 ||
            (rc = pa__sc_get_real(c, e, "alpha", &alpha)) < 0)
                goto out;
        if (n > PA_SIGNFLIP_EXACT_MAX) {
                rc = pa__sc_bad(c, "\"x\" must have at most %d values", PA_SIGNFLIP_EXACT_MAX);
                goto out;
        }
        if ((rc = pa_signflip_test(x, n, 0, 0, &p, &exact)) < 0 ||
            (rc = pa_signflip_ci(x, n, 0, 0, alpha, &lo, &hi)) < 0) {
                rc = pa__sc_rejected(c, rc);
                goto out;
        }
        if ((rc = pa__sc_expect(c, e, "p", p)) < 0)
                goto out;
        if (json_object_get(e, "lower") && ((rc = pa__sc_expect(c, e, "lower", lo)) < 0 ||
                                            (rc = pa__sc_expect(c, e, "upper", hi)) < 0))
                goto out;
        if (!json_object_get(e, "lower") && (isfinite(lo) || isfinite(hi)))
                rc = pa__sc_bad(c, "a finite interval where the reference has none");
out:
        free(x);
        return rc;
}

static const struct checker checkers[] = {
    {"wilson", check_wilson},
    {"newcombe_diff", check_newcombe},
    {"fisher_exact_two_sided", check_fisher},
    {"chi2_independence", check_chi2},
    {"mcnemar_exact", check_mcnemar},
    {"cochrans_q", check_cochran},
    {"two_proportion_z", check_z},
    {"power_two_proportions", check_power},
    {"binom_two_sided", check_binom},
    {"p_adjust", check_p_adjust},
    {"impact_ratio", check_impact},
    {"cmh", pa__sc_check_cmh},
    {"one_sample_t", pa__sc_check_one_sample_t},
    {"power_one_sample_t", pa__sc_check_power_t},
    {"signflip_exact", pa__sc_check_signflip_exact},
    {"signflip", check_signflip},
    {"mann_whitney_u", pa__sc_check_mwu},
    {"cohens_kappa", pa__sc_check_kappa},
    {NULL, NULL},
};

const struct checker *pa__sc_find_checker(const char *key)
{
        const struct checker *ck;

        for (ck = checkers; ck->key; ck++)
                if (!strcmp(ck->key, key))
                        return ck;
        return NULL;
}
