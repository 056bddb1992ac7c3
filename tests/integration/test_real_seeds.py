"""Seeds against a real engine: llama.cpp's server with a tiny real model
(../shared/real-engine, see its README). Skipped when it is absent or
cannot start here.

  * each record's seed is the one docs/formats.md ("Seeds") defines:
    sample 0 of two items gets two seeds, the group variants of an item
    (also of an item crossing two axes) one seed, and the server's
    answers follow the seed (same seed and prompt: same answer);
  * at temperature 0 the K samples of a case are one answer.
"""

import os
import shutil
import signal
import subprocess
import tempfile
import unittest
from collections import defaultdict

import harness
from harness import load_json, load_jsonl

SHARED = os.environ.get("PARITY_SHARED", os.path.join(harness.SOURCE_ROOT, "..", "shared"))
ENGINE = os.path.join(SHARED, "real-engine")
SUITE = harness.data("real-seed-suite.json")
BASE_SEED = 2000
K = 3


def engine_missing():
    """Why the real engine cannot run here, or None."""
    for name in ("serve.sh", "llama-server", "stories260K.gguf"):
        if not os.path.exists(os.path.join(ENGINE, name)):
            return "no %s in %s" % (name, ENGINE)
    if not shutil.which("curl"):
        return "serve.sh needs curl"
    try:
        # Its README's requirements (libgomp1, libstdc++6): does it start at all?
        p = subprocess.run([os.path.join(ENGINE, "llama-server"), "--version"],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=20)
    except (OSError, subprocess.TimeoutExpired) as e:
        return "llama-server does not run: %s" % e
    if p.returncode != 0:
        return "llama-server --version exits %d" % p.returncode
    return None


MISSING = engine_missing()


@unittest.skipIf(MISSING, MISSING or "")
class RealSeedsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="parity-real-seeds-")
        p = subprocess.run([os.path.join(ENGINE, "serve.sh"), "0", "4"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           timeout=30, env=dict(os.environ, TMPDIR=cls.tmp))
        if p.returncode != 0:
            shutil.rmtree(cls.tmp, ignore_errors=True)
            raise unittest.SkipTest("serve.sh failed: %s" % p.stderr.strip())
        port, cls.pid = (int(x) for x in p.stdout.split())
        cls.base = "http://127.0.0.1:%d/v1" % port

    @classmethod
    def tearDownClass(cls):
        try:
            os.kill(cls.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def run_parity(self, name, *extra):
        run_dir = os.path.join(self.tmp, name)
        r = harness.parity(["run", SUITE, "--engine", "openai-chat", "--base-url", self.base,
                            "--model", "stories260K", "--run-dir", run_dir, "--no-cache",
                            "--concurrency", "4", "--quiet", *extra], timeout=240)
        self.assertEqual(r.rc, 0, r.describe())
        return load_jsonl(os.path.join(run_dir, "results.jsonl")), \
            load_json(os.path.join(run_dir, "manifest.json"))

    def test_seeds_follow_items_not_cases(self):
        recs, m = self.run_parity("t08", "--temperature", "0.8", "--seed", BASE_SEED,
                                  "--samples", K)
        self.assertEqual(m["parameters"]["seed"], BASE_SEED)
        self.assertEqual(m["parameters"]["seed_scheme"], "item-sample-sha256-v1")
        self.assertEqual(len(recs), 8 * K)
        by_item_sample = defaultdict(set)
        for r in recs:
            self.assertIsNone(r["error"], r)
            self.assertEqual(r["seed"], harness.sample_seed(BASE_SEED, r["item_id"], r["sample"]))
            by_item_sample[r["item_id"], r["sample"]].add(r["seed"])
        # One seed per (item, sample): every group variant, also of the
        # item that crosses gender and age (4 variants), shares it.
        self.assertTrue(all(len(s) == 1 for s in by_item_sample.values()), by_item_sample)
        self.assertEqual(len(by_item_sample), 3 * K)
        seeds0 = {i: s for (i, k), s in by_item_sample.items() if k == 0}
        self.assertEqual(len(set.union(*seeds0.values())), 3, seeds0)
        # The server honours the seed: the same request gives the same answer.
        again, _ = self.run_parity("t08-again", "--temperature", "0.8", "--seed", BASE_SEED,
                                   "--samples", K)
        key = lambda r: (r["case_id"], r["sample"])
        first = {key(r): r["response"] for r in recs}
        self.assertEqual({key(r): r["response"] for r in again}, first)
        # ... and at 0.8 the samples of a case are different draws somewhere.
        by_case = defaultdict(set)
        for r in recs:
            by_case[r["case_id"]].add(r["response"])
        self.assertTrue(any(len(v) > 1 for v in by_case.values()), by_case)

    def test_temperature_zero_gives_one_answer_per_case(self):
        recs, m = self.run_parity("t0", "--temperature", "0", "--seed", BASE_SEED,
                                  "--samples", 5)
        self.assertEqual(len(recs), 8 * 5)
        by_case = defaultdict(list)
        for r in recs:
            self.assertIsNone(r["error"], r)
            by_case[r["case_id"]].append(r["response"])
        for case, answers in by_case.items():
            self.assertEqual(len(answers), 5)
            self.assertEqual(len(set(answers)), 1, (case, answers))
        # Yet the cases differ: the answer depends on the prompt.
        self.assertGreater(len({a[0] for a in by_case.values()}), 1)


if __name__ == "__main__":
    unittest.main(verbosity=2)
