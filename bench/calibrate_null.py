"""The null scenarios of issue 13 for bench/calibrate.py --scenarios.

Each scenario is a world the sim engine plays (a profile, a temperature, a
number of samples K) with NO planted group effect in the population
("prompts like these": the mean group effect over items is zero). A
replicate is a pair of runs of the same model with two different base
seeds, S (base) and S' (candidate), and one `parity diff BASE CAND
--fail-on all`. Per scenario it counts, as family-wise false-positive
rates with 95% Wilson intervals:

  * flags: the base run has any finding in summary.json;
  * disparity gate: diff.json's gate "disparity" failed;
  * regression gate: diff.json's gate "regression" failed;
  * intervals: the share of group rates (every outcome, axis, group) whose
    two runs differ by more than their printed 95% intervals allow
    (|r - r'| > 1.96 sqrt(se^2 + se'^2), se = interval width / 3.92);
    about 0.05 when the intervals are honest about run-to-run variation.

Then power at the printed MDE: the median `mde` printed for the planted
group (--group on --axis) in the null base runs is planted as a drop of
P(yes) for that group, and --power-runs pairs (null base, planted
candidate, two seeds) count how often the candidate run flags the group
and how often the disparity gate fails. A printed MDE keeps its promise
when both are near 0.80.

The scenarios:
  a  independent samples: temperature 0.7, K = --samples, small per-case
     prompt sensitivity (group_sd 0.3), no item intercepts;
  b  temperature 0 with K = 20: the same profile with greedy_at_t0, so the
     K samples of a case are one answer repeated;
  c  item heterogeneity with no mean group effect: item_sd 1.5 and
     group_sd 0.5 on the logit scale, temperature 0.7, K = --samples;
  d  the same model run twice with two base seeds, in the world of c
     (the interval column is the one that speaks to it).
"""

import concurrent.futures as cf
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import time

ND = statistics.NormalDist()

BASE = {"parity_sim_profile": 1, "yes": "Yes.", "no": "No.", "wrong": "I am not sure.",
        "accuracy": 0.92, "domains": {}}

SCENARIOS = {
    "a": ("independent samples, temperature 0.7",
          {"group_sd": 0.3}, 0.7, None),
    "b": ("temperature 0, K = 20 (greedy)",
          {"group_sd": 0.3, "greedy_at_t0": True}, 0.0, 20),
    "c": ("item heterogeneity, no mean group effect",
          {"item_sd": 1.5, "group_sd": 0.5}, 0.7, None),
    "d": ("same model twice, two base seeds (world of c)",
          {"item_sd": 1.5, "group_sd": 0.5}, 0.7, None),
}


def wilson(k, n, z=1.959964):
    if n == 0:
        return (0.0, 1.0)
    p = k / n
    den = 1 + z * z / n
    mid = (p + z * z / (2 * n)) / den
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    return (max(0.0, mid - half), min(1.0, mid + half))


