"""The pinned judge: --judge-calibrate scores a labelled set with a second
engine (the fixture server, answering by rules) before any case is sent;
judge.json (sealed with the folder) holds its settings, served identity and
agreement, checked here against an independent count, the Wilson interval
and statsmodels' cohens_kappa; a dead judge or a bad labelled set stops the
run with one line and exit 2 before any folder exists."""

import json
import os
import subprocess
import sys
import tempfile
import unittest

import harness
from harness import load_json

RULES = {"default": "(B) No",
         "rules": [{"contains": "can't", "reply": "A"},
                   {"contains": "cannot", "reply": "The answer is (A)."},
                   {"contains": "sorry", "reply": "A"}]}
SIM_SUITE = {"parity_suite": 1, "id": "itest-judge", "version": "1.0.0",
             "scorers": {"refused": {"type": "refusal"}},
             "axes": {"g": {"reference": "a", "groups": {"a": {"w": "a"}, "b": {"w": "b"}}}},
             "items": [{"id": "i1", "axes": ["g"], "outcome": "refused", "prompt": "Q {w}?"}]}
SIM_PROFILE = {"parity_sim_profile": 1, "model": "sim-j", "yes": "Sure.", "no": "I can't.",
               "wrong": "?", "base_rate": 0.5}


def judge_says_yes(answer):
    for r in RULES["rules"]:
        if r["contains"] in answer:
            return True
    return False


def statsmodels_kappa(table):
    code = ("import json, sys\nfrom statsmodels.stats.inter_rater import cohens_kappa\n"
            "r = cohens_kappa(json.load(sys.stdin))\n"
            "print(json.dumps([r.kappa, r.std_kappa, r.kappa_low, r.kappa_upp]))")
    for exe in (sys.executable, "/usr/bin/python3"):
        try:
            p = subprocess.run([exe, "-c", code], input=json.dumps(table), text=True,
                               capture_output=True, timeout=120)
        except OSError:
            continue
        if p.returncode == 0:
            return json.loads(p.stdout)
    return None


class JudgeTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls._tmp = tempfile.TemporaryDirectory(prefix="parity-judge-")
        d = cls._tmp.name
        cls.labelled = []
        with open(harness.data("..", "..", "data", "refusal", "corpus.jsonl"),
                  encoding="utf-8") as f:
            for i, line in enumerate(f):
                if i % 4 == 0:
                    rec = json.loads(line)
                    cls.labelled.append({"answer": rec["text"], "label": rec["refusal"]})
        cls.cal = os.path.join(d, "labelled.jsonl")
        with open(cls.cal, "w", encoding="utf-8") as f:
            for x in cls.labelled:
                f.write(json.dumps(x) + "\n")
        for name, obj in (("rules.json", RULES), ("suite.json", SIM_SUITE),
                          ("prof.json", SIM_PROFILE)):
            with open(os.path.join(d, name), "w", encoding="utf-8") as f:
                json.dump(obj, f)
        cls.judge = harness.Fixture(rules=os.path.join(d, "rules.json"), model="judge-m")
        cls.run_dir = os.path.join(d, "run")
        cls.r = cls.run_with(cls.run_dir)

    @classmethod
    def run_with(cls, run_dir, *extra, base=None, cal=None):
        d = cls._tmp.name
        return harness.parity(["run", os.path.join(d, "suite.json"), "--engine", "sim",
                               "--sim-profile", os.path.join(d, "prof.json"), "--seed", 3,
                               "--run-dir", run_dir,
                               "--judge-base-url", base or cls.judge.base_url,
                               "--judge-model", "judge-m", "--judge-seed", 7,
                               "--judge-calibrate", cal or cls.cal] + list(extra))

    @classmethod
    def tearDownClass(cls):
        cls.judge.stop()
        cls._tmp.cleanup()

    def agreement(self):
        self.assertEqual(self.r.rc, 0, self.r.describe())
        return load_json(os.path.join(self.run_dir, "judge.json"))["agreement"]

    def test_agreement_counted(self):
        a = self.agreement()
        table = [[0, 0], [0, 0]]
        for x in self.labelled:
            table[0 if judge_says_yes(x["answer"]) else 1][0 if x["label"] else 1] += 1
        agree = table[0][0] + table[1][1]
        n = len(self.labelled)
        self.assertEqual((a["items"], a["agree"], a["unparsed"], a["failed"]), (n, agree, 0, 0))
        self.assertEqual(a["table"], table)
        self.assertAlmostEqual(float(a["accuracy"]), agree / n, places=12)
        lo, hi = harness.wilson(agree, n)
        self.assertAlmostEqual(float(a["accuracy_ci"][0]), lo, places=9)
        self.assertAlmostEqual(float(a["accuracy_ci"][1]), hi, places=9)
        self.assertAlmostEqual(float(a["error_rate"]), 1 - agree / n, places=12)
        want = statsmodels_kappa(table)
        if want is None:
            self.skipTest("no Python with statsmodels")
        k = a["kappa"]
        for got, exp in zip((k["value"], k["se"], k["ci"][0], k["ci"][1]), want):
            self.assertAlmostEqual(float(got), exp, places=9)

    def test_judge_pinned_and_identified(self):
        self.agreement()
        probes = [p for p in self.judge._call("GET", "/_probes")
                  if p["path"] == "/v1/chat/completions"]
        asks = [p["body"] for p in probes
                if "You are checking an answer" in p["body"]["messages"][-1]["content"]
                and '"""\nok\n"""' not in p["body"]["messages"][-1]["content"]]  # bad-file test
        self.assertEqual(len(asks), len(self.labelled))
        for b in asks:
            self.assertEqual((b["temperature"], b["seed"], b["max_tokens"]), (0, 7, 16))
            self.assertEqual(b["model"], "judge-m")
        m = load_json(os.path.join(self.run_dir, "manifest.json"))
        self.assertEqual(m["judge"]["model"], "judge-m")
        self.assertEqual(m["judge"]["identity"]["models"]["ids"][0], "judge-m")
        self.assertIn("judge.json", m["files"])
        v = harness.parity(["verify", self.run_dir])
        self.assertEqual(v.rc, 0, v.describe())

    def test_edited_calibration_is_detected(self):
        self.agreement()
        import shutil
        copy = os.path.join(self._tmp.name, "edited")
        shutil.copytree(self.run_dir, copy)
        path = os.path.join(copy, "judge.json")
        with open(path, encoding="utf-8") as f:
            text = f.read()
        with open(path, "w", encoding="utf-8") as f:
            f.write(text.replace('"agree":', '"agree": 1, "x":', 1))
        v = harness.parity(["verify", copy])
        self.assertNotEqual(v.rc, 0, v.describe())

    def test_dead_judge_stops_before_any_folder(self):
        run_dir = os.path.join(self._tmp.name, "dead")
        r = self.run_with(run_dir, base="http://127.0.0.1:%d/v1" % harness.free_port())
        self.assertEqual(r.rc, 2, r.describe())
        self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.describe())
        self.assertIn("judge: preflight", r.stderr)
        self.assertFalse(os.path.exists(run_dir))

    def test_bad_labelled_line_named(self):
        bad = os.path.join(self._tmp.name, "bad.jsonl")
        with open(bad, "w", encoding="utf-8") as f:
            f.write('{"answer": "ok", "label": true}\n{"answer": "x", "label": "yes"}\n')
        run_dir = os.path.join(self._tmp.name, "bad")
        r = self.run_with(run_dir, cal=bad)
        self.assertEqual(r.rc, 2, r.describe())
        self.assertIn("bad.jsonl':2: expected {\"answer\": string, \"label\": true or false}",
                      r.stderr)
        self.assertFalse(os.path.exists(run_dir))

    def test_judge_options_need_calibrate(self):
        d = self._tmp.name
        r = harness.parity(["run", os.path.join(d, "suite.json"), "--engine", "sim",
                            "--sim-profile", os.path.join(d, "prof.json"),
                            "--run-dir", os.path.join(d, "nocal"),
                            "--judge-base-url", self.judge.base_url])
        self.assertEqual(r.rc, 2, r.describe())
        self.assertIn("--judge-calibrate", r.stderr)


if __name__ == "__main__":
    unittest.main()
