"""An installed parity finds its data without the source tree (issue 16 item 6).

`meson install --destdir` of the build under test into a temporary folder;
the installed tree is then moved elsewhere (so neither the build's prefix
nor the source tree can be where it looks), and from there
`parity suite list` lists the shipped suites out of PREFIX/share/parity
and `parity demo` runs both versions and the diff. PARITY_DATA_DIR
overrides the lookup and a wrong one is a one-line error; a binary with no
data directory anywhere says where it looked."""

import os
import shutil
import subprocess
import tempfile
import unittest

import harness

BUILD = os.path.dirname(os.path.abspath(harness.PARITY))
MESON = shutil.which("meson")


def meson_option(name):
    """A builtin option's value from the build's introspection data."""
    import json
    p = subprocess.run([MESON, "introspect", "--buildoptions", BUILD], capture_output=True,
                       text=True, timeout=120)
    for o in json.loads(p.stdout):
        if o["name"] == name:
            return o["value"]
    raise KeyError(name)


@unittest.skipUnless(MESON and os.path.exists(os.path.join(BUILD, "build.ninja")),
                     "meson or the build directory of %s not found" % harness.PARITY)
class InstalledTree(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="parity-install-")
        dest = os.path.join(cls.tmp, "dest")
        p = subprocess.run([MESON, "install", "-C", BUILD, "--no-rebuild", "--quiet",
                            "--destdir", dest], capture_output=True, text=True, timeout=300)
        if p.returncode:
            raise AssertionError("meson install failed:\n" + p.stdout + p.stderr)
        prefix = meson_option("prefix")
        cls.bindir = meson_option("bindir")
        cls.datadir = meson_option("datadir")
        # The installed prefix, moved: nothing may point back at the old one.
        cls.root = os.path.join(cls.tmp, "moved")
        os.rename(os.path.join(dest, prefix.lstrip("/")), cls.root)
        shutil.rmtree(dest)
        cls.exe = os.path.join(cls.root, cls.bindir, "parity")
        cls.work = os.path.join(cls.tmp, "work")
        os.mkdir(cls.work)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def run_installed(self, args, env_extra=None, timeout=300):
        env = {k: v for k, v in os.environ.items()
               if k not in harness.SCRUB_ENV and k != "PARITY_DATA_DIR"}
        env.update(env_extra or {})
        p = subprocess.run(harness.WRAPPER + [self.exe] + args, cwd=self.work, env=env,
                           capture_output=True, text=True, timeout=timeout * harness.SLOW,
                           stdin=subprocess.DEVNULL)
        return harness.Result([self.exe] + args, p.returncode, p.stdout, p.stderr)

    def test_layout(self):
        share = os.path.join(self.root, self.datadir, "parity", "suites")
        for rel in ("demo/demo.json", "demo/sim-v1.json", "demo/sim-v2.json",
                    "demo/README.md", "hiring/hiring.json", "hiring/hiring.items.jsonl"):
            self.assertTrue(os.path.isfile(os.path.join(share, rel)), rel)
        self.assertFalse(os.path.exists(os.path.join(share, "tools")),
                         "the suite generators are not data")
        self.assertTrue(os.access(self.exe, os.X_OK))
        man = os.path.join(self.root, self.datadir, "man", "man1", "parity.1")
        self.assertTrue(os.path.isfile(man), man)

    def test_no_source_path_in_the_binary(self):
        with open(self.exe, "rb") as f:
            blob = f.read()
        self.assertNotIn(os.path.join(harness.SOURCE_ROOT, "suites").encode(), blob)

    def test_suite_list_from_the_installed_copy(self):
        r = self.run_installed(["suite", "list"], timeout=120)
        self.assertEqual(r.rc, 0, r.describe())
        rows = {ln.split()[0]: ln.split()[-1] for ln in r.stdout.splitlines()[1:]}
        self.assertIn("demo", rows, r.describe())
        self.assertIn("hiring", rows, r.describe())
        want = os.path.realpath(os.path.join(self.root, self.datadir, "parity", "suites"))
        for suite, path in rows.items():
            self.assertTrue(path.startswith(want + os.sep), (suite, path))

    def test_demo_from_the_installed_copy(self):
        r = self.run_installed(["demo"])
        self.assertEqual(r.rc, 0, r.describe())
        self.assertIn("== the diff: model version 2 against version 1 ==", r.stdout)
        self.assertIn(os.path.realpath(self.root), r.stdout)  # the profiles' paths
        self.assertEqual(len(os.listdir(os.path.join(self.work, "runs"))), 2)
        self.assertEqual(len(os.listdir(os.path.join(self.work, "diffs"))), 1)

    def test_data_dir_from_the_environment(self):
        mine = os.path.join(self.tmp, "mine")
        os.makedirs(os.path.join(mine, "suites", "demo"))
        shutil.copy(os.path.join(harness.SOURCE_ROOT, "suites", "demo", "demo.json"),
                    os.path.join(mine, "suites", "demo", "only.json"))
        r = self.run_installed(["suite", "list"], {"PARITY_DATA_DIR": mine}, timeout=120)
        self.assertEqual(r.rc, 0, r.describe())
        self.assertEqual(len(r.stdout.splitlines()), 2, r.describe())
        self.assertIn(os.path.join(mine, "suites", "demo", "only.json"), r.stdout)
        r = self.run_installed(["demo"], {"PARITY_DATA_DIR": os.path.join(self.tmp, "none")},
                               timeout=120)
        self.assertEqual(r.rc, 2, r.describe())
        self.assertEqual(r.stderr, "parity: data directory '%s' (PARITY_DATA_DIR): no suites "
                         "folder in it\n" % os.path.join(self.tmp, "none"))

    def test_nowhere_to_look(self):
        lone = os.path.join(self.tmp, "lone")
        os.makedirs(lone, exist_ok=True)
        shutil.copy(self.exe, lone)
        exe, self.exe = self.exe, os.path.join(lone, "parity")
        try:
            r = self.run_installed(["suite", "list"], timeout=120)
        finally:
            self.exe = exe
        self.assertEqual(r.rc, 2, r.describe())
        self.assertIn("cannot find parity's data directory", r.stderr)
        self.assertIn("'%s' (build tree); set PARITY_DATA_DIR" % lone, r.stderr)
        self.assertEqual(len(r.stderr.splitlines()), 1, r.describe())


if __name__ == "__main__":
    unittest.main(verbosity=2)
