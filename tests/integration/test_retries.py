"""The scheduler's retries and limits against the fixture server's counted
faults (tests/fixture/server.py): 429 with Retry-After (seconds and
HTTP-date) waits at least that long, 5xx and timeouts and resets are
retried, 400/404/422 never are, every attempt is in the record; --rpm paces
requests (measured on the server's clock); several --base-url share the
load and one that is down is benched."""

import os
import resource
import tempfile
import time
import unittest

import harness
from harness import load_json, load_jsonl

SUITE = harness.data("retry-suite.json")
BIAS = harness.data("bias-suite.json")
N_BIAS = 44


def records(run_dir):
    return load_jsonl(os.path.join(run_dir, "results.jsonl"))


class RetryTest(unittest.TestCase):
    """One run over retry-suite.json: one item per kind of fault."""

    @classmethod
    def setUpClass(cls):
        cls._tmp = tempfile.TemporaryDirectory(prefix="parity-retries-")
        cls.run_dir = os.path.join(cls._tmp.name, "run")
        cls.fx = harness.Fixture()
        try:
            t0 = time.monotonic()
            cls.result = harness.parity(
                ["run", SUITE, "--base-url", cls.fx.base_url, "--model", "m", "--retries", "2",
                 "--timeout", "1", "--concurrency", "4", "--no-fingerprint",
                 "--retry-max-time", "20", "--max-error-rate", "1",
                 "--run-dir", cls.run_dir, "--quiet"], timeout=60)
            cls.elapsed = time.monotonic() - t0
            cls.log = cls.fx.requests()
        finally:
            cls.fx.stop()

    @classmethod
    def tearDownClass(cls):
        cls._tmp.cleanup()

    def rec(self, item):
        self.assertEqual(self.result.rc, 0, self.result.describe())
        [r] = [r for r in records(self.run_dir) if r["item_id"] == item]
        return r

    def statuses(self, item):
        return [a["status"] for a in self.rec(item)["attempts"]]

    def arrivals(self, item):
        """Server-side arrival times of the item's requests."""
        return sorted(q["t"] for q in self.log
                      if item in q["body"]["messages"][-1]["content"])

    def assertSucceeded(self, item):
        r = self.rec(item)
        self.assertIsNone(r["error"], item)
        self.assertEqual(r["response"], "Yes.", item)
        self.assertEqual(r["http_status"], 200, item)
        self.assertEqual(r["scores"], {"invited": True}, item)

    def test_every_case_has_one_record(self):
        self.assertEqual(self.result.rc, 0, self.result.describe())
        ids = [r["item_id"] for r in records(self.run_dir)]
        self.assertEqual(sorted(ids), sorted(i["id"] for i in load_json(SUITE)["items"]))
        self.assertLess(self.elapsed, 40)

    def test_retry_after_seconds_is_honoured(self):
        self.assertSucceeded("retry-after")
        self.assertEqual(self.statuses("retry-after"), [429, 200])
        t = self.arrivals("[[retry-after:2]]")
        self.assertEqual(len(t), 2)
        self.assertGreaterEqual(t[1] - t[0], 1.95, "retried before Retry-After: 2")

    def test_retry_after_http_date_is_honoured(self):
        self.assertSucceeded("retry-after-date")
        self.assertEqual(self.statuses("retry-after-date"), [429, 200])
        t = self.arrivals("[[retry-after-date:3]]")
        # An HTTP-date has whole seconds: 3 s ahead is at least 2 s ahead.
        self.assertGreaterEqual(t[1] - t[0], 1.95, "retried before the Retry-After date")

    def test_retry_after_past_the_time_cap_gives_up(self):
        r = self.rec("retry-after-long")
        self.assertEqual(self.statuses("retry-after-long"), [429])
        self.assertEqual(r["http_status"], 429)
        self.assertIn("http 429", r["error"])

    def test_5xx_retried_until_success(self):
        self.assertSucceeded("fail-503")
        self.assertEqual(self.statuses("fail-503"), [503, 503, 200])

    def test_5xx_retried_up_to_the_limit(self):
        r = self.rec("status-500")
        self.assertEqual(self.statuses("status-500"), [500, 500, 500])
        self.assertEqual(r["http_status"], 500)
        self.assertIn("http 500", r["error"])
        self.assertIsNone(r["response"])
        for a in r["attempts"]:
            self.assertIn("fixture error 500", a["error"])
            self.assertGreaterEqual(a["ms"], 0)

    def test_client_errors_are_never_retried(self):
        for status in (400, 404, 422):
            r = self.rec("status-%d" % status)
            self.assertEqual(self.statuses("status-%d" % status), [status])
            self.assertEqual(r["http_status"], status)
            self.assertEqual(len(self.arrivals("[[status:%d]]" % status)), 1)

    def test_timeout_is_retried(self):
        self.assertSucceeded("timeout")
        r = self.rec("timeout")
        self.assertEqual(self.statuses("timeout"), [0, 200])
        self.assertIn("Timeout", r["attempts"][0]["error"])

    def test_reset_is_retried(self):
        self.assertSucceeded("reset")
        attempts = self.rec("reset")["attempts"]
        self.assertEqual(len(attempts), 2)
        # formats.md: a reset after the headers keeps their status, with an error.
        self.assertEqual(attempts[0]["status"], 200)
        self.assertIn("curl:", attempts[0]["error"])
        self.assertEqual((attempts[1]["status"], attempts[1]["error"]), (200, None))
        self.assertEqual(len(self.arrivals("[[reset-first:1]]")), 2)

    def test_manifest_counts(self):
        m = load_json(os.path.join(self.run_dir, "manifest.json"))
        self.assertEqual({k: m["counts"][k] for k in ("planned", "records", "errors")},
                         {"planned": 11, "records": 11, "errors": 5})
        self.assertEqual(m["parameters"]["retries"], 2)


