#!/usr/bin/python3
"""Writes tests/data/stat_vectors.json, reference values for scorers/stats.

Same format as shared/reference/stat_vectors.json, plus the edge cases that
file lacks: k = 0, k = n, n = 1, n up to 10^6, p-values far below 1e-12,
McNemar with b = c = 0, Fisher tables with zero cells, and the sign-flip test (scorers/stats/signflip.c)
against scipy's exact paired permutation_test, its interval by bisection. Fisher items carry an
extra "odds_ratio" where it is finite.

Run with Debian's interpreter, which has SciPy 1.10 and statsmodels 0.13:
    /usr/bin/python3 tests/data/gen_stat_vectors.py > tests/data/stat_vectors.json
"""
import json
import math
import sys
import warnings

import numpy as np
import scipy
from scipy import optimize, stats
from statsmodels.stats.contingency_tables import cochrans_q, mcnemar
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.power import NormalIndPower
from statsmodels.stats.proportion import (confint_proportions_2indep,
                                          proportion_confint, proportions_ztest)

SEED = 20240611


def r12(x):
    """12 significant digits, as the shared file."""
    x = float(x)
    if not math.isfinite(x):
        raise ValueError("non-finite reference value %r" % x)
    return float("%.12g" % x)


def wilson(rng):
    cases = [(0, 10, .05), (10, 10, .05), (0, 1, .05), (1, 1, .05), (1, 2, .05),
             (1, 1000000, .05), (999999, 1000000, .05), (500000, 1000000, .05),
             (3, 100000, .01), (37, 100000, .001), (60, 100, .05), (45, 100, .05),
             (912, 1508, .05), (7, 10, .1), (0, 1000000, .05), (5, 9, .5)]
    for _ in range(8):
        n = int(rng.integers(1, 5000))
        cases.append((int(rng.integers(0, n + 1)), n, float(rng.choice([.01, .05, .1]))))
    out = []
    for k, n, a in cases:
        lo, hi = proportion_confint(k, n, alpha=a, method="wilson")
        out.append({"successes": k, "trials": n, "alpha": a, "lower": r12(lo), "upper": r12(hi)})
    return out


def newcombe(rng):
    cases = [(60, 100, 45, 100, .05), (0, 10, 0, 10, .05), (10, 10, 0, 10, .05),
             (0, 1, 1, 1, .05), (1, 1, 1, 1, .05), (0, 20, 5, 20, .01),
             (500000, 1000000, 499000, 1000000, .05), (3, 100000, 9, 100000, .05),
             (100000, 100000, 99990, 100000, .05)]
    for _ in range(8):
        n1, n2 = (int(v) for v in rng.integers(1, 3000, size=2))
        cases.append((int(rng.integers(0, n1 + 1)), n1, int(rng.integers(0, n2 + 1)), n2, .05))
    out = []
    for k1, n1, k2, n2, a in cases:
        lo, hi = confint_proportions_2indep(k1, n1, k2, n2, method="newcomb", alpha=a)
        out.append({"k1": k1, "n1": n1, "k2": k2, "n2": n2, "alpha": a,
                    "lower": r12(lo), "upper": r12(hi)})
    return out


def fisher(rng):
    tables = [[[60, 40], [45, 55]], [[0, 5], [5, 0]], [[5, 0], [0, 5]], [[0, 10], [3, 7]],
              [[0, 0], [3, 4]], [[3, 0], [4, 0]], [[1, 0], [0, 0]], [[100, 0], [0, 100]],
              [[5, 5], [5, 5]], [[10, 10], [10, 11]], [[1, 9], [11, 3]],
              [[5000, 5100], [4900, 5000]], [[50000, 49500], [49000, 50200]],
              [[300000, 200000], [200000, 300000]], [[2, 7], [8, 2]], [[0, 1], [1, 0]]]
    for _ in range(8):
        tables.append([[int(v) for v in rng.integers(0, 80, size=2)] for _ in range(2)])
    out = []
    for t in tables:
        odds, p = stats.fisher_exact(t)
        item = {"table": t, "p": r12(p)}
        if math.isfinite(odds):
            item["odds_ratio"] = r12(odds)
        out.append(item)
    return out


