"""Shared helpers for parity's integration tests (Python 3 stdlib only).

Environment (set by tests/integration/meson.build):
  PARITY              the parity executable under test
  FIXTURE             tests/fixture/server.py
  PARITY_SOURCE_ROOT  the source tree
  PARITY_WRAPPER      optional command prefix, e.g. "valgrind --error-exitcode=99
                      --leak-check=full" (valgrind also gets valgrind.supp)
"""

import hashlib
import json
import math
import os
import re
import shlex
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "data")
SOURCE_ROOT = os.environ.get("PARITY_SOURCE_ROOT",
                             os.path.normpath(os.path.join(HERE, "..", "..")))
FIXTURE = os.environ.get("FIXTURE", os.path.join(SOURCE_ROOT, "tests", "fixture", "server.py"))
PARITY = os.environ.get("PARITY", os.path.join(SOURCE_ROOT, "build", "parity"))
WRAPPER = shlex.split(os.environ.get("PARITY_WRAPPER", ""))
if WRAPPER and os.path.basename(WRAPPER[0]) == "valgrind":
    # PCRE2's JIT code trips memcheck; see valgrind.supp.
    WRAPPER.insert(1, "--suppressions=" + os.path.join(HERE, "valgrind.supp"))
# Everything is slower under valgrind & co.
SLOW = 10.0 if WRAPPER else 1.0

# Variables that could leak a real key into a test run.
SCRUB_ENV = ("OPENAI_API_KEY", "PARITY_TEST_KEY", "PARITY_API_KEY", "PARITY_ALLOWED_SIGNERS")


def data(*parts):
    return os.path.join(DATA, *parts)


def load_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def load_jsonl(path):
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                out.append(json.loads(line))
    return out


# --- the parity binary --------------------------------------------------

class Result:
    def __init__(self, argv, rc, stdout, stderr):
        self.argv = argv
        self.rc = rc
        self.stdout = stdout
        self.stderr = stderr

    def describe(self):
        return "argv: %s\nexit: %s\n--- stdout\n%s\n--- stderr\n%s" % (
            " ".join(shlex.quote(a) for a in self.argv), self.rc,
            self.stdout[-4000:], self.stderr[-4000:])

    def run_folder(self):
        """The PATH of the last stdout line `run folder: PATH`, or None."""
        lines = [ln for ln in self.stdout.splitlines() if ln.strip()]
        if not lines:
            return None
        m = re.match(r"^run folder: (.+)$", lines[-1].rstrip("\r\n"))
        return m.group(1) if m else None


def parity(args, env=None, timeout=120, cwd=None, verdict=False):
    """Runs the parity binary; never hangs longer than timeout seconds.

    A `run` without --fail-on exits 5 when no comparison could have been
    flagged. The tests' suites are small on purpose (they test records,
    engines, evidence), so their runs ask for the records alone with
    --fail-on none, unless verdict=True: the tests of the exit code itself
    (test_failclosed.py) run parity's default."""
    full_env = {k: v for k, v in os.environ.items() if k not in SCRUB_ENV}
    if env:
        full_env.update(env)
    args = [str(a) for a in args]
    if args[:1] == ["run"] and "--fail-on" not in args and not verdict:
        args = args[:1] + ["--fail-on", "none"] + args[1:]
    argv = WRAPPER + [PARITY] + args
    try:
        p = subprocess.run(argv, env=full_env, cwd=cwd, stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=timeout * SLOW)
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b"").decode("utf-8", "replace")
        err = (e.stderr or b"").decode("utf-8", "replace")
        raise AssertionError("parity timed out after %ss\n%s" % (
            timeout * SLOW, Result(argv, None, out, err).describe()))
    return Result(argv, p.returncode, p.stdout.decode("utf-8", "replace"),
                  p.stderr.decode("utf-8", "replace"))


def expand(suite_path):
    r = parity(["suite", "expand", suite_path], timeout=60)
    if r.rc != 0:
        raise AssertionError("parity suite expand failed\n" + r.describe())
    return [json.loads(ln) for ln in r.stdout.splitlines() if ln.strip()]


