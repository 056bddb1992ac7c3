#!/usr/bin/python3
"""Do two runs of a real model with two base seeds agree within their
printed intervals? (issue 13; docs/calibration.md, "Real engine")

Starts llama.cpp's server with the tiny real model of ../shared/real-engine
(its README) on 127.0.0.1, writes a suite of --items story openings x two
groups (boy, girl) with the outcome "the story goes on with speech"
(`said`, about 0.3-0.4 of the answers), runs
`parity run` once per base seed (--seeds) at --temperature with --samples K,
and prints per group each run's rate and printed 95% interval and whether
the two rates differ by more than the intervals allow
(|r - r'| > 1.96 sqrt(se^2 + se'^2), se = interval width / 3.92).

With seeds coupled across items (the scheme before item-sample-sha256-v1:
sample k of every case sent N + k) all items share K random streams, so
two base seeds disagree far outside the intervals; with per-item seeds
they agree about 95% of the time per group.

Standard library only; the real model's files are not copied anywhere.
"""

import argparse
import json
import math
import os
import shutil
import signal
import subprocess
import sys
import tempfile

OPENINGS = [
    "went to the park", "found a red ball", "saw a big dog", "made a cake",
    "lost a toy", "climbed a tree", "met a cat", "went to the beach",
    "found a box", "played in the rain", "saw a bird", "had a new hat",
    "went to school", "found a shiny rock", "saw a big truck", "built a tower",
    "went to the zoo", "found a flower", "had a party", "saw the moon",
    "drew a picture", "went on a boat", "found a key", "heard a noise",
    "wanted a cookie", "saw a rainbow", "had a bad day", "went fishing",
    "found a frog", "lost a shoe", "made a friend", "saw a fish",
    "went to the farm", "had a dream", "found a coin", "rode a bike",
    "saw a butterfly", "went to the store", "had a big idea", "found a bug",
    "sang a song", "saw a train", "went to the forest", "made a kite",
]


def write_suite(path, n_items):
    if n_items > len(OPENINGS):
        raise SystemExit("real_seeds: --items: at most %d" % len(OPENINGS))
    items = [{"id": "story-%02d" % i, "domain": "stories", "axes": ["gender"],
              "outcome": "said",
              "prompt": "Once upon a time, a little {kid} %s. The {kid}" % OPENINGS[i]}
             for i in range(n_items)]
    suite = {"parity_suite": 1, "id": "real-seed-check", "version": "1.0.0",
             "source": {"license": "CC0-1.0", "authors": "parity", "url": "https://example.invalid"},
             "defaults": {"max_tokens": 24},
             "axes": {"gender": {"reference": "boy",
                                 "groups": {"boy": {"kid": "boy"}, "girl": {"kid": "girl"}}}},
             "scorers": {"said": {"type": "regex", "pattern": "\\bsaid\\b", "flags": "i"}},
             "items": items}
    with open(path, "w") as f:
        json.dump(suite, f)


def start_server(engine, tmp):
    p = subprocess.run([os.path.join(engine, "serve.sh"), "0", "4"], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, timeout=60,
                       env=dict(os.environ, TMPDIR=tmp))
    if p.returncode != 0:
        raise SystemExit("real_seeds: serve.sh: %s" % p.stderr.strip())
    port, pid = (int(x) for x in p.stdout.split())
    return "http://127.0.0.1:%d/v1" % port, pid


def run(args, suite, base_url, seed, run_dir):
    cmd = [args.parity, "run", suite, "--engine", "openai-chat", "--base-url", base_url,
           "--model", "stories260K", "--temperature", str(args.temperature), "--seed",
           str(seed), "--samples", str(args.samples), "--concurrency", "6", "--no-cache",
           "--run-dir", run_dir, "--quiet"]
    p = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if p.returncode != 0:
        raise SystemExit("real_seeds: %s: exit %d: %s" % (" ".join(cmd), p.returncode,
                                                          p.stderr.strip()))
    with open(os.path.join(run_dir, "summary.json")) as f:
        return json.load(f)


def groups(s):
    return {g["group"]: g for o in s["outcomes"] if o["axis"] == "gender" for g in o["groups"]}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--parity", default="build/parity")
    ap.add_argument("--engine", default=os.path.join(os.path.dirname(__file__), "..", "..",
                                                     "shared", "real-engine"))
    ap.add_argument("--items", type=int, default=40)
    ap.add_argument("--samples", type=int, default=10)
    ap.add_argument("--temperature", type=float, default=0.8)
    ap.add_argument("--seeds", default="2000,5000")
    args = ap.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    tmp = tempfile.mkdtemp(prefix="parity-real-seeds-")
    pid = None
    try:
        suite = os.path.join(tmp, "suite.json")
        write_suite(suite, args.items)
        base_url, pid = start_server(args.engine, tmp)
        runs = [groups(run(args, suite, base_url, s, os.path.join(tmp, "run-%d" % s)))
                for s in seeds]
    finally:
        if pid:
            os.kill(pid, signal.SIGTERM)
        shutil.rmtree(tmp, ignore_errors=True)
    print("%d items x 2 groups x %d samples, temperature %g, base seeds %s\n"
          % (args.items, args.samples, args.temperature, args.seeds))
    print("| group | " + " | ".join("seed %d: rate [95%% CI]" % s for s in seeds)
          + " | z | within the intervals |")
    print("| --- | " + " | ".join("---" for _ in seeds) + " | --- | --- |")
    ok = True
    for name in runs[0]:
        a, b = runs[0][name], runs[1][name]
        se = math.sqrt(((a["ci"][1] - a["ci"][0]) / 3.92) ** 2
                       + ((b["ci"][1] - b["ci"][0]) / 3.92) ** 2)
        z = (a["rate"] - b["rate"]) / se if se else float("inf")
        ok &= abs(z) <= 1.96
        print("| %s | %s | %+.2f | %s |" % (
            name, " | ".join("%.3f [%.3f, %.3f]" % (g["rate"], g["ci"][0], g["ci"][1])
                             for g in (a, b)), z, "yes" if abs(z) <= 1.96 else "**no**"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
