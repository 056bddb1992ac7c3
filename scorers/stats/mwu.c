/* The Mann-Whitney U test, two-sided, as scipy.stats.mannwhitneyu's
 * defaults (SciPy >= 1.7: alternative "two-sided", use_continuity True,
 * method "auto"): the exact null distribution when a sample has at most 8
 * values and there are no ties, else the normal approximation with the tie
 * correction and a continuity correction of 0.5. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "parity/common.h"
#include "parity/stats.h"

struct mwu_obs {
        double v;
        int from_x;
};

static int obs_cmp(const void *a, const void *b)
{
        const struct mwu_obs *x = a, *y = b;

        return (x->v > y->v) - (x->v < y->v);
}

/* Midranks: the rank sum of x into *r1 and sum(t^3 - t) over tie groups. */
static void rank_sums(struct mwu_obs *o, size_t n, double *r1, double *ties)
{
        *r1 = 0;
        *ties = 0;
        for (size_t i = 0; i < n;) {
                size_t j = i;
                double rank, t;

                while (j < n && o[j].v == o[i].v)
                        j++;
                rank = (double)(i + 1 + j) / 2.0; /* mean of ranks i+1 .. j */
                t = (double)(j - i);
                *ties += t * t * t - t;
                for (size_t k = i; k < j; k++)
                        *r1 += o[k].from_x ? rank : 0;
                i = j;
        }
}

/* P(U >= u) under H0 without ties. The counts of U over the C(n1 + n2, n1)
 * orders are the coefficients of the Gaussian binomial [n1 + n2, n1]_q =
 * prod_{i=1..m} (1 - q^(M + i)) / (1 - q^i), m = min, M = max: one array
 * of m * M + 1 counts, built one factor at a time. */
static double exact_sf(size_t n1, size_t n2, double u)
{
        size_t m = n1 < n2 ? n1 : n2, big = n1 < n2 ? n2 : n1, deg = m * big;
        double *c = calloc(deg + 1, sizeof(*c)), total = 0, tail = 0;

        if (!c)
                return NAN;
        c[0] = 1;
        for (size_t i = 1; i <= m; i++) {
                for (size_t s = deg; s >= big + i && s <= deg; s--)
                        c[s] -= c[s - (big + i)];
                for (size_t s = i; s <= deg; s++)
                        c[s] += c[s - i];
        }
        for (size_t s = 0; s <= deg; s++) {
                total += c[s];
                tail += (double)s >= u - 1e-9 ? c[s] : 0;
        }
        free(c);
        return tail / total;
}

int pa_mann_whitney_u(const double *x, size_t n1, const double *y, size_t n2, double *u1, double *p)
{
        size_t n = n1 + n2;
        struct mwu_obs *o;
        double r1, ties, U1, U, mu, sd;

        if (!n1 || !n2 || !u1 || !p)
                return PA_EINVAL;
        if (!(o = malloc(n * sizeof(*o))))
                return PA_ENOMEM;
        for (size_t i = 0; i < n; i++) {
                o[i].v = i < n1 ? x[i] : y[i - n1];
                o[i].from_x = i < n1;
                if (isnan(o[i].v)) {
                        free(o);
                        return PA_EINVAL;
                }
        }
        qsort(o, n, sizeof(*o), obs_cmp);
        rank_sums(o, n, &r1, &ties);
        free(o);
        U1 = r1 - (double)n1 * (double)(n1 + 1) / 2.0;
        *u1 = U1;
        U = fmax(U1, (double)n1 * (double)n2 - U1);
        if ((n1 <= 8 || n2 <= 8) && ties == 0) {
                *p = fmin(1.0, 2.0 * exact_sf(n1, n2, U));
                return isnan(*p) ? PA_ENOMEM : 0;
        }
        mu = (double)n1 * (double)n2 / 2.0;
        sd = sqrt((double)n1 * (double)n2 / 12.0 *
                  ((double)(n + 1) - ties / ((double)n * (double)(n - 1))));
        /* All values tied: no evidence either way. */
        *p = sd > 0 ? fmin(1.0, 2.0 * pa_norm_sf((U - mu - 0.5) / sd)) : 1.0;
        return 0;
}
