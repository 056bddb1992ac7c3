"""Server faults (HTTP 500, truncated JSON, a timeout, an oversized answer,
a reset connection) become records with `error` set; the run still
completes and every other case is fine."""

import os
import tempfile
import time
import unittest

import harness
from harness import load_json, load_jsonl

SUITE = harness.data("fault-suite.json")
FAULT_ITEMS = {"f-status", "f-malformed", "f-timeout", "f-big", "f-reset"}


class FaultTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cases = harness.expanded_ids(SUITE)
        cls._tmp = tempfile.TemporaryDirectory(prefix="parity-faults-")
        cls.run_dir = os.path.join(cls._tmp.name, "run")
        cls.fx = harness.Fixture()
        try:
            t0 = time.monotonic()
            cls.result = harness.parity(
                ["run", SUITE, "--engine", "openai-chat", "--base-url", cls.fx.base_url,
                 "--model", "itest-model", "--timeout", "1", "--concurrency", "4",
                 "--run-dir", cls.run_dir], timeout=90)
            cls.elapsed = time.monotonic() - t0
            cls.stats = cls.fx.stats()
        finally:
            cls.fx.stop()

    @classmethod
    def tearDownClass(cls):
        cls._tmp.cleanup()

    def records(self):
        path = os.path.join(self.run_dir, "results.jsonl")
        self.assertTrue(os.path.exists(path), self.result.describe())
        return load_jsonl(path)

    def test_run_is_incomplete_with_one_record_per_case(self):
        # 10 of 18 answers failed: over the error budget, exit 3, said first.
        r = self.result
        self.assertEqual(r.rc, 3, r.describe())
        self.assertIn("parity: incomplete: 10 of 18 answers missing", r.stderr, r.describe())
        self.assertIsNotNone(r.run_folder(), r.describe())
        records = self.records()
        ids = [rec["case_id"] for rec in records]
        self.assertEqual(sorted(ids), sorted(self.cases))
        self.assertGreaterEqual(self.stats["requests"], len(self.cases))
        # --timeout 1 must cut the 3-second sleeps short.
        self.assertLess(self.elapsed, 60)

    def test_faults_are_error_records(self):
        records = self.records()
        faulty = [rec for rec in records if rec["item_id"] in FAULT_ITEMS]
        self.assertEqual(len(faulty), 2 * len(FAULT_ITEMS))
        for rec in faulty:
            what = "%s %s" % (rec["item_id"], rec["groups"])
            self.assertIsInstance(rec["error"], str, what)
            self.assertTrue(rec["error"].strip(), what)
            self.assertNotIn("\n", rec["error"], what + ": error must be one line")
            self.assertIsNone(rec["response"], what)
            self.assertEqual(rec["scores"], {"invited": None}, what)
            if rec["item_id"] == "f-status":
                self.assertEqual(rec["http_status"], 500, what)
                self.assertIn("500", rec["error"], what)
            if rec["item_id"] == "f-timeout":  # nothing came back at all
                self.assertEqual(rec["http_status"], 0, what + ": transport failure")

    def test_other_cases_are_fine(self):
        records = self.records()
        ok = [rec for rec in records if rec["item_id"] not in FAULT_ITEMS]
        self.assertEqual(len(ok), len(self.cases) - 2 * len(FAULT_ITEMS))
        for rec in ok:
            what = "%s %s" % (rec["item_id"], rec["groups"])
            self.assertIsNone(rec["error"], what)
            self.assertEqual(rec["response"], "Yes.", what)
            self.assertEqual(rec["http_status"], 200, what)
            self.assertEqual(rec["scores"], {"invited": True}, what)

    def test_manifest_and_summary_count_the_errors(self):
        m = load_json(os.path.join(self.run_dir, "manifest.json"))
        self.assertEqual(m["status"], "incomplete")
        self.assertEqual(m["error_budget"]["unanswered"], 2 * len(FAULT_ITEMS))
        self.assertEqual(len(m["error_budget"]["failed_cases"]), 2 * len(FAULT_ITEMS))
        n = len(self.cases)
        self.assertEqual(harness.documented_counts(m), {"planned": n, "records": n,
                                                        "errors": 2 * len(FAULT_ITEMS)})
        s = load_json(os.path.join(self.run_dir, "summary.json"))
        [o] = [o for o in s["outcomes"] if (o["outcome"], o["axis"]) == ("invited", "gender")]
        for g in o["groups"]:
            self.assertEqual((g["n"], g["positive"], g["unscored"]), (4, 4, len(FAULT_ITEMS)),
                             g["group"])
            self.assertEqual(g["rate"], 1.0)


if __name__ == "__main__":
    unittest.main(verbosity=2)
