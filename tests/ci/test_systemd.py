"""contrib/systemd/parity-nightly.{service,timer}: `systemd-analyze verify`
accepts them (when systemd-analyze is there), and the service's ExecStart,
read as systemd reads it (continuations joined, specifiers %S and %%,
$$ for a literal $, words split with quotes), runs with the Environment=
the unit sets and the EnvironmentFile= a site writes, in its
WorkingDirectory: a run folder named by the UTC time appears and verifies;
a history asked of a parity without one fails the service (never a pass)."""

import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
import harness  # noqa: E402

UNITS = os.path.join(harness.SOURCE_ROOT, "contrib", "systemd")
SERVICE = os.path.join(UNITS, "parity-nightly.service")
TIMER = os.path.join(UNITS, "parity-nightly.timer")
SYSTEMD_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def read_unit(path):
    """{section: [(key, value)]}, continuation lines joined as systemd does."""
    out, section, cur = {}, None, ""
    with open(path, encoding="utf-8") as f:
        for raw in f:
            line = raw.rstrip("\n")
            if not cur and (not line.strip() or line.lstrip()[:1] in "#;"):
                continue
            if line.endswith("\\"):
                cur += line[:-1] + " "
                continue
            line, cur = cur + line, ""
            m = re.fullmatch(r"\[(\w+)\]", line.strip())
            if m:
                section = m.group(1)
                continue
            k, _, v = line.partition("=")
            out.setdefault(section, []).append((k.strip(), v.strip()))
    return out


def values(unit, section, key):
    return [v for k, v in unit.get(section, []) if k == key]


def specifiers(text, state):
    """The specifiers this unit uses; any other is an error here."""
    def one(m):
        c = m.group(1)
        if c == "%":
            return "%"
        if c == "S":
            return state
        raise ValueError("specifier %%%s not played by this test" % c)
    return re.sub(r"%(.)", one, text)


def exec_argv(line, state):
    """ExecStart's argv: specifiers, then words, then $$ -> $ (no other $)."""
    line = specifiers(line, state).lstrip("-@+!:")
    if re.search(r"(?<!\$)\$(?!\$)", line.replace("$$", "")):
        raise ValueError("ExecStart expands a variable itself; not played here")
    return [w.replace("$$", "$") for w in shlex.split(line)]


def environment(unit, env_file):
    env = {}
    for v in values(unit, "Service", "Environment"):
        for word in shlex.split(v):
            k, _, val = word.partition("=")
            env[k] = val
    for v in values(unit, "Service", "EnvironmentFile"):
        path = env_file if v.lstrip("-").endswith("nightly.env") else None
        if path and os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                for line in f:
                    if line.strip() and not line.startswith("#"):
                        k, _, val = line.strip().partition("=")
                        env[k] = shlex.split(val)[0] if val else ""
        elif not v.startswith("-"):
            raise AssertionError("EnvironmentFile %s is required and not there" % v)
    return env


class NightlyUnits(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="parity-systemd-")
        self.unit = read_unit(SERVICE)

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def start(self, env_lines):
        """What systemd does on `systemctl start`, the ExecStart part."""
        env_file = os.path.join(self.tmp, "nightly.env")
        with open(env_file, "w", encoding="utf-8") as f:
            f.write("\n".join(env_lines) + "\n")
        state = os.path.join(self.tmp, "state")
        env = environment(self.unit, env_file)
        env.update(PATH=os.path.dirname(os.path.abspath(harness.PARITY)) + ":" + SYSTEMD_PATH,
                   STATE_DIRECTORY=os.path.join(state, "parity"), LANG="C.UTF-8")
        (workdir,) = values(self.unit, "Service", "WorkingDirectory")
        workdir = specifiers(workdir, state)
        os.makedirs(workdir, exist_ok=True)  # StateDirectory=parity
        (start,) = values(self.unit, "Service", "ExecStart")
        p = subprocess.run(exec_argv(start, state), env=env, cwd=workdir, capture_output=True,
                           text=True, timeout=300 * harness.SLOW)
        return p, workdir

    def test_units_are_a_pair(self):
        timer = read_unit(TIMER)
        self.assertEqual(values(self.unit, "Service", "Type"), ["oneshot"])
        self.assertEqual(values(timer, "Install", "WantedBy"), ["timers.target"])
        self.assertEqual(values(timer, "Timer", "Persistent"), ["true"])
        self.assertTrue(values(timer, "Timer", "OnCalendar"))
        self.assertEqual(values(self.unit, "Service", "StateDirectory"), ["parity"])
        self.assertEqual(values(self.unit, "Service", "DynamicUser"), ["yes"])

    @unittest.skipUnless(shutil.which("systemd-analyze"), "systemd-analyze not installed")
    def test_systemd_analyze_verify(self):
        man = os.path.join(self.tmp, "man", "man1")
        os.makedirs(man)
        shutil.copy(os.path.join(harness.SOURCE_ROOT, "docs", "parity.1"), man)
        p = subprocess.run(["systemd-analyze", "verify", SERVICE, TIMER],
                           env=dict(os.environ, MANPATH=os.path.dirname(man)),
                           capture_output=True, text=True, timeout=120)
        self.assertEqual((p.returncode, p.stderr), (0, ""))
        (cal,) = values(read_unit(TIMER), "Timer", "OnCalendar")
        p = subprocess.run(["systemd-analyze", "calendar", cal], capture_output=True, text=True,
                           timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)

    def test_exec_start_runs_the_suite(self):
        suite = os.path.join(harness.SOURCE_ROOT, "suites", "demo", "demo.json")
        p, workdir = self.start(["PARITY_SUITE=" + suite])
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        (name,) = os.listdir(os.path.join(workdir, "runs"))
        self.assertRegex(name, r"^\d{8}T\d{6}Z$")
        r = harness.parity(["verify", os.path.join(workdir, "runs", name)])
        self.assertEqual(r.rc, 0, r.describe())

    def test_unit_defaults_reach_parity(self):
        # No site file: the unit's own PARITY_SUITE (the installed demo) is used.
        if os.path.exists("/usr/local/share/parity/suites/demo/demo.json"):
            self.skipTest("parity is installed here: the default suite would run")
        p, _ = self.start([])
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("suite 'demo.json': cannot open", p.stderr)

    def test_history_fails_closed_without_it(self):
        if harness.parity(["baseline", "--help"]).rc == 0:
            self.skipTest("this parity has a history")
        suite = os.path.join(harness.SOURCE_ROOT, "suites", "demo", "demo.json")
        p, _ = self.start(["PARITY_SUITE=" + suite, "PARITY_HISTORY=history.db"])
        self.assertEqual(p.returncode, 2, p.stdout + p.stderr)
        self.assertIn("--history", p.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
