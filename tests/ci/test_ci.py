"""The GitHub Action (action.yml) and the GitLab template
(ci/gitlab/parity.gitlab-ci.yml) run with the environment those systems
set (cirun.py), on the sim engine: a planted regression fails the gate
(exit 1) with report.md in the job summary and junit.xml published; the
same model passes; a run without a base is its own result; a suite that
does not exist is exit 2 with no report, never a pass; a job that asks
for a history on a parity without one fails closed (exit 2). The baseline
path (parity baseline set, diff --baseline) runs when this parity has it."""

import os
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
import harness  # noqa: E402

try:
    import cirun
except ImportError as e:  # python3-yaml (.ci/run installs it)
    cirun = None
    WHY = str(e)

ACTION = os.path.join(harness.SOURCE_ROOT, "action.yml")
GITLAB = os.path.join(harness.SOURCE_ROOT, "ci", "gitlab", "parity.gitlab-ci.yml")
DEMO = os.path.join(harness.SOURCE_ROOT, "suites", "demo")
SIM = "--engine sim --samples 20 --seed 1 --sim-profile " + os.path.join(DEMO, "%s")


def has_baseline():
    return harness.parity(["baseline", "--help"]).rc == 0


class Base(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if cirun is None:
            raise unittest.SkipTest("no yaml module: " + WHY)
        cls.tmp = tempfile.mkdtemp(prefix="parity-ci-")
        cls.base = os.path.join(cls.tmp, "base-run")
        r = harness.parity(["run", os.path.join(DEMO, "demo.json")] +
                           (SIM % "sim-v1.json").split() + ["--run-dir", cls.base, "--quiet"])
        assert r.rc == 0, r.describe()
        # parity from the build under test, first on PATH (install: false).
        cls.env = {k: v for k, v in os.environ.items() if k not in harness.SCRUB_ENV}
        cls.env["PATH"] = os.path.dirname(os.path.abspath(harness.PARITY)) + os.pathsep + \
            cls.env.get("PATH", "")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def workspace(self):
        return tempfile.mkdtemp(prefix="ws-", dir=self.tmp)


class GitHubAction(Base):
    def action(self, **inputs):
        inputs.setdefault("install", "false")
        inputs.setdefault("suite", os.path.join(DEMO, "demo.json"))
        run = cirun.ActionRun(ACTION, inputs, self.workspace(), self.env)
        outputs = run.run()
        return run, outputs

    def test_regression_fails_the_gate_and_is_published(self):
        run, out = self.action(**{"run-args": SIM % "sim-v2.json", "base-run": self.base,
                                  "fail-on": "all"})
        self.assertEqual(run.failed, ("verdict", 1), run.describe())
        self.assertEqual(out["exit-code"], "1", run.describe())
        self.assertEqual(out["diff-dir"], os.path.join(run.workspace, "parity-out", "diff"))
        with open(os.path.join(out["diff-dir"], "report.md"), encoding="utf-8") as f:
            self.assertEqual(run.summary, f.read())
        self.assertIn("| regression | **FAIL** |", run.summary)
        self.assertEqual(out["junit"], os.path.join(out["diff-dir"], "junit.xml"))
        with open(out["junit"], encoding="utf-8") as f:
            self.assertRegex(f.read(), r'<testsuites[^>]* failures="[1-9]')
        # upload-artifact (if: always()) would get the out folder, which holds both.
        (uses, with_), = run.uses
        self.assertTrue(uses.startswith("actions/upload-artifact@"), uses)
        self.assertTrue(os.path.isfile(os.path.join(with_["path"], "run", "manifest.json")))

    def test_same_model_passes(self):
        run, out = self.action(**{"run-args": SIM % "sim-v1.json", "base-run": self.base})
        self.assertIsNone(run.failed, run.describe())
        self.assertEqual(out["exit-code"], "0")
        self.assertIn("PASS", run.summary)

    def test_no_base_publishes_the_run(self):
        run, out = self.action(**{"run-args": SIM % "sim-v2.json"})
        self.assertIsNone(run.failed, run.describe())
        self.assertEqual(out["diff-dir"], "")
        self.assertEqual(out["report"], os.path.join(out["run-dir"], "report.md"))
        with open(out["report"], encoding="utf-8") as f:
            self.assertEqual(run.summary, f.read())

    def test_input_error_is_no_pass(self):
        run, out = self.action(suite=os.path.join(self.tmp, "missing.json"),
                               **{"run-args": SIM % "sim-v1.json", "base-run": self.base})
        self.assertEqual(run.failed, ("verdict", 2), run.describe())
        self.assertEqual((out["report"], out["junit"]), ("", ""))
        self.assertIn("parity: no report", run.summary)

    def test_history_without_baseline_support_fails_closed(self):
        if has_baseline():
            self.skipTest("this parity has parity baseline")
        run, out = self.action(history=os.path.join(self.tmp, "h.db"),
                               **{"run-args": SIM % "sim-v1.json"})
        self.assertEqual(run.failed, ("verdict", 2), run.describe())
        self.assertIn("has no history", run.describe())

    def test_baseline_blessed_then_gates(self):
        if not has_baseline():
            self.skipTest("parity baseline is not in this build (issue 16 item 2)")
        db = os.path.join(self.tmp, "history.db")
        run, out = self.action(history=db, **{"run-args": SIM % "sim-v1.json",
                                              "set-baseline": "true"})
        self.assertIsNone(run.failed, run.describe())
        run, out = self.action(history=db, **{"run-args": SIM % "sim-v2.json",
                                              "fail-on": "all"})
        self.assertEqual(run.failed, ("verdict", 1), run.describe())
        self.assertIn("| regression | **FAIL** |", run.summary)

    def test_install_step_is_not_run_here(self):
        # The install step builds from github.action_path with meson; here its
        # install: false branch finds parity on PATH, and fails closed without it.
        env = dict(self.env, PATH="/usr/bin:/bin")
        run = cirun.ActionRun(ACTION, {"install": "false", "suite": "x.json"}, self.workspace(),
                              env)
        run.run()
        self.assertEqual(run.failed, ("install", 2), run.describe())


class GitLabTemplate(Base):
    def job(self, **variables):
        ws = self.workspace()
        variables.setdefault("PARITY_SUITE", os.path.join(DEMO, "demo.json"))
        rc, log, job = cirun.gitlab_script(GITLAB, ".parity", variables, ws, self.env)
        return rc, log, ws, job

    def test_regression_fails_and_junit_is_the_report(self):
        rc, log, ws, job = self.job(PARITY_RUN_ARGS=SIM % "sim-v2.json",
                                    PARITY_BASE_RUN=self.base, PARITY_FAIL_ON="all")
        self.assertEqual(rc, 1, log)
        self.assertEqual(job["artifacts"]["reports"]["junit"], "parity-out/junit.xml")
        self.assertEqual(job["artifacts"]["when"], "always")
        out = os.path.join(ws, "parity-out")
        with open(os.path.join(out, "junit.xml"), encoding="utf-8") as f:
            self.assertRegex(f.read(), r'<testsuites[^>]* failures="[1-9]')
        with open(os.path.join(out, "report.md"), encoding="utf-8") as f:
            self.assertIn(f.read().splitlines()[0], log)
        self.assertIn("section_start:", log)

    def test_same_model_passes(self):
        rc, log, _, _ = self.job(PARITY_RUN_ARGS=SIM % "sim-v1.json", PARITY_BASE_RUN=self.base)
        self.assertEqual(rc, 0, log)
        self.assertIn("parity: pass", log)

    def test_missing_suite_and_variable(self):
        rc, log, ws, _ = self.job(PARITY_SUITE=os.path.join(self.tmp, "missing.json"),
                                  PARITY_RUN_ARGS=SIM % "sim-v1.json")
        self.assertEqual(rc, 2, log)
        self.assertFalse(os.path.exists(os.path.join(ws, "parity-out", "junit.xml")))
        rc, log, _, _ = self.job(PARITY_SUITE="")
        self.assertEqual(rc, 2, log)
        self.assertIn("set PARITY_SUITE", log)

    def test_history_without_baseline_support_fails_closed(self):
        if has_baseline():
            self.skipTest("this parity has parity baseline")
        rc, log, _, _ = self.job(PARITY_RUN_ARGS=SIM % "sim-v1.json",
                                 PARITY_HISTORY=os.path.join(self.tmp, "h.db"))
        self.assertEqual(rc, 2, log)

    def test_image_entrypoint_is_cleared(self):
        with open(GITLAB, encoding="utf-8") as f:
            job = cirun.yaml.safe_load(f)[".parity"]
        self.assertEqual(job["image"]["entrypoint"], [""])


if __name__ == "__main__":
    unittest.main(verbosity=2)
