"""The man page and --help agree (STYLE 10): options are documented once, in
docs/parity.1, and this test keeps it and the binary's help in step.

- `parity --help` and every `parity COMMAND --help` exit 0, print on stdout
  and nothing on stderr;
- every command `parity --help` lists has its own `.SS COMMAND` under
  COMMANDS, and every command there is one `parity --help` lists;
- every long option a command's --help prints is in that command's part of
  the page (`run`: its subsection and RUN OPTIONS), and every option the
  page gives as a `.TP` tag there is one that command's --help prints;
- every engine `parity engines` prints is a tag under `.SS engines`;
- the page's .TH carries the version `parity version` prints.

Man source is normalised first: `\\-` is a minus, `\\fB`, `\\fI`, `\\fR`,
`\\fP` change fonts, `\\&` is nothing, `\\e` a backslash."""

import os
import re
import shutil
import subprocess
import unittest

import harness

MAN = os.path.join(harness.SOURCE_ROOT, "docs", "parity.1")

# A long option: --word-word, not part of a longer word or a path.
LONG_OPT = re.compile(r"(?<![\w/-])--[a-z][a-z0-9]*(?:-[a-z0-9]+)*(?![\w-])")

# Commands that take no options (their --help is not a usage text).
NO_OPTIONS = ("engines", "version")


def normalise(text):
    """Man source to the characters it renders (enough for searching)."""
    text = re.sub(r'^\.\\".*\n|\\".*$', "", text, flags=re.M)  # comments
    text = re.sub(r"\\f(?:[BIRP1-4]|\(\w\w|\[\w*\])", "", text)
    text = text.replace("\\-", "-").replace("\\&", "").replace("\\e", "\\")
    text = text.replace("\\(em", "\u2014").replace("\\(dq", '"')
    return text


def read_man():
    with open(MAN, encoding="utf-8") as f:
        return normalise(f.read())


def sections(man):
    """{".SH NAME": text}, the text of each .SH section."""
    out = {}
    for m in re.finditer(r"^\.SH +\"?([^\"\n]+)\"?\n(.*?)(?=^\.SH |\Z)", man, re.M | re.S):
        out[m.group(1).strip()] = m.group(2)
    return out


def subsections(text):
    """{name: text} of the .SS subsections of a section."""
    out = {}
    for m in re.finditer(r"^\.SS +\"?([^\"\n]+)\"?\n(.*?)(?=^\.SS |\Z)", text, re.M | re.S):
        out[m.group(1).strip()] = m.group(2)
    return out


def tags(text):
    """The tag lines of the .TP paragraphs of text, macros and quotes gone."""
    lines = text.splitlines()
    out = []
    for i, line in enumerate(lines[:-1]):
        if line.startswith(".TP"):
            tag = re.sub(r"^\.(?:B|I|BI|BR|IR|RI|RB|IB)\b\s*", "", lines[i + 1])
            out.append(tag.replace('"', ""))
    return out


def options(text):
    return set(LONG_OPT.findall(text))


def helptext(*args):
    r = harness.parity([*args, "--help"], timeout=30)
    return r


def commands():
    """The commands of `parity --help`: the indented lines after 'commands:'."""
    out = helptext().stdout
    block = out.split("commands:\n", 1)[1].split("\n\n", 1)[0]
    return [m.group(1) for m in re.finditer(r"^  ([a-z][a-z-]*)  ", block, re.M)]


class ManPageTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.man = read_man()
        cls.sections = sections(cls.man)
        cls.commands = commands()
        cls.documented = subsections(cls.sections.get("COMMANDS", ""))
        cls.helps = {c: helptext(c) for c in cls.commands}

    def part(self, command):
        """The page's text about command: its .SS, and for run RUN OPTIONS."""
        text = self.documented.get(command, "")
        if command == "run":
            text += self.sections.get("RUN OPTIONS", "")
        return text

    def test_sections(self):
        for s in ("NAME", "SYNOPSIS", "DESCRIPTION", "COMMANDS", "RUN OPTIONS", "FILES",
                  "ENVIRONMENT", "EXIT STATUS", "EXAMPLES", "SEE ALSO"):
            self.assertIn(s, self.sections, "no .SH %s" % s)

    def test_help_exits_zero_on_stdout(self):
        r = helptext()
        self.assertEqual(r.rc, 0, r.describe())
        self.assertIn("usage: parity", r.stdout, r.describe())
        self.assertEqual(r.stderr, "", r.describe())
        self.assertGreater(len(self.commands), 10, r.describe())
        for c, r in self.helps.items():
            self.assertEqual(r.rc, 0, r.describe())
            self.assertNotEqual(r.stdout.strip(), "", r.describe())
            self.assertEqual(r.stderr, "", r.describe())
            if c not in NO_OPTIONS:
                self.assertIn("usage: parity " + c, r.stdout, r.describe())

    def test_every_command_is_documented(self):
        for c in self.commands:
            self.assertIn(c, self.documented, "no .SS %s under COMMANDS" % c)
        extra = set(self.documented) - set(self.commands)
        self.assertEqual(extra, set(), "documented, but not in parity --help")

    def test_every_option_is_documented(self):
        for c in self.commands:
            printed = options(self.helps[c].stdout)
            missing = printed - options(self.part(c))
            self.assertEqual(missing, set(),
                             "parity %s --help prints options its part of parity.1 lacks" % c)

    def test_every_documented_option_exists(self):
        for c in self.commands:
            documented = set()
            for tag in tags(self.part(c)):
                documented |= options(tag)
            extra = documented - options(self.helps[c].stdout)
            self.assertEqual(extra, set(),
                             "parity.1 gives parity %s options its --help does not print" % c)

    def test_run_options(self):
        # The biggest table; make sure the parsing above saw it.
        tagged = set()
        for tag in tags(self.sections["RUN OPTIONS"]):
            tagged |= options(tag)
        self.assertGreater(len(tagged), 30)
        self.assertEqual(options(self.helps["run"].stdout) - tagged, set(),
                         "run options without their own entry under RUN OPTIONS")

    def test_engines(self):
        r = harness.parity(["engines"], timeout=30)
        self.assertEqual(r.rc, 0, r.describe())
        names = [ln.split()[0] for ln in r.stdout.splitlines() if ln.strip()]
        self.assertGreater(len(names), 3, r.describe())
        listed = set(tags(self.documented["engines"]))
        for n in names:
            self.assertIn(n, listed, "engine %s not under .SS engines" % n)

    def test_version(self):
        r = harness.parity(["version"], timeout=30)
        self.assertEqual(r.rc, 0, r.describe())
        version = r.stdout.strip()  # "parity 0.1.0"
        th = re.search(r"^\.TH .*$", self.man, re.M).group(0)
        self.assertIn('"%s"' % version, th, "parity.1 .TH is not for " + version)

    @unittest.skipUnless(shutil.which("groff"), "groff not installed")
    def test_renders_without_warnings(self):
        p = subprocess.run(["groff", "-man", "-Tutf8", "-ww", "-z", MAN],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual((p.returncode, p.stderr), (0, ""))


if __name__ == "__main__":
    unittest.main(verbosity=2)