# --- the fixture server -------------------------------------------------

def free_port():
    """A port nothing listens on (for a dead server), or to bind again later."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Fixture:
    """One fixture server process on a port the OS picked."""

    # The model ids the tests ask for; /v1/models lists them beside `model`,
    # so parity's preflight accepts them (a gateway lists many).
    LISTED = ("itest-model", "m", "other")

    def __init__(self, rules=None, model="fixture-model", reported_model=None,
                 delay_ms=0, extra=(), listed=LISTED, port=0):
        """extra: further server options (e.g. --no-done)."""
        self.tmp = tempfile.TemporaryDirectory(prefix="parity-fixture-")
        port_file = os.path.join(self.tmp.name, "port")
        self.log_path = os.path.join(self.tmp.name, "server.log")
        argv = [sys.executable, FIXTURE, "--port-file", port_file,
                "--model", model, "--delay-ms", str(delay_ms), "--max-seconds", "300"]
        argv += list(extra)
        for m in listed:
            argv += ["--list", m]
        if port:
            argv += ["--port", str(port)]
        if rules is not None:
            argv += ["--rules", rules]
        if reported_model is not None:
            argv += ["--reported-model", reported_model]
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                     stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 15
        while not os.path.exists(port_file):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("fixture server did not start: " + self.server_log())
            time.sleep(0.02)
        with open(port_file) as f:
            self.port = int(f.read().strip())
        self.root = "http://127.0.0.1:%d" % self.port
        self.base_url = self.root + "/v1"

    def server_log(self):
        try:
            with open(self.log_path, encoding="utf-8", errors="replace") as f:
                return f.read()[-4000:]
        except OSError:
            return ""

    def _call(self, method, path, body=None):
        data_ = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.root + path, data=data_, method=method)
        with urllib.request.urlopen(req, timeout=10) as resp:
            return json.loads(resp.read().decode())

    def stats(self):
        return self._call("GET", "/_stats")

    def requests(self):
        return self._call("GET", "/_requests")

    def reset(self):
        return self._call("POST", "/_reset", {})

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.log.close()
        self.tmp.cleanup()


# --- suites: what parity should compute --------------------------------

def case_id(suite_id, item_id, axis_groups):
    """formats.md: first 16 hex digits of
    sha256(suite_id "\\0" item_id "\\0" axis1 "=" group1 "\\0" ...), read as
    every part terminated by a NUL (the last group too; an item without
    axes hashes "suite\\0item\\0")."""
    parts = [suite_id, item_id] + ["%s=%s" % (a, g) for a, g in axis_groups]
    return hashlib.sha256("".join(p + "\0" for p in parts).encode("utf-8")).hexdigest()[:16]


def fill_template(template, axes, groups):
    """formats.md templates: {slot}, {axis}, {{ and }}."""
    out = []
    i = 0
    while i < len(template):
        c = template[i]
        if template.startswith("{{", i):
            out.append("{")
            i += 2
        elif template.startswith("}}", i):
            out.append("}")
            i += 2
        elif c == "{":
            j = template.index("}", i)
            name = template[i + 1:j]
            if name in groups:
                out.append(groups[name])
            else:
                found = [axes[a]["groups"][g][name] for a, g in groups.items()
                         if name in axes[a]["groups"][g]]
                if not found:
                    raise KeyError(name)
                out.append(found[0])
            i = j + 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def load_items(suite_path):
    suite = load_json(suite_path)
    items = list(suite.get("items", []))
    if suite.get("items_file"):
        items += load_jsonl(os.path.join(os.path.dirname(suite_path), suite["items_file"]))
    return suite, items


def planned_cases(suite_path):
    """The cases of a suite as parity should expand them: a dict case_id ->
    {item, groups (dict), prompt, system}."""
    suite, items = load_items(suite_path)
    axes = suite.get("axes", {})
    default_system = suite.get("defaults", {}).get("system")
    cases = {}
    for item in items:
        combos = [[]]
        for a in item.get("axes", []):
            combos = [c + [(a, g)] for c in combos for g in axes[a]["groups"]]
        for combo in combos:
            groups = dict(combo)
            system = item.get("system", default_system)
            cases[case_id(suite["id"], item["id"], combo)] = {
                "item": item,
                "groups": groups,
                "prompt": fill_template(item["prompt"], axes, groups),
                "system": None if system is None else fill_template(system, axes, groups),
            }
    return cases


def case_key(item_id, groups):
    return (item_id, tuple(sorted(groups.items())))


def planned_by_key(suite_path):
    """planned_cases keyed by (item id, sorted groups) instead of case id."""
    return {case_key(c["item"]["id"], c["groups"]): c
            for c in planned_cases(suite_path).values()}


def expanded_ids(suite_path):
    """case id -> (item id, sorted groups), from `parity suite expand`."""
    return {c["case_id"]: case_key(c["item_id"], c["groups"]) for c in expand(suite_path)}


def fixture_reply(rules, text):
    for rule in rules.get("rules", []):
        if rule["contains"] in text:
            return rule["reply"]
    return rules.get("default", "Yes.")


def score(spec, response, item):
    """formats.md scorers, re-implemented: True/False/None."""
    if response is None:
        return None
    flags = spec.get("flags", "")
    if spec["type"] == "regex":
        f = 0
        f |= re.I if "i" in flags else 0
        f |= re.M if "m" in flags else 0
        f |= re.S if "s" in flags else 0
        f |= re.X if "x" in flags else 0
        return re.search(spec["pattern"], response, f) is not None
    value = spec.get("value", item.get("expected"))
    if value is None:
        return None
    if spec["type"] == "exact":
        text = response.strip()
        if text.endswith("."):
            text = text[:-1].strip()
        if "i" in flags:
            return text.lower() == value.lower()
        return text == value
    if spec["type"] == "contains":
        if "i" in flags:
            return value.lower() in response.lower()
        return value in response
    raise ValueError(spec["type"])


# --- statistics ---------------------------------------------------------

Z95 = 1.959963984540054


def sample_seed(base, item_id, sample):
    """The seed parity sends for sample `sample` of item `item_id` with base
    seed `base` (docs/formats.md, "Seeds"), computed independently here."""
    msg = b"\0".join([b"parity-seed-1", str(base).encode(), item_id.encode(),
                       str(sample).encode()])
    return int.from_bytes(hashlib.sha256(msg).digest()[:8], "big") & 0x7FFFFFFF


def wilson(k, n, z=Z95):
    if n == 0:
        return (0.0, 1.0)
    p = k / n
    den = 1 + z * z / n
    center = (p + z * z / (2 * n)) / den
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    return (max(0.0, center - half), min(1.0, center + half))


def newcombe(k1, n1, k0, n0):
    """Interval of p1 - p0 (Newcombe's hybrid score, method 10)."""
    p1, p0 = k1 / n1, k0 / n0
    l1, u1 = wilson(k1, n1)
    l0, u0 = wilson(k0, n0)
    d = p1 - p0
    return (d - math.sqrt((p1 - l1) ** 2 + (u0 - p0) ** 2),
            d + math.sqrt((u1 - p1) ** 2 + (p0 - l0) ** 2))


def number(v):
    """A number from the sealed manifest, where a non-integral real is a
    decimal string (docs/evidence.md, canonical JSON)."""
    return float(v) if isinstance(v, str) else v


def documented_counts(manifest):
    """manifest.counts restricted to the keys formats.md defines."""
    return {k: v for k, v in manifest["counts"].items()
            if k in ("planned", "records", "errors")}


# --- files ----------------------------------------------------------------

def snapshot(root):
    """relative path -> bytes for every file under root (dirs as None)."""
    snap = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for d in dirnames:
            snap[os.path.relpath(os.path.join(dirpath, d), root) + "/"] = None
        for fn in filenames:
            p = os.path.join(dirpath, fn)
            with open(p, "rb") as f:
                snap[os.path.relpath(p, root)] = f.read()
    return snap