class LimitTest(unittest.TestCase):
    def setUp(self):
        self._tmp = tempfile.TemporaryDirectory(prefix="parity-limits-")
        self.addCleanup(self._tmp.cleanup)

    def fixture(self, **kw):
        fx = harness.Fixture(**kw)
        self.addCleanup(fx.stop)
        return fx

    def run_ok(self, name, *args):
        run_dir = os.path.join(self._tmp.name, name)
        r = harness.parity(["run", BIAS, "--model", "m", "--no-fingerprint", "--quiet",
                            "--run-dir", run_dir] + list(args), timeout=60)
        self.assertEqual(r.rc, 0, r.describe())
        recs = records(run_dir)
        self.assertEqual(len(recs), N_BIAS)
        for rec in recs:
            self.assertIsNone(rec["error"], rec)
        return recs

    def test_rpm_paces_requests(self):
        fx = self.fixture()
        n = 14
        suite = os.path.join(self._tmp.name, "small.json")
        with open(suite, "w") as f:
            f.write('{"parity_suite": 1, "id": "rpm", "version": "1", "scorers": {"y": '
                    '{"type": "regex", "pattern": "yes", "flags": "i"}}, "items": [{"id": '
                    '"one", "outcome": "y", "prompt": "Yes?"}]}')
        run_dir = os.path.join(self._tmp.name, "rpm")
        t0 = time.monotonic()
        r = harness.parity(["run", suite, "--base-url", fx.base_url, "--model", "m",
                            "--rpm", "120", "--concurrency", "8", "--samples", n,
                            "--no-fingerprint", "--quiet", "--run-dir", run_dir], timeout=60)
        self.assertEqual(r.rc, 0, r.describe())
        self.assertEqual(len(records(run_dir)), n)
        t = sorted(q["t"] for q in fx.requests())
        self.assertEqual(len(t), n)
        # 2 a second, with at most a second's worth (2) at once at the start.
        for i in range(len(t)):
            window = [x for x in t if t[i] <= x < t[i] + 1.0]
            if t[i] - t[0] >= 1.0:
                self.assertLessEqual(len(window), 3, "more than ~2 requests/s: %s" % t)
        self.assertGreaterEqual(t[-1] - t[0], (n - 2) / 2.0 - 0.6, t)
        self.assertGreaterEqual(time.monotonic() - t0, (n - 2) / 2.0 - 0.6)

    @unittest.skipIf(harness.WRAPPER, "CPU time is not comparable under a wrapper")
    def test_waiting_for_answers_does_not_spin(self):
        # Every slot busy with a slow answer: the scheduler must sleep in
        # epoll until a socket acts. It once spun on a zero timeout (20
        # epoll_wait calls a request), burning a core for the whole run.
        fx = self.fixture(delay_ms=250)
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.monotonic()
        self.run_ok("slow", "--base-url", fx.base_url, "--concurrency", "4")
        wall = time.monotonic() - t0
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
        self.assertGreater(wall, N_BIAS / 4 * 0.25 * 0.9)
        self.assertLess(cpu, 0.25 * wall, "parity used %.2f s of CPU in %.2f s" % (cpu, wall))

    def test_two_base_urls_share_the_load(self):
        a, b = self.fixture(delay_ms=40), self.fixture(delay_ms=40)
        self.run_ok("two", "--base-url", a.base_url, "--base-url", b.base_url,
                    "--concurrency", "8")
        na, nb = a.stats()["requests"], b.stats()["requests"]
        self.assertEqual(na + nb, N_BIAS)
        self.assertGreaterEqual(min(na, nb), N_BIAS // 4, (na, nb))

    def test_a_down_base_url_is_benched(self):
        live = self.fixture(delay_ms=20)
        down = "http://127.0.0.1:%d/v1" % harness.free_port()
        recs = self.run_ok("down", "--base-url", down, "--base-url", live.base_url,
                           "--concurrency", "4", "--retries", "4")
        self.assertEqual(live.stats()["requests"], N_BIAS)
        failed = sum(1 for rec in recs for a in rec["attempts"] if a["status"] == 0)
        # Every failed attempt went to the down server; benching keeps them few.
        self.assertLess(failed, N_BIAS // 2, "the down server was not benched: %d" % failed)
        for rec in recs:
            self.assertEqual(rec["attempts"][-1]["status"], 200)


if __name__ == "__main__":
    unittest.main(verbosity=2)
