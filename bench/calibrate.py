#!/usr/bin/python3
"""Calibration of parity's disparity analysis by simulation (issue 3, item 5).

Runs the built parity binary on a suite with the sim engine, many times
with different seeds:

  * with no planted disparity: the share of runs with ANY flag (a group
    with "flag": true anywhere in summary.json, or a "findings" entry) must
    stay at or under alpha within Monte-Carlo error;
  * with a planted drop of 5, 10 and 20 points in one group's yes-rate:
    the detection rate (the planted group flagged on its axis) is printed
    next to the power the design predicts, and the two must agree within
    Monte-Carlo error.

Predicted power: the normal approximation for two independent proportions
on Cohen's h, as statsmodels NormalIndPower and pa_power_n_two_prop /
pa_mde_two_prop in scorers/stats/power.c,

    power = Phi(|h| sqrt(n_eff) - z) + Phi(-|h| sqrt(n_eff) - z),
    h = 2 asin(sqrt(p_ref)) - 2 asin(sqrt(p_group)),
    n_eff = n_ref n_group / (n_ref + n_group),  z = Phi^-1(1 - alpha' / 2),

at the Bonferroni level alpha' = alpha / m over the m comparisons the run
corrects together (summary.json's analysis.comparisons). That is the level
of the minimum detectable effect the analysis prints; Benjamini-Hochberg
with a single real effect rejects at very nearly that level. n is the
group's record count from summary.json (cases x samples).

A second prediction models the test the analysis runs with several
samples a case: a paired comparison of case-level rates over the S
counterfactual sets (summary.json's pairs.n), approximated by a paired t
test with S - 1 degrees of freedom,

    power = P(|T'| > t_crit),  T' noncentral t(S - 1, delta sqrt(S) / sd),
    sd^2 = (p_ref q_ref + p_group q_group) / (n / S),

t_crit the central t quantile at alpha' / 2; the noncentral t tail is
integrated numerically over the chi-square.

With --scenarios a,b,c,d it runs instead the null scenarios of issue 13
(bench/calibrate_null.py: independent samples, temperature 0 with K = 20,
item heterogeneity, the same model twice with two base seeds) for the run
flags, the disparity gate and the regression gate, and power at the
printed MDE; --scenario-runs sets the pairs of runs per scenario.

Only the Python standard library is used. Output: a Markdown report on
stdout (docs/calibration.md holds one); progress on stderr; exit 0 when
both checks pass, 1 when one fails, 2 on usage or run errors.
"""

import argparse
import concurrent.futures as cf
import datetime
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ND = statistics.NormalDist()


def wilson(k, n, alpha=0.05):
    if n == 0:
        return (0.0, 1.0)
    z = ND.inv_cdf(1 - alpha / 2)
    p = k / n
    den = 1 + z * z / n
    mid = (p + z * z / (2 * n)) / den
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    return (max(0.0, mid - half), min(1.0, mid + half))


def t_quantile(p, df):
    """Cornish-Fisher, as scorers/analysis/analysis.c computes it."""
    z = ND.inv_cdf(p)
    z2 = z * z
    return (z + z * (z2 + 1) / (4 * df) + z * ((5 * z2 + 16) * z2 + 3) / (96 * df ** 2)
            + z * (((3 * z2 + 19) * z2 + 17) * z2 - 15) / (384 * df ** 3)
            + z * ((((79 * z2 + 776) * z2 + 1482) * z2 - 1920) * z2 - 945) / (92160 * df ** 4))


def power_from_mde(eff, mde, sets, level, power=0.8):
    """Power at effect eff that a printed MDE promises: the MDE is
    (t(1 - level/2) + t(power)) * se over sets - 1 degrees of freedom, so
    the drop is eff / se standard errors; power from the noncentral t."""
    if not isinstance(mde, (int, float)) or mde <= 0 or sets < 2:
        return float("nan")
    nu = sets - 1
    ta = t_quantile(1 - level / 2, nu)
    lam = eff / mde * (ta + t_quantile(power, nu))
    return t_tail2(ta, lam, nu)


