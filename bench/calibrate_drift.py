#!/usr/bin/env python3
"""Calibration of `parity trend`'s drift test by simulation
(docs/calibration.md "Drift across runs"). Python standard library only.

A series is R sim runs of one suite (40 questions with known answers in
domain qa, 24 yes/no decisions over two genders in domain decide; item
intercepts item_sd on the logit scale, a property of the model, so the
same items are hard in every run), each with its own base seed, indexed
into a fresh history with `parity run --history`, then `parity trend`.

  null     every run on one profile: a false alarm is any metric with a
           "since" (the family-wise error of the whole trend);
  planted  runs k.. on a profile whose qa accuracy is lower by --drop:
           the qa domain's "since" is k (detected at k), earlier (a false
           alarm before the drift), later (detected late) or none (missed);
           any other metric with a "since" is a false alarm too.

Usage: bench/calibrate_drift.py --parity build/parity [--series 200]
       [--runs 5] [--at 3] [--drop 0.2] [--jobs 2]
Exits 1 when the null false-alarm rate's 95% interval lies above alpha or
the planted series are detected before k more often than alpha allows.
"""

import argparse
import concurrent.futures as cf
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile

ALPHA = 0.05


def write(path, obj):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f)
    return path


def suite(tmp):
    items = [{"id": "q%02d" % i, "domain": "qa", "expected": "A%d" % i, "scorers": ["correct"],
              "outcome": "correct", "prompt": "Question %d? Answer A%d." % (i, i)}
             for i in range(40)]
    items += [{"id": "d%02d" % i, "domain": "decide", "axes": ["gender"], "outcome": "approve",
               "scorers": ["approve"], "prompt": "Case %d: the {person}? Yes or No." % i}
              for i in range(24)]
    return write(os.path.join(tmp, "drift.json"), {
        "parity_suite": 1, "id": "drift", "version": "1.0.0",
        "source": {"license": "CC0-1.0", "authors": "parity", "url": ""},
        "defaults": {"temperature": 0.7, "max_tokens": 8},
        "axes": {"gender": {"reference": "man",
                            "groups": {"man": {"person": "man"}, "woman": {"person": "woman"}}}},
        "scorers": {"approve": {"type": "regex", "pattern": "^\\W*yes\\b", "flags": "i"},
                    "correct": {"type": "exact", "flags": "i"}},
        "items": items})


def profile(tmp, name, accuracy):
    return write(os.path.join(tmp, name + ".json"), {
        "parity_sim_profile": 1, "model": "sim-drift", "yes": "Yes.", "no": "No.",
        "wrong": "no idea", "base_rate": 0.6, "groups": {}, "accuracy": accuracy,
        "item_sd": 1.0, "group_sd": 0.3})


def series(args, tmp, s, planted):
    work = tempfile.mkdtemp(dir=tmp)
    db = os.path.join(work, "h.db")
    try:
        for k in range(args.runs):
            prof = args.p1 if planted and k >= args.at else args.p0
            seed = 1 + 1000 * (s * args.runs + k) + (500 if planted else 0)
            r = subprocess.run([args.parity, "run", args.suite, "--engine", "sim",
                                "--sim-profile", prof, "--samples", "3", "--seed", str(seed),
                                "--run-dir", os.path.join(work, "r%d" % k), "--quiet",
                                "--history", db], capture_output=True, text=True)
            if r.returncode != 0:
                raise RuntimeError(r.stderr)
        r = subprocess.run([args.parity, "trend", "--suite", "drift", "--history", db, "-o",
                            os.path.join(work, "t")], capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError(r.stderr)
        with open(os.path.join(work, "t", "trend.json"), encoding="utf-8") as f:
            t = json.load(f)
        ids = [x["run_id"] for x in t["runs"]]
        qa, other = None, False
        for m in t["domains"] + t["comparisons"]:
            at = ids.index(m["since"]) if m["since"] else None
            if m.get("domain") == "qa":
                qa = at
            elif at is not None:
                other = True
        return qa, other
    finally:
        shutil.rmtree(work, ignore_errors=True)


def wilson(k, n, z=1.959964):
    if n == 0:
        return (0.0, 1.0)
    p = k / n
    d = 1 + z * z / n
    c = (p + z * z / (2 * n)) / d
    h = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / d
    return (max(0.0, c - h), min(1.0, c + h))


def row(name, k, n):
    lo, hi = wilson(k, n)
    print("| %s | %d | %d | %.3f | [%.3f, %.3f] |" % (name, n, k, k / n if n else 0, lo, hi))
    return lo, hi


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--parity", default="build/parity")
    ap.add_argument("--series", type=int, default=200)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--at", type=int, default=3, help="0-based index of the first drifted run")
    ap.add_argument("--drop", type=float, default=0.2)
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="parity-drift-cal-")
    try:
        args.suite = suite(tmp)
        args.p0 = profile(tmp, "p0", 0.85)
        args.p1 = profile(tmp, "p1", 0.85 - args.drop)
        with cf.ThreadPoolExecutor(args.jobs) as ex:
            null = list(ex.map(lambda s: series(args, tmp, s, False), range(args.series)))
            plant = list(ex.map(lambda s: series(args, tmp, s, True), range(args.series)))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    n = args.series
    print("%d series of %d runs; planted: qa accuracy 0.85 -> %.2f from run %d (1-based)\n"
          % (n, args.runs, 0.85 - args.drop, args.at + 1))
    print("| outcome | series | count | share | 95% Wilson interval |\n|---|---|---|---|---|")
    lo_null, _ = row("null: any metric moved (false alarm)",
                     sum(1 for qa, o in null if qa is not None or o), n)
    row("planted: qa detected at the planted run", sum(1 for qa, _ in plant if qa == args.at), n)
    lo_early, _ = row("planted: qa 'moved' before the planted run",
                      sum(1 for qa, _ in plant if qa is not None and qa < args.at), n)
    row("planted: qa detected later", sum(1 for qa, _ in plant if qa is not None and qa > args.at),
        n)
    row("planted: qa missed", sum(1 for qa, _ in plant if qa is None), n)
    row("planted: another metric moved (false alarm)", sum(1 for _, o in plant if o), n)
    bad = lo_null > ALPHA or lo_early > ALPHA
    print("\n%s" % ("FAIL" if bad else "ok: false alarms at or under alpha"))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
