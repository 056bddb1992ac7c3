/* Internals shared by the scorers/stats files. */
#ifndef PARITY_STATS_IMPL_H
#define PARITY_STATS_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "parity/stats.h"

#define PA__LN_2PI 1.837877066409345483560659472811235279722794947275566825634

/* log of n!/(x!(n-x)!) p^x q^(n-x), accurate to a few ulp also far in the
 * tails and for large n (Loader's saddle-point form); q = 1 - p is passed
 * so callers can keep it exact. -INFINITY outside the support. */
double pa__binom_logpmf(double x, double n, double p, double q);

/* log P(X = x) for X hypergeometric: x white balls among `draws` drawn from
 * `white` white and `black` black. */
double pa__hyper_logpmf(double x, double white, double black, double draws);

/* Valid two-sided alpha: finite and strictly inside (0, 1). */
int pa__alpha_ok(double alpha);

/* Regularized incomplete beta I_x(a, b) for a, b > 0 (continued fraction). */
double pa__beta_inc(double a, double b, double x);

/* The sign-flip test's units grouped by value (signflip_levels.c), for
 * x whose sums are exact in doubles: at most this many distinct nonzero
 * values. */
#define PA__LEVELS_MAX 16

struct pa__levels {
        size_t n, words, count; /* units, 64-unit words, distinct values */
        int shift;              /* every x is m[v] 2^-shift */
        int64_t m[PA__LEVELS_MAX];
        uint64_t total[PA__LEVELS_MAX]; /* units of value v */
        uint64_t *bits;                 /* owned: words x count bitsets */
};

/* 1 when the counting gives the unit loop's sums exactly (lv then owns
 * its bitsets: pa__levels_release), 0 when it does not (nothing held),
 * PA_ENOMEM. */
int pa__levels_init(struct pa__levels *lv, const double *x, size_t n);
void pa__levels_release(struct pa__levels *lv);

/* One Monte-Carlo pattern drawn from r exactly as the unit loop draws it:
 * the kept and flipped sums and the number of flipped units. */
void pa__levels_split(const struct pa__levels *lv, struct pa_rng *r, double *kept, double *flipped,
                      size_t *nflipped);

/* pa_signflip_test and pa_signflip_ci with the counting by value allowed
 * or not: the tests check both give the same bits. */
int pa__signflip_test_opt(const double *x, size_t n, size_t reps, uint64_t seed, bool levels,
                          double *p, bool *exact);
int pa__signflip_ci_opt(const double *x, size_t n, size_t reps, uint64_t seed, bool levels,
                        double alpha, double *lo, double *hi);

#endif
