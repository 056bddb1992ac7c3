/* Intervals and summaries of rates: Wilson, Newcombe, the paired Wald
 * interval, the empirical logit and the impact ratio. */
#include <math.h>

#include "parity/common.h"
#include "parity/stats.h"
#include "stats_impl.h"

/* Wilson bounds for k <= n - k. The lower bound comes from the product of
 * the roots, phat^2 / (1 + z^2/n), instead of center - dist, which cancels
 * for small k and large n. */
static void wilson_low_half(double k, double n, double z, double *lo, double *hi)
{
        double ph = k / n, z2 = z * z, den = 1 + z2 / n;

        *hi = (ph + z2 / (2 * n) + z * sqrt(ph * (1 - ph) / n + z2 / (4 * n * n))) / den;
        *lo = ph * ph / (den * *hi);
}

int pa_wilson(uint64_t k, uint64_t n, double alpha, double *lo, double *hi)
{
        double z, l, h;

        if (k > n || !pa__alpha_ok(alpha) || !lo || !hi)
                return PA_EINVAL;
        if (n == 0) {
                *lo = 0;
                *hi = 1;
                return 0;
        }
        z = -pa_norm_quantile(alpha / 2);
        if (k <= n - k) {
                wilson_low_half((double)k, (double)n, z, &l, &h);
                *lo = l;
                *hi = h;
        } else {
                /* Mirror so 1 - bound is taken of the small side only. */
                wilson_low_half((double)(n - k), (double)n, z, &l, &h);
                *lo = 1 - h;
                *hi = 1 - l;
        }
        return 0;
}

int pa_newcombe_diff(uint64_t k1, uint64_t n1, uint64_t k2, uint64_t n2, double alpha, double *lo,
                     double *hi)
{
        double l1, u1, l2, u2, p1, p2;
        int rc;

        if (n1 == 0 || n2 == 0 || !lo || !hi)
                return PA_EINVAL;
        if ((rc = pa_wilson(k1, n1, alpha, &l1, &u1)) < 0 ||
            (rc = pa_wilson(k2, n2, alpha, &l2, &u2)) < 0)
                return rc;
        p1 = (double)k1 / (double)n1;
        p2 = (double)k2 / (double)n2;
        *lo = p1 - p2 - hypot(p1 - l1, u2 - p2);
        *hi = p1 - p2 + hypot(u1 - p1, p2 - l2);
        return 0;
}

int pa_paired_diff_wald(uint64_t b, uint64_t c, uint64_t n, double alpha, double *lo, double *hi,
                        double *se)
{
        double dn = (double)n, delta, var, s, z;

        if (n == 0 || b > n || c > n - b || !pa__alpha_ok(alpha) || !lo || !hi)
                return PA_EINVAL;
        delta = ((double)c - (double)b) / dn;
        var = ((double)b + (double)c) / dn - delta * delta;
        s = sqrt((var > 0 ? var : 0) / dn);
        z = -pa_norm_quantile(alpha / 2);
        *lo = delta - z * s;
        *hi = delta + z * s;
        if (se)
                *se = s;
        return 0;
}

int pa_empirical_logit(uint64_t k, uint64_t n, double *logit)
{
        if (k > n || !logit)
                return PA_EINVAL;
        *logit = log(((double)k + 0.5) / ((double)(n - k) + 0.5));
        return 0;
}

int pa_impact_ratio(const uint64_t *selected, const uint64_t *total, size_t groups, double *rates,
                    double *ratio)
{
        double best = 0, r;
        size_t i;

        if (groups == 0 || !selected || !total || !ratio)
                return PA_EINVAL;
        for (i = 0; i < groups; i++) {
                if (total[i] == 0 || selected[i] > total[i])
                        return PA_EINVAL;
                r = (double)selected[i] / (double)total[i];
                if (r > best)
                        best = r;
        }
        for (i = 0; i < groups; i++) {
                r = (double)selected[i] / (double)total[i];
                if (rates)
                        rates[i] = r;
                ratio[i] = best > 0 ? r / best : 1;
        }
        return 0;
}

int pa_cluster_rate(const double *pos, const double *n, size_t clusters, double alpha, double *lo,
                    double *hi, double *deff)
{
        double tp = 0, tn = 0, ss = 0, r, var_bin, var_cl, d, neff, z, l, h;

        if (!pos || !n || !clusters || !pa__alpha_ok(alpha) || !lo || !hi || !deff)
                return PA_EINVAL;
        for (size_t i = 0; i < clusters; i++) {
                if (!(n[i] >= 0) || !(pos[i] >= 0) || pos[i] > n[i])
                        return PA_EINVAL;
                tp += pos[i];
                tn += n[i];
        }
        if (!(tn > 0))
                return PA_EINVAL;
        r = tp / tn;
        for (size_t i = 0; i < clusters; i++)
                ss += (pos[i] - r * n[i]) * (pos[i] - r * n[i]);
        /* Cluster-robust variance of the ratio estimator with the G / (G - 1)
         * small-sample factor; one cluster gives no spread to measure. */
        var_cl = clusters > 1 ? ss / (tn * tn) * (double)clusters / (double)(clusters - 1) : NAN;
        var_bin = r * (1 - r) / tn;
        d = var_bin > 0 && !isnan(var_cl) ? var_cl / var_bin : clusters > 1 ? 1 : NAN;
        *deff = d;
        /* Wilson on the effective size n / deff (deff at least 1: fewer
         * items than records never buys precision), so a rate of 0 or 1
         * keeps an interval; one item: its records count once. */
        neff = isnan(d) ? 1 : tn / fmax(1, d);
        z = -pa_norm_quantile(alpha / 2);
        if (r <= 0.5) {
                wilson_low_half(r * neff, neff, z, &l, &h);
                *lo = l;
                *hi = h;
        } else {
                wilson_low_half((1 - r) * neff, neff, z, &l, &h);
                *lo = 1 - h;
                *hi = 1 - l;
        }
        return 0;
}