def chi2(rng):
    tables = [[[60, 40], [45, 55]], [[60, 40], [45, 55], [50, 50]],
              [[1, 0], [0, 1]], [[500000, 500000], [501000, 499000]],
              [[100000, 1000], [1000, 100000]], [[1, 99], [2, 98], [0, 100]],
              [[int(10 + 3 * i), int(200 - 5 * i)] for i in range(20)]]
    for _ in range(6):
        rows = int(rng.integers(2, 7))
        tables.append([[int(v) for v in rng.integers(1, 300, size=2)] for _ in range(rows)])
    out = []
    for t in tables:
        c, p, dof, _ = stats.chi2_contingency(t, correction=False)
        out.append({"table": t, "chi2": r12(c), "dof": int(dof), "p": r12(p)})
    return out


def mcnemar_items(rng):
    bcs = [(0, 0), (0, 1), (1, 0), (25, 10), (30, 14), (7, 7), (0, 40), (500, 0),
           (500000, 499000), (100000, 101000), (1, 1), (3, 4)]
    for _ in range(6):
        bcs.append(tuple(int(v) for v in rng.integers(0, 60, size=2)))
    out = []
    for i, (b, c) in enumerate(bcs):
        t = [[100 + i, b], [c, 65 + 2 * i]]
        p = mcnemar(t, exact=True).pvalue
        out.append({"table": t, "b": b, "c": c, "p": r12(p)})
    return out


def cochran_items(rng):
    # The worked example: pattern counts over 3 groups.
    pats = {(1, 1, 1): 50, (0, 0, 0): 30, (1, 0, 0): 8, (0, 1, 0): 2, (0, 0, 1): 3,
            (1, 1, 0): 4, (1, 0, 1): 6, (0, 1, 1): 1}
    mats = [[list(p) for p, n in pats.items() for _ in range(n)],
            [[0, 1], [1, 0], [0, 0], [1, 1], [0, 1]],
            [[1, 0], [1, 0], [1, 0], [1, 0]]]
    for subj, k, pr in [(2000, 6, (.3, .32, .35, .3, .31, .4)), (40, 3, (.5, .5, .5)),
                        (500, 2, (.2, .25)), (25, 8, (.5,) * 8)]:
        base = rng.random(subj)[:, None]
        mats.append((rng.random((subj, k)) < (np.array(pr) + base * .5) / 1.5).astype(int)
                    .tolist())
    out = []
    for m in mats:
        r = cochrans_q(np.array(m))
        out.append({"matrix": m, "q": r12(r.statistic), "df": int(r.df), "p": r12(r.pvalue)})
    return out


def ztest(rng):
    cases = [(60, 100, 45, 100), (0, 10, 3, 10), (10, 10, 7, 10), (1, 1, 0, 1),
             (500000, 1000000, 498000, 1000000), (50, 100000, 150, 100000),
             (900000, 1000000, 100, 1000)]
    for _ in range(6):
        n1, n2 = (int(v) for v in rng.integers(1, 5000, size=2))
        cases.append((int(rng.integers(0, n1 + 1)), n1, int(rng.integers(0, n2 + 1)), n2))
    out = []
    for k1, n1, k2, n2 in cases:
        z, p = proportions_ztest([k1, k2], [n1, n2])
        out.append({"k1": k1, "n1": n1, "k2": k2, "n2": n2, "z": r12(z), "p": r12(p)})
    return out


def power_items():
    cases = [(.6, .5, .05, .8), (.5, .6, .05, .8), (.5, .49, .05, .8), (.1, .05, .01, .9),
             (.02, .01, .05, .8), (.99, .9, .001, .95), (.3, .7, .05, .5), (.5, .45, .1, .99)]
    out = []
    for p1, p2, a, pw in cases:
        h = 2 * math.asin(math.sqrt(p1)) - 2 * math.asin(math.sqrt(p2))
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            n = NormalIndPower().solve_power(h, alpha=a, power=pw, ratio=1)
        # statsmodels' root finder may stop early: keep only tight solutions.
        crit = stats.norm.isf(a / 2)
        exact = optimize.brentq(lambda m: stats.norm.sf(crit - abs(h) * math.sqrt(m / 2)) +
                                stats.norm.cdf(-crit - abs(h) * math.sqrt(m / 2)) - pw,
                                1e-6, 1e12, xtol=1e-14, rtol=1e-15)
        if abs(n - exact) > 1e-7 * exact:
            raise SystemExit("statsmodels power did not converge for %r" % ((p1, p2, a, pw),))
        out.append({"p1": p1, "p2": p2, "alpha": a, "power": pw, "cohens_h": r12(h),
                    "n_per_group": r12(n)})
    return out


