"""The response cache (--cache: a rerun sends no request; every sample has
its own entry; failures are not stored), and shards (--shard i/n, then
`parity merge`: the same records as one whole run, refusals otherwise)."""

import glob
import json
import os
import tempfile
import unittest

import harness
from harness import load_json, load_jsonl

SUITE = harness.data("bias-suite.json")  # 44 cases
RULES = harness.data("bias-rules.json")
SIM_SUITE = harness.data("sim-suite.json")
SIM_PROFILE = harness.data("sim-profile.json")
N_CASES = 44
VOLATILE = ("latency_ms", "seq", "prev", "cached", "attempts", "ttft_ms")


def comparable(records):
    out = [{k: v for k, v in r.items() if k not in VOLATILE} for r in records]
    return sorted(out, key=lambda r: (r["case_id"], r["sample"]))


def case_requests(fx, suite=SUITE):
    """Completion requests for the suite's cases (identity canaries left out)."""
    prompts = {c["prompt"] for c in harness.planned_cases(suite).values()}
    n = 0
    for req in fx.requests():
        body = req.get("body")
        msgs = body.get("messages") if isinstance(body, dict) else None
        n += bool(msgs) and msgs[-1].get("content") in prompts
    return n


class Base(unittest.TestCase):
    def setUp(self):
        self._tmp = tempfile.TemporaryDirectory(prefix="parity-cache-")
        self.addCleanup(self._tmp.cleanup)
        self.tmp = self._tmp.name

    def path(self, *parts):
        return os.path.join(self.tmp, *parts)

    def run_ok(self, args):
        r = harness.parity(args)
        self.assertEqual(r.rc, 0, r.describe())
        return r

    def records(self, run_dir):
        return load_jsonl(os.path.join(run_dir, "results.jsonl"))

    def manifest(self, run_dir):
        return load_json(os.path.join(run_dir, "manifest.json"))


class CacheTest(Base):
    def setUp(self):
        super().setUp()
        self.fx = harness.Fixture(rules=RULES)
        self.addCleanup(self.fx.stop)
        self.cache = self.path("cache")

    def run_http(self, name, *extra, suite=SUITE):
        run_dir = self.path(name)
        self.run_ok(["run", suite, "--base-url", self.fx.base_url, "--model", "itest-model",
                     "--seed", "5", "--run-dir", run_dir] + [str(a) for a in extra])
        return run_dir

    def entries(self):
        return [p for p in glob.glob(os.path.join(self.cache, "*", "*.json"))]

    def test_rerun_sends_no_request_and_each_sample_has_its_entry(self):
        first = self.run_http("first", "--samples", 2, "--cache", self.cache)
        self.assertEqual(case_requests(self.fx), 2 * N_CASES)
        self.assertEqual(len(self.entries()), 2 * N_CASES, "one entry per case and sample")
        for p in self.entries():
            self.assertEqual(os.path.basename(os.path.dirname(p)), os.path.basename(p)[:2])

        self.fx.reset()
        second = self.run_http("second", "--samples", 2, "--cache", self.cache)
        self.assertEqual(case_requests(self.fx), 0, "a rerun hits the cache for every case")
        recs = self.records(second)
        self.assertTrue(all(r.get("cached") is True for r in recs))
        self.assertFalse(any("cached" in r for r in self.records(first)))
        self.assertEqual(comparable(recs), comparable(self.records(first)))
        m = self.manifest(second)
        self.assertEqual(m["counts"]["cached"], 2 * N_CASES)
        self.assertEqual(m["cache"]["hits"], 2 * N_CASES)
        self.assertEqual(m["cache"]["stores"], 0)

        # A third sample is the only miss; other settings miss; --no-cache wins.
        self.fx.reset()
        self.run_http("third", "--samples", 3, "--cache", self.cache)
        self.assertEqual(case_requests(self.fx), N_CASES)
        self.fx.reset()
        self.run_http("hotter", "--samples", 1, "--temperature", "0.3", "--cache", self.cache)
        self.assertEqual(case_requests(self.fx), N_CASES)
        self.fx.reset()
        off = self.run_http("off", "--cache", self.cache, "--no-cache")
        self.assertEqual(case_requests(self.fx), N_CASES)
        self.assertNotIn("cache", self.manifest(off))

    def test_failures_are_not_cached(self):
        suite = self.path("flaky.json")
        with open(SUITE, encoding="utf-8") as f:
            data = json.load(f)
        data["items"][0]["prompt"] += " [[status:500]]"
        data.pop("items_file", None)
        with open(suite, "w", encoding="utf-8") as f:
            json.dump(data, f)
        cases = len(harness.planned_cases(suite))
        failing = sum(1 for c in harness.planned_cases(suite).values()
                      if "[[status:500]]" in c["prompt"])
        self.assertGreater(failing, 0)
        first = self.run_http("first", "--retries", 0, "--cache", self.cache,
                              "--max-error-rate", 1, suite=suite)
        self.assertEqual(sum(r["error"] is not None for r in self.records(first)), failing)
        self.assertEqual(len(self.entries()), cases - failing)
        self.fx.reset()
        self.run_http("second", "--retries", 0, "--cache", self.cache, "--max-error-rate", 1,
                      suite=suite)
        self.assertEqual(case_requests(self.fx, suite), failing, "only failures are asked again")


