/* Multiple-comparison adjustment in input order, as statsmodels
 * multipletests: Bonferroni, Holm step-down, Benjamini-Hochberg step-up. */
#include <stdlib.h>

#include "parity/common.h"
#include "parity/stats.h"

struct ranked {
        double p;
        size_t at;
};

static int by_p(const void *a, const void *b)
{
        const struct ranked *x = a, *y = b;

        if (x->p != y->p)
                return x->p < y->p ? -1 : 1;
        return x->at < y->at ? -1 : x->at > y->at;
}

static double cap1(double v)
{
        return v < 1 ? v : 1;
}

int pa_p_adjust(const double *p, size_t n, enum pa_p_adjust method, double *out)
{
        struct ranked *r = NULL;
        double run, v;
        size_t i;

        if (!p || !out || n == 0)
                return PA_EINVAL;
        for (i = 0; i < n; i++)
                if (!(p[i] >= 0 && p[i] <= 1))
                        return PA_EINVAL;
        if (method == PA_ADJ_BONFERRONI) {
                for (i = 0; i < n; i++)
                        out[i] = cap1(p[i] * (double)n);
                return 0;
        }
        if (method != PA_ADJ_HOLM && method != PA_ADJ_BH)
                return PA_EINVAL;
        /* Ranks go through a copy so that out may alias p. */
        r = malloc(n * sizeof(*r));
        if (!r)
                return PA_ENOMEM;
        for (i = 0; i < n; i++) {
                r[i].p = p[i];
                r[i].at = i;
        }
        qsort(r, n, sizeof(*r), by_p);
        if (method == PA_ADJ_HOLM) {
                /* Running maximum of p_(i) (n - i) from the smallest up. */
                run = 0;
                for (i = 0; i < n; i++) {
                        v = r[i].p * (double)(n - i);
                        run = v > run ? v : run;
                        out[r[i].at] = cap1(run);
                }
        } else {
                /* Running minimum of p_(i) n / i from the largest down. */
                run = 1;
                for (i = n; i-- > 0;) {
                        v = r[i].p * (double)n / (double)(i + 1);
                        run = v < run ? v : run;
                        out[r[i].at] = run;
                }
        }
        free(r);
        return 0;
}
