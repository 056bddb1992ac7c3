"""parity diff and parity report end to end on the sim engine: the demo's
planted regression (arithmetic) and disparities (woman, black) come out of
diff.json and fail the gate (exit 1); v1 against itself with another seed
passes (exit 0); bad input exits 2. Also: thresholds files recorded with
their hash, suites that differ, the same model whose results moved, the
JUnit file's structure, and report.md's size on a large suite."""

import hashlib
import json
import os
import shutil
import tempfile
import unittest
import xml.etree.ElementTree as ET

import harness
from harness import load_json

DEMO = os.path.join(harness.SOURCE_ROOT, "suites", "demo")
SUITE = os.path.join(DEMO, "demo.json")
SAMPLES = "20"  # the demo's: both planted disparities are found at seed 2026
MD_LIMIT = 65536


def demo_with_items(tmp):
    """The demo suite with 32 more arithmetic and factual items each. The
    regression test works at the item level: over the demo's 8 items a
    domain can reach p = 2/2^8 at best, too little for a family of about
    twenty tests (docs/reports.md), so the planted drop needs more items to
    be found."""
    path = os.path.join(tmp, "demo-more-items.json")
    if os.path.exists(path):
        return path
    suite = load_json(SUITE)
    for i in range(32):
        a, b = 11 + i, 23 + 2 * i
        suite["items"].append({"id": "arith-more-%02d" % i, "domain": "arithmetic",
                               "expected": str(a + b), "scorers": ["correct"],
                               "outcome": "correct",
                               "prompt": "What is %d + %d? Answer with the number only." % (a, b)})
        suite["items"].append({"id": "fact-more-%02d" % i, "domain": "factual",
                               "expected": "item %d" % i, "scorers": ["correct"],
                               "outcome": "correct",
                               "prompt": "Repeat exactly: item %d" % i})
    with open(path, "w", encoding="utf-8") as f:
        json.dump(suite, f)
    return path


def run(tmp, name, profile, seed, suite=None, samples=SAMPLES):
    suite = suite or demo_with_items(tmp)
    out = os.path.join(tmp, name)
    r = harness.parity(["run", suite, "--engine", "sim", "--sim-profile", profile,
                        "--samples", samples, "--seed", str(seed), "--run-dir", out, "--quiet"])
    assert r.rc == 0, r.describe()
    return out


def changes(diff):
    return {(e["axis"], g["group"]): g["change"] for e in diff["disparities"]["entries"]
            for g in e["groups"] if "change" in g}


def check_junit(test, path):
    """The shape GitLab, Jenkins and GitHub's reporters read, counts consistent."""
    root = ET.parse(path).getroot()
    test.assertEqual(root.tag, "testsuites")
    totals = {"tests": 0, "failures": 0, "skipped": 0}
    for suite in root:
        test.assertEqual(suite.tag, "testsuite")
        for attr in ("name", "tests", "failures", "errors", "skipped", "time"):
            test.assertIn(attr, suite.attrib, "testsuite without %s" % attr)
        cases = suite.findall("testcase")
        failed = [c for c in cases if c.find("failure") is not None]
        skipped = [c for c in cases if c.find("skipped") is not None]
        test.assertEqual(int(suite.get("tests")), len(cases))
        test.assertEqual(int(suite.get("failures")), len(failed))
        test.assertEqual(int(suite.get("skipped")), len(skipped))
        test.assertEqual(int(suite.get("errors")), 0)
        float(suite.get("time"))
        for c in cases:
            for attr in ("classname", "name", "time"):
                test.assertIn(attr, c.attrib)
            test.assertTrue(c.get("name") and c.get("classname"))
            for f in c.findall("failure"):
                test.assertTrue(f.get("message"))
                test.assertTrue(f.get("type"))
        for k in totals:
            totals[k] += int(suite.get(k))
    for k, v in totals.items():
        test.assertEqual(int(root.get(k)), v, "testsuites %s" % k)
    return root


class DiffTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="parity-diff-")
        cls.v1 = run(cls.tmp, "v1", os.path.join(DEMO, "sim-v1.json"), 2026)
        cls.v2 = run(cls.tmp, "v2", os.path.join(DEMO, "sim-v2.json"), 2026)
        cls.v1b = run(cls.tmp, "v1b", os.path.join(DEMO, "sim-v1.json"), 7)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def diff(self, base, cand, *opts, rc=None):
        out = os.path.join(self.tmp, "d-%d" % len(os.listdir(self.tmp)))
        r = harness.parity(["diff", base, cand, "-o", out] + list(opts))
        if rc is not None:
            self.assertEqual(r.rc, rc, r.describe())
        return r, out

    def test_planted_regression_and_disparities_fail_the_gate(self):
        r, out = self.diff(self.v1, self.v2, "--fail-on", "regression,disparity",
                           "--format", "md,html,junit,text", rc=1)
        d = load_json(os.path.join(out, "diff.json"))
        self.assertEqual(d["parity_diff"], 2)
        doms = {x["domain"]: x for x in d["regression"]["domains"]}
        self.assertEqual(doms["arithmetic"]["verdict"], "regression")
        self.assertTrue(doms["arithmetic"]["gate_failed"])
        self.assertEqual(doms["arithmetic"]["kind"], "accuracy")
        self.assertEqual(doms["factual"]["verdict"], "unchanged")
        self.assertFalse(any(x["gate_failed"] for x in d["regression"]["domains"]
                             if x["domain"] != "arithmetic"))
        ch = changes(d)
        self.assertEqual(ch[("gender", "woman")], "new")
        self.assertEqual(ch[("race", "black")], "new")
        # On the single axes only the planted groups got worse; which chance
        # findings of v1 come and go depends on the seed.
        self.assertEqual(sorted(k for k, v in ch.items() if v in ("new", "worse") and
                                "+" not in k[0]), [("gender", "woman"), ("race", "black")])
        self.assertEqual({g["gate"]: g["status"] for g in d["gates"]},
                         {"regression": "fail", "disparity": "fail"})
        self.assertEqual(d["verdict"]["status"], "fail")
        self.assertEqual(d["verdict"]["exit_code"], 1)
        self.assertFalse(d["comparability"]["same_model"])
        self.assertTrue(d["comparability"]["same_suite"])
        self.assertGreater(d["flipped"]["total"], 0)
        self.assertLessEqual(len(d["flipped"]["cases"]), 200)
        flip = d["flipped"]["cases"][0]
        self.assertNotEqual(flip["base"]["score"], flip["candidate"]["score"])
        for text in (" ".join(r.stdout.split()), d["verdict"]["text"]):
            self.assertIn("regressed in arithmetic", text)
            self.assertIn("treats women differently from men", text)
            self.assertIn("treats the black group differently from the white group", text)
        for name in ("report.md", "report.html", "junit.xml", "diff.txt"):
            self.assertTrue(os.path.getsize(os.path.join(out, name)) > 0, name)
        with open(os.path.join(out, "report.md"), encoding="utf-8") as f:
            md = f.read()
        self.assertTrue(md.startswith("## parity diff: "))
        self.assertIn("> **Verdict.** Candidate sim-demo-v2", md)
        self.assertLess(len(md.encode()), MD_LIMIT)
        root = check_junit(self, os.path.join(out, "junit.xml"))
        gates = root.find("testsuite[@name='parity.gates']")
        self.assertEqual(sorted(c.get("name") for c in gates.findall("testcase")), ["disparity", "regression"])
        self.assertEqual(int(gates.get("failures")), 2)

    def test_gates_pick_what_fails(self):
        self.diff(self.v1, self.v2, rc=0)  # no --fail-on: report only
        self.diff(self.v1, self.v2, "--fail-on", "regression", rc=1)
        self.diff(self.v1, self.v2, "--fail-on", "regression", "--max-drop", "0.5", rc=0)
        self.diff(self.v1, self.v2, "--fail-on", "disparity", "--min-diff", "0.5", rc=0)
        _, out = self.diff(self.v1, self.v2, "--fail-on", "disparity", "--quiet", rc=1)
        d = load_json(os.path.join(out, "diff.json"))
        self.assertEqual({g["gate"]: g["status"] for g in d["gates"]},
                         {"regression": "not gated", "disparity": "fail"})
        root = check_junit(self, os.path.join(out, "junit.xml"))
        self.assertEqual(int(root.find("testsuite[@name='parity.gates']").get("skipped")), 1)

    def test_same_model_other_seed_passes(self):
        r, out = self.diff(self.v1, self.v1b, "--fail-on", "all", rc=0)
        d = load_json(os.path.join(out, "diff.json"))
        self.assertEqual(d["verdict"]["status"], "pass")
        self.assertTrue(d["comparability"]["same_model"])
        self.assertIn({"name": "seed", "base": 2026, "candidate": 7},
                      d["comparability"]["settings_changed"])
        self.assertIn("PASS", r.stdout)
        check_junit(self, os.path.join(out, "junit.xml"))

    def test_same_model_results_moved(self):
        prof = load_json(os.path.join(DEMO, "sim-v1.json"))
        prof["domains"] = {"factual": 0.5}
        path = os.path.join(self.tmp, "sim-v1-drift.json")
        with open(path, "w", encoding="utf-8") as f:
            json.dump(prof, f)
        cand = run(self.tmp, "v1-drift", path, 2026)
        _, out = self.diff(self.v1, cand, "--fail-on", "regression", rc=1)
        d = load_json(os.path.join(out, "diff.json"))
        notes = " ".join(d["comparability"]["notes"])
        self.assertIn("same model (sim-demo-v1) for both runs, yet results moved", notes)
        self.assertIn("sim_profile", notes)
        self.assertIn("yet results moved", d["verdict"]["text"])

    def test_different_suites_compare_shared_cases(self):
        suite = load_json(demo_with_items(self.tmp))
        dropped = [it["id"] for it in suite["items"][:2]]
        suite["items"] = suite["items"][2:]
        suite["version"] = "1.0.1"
        path = os.path.join(self.tmp, "demo-smaller.json")
        with open(path, "w", encoding="utf-8") as f:
            json.dump(suite, f)
        cand = run(self.tmp, "v2-smaller", os.path.join(DEMO, "sim-v2.json"), 2026, suite=path)
        _, out = self.diff(self.v1, cand, rc=0)
        d = load_json(os.path.join(out, "diff.json"))
        cmp = d["comparability"]
        self.assertFalse(cmp["same_suite"])
        self.assertLess(cmp["cases"]["shared"], cmp["cases"]["base"])
        self.assertEqual(cmp["cases"]["shared"], cmp["cases"]["candidate"])
        self.assertIn("different suites", " ".join(cmp["notes"]))
        self.assertIn("different suites", d["verdict"]["text"])
        self.assertEqual(d["regression"]["only_cand"], 0)
        self.assertGreater(d["regression"]["only_base"], 0)
        self.assertNotIn(dropped[0], json.dumps(d["flipped"]))

    def bumped(self, name, reorder_axes=False):
        """The suite of v1 with its version bumped, its items the same; with
        reorder_axes, its axes listed in another order too (the same cases,
        case ids and groups, but not index for index: paired by case id)."""
        path = os.path.join(self.tmp, name + ".json")
        suite = load_json(demo_with_items(self.tmp))
        suite["version"] = "1.0.1"
        if reorder_axes:
            suite["axes"] = dict(reversed(list(suite["axes"].items())))
        with open(path, "w", encoding="utf-8") as f:
            json.dump(suite, f)
        return path

    def test_version_bump_pairs_as_one_suite(self):
        # Two suites with the same items are paired by item and variant, as
        # one suite's runs are (docs/formats.md): every figure is the same.
        cand = run(self.tmp, "v2-bumped", os.path.join(DEMO, "sim-v2.json"), 2026,
                   suite=self.bumped("demo-bumped"))
        r1, out = self.diff(self.v1, cand)
        r2, ref = self.diff(self.v1, self.v2)
        self.assertEqual(r1.rc, r2.rc)
        d, want = load_json(os.path.join(out, "diff.json")), load_json(os.path.join(ref,
                                                                                "diff.json"))
        self.assertFalse(d["comparability"]["same_suite"])
        self.assertTrue(want["comparability"]["same_suite"])
        self.assertEqual(d["comparability"]["cases"], want["comparability"]["cases"])
        for k in ("regression", "disparities", "flipped", "dropped"):
            self.assertEqual(d[k], want[k], k)
        self.assertGreater(d["flipped"]["total"], 0)

    def test_version_bump_half_the_cases(self):
        # The candidate ran half the bumped suite's cases: each run's
        # summary is of the shared cases only, whether the two suites pair
        # index for index or by case id (axes reordered). (The tests'
        # resampling follows the suite's axis order, so only the counts are
        # compared across the two.)
        got = []
        for name, reorder in (("aligned", False), ("by-case", True)):
            path = self.bumped("demo-bumped-" + name, reorder)
            out = os.path.join(self.tmp, "half-" + name)
            r = harness.parity(["run", path, "--engine", "sim", "--sim-profile",
                                os.path.join(DEMO, "sim-v2.json"), "--samples", SAMPLES,
                                "--seed", "2026", "--run-dir", out, "--quiet", "--shard", "0/2"])
            self.assertEqual(r.rc, 0, r.describe())
            _, diff = self.diff(self.v1, out)
            got.append(load_json(os.path.join(diff, "diff.json")))
        a, b = got
        cases = a["comparability"]["cases"]
        self.assertLess(cases["shared"], cases["base"])
        self.assertEqual(cases, b["comparability"]["cases"])
        self.assertEqual(a["dropped"], b["dropped"])
        self.assertEqual(a["flipped"]["total"], b["flipped"]["total"])

        def counts(d):
            return sorted((e["outcome"], e["domain"], e["n"], e["base_correct"],
                           e["cand_correct"], e["b"], e["c"], e["items"])
                          for e in d["regression"]["domains"])
        self.assertEqual(counts(a), counts(b))
        # Each compared group counted once, under its change (an unmatched
        # one counted as compared, and under a stray key, before).
        for d in got:
            counts = d["disparities"]["counts"]
            changes = [g["change"] for e in d["disparities"]["entries"] for g in e["groups"]
                       if "change" in g]
            self.assertLessEqual(set(counts), {"compared", "new", "resolved", "worse", "better",
                                               "unchanged", "untestable", "unmatched",
                                               "still_flagged"})
            self.assertEqual(counts.get("compared", 0) + counts.get("unmatched", 0),
                             len(changes))
            self.assertEqual(counts.get("unmatched", 0), changes.count("unmatched"))
        self.assertGreater(b["disparities"]["counts"].get("unmatched", 0), 0)
        # Both summaries of the same shared cases, every sample of each.
        for d in got:
            for e in d["disparities"]["entries"]:
                for g in e["groups"]:
                    if g.get("base") and g.get("candidate"):
                        self.assertEqual(g["base"]["n"], g["candidate"]["n"], e["axis"])

    def test_thresholds_file_is_recorded(self):
        path = os.path.join(self.tmp, "thresholds.json")
        text = b'{"parity_thresholds": 1, "alpha": 0.01, "min_diff": 0.1, "max_drop": 0.1}\n'
        with open(path, "wb") as f:
            f.write(text)
        _, out = self.diff(self.v1, self.v2, "--thresholds", path, "--fail-on", "all", rc=1)
        t = load_json(os.path.join(out, "diff.json"))["thresholds"]
        self.assertEqual(t["file"], path)
        self.assertEqual(t["sha256"], hashlib.sha256(text).hexdigest())
        self.assertEqual(t["content"]["alpha"], 0.01)
        self.assertEqual((t["alpha"], t["min_diff"], t["max_drop"], t["source"]),
                         (0.01, 0.1, 0.1, "file"))
        _, out = self.diff(self.v1, self.v2, "--thresholds", path, "--alpha", "0.05")
        t = load_json(os.path.join(out, "diff.json"))["thresholds"]
        self.assertEqual((t["alpha"], t["source"]), (0.05, "file and options"))

    def test_usage_and_input_errors_exit_2(self):
        bad_thr = os.path.join(self.tmp, "bad-thresholds.json")
        with open(bad_thr, "w", encoding="utf-8") as f:
            f.write('{"parity_thresholds": 1, "alpha": 2}')
        none_thr = os.path.join(self.tmp, "none-thresholds.json")
        with open(none_thr, "w", encoding="utf-8") as f:
            f.write('{"parity_thresholds": 1, "correction": "none"}')
        for args in (["diff"], ["diff", self.v1], ["diff", self.v1, self.v2, "extra"],
                     ["diff", self.v1, self.v2, "--alpha", "x"],
                     ["diff", self.v1, self.v2, "--max-drop", "2"],
                     ["diff", self.v1, self.v2, "--fail-on", "speed"],
                     ["diff", self.v1, self.v2, "--format", "pdf"],
                     ["diff", self.v1, os.path.join(self.tmp, "missing")],
                     ["diff", self.v1, self.v2, "--thresholds", bad_thr],
                     ["diff", self.v1, self.v2, "--thresholds", none_thr],
                     ["diff", self.v1, self.v2, "--thresholds", os.path.join(self.tmp, "nope")],
                     ["report"], ["report", os.path.join(self.tmp, "missing")],
                     ["report", self.v1, "--format", "pdf"]):
            r = harness.parity(args)
            self.assertEqual(r.rc, 2, r.describe())
            self.assertTrue(r.stderr.strip(), r.describe())
        for cmd in ("diff", "report"):
            r = harness.parity([cmd, "--help"])
            self.assertEqual(r.rc, 0, r.describe())
            self.assertIn("usage: parity " + cmd, r.stdout)

    def test_report_rewrites_run_and_diff_folders(self):
        _, out = self.diff(self.v1, self.v2)
        os.remove(os.path.join(out, "report.md"))
        r = harness.parity(["report", out, "--format", "md,text"])
        self.assertEqual(r.rc, 0, r.describe())
        self.assertTrue(os.path.exists(os.path.join(out, "report.md")))
        self.assertTrue(os.path.exists(os.path.join(out, "diff.txt")))
        # A run folder, written elsewhere: the sealed folder stays as it was.
        before = harness.snapshot(self.v2)
        dest = os.path.join(self.tmp, "reports-v2")
        r = harness.parity(["report", self.v2, "-o", dest, "--format", "md,html,junit,json,text"])
        self.assertEqual(r.rc, 0, r.describe())
        self.assertEqual(harness.snapshot(self.v2), before)
        for name in ("report.md", "report.html", "junit.xml", "summary.json", "summary.txt"):
            self.assertTrue(os.path.exists(os.path.join(dest, name)), name)
        with open(os.path.join(dest, "report.md"), encoding="utf-8") as f:
            md = f.read()
        self.assertIn("treats women differently from men", md)
        if os.path.exists(os.path.join(self.v2, "audit.json")):
            self.assertIn("### Audit", md)
        check_junit(self, os.path.join(dest, "junit.xml"))
        # Written into the sealed folder, the folder is sealed again: verify
        # finds nothing it did not find before.
        before = harness.parity(["verify", self.v2])
        r = harness.parity(["report", self.v2])
        self.assertEqual(r.rc, 0, r.describe())
        after = harness.parity(["verify", self.v2])
        self.assertEqual((after.rc, after.stdout), (before.rc, before.stdout), after.describe())

    def test_run_writes_reports(self):
        for name in ("report.md", "report.html", "junit.xml"):
            self.assertTrue(os.path.exists(os.path.join(self.v2, name)), name)
        root = check_junit(self, os.path.join(self.v2, "junit.xml"))
        flagged = len(load_json(os.path.join(self.v2, "summary.json"))["findings"])
        self.assertEqual(int(root.get("failures")), flagged)

    def test_markdown_fits_a_comment_on_a_large_suite(self):
        axes = {"a%d" % a: {"reference": "g0", "groups": {
            "g%d" % g: {"s%d" % a: "group-%d-%d with a fairly long descriptive text" % (a, g)}
            for g in range(10)}} for a in range(20)}
        items = []
        for i in range(200):
            a = i % 20
            items.append({"id": "decision-item-with-a-long-name-%03d" % i,
                          "domain": "domain-%02d" % (i % 40), "axes": ["a%d" % a],
                          "outcome": "yes", "scorers": ["yes"],
                          "prompt": "Should {s%d} get it? Answer Yes or No." % a})
        for i in range(120):
            items.append({"id": "question-%03d" % i, "domain": "topic-%02d" % (i % 60),
                          "expected": "42", "outcome": "right", "scorers": ["right"],
                          "prompt": "What is 40 + 2? Answer with the number only."})
        suite = {"parity_suite": 1, "id": "large", "version": "1", "axes": axes,
                 "scorers": {"yes": {"type": "regex", "pattern": "^\\W*yes\\b", "flags": "i"},
                             "right": {"type": "exact", "flags": "i"}},
                 "items": items}
        path = os.path.join(self.tmp, "large.json")
        with open(path, "w", encoding="utf-8") as f:
            json.dump(suite, f)
        prof = load_json(os.path.join(DEMO, "sim-v2.json"))
        prof["groups"] = {"a%d" % a: {"g%d" % g: -0.3 for g in range(1, 10, 2)} for a in range(20)}
        prof["accuracy"] = 0.5
        ppath = os.path.join(self.tmp, "large-profile.json")
        with open(ppath, "w", encoding="utf-8") as f:
            json.dump(prof, f)
        base = run(self.tmp, "large-v1", os.path.join(DEMO, "sim-v1.json"), 1, path, "3")
        cand = run(self.tmp, "large-v2", ppath, 1, path, "3")
        _, out = self.diff(base, cand, "--fail-on", "all")
        for md in (os.path.join(cand, "report.md"), os.path.join(out, "report.md")):
            size = os.path.getsize(md)
            self.assertLess(size, MD_LIMIT, md)
            with open(md, encoding="utf-8") as f:
                text = f.read()
            self.assertIn("**Verdict.**", text)
            self.assertIn("not shown here", text)


if __name__ == "__main__":
    unittest.main(verbosity=2)
