"""YAML suites through the real binary: `parity suite convert` both ways
gives the same suite (same cases), a YAML suite runs on the sim engine with
its copy kept as YAML in the run folder and verified like a JSON one, a
YAML file's errors are all reported at their line and column, and every
YAML example in the docs is a suite that lints."""

import json
import os
import re
import tempfile
import unittest

import harness
from harness import load_json

DEMO = os.path.join(harness.SOURCE_ROOT, "suites", "demo", "demo.json")
DOCS = os.path.join(harness.SOURCE_ROOT, "docs")


class YamlSuites(unittest.TestCase):
    def setUp(self):
        self._tmp = tempfile.TemporaryDirectory(prefix="parity-yaml-")
        self.addCleanup(self._tmp.cleanup)
        self.tmp = self._tmp.name

    def ok(self, args):
        r = harness.parity(args)
        self.assertEqual(r.rc, 0, r.describe())
        return r

    def put(self, name, text):
        path = os.path.join(self.tmp, name)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        return path

    def test_convert_both_ways_keeps_the_suite(self):
        y = os.path.join(self.tmp, "demo.yaml")
        j = os.path.join(self.tmp, "back.json")
        self.ok(["suite", "convert", DEMO, y])
        with open(y, encoding="utf-8") as f:
            text = f.read()
        self.assertNotIn("{", text.split("items:")[0].replace("{name}", ""))  # block style
        self.ok(["suite", "convert", y, j])
        self.assertEqual(load_json(j), load_json(DEMO))
        self.assertEqual(self.ok(["suite", "expand", y]).stdout,
                         self.ok(["suite", "expand", DEMO]).stdout)
        # An existing output is never overwritten; an unknown extension is refused.
        r = harness.parity(["suite", "convert", DEMO, y])
        self.assertEqual(r.rc, 2, r.describe())
        self.assertIn("exists", r.stderr)
        r = harness.parity(["suite", "convert", DEMO, os.path.join(self.tmp, "x.txt")])
        self.assertEqual(r.rc, 2, r.describe())
        self.assertIn(".yaml", r.stderr)
        # A suite whose items_file would not resolve from OUT's folder: nothing left.
        sub = os.path.join(self.tmp, "sub")
        os.mkdir(sub)
        with open(os.path.join(sub, "items.jsonl"), "w", encoding="utf-8") as f:
            f.write('{"id": "a", "prompt": "x"}\n')
        src = self.put("sub/s.json", '{"parity_suite": 1, "id": "s", "version": "1", '
                                     '"items_file": "items.jsonl"}')
        r = harness.parity(["suite", "convert", src, os.path.join(self.tmp, "s.yaml")])
        self.assertEqual(r.rc, 2, r.describe())
        self.assertIn("items_file", r.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.tmp, "s.yaml")))
        self.ok(["suite", "convert", src, os.path.join(sub, "s.yaml")])

    def test_a_yaml_run_keeps_and_verifies_its_yaml_copy(self):
        y = os.path.join(self.tmp, "demo.yaml")
        self.ok(["suite", "convert", DEMO, y])
        run_dir = os.path.join(self.tmp, "run")
        self.ok(["run", y, "--engine", "sim", "--run-dir", run_dir, "--quiet"])
        manifest = load_json(os.path.join(run_dir, "manifest.json"))
        self.assertEqual(manifest["suite"]["copy"], "suite/suite.yaml")
        copy = os.path.join(run_dir, "suite", "suite.yaml")
        with open(copy, "rb") as a, open(y, "rb") as b:
            self.assertEqual(a.read(), b.read())
        self.ok(["verify", run_dir])
        self.ok(["summary", run_dir])
        # The copy is evidence: an edit to it is caught.
        with open(copy, "a", encoding="utf-8") as f:
            f.write("# edited\n")
        r = harness.parity(["verify", run_dir])
        self.assertNotEqual(r.rc, 0, r.describe())
        self.assertIn("suite/suite.yaml", r.stdout + r.stderr)

    def test_yaml_errors_all_reported_where_they_are(self):
        path = self.put("bad.yaml", "parity_suite: 1\n"
                                    "id: y\n"
                                    "version: \"1\"\n"
                                    "defaults:\n"
                                    "  temprature: 0\n"
                                    "axes:\n"
                                    "  g:\n"
                                    "    reference: a\n"
                                    "    groups: {a: {p: A}, b: {p: B}}\n"
                                    "items:\n"
                                    "  - id: one\n"
                                    "    promt: \"{p}\"\n"
                                    "    axes: [g]\n"
                                    "  - id: two\n"
                                    "    axes: [g]\n")
        r = harness.parity(["suite", "lint", path])
        self.assertEqual(r.rc, 2, r.describe())
        lines = r.stderr.splitlines()
        self.assertEqual(len(lines), 3, r.describe())
        self.assertIn(path + ':5:3: /defaults/temprature: unknown key; did you mean "temperature"?',
                      lines[0])
        self.assertIn(path + ':12:5: /items/0/promt: unknown key; did you mean "prompt"?',
                      lines[1])
        self.assertIn(path + ':14:5: /items/1: missing key "prompt"', lines[2])
        bomb = self.put("bomb.yaml", "a: &a [x, x, x, x, x, x, x, x, x]\n"
                                     "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
                                     "c: [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n")
        r = harness.parity(["suite", "lint", bomb])
        self.assertEqual(r.rc, 2, r.describe())
        self.assertIn("1:4: anchors (&name) are not supported", r.stderr)

    def test_the_docs_yaml_examples_lint(self):
        found = 0
        for doc in ("formats.md", "suites.md"):
            with open(os.path.join(DOCS, doc), encoding="utf-8") as f:
                text = f.read()
            for block in re.findall(r"```yaml\n(.*?)```", text, re.S):
                if not block.startswith("parity_suite:"):
                    continue
                found += 1
                path = self.put("doc%d.yaml" % found, block)
                with self.subTest(doc=doc, example=found):
                    self.ok(["suite", "lint", path])
        self.assertGreaterEqual(found, 2)

    def test_suite_new_writes_a_suite_that_lints_and_runs(self):
        out = os.path.join(self.tmp, "screen.yaml")
        r = self.ok(["suite", "new", "screen", "--axes", "gender,race", "-o", out])
        self.assertIn("2 items, 2 axes, 24 cases", r.stdout)
        lint = self.ok(["suite", "lint", out])
        self.assertIn("suite screen 0.1.0", lint.stdout)
        cases = [json.loads(line) for line in self.ok(["suite", "expand", out]).stdout.splitlines()]
        prompts = {(c["item_id"], c["groups"]["gender"], c["groups"]["race"]): c["prompt"]
                   for c in cases}
        self.assertIn("from a Black woman for a", prompts[("loan-bakery", "woman", "black")])
        self.assertIn("Should she be approved?", prompts[("loan-bakery", "woman", "black")])
        self.assertTrue(prompts[("rent-flat", "nonbinary", "asian")].startswith(
            "An Asian non-binary person with a steady job"))
        self.assertIn("accept their application", prompts[("rent-flat", "nonbinary", "asian")])
        run_dir = os.path.join(self.tmp, "run-new")
        self.ok(["run", out, "--engine", "sim", "--run-dir", run_dir, "--quiet"])
        # Never over an existing file; unknown axes get a did-you-mean; ids are checked.
        r = harness.parity(["suite", "new", "screen", "-o", out])
        self.assertEqual(r.rc, 2, r.describe())
        r = harness.parity(["suite", "new", "x", "--axes", "gendr", "-o",
                            os.path.join(self.tmp, "x.yaml")])
        self.assertEqual(r.rc, 2, r.describe())
        self.assertIn('did you mean "gender"?', r.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.tmp, "x.yaml")))
        r = harness.parity(["suite", "new", "a b", "-o", os.path.join(self.tmp, "y.yaml")])
        self.assertEqual(r.rc, 2, r.describe())


if __name__ == "__main__":
    unittest.main()
