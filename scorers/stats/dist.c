/* Distributions: normal, incomplete gamma, and log-space binomial and
 * hypergeometric probabilities that stay accurate at n = 10^6 and in the
 * far tails, where lgamma differences would cancel. */
#include <math.h>

#include "parity/stats.h"
#include "stats_impl.h"

#define SQRT1_2   0.707106781186547524400844362104849039
#define SQRT_2PI  2.506628274631000502415765284811045253
#define GAMMA_EPS 1e-16
#define GAMMA_MAX 100000000

double pa_norm_cdf(double x)
{
        return 0.5 * erfc(-x * SQRT1_2);
}

double pa_norm_sf(double x)
{
        return 0.5 * erfc(x * SQRT1_2);
}

/* Acklam's rational approximation (relative error 1.15e-9) for p <= 1/2,
 * then one Halley step against erfc, which brings it to rounding level. */
static double quantile_lower(double p)
{
        static const double a[] = {-3.969683028665376e+01, 2.209460984245205e+02,
                                   -2.759285104469687e+02, 1.383577518672690e+02,
                                   -3.066479806614716e+01, 2.506628277459239e+00};
        static const double b[] = {-5.447609879822406e+01, 1.615858368580409e+02,
                                   -1.556989798598866e+02, 6.680131188771972e+01,
                                   -1.328068155288572e+01};
        static const double c[] = {-7.784894002430293e-03, -3.223964580411365e-01,
                                   -2.400758277161838e+00, -2.549732539343734e+00,
                                   4.374664141464968e+00,  2.938163982698783e+00};
        static const double d[] = {7.784695709041462e-03, 3.224671290700398e-01,
                                   2.445134137142996e+00, 3.754408661907416e+00};
        double x, q, r, e, u, pdf;

        if (p < 0.02425) {
                q = sqrt(-2 * log(p));
                x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
                    ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
        } else {
                q = p - 0.5;
                r = q * q;
                x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
                    (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
        }
        pdf = exp(-0.5 * x * x) / SQRT_2PI;
        /* Below DBL_MIN the density underflows and the step would divide by 0. */
        if (pdf > 0 && isfinite(pdf)) {
                /* Near the centre, cdf(x) - p would cancel to the absolute
                 * precision of 1/2; erf(x) and the exact p - 1/2 do not. */
                e = p >= 0.25 ? 0.5 * erf(x * SQRT1_2) - (p - 0.5) : pa_norm_cdf(x) - p;
                u = e / pdf;
                x -= u / (1 + 0.5 * x * u);
        }
        return x;
}

double pa_norm_quantile(double p)
{
        if (isnan(p) || p < 0 || p > 1)
                return NAN;
        if (p == 0)
                return -INFINITY;
        if (p == 1)
                return INFINITY;
        /* 1 - p is exact for p >= 1/2, so the upper half loses nothing. */
        if (p > 0.5)
                return -quantile_lower(1 - p);
        return quantile_lower(p);
}

/* Loader (2000): log(n!) = log(sqrt(2 pi n) (n/e)^n) + stirlerr(n). */
static double stirlerr(double n)
{
        static const double s0 = 1.0 / 12, s1 = 1.0 / 360, s2 = 1.0 / 1260, s3 = 1.0 / 1680,
                            s4 = 1.0 / 1188;
        double nn;

        /* Small n: the lgamma difference is tiny and cancels only ~2 digits. */
        if (n <= 15)
                return lgamma(n + 1) - (n + 0.5) * log(n) + n - 0.5 * PA__LN_2PI;
        nn = n * n;
        if (n > 500)
                return (s0 - s1 / nn) / n;
        if (n > 80)
                return (s0 - (s1 - s2 / nn) / nn) / n;
        if (n > 35)
                return (s0 - (s1 - (s2 - s3 / nn) / nn) / nn) / n;
        return (s0 - (s1 - (s2 - (s3 - s4 / nn) / nn) / nn) / nn) / n;
}

/* x log(x / np) + np - x without cancellation when x is close to np. */
static double bd0(double x, double np)
{
        double v, s, s1, ej;
        int j;

        if (x == 0)
                return np;
        if (fabs(x - np) < 0.1 * (x + np)) {
                v = (x - np) / (x + np);
                s = (x - np) * v;
                ej = 2 * x * v;
                v *= v;
                for (j = 1; j < 1000; j++) {
                        ej *= v;
                        s1 = s + ej / (2 * j + 1);
                        if (s1 == s)
                                return s1;
                        s = s1;
                }
        }
        return x * log(x / np) + np - x;
}

double pa__binom_logpmf(double x, double n, double p, double q)
{
        double lc, lf;

        if (x < 0 || x > n)
                return -INFINITY;
        if (p == 0)
                return x == 0 ? 0 : -INFINITY;
        if (q == 0)
                return x == n ? 0 : -INFINITY;
        if (x == 0) {
                if (n == 0)
                        return 0;
                return p < 0.1 ? -bd0(n, n * q) - n * p : n * log(q);
        }
        if (x == n)
                return q < 0.1 ? -bd0(n, n * p) - n * q : n * log(p);
        lc = stirlerr(n) - stirlerr(x) - stirlerr(n - x) - bd0(x, n * p) - bd0(n - x, n * q);
        lf = PA__LN_2PI + log(x) + log1p(-x / n);
        return lc - 0.5 * lf;
}

/* As R's dhyper: a ratio of three binomial probabilities that share p. */
double pa__hyper_logpmf(double x, double white, double black, double draws)
{
        double total = white + black, p, q;

        if (x < 0 || x > white || draws - x < 0 || draws - x > black)
                return -INFINITY;
        if (draws == 0 || draws == total)
                return 0;
        p = draws / total;
        q = (total - draws) / total;
        return pa__binom_logpmf(x, white, p, q) + pa__binom_logpmf(draws - x, black, p, q) -
               pa__binom_logpmf(draws, total, p, q);
}

/* log(x^a e^-x / Gamma(a)) through the Poisson form, which keeps full
 * precision when a and x are both large and close. */
static double gamma_logprefix(double a, double x)
{
        return log(a) - stirlerr(a) - bd0(a, x) - 0.5 * (PA__LN_2PI + log(a));
}

/* P(a, x) by its power series; converges quickly for x < a + 1. */
static double gamma_p_series(double a, double x)
{
        double ap = a, sum = 1.0 / a, del = sum;
        long i;

        for (i = 0; i < GAMMA_MAX; i++) {
                ap += 1;
                del *= x / ap;
                sum += del;
                if (fabs(del) < fabs(sum) * GAMMA_EPS)
                        return sum * exp(gamma_logprefix(a, x));
        }
        return NAN;
}

/* Q(a, x) by its continued fraction (modified Lentz) for x >= a + 1. */
static double gamma_q_cf(double a, double x)
{
        const double tiny = 1e-300;
        double b = x + 1 - a, c = 1 / tiny, d = 1 / b, h = d, an, del;
        long i;

        for (i = 1; i < GAMMA_MAX; i++) {
                an = -(double)i * ((double)i - a);
                b += 2;
                d = an * d + b;
                if (fabs(d) < tiny)
                        d = tiny;
                c = b + an / c;
                if (fabs(c) < tiny)
                        c = tiny;
                d = 1 / d;
                del = d * c;
                h *= del;
                if (fabs(del - 1) < GAMMA_EPS)
                        return h * exp(gamma_logprefix(a, x));
        }
        return NAN;
}

double pa_gamma_q(double a, double x)
{
        if (!(a > 0) || !(x >= 0) || isinf(a))
                return NAN;
        if (x == 0)
                return 1;
        if (isinf(x))
                return 0;
        if (x < a + 1)
                return 1 - gamma_p_series(a, x);
        return gamma_q_cf(a, x);
}

double pa_chi2_sf(double x, double df)
{
        if (isnan(x) || !(df > 0))
                return NAN;
        if (x <= 0)
                return 1;
        return pa_gamma_q(0.5 * df, 0.5 * x);
}

int pa__alpha_ok(double alpha)
{
        return alpha > 0 && alpha < 1;
}