def chi2_pdf(v, nu):
    if v <= 0:
        return 0.0
    return math.exp((nu / 2 - 1) * math.log(v) - v / 2 - nu / 2 * math.log(2)
                    - math.lgamma(nu / 2))


def t_tail2(c, lam, nu, steps=4000):
    """P(|T'| > c) for T' = (Z + lam) / sqrt(V / nu), V ~ chi2(nu) (Simpson)."""
    hi = nu + 60 * math.sqrt(2 * nu) + 60
    h, s = hi / steps, 0.0
    for i in range(1, steps + 1):
        v = i * h
        w = 1 if i == steps else (4 if i % 2 else 2)
        r = c * math.sqrt(v / nu)
        s += w * chi2_pdf(v, nu) * (ND.cdf(-r - lam) + 1 - ND.cdf(r - lam))
    return s * h / 3


def paired_t_power(p_ref, p_grp, n_grp, sets, alpha_eff):
    if sets < 2:
        return float("nan")
    nu, lo, hi = sets - 1, 0.0, 1000.0
    for _ in range(60):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if t_tail2(mid, 0, nu) > alpha_eff else (lo, mid)
    sd = math.sqrt((p_ref * (1 - p_ref) + p_grp * (1 - p_grp)) / (n_grp / sets))
    return t_tail2((lo + hi) / 2, abs(p_ref - p_grp) * math.sqrt(sets) / sd, nu)


def write_profile(path, base_rate, axis, group, shift):
    prof = {"parity_sim_profile": 1, "model": "sim-calibration",
            "yes": "Yes.", "no": "No.", "wrong": "I am not sure.",
            "base_rate": base_rate,
            "groups": {axis: {group: -shift}} if shift else {},
            "accuracy": 0.92, "domains": {}}
    with open(path, "w") as f:
        json.dump(prof, f)


def in_planted(axis_name, group_name, axis, group):
    """True when (axis_name, group_name), possibly an intersection such as
    ("gender+age", "woman+30"), involves the planted group."""
    axes, groups = axis_name.split("+"), group_name.split("+")
    return any(a == axis and g == group for a, g in zip(axes, groups))


def one_run(args, profile, seed, tmp):
    run_dir = os.path.join(tmp, "run-%d" % seed)
    env = dict(os.environ, OMP_NUM_THREADS="1")
    cmd = [args.parity, "run", args.suite, "--engine", "sim", "--sim-profile", profile,
           "--seed", str(seed), "--samples", str(args.samples), "--run-dir", run_dir,
           "--quiet"]
    res = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                         text=True)
    if res.returncode != 0:
        raise RuntimeError("%s: exit %d: %s" % (" ".join(cmd), res.returncode,
                                                res.stderr.strip()))
    with open(os.path.join(run_dir, "summary.json")) as f:
        summary = json.load(f)
    shutil.rmtree(run_dir, ignore_errors=True)
    return reduce_summary(summary, args.axis, args.group)


def reduce_summary(s, axis, group):
    """What the tallies need from one summary.json."""
    if "findings" not in s or "analysis" not in s:
        raise RuntimeError("summary.json has no analysis (\"findings\"): parity too old")
    flags, pvals, planted = [], [], None
    for entry in s["outcomes"]:
        for g in entry["groups"]:
            if g.get("flag"):
                flags.append((entry["axis"], g["group"]))
            if isinstance(g.get("p"), (int, float)):
                pvals.append(("+" in entry["axis"], g["p"]))
            if entry["axis"] == axis and g["group"] == group:
                ref = next(r for r in entry["groups"] if r["group"] == entry["reference"])
                planted = {"flag": bool(g.get("flag")), "n": g["n"], "n_ref": ref["n"],
                           "mde": g.get("mde"), "sets": (g.get("pairs") or {}).get("n", 0)}
    for f in s["findings"]:
        if (f["axis"], f["group"]) not in flags:
            flags.append((f["axis"], f["group"]))
    if planted is None:
        raise RuntimeError("no group '%s' on axis '%s' in summary.json" % (group, axis))
    return {"flags": flags, "p": pvals, "planted": planted,
            "comparisons": s["analysis"]["comparisons"], "alpha": s["analysis"]["alpha"]}


