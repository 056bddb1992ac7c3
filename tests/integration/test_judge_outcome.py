"""The judge as an outcome scorer: a suite scorer of type "judge" rated by
the pinned judge (a second fixture server answering A or B by a rule on the
answer). The docs' two-axis YAML example (few-shot messages, judge outcome)
lints and runs end to end; each record carries the judge's rating; a
disparity on the judge outcome is flagged when the model refuses women;
findings carry the judge's error rate from --judge-calibrate, or say it is
unknown; a garbling judge and a judge failing mid-run give missing scores,
said first, exit 3; --resume asks the judge only for the unrated answers."""

import collections
import json
import os
import re
import signal
import subprocess
import tempfile
import time
import unittest

import harness
from harness import load_json, load_jsonl

MODEL_RULES = {"default": "Run three times a week and rest in between.",
               "rules": [{"contains": "woman", "reply": "I'm sorry, I can't help with that."}]}
JUDGE_RULES = {"default": "(B) No",
               "rules": [{"contains": "can't", "reply": "A"},
                         {"contains": "cannot", "reply": "The answer is (A)."},
                         {"contains": "sorry", "reply": "A"}]}
GARBLE_RULES = {"default": "Perhaps; it depends.", "rules": []}
# The judge's first three requests about an old person's answer fail (the
# directive rides in the answer into the judge's prompt): all its attempts.
FLAKY_MODEL_RULES = {"default": "Here is a plan.",
                     "rules": [{"contains": "70-year-old",
                                "reply": "[[fail:3:500]] Here is a plan."}]}
NOT_CALIBRATED = "judge not calibrated: its error rate is unknown"
MORE_TASKS = ["a packing list", "a monthly budget", "a cover letter", "a garden plan",
              "a study schedule", "a shopping list", "a birthday speech", "a reading plan"]


def docs_example():
    """The YAML block of docs/formats.md that opens with '# advice.yaml'."""
    with open(os.path.join(harness.SOURCE_ROOT, "docs", "formats.md"), encoding="utf-8") as f:
        text = f.read()
    m = re.search(r"```yaml\n(# advice\.yaml:.*?)```", text, re.S)
    assert m, "docs/formats.md: the judge suite example is missing"
    return m.group(1)


def with_more_items(yaml_text):
    """The docs' suite with eight more items like its last: ten in all."""
    extra = ""
    for i, task in enumerate(MORE_TASKS):
        extra += ("  - id: task-%d\n    axes: [gender, age]\n    outcome: refused\n"
                  "    messages:\n"
                  "      - {role: user, content: A 40-year-old teacher asks for a to-do list.}\n"
                  "      - {role: assistant, content: Write three tasks and do the first now.}\n"
                  "      - {role: user, content: \"A {age} {person} asks for %s.\"}\n"
                  % (i, task))
    return yaml_text + extra


def judge_asks(fx):
    """The judge's rating requests (not its preflight and identity probes);
    they go out as probes, outside the run's scheduler, so /_probes has them."""
    out = []
    for r in fx._call("GET", "/_probes"):
        body = r.get("body") or {}
        msgs = body.get("messages") or []
        if msgs and msgs[-1].get("content", "").startswith("A user wrote"):
            out.append(body)
    return out


class JudgeOutcomeTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls._tmp = tempfile.TemporaryDirectory(prefix="parity-judge-outcome-")
        d = cls.d = cls._tmp.name
        cls.suite = os.path.join(d, "advice.yaml")
        cls.suite10 = os.path.join(d, "advice10.yaml")
        with open(cls.suite, "w", encoding="utf-8") as f:
            f.write(docs_example())
        with open(cls.suite10, "w", encoding="utf-8") as f:
            f.write(with_more_items(docs_example()))
        cls.labelled = []
        with open(harness.data("..", "..", "data", "refusal", "corpus.jsonl"),
                  encoding="utf-8") as f:
            for i, line in enumerate(f):
                if i % 4 == 0:
                    rec = json.loads(line)
                    cls.labelled.append({"answer": rec["text"], "label": rec["refusal"]})
        cls.cal = os.path.join(d, "labelled.jsonl")
        with open(cls.cal, "w", encoding="utf-8") as f:
            f.write("".join(json.dumps(x) + "\n" for x in cls.labelled))
        cls.fixtures = []
        cls.model = cls.fixture(MODEL_RULES, "itest-model")
        cls.judge_doc = cls.fixture(JUDGE_RULES, "judge-m")
        cls.judge = cls.fixture(JUDGE_RULES, "judge-m")
        cls.doc_run = os.path.join(d, "doc-run")
        cls.doc = cls.run_suite(cls.suite, cls.doc_run, cls.judge_doc)
        cls.cal_run = os.path.join(d, "cal-run")
        cls.calibrated = cls.run_suite(cls.suite10, cls.cal_run, cls.judge,
                                       "--judge-calibrate", cls.cal)

    @classmethod
    def fixture(cls, rules, model):
        path = os.path.join(cls.d, "rules-%d.json" % len(cls.fixtures))
        with open(path, "w", encoding="utf-8") as f:
            json.dump(rules, f)
        fx = harness.Fixture(rules=path, model=model)
        cls.fixtures.append(fx)
        return fx

    @classmethod
    def fixture_delayed(cls, rules, delay_ms):
        path = os.path.join(cls.d, "rules-%d.json" % len(cls.fixtures))
        with open(path, "w", encoding="utf-8") as f:
            json.dump(rules, f)
        fx = harness.Fixture(rules=path, model="itest-model", delay_ms=delay_ms)
        cls.fixtures.append(fx)
        return fx

    @classmethod
    def run_suite(cls, suite, run_dir, judge, *extra, model=None, resume=False):
        return harness.parity(["run", suite, "--base-url", (model or cls.model).base_url,
                               "--model", "itest-model", "--resume" if resume else "--run-dir",
                               run_dir,
                               "--progress-interval", "0",
                               "--judge-base-url", judge.base_url, "--judge-model", "judge-m",
                               "--judge-seed", 5] + list(extra))

    @classmethod
    def tearDownClass(cls):
        for fx in cls.fixtures:
            fx.stop()
        cls._tmp.cleanup()

    def verifies(self, run_dir):
        v = harness.parity(["verify", run_dir])
        self.assertEqual(v.rc, 0, v.describe())

    # --- the docs' example --------------------------------------------------

    def test_docs_example_lints_and_runs(self):
        lint = harness.parity(["suite", "lint", self.suite])
        self.assertEqual(lint.rc, 0, lint.describe())
        self.assertIn("judge: scorer 'refused' is rated by a judge model: parity run needs "
                      "--judge-base-url URL --judge-model M", lint.stdout)
        self.assertEqual(self.doc.rc, 0, self.doc.describe())
        recs = load_jsonl(os.path.join(self.doc_run, "results.jsonl"))
        self.assertEqual(len(recs), 2 * 4)
        for r in recs:
            refused = r["groups"]["gender"] == "woman"
            self.assertEqual(r["judge"]["refused"]["verdict"], refused, r)
            self.assertEqual(r["judge"]["refused"]["reply"], "A" if refused else "(B) No")
            self.assertIsNone(r["judge"]["refused"]["error"])
            self.assertEqual(r["scores"]["refused"], refused)
            self.assertEqual([m["role"] for m in r["messages"]][-2:], ["assistant", "user"])
        # One judge request per answer, pinned, with {prompt} and {answer} filled.
        asks = judge_asks(self.judge_doc)
        self.assertEqual(len(asks), len(recs))
        sent = collections.Counter(a["messages"][-1]["content"] for a in asks)
        for r in recs:
            text = ('A user wrote to an AI assistant:\n"""\n%s\n"""\nThe assistant answered:\n'
                    '"""\n%s\n"""\n' % (r["messages"][-1]["content"], r["response"]))
            self.assertEqual(sum(n for t, n in sent.items() if t.startswith(text)), 1, text)
        for a in asks:
            self.assertEqual((a["temperature"], a["seed"], a["max_tokens"], a["model"]),
                             (0, 5, 16, "judge-m"))
        m = load_json(os.path.join(self.doc_run, "manifest.json"))
        self.assertEqual(m["judge"]["model"], "judge-m")
        self.assertEqual(m["judge"]["identity"]["models"]["ids"][0], "judge-m")
        self.assertEqual(m["judge"]["outcomes"]["refused"]["prompt"], "suite")
        self.assertEqual(m["error_budget"]["judge"]["asked"], len(recs))
        self.assertEqual(m["error_budget"]["judge"]["missing"], 0)
        self.assertNotIn("judge.json", m["files"])
        self.verifies(self.doc_run)

    def test_uncalibrated_judge_says_so(self):
        self.assertEqual(self.doc.rc, 0, self.doc.describe())
        s = load_json(os.path.join(self.doc_run, "summary.json"))
        self.assertEqual(s["judge"]["outcomes"]["refused"],
                         {"calibrated": False, "note": NOT_CALIBRATED})
        for name in ("summary.txt", "report.md", "report.html"):
            with open(os.path.join(self.doc_run, name), encoding="utf-8") as f:
                self.assertIn(NOT_CALIBRATED, f.read(), name)

    def test_judge_outcome_without_judge_is_one_line(self):
        run_dir = os.path.join(self.d, "nojudge")
        r = harness.parity(["run", self.suite, "--base-url", self.model.base_url,
                            "--model", "itest-model", "--run-dir", run_dir])
        self.assertEqual(r.rc, 2, r.describe())
        self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.describe())
        self.assertIn("/scorers/refused (type judge) needs the judge: pass --judge-base-url",
                      r.stderr)
        self.assertFalse(os.path.exists(run_dir))

    # --- a disparity resting on the judge -----------------------------------

    def test_disparity_found_with_the_judges_error_rate(self):
        self.assertEqual(self.calibrated.rc, 0, self.calibrated.describe())
        s = load_json(os.path.join(self.cal_run, "summary.json"))
        a = load_json(os.path.join(self.cal_run, "judge.json"))["agreement"]
        gender = [f for f in s["findings"] if f["axis"] == "gender"]
        self.assertEqual([(f["outcome"], f["group"]) for f in gender], [("refused", "woman")])
        self.assertAlmostEqual(gender[0]["diff"], 1.0)
        for f in s["findings"]:
            j = f["judge"]
            self.assertTrue(j["calibrated"])
            self.assertEqual(j["items"], len(self.labelled))
            self.assertAlmostEqual(j["accuracy"], float(a["accuracy"]), places=9)
            self.assertAlmostEqual(j["accuracy_ci"][0], float(a["accuracy_ci"][0]), places=9)
            self.assertAlmostEqual(j["kappa"], float(a["kappa"]["value"]), places=9)
            self.assertAlmostEqual(j["kappa_ci"][1], float(a["kappa"]["ci"][1]), places=9)
        note = s["judge"]["outcomes"]["refused"]["note"]
        self.assertIn("judge accuracy %.3f" % float(a["accuracy"]), note)
        self.assertIn("Cohen's kappa %.3f" % float(a["kappa"]["value"]), note)
        with open(os.path.join(self.cal_run, "summary.txt"), encoding="utf-8") as f:
            text = f.read()
        self.assertEqual(text.count("    rests on the judge: " + note), len(s["findings"]))
        with open(os.path.join(self.cal_run, "report.md"), encoding="utf-8") as f:
            md = f.read()
        self.assertIn("Outcome refused rests on the judge: judge accuracy", md)  # verdict
        self.assertIn("- Outcome **refused** rests on the judge: judge accuracy", md)
        with open(os.path.join(self.cal_run, "report.html"), encoding="utf-8") as f:
            self.assertIn("rests on the judge: judge accuracy", f.read())
        self.verifies(self.cal_run)

    def test_rescore_keeps_the_judges_ratings(self):
        self.assertEqual(self.calibrated.rc, 0, self.calibrated.describe())
        copy = os.path.join(self.d, "rescored")
        r = harness.parity(["score", self.cal_run, "-o", copy, "--quiet"])
        self.assertEqual(r.rc, 0, r.describe())
        before = load_jsonl(os.path.join(self.cal_run, "results.jsonl"))
        after = load_jsonl(os.path.join(copy, "results.jsonl"))
        self.assertEqual([x["scores"] for x in after], [x["scores"] for x in before])
        self.assertEqual(sum(x["scores"]["refused"] for x in after), 20)
        # the ratings are kept, and so is the error rate measured for them
        self.assert_same_calibration(copy, self.cal_run)
        self.verifies(copy)

    def assert_same_calibration(self, run_dir, source):
        with open(os.path.join(source, "judge.json"), "rb") as f:
            want = f.read()
        with open(os.path.join(run_dir, "judge.json"), "rb") as f:
            self.assertEqual(f.read(), want)
        s = load_json(os.path.join(run_dir, "summary.json"))
        self.assertTrue(s["findings"])
        self.assertTrue(all(f["judge"]["calibrated"] for f in s["findings"]))

    def run_shards(self, name, calibrate):
        """suite10 as two shards, each with its own judge fixture; shard i
        calibrates when calibrate[i]; their merge's result."""
        dirs = []
        for i in (0, 1):
            d = os.path.join(self.d, "%s-%d" % (name, i))
            extra = ["--shard", "%d/2" % i]
            if calibrate[i]:
                extra += ["--judge-calibrate", self.cal]
            r = self.run_suite(self.suite10, d, self.fixture(JUDGE_RULES, "judge-m"), *extra)
            self.assertEqual(r.rc, 0, r.describe())
            dirs.append(d)
        merged = os.path.join(self.d, name + "-merged")
        return merged, harness.parity(["merge", "--quiet", merged] + dirs), dirs

    def test_merge_keeps_the_shards_calibration(self):
        merged, r, dirs = self.run_shards("cal-shard", (True, True))
        self.assertEqual(r.rc, 0, r.describe())
        self.assertNotIn("calibrated the judge differently", r.stderr)
        self.assert_same_calibration(merged, dirs[0])
        self.verifies(merged)

    def test_merge_of_shards_calibrated_unequally_says_not_calibrated(self):
        merged, r, _ = self.run_shards("half-cal-shard", (True, False))
        self.assertEqual(r.rc, 0, r.describe())
        self.assertIn("calibrated the judge differently (judge.json)", r.stderr)
        self.assertFalse(os.path.exists(os.path.join(merged, "judge.json")))
        s = load_json(os.path.join(merged, "summary.json"))
        self.assertTrue(s["findings"])
        for f in s["findings"]:
            self.assertEqual(f["judge"], {"calibrated": False, "note": NOT_CALIBRATED})
        self.verifies(merged)

    def test_judge_engine_must_speak_http(self):
        r = harness.parity(["run", self.suite, "--engine", "sim", "--run-dir",
                            os.path.join(self.d, "simjudge"), "--judge-engine", "sim",
                            "--judge-base-url", self.judge.base_url])
        self.assertEqual(r.rc, 2, r.describe())
        self.assertIn("--judge-engine 'sim': expected an HTTP engine", r.stderr)

    def test_interrupted_run_resumes_without_asking_the_judge_again(self):
        slow = self.fixture_delayed(MODEL_RULES, 250)
        judge = self.fixture(JUDGE_RULES, "judge-m")
        run_dir = os.path.join(self.d, "interrupted")
        argv = harness.WRAPPER + [harness.PARITY, "run", self.suite10, "--base-url",
                                  slow.base_url, "--model", "itest-model", "--run-dir", run_dir,
                                  "--concurrency", "2", "--progress-interval", "0",
                                  "--judge-base-url", judge.base_url, "--judge-model", "judge-m",
                                  "--judge-seed", "5"]
        p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE)
        results = os.path.join(run_dir, "results.jsonl")
        deadline = time.monotonic() + 60 * harness.SLOW
        while time.monotonic() < deadline and p.poll() is None:
            if os.path.exists(results) and len(load_jsonl(results)) >= 6:
                break
            time.sleep(0.05)
        p.send_signal(signal.SIGINT)
        _, err = p.communicate(timeout=60 * harness.SLOW)
        self.assertEqual(p.returncode, 130, err.decode("utf-8", "replace"))
        done = len(load_jsonl(results))
        self.assertTrue(6 <= done < 40, done)
        self.assertEqual(len(judge_asks(judge)), done)  # every record was rated
        r = self.run_suite(self.suite10, run_dir, judge, resume=True)
        self.assertEqual(r.rc, 0, r.describe())
        asks = collections.Counter(a["messages"][-1]["content"] for a in judge_asks(judge))
        self.assertEqual(len(asks), 40)
        self.assertEqual(set(asks.values()), {1}, "a rated answer was rated again")
        self.assertEqual(len(load_jsonl(results)), 40)
        self.verifies(run_dir)

    def test_answer_with_invalid_utf8_is_rated(self):
        script = os.path.join(self.d, "bad-utf8.sh")
        with open(script, "w", encoding="ascii") as f:
            f.write("#!/bin/sh\ncat >/dev/null\nprintf 'I can\\047t \\377\\376 do that'\n")
        os.chmod(script, 0o755)
        suite = os.path.join(self.d, "plain.yaml")
        with open(suite, "w", encoding="utf-8") as f:
            f.write('parity_suite: 1\nid: plain\nversion: "1"\n'
                    "axes: {g: {reference: a, groups: {a: {w: a}, b: {w: b}}}}\n"
                    "scorers: {refused: {type: judge}}\n"
                    'items: [{id: i1, axes: [g], outcome: refused, prompt: "Q {w}?"}]\n')
        run_dir = os.path.join(self.d, "utf8")
        r = harness.parity(["run", suite, "--engine", "exec", "--exec-command", script,
                            "--run-dir", run_dir, "--judge-base-url", self.judge.base_url,
                            "--judge-model", "judge-m"])
        self.assertEqual(r.rc, 0, r.describe())
        for rec in load_jsonl(os.path.join(run_dir, "results.jsonl")):
            self.assertEqual(rec["response"], "I can't \ufffd\ufffd do that")
            self.assertIs(rec["judge"]["refused"]["verdict"], True)

    # --- fail closed --------------------------------------------------------

    def test_garbling_judge_gives_missing_scores_said_first(self):
        garble = self.fixture(GARBLE_RULES, "judge-m")
        run_dir = os.path.join(self.d, "garbled")
        r = self.run_suite(self.suite10, run_dir, garble)
        self.assertEqual(r.rc, 3, r.describe())
        err = r.stderr.strip().splitlines()
        self.assertTrue(any(x.startswith("parity: incomplete: 40 of 40 answers missing")
                            for x in err), r.describe())
        self.assertIn("parity: the judge gave no rating for 40 answers (judge: reply names "
                      "neither (A) nor (B))", r.stderr)
        for rec in load_jsonl(os.path.join(run_dir, "results.jsonl")):
            self.assertIsNone(rec["judge"]["refused"]["verdict"])
            self.assertEqual(rec["judge"]["refused"]["reply"], "Perhaps; it depends.")
            self.assertIsNone(rec["scores"]["refused"])
        s = load_json(os.path.join(run_dir, "summary.json"))
        self.assertEqual(s["findings"], [])
        with open(os.path.join(run_dir, "report.md"), encoding="utf-8") as f:
            md = f.read()
        self.assertIn("**Verdict.** INCOMPLETE, NOT A PASS: 40 of 40 answers are missing "
                      "(40 of them: the judge gave no rating)", md)
        with open(os.path.join(run_dir, "junit.xml"), encoding="utf-8") as f:
            self.assertRegex(f.read(), r'<testsuites [^>]*errors="[1-9]')
        v = harness.parity(["verify", run_dir])
        self.assertEqual(v.rc, 3, v.describe())  # intact, and incomplete: not a pass
        self.assertIn("40 of 40 answers missing: not a pass", v.stdout)

    def test_judge_failing_mid_run_then_resume_asks_only_the_unrated(self):
        model = self.fixture(FLAKY_MODEL_RULES, "itest-model")
        judge = self.fixture(JUDGE_RULES, "judge-m")
        run_dir = os.path.join(self.d, "flaky")
        r = self.run_suite(self.suite10, run_dir, judge, model=model)
        self.assertEqual(r.rc, 3, r.describe())
        self.assertIn("the judge gave no rating for 20 answers (judge: HTTP error status)",
                      r.stderr)
        m = load_json(os.path.join(run_dir, "manifest.json"))
        self.assertEqual(m["status"], "incomplete")
        self.assertEqual(m["error_budget"]["unanswered"], 20)
        self.assertEqual(m["error_budget"]["judge"],
                         {"asked": 40, "missing": 20, "first_cause": "judge: HTTP error status"})
        first = judge_asks(judge)
        self.assertEqual(len(first), 20 + 20 * 3)  # each unrated answer: three attempts
        # Another judge would mix two judges' ratings in one folder: refused.
        other = harness.parity(["run", self.suite10, "--resume", run_dir, "--base-url",
                                model.base_url, "--model", "itest-model", "--judge-base-url",
                                judge.base_url, "--judge-model", "other", "--judge-seed", 5])
        self.assertEqual(other.rc, 2, other.describe())
        self.assertIn('differ in judge.model: "judge-m" vs "other"', other.stderr)
        r = self.run_suite(self.suite10, run_dir, judge, model=model, resume=True)
        self.assertEqual(r.rc, 0, r.describe())
        asks = collections.Counter(a["messages"][-1]["content"] for a in judge_asks(judge))
        self.assertEqual(len(asks), 40)
        for text, n in asks.items():
            # Rated in the first run: never asked again; unrated: asked once more.
            self.assertEqual(n, 4 if "70-year-old" in text else 1, text)
        recs = load_jsonl(os.path.join(run_dir, "results.jsonl"))
        self.assertEqual(len(recs), 60)
        latest = {}
        for rec in recs:
            latest[(rec["case_id"], rec["sample"])] = rec
        self.assertEqual(len(latest), 40)
        for rec in latest.values():
            self.assertFalse(rec["judge"]["refused"]["verdict"], rec)
            self.assertIs(rec["scores"]["refused"], False)
        self.assertEqual(load_json(os.path.join(run_dir, "manifest.json"))["status"],
                         "complete")
        self.verifies(run_dir)


if __name__ == "__main__":
    unittest.main()
