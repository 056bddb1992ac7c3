"""Several --base-url against two nginx stubs (../shared/bench/): the
zero-latency stub twice (the load is shared about evenly, every request is
counted by the stub that got it), and the zero-latency stub beside the
50 ms one (the fast one takes nearly all). The stubs' configurations are
the shared ones with the listen port, pid and log paths replaced (other
engineers' benchmarks use the fixed ports). Exit 77 (skipped) with the
reason when nginx, its echo module or the shared stubs are missing."""

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request

import harness
from harness import load_json

BENCH = os.path.join(os.environ.get("PARITY_SHARED",
                                    os.path.join(harness.SOURCE_ROOT, "..", "shared")), "bench")
BIAS = harness.data("bias-suite.json")
N_BIAS = 44


def skip(reason):
    sys.stderr.write("SKIP: %s\n" % reason)
    sys.exit(77)


class Stub:
    """One nginx stub from a shared configuration on a free port."""

    def __init__(self, conf_name, port_in_conf):
        self.tmp = tempfile.mkdtemp(prefix="parity-nginx-")
        self.port = harness.free_port()
        with open(os.path.join(BENCH, conf_name)) as f:
            conf = f.read()
        listen = "listen 127.0.0.1:%d" % port_in_conf
        if conf.count(listen) != 1:
            raise AssertionError("%s: expected one '%s'" % (conf_name, listen))
        conf = conf.replace(listen, "listen 127.0.0.1:%d" % self.port)
        conf = re.sub(r"^pid .*;$", "pid nginx.pid;", conf, flags=re.M)
        conf = re.sub(r"^error_log .*;$", "error_log error.log warn;", conf, flags=re.M)
        conf = conf.replace("include nginx-openai-stub.locations.inc;",
                            "include %s;" % os.path.join(BENCH, "nginx-openai-stub.locations.inc"))
        conf = conf.replace("load_module modules/", "load_module %s/" % MODULES)
        path = os.path.join(self.tmp, "nginx.conf")
        with open(path, "w") as f:
            f.write(conf)
        self.proc = subprocess.Popen(["nginx", "-p", self.tmp + "/", "-c", path, "-e",
                                      "error.log"], stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.base_url = "http://127.0.0.1:%d/v1" % self.port
        deadline = time.monotonic() + 10
        while True:
            try:
                self.count()
                break
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    err = self.proc.stderr.read().decode() if self.proc.poll() is not None else ""
                    self.stop()
                    raise AssertionError("nginx did not start: " + err)
                time.sleep(0.05)

    def count(self):
        """Requests the stub has handled (stub_status), its own included."""
        with urllib.request.urlopen("http://127.0.0.1:%d/stub_status" % self.port,
                                    timeout=5) as r:
            return int(r.read().decode().splitlines()[2].split()[2])

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.proc.stderr.close()
        shutil.rmtree(self.tmp, ignore_errors=True)


class NginxEndpointsTest(unittest.TestCase):
    def setUp(self):
        self._tmp = tempfile.TemporaryDirectory(prefix="parity-nginx-run-")
        self.stubs = []

    def tearDown(self):
        for s in self.stubs:
            s.stop()
        self._tmp.cleanup()

    def stub(self, *a):
        s = Stub(*a)
        self.stubs.append(s)
        return s

    def run_over(self, name, stubs, samples, concurrency):
        d = os.path.join(self._tmp.name, name)
        before = [s.count() for s in stubs]
        argv = ["run", BIAS, "--model", "stub-model", "--no-fingerprint", "--quiet",
                "--samples", str(samples), "--concurrency", str(concurrency), "--run-dir", d]
        for s in stubs:
            argv += ["--base-url", s.base_url]
        t0 = time.monotonic()
        r = harness.parity(argv, timeout=120)
        wall = time.monotonic() - t0
        self.assertEqual(r.rc, 0, r.describe())
        m = load_json(os.path.join(d, "manifest.json"))
        eps = m["endpoints"]
        self.assertEqual(sum(e["answers"] for e in eps), N_BIAS * samples)
        for s, b, e in zip(stubs, before, eps):
            # The stub also saw the preflight and identity requests and the
            # stub_status reads: a few more, never fewer.
            extra = s.count() - b - e["attempts"]
            self.assertTrue(0 <= extra <= 12, (e, extra))
        sys.stderr.write("%s: %s requests in %.2f s (%.0f/s)\n" % (
            name, "/".join(str(e["attempts"]) for e in eps), wall, N_BIAS * samples / wall))
        return eps

    def test_two_plain_stubs_share(self):
        a = self.stub("nginx-openai-stub.conf", 8092)
        b = self.stub("nginx-openai-stub.conf", 8092)
        ea, eb = self.run_over("plain", [a, b], samples=50, concurrency=16)
        total = ea["attempts"] + eb["attempts"]
        self.assertEqual(total, N_BIAS * 50)
        self.assertGreaterEqual(min(ea["attempts"], eb["attempts"]), 0.3 * total, (ea, eb))

    def test_fast_stub_beside_a_50ms_one(self):
        slow = self.stub("nginx-openai-stub-latency.conf", 8093)
        fast = self.stub("nginx-openai-stub.conf", 8092)
        es, ef = self.run_over("latency", [slow, fast], samples=20, concurrency=8)
        self.assertGreaterEqual(ef["attempts"], 10 * es["attempts"], (ef, es))


def main():
    global MODULES
    if not shutil.which("nginx"):
        skip("nginx not installed (apt-get install nginx libnginx-mod-http-echo)")
    if not os.path.exists(os.path.join(BENCH, "nginx-openai-stub.locations.inc")):
        skip("no nginx stubs in %s" % BENCH)
    p = subprocess.run(["nginx", "-V"], capture_output=True, text=True)
    m = re.search(r"--modules-path=(\S+)", p.stdout + p.stderr)
    MODULES = m.group(1) if m else "/usr/lib/nginx/modules"
    if not os.path.exists(os.path.join(MODULES, "ngx_http_echo_module.so")):
        skip("nginx's echo module missing for the 50 ms stub (libnginx-mod-http-echo)")
    ok = unittest.main(verbosity=2, exit=False).result.wasSuccessful()
    sys.exit(0 if ok else 1)


MODULES = None

if __name__ == "__main__":
    main()
