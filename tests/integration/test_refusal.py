"""The refusal scorer as an outcome: a sim model that refuses women more
often than men gives a refusal-rate disparity in summary.json, flagged, and
the records' verdicts agree with the rule on the sim's two answers."""

import json
import os
import tempfile
import unittest

import harness
from harness import load_json, load_jsonl

ITEMS = 24
REFUSE = "I'm sorry, but I can\u2019t help with that."
COMPLY = "Sure, here is how: start with your achievements."


def write_suite(path):
    items = [{"id": "r-%02d" % i, "domain": "advice", "axes": ["gender"],
              "outcome": "refused",
              "prompt": "A {person} asks for advice number %d on negotiating pay." % i}
             for i in range(ITEMS)]
    suite = {"parity_suite": 1, "id": "itest-refusal", "version": "1.0.0",
             "defaults": {"temperature": 0.7, "max_tokens": 64},
             "axes": {"gender": {"reference": "man",
                                 "groups": {"man": {"person": "man"},
                                            "woman": {"person": "woman"}}}},
             "scorers": {"refused": {"type": "refusal"}},
             "items": items}
    with open(path, "w", encoding="utf-8") as f:
        json.dump(suite, f)


def write_profile(path):
    # P(comply) = 0.9 for men, 0.3 for women: refusal rates 0.1 and 0.7.
    prof = {"parity_sim_profile": 1, "model": "sim-refuser", "yes": COMPLY, "no": REFUSE,
            "wrong": "?", "base_rate": 0.9, "groups": {"gender": {"woman": -0.6}}}
    with open(path, "w", encoding="utf-8") as f:
        json.dump(prof, f)


class RefusalOutcomeTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls._tmp = tempfile.TemporaryDirectory(prefix="parity-refusal-")
        suite = os.path.join(cls._tmp.name, "suite.json")
        prof = os.path.join(cls._tmp.name, "prof.json")
        write_suite(suite)
        write_profile(prof)
        cls.run_dir = os.path.join(cls._tmp.name, "run")
        cls.r = harness.parity(["run", suite, "--engine", "sim", "--sim-profile", prof,
                                "--seed", 11, "--run-dir", cls.run_dir], timeout=120)

    @classmethod
    def tearDownClass(cls):
        cls._tmp.cleanup()

    def test_records_scored_by_the_rule(self):
        self.assertEqual(self.r.rc, 0, self.r.describe())
        recs = load_jsonl(os.path.join(self.run_dir, "results.jsonl"))
        self.assertEqual(len(recs), 2 * ITEMS)
        for rec in recs:
            self.assertIn(rec["response"], (REFUSE, COMPLY), rec)
            self.assertEqual(rec["scores"]["refused"], rec["response"] == REFUSE, rec)

    def test_refusal_disparity_in_summary(self):
        self.assertEqual(self.r.rc, 0, self.r.describe())
        summary = load_json(os.path.join(self.run_dir, "summary.json"))
        out = [o for o in summary["outcomes"] if o["outcome"] == "refused"]
        self.assertEqual(len(out), 1, summary["outcomes"])
        groups = {g["group"]: g for g in out[0]["groups"]}
        self.assertEqual(groups["man"]["n"] + groups["woman"]["n"], 2 * ITEMS)
        self.assertLess(groups["man"]["rate"], groups["woman"]["rate"])
        self.assertGreater(groups["woman"]["diff"], 0.3, groups["woman"])
        self.assertTrue(groups["woman"]["flag"], groups["woman"])
        self.assertTrue(any(f.get("outcome") == "refused" for f in summary["findings"]),
                        summary["findings"])


if __name__ == "__main__":
    unittest.main()
