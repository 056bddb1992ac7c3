"""Hostile and private networks (issue 14, items 5 and 8): TLS with a private
CA, --insecure said out loud and recorded, the TLS session recorded in the
served-model identity. Each test fails on the code before its change."""

import os
import resource
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest

import harness
from test_hardening import ITEM, Base

OPENSSL = shutil.which("openssl")
CA_VARS = ("CURL_CA_BUNDLE", "SSL_CERT_FILE", "SSL_CERT_DIR")


def openssl(*args, cwd):
    subprocess.run([OPENSSL, *args], cwd=cwd, check=True, stdin=subprocess.DEVNULL,
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=60)


def make_pki(d):
    """A private CA (ca.pem) and a certificate for 127.0.0.1 it signed
    (srv.pem, srv.key); EC keys, so it takes milliseconds."""
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    openssl("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
            "-subj", "/CN=parity test CA", "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=d)
    openssl("req", *ec, "-keyout", "srv.key", "-out", "srv.csr", "-subj", "/CN=127.0.0.1", cwd=d)
    with open(os.path.join(d, "ext.cnf"), "w") as f:
        f.write("subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n")
    openssl("x509", "-req", "-in", "srv.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
            "-CAcreateserial", "-out", "srv.pem", "-days", "2", "-extfile", "ext.cnf", cwd=d)


def fingerprint(pem):
    """`openssl x509 -fingerprint -sha256` as lowercase hex without colons."""
    out = subprocess.run([OPENSSL, "x509", "-noout", "-fingerprint", "-sha256", "-in", pem],
                         check=True, capture_output=True, text=True).stdout
    return out.strip().split("=", 1)[1].replace(":", "").lower()


@unittest.skipUnless(OPENSSL, "the openssl command is not installed")
class TLSTest(Base):
    @classmethod
    def setUpClass(cls):
        cls._pki = tempfile.TemporaryDirectory(prefix="parity-pki-")
        cls.pki = cls._pki.name
        make_pki(cls.pki)
        cls.ca = os.path.join(cls.pki, "ca.pem")
        cls.fx = harness.Fixture(extra=("--tls-cert", os.path.join(cls.pki, "srv.pem"),
                                        "--tls-key", os.path.join(cls.pki, "srv.key")))
        cls.url = "https://127.0.0.1:%d/v1" % cls.fx.port

    @classmethod
    def tearDownClass(cls):
        cls.fx.stop()
        cls._pki.cleanup()

    def run_tls(self, *args, env=None, name="run"):
        suite = self.suite("s/suite.json", items=[ITEM])
        run = os.path.join(self.tmp, name)
        # No CA variable of the caller's leaks in, unless the test sets it.
        full = {v: "" for v in CA_VARS}
        full.update(env or {})
        r = harness.parity(["run", suite, "--base-url", self.url, "--model", "m",
                            "--run-dir", run, *args], env=full, timeout=60)
        return r, run

    def assert_trusted(self, r, run):
        self.assertEqual(r.rc, 0, r.describe())
        m = harness.load_json(os.path.join(run, "manifest.json"))
        tls = m["engine"]["identity"]["tls"]
        self.assertEqual(tls["peer_cert_sha256"], fingerprint(os.path.join(self.pki, "srv.pem")))
        self.assertTrue(tls["version"].startswith("TLSv1."), tls)
        self.assertTrue(tls["cipher"], tls)
        self.assertFalse(m["engine"]["tls"]["insecure"])
        return m

    def test_a_private_ca_is_refused_without_cacert(self):
        r, run = self.run_tls()
        self.assert_refused(r, "TLS", "--cacert")
        self.assertFalse(os.path.exists(run), "a folder was left for a refused run")

    def test_cacert_trusts_the_ca_and_the_fingerprint_is_recorded(self):
        r, run = self.run_tls("--cacert", self.ca)
        m = self.assert_trusted(r, run)
        self.assertEqual(m["engine"]["tls"]["cacert"], self.ca)
        self.assertNotIn("WARNING", r.stderr)

    def test_the_standard_variables_are_honoured(self):
        for i, var in enumerate(("CURL_CA_BUNDLE", "SSL_CERT_FILE")):
            r, run = self.run_tls(env={var: self.ca}, name="run%d" % i)
            self.assert_trusted(r, run)
        hashed = os.path.join(self.tmp, "cadir")
        os.makedirs(hashed)
        shutil.copy(self.ca, hashed)
        openssl("rehash", hashed, cwd=self.tmp)
        r, run = self.run_tls("--capath", hashed, name="capath")
        self.assertEqual(self.assert_trusted(r, run)["engine"]["tls"]["capath"], hashed)
        r, run = self.run_tls(env={"SSL_CERT_DIR": hashed}, name="certdir")
        self.assert_trusted(r, run)

    def test_a_missing_bundle_is_named(self):
        missing = os.path.join(self.tmp, "nope.pem")
        r, _ = self.run_tls("--cacert", missing)
        self.assert_refused(r, "--cacert '%s'" % missing, "expected a file")
        r, _ = self.run_tls(env={"CURL_CA_BUNDLE": missing})
        self.assert_refused(r, "CURL_CA_BUNDLE '%s'" % missing)

    def test_insecure_is_loud_recorded_and_reported(self):
        r, run = self.run_tls("--insecure")
        self.assertEqual(r.rc, 0, r.describe())
        self.assertIn("WARNING: --insecure", r.stderr)
        m = harness.load_json(os.path.join(run, "manifest.json"))
        self.assertTrue(m["engine"]["tls"]["insecure"])
        self.assertEqual(m["engine"]["identity"]["tls"]["peer_cert_sha256"],
                         fingerprint(os.path.join(self.pki, "srv.pem")))
        for report in ("report.md", "report.html"):
            with open(os.path.join(run, report), encoding="utf-8") as f:
                self.assertIn("TLS NOT VERIFIED", f.read(), report)

    def test_a_resume_keeps_the_insecure_mark(self):
        # The first attempt of each variant fails: the run ends incomplete.
        suite = self.suite("s/suite.json", items=[dict(ITEM, prompt="{p} [[fail:1:500]]")])
        run = os.path.join(self.tmp, "run")
        common = [suite, "--base-url", self.url, "--model", "m", "--retries", "0",
                  "--max-error-rate", "0", "--no-fingerprint"]
        r = harness.parity(["run", *common, "--run-dir", run, "--insecure"])
        self.assertEqual(r.rc, 3, r.describe())
        r = harness.parity(["run", *common, "--resume", run, "--cacert", self.ca])
        self.assertEqual(r.rc, 0, r.describe())
        m = harness.load_json(os.path.join(run, "manifest.json"))
        self.assertEqual(m["status"], "complete")
        self.assertTrue(m["engine"]["tls"]["insecure"], "a resume dropped the --insecure mark")
        with open(os.path.join(run, "report.md"), encoding="utf-8") as f:
            self.assertIn("TLS NOT VERIFIED", f.read())

def wait_for(pred, seconds, what):
    deadline = time.monotonic() + seconds * harness.SLOW
    while not pred():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for " + what)
        time.sleep(0.05)


def read(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        return f.read()


class IdentityProbesTest(Base):
    """The identity probes share one deadline, say what they wait for, and
    yield to SIGINT at once (issue 14, item 8)."""

    def test_sigint_during_a_hanging_probe_stops_within_a_second(self):
        fx = harness.Fixture(extra=("--hang", "/props"))
        self.addCleanup(fx.stop)
        suite = self.suite("s/suite.json", items=[ITEM, dict(ITEM, id="i2")])
        run, err = os.path.join(self.tmp, "run"), os.path.join(self.tmp, "stderr")
        args = [suite, "--base-url", fx.base_url, "--model", "m", "--no-fingerprint"]
        env = {k: v for k, v in os.environ.items() if k not in harness.SCRUB_ENV}
        with open(err, "wb") as ef:
            p = subprocess.Popen(harness.WRAPPER + [harness.PARITY, "run", *args, "--run-dir",
                                                    run], stdin=subprocess.DEVNULL,
                                 stdout=subprocess.PIPE, stderr=ef, env=env)
        self.addCleanup(lambda: p.poll() is None and p.kill())
        # Not a terminal: one line once the probes are slow (after 2 s).
        wait_for(lambda: "identity" in read(err), 10, "the progress line\n" + read(err))
        self.assertIn("/props", read(err))
        self.assertIn("Ctrl-C", read(err))
        t0 = time.monotonic()
        p.send_signal(signal.SIGINT)
        out, _ = p.communicate(timeout=10 * harness.SLOW)
        took = time.monotonic() - t0
        self.assertLess(took, 1.0 * harness.SLOW, "SIGINT took %.2f s\n%s" % (took, read(err)))
        self.assertEqual(p.returncode, 130, read(err))
        self.assertIn("interrupted by SIGINT", read(err))
        m = harness.load_json(os.path.join(run, "manifest.json"))
        self.assertEqual(m["status"], "interrupted")
        self.assertIs(m["engine"]["identity"].get("interrupted"), True)
        # The folder is whole: a resume completes it, the hanging probe
        # bounded by --timeout.
        t0 = time.monotonic()
        r = harness.parity(["run", *args, "--resume", run, "--timeout", "2"], timeout=60)
        self.assertEqual(r.rc, 0, r.describe())
        self.assertLess(time.monotonic() - t0, 20 * harness.SLOW)
        self.assertEqual(harness.load_json(os.path.join(run, "manifest.json"))["status"],
                         "complete")
        r = harness.parity(["verify", run])
        self.assertEqual(r.rc, 0, r.describe())



def items(n, text):
    return [dict(ITEM, id="%s-%d" % (text, i), prompt="{p} %s %d" % (text, i))
            for i in range(n)]


class HostileServerTest(Base):
    """Servers that never answer, drip, or send 50 MB are bounded by
    --timeout (each attempt's whole transfer) and the 8 MiB answer cap;
    their bytes never reach the terminal raw (issue 14, item 8)."""

    def run_fx(self, fx, suite_items, *args, timeout=60):
        suite = self.suite("s/suite.json", items=suite_items)
        run = os.path.join(self.tmp, "run")
        t0 = time.monotonic()
        r = harness.parity(["run", suite, "--base-url", fx.base_url, "--model", "m",
                            "--run-dir", run, "--no-fingerprint", "--retries", "0", *args],
                           timeout=timeout)
        return r, run, time.monotonic() - t0

    def test_a_server_that_accepts_and_never_answers(self):
        s = socket.socket()
        self.addCleanup(s.close)
        s.bind(("127.0.0.1", 0))
        s.listen(64)  # the kernel accepts; nobody reads or answers
        suite = self.suite("s/suite.json", items=[ITEM])
        run = os.path.join(self.tmp, "run")
        t0 = time.monotonic()
        r = harness.parity(["run", suite, "--base-url", "http://127.0.0.1:%d/v1" %
                            s.getsockname()[1], "--model", "m", "--run-dir", run,
                            "--timeout", "1"], timeout=30)
        took = time.monotonic() - t0
        self.assert_refused(r, "did not answer within 1 s", "--timeout")
        self.assertLess(took, 5 * harness.SLOW, r.describe())
        self.assertFalse(os.path.exists(run))

    def test_answers_that_hang_or_drip_end_at_the_timeout(self):
        fx = harness.Fixture()
        self.addCleanup(fx.stop)
        r, run, took = self.run_fx(fx, items(1, "[[hang]]") + items(1, "[[drip]] x"),
                                   "--timeout", "2")
        self.assertEqual(r.rc, 3, r.describe())
        self.assertLess(took, 20 * harness.SLOW, r.describe())
        recs = harness.load_jsonl(os.path.join(run, "results.jsonl"))
        self.assertEqual(len(recs), 4)
        for rec in recs:
            self.assertIn("timeout", rec["error"].lower(), rec)
            self.assertIsNone(rec.get("response"), rec)
            self.assertLess(rec["latency_ms"], 2000 + 1500 * harness.SLOW, rec)

    def test_a_50_mb_answer_is_cut_at_the_cap(self):
        fx = harness.Fixture()
        self.addCleanup(fx.stop)
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        r, run, _ = self.run_fx(fx, [dict(ITEM, prompt="{p} [[big:50000000]]")],
                                "--concurrency", "2")
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        self.assertEqual(r.rc, 3, r.describe())
        for rec in harness.load_jsonl(os.path.join(run, "results.jsonl")):
            self.assertIn("response over 8388608 bytes", rec["error"], rec)
        # Two answers in flight, each cut at 8 MiB (KiB; ASan's shadow aside).
        if peak > before and "asan" not in harness.PARITY:
            self.assertLess(peak, 80 * 1024, "peak RSS %d KiB" % peak)

    def assert_clean(self, text):
        for bad in ("\x1b", "\x07", "\x9b", "\u009b"):
            self.assertNotIn(bad, text)
        self.assertFalse(any(ln.startswith("parity: forged")
                             for ln in text.splitlines()), text)

    def test_server_bytes_on_error_lines_are_escaped(self):
        fx = harness.Fixture()
        self.addCleanup(fx.stop)
        # 20 failures in a row trip the breaker; its line quotes the cause.
        r, _, _ = self.run_fx(fx, items(10, "[[hostile-500]]"), "--concurrency", "1")
        self.assertEqual(r.rc, 3, r.describe())
        self.assertIn("attempts in a row failed", r.stderr)
        self.assert_clean(r.stderr)
        self.assertIn("\\x1b[2J", r.stderr)

    def test_a_hostile_model_list_in_a_warning_is_escaped(self):
        evil = "x\x1b]0;pwned\x07\u009b2J\nparity: forged line"
        bad = harness.Fixture(listed=(evil,))
        good = harness.Fixture()
        self.addCleanup(bad.stop)
        self.addCleanup(good.stop)
        suite = self.suite("s/suite.json", items=[ITEM])
        r = harness.parity(["run", suite, "--base-url", bad.base_url, "--base-url",
                            good.base_url, "--model", "itest-model", "--run-dir",
                            os.path.join(self.tmp, "run"), "--no-fingerprint"])
        self.assertEqual(r.rc, 0, r.describe())
        self.assertIn("warning", r.stderr)
        self.assert_clean(r.stderr)



IMPORT_DATA = os.path.join(harness.SOURCE_ROOT, "tests", "data", "import")
GOOD_IMPORTS = (("bbq", "bbq"), ("crows-pairs", "crows-mini.csv"),
                ("discrim-eval", "discrim-mini.jsonl"), ("holistic-bias", "holistic"))
BAD_FORMAT = {"bbq": "bbq", "crows": "crows-pairs", "discrim": "discrim-eval"}


def file_limit(nbytes):
    """For the child: files over nbytes fail with EFBIG (as on a full disk)."""
    def limit():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (nbytes, nbytes))
    return limit


class FailedImportTest(Base):
    """A failed import leaves nothing behind, whatever the importer and
    whatever failed (issue 14, item 8)."""

    def out_dir(self, name):
        d = os.path.join(self.tmp, name)
        os.mkdir(d)
        return d

    def test_bad_inputs_of_every_importer_leave_nothing(self):
        bad = [(BAD_FORMAT[f.split("-")[0]], os.path.join(IMPORT_DATA, "bad", f))
               for f in sorted(os.listdir(os.path.join(IMPORT_DATA, "bad")))]
        bad.append(("holistic-bias", os.path.join(IMPORT_DATA, "holistic-bad")))
        self.assertEqual({f for f, _ in bad}, {f for f, _ in GOOD_IMPORTS})
        for i, (fmt, src) in enumerate(bad):
            out = self.out_dir("out%d" % i)
            r = harness.parity(["import", fmt, src, "-o", os.path.join(out, "s.json")])
            self.assertEqual(r.rc, 2, r.describe())
            self.assertEqual(len(r.stderr.splitlines()), 1, r.describe())
            self.assertEqual(os.listdir(out), [], "%s %s left files" % (fmt, src))

    def test_a_write_that_fails_leaves_nothing(self):
        # 1000 bytes: the items file fails (each importer's is larger);
        # holistic at 8000: its items fit (7 KB), its suite (9 KB) does not.
        for fmt, src, limit in [g + (1000,) for g in GOOD_IMPORTS] + [
                ("holistic-bias", "holistic", 8000)]:
            out = self.out_dir("efbig-%s-%d" % (fmt, limit))
            argv = harness.WRAPPER + [harness.PARITY, "import", fmt,
                                      os.path.join(IMPORT_DATA, src), "-o",
                                      os.path.join(out, "s.json")]
            p = subprocess.run(argv, capture_output=True, text=True, timeout=60 * harness.SLOW,
                               preexec_fn=file_limit(limit))
            self.assertEqual(p.returncode, 2, fmt + ": " + p.stderr)
            self.assertIn("File too large", p.stderr)
            self.assertIn("cannot write '%s/s." % out, p.stderr)
            self.assertEqual(os.listdir(out), [], fmt + " left files")

    def test_a_planted_link_is_not_followed(self):
        victim = os.path.join(self.tmp, "victim")
        with open(victim, "w") as f:
            f.write("keep\n")
        for fmt, src in GOOD_IMPORTS:
            out = self.out_dir("link-" + fmt)
            for name in ("s.json.tmp", "s.items.jsonl.tmp"):
                os.symlink(victim, os.path.join(out, name))
            r = harness.parity(["import", fmt, os.path.join(IMPORT_DATA, src), "-o",
                                os.path.join(out, "s.json")])
            self.assertEqual(r.rc, 0, r.describe())
            with open(victim) as f:
                self.assertEqual(f.read(), "keep\n", fmt + " wrote through a planted link")
            self.assertEqual(sorted(os.listdir(out)), ["s.items.jsonl", "s.items.jsonl.tmp",
                                                       "s.json", "s.json.tmp"])


if __name__ == "__main__":
    unittest.main()
