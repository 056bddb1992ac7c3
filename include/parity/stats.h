/* parity: statistics used by the analysis and the reports.
 *
 * All functions are pure, thread-safe and allocation-free unless stated.
 * They return 0 or PA_EINVAL for impossible inputs (k > n, alpha outside
 * (0,1), ...). alpha is two-sided: 0.05 gives a 95% interval. */
#ifndef PARITY_STATS_H
#define PARITY_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Wilson score interval for k successes in n trials. n = 0 gives [0, 1]. */
int pa_wilson(uint64_t k, uint64_t n, double alpha, double *lo, double *hi);

/* Newcombe hybrid-score interval (method 10) for p1 - p2. */
int pa_newcombe_diff(uint64_t k1, uint64_t n1, uint64_t k2, uint64_t n2, double alpha, double *lo,
                     double *hi);

/* ---- distributions ---- */

/* Standard normal lower tail P(Z <= x) and upper tail P(Z > x), each
 * accurate in its own tail (erfc based). */
double pa_norm_cdf(double x);
double pa_norm_sf(double x);

/* Inverse of pa_norm_cdf, relative error below 1e-14 on (0, 1). Returns
 * -INFINITY at 0, +INFINITY at 1 and NAN outside [0, 1]. */
double pa_norm_quantile(double p);

/* Regularized upper incomplete gamma Q(a, x) for a > 0, x >= 0; NAN for
 * other input. */
double pa_gamma_q(double a, double x);

/* Upper tail P(X > x) of a chi-square with df > 0 degrees of freedom. */
double pa_chi2_sf(double x, double df);

/* ---- exact tests ---- */

/* Exact two-sided binomial test of k of n against p0 in [0, 1], as
 * scipy.stats.binomtest: sums the probabilities of all outcomes no more
 * likely than k (relative tolerance 1e-7). */
int pa_binom_test(uint64_t k, uint64_t n, double p0, double *p);

/* McNemar exact test on the discordant counts b and c:
 * 2 * P(X <= min(b, c)) for X ~ Bin(b + c, 1/2), capped at 1 (statsmodels
 * mcnemar(exact=True)). midp (may be NULL) is the mid-p variant, which
 * counts the observed outcome once, halved on each side. b = c = 0 gives 1. */
int pa_mcnemar_exact(uint64_t b, uint64_t c, double *p, double *midp);

/* McNemar chi-square (b - c)^2 / (b + c), with |b - c| - 1 when correction
 * is nonzero, and its df-1 p-value. b = c = 0 gives 0 and 1. Either output
 * may be NULL. */
int pa_mcnemar_chi2(uint64_t b, uint64_t c, int correction, double *stat, double *p);

/* Fisher exact test on [[a, b], [c, d]], two-sided as scipy.stats.fisher_exact
 * (tables no more likely than the observed one, relative tolerance 1e-7).
 * The odds ratio is a*d / (b*c): INFINITY when b*c = 0, NAN (with p = 1)
 * when a row or column is empty. Either output may be NULL. */
int pa_fisher_exact(uint64_t a, uint64_t b, uint64_t c, uint64_t d, double *odds_ratio, double *p);

/* ---- asymptotic tests ---- */

/* Pearson chi-square test of independence, no continuity correction, on a
 * rows x 2 table given row-major (table[2*i] successes, table[2*i+1]
 * failures). rows >= 2; a row or column summing to 0 is PA_EINVAL (as
 * scipy, an expected count of zero). df = rows - 1. Outputs may be NULL. */
int pa_chi2_kx2(const uint64_t *table, size_t rows, double *stat, double *df, double *p);

/* Cochran's Q over a subjects x treatments 0/1 matrix x, row-major, as
 * statsmodels cochrans_q. treatments >= 2, subjects >= 1, cells 0 or 1.
 * When no subject has mixed outcomes Q = 0 and p = 1 (statsmodels: NaN).
 * df = treatments - 1. Outputs may be NULL. */
