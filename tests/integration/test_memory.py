"""Memory flat in the case count (DESIGN §9): each command that reads a
run folder is run on a small and a ten-times larger folder of the sim
engine, and its peak RSS (/usr/bin/time) may grow by at most
BYTES_PER_RECORD a record between the two. Before the folder readers streamed records,
verify grew by about 5 GB per million cases; a reader that holds records
again fails here. Under a sanitizer (its shadow memory and quarantine
dwarf the figures) the commands still run and must succeed, smaller, and
the bound is not asserted."""

import os
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

# Each record more may cost a few tens of bytes: the record table (9), the
# item index (16 an item), verify's pair index (16), the suite's offsets
# and kinds (12 an item), the item-level analysis. Measured 42 bytes a
# record for verify and audit, 35 for merge, resume and summary. The
# design's bar is 64 MiB at 1,000,000 records from a base of about 12: 56
# bytes a record, and the larger folder's peak projected to a million
# records must stay under 64 MiB. Holding the records' JSON costs about
# 5 KB each: 450 MB over the 90,000 records here.
BYTES_PER_RECORD = 56
MILLION_MIB = 64


def sanitized():
    with open(harness.PARITY, "rb") as f:
        return b"__asan_init" in f.read()


SANITIZED = sanitized() or bool(harness.WRAPPER)
SIZES = (2000, 20000) if SANITIZED else (10000, 100000)
GROWTH_MIB = BYTES_PER_RECORD * (SIZES[1] - SIZES[0]) / 2**20

SUITE = """{"parity_suite": 1, "id": "mem", "version": "1",
 "axes": {"g": {"reference": "a", "groups": {"a": {"who": "a man"}, "b": {"who": "a woman"}}}},
 "scorers": {"yes": {"type": "regex", "pattern": "^\\\\W*yes\\\\b", "flags": "i"}},
 "defaults": {"max_tokens": 8, "temperature": 0},
 "items_file": "items.jsonl"}
"""

PROFILE = """{"parity_sim_profile": 1, "model": "sim-mem", "yes": "Yes.", "no": "No.",
 "wrong": "I am not sure.", "base_rate": 0.6, "groups": {"g": {"b": -0.1}}}
"""


def make_suite(d, cases):
    os.makedirs(d)
    with open(os.path.join(d, "suite.json"), "w") as f:
        f.write(SUITE)
    with open(os.path.join(d, "items.jsonl"), "w") as f:
        for i in range(cases // 2):
            f.write('{"id":"i%07d","domain":"d%d","axes":["g"],"outcome":"yes",'
                    '"prompt":"Question %d about {who}: should they be hired?"}\n'
                    % (i, i % 8, i))


TIME = shutil.which("time", path="/usr/bin:/bin")


def peak_mib(args, ok=(0,)):
    """Runs parity under /usr/bin/time, asserts its exit code, returns its
    peak RSS in MiB. (A child forked from this Python process would
    inherit Python's own high-water mark in ru_maxrss; time's is small.)"""
    fd, out = tempfile.mkstemp(prefix="parity-rss-")
    os.close(fd)
    argv = [TIME, "-f", "%M", "-o", out] + harness.WRAPPER + [harness.PARITY] + \
        [str(a) for a in args]
    try:
        p = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=600 * harness.SLOW)
        with open(out) as f:
            kib = f.read().split()[-1]
    finally:
        os.unlink(out)
    if p.returncode not in ok:
        raise AssertionError("exit %s: %s\n%s" % (p.returncode, " ".join(argv),
                                                  p.stderr.decode("utf-8", "replace")[-2000:]))
    return int(kib) / 1024.0


