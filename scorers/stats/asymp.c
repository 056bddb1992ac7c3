/* Large-sample tests: chi-square k x 2, Cochran's Q, pooled z. Statistics
 * are formed from exact integer cross products, so nothing cancels. */
#include <math.h>

#include "parity/common.h"
#include "parity/stats.h"
#include "stats_impl.h"

/* Counts up to 2^32 keep every product below exact uint64 range. */
#define COUNT_MAX 0xffffffffULL

static void put(double *dst, double v)
{
        if (dst)
                *dst = v;
}

/* |x*y - u*v| without rounding for factors up to 2^32. */
static double absdiff_prod(uint64_t x, uint64_t y, uint64_t u, uint64_t v)
{
        uint64_t l = x * y, r = u * v;

        return l >= r ? (double)(l - r) : (double)(r - l);
}

int pa_chi2_kx2(const uint64_t *table, size_t rows, double *stat, double *df, double *p)
{
        uint64_t c1 = 0, c2 = 0, r;
        double sum = 0, d;
        size_t i;

        if (!table || rows < 2)
                return PA_EINVAL;
        for (i = 0; i < rows; i++) {
                r = table[2 * i] + table[2 * i + 1];
                if (table[2 * i] > COUNT_MAX || table[2 * i + 1] > COUNT_MAX || r == 0)
                        return PA_EINVAL;
                c1 += table[2 * i];
                c2 += table[2 * i + 1];
                if (c1 > COUNT_MAX || c2 > COUNT_MAX)
                        return PA_EINVAL;
        }
        if (c1 == 0 || c2 == 0)
                return PA_EINVAL;
        /* Row i contributes (a_i C2 - b_i C1)^2 / (R_i C1 C2). */
        for (i = 0; i < rows; i++) {
                r = table[2 * i] + table[2 * i + 1];
                d = absdiff_prod(table[2 * i], c2, table[2 * i + 1], c1);
                sum += d / (double)r * (d / ((double)c1 * (double)c2));
        }
        put(stat, sum);
        put(df, (double)(rows - 1));
        put(p, pa_chi2_sf(sum, (double)(rows - 1)));
        return 0;
}

int pa_cochran_q(const uint8_t *x, size_t subjects, size_t treatments, double *q, double *df,
                 double *p)
{
        uint64_t total = 0, rowsq = 0, colsq = 0, row, col, k = treatments, num, den;
        size_t i, j;
        double qv;

        if (!x || subjects == 0 || treatments < 2 || subjects > COUNT_MAX / treatments)
                return PA_EINVAL;
        for (i = 0; i < subjects; i++) {
                row = 0;
                for (j = 0; j < treatments; j++) {
                        if (x[i * treatments + j] > 1)
                                return PA_EINVAL;
                        row += x[i * treatments + j];
                }
                total += row;
                rowsq += row * row;
        }
        for (j = 0; j < treatments; j++) {
                col = 0;
                for (i = 0; i < subjects; i++)
                        col += x[i * treatments + j];
                colsq += col * col;
        }
        /* Q = (k-1) (k sum C_j^2 - T^2) / (k T - sum R_i^2); both parts are
         * nonnegative integers, the denominator 0 only without mixed rows. */
        num = k * colsq - total * total;
        den = k * total - rowsq;
        qv = den ? (double)(k - 1) * ((double)num / (double)den) : 0;
        put(q, qv);
        put(df, (double)(k - 1));
        put(p, den ? pa_chi2_sf(qv, (double)(k - 1)) : 1);
        return 0;
}

int pa_two_prop_z(uint64_t k1, uint64_t n1, uint64_t k2, uint64_t n2, double *z, double *p)
{
        uint64_t kt = k1 + k2, nt = n1 + n2;
        double d, den, zv;

        if (n1 == 0 || n2 == 0 || k1 > n1 || k2 > n2 || n1 > COUNT_MAX || n2 > COUNT_MAX)
                return PA_EINVAL;
        if (kt == 0 || kt == nt) {
                put(z, 0);
                put(p, 1);
                return 0;
        }
        /* z = (k1 n2 - k2 n1) sqrt(N) / sqrt(n1 n2 K (N - K)). */
        d = absdiff_prod(k1, n2, k2, n1);
        if (k1 * n2 < k2 * n1)
                d = -d;
        den = sqrt((double)n1 * (double)n2) * sqrt((double)kt * (double)(nt - kt));
        zv = d * sqrt((double)nt) / den;
        put(z, zv);
        put(p, 2 * pa_norm_sf(fabs(zv)));
        return 0;
}

/* One stratum's a, its null mean and variance given the margins. */
static void cmh_stratum(const uint64_t *t, double *a, double *e, double *v, double *lo, double *hi)
{
        double n1 = (double)(t[0] + t[1]), n2 = (double)(t[2] + t[3]);
        double m1 = (double)(t[0] + t[2]), m2 = (double)(t[1] + t[3]), n = n1 + n2;

        *a = (double)t[0];
        *e = n > 0 ? n1 * m1 / n : 0;
        *v = n > 1 ? n1 * n2 * m1 * m2 / (n * n * (n - 1)) : 0;
        *lo = fmax(0, m1 - n2);
        *hi = fmin(n1, m1);
}

static void cmh_finish(double dev, double var, int correction, double *stat, double *p)
{
        double s = var > 0 ? fmax(0, fabs(dev) - (correction ? 0.5 : 0)) : 0;

        s = var > 0 ? s * s / var : 0;
        put(stat, s);
        put(p, pa_chi2_sf(s, 1));
}

int pa_cmh(const uint64_t *tables, size_t k, int correction, double *stat, double *p,
           double *odds_ratio)
{
        double dev = 0, var = 0, num = 0, den = 0;

        if (!tables || !k)
                return PA_EINVAL;
        for (size_t i = 0; i < k; i++) {
                const uint64_t *t = tables + 4 * i;
                double a, e, v, lo, hi, n = (double)(t[0] + t[1] + t[2] + t[3]);

                cmh_stratum(t, &a, &e, &v, &lo, &hi);
                dev += a - e;
                var += v;
                num += n > 0 ? (double)t[0] * (double)t[3] / n : 0;
                den += n > 0 ? (double)t[1] * (double)t[2] / n : 0;
        }
        cmh_finish(dev, var, correction, stat, p);
        put(odds_ratio, den > 0 ? num / den : num > 0 ? INFINITY : NAN);
        return 0;
}

int pa_cmh_min_p(const uint64_t *tables, size_t k, double *min_p)
{
        double up = 0, down = 0, var = 0, pu = 1, pd = 1;

        if (!tables || !k || !min_p)
                return PA_EINVAL;
        for (size_t i = 0; i < k; i++) {
                double a, e, v, lo, hi;

                cmh_stratum(tables + 4 * i, &a, &e, &v, &lo, &hi);
                up += hi - e;
                down += lo - e;
                var += v;
        }
        /* The statistic grows with |sum a - sum E|: its extremes are every
         * stratum at its largest a, or every one at its smallest. */
        cmh_finish(up, var, 0, NULL, &pu);
        cmh_finish(down, var, 0, NULL, &pd);
        *min_p = fmin(pu, pd);
        return 0;
}
