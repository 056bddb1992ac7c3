"""The first hour (issue 15 item 8): what a new user meets on the command line.

- a mistyped option, of any command, is one stderr line naming it with the
  closest option as a did-you-mean and the command's --help, exit 2, not
  the usage text; a mistyped command or subcommand likewise; an option
  short of its value or given one it does not take is said so;
- stdout and stderr written to one file never splice a line of one into a
  line of the other (stdout was fully buffered when not a TTY);
- parity demo ends with the diff of its two versions and names the reports
  to open, which exist;
- score --help and summary --help describe their own command."""

import os
import re
import shutil
import subprocess
import tempfile
import unittest

import harness

LONG_OPT = re.compile(r"(?<![\w/-])--([a-z][a-z0-9]*(?:-[a-z0-9]+)+|[a-z]{4,})(?![\w-])")


def commands():
    out = harness.parity(["--help"], timeout=30).stdout
    block = out.split("commands:\n", 1)[1].split("\n\n", 1)[0]
    return [m.group(1) for m in re.finditer(r"^  ([a-z][a-z-]*)  ", block, re.M)]


def typo(name):
    """name with two neighbouring letters swapped, past its first letter."""
    for i in range(1, len(name) - 1):
        if name[i] != name[i + 1] and name[i].isalpha() and name[i + 1].isalpha():
            return name[:i] + name[i + 1] + name[i] + name[i + 2:]
    return None


class OneLineErrors(unittest.TestCase):
    def one_line(self, r):
        self.assertEqual(r.rc, 2, r.describe())
        self.assertEqual(r.stdout, "", r.describe())
        self.assertEqual(len(r.stderr.splitlines()), 1, r.describe())
        self.assertNotIn("usage:", r.stderr, r.describe())
        return r.stderr.rstrip("\n")

    def test_the_issue_example(self):
        r = harness.parity(["run", "--enigne", "sim"])
        self.assertEqual(self.one_line(r), "parity: unknown option '--enigne'; did you mean "
                         "'--engine'? (parity run --help)")

    def test_every_option_of_every_command(self):
        """Each long option a command's --help prints, misspelt: its own name comes back."""
        tried = 0
        for cmd in commands():
            if cmd in ("engines", "version"):  # no options; their help names others'
                continue
            # Options the help defines (its table or usage), not those it
            # names of other commands ("parity diff --baseline ...").
            text = harness.parity([cmd, "--help"]).stdout
            names = sorted(set(n for line in text.splitlines() for n in LONG_OPT.findall(line)
                               if re.match(r"\s*(usage:|-|\[|\()", line) or "[--" + n in line))
            for name in names:
                wrong = typo(name)
                if not wrong or wrong in names:
                    continue
                words = cmd.split() + ["--" + wrong]
                sub = {"suite": ["lint", "x.json"], "history": ["list"], "baseline": ["show", "x"]}
                if cmd in sub:
                    words = [cmd] + sub[cmd] + ["--" + wrong]
                if cmd == "suite" and name == "axes":  # suite new's
                    words = ["suite", "new", "x", "--" + wrong]
                line = self.one_line(harness.parity(words, timeout=30))
                self.assertIn("unknown option '--%s'" % wrong, line)
                self.assertIn("did you mean '--%s'?" % name, line)
                self.assertTrue(line.endswith("(parity %s --help)" % cmd), line)
                tried += 1
        self.assertGreater(tried, 60)

    def test_commands_without_options_refuse_one(self):
        for cmd in ("engines", "version"):
            line = self.one_line(harness.parity([cmd, "--hlep"]))
            self.assertIn("did you mean '--help'?", line)

    def test_mistyped_commands(self):
        for words, wrong, want in ((["rn"], "rn", "run"), (["sumary", "x"], "sumary", "summary"),
                                   (["verfiy", "x"], "verfiy", "verify"),
                                   (["suite", "lnit", "x"], "lnit", "lint"),
                                   (["suite", "lsit"], "lsit", "list")):
            line = self.one_line(harness.parity(words))
            self.assertIn("unknown command '%s'; did you mean '%s'?" % (wrong, want), line)
        line = self.one_line(harness.parity(["xyzzy"]))
        self.assertEqual(line, "parity: unknown command 'xyzzy' (parity --help)")

    def test_values_and_ambiguity(self):
        self.assertEqual(self.one_line(harness.parity(["run", "s.json", "--engine"])),
                         "parity: option '--engine' needs a value (parity run --help)")
        self.assertEqual(self.one_line(harness.parity(["summary", "--quiet=yes", "d"])),
                         "parity: option '--quiet' takes no value (parity summary --help)")
        self.assertEqual(self.one_line(harness.parity(["score", "d", "-o"])),
                         "parity: option '-o' needs a value (parity score --help)")
        line = self.one_line(harness.parity(["run", "--s", "1", "s.json"]))
        self.assertRegex(line, r"^parity: option '--s' is ambiguous: --s[a-z-]+, --s")
        # An option of another command: verify takes no --key (sign does).
        self.assertEqual(self.one_line(harness.parity(["verify", "d", "--key", "k"])),
                         "parity: unknown option '--key' (parity verify --help)")
        line = self.one_line(harness.parity(["run", "-enigne", "sim", "s.json"]))
        self.assertIn("did you mean '--engine'?", line)
        self.assertEqual(self.one_line(harness.parity(["demo", "extra"])),
                         "parity: demo takes no argument: 'extra' (parity demo --help)")
        self.assertIn("unknown option '--zzzzzz' (parity diff --help)",
                      self.one_line(harness.parity(["diff", "a", "b", "--zzzzzz"])))

    def test_help_describes_score_and_summary(self):
        for cmd, says in (("score", "Scores every answer of RUN_DIR again"),
                          ("summary", "Recomputes RUN_DIR's group summary")):
            r = harness.parity([cmd, "--help"])
            self.assertEqual(r.rc, 0, r.describe())
            self.assertTrue(r.stdout.startswith("usage: parity %s RUN_DIR" % cmd), r.describe())
            self.assertIn(says, r.stdout)


