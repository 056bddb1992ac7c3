"""Several --base-url (docs/engines.md, "Several base URLs") against
fixture servers of different speeds: the faster takes more of the requests
(peak-EWMA: expected wait), a dead one is benched behind its circuit and
the run completes, one that dies mid-run is benched and its cases go to
the other, two that serve different models are refused before any case is
sent, and the manifest's "endpoints" counts agree with what each server
received."""

import math
import os
import sys
import tempfile
import threading
import time
import unittest

import harness
from harness import load_json, load_jsonl

BIAS = harness.data("bias-suite.json")
N_BIAS = 44


class EndpointTest(unittest.TestCase):
    def setUp(self):
        self._tmp = tempfile.TemporaryDirectory(prefix="parity-endpoints-")
        self.fixtures = []

    def tearDown(self):
        for fx in self.fixtures:
            fx.stop()
        self._tmp.cleanup()

    def fixture(self, **kw):
        fx = harness.Fixture(**kw)
        self.fixtures.append(fx)
        return fx

    def run_dir(self, name):
        return os.path.join(self._tmp.name, name)

    def run_ok(self, name, urls, *args, samples=1):
        d = self.run_dir(name)
        argv = ["run", BIAS, "--model", "m", "--quiet", "--run-dir", d,
                "--samples", str(samples)]
        for u in urls:
            argv += ["--base-url", u]
        t0 = time.monotonic()
        r = harness.parity(argv + list(args), timeout=120)
        self.wall = time.monotonic() - t0
        self.assertEqual(r.rc, 0, r.describe())
        recs = load_jsonl(os.path.join(d, "results.jsonl"))
        self.assertEqual(len(recs), N_BIAS * samples)
        for rec in recs:
            self.assertIsNone(rec["error"], rec)
        return load_json(os.path.join(d, "manifest.json"))

    def shares(self, manifest, fixtures):
        """Each endpoint's manifest entry, checked against its server."""
        eps = manifest["endpoints"]
        self.assertEqual([e["base_url"] for e in eps], [fx.base_url for fx in fixtures])
        for e, fx in zip(eps, fixtures):
            self.assertEqual(e["attempts"], fx.stats()["requests"], e)
            self.assertEqual(e["answers"] + e["failures"], e["attempts"], e)
        return eps

    def check_faster_gets_more(self, concurrency):
        # The slower listed first: the order must not decide.
        slow, fast = self.fixture(delay_ms=80), self.fixture(delay_ms=20)
        m = self.run_ok("c%d" % concurrency, [slow.base_url, fast.base_url],
                        "--concurrency", str(concurrency), "--no-fingerprint", samples=2)
        es, ef = self.shares(m, [slow, fast])
        sys.stderr.write("c=%d: fast %d, slow %d requests (%.1fx), %.2f s\n" % (
            concurrency, ef["attempts"], es["attempts"],
            ef["attempts"] / max(es["attempts"], 1), self.wall))
        self.assertEqual(es["attempts"] + ef["attempts"], 2 * N_BIAS)
        self.assertGreaterEqual(ef["attempts"], 1.5 * es["attempts"], (ef, es))
        self.assertGreater(harness.number(es["latency_ms_mean"]),
                           harness.number(ef["latency_ms_mean"]))
        return es, ef

    def test_faster_gets_more_one_at_a_time(self):
        es, ef = self.check_faster_gets_more(1)
        # One in flight: the slow one is tried as an untried endpoint, when
        # its estimate has decayed (10 s) or a slow answer of the fast one
        # raised its peak; the fast one takes nearly all.
        self.assertGreaterEqual(ef["attempts"], 0.8 * 2 * N_BIAS, (ef, es))

    def test_faster_gets_more_at_concurrency_4(self):
        self.check_faster_gets_more(4)

    def test_equal_servers_share(self):
        a, b = self.fixture(delay_ms=30), self.fixture(delay_ms=30)
        m = self.run_ok("equal", [a.base_url, b.base_url], "--concurrency", "8",
                        "--no-fingerprint", samples=2)
        ea, eb = self.shares(m, [a, b])
        self.assertGreaterEqual(min(ea["attempts"], eb["attempts"]), N_BIAS // 2, (ea, eb))

    def test_dead_endpoint_is_benched(self):
        live = self.fixture(delay_ms=10)
        dead = "http://127.0.0.1:%d/v1" % harness.free_port()
        m = self.run_ok("dead", [dead, live.base_url], "--concurrency", "8", "--retries", "4",
                        "--no-fingerprint", samples=3)
        ed, el = m["endpoints"]
        sys.stderr.write("dead: %d attempts in %.2f s\n" % (ed["attempts"], self.wall))
        self.assertEqual(ed["base_url"], dead)
        self.assertEqual(ed["answers"], 0)
        self.assertEqual(ed["failures"], ed["attempts"])
        # Half-open at the start (one probe), then one probe per reopening:
        # after 1, 2, 4... s open, so at most 1 + log2(wall + 1) attempts,
        # far under the run's breaker (16 + 2 x 8).
        bound = 1 + math.floor(math.log2(self.wall + 1)) + 1
        self.assertGreaterEqual(ed["attempts"], 1)
        self.assertLessEqual(ed["attempts"], bound, (ed, self.wall))
        self.assertEqual(ed["circuit_opened"], ed["attempts"])
        self.assertEqual(el["attempts"], live.stats()["requests"])
        self.assertEqual(el["answers"], 3 * N_BIAS)

    def test_endpoint_dying_mid_run(self):
        a, b = self.fixture(delay_ms=25), self.fixture(delay_ms=25)
        timer = threading.Timer(0.6 * harness.SLOW, a.stop)
        timer.start()
        try:
            m = self.run_ok("dies", [a.base_url, b.base_url], "--concurrency", "4",
                            "--retries", "4", "--no-fingerprint", samples=4)
        finally:
            timer.cancel()
            timer.join()
        self.assertEqual(a.proc.poll() is not None, True, "the server was not stopped mid-run")
        ea, eb = m["endpoints"]
        sys.stderr.write("dies: %s / %s in %.2f s\n" % (ea, eb, self.wall))
        self.assertGreater(ea["answers"], 0, ea)          # it served before it died
        self.assertGreater(ea["failures"], 0, ea)         # and failed after
        self.assertGreaterEqual(ea["circuit_opened"], 1, ea)
        self.assertLessEqual(ea["failures"], 4 + 1 + math.ceil(math.log2(self.wall + 1)), ea)
        self.assertEqual(ea["answers"] + eb["answers"], 4 * N_BIAS)
        self.assertEqual(eb["failures"], 0, eb)

    def test_all_endpoints_dying_stop_the_run(self):
        # Circuits space the attempts out: the run's breaker must still end
        # a run whose every server has gone, within seconds, as incomplete.
        a, b = self.fixture(delay_ms=25), self.fixture(delay_ms=25)
        d = self.run_dir("gone")
        timers = [threading.Timer(0.5 * harness.SLOW, fx.stop) for fx in (a, b)]
        for t in timers:
            t.start()
        t0 = time.monotonic()
        try:
            r = harness.parity(["run", BIAS, "--model", "m", "--quiet", "--run-dir", d,
                                "--samples", "20", "--concurrency", "4", "--retries", "8",
                                "--no-fingerprint", "--base-url", a.base_url,
                                "--base-url", b.base_url], timeout=120)
        finally:
            for t in timers:
                t.cancel()
                t.join()
        wall = time.monotonic() - t0
        self.assertEqual(r.rc, 3, r.describe())
        self.assertLess(wall, 0.5 * harness.SLOW + 15, r.describe())
        m = load_json(os.path.join(d, "manifest.json"))
        self.assertEqual(m["status"], "incomplete")
        self.assertIn("curl", m["error_budget"]["stopped_by"])
        for e in m["endpoints"]:
            self.assertGreaterEqual(e["circuit_opened"], 3, e)
        sys.stderr.write("gone: stopped after %.2f s, %s\n" % (
            wall, [(e["attempts"], e["failures"]) for e in m["endpoints"]]))

    def test_different_models_are_refused(self):
        a = self.fixture()
        b = self.fixture(reported_model="another-model")
        d = self.run_dir("mixed")
        r = harness.parity(["run", BIAS, "--model", "m", "--run-dir", d,
                            "--base-url", a.base_url, "--base-url", b.base_url], timeout=60)
        self.assertEqual(r.rc, 2, r.describe())
        line = [ln for ln in r.stderr.splitlines() if "serves" in ln]
        self.assertEqual(len(line), 1, r.stderr)
        self.assertIn("'%s' serves 'm'" % a.base_url, line[0])
        self.assertIn("'%s' serves 'another-model'" % b.base_url, line[0])
        self.assertIn("fingerprint.model", line[0])
        self.assertFalse(os.path.exists(d), "a refused run left a folder")
        self.assertEqual(a.stats()["requests"] + b.stats()["requests"], 0)

    def test_identities_per_endpoint(self):
        a, b = self.fixture(), self.fixture()
        m = self.run_ok("ids", [a.base_url, b.base_url], "--concurrency", "4")
        eps = self.shares(m, [a, b])
        for e, fx in zip(eps, (a, b)):
            self.assertEqual(e["identity"]["base_url"], fx.base_url)
            self.assertEqual(e["identity"]["fingerprint"]["model"], "m")
        self.assertEqual(m["engine"]["identity"], eps[0]["identity"])
        v = harness.parity(["verify", self.run_dir("ids")])
        self.assertEqual(v.rc, 0, v.describe())

    def test_one_base_url_is_counted(self):
        a = self.fixture()
        m = self.run_ok("one", [a.base_url], "--no-fingerprint")
        [e] = self.shares(m, [a])
        self.assertEqual(e["answers"], N_BIAS)
        self.assertEqual(e["circuit_opened"], 0)
        self.assertEqual(e["identity"], m["engine"]["identity"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
