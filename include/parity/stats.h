/* parity: statistics used by the analysis and the reports.
 *
 * All functions are pure, thread-safe and allocation-free unless stated.
 * They return 0 or PA_EINVAL for impossible inputs (k > n, alpha outside
 * (0,1), ...). alpha is two-sided: 0.05 gives a 95% interval. */
#ifndef PARITY_STATS_H
#define PARITY_STATS_H

#include <stdint.h>

/* Wilson score interval for k successes in n trials. n = 0 gives [0, 1]. */
int pa_wilson(uint64_t k, uint64_t n, double alpha, double *lo, double *hi);

/* Newcombe hybrid-score interval (method 10) for p1 - p2. */
int pa_newcombe_diff(uint64_t k1, uint64_t n1, uint64_t k2, uint64_t n2, double alpha, double *lo,
		     double *hi);

#endif