def batch(args, profile, seeds, tmp, label):
    out, t0 = [], time.time()
    with cf.ThreadPoolExecutor(max_workers=args.jobs) as ex:
        for i, r in enumerate(ex.map(lambda s: one_run(args, profile, s, tmp), seeds)):
            out.append(r)
            if (i + 1) % 50 == 0 or i + 1 == len(seeds):
                print("%s: %d/%d runs, %.0f s" % (label, i + 1, len(seeds), time.time() - t0),
                      file=sys.stderr)
    return out


def fmt_ci(ci):
    return "[%.3f, %.3f]" % ci


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--parity", default="build/parity", help="parity binary (build/parity)")
    ap.add_argument("--suite", default="suites/demo/demo.json")
    ap.add_argument("--samples", type=int, default=40, help="samples per case (40)")
    ap.add_argument("--null-runs", type=int, default=500, help="runs without disparity (500)")
    ap.add_argument("--runs", type=int, default=200, help="runs per planted effect (200)")
    ap.add_argument("--effects", default="0.05,0.10,0.20", help="planted drops (0.05,0.10,0.20)")
    ap.add_argument("--axis", default="gender")
    ap.add_argument("--group", default="woman")
    ap.add_argument("--base-rate", type=float, default=0.6, help="P(yes) without disparity")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="runs in parallel")
    ap.add_argument("--seed", type=int, default=1, help="first run's seed")
    ap.add_argument("--scenarios", default="",
                    help="run the null scenarios of issue 13 instead, e.g. a,b,c,d")
    ap.add_argument("--scenario-runs", type=int, default=20,
                    help="pairs of runs per null scenario (20; >= 1000 for a final table)")
    ap.add_argument("--power-runs", type=int, default=10,
                    help="pairs per scenario with the printed MDE planted (10)")
    ap.add_argument("--no-power-diff", action="store_true",
                    help="with --scenarios: power pairs skip the diff (no disparity-gate column)")
    ap.add_argument("--gen-items", type=int, default=0,
                    help="with --scenarios: instead of --suite, a generated suite of N items on "
                    "gender and N on race (3 groups each) and N/2 arithmetic items")
    args = ap.parse_args()
    try:
        effects = [float(e) for e in args.effects.split(",") if e]
    except ValueError:
        ap.error("--effects: expected numbers separated by commas")
    if args.null_runs < 1 or args.runs < 1 or args.samples < 1 or args.jobs < 1:
        ap.error("--null-runs, --runs, --samples and --jobs must be positive")
    if not os.access(args.parity, os.X_OK):
        ap.error("'%s': not an executable (build parity first)" % args.parity)
    if args.scenarios:
        if args.scenario_runs < 1 or args.power_runs < 0:
            ap.error("--scenario-runs must be positive and --power-runs not negative")
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        import calibrate_null
        return calibrate_null.main(args)

    t0 = time.time()
    tmp = tempfile.mkdtemp(prefix="parity-calibrate-")
    try:
        # Seeds 1000 apart: sample k of seed S draws with S + k.
        seed = args.seed
        prof = os.path.join(tmp, "null.json")
        write_profile(prof, args.base_rate, args.axis, args.group, 0)
        seeds = [seed + 1000 * i for i in range(args.null_runs)]
        null = batch(args, prof, seeds, tmp, "no disparity")
        seed += 1000 * args.null_runs
        planted = []
        for eff in effects:
            prof = os.path.join(tmp, "planted-%g.json" % eff)
            write_profile(prof, args.base_rate, args.axis, args.group, eff)
            seeds = [seed + 1000 * i for i in range(args.runs)]
            planted.append((eff, batch(args, prof, seeds, tmp, "drop %g" % eff)))
            seed += 1000 * args.runs
    except RuntimeError as e:
        print("calibrate: %s" % e, file=sys.stderr)
        return 2
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    elapsed = time.time() - t0

    alpha = null[0]["alpha"]
    m = null[0]["comparisons"]
    n_grp, n_ref = null[0]["planted"]["n"], null[0]["planted"]["n_ref"]
    ok = True

    any_flag = sum(1 for r in null if r["flags"])
    ci = wilson(any_flag, len(null))
    share = any_flag / len(null)
    fp_ok = ci[0] <= alpha
    ok &= fp_ok
    nflags = sum(len(r["flags"]) for r in null)
    pv = {False: [], True: []}
    for r in null:
        for inter, p in r["p"]:
            pv[inter].append(p)

    print("## No planted disparity\n")
    print("| runs | samples per case | comparisons per run | runs with any flag | share "
          "| 95% Wilson interval | alpha | at or under alpha |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    print("| %d | %d | %d | %d | %.3f | %s | %g | %s |" % (
        len(null), args.samples, m, any_flag, share, fmt_ci(ci), alpha,
        "yes" if fp_ok else "**no**"))
    print("\nFlags per run on average: %.4f.\n" % (nflags / len(null)))
    print("Uncorrected p-values (a calibrated test gives a share of alpha = %g below "
          "alpha):\n" % alpha)
    print("| comparisons | p-values | below alpha | share | 95% Wilson interval |")
    print("| --- | --- | --- | --- | --- |")
    for inter in (False, True):
        v = pv[inter]
        k = sum(1 for p in v if p < alpha)
        if v:
            print("| %s | %d | %d | %.4f | %s |" % (
                "intersections of two axes" if inter else "one axis", len(v), k, k / len(v),
                fmt_ci(wilson(k, len(v)))))
    print()

    print("## Planted disparity: group `%s` on axis `%s`, P(yes) %.2f - drop\n"
          % (args.group, args.axis, args.base_rate))
    print("Records per group: %d (planted group), %d (reference); level alpha / m = "
          "%g / %d = %.5f.\n" % (n_grp, n_ref, alpha, m, alpha / m))
    print("| drop | runs | detected | detection rate | 95% Wilson interval "
          "| predicted by the printed MDE | z | agree | predicted, paired t over sets | z "
          "| only the planted group flagged | MDE printed (median) |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for eff, runs in planted:
        r0 = runs[0]["planted"]
        det = sum(1 for r in runs if r["planted"]["flag"])
        exact = sum(1 for r in runs if r["planted"]["flag"] and
                    all(in_planted(a, g, args.axis, args.group) for a, g in r["flags"]))
        rate = det / len(runs)
        level = alpha / runs[0]["comparisons"]
        p_grp = args.base_rate - eff
        # The MDE is a property of the design: take its median over the runs
        # (averaging each run's own promise would overweight runs whose
        # sample SD came out small).
        mdes_sorted = sorted(r["planted"]["mde"] for r in runs
                             if isinstance(r["planted"]["mde"], (int, float)))
        med = mdes_sorted[len(mdes_sorted) // 2] if mdes_sorted else None
        pred = power_from_mde(eff, med, r0["sets"], level)
        pred_t = paired_t_power(args.base_rate, p_grp, r0["n"], r0["sets"], level)
        z = [(rate - q) / math.sqrt(max(q * (1 - q), 1e-12) / len(runs)) for q in (pred, pred_t)]
        dci = wilson(det, len(runs))
        agree = abs(z[0]) <= 2 or dci[0] <= pred <= dci[1]
        ok &= agree
        mde = med
        print("| %.2f | %d | %d | %.3f | %s | %.3f | %+.2f | %s | %.3f | %+.2f | %.3f | %s |" % (
            eff, len(runs), det, rate, fmt_ci(dci), pred, z[0], "yes" if agree else "**no**",
            pred_t, z[1], exact / len(runs),
            "%.3f" % mde if isinstance(mde, (int, float)) else "-"))
    print("\n\"predicted by the printed MDE\": the power the median printed `mde` "
          "promises at the planted drop (the MDE is (t(1 - level/2) + t(0.8)) x SE over sets - 1 "
          "degrees of freedom; power from the noncentral t at drop / SE); \"agree\" compares with it. "
          "\"predicted, paired t over sets\": an independent prediction over the %d "
          "counterfactual sets. z: (observed - predicted) / Monte-Carlo SE."
          % planted[0][1][0]["planted"]["sets"])
    print("\nTotal %d runs in %.0f s with %d in parallel (%s).\n" % (
        len(null) + sum(len(r) for _, r in planted), elapsed, args.jobs,
        datetime.date.today().isoformat()))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