int pa_cochran_q(const uint8_t *x, size_t subjects, size_t treatments, double *q, double *df,
                 double *p);

/* Pooled two-proportion z test of p1 = p2, two-sided (statsmodels
 * proportions_ztest). n1, n2 > 0. When both or neither succeed throughout
 * the pooled variance is 0 and z = 0, p = 1. Outputs may be NULL. */
int pa_two_prop_z(uint64_t k1, uint64_t n1, uint64_t k2, uint64_t n2, double *z, double *p);

/* ---- paired differences ---- */

/* Wald interval for the paired accuracy difference (c - b) / n, where b
 * items are right only in the first run and c only in the second, of n
 * items. se (may be NULL) is its standard error. */
int pa_paired_diff_wald(uint64_t b, uint64_t c, uint64_t n, double alpha, double *lo, double *hi,
                        double *se);

/* ---- effect sizes, power and sample size ---- */

/* Cohen's h = 2 asin(sqrt(p1)) - 2 asin(sqrt(p2)); NAN outside [0, 1]. */
double pa_cohens_h(double p1, double p2);

/* Sample size per group to tell p1 from p2 with a two-sided level-alpha
 * test at the given power (0 < alpha < power < 1), as statsmodels
 * NormalIndPower.solve_power on Cohen's h with ratio 1; not rounded up.
 * p1 = p2 is PA_EINVAL. */
int pa_power_n_two_prop(double p1, double p2, double alpha, double power, double *n_per_group);

/* Minimum detectable effect with n per group: the Cohen's h reached at the
 * given power, and the p2 it corresponds to from base rate p1 (above p1
 * when that fits in [0, 1], else below). PA_EINVAL when no rate is that
 * far from p1. p2 may be NULL. */
int pa_mde_two_prop(double n_per_group, double p1, double alpha, double power, double *h,
                    double *p2);

/* Pairs needed by McNemar's test (Connor 1987) when the discordant
 * probabilities are p10 and p01 (p10 != p01, p10 + p01 <= 1). */
int pa_mcnemar_n(double p10, double p01, double alpha, double power, double *pairs);

/* ---- rates ---- */

/* Empirical logit log((k + 1/2) / (n - k + 1/2)). */
int pa_empirical_logit(uint64_t k, uint64_t n, double *logit);

/* Selection rate of each of the groups (selected[i] / total[i], total > 0)
 * and its ratio to the highest rate. When no group selects anyone every
 * ratio is 1. rates may be NULL. */
int pa_impact_ratio(const uint64_t *selected, const uint64_t *total, size_t groups, double *rates,
                    double *ratio);

/* ---- item-level inference (the item is the independent unit) ---- */

/* Upper tail P(T > t) of Student's t with df > 0; NAN for other input. */
double pa_t_sf(double t, double df);
/* Quantile of Student's t, by bisection to 1e-13 relative; NAN outside (0, 1). */
double pa_t_quantile(double p, double df);
/* P(T <= t) for T noncentral t with df > 0 and noncentrality delta
 * (Lenth 1989, AS 243); as scipy.stats.nct.cdf. */
double pa_nct_cdf(double t, double df, double delta);

/* One-sample t test of mean(x) = 0 on n >= 2 values, two-sided, as
 * scipy.stats.ttest_1samp. Zero spread gives t = +-inf and p = 0, or t = 0
 * and p = 1 when every value is 0. Outputs may be NULL. */
int pa_one_sample_t(const double *x, size_t n, double *t, double *df, double *p);

/* Mann-Whitney U test of x (n1 values) against y (n2), two-sided, as
 * scipy.stats.mannwhitneyu's defaults: exact when n1 <= 8 or n2 <= 8 and no
 * ties, else normal with tie and continuity corrections. *u1 is x's U. */
/* Cohen's kappa of a k x k table t (row-major: rater 1's category by
 * rater 2's, 2 <= k <= PA_KAPPA_MAX_K), its asymptotic standard error and
 * the level 1 - alpha Wald interval, as statsmodels' cohens_kappa.
 * PA_EINVAL when empty or when both raters use one category only. */
