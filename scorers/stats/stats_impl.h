/* Internals shared by the scorers/stats files. */
#ifndef PARITY_STATS_IMPL_H
#define PARITY_STATS_IMPL_H

#include <stdint.h>

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

#endif
