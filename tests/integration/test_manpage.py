"""The man page and --help agree (STYLE 10): every command `parity --help`
lists and every long option each command's --help prints is in
docs/parity.1, and every option the man page gives under RUN OPTIONS is one
`parity run --help` prints. Every --help exits 0 on stdout."""
import os
import re
import subprocess
import unittest

PARITY = os.environ.get("PARITY", "build/parity")
ROOT = os.environ.get("PARITY_SOURCE_ROOT", ".")
MAN = os.path.join(ROOT, "docs", "parity.1")


def man_text():
    with open(MAN, encoding="utf-8") as f:
        text = f.read()
    # man escapes: \- is a minus, \fB \fI \fR fonts, \e a backslash, \& nothing.
    text = re.sub(r"\\f[BIRP]", "", text).replace("\\-", "-").replace("\\e", "\\")
    return text.replace("\\&", "")


def helptext(*args):
    r = subprocess.run([PARITY, *args, "--help"], capture_output=True, text=True, timeout=30)
    return r


def commands():
    r = helptext()
    return [m.group(1) for m in re.finditer(r"^  (\w+)\s{2,}", r.stdout, re.M)]


class ManPageTest(unittest.TestCase):
    def test_help_exits_zero_on_stdout(self):
        r = helptext()
        self.assertEqual(r.returncode, 0)
        self.assertIn("usage: parity", r.stdout)
        for c in commands():
            if c in ("engines", "version"):
                continue
            r = helptext(c)
            self.assertEqual(r.returncode, 0, c)
            self.assertIn("usage:", r.stdout, c)
            self.assertEqual(r.stderr, "", c)

    def test_every_command_is_documented(self):
        man = man_text()
        cmds = commands()
        self.assertGreater(len(cmds), 10)
        for c in cmds:
            self.assertRegex(man, r"\.SS %s\b" % re.escape(c), c)

    def test_every_option_is_documented(self):
        man = man_text()
        for c in commands():
            if c in ("engines", "version"):
                continue
            for opt in set(re.findall(r"(?<![\w-])--[a-z][a-z-]*", helptext(c).stdout)):
                self.assertRegex(man, r"(?<![\w-])%s(?![\w-])" % re.escape(opt),
                                 "%s %s" % (c, opt))

    def test_run_options_in_the_man_page_exist(self):
        man = man_text()
        section = man.split(".SH RUN OPTIONS", 1)[1].split(".SH ", 1)[0]
        documented = set(re.findall(r"^\.B (--[\w-]+)", section, re.M))
        self.assertGreater(len(documented), 30)
        printed = set(re.findall(r"(?<![\w-])--[a-z][a-z-]*", helptext("run").stdout))
        self.assertEqual(documented - printed, set())


if __name__ == "__main__":
    unittest.main(verbosity=2)
