"""Crash safety of `parity run`: kill -9 at random moments and --resume, a
torn last line, SIGINT and SIGTERM, and what --resume refuses.

Every test runs the real binary against the fixture server, slowed with
--delay-ms so that a run lasts long enough to be interrupted."""

import hashlib
import json
import os
import pty
import random
import signal
import subprocess
import tempfile
import time
import unittest

import harness
from harness import load_json

SUITE = harness.data("bias-suite.json")  # 44 cases
RULES = harness.data("bias-rules.json")
N_CASES = 44
VOLATILE = ("latency_ms", "seq", "prev", "cached", "attempts", "ttft_ms")


def read_chain(path, torn_ok=False):
    """The records of a results.jsonl whose chain verifies, and its head.
    torn_ok: a last line without its newline (a kill -9 mid-write) is left
    out instead of failing."""
    with open(path, "rb") as f:
        data = f.read()
    if torn_ok:
        data = data[:data.rfind(b"\n") + 1]
    assert not data or data.endswith(b"\n"), "results.jsonl ends in a torn line"
    head = "0" * 64
    records = []
    for i, line in enumerate(data.split(b"\n")[:-1]):
        rec = json.loads(line)
        assert rec["seq"] == i, "seq %s on line %d" % (rec["seq"], i + 1)
        assert rec["prev"] == head, "broken chain on line %d" % (i + 1)
        head = hashlib.sha256(line).hexdigest()
        records.append(rec)
    return records, head


def case_requests(fx):
    """Completion requests the fixture saw for the suite's cases (the canary
    prompts of the served-model identity are left out)."""
    prompts = {c["prompt"] for c in harness.planned_cases(SUITE).values()}
    n = 0
    for req in fx.requests():
        body = req.get("body")
        msgs = body.get("messages") if isinstance(body, dict) else None
        n += bool(msgs) and msgs[-1].get("content") in prompts
    return n


def wait_dispatching(fx, proc, least=2, timeout=20):
    """Waits until the run has case requests in flight (past its start-up)."""
    deadline = time.monotonic() + timeout * harness.SLOW
    while time.monotonic() < deadline and proc.p.poll() is None:
        if fx.stats()["in_flight"] >= least:
            return True
        time.sleep(0.01)
    return False


def comparable(records):
    """Records sorted by (case_id, sample) without timing and chain fields."""
    out = [{k: v for k, v in r.items() if k not in VOLATILE} for r in records]
    return sorted(out, key=lambda r: (r["case_id"], r["sample"]))


class Proc:
    """parity in the background, output to files, so it can be signalled."""

    def __init__(self, args, tmp):
        self.out = tempfile.NamedTemporaryFile(dir=tmp, delete=False)
        self.err = tempfile.NamedTemporaryFile(dir=tmp, delete=False)
        env = {k: v for k, v in os.environ.items() if k not in harness.SCRUB_ENV}
        self.argv = harness.WRAPPER + [harness.PARITY] + [str(a) for a in args]
        self.p = subprocess.Popen(self.argv, env=env, stdin=subprocess.DEVNULL,
                                  stdout=self.out, stderr=self.err)

    def signal(self, sig):
        self.p.send_signal(sig)

    def wait(self, timeout=120):
        rc = self.p.wait(timeout * harness.SLOW)
        self.out.close()
        self.err.close()
        with open(self.out.name, encoding="utf-8", errors="replace") as f:
            out = f.read()
        with open(self.err.name, encoding="utf-8", errors="replace") as f:
            err = f.read()
        return harness.Result(self.argv, rc, out, err)


