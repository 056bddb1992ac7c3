/* The comparisons' tests and intervals (analysis_int.h), run once the
 * run's family is known, since its size sets the Monte-Carlo resamples:
 * every comparison must be able to reach the smallest level the
 * correction can ask of it.
 *
 * Each interval agrees with its test: the sign-flip interval inverts the
 * sign-flip test with the same patterns and seed; McNemar's exact p equals
 * the exact sign-flip p on the same items; the CMH interval uses the
 * test's own null variance, so it excludes 0 exactly when CMH's p < alpha. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "parity/report.h"
#include "parity/stats.h"
#include "analysis_int.h"

/* A first pass of this many patterns settles every comparison that is
 * clearly not significant: its p is then final (p from fewer patterns is
 * still valid, only coarser; it is above alpha, hence never flagged). */
#define FIRST_PASS 4000

void pa__run_tests_release(struct run_tests *rt)
{
        for (size_t i = 0; i < rt->n; i++) {
                free(rt->v[i].d);
                free(rt->v[i].tables);
        }
        free(rt->v);
        memset(rt, 0, sizeof(*rt));
}

static void mean_sd(const double *x, size_t n, double *mean, double *sd)
{
        double m = 0, ss = 0;

        for (size_t i = 0; i < n; i++)
                m += x[i];
        m = n ? m / (double)n : 0;
        for (size_t i = 0; i < n; i++)
                ss += (x[i] - m) * (x[i] - m);
        *mean = m;
        *sd = n > 1 ? sqrt(ss / (double)(n - 1)) : 0;
}

static int run_signflip(struct comparison *cmp, size_t reps, double alpha)
{
        size_t used = reps > FIRST_PASS ? FIRST_PASS : reps;
        bool exact = false;
        int rc;

        mean_sd(cmp->d, cmp->n, &cmp->diff, &cmp->sd);
        cmp->min_p = pa_signflip_min_p(cmp->n, reps);
        if (cmp->n == 0)
                return 0;
        rc = pa_signflip_test(cmp->d, cmp->n, used, cmp->seed, &cmp->p, &exact);
        if (rc == 0 && !exact && used < reps && cmp->p < 2 * alpha) {
                used = reps;
                rc = pa_signflip_test(cmp->d, cmp->n, used, cmp->seed, &cmp->p, &exact);
        }
        if (rc == 0 && cmp->test == TEST_MCNEMAR) {
                uint64_t b = 0, c = 0;

                for (size_t i = 0; i < cmp->n; i++) {
                        b += cmp->d[i] < 0;
                        c += cmp->d[i] > 0;
                }
                pa_mcnemar_exact(b, c, &cmp->p, NULL);
                cmp->min_p = fmin(1, ldexp(2.0, -(int)fmin((double)(b + c), 1000)));
        }
        cmp->reps = exact ? 0 : used;
        if (rc == 0)
                rc = pa_signflip_ci(cmp->d, cmp->n, used, cmp->seed, alpha, &cmp->lo, &cmp->hi);
        return rc;
}

/* CMH over the sets; the Mantel-Haenszel weighted difference
 * sum w (p1 - p2) / sum w, w = n1 n2 / N, has numerator sum (a - E[a]),
 * so with the null variance V the statistic is (W d)^2 / V and the
 * interval d +- z sqrt(V) / W excludes 0 exactly when p < alpha. */
static int run_cmh(struct comparison *cmp, double alpha)
{
        double w = 0, num = 0, v = 0, stat, z = -pa_norm_quantile(alpha / 2);
        int rc;

        for (size_t i = 0; i < cmp->strata; i++) {
                const uint64_t *t = cmp->tables + 4 * i;
                double n1 = (double)(t[0] + t[1]), n2 = (double)(t[2] + t[3]), n = n1 + n2;
                double m1 = (double)(t[0] + t[2]), m2 = (double)(t[1] + t[3]);

                w += n1 * n2 / n;
                num += n1 * n2 / n * ((double)t[0] / n1 - (double)t[2] / n2);
                v += n > 1 ? n1 * n2 * m1 * m2 / (n * n * (n - 1)) : 0;
        }
        if ((rc = pa_cmh(cmp->tables, cmp->strata, 0, &stat, &cmp->p, NULL)) ||
            (rc = pa_cmh_min_p(cmp->tables, cmp->strata, &cmp->min_p)))
                return rc;
        cmp->diff = w > 0 ? num / w : 0;
        cmp->se = w > 0 ? sqrt(v) / w : 0;
        cmp->lo = cmp->diff - z * cmp->se;
        cmp->hi = cmp->diff + z * cmp->se;
        return 0;
}

static int run_one(struct comparison *cmp, size_t reps, double alpha)
{
        const uint64_t *f = cmp->fisher;
        double rg, rr;

        switch (cmp->test) {
        case TEST_SIGNFLIP:
        case TEST_MCNEMAR:
                return run_signflip(cmp, reps, alpha);
        case TEST_CMH:
                return run_cmh(cmp, alpha);
        case TEST_FISHER:
                /* No counterfactual pairs (answers failed): the groups
                 * unpaired, with Newcombe's interval. */
                rg = (double)f[0] / (double)(f[0] + f[1]);
                rr = (double)f[2] / (double)(f[2] + f[3]);
                cmp->diff = rg - rr;
                cmp->min_p = 0;
                if (pa_fisher_exact(f[0], f[1], f[2], f[3], NULL, &cmp->p))
                        return PA_EINVAL;
                return pa_newcombe_diff(f[0], f[0] + f[1], f[2], f[2] + f[3], alpha, &cmp->lo,
                                        &cmp->hi);
        }
        return PA_EINVAL;
}

