"""Compressed answers (the scheduler's Accept-Encoding, evaluator/sched/
sched_io.c): parity sends the header libcurl itself would send for
CURLOPT_ACCEPT_ENCODING "" (every encoding it decodes) and decodes a
gzip-encoded answer into the same records as a plain one. parity writes
that header itself, once, instead of letting libcurl format it for every
request; the fixture server's --gzip logs the header each request carried
and compresses the answers of requests that accept gzip."""

import os
import shutil
import subprocess
import tempfile
import unittest

import harness
from harness import load_jsonl

BIAS = harness.data("bias-suite.json")
RULES = harness.data("bias-rules.json")
N_BIAS = 44
VOLATILE = {"latency_ms", "ttft_ms", "attempts", "seq", "prev"}


def stable_records(run_dir):
    return {(r["case_id"], r["sample"]): {k: v for k, v in r.items() if k not in VOLATILE}
            for r in load_jsonl(os.path.join(run_dir, "results.jsonl"))}


class EncodingTest(unittest.TestCase):
    def setUp(self):
        self._tmp = tempfile.TemporaryDirectory(prefix="parity-encoding-")
        self.addCleanup(self._tmp.cleanup)
        self.tmp = self._tmp.name

    def fixture(self, *extra):
        fx = harness.Fixture(rules=RULES, extra=extra)
        self.addCleanup(fx.stop)
        return fx

    def run_into(self, fx, name):
        run_dir = os.path.join(self.tmp, name)
        r = harness.parity(["run", BIAS, "--base-url", fx.base_url, "--model", "itest-model",
                            "--concurrency", "4", "--run-dir", run_dir, "--quiet"])
        self.assertEqual(r.rc, 0, r.describe())
        return run_dir

    def test_gzip_answers_give_the_plain_records(self):
        plain = self.run_into(self.fixture(), "plain")
        fx = self.fixture("--gzip")
        zipped = self.run_into(fx, "gzip")
        sent = fx.requests()
        self.assertEqual(len(sent), N_BIAS)
        for q in sent:
            self.assertIn("gzip", [e.strip() for e in q["accept_encoding"].split(",")], q)
        got = stable_records(zipped)
        self.assertEqual(len(got), N_BIAS)
        self.assertEqual(got, stable_records(plain))

    def test_header_is_libcurls_own(self):
        """The curl tool with --compressed sets CURLOPT_ACCEPT_ENCODING "" on
        the same libcurl: its header is the one parity must send."""
        curl = shutil.which("curl")
        if not curl:
            self.skipTest("no curl tool to ask libcurl for its header")
        fx = self.fixture("--gzip")
        self.run_into(fx, "run")
        ours = {q["accept_encoding"] for q in fx.requests()}
        fx.reset()
        subprocess.run([curl, "-s", "--compressed", "-o", os.devnull, "-H",
                        "Content-Type: application/json", "-d",
                        '{"model": "itest-model", "messages": [{"role": "user", '
                        '"content": "hi"}]}', fx.base_url + "/chat/completions"],
                       check=True, timeout=30)
        theirs = {q["accept_encoding"] for q in fx.requests()}
        self.assertEqual(len(theirs), 1)
        self.assertEqual(ours, theirs)


if __name__ == "__main__":
    unittest.main()