class ResumeTest(unittest.TestCase):
    def setUp(self):
        self._tmp = tempfile.TemporaryDirectory(prefix="parity-resume-")
        self.addCleanup(self._tmp.cleanup)
        self.tmp = self._tmp.name

    def fixture(self, delay_ms):
        fx = harness.Fixture(rules=RULES, delay_ms=delay_ms)
        self.addCleanup(fx.stop)
        return fx

    def args(self, fx, *extra):
        return ["run", SUITE, "--base-url", fx.base_url, "--model", "itest-model",
                "--concurrency", "8", "--seed", "11", "--progress-interval", "0"] + list(extra)

    def run_ok(self, args):
        r = harness.parity(args)
        self.assertEqual(r.rc, 0, r.describe())
        return r

    def manifest(self, run_dir):
        return load_json(os.path.join(run_dir, "manifest.json"))

    def verifies(self, run_dir):
        r = harness.parity(["verify", run_dir])
        self.assertEqual(r.rc, 0, r.describe())

    # --- kill -9 ------------------------------------------------------------

    def test_sigkill_at_random_moments_then_resume(self):
        samples = 4
        planned = N_CASES * samples
        ref_dir = os.path.join(self.tmp, "ref")
        self.run_ok(self.args(self.fixture(0), "--samples", samples, "--run-dir", ref_dir))
        reference, _ = read_chain(os.path.join(ref_dir, "results.jsonl"))

        # 176 requests of 100 ms, 8 at a time: about 2.2 s uninterrupted.
        fx = self.fixture(100)
        run_dir = os.path.join(self.tmp, "killed")
        rng = random.Random(int(os.environ.get("PARITY_TEST_SEED", "4242")))
        kills = 0
        for attempt in range(5):
            # A kill before the folder was made leaves nothing to resume.
            where = ["--resume" if os.path.isdir(run_dir) else "--run-dir", run_dir]
            p = Proc(self.args(fx, "--samples", samples, *where), self.tmp)
            # The first kill may come at start-up; the others once requests fly.
            if attempt == 0:
                time.sleep(rng.uniform(0.01, 0.3) * harness.SLOW)
            else:
                wait_dispatching(fx, p)
                time.sleep(rng.uniform(0.02, 0.5) * harness.SLOW)
            if p.p.poll() is not None:
                r = p.wait()
                self.assertEqual(r.rc, 0, r.describe())
                break
            p.signal(signal.SIGKILL)
            r = p.wait()
            self.assertEqual(r.rc, -signal.SIGKILL, r.describe())
            kills += 1
            if os.path.exists(os.path.join(run_dir, "results.jsonl")):
                # Whatever was written so far is chained.
                read_chain(os.path.join(run_dir, "results.jsonl"), torn_ok=True)
        self.assertGreaterEqual(kills, 3)
        r = self.run_ok(self.args(fx, "--samples", samples, "--resume", run_dir))
        self.assertEqual(os.path.realpath(r.run_folder()), os.path.realpath(run_dir))

        records, head = read_chain(os.path.join(run_dir, "results.jsonl"))
        keys = [(x["case_id"], x["sample"]) for x in records]
        self.assertEqual(len(keys), planned)
        self.assertEqual(len(set(keys)), planned, "a (case_id, sample) recorded twice")
        self.assertEqual(comparable(records), comparable(reference))
        m = self.manifest(run_dir)
        self.assertEqual(m["status"], "complete")
        self.assertEqual(m["counts"]["records"], planned)
        self.assertEqual(m["results"]["chain_head"], head)
        self.assertEqual(m["results"]["records"], planned)
        # A resume killed before it rewrote the manifest leaves no trace there.
        self.assertTrue(1 <= len(m["resumes"]) <= kills, m["resumes"])
        self.verifies(run_dir)
        # At most the requests in flight at each kill were lost and re-sent.
        sent = case_requests(fx)
        self.assertLessEqual(sent, planned + kills * 8, "more requests than kills explain")

    # --- a torn last line ----------------------------------------------------

    def test_torn_last_line_is_dropped_on_resume(self):
        fx = self.fixture(0)
        run_dir = os.path.join(self.tmp, "torn")
        self.run_ok(self.args(fx, "--run-dir", run_dir))
        path = os.path.join(run_dir, "results.jsonl")
        with open(path, "rb") as f:
            lines = f.read().split(b"\n")[:-1]
        last = json.loads(lines[-1])
        with open(path, "wb") as f:
            f.write(b"\n".join(lines[:-1]) + b"\n" + lines[-1][:len(lines[-1]) // 2])
        fx.reset()
        r = self.run_ok(self.args(fx, "--resume", run_dir))
        self.assertIn("torn", r.stderr)
        records, _ = read_chain(path)
        self.assertEqual(len(records), N_CASES)
        self.assertEqual(len({(x["case_id"], x["sample"]) for x in records}), N_CASES)
        self.assertEqual((records[-1]["case_id"], records[-1]["sample"]),
                         (last["case_id"], last["sample"]))
        self.assertEqual(case_requests(fx), 1, "only the torn record is asked again")
        m = self.manifest(run_dir)
        self.assertEqual(m["status"], "complete")
        self.assertEqual(len(m["resumes"]), 1)
        self.assertGreater(m["resumes"][0]["torn_bytes"], 0)
        self.verifies(run_dir)

    def test_bad_line_before_the_last_is_refused(self):
        fx = self.fixture(0)
        run_dir = os.path.join(self.tmp, "bad")
        self.run_ok(self.args(fx, "--run-dir", run_dir))
        path = os.path.join(run_dir, "results.jsonl")
        with open(path, "rb") as f:
            lines = f.read().split(b"\n")[:-1]
        lines[3] = lines[3][:10]
        with open(path, "wb") as f:
            f.write(b"\n".join(lines) + b"\n")
        before = harness.snapshot(run_dir)
        r = harness.parity(self.args(fx, "--resume", run_dir))
        self.assertEqual(r.rc, 2, r.describe())
        self.assertIn("line 4", r.stderr)
        self.assertEqual(harness.snapshot(run_dir), before, "a refused resume changes nothing")

    # --- signals -------------------------------------------------------------

    def interrupt(self, sig, want_rc, name):
        fx = self.fixture(300)  # 176 requests: about 7 s uninterrupted
        run_dir = os.path.join(self.tmp, name)
        p = Proc(self.args(fx, "--samples", 4, "--run-dir", run_dir), self.tmp)
        self.assertTrue(wait_dispatching(fx, p))
        time.sleep(0.7 * harness.SLOW)
        t0 = time.monotonic()
        p.signal(sig)
        r = p.wait()
        self.assertEqual(r.rc, want_rc, r.describe())
        self.assertLess(time.monotonic() - t0, 3 * harness.SLOW, "in-flight wait is bounded")
        self.assertIn("interrupted", r.stderr)
        self.assertEqual(os.path.realpath(r.run_folder()), os.path.realpath(run_dir))
        records, head = read_chain(os.path.join(run_dir, "results.jsonl"))
        self.assertGreater(len(records), 0)
        self.assertLess(len(records), N_CASES * 4)
        m = self.manifest(run_dir)
        self.assertEqual(m["status"], "interrupted")
        self.assertEqual(m["interrupted_by"], name)
        self.assertEqual(m["counts"]["records"], len(records))
        self.assertEqual(m["results"]["chain_head"], head)
        # Requests in flight were let finish: every request sent has a record.
        self.assertEqual(case_requests(fx), len(records))
        return fx, run_dir

    def test_sigint_stops_cleanly_and_resume_completes(self):
        fx, run_dir = self.interrupt(signal.SIGINT, 130, "SIGINT")
        fast = self.fixture(0)
        self.run_ok(self.args(fast, "--samples", 4, "--resume", run_dir))
        records, _ = read_chain(os.path.join(run_dir, "results.jsonl"))
        self.assertEqual(len({(x["case_id"], x["sample"]) for x in records}), N_CASES * 4)
        self.assertEqual(len(records), N_CASES * 4)
        self.assertEqual(self.manifest(run_dir)["status"], "complete")

    def test_sigterm_exits_143(self):
        self.interrupt(signal.SIGTERM, 143, "SIGTERM")

    def slow_suite(self, ms):
        """A suite whose every case makes the fixture sleep ms milliseconds."""
        path = os.path.join(self.tmp, "slow-suite.json")
        groups = {"man": {"person": "man"}, "woman": {"person": "woman"}}
        suite = {"parity_suite": 1, "id": "itest-slow", "version": "1.0.0",
                 "axes": {"gender": {"reference": "man", "groups": groups}},
                 "scorers": {"yes": {"type": "regex", "pattern": "^\\W*yes\\b", "flags": "i"}},
                 "items": [{"id": "q%02d" % i, "axes": ["gender"], "outcome": "yes",
                            "prompt": "Question %d about a {person}. [[sleep:%d]]" % (i, ms)}
                           for i in range(10)]}
        with open(path, "w", encoding="utf-8") as f:
            json.dump(suite, f)
        return path

    def test_second_sigint_aborts_at_once(self):
        fx = self.fixture(0)
        run_dir = os.path.join(self.tmp, "abort")
        args = self.args(fx, "--samples", 2, "--run-dir", run_dir)
        args[1] = self.slow_suite(3000)  # every request outlives the test's patience
        p = Proc(args, self.tmp)
        self.assertTrue(wait_dispatching(fx, p, least=8))
        p.signal(signal.SIGINT)
        time.sleep(0.3 * harness.SLOW)
        t0 = time.monotonic()
        p.signal(signal.SIGINT)
        r = p.wait()
        self.assertEqual(r.rc, 130, r.describe())
        self.assertLess(time.monotonic() - t0, 1.5 * harness.SLOW, "the second SIGINT waits")
        self.assertIn("abort", r.stderr)
        records, head = read_chain(os.path.join(run_dir, "results.jsonl"))
        m = self.manifest(run_dir)
        self.assertEqual(m["status"], "interrupted")
        self.assertEqual(m["counts"]["records"], len(records))
        self.assertEqual(m["results"]["chain_head"], head)

    # --- what --resume refuses -------------------------------------------------

    def test_resume_refuses_other_settings_or_suite(self):
        fx = self.fixture(0)
        run_dir = os.path.join(self.tmp, "settings")
        self.run_ok(self.args(fx, "--run-dir", run_dir, "--temperature", "0.5"))
        before = harness.snapshot(run_dir)
        cases = [
            (["--temperature", "0.7"], "temperature"),
            (["--temperature", "0.5", "--samples", "2"], "samples"),
            (["--temperature", "0.5", "--model", "other"], "model"),
            (["--temperature", "0.5", "--shard", "0/2"], "shard"),
        ]
        for extra, word in cases:
            r = harness.parity(self.args(fx, "--resume", run_dir, *extra))
            self.assertEqual(r.rc, 2, r.describe())
            self.assertIn(word, r.stderr)
            self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.describe())
        other = harness.data("fault-suite.json")
        r = harness.parity(["run", other, "--base-url", fx.base_url, "--model", "itest-model",
                            "--seed", "11", "--temperature", "0.5", "--resume", run_dir])
        self.assertEqual(r.rc, 2, r.describe())
        self.assertIn("sha256", r.stderr)
        r = harness.parity(self.args(fx, "--resume", run_dir, "--run-dir", run_dir))
        self.assertEqual(r.rc, 2, r.describe())
        self.assertEqual(harness.snapshot(run_dir), before, "a refused resume changes nothing")
        # Operational options may change; a complete run has nothing left to do.
        fx.reset()
        self.run_ok(self.args(fx, "--resume", run_dir, "--temperature", "0.5",
                              "--concurrency", "2", "--timeout", "30"))
        self.assertEqual(case_requests(fx), 0)

    def test_folder_killed_before_its_manifest_starts_afresh(self):
        fx = self.fixture(0)
        run_dir = os.path.join(self.tmp, "early")
        os.makedirs(os.path.join(run_dir, "suite"))
        r = self.run_ok(self.args(fx, "--resume", run_dir))
        self.assertIn("afresh", r.stderr)
        records, _ = read_chain(os.path.join(run_dir, "results.jsonl"))
        self.assertEqual(len(records), N_CASES)


class ProgressTest(unittest.TestCase):
    """The progress report on stderr: periodic lines, a redrawn terminal
    line, --verbose failures, --quiet silence."""

    def setUp(self):
        self._tmp = tempfile.TemporaryDirectory(prefix="parity-progress-")
        self.addCleanup(self._tmp.cleanup)
        self.tmp = self._tmp.name
        self.fx = harness.Fixture(rules=RULES, delay_ms=20)
        self.addCleanup(self.fx.stop)
        # 20 cases, two of which the fixture refuses (HTTP 400: not retried).
        groups = {"man": {"person": "man"}, "woman": {"person": "woman"}}
        suite = {"parity_suite": 1, "id": "itest-progress", "version": "1.0.0",
                 "axes": {"gender": {"reference": "man", "groups": groups}},
                 "scorers": {"yes": {"type": "regex", "pattern": "^\\W*yes\\b", "flags": "i"}},
                 "items": [{"id": "q%02d" % i, "axes": ["gender"], "outcome": "yes",
                            "prompt": "Question %d about a {person}.%s"
                                      % (i, " [[status:400]]" if i == 3 else "")}
                           for i in range(10)]}
        self.suite = os.path.join(self.tmp, "suite.json")
        with open(self.suite, "w", encoding="utf-8") as f:
            json.dump(suite, f)

    def args(self, name, *extra):
        # Some cases fail on purpose: --max-error-rate 1 keeps the run complete.
        return ["run", self.suite, "--base-url", self.fx.base_url, "--concurrency", "2",
                "--samples", "3", "--max-error-rate", "1",
                "--run-dir", os.path.join(self.tmp, name)] + list(extra)

    def test_plain_lines_and_verbose_failures(self):
        r = harness.parity(self.args("plain", "--progress-interval", "0.1", "--verbose"))
        self.assertEqual(r.rc, 0, r.describe())
        lines = r.stderr.splitlines()
        progress = [x for x in lines if x.startswith("parity: ") and "/60 (" in x]
        self.assertGreaterEqual(len(progress), 2, r.stderr)
        self.assertIn("in flight", progress[0])
        self.assertIn("ETA", progress[0])
        failed = [x for x in lines if " sample " in x and "http 400" in x]
        self.assertEqual(len(failed), 6, r.stderr)  # 2 cases x 3 samples
        self.assertNotIn("\r", r.stderr)

    def test_quiet_prints_only_the_run_folder(self):
        r = harness.parity(self.args("quiet", "--progress-interval", "0.1", "--quiet"))
        self.assertEqual(r.rc, 0, r.describe())
        self.assertEqual(r.stderr, "")
        self.assertEqual(r.stdout.strip().splitlines(),
                         ["run folder: " + os.path.join(self.tmp, "quiet")])

    def test_terminal_line_is_redrawn(self):
        master, slave = pty.openpty()
        env = {k: v for k, v in os.environ.items() if k not in harness.SCRUB_ENV}
        p = subprocess.Popen(harness.WRAPPER + [harness.PARITY] + self.args("tty"),
                             stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                             stderr=slave, env=env)
        os.close(slave)
        out = b""
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
        self.assertEqual(p.wait(60 * harness.SLOW), 0, out)
        os.close(master)
        text = out.decode("utf-8", "replace")
        self.assertIn("\r\x1b[K", text)
        self.assertRegex(text, r"\d+/60 [\d.]+%")


if __name__ == "__main__":
    unittest.main(verbosity=2)
