/* Agreement of two raters on k categories: Cohen's kappa with its
 * asymptotic standard error (Fleiss, Cohen and Everitt 1969), as
 * statsmodels.stats.inter_rater.cohens_kappa computes them, and the Wald
 * interval kappa +- z * se that statsmodels reports. */
#include <math.h>

#include "parity/common.h"
#include "parity/stats.h"

static void margins(const uint64_t *t, size_t k, double n, double *row, double *col)
{
        for (size_t i = 0; i < k; i++) {
                row[i] = col[i] = 0;
                for (size_t j = 0; j < k; j++) {
                        row[i] += (double)t[i * k + j] / n;
                        col[i] += (double)t[j * k + i] / n;
                }
        }
}

int pa_cohens_kappa(const uint64_t *t, size_t k, double alpha, double *kappa, double *se,
                    double *lo, double *hi)
{
        double n = 0, agree = 0, pe = 0, a = 0, b = 0, c, var, z;
        double row[PA_KAPPA_MAX_K], col[PA_KAPPA_MAX_K];

        if (k < 2 || k > PA_KAPPA_MAX_K || !(alpha > 0 && alpha < 1))
                return PA_EINVAL;
        for (size_t i = 0; i < k * k; i++)
                n += (double)t[i];
        if (n == 0)
                return PA_EINVAL;
        margins(t, k, n, row, col);
        for (size_t i = 0; i < k; i++) {
                agree += (double)t[i * k + i] / n;
                pe += row[i] * col[i];
        }
        /* One category only (pe = 1): kappa is undefined. */
        if (!(pe < 1))
                return PA_EINVAL;
        *kappa = (agree - pe) / (1 - pe);
        for (size_t i = 0; i < k; i++) {
                double d = 1 - (row[i] + col[i]) * (1 - *kappa);

                a += (double)t[i * k + i] / n * d * d;
                for (size_t j = 0; j < k; j++)
                        if (j != i)
                                b += (double)t[i * k + j] / n * (col[i] + row[j]) *
                                     (col[i] + row[j]);
        }
        b *= (1 - *kappa) * (1 - *kappa);
        c = (*kappa - pe * (1 - *kappa)) * (*kappa - pe * (1 - *kappa));
        var = (a + b - c) / ((1 - pe) * (1 - pe)) / n;
        *se = var > 0 ? sqrt(var) : 0;
        z = pa_norm_quantile(1 - alpha / 2);
        *lo = *kappa - z * *se;
        *hi = *kappa + z * *se;
        return 0;
}