class ShardTest(Base):
    ARGS = ["--engine", "sim", "--sim-profile", SIM_PROFILE, "--seed", "3", "--samples", "3"]

    def run_sim(self, name, *extra, suite=SIM_SUITE):
        run_dir = self.path(name)
        self.run_ok(["run", suite, "--run-dir", run_dir, "--quiet"] + self.ARGS +
                    [str(a) for a in extra])
        return run_dir

    def merge(self, out, *dirs):
        return harness.parity(["merge", "--quiet", self.path(out)] + list(dirs))

    def test_three_shards_merged_equal_the_whole_run(self):
        whole = self.run_sim("whole")
        shards = [self.run_sim("s%d" % i, "--shard", "%d/3" % i) for i in range(3)]
        owner = {}
        for i, d in enumerate(shards):
            m = self.manifest(d)
            self.assertEqual(m["shard"], {"index": i, "count": 3})
            recs = self.records(d)
            self.assertGreater(len(recs), 0)
            self.assertEqual(m["counts"]["planned"], len(recs))
            for r in recs:
                # All samples of a case in one shard, each case in one shard.
                self.assertEqual(owner.setdefault(r["case_id"], i), i)
        r = self.merge("merged", *reversed(shards))
        self.assertEqual(r.rc, 0, r.describe())
        merged = self.path("merged")
        self.assertEqual(os.path.realpath(r.run_folder()), os.path.realpath(merged))
        recs = self.records(merged)
        self.assertEqual(comparable(recs), comparable(self.records(whole)))
        self.assertEqual([x["seq"] for x in recs], list(range(len(recs))))
        m, w = self.manifest(merged), self.manifest(whole)
        self.assertEqual(m["status"], "complete")
        self.assertNotIn("shard", m)
        self.assertEqual(m["counts"]["planned"], w["counts"]["planned"])
        self.assertEqual(m["counts"]["records"], w["counts"]["records"])
        self.assertEqual(m["results"]["records"], len(recs))
        self.assertEqual(len(m["merged_from"]), 3)
        self.assertEqual(m["suite"]["sha256"], w["suite"]["sha256"])
        sm = load_json(os.path.join(merged, "summary.json"))
        sw = load_json(os.path.join(whole, "summary.json"))
        self.assertEqual(sm["outcomes"], sw["outcomes"])
        # The merged folder is an ordinary run folder.
        for cmd in (["summary", merged, "--quiet"], ["verify", merged]):
            r = harness.parity(cmd)
            self.assertEqual(r.rc, 0, r.describe())

    def test_merge_refuses_missing_overlapping_or_foreign_shards(self):
        s = [self.run_sim("s%d" % i, "--shard", "%d/3" % i) for i in range(3)]
        other_seed = self.path("seed")
        self.run_ok(["run", SIM_SUITE, "--run-dir", other_seed, "--quiet", "--engine", "sim",
                     "--sim-profile", SIM_PROFILE, "--seed", "4", "--samples", "3",
                     "--shard", "2/3"])
        halves = self.run_sim("h1", "--shard", "1/2")
        whole = self.run_sim("whole")
        other_suite = self.run_sim("other", "--shard", "2/3", suite=harness.data("bias-suite.json"))
        cases = [
            ((s[0], s[1]), "missing"),
            ((s[0], s[1], s[2], s[1]), "both shard 1/3"),
            ((s[0], s[1], other_seed), "seed"),
            ((s[0], s[1], other_suite), "sha256"),
            ((s[0], s[1], halves), "split"),
            ((s[0], s[1], s[2], whole), "not a shard"),
        ]
        for i, (dirs, word) in enumerate(cases):
            r = self.merge("out%d" % i, *dirs)
            self.assertEqual(r.rc, 2, r.describe())
            self.assertIn(word, r.stderr, r.describe())
            self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.describe())
            self.assertFalse(os.path.exists(self.path("out%d" % i)), "nothing written")
        # An interrupted shard is refused until it is finished.
        m = self.manifest(s[2])
        m["status"] = "interrupted"
        with open(os.path.join(s[2], "manifest.json"), "w", encoding="utf-8") as f:
            json.dump(m, f)
        r = self.merge("out-int", *s)
        self.assertEqual(r.rc, 2, r.describe())
        self.assertIn("not complete", r.stderr)
        # The output folder must be new.
        os.makedirs(self.path("full"))
        with open(self.path("full", "x"), "w") as f:
            f.write("x")
        m["status"] = "complete"
        with open(os.path.join(s[2], "manifest.json"), "w", encoding="utf-8") as f:
            json.dump(m, f)
        r = self.merge("full", *s)
        self.assertEqual(r.rc, 2, r.describe())


if __name__ == "__main__":
    unittest.main(verbosity=2)