def binom_items(rng):
    cases = [(0, 10, .5), (10, 10, .5), (0, 1, .5), (1, 1, .3), (912, 1508, .5),
             (10, 35, .5), (0, 40, .8), (500800, 1000000, .5), (1100, 1000000, .001),
             (499000, 1000000, .5), (3, 100000, .0001), (100000, 100000, .5),
             (50, 100, .5), (4, 10, .4), (7, 21, 1 / 3), (0, 5, 0.0), (5, 5, 1.0)]
    for _ in range(8):
        n = int(rng.integers(1, 3000))
        cases.append((int(rng.integers(0, n + 1)), n, float(rng.choice([.1, .3, .5, .77]))))
    out = []
    for k, n, p0 in cases:
        p = stats.binomtest(k, n, p0).pvalue
        out.append({"k": k, "n": n, "p0": p0, "p": r12(p)})
    return out


def p_adjust_items(rng):
    lists = [[0.001, 0.008, 0.039, 0.041, 0.042, 0.06, 0.074, 0.205, 0.212, 0.216],
             [0.03], [0.0, 1.0, 0.5], [0.01, 0.01, 0.01, 0.2, 0.2],
             [float(v) for v in rng.random(200) ** 3]]
    out = []
    for p in lists:
        p = [r12(v) for v in p]
        item = {"p": p}
        for key, method in (("bh", "fdr_bh"), ("holm", "holm"), ("bonferroni", "bonferroni")):
            item[key] = [r12(v) for v in multipletests(p, method=method)[1]]
        out.append(item)
    return out


def impact_items():
    cases = [([60, 45], [100, 100]), ([60, 45, 50], [100, 100, 100]),
             ([0, 5], [10, 10]), ([10, 3], [10, 10]), ([1], [1]),
             ([1, 500000], [1000000, 1000000])]
    out = []
    for sel, tot in cases:
        rates = [s / t for s, t in zip(sel, tot)]
        top = max(rates)
        out.append({"selected": sel, "total": tot, "rates": [r12(r) for r in rates],
                    "impact_ratio": [r12(r / top) for r in rates]})
    return out


def cmh_items(rng):
    """Stratified 2x2 tables: edge cases (a stratum of one record, a
    stratum with an empty column) and random ones."""
    from statsmodels.stats.contingency_tables import StratifiedTable
    cases = [[[[3, 1], [1, 3]], [[2, 1], [1, 2]]],
             [[[1, 1], [0, 1]], [[2, 1], [1, 1]]],
             [[[5, 0], [5, 0]], [[4, 1], [1, 4]], [[0, 3], [2, 1]]],
             [[[29, 1], [18, 12]]] * 5]
    for _ in range(6):
        k = int(rng.integers(2, 12))
        cases.append([[[int(v) for v in rng.integers(0, 20, size=2)],
                       [int(v) for v in rng.integers(0, 20, size=2)]] for _ in range(k)])
    out = []
    for tables in cases:
        st = StratifiedTable(np.array(tables, dtype=float).transpose(1, 2, 0))
        r0, r1 = st.test_null_odds(correction=False), st.test_null_odds(correction=True)
        out.append({"tables": tables, "statistic": r12(r0.statistic), "p": r12(r0.pvalue),
                    "statistic_corrected": r12(r1.statistic), "p_corrected": r12(r1.pvalue),
                    "odds_ratio_mh": r12(st.oddsratio_pooled)})
    return out


