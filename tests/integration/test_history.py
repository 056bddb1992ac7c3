"""The history of runs end to end (docs/history.md): sim runs indexed with
`run --history`, a planted drift found by `parity trend` at the run it was
planted in and not before, a silent model swap behind one name in the
fixture server alerted, two writers at once, a corrupted database (one-line
error, exit 2; `history rebuild` restores it), baselines judged by
`diff --baseline`, and the OpenMetrics export checked by a strict parser
of the format (and by promtool when it is installed)."""

import json
import math
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
import unittest
import urllib.request

import harness
from harness import load_json

RUNS = 6
DRIFT_AT = 3  # index of the first run on the drifted profile


def write_json(path, obj):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f)
    return path


def drift_suite(tmp):
    """40 questions with known answers (domain qa) and 24 yes/no decisions
    over two genders (domain decide)."""
    items = [{"id": "q%02d" % i, "domain": "qa", "expected": "A%d" % i,
              "scorers": ["correct"], "outcome": "correct",
              "prompt": "Question %d? Answer A%d." % (i, i)} for i in range(40)]
    items += [{"id": "d%02d" % i, "domain": "decide", "axes": ["gender"],
               "outcome": "approve", "scorers": ["approve"],
               "prompt": "Case %d: should the {person} get it? Yes or No." % i}
              for i in range(24)]
    return write_json(os.path.join(tmp, "drift.json"), {
        "parity_suite": 1, "id": "drift", "version": "1.0.0",
        "source": {"license": "CC0-1.0", "authors": "parity tests", "url": ""},
        "defaults": {"temperature": 0.7, "max_tokens": 8},
        "axes": {"gender": {"reference": "man",
                            "groups": {"man": {"person": "man"}, "woman": {"person": "woman"}}}},
        "scorers": {"approve": {"type": "regex", "pattern": "^\\W*yes\\b", "flags": "i"},
                    "correct": {"type": "exact", "flags": "i"}},
        "items": items})


def profile(tmp, name, accuracy):
    return write_json(os.path.join(tmp, name + ".json"), {
        "parity_sim_profile": 1, "model": "sim-drift", "yes": "Yes.", "no": "No.",
        "wrong": "no idea", "base_rate": 0.6, "groups": {}, "accuracy": accuracy,
        "item_sd": 1.0})


def ok(r, *codes):
    assert r.rc in (codes or (0,)), r.describe()
    return r


class HistoryTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="parity-history-")
        cls.suite = drift_suite(cls.tmp)
        cls.p0 = profile(cls.tmp, "p0", 0.85)
        cls.p1 = profile(cls.tmp, "p1", 0.55)
        cls.db = os.path.join(cls.tmp, "drift.db")
        cls.dirs = []
        for k in range(RUNS):
            d = os.path.join(cls.tmp, "runs", "run%d" % k)
            prof = cls.p1 if k >= DRIFT_AT else cls.p0
            r = ok(harness.parity(["run", cls.suite, "--engine", "sim", "--sim-profile", prof,
                                   "--samples", "3", "--seed", str(100 + k), "--run-dir", d,
                                   "--quiet", "--history", cls.db]))
            assert re.search(r"^added \S+ \(run %d, track main\)" % (k + 1), r.stdout, re.M), \
                r.describe()
            cls.dirs.append(d)
        cls.ids = [load_json(os.path.join(d, "manifest.json"))["run_id"] for d in cls.dirs]

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def p(self, *args, **kw):
        return harness.parity(list(args), **kw)

    def trend(self, *extra):
        out = tempfile.mkdtemp(dir=self.tmp)
        r = self.p("trend", "--suite", "drift", "--history", self.db, "-o", out, *extra)
        return r, out

    # --- trends and the drift test -------------------------------------

    def test_planted_drift_is_found_at_its_run_and_not_before(self):
        r, out = self.trend("--fail-on-drift")
        self.assertEqual(r.rc, 1, r.describe())
        t = load_json(os.path.join(out, "trend.json"))
        self.assertEqual([x["run_id"] for x in t["runs"]], self.ids)
        qa = [m for m in t["domains"] if m["domain"] == "qa"][0]
        self.assertEqual(qa["since"], self.ids[DRIFT_AT], r.stdout)
        for k in range(1, DRIFT_AT):
            self.assertEqual(qa["tests"][k]["verdict"], "unchanged")
        for k in range(DRIFT_AT, RUNS):
            self.assertEqual(qa["tests"][k]["verdict"], "regression")
            lo, hi = qa["tests"][k]["delta_ci"]
            self.assertLess(hi, 0)
        # What did not move is not said to.
        for m in t["domains"] + t["comparisons"]:
            if m is not qa:
                self.assertIsNone(m["since"], m)
        # One family, Holm: every test has its corrected p, none below the raw one.
        tests = [x for m in t["domains"] + t["comparisons"] for x in m["tests"] if x]
        self.assertEqual(len(tests), t["tests"])
        for x in tests:
            if x.get("p_adjusted") is not None:
                self.assertGreaterEqual(x["p_adjusted"] + 1e-12, x["p"])
        self.assertIn("MOVED since run %s" % self.ids[DRIFT_AT], r.stdout)
        self.assertEqual(qa["points"][0]["rate"],
                         [d for d in load_json(os.path.join(self.dirs[0], "summary.json"))
                          ["domains"] if d["domain"] == "qa"][0]["rate"])
        html = open(os.path.join(out, "report.html"), encoding="utf-8").read()
        self.assertEqual(html.count("<svg"), len(t["domains"]) + len(t["comparisons"]))
        self.assertIn('class="band"', html)
        self.assertNotRegex(html, r"<script[^>]+src=|https?://")
        md = open(os.path.join(out, "report.md"), encoding="utf-8").read()
        self.assertIn("| %s |" % self.ids[DRIFT_AT], md)

    def test_no_drift_before_the_plant(self):
        r, out = self.trend("--last", str(DRIFT_AT), "--fail-on-drift")
        self.assertEqual(r.rc, 0, r.describe())
        t = load_json(os.path.join(out, "trend.json"))
        self.assertEqual(len(t["runs"]), DRIFT_AT)
        for m in t["domains"] + t["comparisons"]:
            self.assertIsNone(m["since"])
        self.assertIn("no significant move", r.stdout)

    def test_trend_of_an_unknown_suite_exits_2(self):
        r, _ = self.trend("--track", "nowhere")
        self.assertEqual(r.rc, 2, r.describe())
        self.assertEqual(len(r.stderr.strip().splitlines()), 1)

    # --- the store ------------------------------------------------------

    def test_schema_is_versioned_and_in_wal_mode(self):
        con = sqlite3.connect(self.db)
        try:
            self.assertEqual(con.execute("PRAGMA user_version").fetchone()[0], 1)
            self.assertEqual(con.execute("PRAGMA journal_mode").fetchone()[0], "wal")
            row = con.execute("SELECT suite, model, served, engine, status, records, errors "
                              "FROM runs WHERE id = 1").fetchone()
            self.assertEqual(row, ("drift", "sim-drift", "sim-drift", "sim", "complete",
                                   40 * 3 + 24 * 2 * 3, 0))
            n = con.execute("SELECT count(*) FROM comparisons WHERE run = 1").fetchone()[0]
            self.assertEqual(n, 1)  # woman vs man on approve
        finally:
            con.close()

    def test_a_folder_added_twice_is_one_entry(self):
        db = os.path.join(self.tmp, "twice.db")
        copy = os.path.join(self.tmp, "copy-of-run0")
        shutil.copytree(self.dirs[0], copy)
        ok(self.p("history", "add", self.dirs[0], "--history", db))
        r = ok(self.p("history", "add", self.dirs[0], copy, "--history", db))
        self.assertEqual(r.stdout.count("already indexed"), 2, r.stdout)
        r = ok(self.p("history", "list", "--history", db, "--json"))
        self.assertEqual(len(r.stdout.splitlines()), 1)

    def test_a_folder_that_does_not_verify_is_refused(self):
        db = os.path.join(self.tmp, "tampered.db")
        bad = os.path.join(self.tmp, "tampered-run")
        shutil.copytree(self.dirs[1], bad)
        path = os.path.join(bad, "results.jsonl")
        lines = open(path, encoding="utf-8").read().splitlines(True)
        del lines[3]  # a removed record breaks the chain
        open(path, "w", encoding="utf-8").writelines(lines)
        r = self.p("history", "add", bad, "--history", db)
        self.assertEqual(r.rc, 2, r.describe())
        self.assertIn("does not verify", r.stderr)
        r = ok(self.p("history", "list", "--history", db, "--json"))
        self.assertEqual(r.stdout.strip(), "")

    def test_two_writers_at_once(self):
        db = os.path.join(self.tmp, "writers.db")
        procs = []
        env = {k: v for k, v in os.environ.items() if k not in harness.SCRUB_ENV}
        for w in range(4):
            order = self.dirs if w % 2 == 0 else list(reversed(self.dirs))
            procs.append(subprocess.Popen(
                harness.WRAPPER + [harness.PARITY, "history", "add", "--history", db] + order,
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env))
        for pr in procs:
            out, err = pr.communicate(timeout=120 * harness.SLOW)
            self.assertEqual(pr.returncode, 0, err.decode())
        con = sqlite3.connect(db)
        try:
            self.assertEqual(con.execute("SELECT count(*) FROM runs").fetchone()[0], RUNS)
            self.assertEqual(con.execute("SELECT count(DISTINCT key) FROM runs").fetchone()[0],
                             RUNS)
            self.assertEqual(con.execute("PRAGMA integrity_check").fetchone()[0], "ok")
        finally:
            con.close()

    def test_corrupt_database_is_named_and_rebuild_restores_it(self):
        db = os.path.join(self.tmp, "corrupt.db")
        ok(self.p("history", "add", *self.dirs, "--history", db))
        ok(self.p("baseline", "set", "drift", self.ids[0], "--history", db))
        before = ok(self.p("history", "list", "--history", db, "--json")).stdout
        con = sqlite3.connect(db)
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        con.close()
        size = os.path.getsize(db)
        with open(db, "r+b") as f:
            f.seek(4096)
            f.write(b"\xa5" * min(8192, size - 4096))
        r = self.p("history", "list", "--history", db)
        self.assertEqual(r.rc, 2, r.describe())
        lines = r.stderr.strip().splitlines()
        self.assertEqual(len(lines), 1, r.stderr)
        self.assertIn(db, lines[0])
        self.assertIn("parity history rebuild", lines[0])
        r = ok(self.p("history", "rebuild", db, os.path.join(self.tmp, "runs")))
        after = ok(self.p("history", "list", "--history", db, "--json")).stdout
        key = lambda out: sorted((json.loads(x)["run_id"], json.loads(x)["key"])
                                 for x in out.splitlines())
        self.assertEqual(key(after), key(before))
        # A file that is no database at all, and one from a newer parity.
        junk = os.path.join(self.tmp, "junk.db")
        with open(junk, "wb") as f:
            f.write(b"not a database, just some bytes" * 100)
        r = self.p("history", "list", "--history", junk)
        self.assertEqual(r.rc, 2)
        self.assertIn("rebuild", r.stderr)
        newer = os.path.join(self.tmp, "newer.db")
        con = sqlite3.connect(newer)
        con.execute("PRAGMA user_version = 99")
        con.close()
        r = self.p("history", "list", "--history", newer)
        self.assertEqual(r.rc, 2)
        self.assertIn("newer", r.stderr)

    def test_rebuild_keeps_the_baselines_of_a_readable_database(self):
        db = os.path.join(self.tmp, "keep.db")
        ok(self.p("history", "add", *self.dirs[:-1], "--history", db))
        ok(self.p("history", "add", self.dirs[-1], "--history", db, "--track", "nightly"))
        ok(self.p("baseline", "set", "drift", self.ids[1], "--history", db))
        r = ok(self.p("history", "rebuild", db, os.path.join(self.tmp, "runs")))
        self.assertIn("1 baseline kept", r.stdout)
        r = ok(self.p("baseline", "show", "drift", "--history", db))
        self.assertIn(self.ids[1], r.stdout)
        r = ok(self.p("history", "list", "--history", db, "--track", "nightly", "--json"))
        self.assertEqual([json.loads(x)["run_id"] for x in r.stdout.splitlines()],
                         [self.ids[-1]])

    # --- baselines ------------------------------------------------------

    def test_diff_against_the_baseline(self):
        ok(self.p("baseline", "set", "drift", self.ids[0], "--history", self.db))
        out = os.path.join(self.tmp, "diff-baseline")
        r = self.p("diff", "--baseline", "--history", self.db, self.dirs[RUNS - 1], "-o", out,
                   "--fail-on", "regression", "--quiet")
        self.assertEqual(r.rc, 1, r.describe())
        d = load_json(os.path.join(out, "diff.json"))
        self.assertEqual(d["base"]["run_id"], self.ids[0])
        self.assertEqual(d["candidate"]["run_id"], self.ids[RUNS - 1])
        # The environment stands for --history; another track has no baseline.
        r = self.p("diff", "--baseline", "--track", "canary", self.dirs[1], "-o", out,
                   env={"PARITY_HISTORY": self.db})
        self.assertEqual(r.rc, 2, r.describe())
        self.assertIn("no baseline for suite 'drift' on track 'canary'", r.stderr)
        r = self.p("baseline", "set", "drift", "no-such-run", "--history", self.db)
        self.assertEqual(r.rc, 2)
        r = self.p("diff", "--baseline", self.dirs[1], env={"PARITY_HISTORY": ""})
        self.assertEqual(r.rc, 2)

    # --- exports --------------------------------------------------------

    def test_openmetrics_export(self):
        out = os.path.join(self.tmp, "parity.prom")
        ok(self.p("export", "--openmetrics", "--history", self.db, "-o", out))
        text = open(out, encoding="utf-8").read()
        families = parse_openmetrics(self, text)
        acc = families["parity_domain_accuracy_ratio"]
        self.assertEqual(acc["unit"], "ratio")
        latest = load_json(os.path.join(self.dirs[-1], "summary.json"))
        want = [d["rate"] for d in latest["domains"] if d["domain"] == "qa"][0]
        got = [v for labels, v in acc["samples"] if labels["domain"] == "qa"]
        self.assertEqual(len(got), 1)
        self.assertAlmostEqual(got[0], want, places=12)
        info = families["parity_run_info"]["samples"]
        self.assertEqual([lab["run_id"] for lab, _ in info], [self.ids[-1]])
        self.assertEqual(families["parity_run_complete"]["samples"][0][1], 1)
        # The Grafana dashboard asks only for metrics the export writes.
        dash = open(os.path.join(harness.SOURCE_ROOT, "docs", "grafana-dashboard.json"),
                    encoding="utf-8").read()
        json.loads(dash)
        asked = set(re.findall(r"\bparity_[a-z_]+", dash))
        self.assertTrue(asked)
        self.assertEqual(asked - set(families), set())
        if shutil.which("promtool"):
            pr = subprocess.run(["promtool", "check", "metrics"], input=text.encode(),
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60)
            self.assertEqual(pr.returncode, 0, pr.stdout.decode())

    def test_jsonl_export(self):
        r = ok(self.p("export", "--jsonl", "--history", self.db))
        rows = [json.loads(x) for x in r.stdout.splitlines()]
        self.assertEqual([x["run_id"] for x in rows], self.ids)
        self.assertTrue(all(x["domains"] and x["comparisons"] is not None for x in rows))
        r = self.p("export", "--history", self.db)
        self.assertEqual(r.rc, 2)


NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABEL = r'[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"'
SAMPLE = re.compile(r"^(%s)(?:\{((?:%s)(?:,%s)*)?\})? (\S+)$" % (NAME, LABEL, LABEL))
META = re.compile(r"^# (TYPE|UNIT|HELP) (%s)(?: (.*))?$" % NAME)
TYPES = {"gauge", "counter", "stateset", "info", "histogram", "gaugehistogram", "summary",
         "unknown"}


def parse_openmetrics(test, text):
    """A strict reader of the OpenMetrics text format (families of gauges):
    metadata before samples, a family's samples together, a unit that ends
    the name, escaped label values, floats, one '# EOF' at the very end."""
    test.assertTrue(text.endswith("# EOF\n"), text[-200:])
    lines = text[:-len("# EOF\n")].split("\n")
    test.assertEqual(lines[-1], "")
    families, current, seen = {}, None, set()
    for line in lines[:-1]:
        m = META.match(line)
        if m:
            kind, name, rest = m.groups()
            if name != current:
                test.assertNotIn(name, families, "family %s split" % name)
                families[name] = {"type": None, "unit": None, "help": None, "samples": []}
                current = name
            fam = families[name]
            test.assertFalse(fam["samples"], "metadata after samples: " + line)
            key = kind.lower()
            test.assertIsNone(fam[key], "repeated " + line)
            fam[key] = rest
            if kind == "TYPE":
                test.assertIn(rest, TYPES)
            if kind == "UNIT":
                test.assertTrue(name.endswith("_" + rest), line)
            continue
        test.assertFalse(line.startswith("#"), "unknown comment: " + line)
        m = SAMPLE.match(line)
        test.assertIsNotNone(m, "not a sample line: %r" % line)
        name, labels, value = m.groups()
        test.assertEqual(name, current, "sample outside its family: " + line)
        test.assertEqual(families[name]["type"], "gauge")
        v = float(value)  # NaN, +Inf and numbers
        test.assertTrue(math.isnan(v) or value == str(v) or re.match(r"^-?\d", value), value)
        parsed = {k: unescape(v_[1:-1])
                  for k, v_ in (x.split("=", 1) for x in split_labels(labels or ""))}
        key = (name, tuple(sorted(parsed.items())))
        test.assertNotIn(key, seen, "duplicate series " + line)
        seen.add(key)
        families[name]["samples"].append((parsed, v))
    for name, fam in families.items():
        test.assertIsNotNone(fam["type"], name)
        test.assertIsNotNone(fam["help"], name)
        test.assertTrue(name.startswith("parity_"), name)
    return families


