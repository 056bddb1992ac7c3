/* Student's t, the noncentral t and what the analysis builds on them: the
 * one-sample t test of per-item differences and its power and minimum
 * detectable effect (as statsmodels TTestPower, two-sided). Checked against
 * SciPy by parity-statcheck (one_sample_t, power_one_sample_t). */
#include <float.h>
#include <math.h>

#include "parity/common.h"
#include "parity/stats.h"
#include "stats_impl.h"

#define ITER_MAX 2000

/* Continued fraction of the incomplete beta (modified Lentz). */
static double beta_cf(double a, double b, double x)
{
        double c = 1, d = 1 - (a + b) * x / (a + 1), h;

        d = 1 / (fabs(d) < DBL_MIN ? DBL_MIN : d);
        h = d;
        for (int m = 1; m <= ITER_MAX; m++) {
                double m2 = 2.0 * m, aa = m * (b - m) * x / ((a + m2 - 1) * (a + m2)), del;

                for (int half = 0; half < 2; half++) {
                        d = 1 + aa * d;
                        d = 1 / (fabs(d) < DBL_MIN ? DBL_MIN : d);
                        c = 1 + aa / c;
                        c = fabs(c) < DBL_MIN ? DBL_MIN : c;
                        h *= d * c;
                        aa = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1));
                }
                del = d * c;
                if (fabs(del - 1) < 1e-15)
                        break;
        }
        return h;
}

double pa__beta_inc(double a, double b, double x)
{
        double lf;

        if (!(x > 0))
                return 0;
        if (!(x < 1))
                return 1;
        lf = lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x);
        if (x < (a + 1) / (a + b + 2))
                return exp(lf) * beta_cf(a, b, x) / a;
        return 1 - exp(lf) * beta_cf(b, a, 1 - x) / b;
}

double pa_t_sf(double t, double df)
{
        double tail;

        if (!(df > 0) || isnan(t))
                return NAN;
        /* P(|T| > |t|) = I_{df / (df + t^2)}(df / 2, 1 / 2). */
        tail = 0.5 * pa__beta_inc(df / 2, 0.5, df / (df + t * t));
        return t > 0 ? tail : 1 - tail;
}

double pa_t_quantile(double p, double df)
{
        double lo = -1, hi = 1;

        if (!(df > 0) || !(p > 0 && p < 1))
                return NAN;
        while (1 - pa_t_sf(lo, df) > p)
                lo *= 2;
        while (1 - pa_t_sf(hi, df) < p)
                hi *= 2;
        for (int i = 0; i < 200 && hi - lo > 1e-13 * fmax(1, fabs(lo)); i++) {
                double mid = 0.5 * (lo + hi);

                if (1 - pa_t_sf(mid, df) < p)
                        lo = mid;
                else
                        hi = mid;
        }
        return 0.5 * (lo + hi);
}

/* P(T <= t) for t >= 0, T noncentral t (Lenth 1989, AS 243): a Poisson
 * mixture of incomplete betas, summed until the error bound is below 1e-13. */
static double nct_cdf_pos(double t, double df, double delta)
{
        double x = t * t / (t * t + df), lambda = delta * delta, a = 0.5, b = df / 2;
        double p, q, s, rxb, xodd, godd, xeven, geven, sum;

        if (!(x > 0))
                return pa_norm_cdf(-delta);
        p = 0.5 * exp(-0.5 * lambda);
        q = sqrt(2 / 3.141592653589793238462643) * p * delta;
        s = 0.5 - p;
        rxb = pow(1 - x, b);
        xodd = pa__beta_inc(a, b, x);
        godd = 2 * rxb * exp(a * log(x) - (lgamma(a) + lgamma(b) - lgamma(a + b)));
        xeven = 1 - rxb;
        geven = b * x * rxb;
        sum = p * xodd + q * xeven;
        for (int en = 1; en <= ITER_MAX; en++) {
                a += 1;
                xodd -= godd;
                xeven -= geven;
                godd *= x * (a + b - 1) / a;
                geven *= x * (a + b - 0.5) / (a + 0.5);
                p *= lambda / (2 * en);
                q *= lambda / (2 * en + 1);
                s -= p;
                sum += p * xodd + q * xeven;
                if (2 * s * (xodd - godd) <= 1e-13 && en > lambda / 2)
                        break;
        }
        return fmin(1, fmax(0, sum + pa_norm_cdf(-delta)));
}

double pa_nct_cdf(double t, double df, double delta)
{
        if (!(df > 0) || isnan(t) || !isfinite(delta))
                return NAN;
        return t >= 0 ? nct_cdf_pos(t, df, delta) : 1 - nct_cdf_pos(-t, df, -delta);
}

int pa_one_sample_t(const double *x, size_t n, double *t, double *df, double *p)
{
        double mean = 0, ss = 0, se, tv;

        if (!x || n < 2)
                return PA_EINVAL;
        for (size_t i = 0; i < n; i++)
                mean += x[i];
        mean /= (double)n;
        for (size_t i = 0; i < n; i++)
                ss += (x[i] - mean) * (x[i] - mean);
        se = sqrt(ss / (double)(n - 1) / (double)n);
        /* No spread: t is infinite unless the mean is 0 too (then p = 1). */
        tv = se > 0 ? mean / se : mean == 0 ? 0 : copysign(INFINITY, mean);
        if (t)
                *t = tv;
        if (df)
                *df = (double)(n - 1);
        if (p)
                *p = isinf(tv) ? 0 : fmin(1, 2 * pa_t_sf(fabs(tv), (double)(n - 1)));
        return 0;
}

int pa_power_one_sample_t(double effect_size, double nobs, double alpha, double *power)
{
        double df = nobs - 1, crit, nc;

        if (!(nobs >= 2) || !pa__alpha_ok(alpha) || !isfinite(effect_size) || !power)
                return PA_EINVAL;
        crit = pa_t_quantile(1 - alpha / 2, df);
        nc = effect_size * sqrt(nobs);
        *power = (1 - pa_nct_cdf(crit, df, nc)) + pa_nct_cdf(-crit, df, nc);
        return 0;
}

int pa_mde_one_sample_t(double nobs, double alpha, double power, double *effect_size)
{
        double lo = 0, hi = 1, pw = 0;

        if (!(nobs >= 2) || !pa__alpha_ok(alpha) || !(power > alpha && power < 1) || !effect_size)
                return PA_EINVAL;
        for (int i = 0; i < 60 && pa_power_one_sample_t(hi, nobs, alpha, &pw) == 0 && pw < power;
             i++)
                hi *= 2;
        if (pw < power)
                return PA_EINVAL;
        for (int i = 0; i < 200 && hi - lo > 1e-12 * hi; i++) {
                double mid = 0.5 * (lo + hi);

                if (pa_power_one_sample_t(mid, nobs, alpha, &pw))
                        return PA_EINVAL;
                if (pw < power)
                        lo = mid;
                else
                        hi = mid;
        }
        *effect_size = 0.5 * (lo + hi);
        return 0;
}