def one_sample_t_items(rng):
    cases = [[0.5, -0.25, 0.0, 1.0], [1, 0, 0, 1, 0, 1, 1, 1, 0, 1], [-0.1, -0.3]]
    for _ in range(6):
        n = int(rng.integers(3, 60))
        cases.append([round(float(v), 4) for v in rng.normal(float(rng.uniform(-0.2, 0.3)), 0.2, n)])
    out = []
    for d in cases:
        r = stats.ttest_1samp(d, 0.0)
        out.append({"d": d, "t": r12(r.statistic), "df": len(d) - 1, "p": r12(r.pvalue)})
    return out


def mde_t(n, a, power=0.8):
    """The root itself (brentq to 1e-14): statsmodels' solve_power stops
    about 1e-6 away."""
    df, c = n - 1, stats.t.ppf(1 - a / 2, n - 1)

    def f(es):
        nc = es * math.sqrt(n)
        return stats.nct.sf(c, df, nc) + stats.nct.cdf(-c, df, nc) - power
    return optimize.brentq(f, 1e-9, 10, xtol=1e-15, rtol=1e-14)


def power_t_items(rng):
    from statsmodels.stats.power import TTestPower
    cases = [(5, .05, 1.0), (6, .05, 1.5), (12, .0025, 0.9), (30, .05, 0.3), (30, .001, 0.5),
             (200, .01, 0.1), (3, .05, 3.0)]
    for _ in range(5):
        cases.append((int(rng.integers(4, 400)), float(rng.choice([.05, .01, .005])),
                      round(float(rng.uniform(0.05, 1.2)), 3)))
    out = []
    for n, a, es in cases:
        out.append({"nobs": n, "alpha": a, "effect_size": es,
                    "power": r12(TTestPower().power(effect_size=es, nobs=n, alpha=a)),
                    "mde_effect_size_at_power_0_8": r12(mde_t(n, a))})
    return out


def signflip_exact_items(rng):
    """Exact two-sided sign-flip p by enumerating all 2^n patterns of |sum|,
    counting ties (1e-9 relative) as at least as extreme."""
    import itertools
    cases = [[1, 1, 1, 1, 1], [1, 1, 1, 1, 1, 1], [0.5, -0.25, 0.0, 1.0], [0, 0, 0],
             [1, -1, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1]]
    for _ in range(6):
        n = int(rng.integers(3, 15))
        cases.append([round(float(v), 3) for v in rng.normal(0.1, 0.2, n)])
    out = []
    for d in cases:
        t = abs(sum(d))
        hits = sum(1 for s in itertools.product((1, -1), repeat=len(d))
                   if abs(sum(x * y for x, y in zip(s, d))) >= t * (1 - 1e-9))
        out.append({"d": d, "mean": r12(sum(d) / len(d)), "p": r12(hits / 2 ** len(d))})
    return out


def signflip_p(x):
    """scipy's exact paired permutation test of |mean(x - 0)|: swapping a
    pair flips the sign of its difference, and 'greater' on the absolute
    mean is the two-sided |sum x| test."""
    x = np.asarray(x, dtype=float)
    res = stats.permutation_test(
        (x, np.zeros_like(x)), lambda a, b, axis: np.abs(np.mean(a - b, axis=axis)),
        permutation_type="samples", alternative="greater", n_resamples=np.inf,
        vectorized=True)
    return float(res.pvalue)


def signflip_bound(x, alpha, side):
    """The interval's end by bisection on scipy's p of x - mu: the set of
    mu with p >= alpha is an interval around mean(x)."""
    x = np.asarray(x, dtype=float)
    inside = float(np.mean(x))
    outside = inside + side * (float(np.max(np.abs(x))) * 2 + 1)
    for _ in range(60):
        mid = (inside + outside) / 2
        if signflip_p(x - mid) >= alpha:
            inside = mid
        else:
            outside = mid
    return inside


