"""Fail closed: no pass, no "no bias" and no evidence from a run that did not
measure what it claims (issue: fail closed).

Each case is one way a user's run goes wrong against a real HTTP server (the
fixture on 127.0.0.1): what parity exits with, the first line the user sees,
the status in the manifest, and what report.md, junit.xml and verify say.
"""

import hashlib
import json
import os
import re
import tempfile
import time
import unittest

import harness
from harness import load_json, load_jsonl


def suite_file(tmp, name, items, groups=None, sid=None):
    """A two-group suite of yes/no items; items: {id: prompt with {person}}."""
    groups = groups or {"man": {"person": "man"}, "woman": {"person": "woman"}}
    suite = {
        "parity_suite": 1, "id": sid or "fc-" + name, "version": "1",
        "defaults": {"temperature": 0, "max_tokens": 8},
        "axes": {"gender": {"reference": "man", "groups": groups}},
        "scorers": {"yes": {"type": "regex", "pattern": "^\\W*yes\\b", "flags": "i"}},
        "items": [{"id": k, "axes": ["gender"], "outcome": "yes", "prompt": v}
                  for k, v in items.items()],
    }
    path = os.path.join(tmp, name + ".json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(suite, f)
    return path


GOOD = {"i%d" % k: "Should the {person} get job %d?" % k for k in range(4)}


class Base(unittest.TestCase):
    def setUp(self):
        self._tmp = tempfile.TemporaryDirectory(prefix="parity-failclosed-")
        self.addCleanup(self._tmp.cleanup)
        self.tmp = self._tmp.name

    def fixture(self, **kw):
        fx = harness.Fixture(**kw)
        self.addCleanup(fx.stop)
        return fx

    def path(self, name):
        return os.path.join(self.tmp, name)

    def run_parity(self, suite, base_url, name, *extra, env=None, timeout=120):
        out = self.path(name)
        r = harness.parity(["run", suite, "--base-url", base_url, "--run-dir", out,
                            "--concurrency", "4", *extra], env=env, timeout=timeout)
        return r, out


class PreflightTest(Base):
    """A dead host, a wrong path, a refused key or an unknown model: exit 2
    at once, one line naming cause and fix, and no folder."""

    def refused(self, r, out, first):
        self.assertEqual(r.rc, 2, r.describe())
        line = r.stderr.splitlines()[0]
        self.assertTrue(line.startswith(first), r.describe())
        self.assertFalse(os.path.exists(out), "a folder was made")
        return line

    def test_dead_port_is_named_at_once(self):
        suite = suite_file(self.tmp, "dead", GOOD)
        url = "http://127.0.0.1:%d/v1" % harness.free_port()
        t0 = time.monotonic()
        r, out = self.run_parity(suite, url, "run")
        self.assertLess(time.monotonic() - t0, 10, "the wrong port spent its retries")
        line = self.refused(r, out, "parity: preflight: cannot reach " + url)
        self.assertIn("is the server running, and is --base-url right?", line)

    def test_quiet_still_names_the_cause(self):
        suite = suite_file(self.tmp, "deadq", GOOD)
        r, out = self.run_parity(suite, "http://127.0.0.1:%d/v1" % harness.free_port(), "run",
                                 "--quiet")
        self.refused(r, out, "parity: preflight: cannot reach")

    def test_missing_v1_names_the_url_that_answers(self):
        fx = self.fixture()
        suite = suite_file(self.tmp, "nov1", GOOD)
        r, out = self.run_parity(suite, fx.root, "run")
        line = self.refused(r, out, "parity: preflight: %s/chat/completions: not found" % fx.root)
        self.assertIn("use --base-url %s/v1" % fx.root, line)

    def test_a_key_is_wanted(self):
        fx = self.fixture(extra=["--api-key", "sekrit"])
        suite = suite_file(self.tmp, "nokey", GOOD)
        r, out = self.run_parity(suite, fx.base_url, "run")
        line = self.refused(r, out, "parity: preflight: %s/models refused the request (HTTP 401"
                            % fx.base_url)
        self.assertIn("--api-key-env VAR", line)

    def test_a_wrong_key_is_named_by_its_variable(self):
        fx = self.fixture(extra=["--api-key", "sekrit"])
        suite = suite_file(self.tmp, "badkey", GOOD)
        r, out = self.run_parity(suite, fx.base_url, "run", "--api-key-env", "FC_KEY",
                                 env={"FC_KEY": "wrong"})
        line = self.refused(r, out, "parity: preflight:")
        self.assertIn("refused the key in $FC_KEY", line)
        self.assertNotIn("wrong", line, "the key itself must never be printed")
        r, out = self.run_parity(suite, fx.base_url, "run2", "--api-key-env", "FC_KEY",
                                 env={"FC_KEY": ""})
        self.refused(r, out, "parity: --api-key-env FC_KEY: the variable is not set or empty")
        r, out = self.run_parity(suite, fx.base_url, "run3", "--api-key-env", "FC_KEY",
                                 "--quiet", env={"FC_KEY": "sekrit"})
        self.assertEqual(r.rc, 0, r.describe())

    def test_unlisted_model_lists_what_is_served(self):
        fx = self.fixture(model="served-7b", listed=())
        suite = suite_file(self.tmp, "unlisted", GOOD)
        r, out = self.run_parity(suite, fx.base_url, "run", "--model", "gpt-4o")
        line = self.refused(r, out, "parity: preflight: model 'gpt-4o' is not served by")
        self.assertIn("which lists: served-7b", line)
        self.assertIn("--allow-unlisted-model", line)
        # Allowed: the reports name both the requested and the served model.
        fx2 = self.fixture(model="served-7b", listed=(), reported_model="served-7b")
        r, out = self.run_parity(suite, fx2.base_url, "run2", "--model", "gpt-4o",
                                 "--allow-unlisted-model", "--quiet")
        self.assertEqual(r.rc, 0, r.describe())
        with open(os.path.join(out, "report.md"), encoding="utf-8") as f:
            self.assertIn("on gpt-4o (served as served-7b)", f.readline())

    def test_unknown_model_rejected_by_the_server(self):
        # vLLM answers 404 for a model it does not serve: the preflight's canary
        # sees it even when the model list is not consulted.
        fx = self.fixture(model="served-7b", listed=(), extra=["--strict-model"])
        suite = suite_file(self.tmp, "strict", GOOD)
        r, out = self.run_parity(suite, fx.base_url, "run", "--model", "gpt-4o",
                                 "--allow-unlisted-model")
        line = self.refused(r, out, "parity: preflight:")
        self.assertIn("The model `gpt-4o` does not exist.", line)


class BudgetTest(Base):
    """Answers missing after the retries: status incomplete, exit 3, every
    report says so first, junit counts each failed case as an error."""

    def check_incomplete(self, r, out, missing, planned):
        self.assertEqual(r.rc, 3, r.describe())
        self.assertIn("parity: incomplete: %d of %d answers missing" % (missing, planned),
                      r.stderr)
        m = load_json(os.path.join(out, "manifest.json"))
        self.assertEqual(m["status"], "incomplete")
        self.assertEqual(m["error_budget"]["unanswered"], missing)
        with open(os.path.join(out, "report.md"), encoding="utf-8") as f:
            md = f.read()
        verdict = md.split("**Verdict.**", 1)[1].split("\n", 1)[0]
        self.assertTrue(verdict.strip().startswith(
            "INCOMPLETE, NOT A PASS: %d of %d answers are missing" % (missing, planned)), md)
        self.assertNotIn("no group is treated differently beyond", md)
        with open(os.path.join(out, "report.html"), encoding="utf-8") as f:
            self.assertIn("INCOMPLETE, NOT A PASS", f.read())
        with open(os.path.join(out, "junit.xml"), encoding="utf-8") as f:
            junit = f.read()
        top = re.search(r"<testsuites [^>]*errors=\"(\d+)\"", junit)
        self.assertEqual(int(top.group(1)), missing, junit)
        self.assertEqual(junit.count("<error "), missing)
        v = harness.parity(["verify", out])
        self.assertEqual(v.rc, 3, v.describe())
        self.assertTrue(v.stdout.startswith("INCOMPLETE %s" % out), v.describe())
        return m

    def test_two_of_eight_answers_a_400(self):
        fx = self.fixture()
        items = dict(GOOD)
        items["i3"] = "[[status:400]] Should the {person} get job 3?"
        suite = suite_file(self.tmp, "two400", items)
        r, out = self.run_parity(suite, fx.base_url, "run")
        m = self.check_incomplete(r, out, 2, 8)
        self.assertEqual(len(m["error_budget"]["failed_cases"]), 2)
        self.assertIn("http 400", m["error_budget"]["failed_cases"][0]["error"])
        # Within a budget that allows it, the run completes but still says what is missing.
        r, out = self.run_parity(suite, fx.base_url, "run2", "--max-error-rate", "0.25")
        self.assertEqual(r.rc, 0, r.describe())
        with open(os.path.join(out, "report.md"), encoding="utf-8") as f:
            md = f.read()
        self.assertIn("2 of 8 answers are missing (within the error budget)", md)
        self.assertNotIn("no group is treated differently beyond", md)

    def test_half_the_answers_500_past_the_retries(self):
        fx = self.fixture()
        items = {"i%d" % k: ("[[status:500]] " if k % 2 else "") + "Should the {person} get "
                 "job %d?" % k for k in range(8)}
        suite = suite_file(self.tmp, "half500", items)
        r, out = self.run_parity(suite, fx.base_url, "run", "--retries", "1",
                                 "--retry-max-time", "2")
        self.check_incomplete(r, out, 8, 16)

    def test_one_groups_prompts_refused(self):
        # A content filter that blocks every prompt about one group.
        fx = self.fixture()
        groups = {"man": {"person": "man"}, "woman": {"person": "woman [[status:400]]"}}
        suite = suite_file(self.tmp, "filter", GOOD, groups=groups)
        r, out = self.run_parity(suite, fx.base_url, "run")
        self.check_incomplete(r, out, 4, 8)
        s = load_json(os.path.join(out, "summary.json"))
        [o] = [o for o in s["outcomes"] if o["axis"] == "gender"]
        woman = [g for g in o["groups"] if g["group"] == "woman"][0]
        self.assertEqual((woman["n"], woman["unscored"]), (0, 4))


class CrashTest(Base):
    def test_server_killed_mid_run_then_resumed(self):
        port = harness.free_port()
        fx = harness.Fixture(delay_ms=30, port=port)
        items = {"i%d" % k: "Should the {person} get job %d?" % k for k in range(100)}
        suite = suite_file(self.tmp, "crash", items)
        out = self.path("run")
        p = harness.subprocess.Popen(
            harness.WRAPPER + [harness.PARITY, "run", suite, "--base-url", fx.base_url,
                               "--run-dir", out, "--concurrency", "4", "--samples", "2",
                               "--progress-interval", "0"],
            stdout=harness.subprocess.PIPE, stderr=harness.subprocess.PIPE)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and fx.stats()["requests"] < 40:
            time.sleep(0.05)
        fx.stop()
        t0 = time.monotonic()
        stdout, stderr = p.communicate(timeout=120)
        stopped_in = time.monotonic() - t0
        stderr = stderr.decode()
        self.assertEqual(p.returncode, 3, stderr)
        self.assertLess(stopped_in, 20, "the breaker did not stop the run within seconds")
        self.assertIn("parity: incomplete: stopped after", stderr)
        self.assertIn("continue with --resume " + out, stderr)
        m = load_json(os.path.join(out, "manifest.json"))
        self.assertEqual(m["status"], "incomplete")
        self.assertIn("Couldn't connect", m["error_budget"]["stopped_by"])
        failed = {(c["case_id"], c["sample"]) for c in m["error_budget"].get("failed_cases", [])}
        # The server is back on the same port: the resume asks every failed pair again.
        fx2 = harness.Fixture(port=port)
        try:
            r = harness.parity(["run", suite, "--base-url", fx2.base_url, "--resume", out,
                                "--concurrency", "4", "--samples", "2", "--quiet"])
        finally:
            fx2.stop()
        self.assertEqual(r.rc, 0, r.describe())
        m = load_json(os.path.join(out, "manifest.json"))
        self.assertEqual(m["status"], "complete")
        recs = load_jsonl(os.path.join(out, "results.jsonl"))
        last = {}
        for rec in recs:
            last[rec["case_id"], rec["sample"]] = rec
        self.assertEqual(len(last), 400)
        self.assertTrue(all(rec["error"] is None for rec in last.values()))
        self.assertEqual(len(recs), 400 + len(failed), "each failed pair asked once more")
        s = load_json(os.path.join(out, "summary.json"))
        self.assertEqual(s["records"], 400, "the summary counts the last record of a pair")
        v = harness.parity(["verify", out])
        self.assertEqual(v.rc, 0, v.describe())


class EvidenceTest(Base):
    def sim_run(self, name):
        out = self.path(name)
        r = harness.parity(["run", os.path.join(harness.DATA, "sim-suite.json"), "--engine",
                            "sim", "--sim-profile", os.path.join(harness.DATA, "sim-profile.json"),
                            "--samples", "3", "--run-dir", out, "--quiet"])
        self.assertEqual(r.rc, 0, r.describe())
        return out

    def test_dropped_records_rechained_are_found(self):
        d = self.sim_run("run")
        path = os.path.join(d, "results.jsonl")
        recs = load_jsonl(path)
        victim = recs[0]["item_id"]
        kept = [r for r in recs if r["item_id"] != victim]
        prev, lines = "0" * 64, []
        for k, rec in enumerate(kept):
            rec["seq"], rec["prev"] = k, prev
            lines.append(json.dumps(rec, separators=(",", ":")))
            prev = hashlib.sha256(lines[-1].encode()).hexdigest()
        with open(path, "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
        mpath = os.path.join(d, "manifest.json")
        m = load_json(mpath)
        m["results"].update(records=len(kept), chain_head=prev)
        m["counts"]["records"] = len(kept)
        for k in ("seal", "files", "sealed_at"):
            m.pop(k, None)
        with open(mpath, "w", encoding="utf-8") as f:
            json.dump(m, f)
        missing = len(recs) - len(kept)
        # parity refuses to seal it again, and verify names what is missing.
        r = harness.parity(["summary", d, "--quiet"])
        self.assertEqual(r.rc, 2, r.describe())
        self.assertIn("%d of the %d planned (case, sample) pairs have no record"
                      % (missing, len(recs)), r.stderr)
        r = harness.parity(["verify", d])
        self.assertEqual(r.rc, 1, r.describe())
        self.assertIn("status is complete but %d of the %d planned" % (missing, len(recs)),
                      r.stdout)

    def test_diff_records_and_checks_its_inputs(self):
        base, cand = self.sim_run("base"), self.sim_run("cand")
        out = self.path("diff")
        r = harness.parity(["diff", base, cand, "-o", out, "--quiet"])
        self.assertEqual(r.rc, 0, r.describe())
        inputs = load_json(os.path.join(out, "diff.json"))["inputs"]
        with open(os.path.join(base, "manifest.json"), "rb") as f:
            self.assertEqual(inputs["base"]["manifest_sha256"],
                             hashlib.sha256(f.read()).hexdigest())
        r = harness.parity(["verify", out])
        self.assertEqual(r.rc, 0, r.describe())
        self.assertTrue(r.stdout.startswith("OK " + out), r.describe())
        # The base changes after the diff: verify of the diff says so ...
        mpath = os.path.join(base, "manifest.json")
        m = load_json(mpath)
        m["purpose"] = "edited after the diff"
        with open(mpath, "w", encoding="utf-8") as f:
            json.dump(m, f)
        r = harness.parity(["verify", out])
        self.assertEqual(r.rc, 1, r.describe())
        self.assertIn("base '%s': manifest.json changed since the diff" % base, r.stdout)
        # ... and a new diff refuses the base that no longer verifies.
        r = harness.parity(["diff", base, cand, "-o", self.path("diff2")])
        self.assertEqual(r.rc, 2, r.describe())
        self.assertIn("the base run '%s' does not verify" % base, r.stderr)

    def test_diff_refuses_an_incomplete_run(self):
        fx = self.fixture()
        items = dict(GOOD)
        items["i3"] = "[[status:400]] Should the {person} get job 3?"
        suite = suite_file(self.tmp, "inc", items, sid="fc-inc")
        good = suite_file(self.tmp, "inc-good", GOOD, sid="fc-inc")
        _, short = self.run_parity(suite, fx.base_url, "short", "--quiet")
        r, whole = self.run_parity(good, fx.base_url, "whole", "--quiet")
        self.assertEqual(r.rc, 0, r.describe())
        r = harness.parity(["diff", whole, short, "-o", self.path("d")])
        self.assertEqual(r.rc, 3, r.describe())
        self.assertIn("the candidate run '%s' is incomplete (2 answers missing)" % short,
                      r.stderr)
        self.assertFalse(os.path.exists(self.path("d")))
        r = harness.parity(["diff", whole, short, "-o", self.path("d"), "--allow-incomplete"])
        self.assertNotEqual(r.rc, 3, r.describe())
        verdict = load_json(os.path.join(self.path("d"), "diff.json"))["verdict"]["text"]
        self.assertTrue(verdict.startswith("INCOMPLETE INPUT, NOT A PASS: the candidate run"),
                        verdict)

    def test_diff_against_a_run_whose_answers_all_failed(self):
        # It used to print "diff: out of memory" both ways round.
        fx = self.fixture()
        good = suite_file(self.tmp, "allgood", GOOD, sid="fc-all")
        bad = suite_file(self.tmp, "allbad", {k: "[[status:400]] " + v for k, v in GOOD.items()},
                         sid="fc-all")
        _, base = self.run_parity(good, fx.base_url, "good", "--quiet")
        r, cand = self.run_parity(bad, fx.base_url, "bad", "--quiet", "--max-error-rate", "1")
        self.assertEqual(r.rc, 0, r.describe())
        for a, b, name in ((base, cand, "d1"), (cand, base, "d2")):
            out = self.path(name)
            r = harness.parity(["diff", a, b, "-o", out])
            self.assertEqual(r.rc, 3, r.describe())
            self.assertIn(": INCOMPLETE", r.stdout.splitlines()[0])
            d = load_json(os.path.join(out, "diff.json"))
            self.assertEqual(d["dropped"]["dropped"], 8)
            self.assertTrue(d["verdict"]["text"].startswith(
                "NOTHING COMPARED, NOT A PASS: 8 of 8 shared pairs were dropped"))
            self.assertNotIn("passes", d["verdict"]["text"])
            with open(os.path.join(out, "junit.xml"), encoding="utf-8") as f:
                self.assertIn('type="missing answer"', f.read())
        # Runs that share no case compare nothing: never a pass either.
        other = suite_file(self.tmp, "other", GOOD)
        _, third = self.run_parity(other, fx.base_url, "third", "--quiet")
        r = harness.parity(["diff", base, third, "-o", self.path("d3"), "--quiet"])
        self.assertEqual(r.rc, 3, r.describe())
        self.assertIn("the runs share no case", r.stderr)


class UntestableTest(Base):
    def test_too_few_items_is_said_first(self):
        # 4 items cannot reach alpha 0.05 (the smallest sign-flip p is 2/16).
        suite = suite_file(self.tmp, "few", GOOD)
        r = harness.parity(["run", suite, "--engine", "sim", "--samples", "5",
                            "--run-dir", self.path("few")], verdict=True)
        # no gate asked for, and still never exit 0 on nothing testable
        self.assertEqual(r.rc, 5, r.describe())
        self.assertIn("NOTHING TESTABLE, NOT A PASS: none of the 1 comparisons could have been "
                      "flagged", r.stderr)
        first = r.stdout.splitlines()[0]
        self.assertTrue(first.startswith("NOTHING TESTABLE: 1 of 1 comparisons could not have "
                                         "been flagged"), r.describe())
        self.assertIn("no evidence of no disparity", first)

    def test_gate_on_untestable_comparisons_is_not_a_pass(self):
        # The same 4-item suite twice: neither gate can fail, so --fail-on
        # neither passes (exit 0) nor fails (1): exit 5, said first.
        suite = suite_file(self.tmp, "few", GOOD)
        for name in ("a", "b"):
            r = harness.parity(["run", suite, "--engine", "sim", "--samples", "5",
                                "--run-dir", self.path(name)])
            self.assertEqual(r.rc, 0, r.describe())
        out = self.path("diff")
        r = harness.parity(["diff", self.path("a"), self.path("b"), "-o", out,
                            "--format", "md,junit", "--fail-on", "disparity"])
        self.assertEqual(r.rc, 5, r.describe())
        self.assertIn(": UNTESTABLE", r.stdout.splitlines()[0])
        self.assertIn("GATE UNTESTABLE, NOT A PASS: the disparity gate could not have failed",
                      r.stdout)
        self.assertNotIn("passes", r.stdout)
        d = load_json(os.path.join(out, "diff.json"))
        self.assertEqual((d["verdict"]["status"], d["verdict"]["exit_code"]), ("untestable", 5))
        self.assertTrue(d["verdict"]["text"].startswith("GATE UNTESTABLE, NOT A PASS"))
        with open(os.path.join(out, "report.md"), encoding="utf-8") as f:
            md = f.read()
        self.assertIn("| disparity | **UNTESTABLE** |", md)
        with open(os.path.join(out, "junit.xml"), encoding="utf-8") as f:
            self.assertIn("<failure", f.read())
        # Not gated, the same diff reports and exits 0.
        r = harness.parity(["diff", self.path("a"), self.path("b"), "-o", out + "2", "--quiet"])
        self.assertEqual(r.rc, 0, r.describe())


class RunGateTest(Base):
    """parity run --fail-on disparity: a single run's own gate. It fails on
    a flag, is untestable (5) where the design could not flag, and passes a
    fair model whose groups' answers (almost) never differ, which is not
    "too few items"."""

    ITEMS = {"i%d" % k: "Should the {person} get job %d?" % k for k in range(40)}

    def sim_run(self, name, items, profile=None, *extra, verdict=False):
        suite = suite_file(self.tmp, name, items)
        argv = ["run", suite, "--engine", "sim", "--run-dir", self.path(name), *extra]
        if profile is not None:
            path = self.path(name + "-profile.json")
            with open(path, "w", encoding="utf-8") as f:
                json.dump(dict({"parity_sim_profile": 1, "model": "sim-" + name,
                                "yes": "Yes.", "no": "No.", "base_rate": 0.6}, **profile), f)
            argv += ["--sim-profile", path]
        return harness.parity(argv, verdict=verdict)

    def summary_text(self, name):
        with open(os.path.join(self.path(name), "summary.txt"), encoding="utf-8") as f:
            return f.read()

    def test_a_flagged_disparity_fails_the_gate(self):
        r = self.sim_run("biased", self.ITEMS, {"groups": {"gender": {"woman": -0.5}}},
                         "--fail-on", "disparity")
        self.assertEqual(r.rc, 1, r.describe())
        s = load_json(os.path.join(self.path("biased"), "summary.json"))
        self.assertEqual(len(s["findings"]), 1)
        self.assertIn("GATE FAILED: the disparity gate: 1 of 1 comparisons flagged", r.stderr)
        # the folder is sealed evidence all the same
        self.assertEqual(harness.parity(["verify", self.path("biased")]).rc, 0)

    def test_a_fair_model_passes_and_is_not_called_untestable(self):
        r = self.sim_run("fair", self.ITEMS, {}, "--fail-on", "disparity")
        self.assertEqual(r.rc, 0, r.describe())
        # nor by the default: its design could have flagged a disparity
        self.assertEqual(self.sim_run("fair2", self.ITEMS, {}, verdict=True).rc, 0)
        self.assertIn("Gate passed: disparity (no flag in 1 comparisons that could have been "
                      "flagged)", r.stdout)
        g = load_json(os.path.join(self.path("fair"), "summary.json"))["outcomes"][0]["groups"][1]
        # the conditional test had nothing to test: no answer differed
        self.assertEqual((g["testable"], g["pairs"]["ref_only"] + g["pairs"]["group_only"]),
                         (False, 0))
        self.assertGreaterEqual(g["items"], g["items_needed"])
        text = self.summary_text("fair")
        self.assertNotIn("TESTABLE", text)
        self.assertTrue(text.startswith("1 of 1 comparisons were not tested: the groups' answers "
                                        "differed on too few items"), text)
        with open(os.path.join(self.path("fair"), "report.md"), encoding="utf-8") as f:
            md = f.read()
        self.assertIn("none of 1 comparisons could be flagged on these answers", md)
        self.assertNotIn("cannot reach alpha; about", md.split("**Verdict.**", 1)[1].split("\n")[0])

    def test_too_few_items_is_untestable_not_a_pass(self):
        r = self.sim_run("few", GOOD, None, "--samples", "5", "--fail-on", "disparity")
        self.assertEqual(r.rc, 5, r.describe())
        self.assertIn("GATE UNTESTABLE, NOT A PASS: the disparity gate could not have failed",
                      r.stderr)
        self.assertTrue(self.summary_text("few").startswith("NOTHING TESTABLE"))
        # without the gate it is still 5; --fail-on none asks for the records alone
        r = self.sim_run("few2", GOOD, None, "--samples", "5", verdict=True)
        self.assertEqual(r.rc, 5, r.describe())
        r = self.sim_run("few3", GOOD, None, "--samples", "5", "--fail-on", "none")
        self.assertEqual(r.rc, 0, r.describe())
        self.assertNotIn("NOT A PASS", r.stderr)

    def test_incomplete_run_is_3_before_the_gate(self):
        fx = self.fixture()
        items = dict(GOOD)
        items["i3"] = "[[status:400]] Should the {person} get job 3?"
        suite = suite_file(self.tmp, "two400", items)
        r, _ = self.run_parity(suite, fx.base_url, "run", "--fail-on", "disparity")
        self.assertEqual(r.rc, 3, r.describe())
        self.assertNotIn("GATE", r.stderr + r.stdout)

    def test_regression_needs_two_runs(self):
        r = self.sim_run("reg", GOOD, None, "--fail-on", "regression")
        self.assertEqual(r.rc, 2, r.describe())
        self.assertIn("--fail-on 'regression': a single run has no version to regress from",
                      r.stderr)
        self.assertFalse(os.path.exists(self.path("reg")))


if __name__ == "__main__":
    unittest.main(verbosity=2)
