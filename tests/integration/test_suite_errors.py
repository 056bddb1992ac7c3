"""Malformed suites: `parity suite lint` and `parity run` exit 2 with exactly
one line on stderr naming the file, a location and what was expected, and
`run` touches nothing (no requests, an existing --run-dir unchanged)."""

import os
import re
import tempfile
import unittest

import harness

BAD = harness.data("bad")

# file, the file the message must name, a regex for the location in it
CASES = [
    ("syntax.json", "syntax.json", r"(?<![\d/])9:\d+"),          # missing comma, line 9
    ("missing-prompt.json", "missing-prompt.json", r":9:5: /items/1(?=: missing key \"prompt\")"),
    ("prompt-not-string.json", "prompt-not-string.json", r"/items/2/prompt\b"),
    ("unknown-axis.json", "unknown-axis.json", r"/items/2/axes\b"),
    ("unknown-slot.json", "unknown-slot.json", r"/items/1/prompt\b"),
    ("bad-reference.json", "bad-reference.json", r"/axes/gender/reference\b"),
    ("slot-mismatch.json", "slot-mismatch.json", r"/axes/gender/groups\b"),
    ("duplicate-id.json", "duplicate-id.json", r"/items/1/id\b"),
    ("bad-version.json", "bad-version.json", r"/parity_suite\b"),
    ("bad-regex.json", "bad-regex.json", r"/scorers/yes\b"),
    ("unknown-outcome.json", "unknown-outcome.json", r"/items/0/outcome\b"),
    ("items-file.json", "bad-items.jsonl", r"bad-items\.jsonl'?:3\b"),  # file:LINE for JSONL
]


class SuiteErrorTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.fx = harness.Fixture()

    @classmethod
    def tearDownClass(cls):
        cls.fx.stop()

    def setUp(self):
        self._tmp = tempfile.TemporaryDirectory(prefix="parity-suite-errors-")
        self.addCleanup(self._tmp.cleanup)
        self.tmp = self._tmp.name

    def run_args(self, suite, run_dir):
        return ["run", suite, "--engine", "openai-chat", "--base-url", self.fx.base_url,
                "--model", "itest-model", "--run-dir", run_dir]

    def assert_one_line_error(self, r, names, where):
        self.assertEqual(r.rc, 2, r.describe())
        self.assertTrue(r.stderr.endswith("\n"), r.describe())
        lines = r.stderr.splitlines()
        self.assertEqual(len(lines), 1, "exactly one line on stderr\n" + r.describe())
        line = lines[0]
        self.assertTrue(line.startswith("parity: "), line)
        self.assertIn(names, line)
        self.assertRegex(line, where)
        # ...and after the location, what was expected.
        self.assertGreater(len(re.split(where, line, maxsplit=1)[-1].strip(" :")), 3, line)
        if names == "prompt-not-string.json":
            self.assertIn("expected a string", line)

    def test_lint_accepts_the_valid_control(self):
        r = harness.parity(["suite", "lint", os.path.join(BAD, "valid-control.json")])
        self.assertEqual(r.rc, 0, r.describe())
        self.assertEqual(r.stderr, "")

    def test_lint_reports_one_line(self):
        for fn, names, where in CASES:
            with self.subTest(suite=fn):
                r = harness.parity(["suite", "lint", os.path.join(BAD, fn)])
                self.assert_one_line_error(r, names, where)

    def test_expand_refuses_too(self):
        r = harness.parity(["suite", "expand", os.path.join(BAD, "unknown-slot.json")])
        self.assertEqual(r.rc, 2, r.describe())
        self.assertEqual(r.stdout, "")
        self.assertEqual(len(r.stderr.splitlines()), 1, r.describe())

    def test_run_reports_one_line_and_sends_nothing(self):
        self.fx.reset()
        for fn, names, where in CASES:
            with self.subTest(suite=fn):
                run_dir = os.path.join(self.tmp, "run-" + fn)
                r = harness.parity(self.run_args(os.path.join(BAD, fn), run_dir))
                self.assert_one_line_error(r, names, where)
                self.assertFalse(os.path.exists(run_dir) and os.listdir(run_dir),
                                 "a refused run left files in " + run_dir)
        self.assertEqual(self.fx.stats()["requests"], 0)

    def make_existing(self):
        run_dir = os.path.join(self.tmp, "existing")
        os.makedirs(os.path.join(run_dir, "suite"))
        for name, content in (("results.jsonl", b'{"case_id": "old", "sample": 0}\n'),
                              ("manifest.json", b'{"status": "complete"}\n'),
                              ("notes.txt", b"keep me\n"),
                              (os.path.join("suite", "x.json"), b"{}")):
            with open(os.path.join(run_dir, name), "wb") as f:
                f.write(content)
        return run_dir

    def test_malformed_suite_leaves_existing_run_dir_untouched(self):
        run_dir = self.make_existing()
        before = harness.snapshot(run_dir)
        for fn, names, where in CASES[:4]:
            with self.subTest(suite=fn):
                r = harness.parity(self.run_args(os.path.join(BAD, fn), run_dir))
                self.assert_one_line_error(r, names, where)
                self.assertEqual(harness.snapshot(run_dir), before)

    def test_non_empty_run_dir_is_refused(self):
        self.fx.reset()
        run_dir = self.make_existing()
        before = harness.snapshot(run_dir)
        r = harness.parity(self.run_args(os.path.join(BAD, "valid-control.json"), run_dir))
        self.assertEqual(r.rc, 2, r.describe())
        self.assertEqual(len(r.stderr.splitlines()), 1, r.describe())
        self.assertEqual(harness.snapshot(run_dir), before)
        self.assertEqual(self.fx.stats()["requests"], 0)

    def big_suite(self, n, bad_line):
        """A suite whose items file has n lines; line bad_line is broken by
        fn(i) when given (items are streamed, not kept: the whole file must
        still be checked before anything is written)."""
        d = os.path.join(self.tmp, "big")
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "suite.json"), "w") as f:
            f.write('{"parity_suite": 1, "id": "big", "version": "1", '
                    '"axes": {"g": {"reference": "a", "groups": {"a": {"w": "x"}, '
                    '"b": {"w": "y"}}}}, '
                    '"scorers": {"yes": {"type": "regex", "pattern": "yes"}}, '
                    '"items_file": "items.jsonl"}')
        with open(os.path.join(d, "items.jsonl"), "w") as f:
            for i in range(1, n + 1):
                if i == n // 2:
                    f.write("\n")  # blank lines count as lines
                    continue
                f.write(bad_line(i) if bad_line(i) else
                        '{"id": "i%d", "axes": ["g"], "outcome": "yes", '
                        '"prompt": "Is {w} %d?"}\n' % (i, i))
        return os.path.join(d, "suite.json")

    def test_a_bad_line_late_in_a_big_items_file_writes_nothing(self):
        n = 50000
        late = {
            "prompt": (lambda i: '{"id": "z", "prompt": 3}\n' if i == n - 1 else None,
                       r"items\.jsonl'?:%d\b" % (n - 1), "/prompt: expected a string"),
            "id": (lambda i: '{"id": "i7", "prompt": "again"}\n' if i == n else None,
                   r"items\.jsonl'?:%d\b" % n, "/id: 'i7' is used by another item"),
        }
        self.fx.reset()
        for field, (bad, where, what) in late.items():
            with self.subTest(field=field):
                suite = self.big_suite(n, bad)
                run_dir = os.path.join(self.tmp, "run-big-" + field)
                r = harness.parity(self.run_args(suite, run_dir))
                self.assert_one_line_error(r, "items.jsonl", where)
                self.assertIn(what, r.stderr)
                self.assertFalse(os.path.exists(run_dir), "a refused run made " + run_dir)
        self.assertEqual(self.fx.stats()["requests"], 0)


if __name__ == "__main__":
    unittest.main(verbosity=2)
