/* Exact tests: binomial, McNemar and Fisher. Probabilities are summed
 * term by term in log-scaled form, starting at the largest term and
 * stopping once the rest cannot matter, so n = 10^6 costs a few thousand
 * terms and nothing overflows. */
#include <math.h>

#include "parity/common.h"
#include "parity/stats.h"
#include "stats_impl.h"

/* Ties within this relative tolerance count as "as likely as observed"
 * (scipy binomtest, R fisher.test): rounding must not split equal terms. */
#define TIE_REL 1e-7

struct binom {
        double n, p, q;
};

struct hyper {
        double white, black, draws;
};

static double binom_lp(const void *ctx, uint64_t x)
{
        const struct binom *b = ctx;

        return pa__binom_logpmf((double)x, b->n, b->p, b->q);
}

static double hyper_lp(const void *ctx, uint64_t x)
{
        const struct hyper *h = ctx;

        return pa__hyper_logpmf((double)x, h->white, h->black, h->draws);
}

/* Sum of pmf(x) from `from` to `to` by `step` (+1 or -1), walking away
 * from the mode so that terms never increase. */
static double tail_sum(double (*logpmf)(const void *ctx, uint64_t x), const void *ctx,
                       uint64_t from, uint64_t to, int step)
{
        double l0 = logpmf(ctx, from), sum = 0, prev = 0, t, r;
        uint64_t x = from;

        if (l0 == -INFINITY)
                return 0;
        for (;;) {
                t = exp(logpmf(ctx, x) - l0);
                sum += t;
                if (x == to)
                        break;
                /* Log-concave: the ratio of neighbours only shrinks outward,
                 * so the rest is below the geometric series t r / (1 - r). */
                if (t < prev) {
                        r = t / prev;
                        if (t * r < sum * 1e-17 * (1 - r))
                                break;
                }
                prev = t;
                x = step > 0 ? x + 1 : x - 1;
        }
        return sum * exp(l0);
}

/* Smallest x in [from, to] (non-increasing part) with logpmf(x) <= thr,
 * or to + 1 when there is none. */
static uint64_t first_below(double (*logpmf)(const void *, uint64_t), const void *ctx,
                            uint64_t from, uint64_t to, double thr)
{
        uint64_t lo = from, hi = to, mid;

        if (logpmf(ctx, to) > thr)
                return to + 1;
        while (lo < hi) {
                mid = lo + (hi - lo) / 2;
                if (logpmf(ctx, mid) <= thr)
                        hi = mid;
                else
                        lo = mid + 1;
        }
        return lo;
}

/* Largest x in [from, to] (non-decreasing part) with logpmf(x) <= thr, or
 * UINT64_MAX when there is none. */
static uint64_t last_below(double (*logpmf)(const void *, uint64_t), const void *ctx, uint64_t from,
                           uint64_t to, double thr)
{
        uint64_t lo = from, hi = to, mid;

        if (logpmf(ctx, from) > thr)
                return UINT64_MAX;
        while (lo < hi) {
                mid = lo + (hi - lo + 1) / 2;
                if (logpmf(ctx, mid) <= thr)
                        lo = mid;
                else
                        hi = mid - 1;
        }
        return lo;
}

/* Every outcome on [lo, hi] no more likely than obs (within TIE_REL);
 * mode is approximately the most likely outcome. */
static double two_sided_sum(double (*logpmf)(const void *ctx, uint64_t x), const void *ctx,
                            uint64_t lo, uint64_t hi, uint64_t mode, uint64_t obs)
{
        double thr = logpmf(ctx, obs) + log1p(TIE_REL), p;
        uint64_t m = mode < lo ? lo : mode > hi ? hi : mode, x;

        /* The caller's mode comes from a rounded formula; settle it. */
        while (m < hi && logpmf(ctx, m + 1) > logpmf(ctx, m))
                m++;
        while (m > lo && logpmf(ctx, m - 1) > logpmf(ctx, m))
                m--;
        if (obs == m)
                return 1;
        if (obs < m) {
                p = tail_sum(logpmf, ctx, obs, lo, -1);
                x = first_below(logpmf, ctx, m, hi, thr);
                if (x <= hi)
                        p += tail_sum(logpmf, ctx, x, hi, +1);
        } else {
                p = tail_sum(logpmf, ctx, obs, hi, +1);
                x = last_below(logpmf, ctx, lo, m, thr);
                if (x != UINT64_MAX)
                        p += tail_sum(logpmf, ctx, x, lo, -1);
        }
        return p < 1 ? p : 1;
}

int pa_binom_test(uint64_t k, uint64_t n, double p0, double *p)
{
        struct binom b = {(double)n, p0, 1 - p0};
        double mode;

        if (k > n || !(p0 >= 0 && p0 <= 1) || !p)
                return PA_EINVAL;
        mode = floor(((double)n + 1) * p0);
        *p = two_sided_sum(binom_lp, &b, 0, n, mode > (double)n ? n : (uint64_t)mode, k);
        return 0;
}

int pa_mcnemar_exact(uint64_t b, uint64_t c, double *p, double *midp)
{
        struct binom bn = {(double)b + (double)c, 0.5, 0.5};
        uint64_t k = b < c ? b : c;
        double cdf, pmf;

        if (b > UINT64_MAX - c || !p)
                return PA_EINVAL;
        cdf = tail_sum(binom_lp, &bn, k, 0, -1);
        *p = 2 * cdf < 1 ? 2 * cdf : 1;
        if (midp) {
                /* b = c: 2 P(X <= k) - P(X = k) is exactly 1 by symmetry. */
                pmf = exp(binom_lp(&bn, k));
                *midp = b == c ? 1 : 2 * cdf - pmf;
        }
        return 0;
}

int pa_mcnemar_chi2(uint64_t b, uint64_t c, int correction, double *stat, double *p)
{
        double d = b > c ? (double)(b - c) : (double)(c - b), s = (double)b + (double)c, x;

        if (correction)
                d = d > 1 ? d - 1 : 0;
        x = s > 0 ? d * d / s : 0;
        if (stat)
                *stat = x;
        if (p)
                *p = pa_chi2_sf(x, 1);
        return 0;
}

int pa_fisher_exact(uint64_t a, uint64_t b, uint64_t c, uint64_t d, double *odds_ratio, double *p)
{
        struct hyper h = {(double)a + (double)b, (double)c + (double)d, (double)a + (double)c};
        double total = h.white + h.black, mode, pv;
        uint64_t lo, hi, draws = a + c;

        /* Counts past 2^53 would not be exact in the double arithmetic. */
        if (a > (1ULL << 51) || b > (1ULL << 51) || c > (1ULL << 51) || d > (1ULL << 51))
                return PA_EINVAL;
        if (a + b == 0 || c + d == 0 || a + c == 0 || b + d == 0) {
                if (odds_ratio)
                        *odds_ratio = NAN;
                if (p)
                        *p = 1;
                return 0;
        }
        if (odds_ratio)
                *odds_ratio =
                    b > 0 && c > 0 ? (double)a * (double)d / ((double)b * (double)c) : INFINITY;
        if (!p)
                return 0;
        lo = draws > c + d ? draws - (c + d) : 0;
        hi = draws < a + b ? draws : a + b;
        mode = floor((h.draws + 1) * (h.white + 1) / (total + 2));
        pv = two_sided_sum(hyper_lp, &h, lo, hi, (uint64_t)mode, a);
        *p = pv;
        return 0;
}