def unescape(v):
    return re.sub(r"\\(.)", lambda m: "\n" if m.group(1) == "n" else m.group(1), v)


def split_labels(s):
    out, cur, quoted, esc = [], "", False, False
    for ch in s:
        if esc:
            cur += ch
            esc = False
        elif ch == "\\":
            cur += ch
            esc = True
        elif ch == '"':
            cur += ch
            quoted = not quoted
        elif ch == "," and not quoted:
            out.append(cur)
            cur = ""
        else:
            cur += ch
    if cur:
        out.append(cur)
    return out


class ModelSwapTest(unittest.TestCase):
    """A silent swap behind the name 'm' in the fixture server: the same
    name asked for, other answers to the canaries, then another served id."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="parity-swap-")
        self.fx = harness.Fixture(model="m")
        self.suite = write_json(os.path.join(self.tmp, "tiny.json"), {
            "parity_suite": 1, "id": "tiny", "version": "1.0.0",
            "source": {"license": "CC0-1.0", "authors": "parity tests", "url": ""},
            "scorers": {"yes": {"type": "regex", "pattern": "yes", "flags": "i"}},
            "items": [{"id": "i%d" % i, "domain": "d", "outcome": "yes",
                       "prompt": "Item %d? Yes or no." % i} for i in range(4)]})
        self.db = os.path.join(self.tmp, "swap.db")
        self.n = 0

    def tearDown(self):
        self.fx.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def swap(self, body):
        req = urllib.request.Request(self.fx.root + "/_swap", data=json.dumps(body).encode(),
                                     method="POST")
        with urllib.request.urlopen(req, timeout=10) as resp:
            self.assertEqual(resp.status, 200)

    def run_once(self, *extra):
        self.n += 1
        return harness.parity(["run", self.suite, "--base-url", self.fx.base_url, "--model", "m",
                               "--run-dir", os.path.join(self.tmp, "r%d" % self.n), "--quiet",
                               "--history", self.db, "--history-fail-on", "model-change",
                               *extra])

    def test_swap_is_alerted(self):
        ok(self.run_once())
        r = ok(self.run_once())
        self.assertNotIn("ALERT", r.stdout)
        ids = lambda: [json.loads(x)["run_id"] for x in harness.parity(
            ["history", "list", "--json", "--history", self.db]).stdout.splitlines()]
        self.swap({"rules": {"default": "No, I would not."}})
        r = self.run_once()
        self.assertEqual(r.rc, 1, r.describe())
        a, b = ids()[1], ids()[2]
        self.assertIn("ALERT model-change: the model behind 'm' changed between run %s and run %s"
                      % (a, b), r.stdout)
        self.assertIn("behaviour fingerprint", r.stdout)
        self.swap({"reported_model": "m-2026-12-01"})
        r = self.run_once()
        self.assertEqual(r.rc, 1, r.describe())
        self.assertIn("served model 'm' became 'm-2026-12-01'", r.stdout)
        # Without --history-fail-on the alert is printed and the run passes.
        r = self.run_once("--history-fail-on", "none")
        self.assertEqual(r.rc, 0, r.describe())

    def test_error_budget_breach_is_alerted(self):
        suite = load_json(self.suite)
        for it in suite["items"][:2]:
            it["prompt"] += " [[status:400]]"
        bad = write_json(os.path.join(self.tmp, "bad.json"), suite)
        r = harness.parity(["run", bad, "--base-url", self.fx.base_url, "--model", "m",
                            "--run-dir", os.path.join(self.tmp, "bad"), "--quiet",
                            "--retries", "0", "--history", self.db])
        self.assertEqual(r.rc, 3, r.describe())
        self.assertRegex(r.stdout, r"ALERT budget: run \S+ is incomplete: 2 of 4 answers missing")
        # An incomplete run is no baseline.
        rid = load_json(os.path.join(self.tmp, "bad", "manifest.json"))["run_id"]
        r = harness.parity(["baseline", "set", "tiny", rid, "--history", self.db])
        self.assertEqual(r.rc, 2, r.describe())


if __name__ == "__main__":
    unittest.main(verbosity=2)