#define PA_KAPPA_MAX_K 16
int pa_cohens_kappa(const uint64_t *t, size_t k, double alpha, double *kappa, double *se,
                    double *lo, double *hi);
int pa_mann_whitney_u(const double *x, size_t n1, const double *y, size_t n2, double *u1,
                      double *p);

/* Power of the two-sided one-sample t test at standardized effect
 * effect_size (mean / sd) with nobs >= 2 values at level alpha, as
 * statsmodels TTestPower().power (both rejection tails). */
int pa_power_one_sample_t(double effect_size, double nobs, double alpha, double *power);
/* The standardized effect that test detects with the given power: the
 * minimum detectable effect in units of the values' sd. */
int pa_mde_one_sample_t(double nobs, double alpha, double power, double *effect_size);

/* Cochran-Mantel-Haenszel test of a common odds ratio of 1 over k 2x2
 * strata; tables[4 i .. 4 i + 3] is stratum i's [[a, b], [c, d]] (row 1 the
 * group, row 2 the reference; column 1 positive). As statsmodels
 * StratifiedTable.test_null_odds(correction) and oddsratio_pooled (the
 * Mantel-Haenszel odds ratio, INFINITY when only its numerator is > 0,
 * NAN when both are 0). Outputs may be NULL. */
int pa_cmh(const uint64_t *tables, size_t k, int correction, double *stat, double *p,
           double *odds_ratio);
/* The smallest p (uncorrected statistic) the CMH test can give with these
 * strata's margins: every stratum at its most extreme table one way. */
int pa_cmh_min_p(const uint64_t *tables, size_t k, double *min_p);

/* Rate of a clustered binary outcome: pos[i] of n[i] records positive in
 * cluster (item) i. deff is the design effect, the cluster-robust variance
 * of the rate over the binomial one (NAN with one cluster or a rate of 0 or
 * 1 and one cluster); [lo, hi] the Wilson interval on the effective size
 * sum(n) / max(1, deff). */
int pa_cluster_rate(const double *pos, const double *n, size_t clusters, double alpha, double *lo,
                    double *hi, double *deff);

/* ---- multiple comparisons ---- */

enum pa_p_adjust {
        PA_ADJ_BONFERRONI,
        PA_ADJ_HOLM,
        PA_ADJ_BH, /* Benjamini-Hochberg false discovery rate */
};

/* Adjusted p-values in input order, as statsmodels multipletests. p values
 * must lie in [0, 1]; out has n entries and may be p itself. Allocates;
 * may return PA_ENOMEM. */
int pa_p_adjust(const double *p, size_t n, enum pa_p_adjust method, double *out);

/* ---- random numbers ---- */

/* xoshiro256** seeded through splitmix64: small, fast, reproducible on
 * every platform. Not for cryptography. */
struct pa_rng {
        uint64_t s[4];
};

/* Advances *state and returns the next splitmix64 output. */
uint64_t pa_splitmix64(uint64_t *state);

/* Seeds r. Streams with different numbers are independent for practical
 * purposes, so parallel work item i can use stream i and give the same
 * result whatever the thread count. */
void pa_rng_seed(struct pa_rng *r, uint64_t seed, uint64_t stream);

uint64_t pa_rng_next(struct pa_rng *r);

/* Uniform on [0, 1) with 53 random bits. */
double pa_rng_uniform(struct pa_rng *r);

/* Uniform integer in [0, bound), without modulo bias; bound 0 gives 0. */
uint64_t pa_rng_below(struct pa_rng *r, uint64_t bound);

/* ---- resampling (OpenMP; results do not depend on the thread count) ---- */

/* Percentile bootstrap interval for the mean of x[0..n-1] (per-item paired
 * differences) from reps resamples of the items, seeded. sd (may be NULL)
 * is the standard deviation of the resampled means. n >= 1, reps >= 2.
 * Allocates; may return PA_ENOMEM. */