class Demo(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="parity-cli-")
        # stdout and stderr to one file, as `parity demo > log 2>&1` does.
        cls.log = os.path.join(cls.tmp, "log")
        env = {k: v for k, v in os.environ.items() if k not in harness.SCRUB_ENV}
        env.pop("PARITY_DATA_DIR", None)
        with open(cls.log, "wb") as f:
            cls.rc = subprocess.run(harness.WRAPPER + [harness.PARITY, "demo"], cwd=cls.tmp,
                                    stdout=f, stderr=subprocess.STDOUT, env=env,
                                    stdin=subprocess.DEVNULL, timeout=300 * harness.SLOW
                                    ).returncode
        with open(cls.log, encoding="utf-8") as f:
            cls.lines = f.read().splitlines()

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_exit_zero(self):
        self.assertEqual(self.rc, 0, "\n".join(self.lines[-30:]))

    def test_no_line_is_spliced(self):
        for i, line in enumerate(self.lines):
            self.assertNotIn("parity: ", line[1:], "line %d spliced: %r" % (i + 1, line))
        heads = [i for i, ln in enumerate(self.lines) if ln.startswith("== model version")]
        progress = [i for i, ln in enumerate(self.lines)
                    if re.fullmatch(r"parity: 2720 records, 0 errors in .* req/s\)", ln)]
        self.assertEqual(len(heads), 2, self.lines[:5])
        self.assertEqual(len(progress), 2)
        # Each run's stderr line is where it was written: after its heading.
        self.assertTrue(heads[0] < progress[0] < heads[1] < progress[1], (heads, progress))

    def test_ends_with_the_diff_and_the_reports(self):
        text = "\n".join(self.lines)
        diff_at = text.index("== the diff: model version 2 against version 1 ==")
        self.assertGreater(diff_at, text.rindex("== model version 2"))
        self.assertIn("REGRESSION", text[diff_at:])
        self.assertEqual(len(re.findall(r"diff \+0\.00 → −0\.1\d .* new$", text[diff_at:],
                                        re.M)), 2, text[diff_at:])
        tail = self.lines[self.lines.index("open the reports:"):]
        reports = re.findall(r"(\S+/report\.html)", "\n".join(tail))
        self.assertEqual(len(reports), 3, tail)
        for rel in reports:
            self.assertTrue(os.path.isfile(os.path.join(self.tmp, rel)), rel)
        self.assertTrue(reports[0].startswith("diffs/"), reports)
        self.assertTrue(os.path.isfile(os.path.join(self.tmp, os.path.dirname(reports[0]),
                                                    "diff.json")))
        gate = tail[-1].split()
        self.assertEqual(gate[0], "parity")
        r = harness.parity(gate[1:] + ["--quiet", "-o", os.path.join(self.tmp, "gated")],
                           cwd=self.tmp)
        self.assertEqual(r.rc, 1, r.describe())


if __name__ == "__main__":
    unittest.main(verbosity=2)
