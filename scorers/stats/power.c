/* Power and sample size on Cohen's h with the normal approximation, as
 * statsmodels NormalIndPower (two-sided, both rejection tails counted),
 * and McNemar's sample size after Connor (1987). */
#include <math.h>

#include "parity/common.h"
#include "parity/stats.h"
#include "stats_impl.h"

#define PI 3.141592653589793238462643383279502884

static int prob_ok(double p)
{
        return p >= 0 && p <= 1;
}

double pa_cohens_h(double p1, double p2)
{
        if (!prob_ok(p1) || !prob_ok(p2))
                return NAN;
        return 2 * asin(sqrt(p1)) - 2 * asin(sqrt(p2));
}

/* Solves power = Phi(t - c) + Phi(-t - c) for the noncentrality t >= 0,
 * where c = z_{1-alpha/2}. Increasing in t; t = 0 gives alpha, and
 * c + z_power already overshoots, so Newton stays bracketed. */
static double solve_noncentrality(double alpha, double power)
{
        double c = -pa_norm_quantile(alpha / 2), lo = 0, hi = c + pa_norm_quantile(power);
        double t = hi, f, fp, next;
        int i;

        for (i = 0; i < 200; i++) {
                /* power - Phi(t - c) is evaluated as an upper tail minus
                 * (1 - power) to keep digits when power is close to 1. */
                f = (1 - power) - pa_norm_sf(t - c) + pa_norm_cdf(-t - c);
                fp = exp(-0.5 * (t - c) * (t - c)) - exp(-0.5 * (t + c) * (t + c));
                fp *= 0.398942280401432677939946059934381868;
                if (f > 0)
                        hi = t;
                else
                        lo = t;
                next = fp > 0 ? t - f / fp : 0.5 * (lo + hi);
                if (!(next > lo && next < hi))
                        next = 0.5 * (lo + hi);
                if (fabs(next - t) <= 1e-15 * t)
                        return next;
                t = next;
        }
        return t;
}

static int power_args_ok(double alpha, double power)
{
        return pa__alpha_ok(alpha) && power > alpha && power < 1;
}

int pa_power_n_two_prop(double p1, double p2, double alpha, double power, double *n_per_group)
{
        double h = pa_cohens_h(p1, p2), t;

        if (isnan(h) || h == 0 || !power_args_ok(alpha, power) || !n_per_group)
                return PA_EINVAL;
        /* Equal groups: the noncentrality is |h| sqrt(n / 2). */
        t = solve_noncentrality(alpha, power);
        *n_per_group = 2 * (t / h) * (t / h);
        return 0;
}

int pa_mde_two_prop(double n_per_group, double p1, double alpha, double power, double *h,
                    double *p2)
{
        double hv, phi;

        if (!(n_per_group > 0) || isinf(n_per_group) || !prob_ok(p1) ||
            !power_args_ok(alpha, power) || !h)
                return PA_EINVAL;
        hv = solve_noncentrality(alpha, power) / sqrt(n_per_group / 2);
        phi = asin(sqrt(p1));
        if (phi + hv / 2 <= PI / 2)
                phi += hv / 2;
        else if (phi - hv / 2 >= 0)
                phi -= hv / 2;
        else
                return PA_EINVAL;
        *h = hv;
        if (p2)
                *p2 = sin(phi) * sin(phi);
        return 0;
}

int pa_mcnemar_n(double p10, double p01, double alpha, double power, double *pairs)
{
        double pd = p10 + p01, delta = p10 - p01, za, zb, s;

        if (!prob_ok(p10) || !prob_ok(p01) || pd > 1 || delta == 0 ||
            !power_args_ok(alpha, power) || !pairs)
                return PA_EINVAL;
        za = -pa_norm_quantile(alpha / 2);
        zb = pa_norm_quantile(power);
        s = za * sqrt(pd) + zb * sqrt(pd - delta * delta);
        *pairs = s * s / (delta * delta);
        return 0;
}