int pa_bootstrap_mean(const double *x, size_t n, size_t reps, double alpha, uint64_t seed,
                      double *lo, double *hi, double *sd);

/* Cluster bootstrap of a ratio: the percentile interval for
 * sum(num) / sum(den) when the n clusters (items) are resampled with
 * replacement, reps times, seeded. num[j] is cluster j's total (e.g. the
 * sum of its paired differences), den[j] > 0 its size (its number of
 * pairs), so each replicate's statistic is "sum of differences / number of
 * pairs in the resample" and units inside a cluster stay together. With
 * every den[j] = 1 this is pa_bootstrap_mean, draw for draw. sd (may be
 * NULL) is the standard deviation of the replicates. n >= 1, reps >= 2.
 * Allocates; may return PA_ENOMEM. */
int pa_bootstrap_ratio(const double *num, const double *den, size_t n, size_t reps, double alpha,
                       uint64_t seed, double *lo, double *hi, double *sd);

/* Stratified permutation test of mean(y | group 1) - mean(y | group 0),
 * permuting the 0/1 group labels within each set (counterfactual set) only.
 * Set j holds items set_start[j] .. set_start[j+1] - 1; set_start has
 * nsets + 1 entries, starts at 0 and never decreases. Both groups must be
 * present. stat is the observed difference; p the two-sided Monte-Carlo
 * p-value (1 + hits) / (1 + reps); se its Monte-Carlo standard error.
 * stat and se may be NULL. Allocates; may return PA_ENOMEM. */
int pa_perm_test_strat(const double *y, const uint8_t *group, const size_t *set_start, size_t nsets,
                       size_t reps, uint64_t seed, double *stat, double *p, double *se);

/* ---- item-level inference on paired per-item values ----
 *
 * x[0..n) holds one value per independent unit (e.g. an item's
 * candidate-minus-base accuracy, or its change of a group-minus-reference
 * difference); n >= 1, every x finite. Results do not depend on the
 * OpenMP thread count. */

/* Up to this many units the sign-flip test enumerates every pattern. */
#define PA_SIGNFLIP_EXACT_MAX 20

/* Two-sided sign-flip permutation test of H0: x symmetric about 0,
 * statistic |sum x|. Exact over all 2^n sign patterns when
 * n <= PA_SIGNFLIP_EXACT_MAX; otherwise Monte-Carlo with reps >= 1 patterns
 * drawn from seed, p = (1 + #{|T*| >= |T|}) / (1 + reps). Sums within a
 * relative 1e-9 (of sum |x|) of 0 count as ties. *exact (may be NULL)
 * says which. Returns 0 or PA_EINVAL; allocates a bit per unit (which
 * units are not 0), and visits every unit when that fails. */
int pa_signflip_test(const double *x, size_t n, size_t reps, uint64_t seed, double *p, bool *exact);

/* The smallest p the test can give for n units: 2 / 2^n exact (when no
 * difference ties), 1 / (reps + 1) Monte-Carlo; 1 for n = 0. */
double pa_signflip_min_p(size_t n, size_t reps);

/* Interval for the mean of x by inverting the same test (same patterns,
 * same seed) at level alpha: the mu for which the test of x - mu gives
 * p >= alpha. It excludes 0 exactly when pa_signflip_test's p < alpha; it
 * is [-INFINITY, INFINITY] when the test cannot reach alpha. Allocates
 * two arrays of 2^(n-1) (exact) or reps doubles; PA_ENOMEM. */
int pa_signflip_ci(const double *x, size_t n, size_t reps, uint64_t seed, double alpha, double *lo,
                   double *hi);

/* Reps needed so that the Monte-Carlo p can go below `level` (e.g. the
 * smallest corrected level of a family) with margin: ceil(20 / level), at
 * least 20; SIZE_MAX when that does not fit. */
size_t pa_signflip_reps_for(double level);

#endif