def signflip_items(rng):
    """Sign-flip test p (scipy exact enumeration) and its inverted interval,
    on item deltas: continuous, multiples of 1/20 (accuracy over 20
    samples, with ties and zeros) and ranks (Wilcoxon's exact law)."""
    xs = [[0.3, -0.1, 0.45, 0.2, 0.05, 0.6, -0.25, 0.15],
          [1.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0],
          [0.05, -0.05, 0.1, 0.0, 0.15, -0.1, 0.2, 0.05, 0.1, 0.0],
          [float(v) for v in range(1, 13)],
          [1.0, 2.0, 3.0]]
    for n in (6, 9, 12, 14):
        xs.append([round(float(v), 6) for v in rng.normal(0.1, 0.3, size=n)])
    for n in (7, 11, 16):
        xs.append([int(v) / 20 for v in rng.integers(-6, 9, size=n)])
    out = []
    for x in xs:
        alpha = 0.05
        item = {"x": x, "alpha": alpha, "p": r12(signflip_p(x))}
        if signflip_p(x - np.mean(x)) >= alpha and 2.0 / 2 ** len(x) < alpha:
            item["lower"] = r12(signflip_bound(x, alpha, -1))
            item["upper"] = r12(signflip_bound(x, alpha, 1))
        out.append(item)
    return out


def mann_whitney_items(rng):
    """Two-sided, SciPy's defaults: exact (small, no ties) and normal with
    tie and continuity corrections."""
    cases = [([1.0], [2.0]), ([0.1, 0.5, 0.9], [0.2, 0.3]), ([1, 2, 2, 3], [2, 3, 4, 4, 5]),
             ([3.0, 3.0], [3.0, 3.0, 3.0])]
    for n1, n2 in ((3, 4), (7, 7), (5, 2), (8, 6), (12, 15), (40, 33), (4, 30)):
        cases.append(([round(float(v), 3) for v in rng.normal(0.0, 1.0, n1)],
                      [round(float(v), 3) for v in rng.normal(0.4, 1.0, n2)]))
    for n1, n2 in ((10, 10), (6, 9)):
        cases.append(([float(v) for v in rng.integers(0, 4, n1)],
                      [float(v) for v in rng.integers(0, 4, n2)]))
    out = []
    for x, y in cases:
        r = stats.mannwhitneyu(x, y)
        out.append({"x": x, "y": y, "u1": r12(r.statistic), "p": r12(r.pvalue)})
    return out


def cohens_kappa_items(rng):
    """statsmodels' cohens_kappa: kappa, its asymptotic SE, the 95% Wald interval."""
    from statsmodels.stats.inter_rater import cohens_kappa
    tables = [[[20, 5], [10, 15]], [[45, 3], [2, 50]], [[1, 9], [9, 1]], [[30, 0], [0, 20]],
              [[10, 2, 1], [3, 12, 2], [0, 4, 9]]]
    for _ in range(4):
        tables.append([[int(v) for v in rng.integers(0, 40, 2)] for _ in range(2)])
    out = []
    for t in tables:
        r = cohens_kappa(np.array(t, dtype=float))
        out.append({"table": t, "alpha": 0.05, "kappa": r12(r.kappa),
                    "se": r12(r.std_kappa), "lower": r12(r.kappa_low),
                    "upper": r12(r.kappa_upp)})
    return out


def main():
    rng = np.random.default_rng(SEED)
    doc = {
        "generated_by": "tests/data/gen_stat_vectors.py: scipy %s / statsmodels %s"
                        % (scipy.__version__, __import__("statsmodels").__version__),
        "seed": SEED,
        "wilson": wilson(rng),
        "newcombe_diff": newcombe(rng),
        "fisher_exact_two_sided": fisher(rng),
        "chi2_independence": chi2(rng),
        "mcnemar_exact": mcnemar_items(rng),
        "cochrans_q": cochran_items(rng),
        "two_proportion_z": ztest(rng),
        "power_two_proportions": power_items(),
        "binom_two_sided": binom_items(rng),
        "p_adjust": p_adjust_items(rng),
        "impact_ratio": impact_items(),
        "signflip": signflip_items(np.random.default_rng(SEED + 1)),
    }
    rng2 = np.random.default_rng(SEED + 13)  # issue 13's vectors: the others stay as they were
    doc["cmh"] = cmh_items(rng2)
    doc["one_sample_t"] = one_sample_t_items(rng2)
    doc["power_one_sample_t"] = power_t_items(rng2)
    doc["signflip_exact"] = signflip_exact_items(rng2)
    doc["mann_whitney_u"] = mann_whitney_items(np.random.default_rng(SEED + 15))
    doc["cohens_kappa"] = cohens_kappa_items(np.random.default_rng(SEED + 16))
    json.dump(doc, sys.stdout, indent=1, allow_nan=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
