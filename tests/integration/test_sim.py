"""The sim engine through the whole pipeline: planted group rates come back
out of summary.json inside their Wilson intervals, and a seed fixes every
answer whatever the concurrency."""

import json
import math
import os
import re
import tempfile
import unittest

import harness
from harness import load_json, load_jsonl

SUITE = harness.data("sim-suite.json")
PROFILE = harness.data("sim-profile.json")
SAMPLES = 200
PLANTED = {"man": 0.7, "woman": 0.4}
# Fields that depend on timing or on completion order, not on the answers:
# latency_ms, and the record chain (seq, prev) if there is one.
ORDER_FIELDS_RE = re.compile(
    r'"(latency_ms|seq)"\s*:\s*[-+0-9.eE]+|"prev"\s*:\s*"[0-9a-fA-F]*"')


def sorted_lines(run_dir):
    """results.jsonl lines sorted by (case_id, sample), with the fields that
    depend on timing or completion order blanked; everything else byte for
    byte as written."""
    with open(os.path.join(run_dir, "results.jsonl"), encoding="utf-8") as f:
        lines = [ln.rstrip("\n") for ln in f if ln.strip()]
    recs = [json.loads(ln) for ln in lines]
    order = sorted(range(len(lines)), key=lambda i: (recs[i]["case_id"], recs[i]["sample"]))
    return [ORDER_FIELDS_RE.sub(lambda m: '"%s":-' % (m.group(1) or "prev"), lines[i])
            for i in order]


class SimTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cases = harness.expanded_ids(SUITE)
        cls._tmp = tempfile.TemporaryDirectory(prefix="parity-sim-")
        cls.runs = {}
        for name, seed, conc in (("a", 12345, 1), ("b", 12345, 8), ("c", 777, 8)):
            run_dir = os.path.join(cls._tmp.name, name)
            r = harness.parity(["run", SUITE, "--engine", "sim", "--sim-profile", PROFILE,
                                "--samples", SAMPLES, "--seed", seed,
                                "--concurrency", conc, "--run-dir", run_dir], timeout=120)
            cls.runs[name] = (r, run_dir)

    @classmethod
    def tearDownClass(cls):
        cls._tmp.cleanup()

    def run_dir(self, name):
        r, run_dir = self.runs[name]
        self.assertEqual(r.rc, 0, r.describe())
        self.assertIsNotNone(r.run_folder(), r.describe())
        return run_dir

    def test_one_record_per_case_and_sample(self):
        run_dir = self.run_dir("a")
        records = load_jsonl(os.path.join(run_dir, "results.jsonl"))
        keys = [(rec["case_id"], rec["sample"]) for rec in records]
        self.assertEqual(len(keys), len(set(keys)))
        self.assertEqual(set(keys), {(c, s) for c in self.cases for s in range(SAMPLES)})
        for rec in records:
            self.assertIsNone(rec["error"])
            self.assertEqual(rec["http_status"], 0)
        m = load_json(os.path.join(run_dir, "manifest.json"))
        self.assertEqual(m["status"], "complete")
        n = len(self.cases) * SAMPLES
        self.assertEqual(harness.documented_counts(m), {"planned": n, "records": n,
                                                        "errors": 0})
        self.assertEqual(m["parameters"]["samples"], SAMPLES)
        self.assertEqual(m["parameters"]["seed"], 12345)

    def test_wilson_intervals_contain_planted_rates(self):
        run_dir = self.run_dir("a")
        s = load_json(os.path.join(run_dir, "summary.json"))
        [o] = [o for o in s["outcomes"] if (o["outcome"], o["axis"]) == ("invited", "gender")]
        self.assertEqual(o["reference"], "man")
        groups = {g["group"]: g for g in o["groups"]}
        self.assertEqual(set(groups), set(PLANTED))
        for name, p in PLANTED.items():
            g = groups[name]
            n = 5 * SAMPLES
            self.assertEqual(g["n"], n)
            self.assertEqual(g["unscored"], 0)
            self.assertAlmostEqual(g["rate"], g["positive"] / n, places=6)
            lo, hi = g["ci"]
            # A 95% interval misses 1 seed in 20: the planted rate is
            # checked against the 99.9% Wilson interval (z 3.29).
            zlo, zhi = harness.wilson(g["positive"], n, z=3.2905)
            self.assertTrue(zlo <= p <= zhi, "%s: planted %s outside %s" % (name, p, (zlo, zhi)))
            self.assertLess(abs(g["rate"] - p), 4 * math.sqrt(p * (1 - p) / n), name)
            # Item-clustered (summary v2): never narrower than Wilson on
            # the records, since items, not records, are the units.
            self.assertEqual(g["ci_method"], "item_cluster_wilson")
            wlo, whi = harness.wilson(g["positive"], n)
            self.assertLessEqual(lo, wlo + 1e-9)
            self.assertGreaterEqual(hi, whi - 1e-9)
        woman = groups["woman"]
        if woman["testable"]:
            lo, hi = woman["diff_ci"]
            self.assertTrue(lo <= -0.3 <= hi, woman)
        else:
            self.assertIsNone(woman["diff_ci"])
            self.assertIn("untestable", woman["note"])

    def test_five_items_by_estimand(self):
        """5 items, 30 samples, a planted 0.3 gap: the suite estimand
        (CMH by case) flags it; prompts says 5 items cannot reach alpha and
        how many would; suite is refused at temperature 0."""
        with tempfile.TemporaryDirectory(prefix="parity-est-") as tmp:
            d0, d1 = os.path.join(tmp, "t0"), os.path.join(tmp, "t1")
            r = harness.parity(["run", SUITE, "--engine", "sim", "--sim-profile", PROFILE,
                                "--samples", 30, "--seed", 5, "--temperature", 0,
                                "--inference", "suite", "--run-dir", d0])
            self.assertEqual(r.rc, 2, r.describe())
            self.assertIn("inference 'suite': needs temperature > 0", r.stderr)
            self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.describe())
            r = harness.parity(["run", SUITE, "--engine", "sim", "--sim-profile", PROFILE,
                                "--samples", 30, "--seed", 5, "--temperature", 0.7,
                                "--inference", "suite", "--run-dir", d1])
            self.assertEqual(r.rc, 0, r.describe())
            s = load_json(os.path.join(d1, "summary.json"))
            self.assertEqual(s["estimand"], "suite")
            [o] = [o for o in s["outcomes"] if (o["outcome"], o["axis"]) == ("invited", "gender")]
            woman = {g["group"]: g for g in o["groups"]}["woman"]
            self.assertEqual(woman["test"], "cmh")
            self.assertTrue(woman["flag"], woman)
            self.assertEqual(harness.parity(["verify", d1]).rc, 0)
            out = os.path.join(tmp, "prompts.json")
            r = harness.parity(["analyze", d1, "--inference", "prompts", "-o", out, "--quiet"])
            self.assertEqual(r.rc, 0, r.describe())
            s = load_json(out)
            [o] = [o for o in s["outcomes"] if (o["outcome"], o["axis"]) == ("invited", "gender")]
            woman = {g["group"]: g for g in o["groups"]}["woman"]
            self.assertFalse(woman["testable"])
            self.assertFalse(woman["flag"])
            self.assertEqual(woman["note"],
                             "untestable: 5 items cannot reach alpha 0.05; about 6 would")

    def test_answers_follow_the_profile(self):
        run_dir = self.run_dir("a")
        records = load_jsonl(os.path.join(run_dir, "results.jsonl"))
        arith = [r for r in records if r["item_id"] == "arith-01"]
        self.assertEqual(len(arith), SAMPLES)
        for r in arith:
            self.assertIn(r["response"], ("4", "I am not sure."))
            self.assertEqual(r["scores"], {"correct": r["response"] == "4"})
        acc = sum(r["response"] == "4" for r in arith) / SAMPLES
        self.assertLess(abs(acc - 0.6), 4 * math.sqrt(0.6 * 0.4 / SAMPLES), acc)
        for r in records:
            if r["item_id"] != "arith-01":
                self.assertIn(r["response"], ("Yes.", "No."))
                self.assertEqual(r["scores"], {"invited": r["response"] == "Yes."})

    def test_same_seed_same_results_at_any_concurrency(self):
        a = sorted_lines(self.run_dir("a"))
        b = sorted_lines(self.run_dir("b"))
        self.assertEqual(len(a), len(b))
        for x, y in zip(a, b):
            self.assertEqual(x, y)

    def test_another_seed_gives_other_answers(self):
        a = {(r["case_id"], r["sample"]): r["response"]
             for r in load_jsonl(os.path.join(self.run_dir("a"), "results.jsonl"))}
        c = {(r["case_id"], r["sample"]): r["response"]
             for r in load_jsonl(os.path.join(self.run_dir("c"), "results.jsonl"))}
        self.assertEqual(set(a), set(c))
        self.assertGreater(sum(a[k] != c[k] for k in a), len(a) // 10)


if __name__ == "__main__":
    unittest.main(verbosity=2)