int pa__run_tests(struct run_tests *rt, const struct pa_analysis_conf *c)
{
        int rc = 0;

        /* Enough patterns that a Monte-Carlo p can go below the smallest
         * level of the family, alpha / m, with margin. */
        rt->reps = pa_signflip_reps_for(c->alpha / (double)(rt->n ? rt->n : 1));
        if (rt->reps < c->perm_reps)
                rt->reps = c->perm_reps;
#pragma omp parallel for schedule(dynamic) reduction(min : rc)
        for (size_t i = 0; i < rt->n; i++) {
                int r = run_one(&rt->v[i], rt->reps, c->alpha);

                rc = r < rc ? r : rc;
        }
        return rc;
}

size_t pa__items_needed(size_t reps, double level)
{
        size_t n;

        for (n = 1; n < 4096 && !(pa_signflip_min_p(n, reps) < level); n++)
                ;
        return n;
}

/* E|X| for X ~ N(mu, sd^2). */
static double mean_abs(double mu, double sd)
{
        if (sd <= 0)
                return fabs(mu);
        return sd * 0.7978845608028654 * exp(-mu * mu / (2 * sd * sd)) +
               mu * (1 - 2 * pa_norm_cdf(-mu / sd));
}

/* The answers of the group and the reference in a set are taken as coupled
 * as a shared seed couples them: per sample they differ with probability
 * |e|, e the set's true difference, so a set mean of m samples has
 * variance (|e| - e^2) / m. tau is the spread of the sets' observed
 * differences less that sampling variance: spread(tau) = tau^2 +
 * (E|e| - mu^2 - tau^2) / m grows with tau. For independent answers tau
 * comes out large. Fewer than two sets: no growth (wsum 0). */
struct sets_fit pa__coupling_fit(const struct coupling *k)
{
        struct sets_fit f = {0};
        double v = k->v, minv = k->minv, lo = 0, hi = 1;

        if (k->n < 2)
                return f;
        f.mu = k->mu;
        f.wsum = k->wsum;
        for (int i = 0; i < 60; i++) {
                double t = 0.5 * (lo + hi);

                if (t * t * (1 - minv) + (mean_abs(f.mu, t) - f.mu * f.mu) * minv < v)
                        lo = t;
                else
                        hi = t;
        }
        f.tau = lo;
        return f;
}

/* What a shift of delta in the group's rate adds to the item sd^2: answers
 * that agree at no effect start to differ as it grows, which the sd seen
 * at no effect misses. The larger of the two directions, never below 0. */
static double growth(const struct sets_fit *f, double delta)
{
        double best = 0;

        for (int dir = -1; dir <= 1; dir += 2) {
                double x = dir * delta;

                best = fmax(best, mean_abs(f->mu + x, f->tau) - mean_abs(f->mu, f->tau) -
                                      2 * x * f->mu - x * x);
        }
        return best * f->wsum;
}

/* The smallest effect a run flags with the power of es (the one-sample t
 * test's MDE in sds of n items): significant, es item sds, and at least
 * min_diff, the flag's other condition, tq standard errors inside the
 * estimate's spread. The items' sd is the one at that effect: the sd seen
 * plus the growth. The smallest fixed point, approached from below. */
static double mde_at_effect(const struct comparison *cmp, double es, double tq, double min_diff)
{
        const struct sets_fit f = cmp->fit;
        double s2 = cmp->sd * cmp->sd, rn = sqrt((double)cmp->n), x = 1e-6;

        for (int i = 0; i < 200 && x <= 1; i++) {
                double sd = sqrt(s2 + growth(&f, x));
                double nx = fmax(es * sd, min_diff + tq * sd / rn);

                if (fabs(nx - x) < 1e-10)
                        return nx;
                x = nx;
        }
        return x;
}

double pa__mde(const struct comparison *cmp, double level, double power, double min_diff)
{
        double es, need, z;

        if (!(cmp->min_p < level))
                return -1;
        if (cmp->test == TEST_CMH) {
                z = pa_norm_quantile(1 - level / 2) + pa_norm_quantile(power);
                need = fmax(z * cmp->se, min_diff + pa_norm_quantile(power) * cmp->se);
        } else if (cmp->test == TEST_FISHER || cmp->n < 2 ||
                   pa_mde_one_sample_t((double)cmp->n, level, power, &es)) {
                return -1;
        } else {
                /* The one-sample t test's MDE in the items' own sd (noncentral
                 * t): the sign-flip test's power is close to it on items;
                 * tests/test_analysis_items.c measures detection at the MDE.
                 * Items that move by 0 or 1 (McNemar, or no spread seen) need
                 * at least the items the exact test needs to reach the level. */
                double tq = pa_t_quantile(power, (double)cmp->n - 1);

                need = mde_at_effect(cmp, es, tq, min_diff);
                if (cmp->test == TEST_MCNEMAR || cmp->sd == 0)
                        need = fmax(need, (double)pa__items_needed(0, level) / (double)cmp->n);
        }
        return need <= 1 ? need : -1;
}