@unittest.skipUnless(TIME, "needs /usr/bin/time")
class MemoryTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="parity-memory-")
        with open(os.path.join(cls.tmp, "v1.json"), "w") as f:
            f.write(PROFILE)
        cls.peaks = {}
        for n in SIZES:
            make_suite(os.path.join(cls.tmp, "s%d" % n), n)
            cls.peaks[("run", n)] = peak_mib(cls.run_args(n, "r%d" % n))

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    @classmethod
    def run_args(cls, n, name):
        return ["run", os.path.join(cls.tmp, "s%d" % n, "suite.json"), "--engine", "sim",
                "--sim-profile", os.path.join(cls.tmp, "v1.json"), "--seed", "7",
                "--run-dir", os.path.join(cls.tmp, name), "--quiet"]

    def folder(self, n):
        return os.path.join(self.tmp, "r%d" % n)

    @staticmethod
    def million(small, large):
        return large + (large - small) * (1e6 - SIZES[1]) / (SIZES[1] - SIZES[0])

    def holds(self, small, large, runs=1, million_mib=MILLION_MIB):
        return SANITIZED or (large - small < runs * GROWTH_MIB and
                             self.million(small, large) < million_mib)

    def flat(self, name, small, large, runs=1, million_mib=MILLION_MIB):
        """runs: the folders the command holds rows of (diff: two)."""
        print("%s: %.1f MiB at %d cases, %.1f MiB at %d" % (name, small, SIZES[0], large,
                                                           SIZES[1]), file=sys.stderr)
        if not SANITIZED:
            self.assertLess(large - small, runs * GROWTH_MIB,
                            "%s: peak RSS grew from %.1f to %.1f MiB, more than %.1f" %
                            (name, small, large, runs * GROWTH_MIB))
            self.assertLess(self.million(small, large), million_mib,
                            "%s: %.1f MiB at %d cases projects to %.1f MiB at 1,000,000" %
                            (name, large, SIZES[1], self.million(small, large)))

    def each_size(self, name, args_of, ok=(0,), **kw):
        args = [[str(a) for a in args_of(n)] for n in SIZES]
        made = [[a for a in a_n if a.startswith(self.tmp) and not os.path.exists(a)]
                for a_n in args]
        got = [peak_mib(a, ok) for a in args]
        # Where the OpenMP threads' malloc arenas peak depends on how the
        # work fell between them: up to 3 MiB more at 100,000 cases on a
        # loaded machine, which the projection multiplies by ten. So a
        # bound missed is measured once more and the lower peak kept; a
        # command that grows with the records misses it both times. Not
        # for --resume, which would find its folder complete.
        if not self.holds(*got, **kw) and not any("--resume" in a for a in args):
            for i, a in enumerate(args):
                for path in made[i]:
                    shutil.rmtree(path, ignore_errors=True)
                got[i] = min(got[i], peak_mib(a, ok))
        self.flat(name, *got, **kw)

    def test_run(self):
        self.flat("run", self.peaks[("run", SIZES[0])], self.peaks[("run", SIZES[1])])

    def test_verify(self):
        self.each_size("verify", lambda n: ["verify", self.folder(n)])

    def test_summary_and_analyze(self):
        self.each_size("summary", lambda n: ["summary", self.folder(n), "-o",
                                             os.path.join(self.tmp, "sum%d" % n), "--quiet"])
        self.each_size("analyze", lambda n: ["analyze", self.folder(n), "--quiet"])

    def test_score(self):
        self.each_size("score", lambda n: ["score", self.folder(n), "-o",
                                           os.path.join(self.tmp, "sc%d" % n), "--quiet"])
        # The re-scored copy is sealed and verifies, its scores unchanged.
        for n in SIZES:
            self.assertEqual(harness.parity(["verify", os.path.join(self.tmp, "sc%d" % n)]).rc,
                             0)
            with open(os.path.join(self.folder(n), "summary.json")) as a, \
                    open(os.path.join(self.tmp, "sc%d" % n, "summary.json")) as b:
                sa, sb = harness.json.load(a), harness.json.load(b)
            for s in (sa, sb):
                s.pop("run_id", None)
            self.assertEqual(sa, sb)

    def test_report_and_audit(self):
        self.each_size("report", lambda n: ["report", self.folder(n), "-o",
                                            os.path.join(self.tmp, "rep%d" % n), "--quiet"])
        self.each_size("audit", lambda n: ["audit", self.folder(n), "--no-write"])

    def test_merge(self):
        # Two shards of the same suite joined: the overlap index and the
        # merged folder's summary and seal.
        def shards(n):
            out = os.path.join(self.tmp, "merged%d" % n)
            dirs = []
            for i in range(2):
                d = "shard%d-%d" % (n, i)
                args = self.run_args(n, d) + ["--shard", "%d/2" % i]
                self.assertEqual(harness.parity(args).rc, 0)
                dirs.append(os.path.join(self.tmp, d))
            return ["merge", "--quiet", out] + dirs
        self.each_size("merge", shards)

    def test_resume(self):
        # Half the records cut off: the resume reads the half and asks the rest.
        def cut(n):
            d = os.path.join(self.tmp, "cut%d" % n)
            shutil.copytree(self.folder(n), d)
            res = os.path.join(d, "results.jsonl")
            with open(res, "rb") as f:
                n = sum(1 for _ in f)
            with open(res, "rb") as f, open(res + ".half", "wb") as g:
                for i, line in enumerate(f):
                    if i < n // 2:
                        g.write(line)
            os.replace(res + ".half", res)
            return self.run_args(n, "unused")[:-3] + ["--resume", d, "--quiet"]
        self.each_size("run --resume", cut)

    def test_diff(self):
        # Both runs' records paired as rows of a few bytes (diffjoin.h):
        # holding them as JSON grew by about 9 GB per million cases.
        def diff(n):
            return ["diff", self.folder(n), self.folder(n), "-o",
                    os.path.join(self.tmp, "diff%d" % n), "--quiet"]
        # Two runs' rows, each summary analysed beside its own rows only,
        # the change tallies a byte a count, the tests' values a byte an
        # item: held to the 64 MiB bar (56 MiB measured at 1,000,000 cases
        # a run, bench/README.md).
        self.each_size("diff", diff, runs=2)
        for n in SIZES:
            with open(os.path.join(self.tmp, "diff%d" % n, "diff.json")) as f:
                d = harness.json.load(f)
            self.assertEqual(d["dropped"]["shared_pairs"], n)
            self.assertEqual(d["flipped"]["total"], 0)


    def test_diff_two_suites(self):
        # The suite's version bumped, its items the same (bench/pipeline.sh's
        # two-suite diff): paired by item and variant as one suite's runs
        # are (diffalign.c), each summary of its own shared rows: held to
        # the 64 MiB bar (61 MiB measured at 1,000,000 cases a run,
        # bench/README.md; 98 MiB when the pairs held both runs' case ids).
        def diff(n):
            d = os.path.join(self.tmp, "s%dv2" % n)
            os.makedirs(d)
            with open(os.path.join(d, "suite.json"), "w") as f:
                f.write(SUITE.replace('"version": "1"', '"version": "2"'))
            shutil.copy(os.path.join(self.tmp, "s%d" % n, "items.jsonl"), d)
            args = self.run_args(n, "v2r%d" % n)
            args[1] = os.path.join(d, "suite.json")
            self.assertEqual(harness.parity(args).rc, 0)
            return ["diff", self.folder(n), os.path.join(self.tmp, "v2r%d" % n), "-o",
                    os.path.join(self.tmp, "diff2s%d" % n), "--quiet"]
        self.each_size("diff (two suites)", diff, runs=2)
        for n in SIZES:
            with open(os.path.join(self.tmp, "diff2s%d" % n, "diff.json")) as f:
                d = harness.json.load(f)
            self.assertFalse(d["comparability"]["same_suite"])
            self.assertEqual(d["comparability"]["cases"]["shared"], n)
            self.assertEqual(d["dropped"]["shared_pairs"], n)
            self.assertEqual(d["flipped"]["total"], 0)

if __name__ == "__main__":
    unittest.main(verbosity=2)