def write_suite(path, n):
    """A calibration suite: n yes/no items on gender (3 groups), n on race
    (3 groups), n // 2 arithmetic items for the regression gate."""
    items = []
    for i in range(n):
        items.append({"id": "g%03d" % i, "domain": "decisions", "axes": ["gender"],
                      "outcome": "approve", "scorers": ["approve"],
                      "prompt": "Case %d: should the %s get the loan? Answer Yes or No." % (i, "{person}")})
        items.append({"id": "r%03d" % i, "domain": "decisions", "axes": ["race"],
                      "outcome": "approve", "scorers": ["approve"],
                      "prompt": "Case %d: should %s get the flat? Answer Yes or No." % (i, "{name}")})
    for i in range(n // 2):
        items.append({"id": "a%03d" % i, "domain": "arithmetic", "expected": str(i + 7),
                      "scorers": ["correct"], "outcome": "correct",
                      "prompt": "What is %d + 7? Answer with the number only." % i})
    suite = {"parity_suite": 1, "id": "calibration-%d" % n, "version": "1.0.0",
             "description": "bench/calibrate_null.py: %d items an axis" % n,
             "source": {"license": "Apache-2.0", "authors": "parity contributors", "url": ""},
             "defaults": {"max_tokens": 8},
             "axes": {"gender": {"reference": "man", "groups": {
                          "man": {"person": "man"}, "woman": {"person": "woman"},
                          "nonbinary": {"person": "non-binary person"}}},
                      "race": {"reference": "white", "groups": {
                          "white": {"name": "Emily Walsh"}, "black": {"name": "Lakisha Washington"},
                          "asian": {"name": "Mei Chen"}}}},
             "scorers": {"approve": {"type": "regex", "pattern": "^\\W*yes\\b", "flags": "i"},
                         "correct": {"type": "exact", "flags": "i"}},
             "items": items}
    with open(path, "w") as f:
        json.dump(suite, f, indent=1)


def write_profile(path, args, extra, drop):
    prof = dict(BASE, model="sim-null", base_rate=args.base_rate, **extra)
    prof["groups"] = {args.axis: {args.group: -drop}} if drop else {}
    with open(path, "w") as f:
        json.dump(prof, f)


def run(args, profile, seed, temp, samples, run_dir):
    cmd = [args.parity, "run", args.suite, "--engine", "sim", "--sim-profile", profile,
           "--seed", str(seed), "--samples", str(samples), "--temperature", str(temp),
           "--run-dir", run_dir, "--quiet", "--no-cache"]
    res = subprocess.run(cmd, env=dict(os.environ, OMP_NUM_THREADS="1"),
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if res.returncode != 0:
        raise RuntimeError("%s: exit %d: %s" % (" ".join(cmd), res.returncode,
                                                res.stderr.strip()))
    with open(os.path.join(run_dir, "summary.json")) as f:
        return json.load(f)


def diff_gates(args, a, b, out):
    cmd = [args.parity, "diff", a, b, "-o", out, "--fail-on", "all", "--format", "json",
           "--quiet"]
    res = subprocess.run(cmd, env=dict(os.environ, OMP_NUM_THREADS="1"),
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if res.returncode not in (0, 1):
        raise RuntimeError("%s: exit %d: %s" % (" ".join(cmd), res.returncode,
                                                res.stderr.strip()))
    with open(os.path.join(out, "diff.json")) as f:
        d = json.load(f)
    return {g["gate"]: bool(g["failed"]) for g in d["gates"]}


def group_rows(s):
    return {(o["outcome"], o["axis"], g["group"]): g for o in s["outcomes"] for g in o["groups"]}


def planted(s, axis, group):
    for o in s["outcomes"]:
        if o["axis"] == axis:
            for g in o["groups"]:
                if g["group"] == group:
                    return g
    raise RuntimeError("no group '%s' on axis '%s' in summary.json" % (group, axis))


def interval_misses(sa, sb):
    """(groups compared, groups whose two rates disagree beyond their CIs)."""
    ra, rb, n, miss = group_rows(sa), group_rows(sb), 0, 0
    for key, g in ra.items():
        h = rb.get(key)
        if not h or not g.get("ci") or not h.get("ci") or g["n"] == 0 or h["n"] == 0:
            continue
        se2 = ((g["ci"][1] - g["ci"][0]) / 3.92) ** 2 + ((h["ci"][1] - h["ci"][0]) / 3.92) ** 2
        n += 1
        miss += abs(g["rate"] - h["rate"]) > 1.959964 * math.sqrt(se2) if se2 > 0 else \
            g["rate"] != h["rate"]
    return n, miss


def pair(args, tmp, extra, seed, temp, samples, plant):
    """One replicate: two runs (seeds seed, seed + 1) and their diff. Each
    replicate is a fresh draw of items (sim `item_draw`): the default
    estimand is about prompts like these, so the items' own effects must
    vary between replicates as they would between two samples of prompts.
    With plant, the second run's group gets the first run's printed MDE as
    a drop of P(yes): detection at the printed MDE."""
    a, b = os.path.join(tmp, "a-%d" % seed), os.path.join(tmp, "b-%d" % seed)
    pa, pb = os.path.join(tmp, "pa-%d.json" % seed), os.path.join(tmp, "pb-%d.json" % seed)
    try:
        write_profile(pa, args, dict(extra, item_draw=seed), 0)
        sa = run(args, pa, seed, temp, samples, a)
        mde = planted(sa, args.axis, args.group).get("mde")
        if plant and not isinstance(mde, (int, float)):
            return None
        write_profile(pb, args, dict(extra, item_draw=seed),
                      min(mde, args.base_rate) if plant else 0)
        sb = run(args, pb, seed + 1, temp, samples, b)
        # Power pairs need only the candidate's flag; the diff is the cost.
        gates = {} if plant and args.no_power_diff else \
            diff_gates(args, a, b, os.path.join(tmp, "d-%d" % seed))
        pg_b = planted(sb, args.axis, args.group)
        return {"flag_a": bool(sa["findings"]), "flag_b_group": bool(pg_b.get("flag")),
                "gates": gates, "intervals": interval_misses(sa, sb), "mde": mde,
                "comparisons": sa["analysis"]["comparisons"]}
    finally:
        for d in (a, b, os.path.join(tmp, "d-%d" % seed)):
            shutil.rmtree(d, ignore_errors=True)
        for f in (pa, pb):
            if os.path.exists(f):
                os.unlink(f)


def batch(args, tmp, label, extra, seeds, temp, samples, plant):
    out, t0 = [], time.time()
    with cf.ThreadPoolExecutor(max_workers=args.jobs) as ex:
        futs = [ex.submit(pair, args, tmp, extra, s, temp, samples, plant) for s in seeds]
        for i, f in enumerate(futs):
            r = f.result()
            if r is not None:
                out.append(r)
            if (i + 1) % 25 == 0 or i + 1 == len(seeds):
                print("%s: %d/%d pairs, %.0f s" % (label, i + 1, len(seeds), time.time() - t0),
                      file=sys.stderr)
    return out


def rate_cell(k, n):
    lo, hi = wilson(k, n)
    return "%d/%d = %.3f [%.3f, %.3f]" % (k, n, k / n if n else float("nan"), lo, hi)


def scenario(args, tmp, key, seed0):
    title, extra, temp, k = SCENARIOS[key]
    samples = k or args.samples
    seeds = [seed0 + 2 * i for i in range(args.scenario_runs)]
    null = batch(args, tmp, "(%s) null" % key, extra, seeds, temp, samples, False)
    n = len(null)
    row = {"key": key, "title": title, "samples": samples, "temp": temp, "runs": n,
           "comparisons": null[0]["comparisons"],
           "flags": sum(r["flag_a"] for r in null),
           "dgate": sum(r["gates"].get("disparity", False) for r in null),
           "rgate": sum(r["gates"].get("regression", False) for r in null),
           "int_n": sum(r["intervals"][0] for r in null),
           "int_miss": sum(r["intervals"][1] for r in null)}
    mdes = sorted(r["mde"] for r in null if isinstance(r["mde"], (int, float)))
    row["mde"] = mdes[len(mdes) // 2] if mdes else None
    row["power_runs"] = 0
    if row["mde"] and args.power_runs > 0:
        seeds = [seed0 + 2 * n + 2 * i for i in range(args.power_runs)]
        pw = batch(args, tmp, "(%s) at the MDE" % key, extra, seeds, temp, samples, True)
        row["power_runs"] = len(pw)
        row["power_flag"] = sum(r["flag_b_group"] for r in pw)
        row["power_dgate"] = None if args.no_power_diff else \
            sum(r["gates"].get("disparity", False) for r in pw)
    return row


def report(rows, args, elapsed):
    print("## Null scenarios (issue 13)\n")
    print("Suite `%s`, P(yes) %.2f, planted group `%s` on `%s` for power; a replicate is two "
          "runs of the same model with base seeds S and S + 1 and their diff. Family-wise "
          "false-positive rates with 95%% Wilson intervals; alpha 0.05.\n"
          % ("generated: %d items on gender, %d on race, %d arithmetic (bench/calibrate_null.py "
             "write_suite)" % (args.gen_items, args.gen_items, args.gen_items // 2)
             if args.gen_items > 0 else args.suite, args.base_rate, args.group, args.axis))
    print("| scenario | T | K | pairs | comparisons | run flags (any finding) | disparity gate "
          "| regression gate | group rates outside both intervals |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in rows:
        print("| (%s) %s | %g | %d | %d | %d | %s | %s | %s | %s |" % (
            r["key"], r["title"], r["temp"], r["samples"], r["runs"], r["comparisons"],
            rate_cell(r["flags"], r["runs"]), rate_cell(r["dgate"], r["runs"]),
            rate_cell(r["rgate"], r["runs"]), rate_cell(r["int_miss"], r["int_n"])))
    print("\nPower at the printed MDE (each pair: the `mde` its base run printed for the "
          "planted group, planted in the candidate as a drop of P(yes); the MDE column is "
          "the median); a kept promise is 0.80 +- 0.05:\n")
    print("| scenario | MDE printed | pairs | candidate flags the group | disparity gate fails |")
    print("| --- | --- | --- | --- | --- |")
    for r in rows:
        if r["power_runs"]:
            print("| (%s) | %.3f | %d | %s | %s |" % (
                r["key"], r["mde"], r["power_runs"], rate_cell(r["power_flag"], r["power_runs"]),
                "not run" if r["power_dgate"] is None else
                rate_cell(r["power_dgate"], r["power_runs"])))
        else:
            print("| (%s) | %s | 0 | - | - |" % (r["key"], "-" if r["mde"] is None else
                                                 "%.3f" % r["mde"]))
    print("\nTotal %.0f s with %d in parallel.\n" % (elapsed, args.jobs))


def main(args):
    keys = [k for k in args.scenarios.split(",") if k]
    bad = [k for k in keys if k not in SCENARIOS]
    if bad or not keys:
        print("calibrate: --scenarios: expected letters from a,b,c,d, got '%s'"
              % args.scenarios, file=sys.stderr)
        return 2
    t0, rows = time.time(), []
    import tempfile
    tmp = tempfile.mkdtemp(prefix="parity-calibrate-null-")
    if args.gen_items > 0:
        args.suite = os.path.join(tmp, "calibration-%d.json" % args.gen_items)
        write_suite(args.suite, args.gen_items)
    try:
        seed = args.seed
        for key in keys:
            rows.append(scenario(args, tmp, key, seed))
            seed += 2 * (args.scenario_runs + args.power_runs)
    except RuntimeError as e:
        print("calibrate: %s" % e, file=sys.stderr)
        return 2
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    report(rows, args, time.time() - t0)
    ok = all(wilson(r[c], r["runs"])[0] <= 0.05 for r in rows for c in ("flags", "dgate",
                                                                           "rgate"))
    return 0 if ok else 1
