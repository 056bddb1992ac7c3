/* Bootstrap (plain and cluster/ratio) and stratified permutation. Replicate i always draws from RNG
 * stream i and its result lands in slot i (or in an integer count), so the
 * answer is the same for any OpenMP thread count. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "parity/common.h"
#include "parity/stats.h"
#include "stats_impl.h"

/* Below this many draws a thread team costs more than it saves. */
#define PARALLEL_MIN 65536

static int by_value(const void *a, const void *b)
{
        double x = *(const double *)a, y = *(const double *)b;

        return (x > y) - (x < y);
}

/* numpy's default ("linear") percentile of sorted v[0..n-1]. */
static double percentile(const double *v, size_t n, double q)
{
        double pos = q * (double)(n - 1), f = floor(pos);
        size_t i = (size_t)f;

        if (i + 1 >= n)
                return v[n - 1];
        return v[i] + (pos - f) * (v[i + 1] - v[i]);
}

/* Percentile interval and SD of sum(num[j]) / sum(den[j]) over reps
 * resamples of the n units; den NULL counts every unit as 1. Replicate i
 * draws from stream i, so units are summed in the same order whatever the
 * thread count. */
static int bootstrap(const double *num, const double *den, size_t n, size_t reps, double alpha,
                     uint64_t seed, double *lo, double *hi, double *sd)
{
        double *stat, mean = 0, ss = 0;
        size_t i;

        if (!num || n == 0 || reps < 2 || !pa__alpha_ok(alpha) || !lo || !hi)
                return PA_EINVAL;
        for (i = 0; i < n; i++)
                if (!isfinite(num[i]) || (den && !(den[i] > 0 && isfinite(den[i]))))
                        return PA_EINVAL;
        stat = malloc(reps * sizeof(*stat));
        if (!stat)
                return PA_ENOMEM;
#pragma omp parallel for schedule(static) if (reps * n >= PARALLEL_MIN)
        for (i = 0; i < reps; i++) {
                struct pa_rng r;
                double sum = 0, w = 0;
                size_t j, k;

                pa_rng_seed(&r, seed, i);
                for (j = 0; j < n; j++) {
                        k = (size_t)pa_rng_below(&r, n);
                        sum += num[k];
                        w += den ? den[k] : 1;
                }
                stat[i] = sum / w;
        }
        for (i = 0; i < reps; i++)
                mean += stat[i];
        mean /= (double)reps;
        for (i = 0; i < reps; i++)
                ss += (stat[i] - mean) * (stat[i] - mean);
        qsort(stat, reps, sizeof(*stat), by_value);
        *lo = percentile(stat, reps, alpha / 2);
        *hi = percentile(stat, reps, 1 - alpha / 2);
        if (sd)
                *sd = sqrt(ss / (double)(reps - 1));
        free(stat);
        return 0;
}

int pa_bootstrap_mean(const double *x, size_t n, size_t reps, double alpha, uint64_t seed,
                      double *lo, double *hi, double *sd)
{
        return bootstrap(x, NULL, n, reps, alpha, seed, lo, hi, sd);
}

int pa_bootstrap_ratio(const double *num, const double *den, size_t n, size_t reps, double alpha,
                       uint64_t seed, double *lo, double *hi, double *sd)
{
        if (!den)
                return PA_EINVAL;
        return bootstrap(num, den, n, reps, alpha, seed, lo, hi, sd);
}

struct perm {
        const double *y;
        const uint8_t *group;
        const size_t *start;
        size_t nsets, n, n1;
        double total, tol, obs;
};

/* mean(y | 1) - mean(y | 0) for labels g; n1 is fixed by the design. */
static double mean_diff(const struct perm *pm, const uint8_t *g)
{
        double s1 = 0;
        size_t i;

        for (i = 0; i < pm->n; i++)
                if (g[i])
                        s1 += pm->y[i];
        return s1 / (double)pm->n1 - (pm->total - s1) / (double)(pm->n - pm->n1);
}

/* One replicate: shuffle a fresh copy within each set (Fisher-Yates).
 * Starting from the original labels keeps the draw independent of which
 * replicates this thread did before. */
static int perm_hit(const struct perm *pm, uint8_t *g, struct pa_rng *r)
{
        size_t s, i, j, len;
        uint8_t t;

        memcpy(g, pm->group, pm->n);
        for (s = 0; s < pm->nsets; s++) {
                len = pm->start[s + 1] - pm->start[s];
                for (i = len; i > 1; i--) {
                        j = (size_t)pa_rng_below(r, i);
                        t = g[pm->start[s] + i - 1];
                        g[pm->start[s] + i - 1] = g[pm->start[s] + j];
                        g[pm->start[s] + j] = t;
                }
        }
        return fabs(mean_diff(pm, g)) >= fabs(pm->obs) - pm->tol;
}

static int perm_setup(struct perm *pm, const double *y, const uint8_t *group,
                      const size_t *set_start, size_t nsets)
{
        double ymax = 0;
        size_t i;

        if (!y || !group || !set_start || nsets == 0 || set_start[0] != 0)
                return PA_EINVAL;
        for (i = 0; i < nsets; i++)
                if (set_start[i + 1] < set_start[i])
                        return PA_EINVAL;
        *pm = (struct perm){
            .y = y, .group = group, .start = set_start, .nsets = nsets, .n = set_start[nsets]};
        for (i = 0; i < pm->n; i++) {
                if (group[i] > 1 || !isfinite(y[i]))
                        return PA_EINVAL;
                pm->n1 += group[i];
                pm->total += y[i];
                ymax = fmax(ymax, fabs(y[i]));
        }
        if (pm->n1 == 0 || pm->n1 == pm->n)
                return PA_EINVAL;
        /* Relabellings that tie the observed statistic in exact arithmetic
         * may differ from it by rounding; they must count as hits. */
        pm->tol = 1e-10 * ymax;
        pm->obs = mean_diff(pm, group);
        return 0;
}

int pa_perm_test_strat(const double *y, const uint8_t *group, const size_t *set_start, size_t nsets,
                       size_t reps, uint64_t seed, double *stat, double *p, double *se)
{
        struct perm pm;
        size_t hits = 0, i;
        int rc, oom = 0;
        double pv;

        if ((rc = perm_setup(&pm, y, group, set_start, nsets)) < 0)
                return rc;
        if (reps == 0 || !p)
                return PA_EINVAL;
#pragma omp parallel reduction(+ : hits) reduction(| : oom) if (reps * pm.n >= PARALLEL_MIN)
        {
                uint8_t *g = malloc(pm.n);
                struct pa_rng r;

                if (!g)
                        oom = 1;
#pragma omp for schedule(static)
                for (i = 0; i < reps; i++) {
                        if (!g)
                                continue;
                        pa_rng_seed(&r, seed, i);
                        hits += (size_t)perm_hit(&pm, g, &r);
                }
                free(g);
        }
        if (oom)
                return PA_ENOMEM;
        pv = (1.0 + (double)hits) / (1.0 + (double)reps);
        *p = pv;
        if (stat)
                *stat = pm.obs;
        if (se)
                *se = sqrt(pv * (1 - pv) / (double)reps);
        return 0;
}
