"""A full disk (issue 14, item 8): the run stops with one clear line, the
folder keeps every record written, and --resume completes it once space
is back, to the same records as a run that never failed. Always run with
a file size limit (RLIMIT_FSIZE, SIGXFSZ ignored: writes fail with
EFBIG); with a real small tmpfs when the test may mount one."""

import json
import os
import resource
import signal
import subprocess
import tempfile
import unittest

import harness
from test_hardening import ITEM, Base

RUN_ARGS = ("--engine", "sim", "--seed", "7", "--samples", "2")


def file_limit(nbytes):
    def limit():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (nbytes, nbytes))
    return limit


def cannot_mount():
    """Why a tmpfs cannot be mounted here, or None when it can."""
    if os.geteuid() != 0:
        return "not root"
    d = tempfile.mkdtemp(prefix="parity-mount-")
    try:
        p = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4k", "tmpfs", d],
                           capture_output=True, text=True)
        if p.returncode != 0:
            return "mount -t tmpfs failed (no CAP_SYS_ADMIN?): " + p.stderr.strip()
        subprocess.run(["umount", d], check=True)
        return None
    except OSError as e:
        return str(e)
    finally:
        os.rmdir(d)


WHY_NO_MOUNT = cannot_mount()


def records(run):
    """(case, sample) -> what was answered and scored, without timings."""
    out = {}
    for rec in harness.load_jsonl(os.path.join(run, "results.jsonl")):
        key = (rec["case_id"], rec["sample"])
        assert key not in out, "duplicate record %r" % (key,)
        out[key] = (rec["response"], json.dumps(rec["scores"], sort_keys=True))
    return out


class FullDiskBase(Base):
    def setUp(self):
        super().setUp()
        items = [dict(ITEM, id="i%d" % i, prompt="{p} applied, case %d" % i)
                 for i in range(300)]
        self.suite_path = self.suite("s/suite.json", items=items)
        ref = os.path.join(self.tmp, "reference")
        r = harness.parity(["run", self.suite_path, *RUN_ARGS, "--run-dir", ref, "--quiet"])
        self.assertEqual(r.rc, 0, r.describe())
        self.want = records(ref)
        self.assertEqual(len(self.want), 1200)
        self.ref_size = sum(os.path.getsize(os.path.join(d, f))
                            for d, _, fs in os.walk(ref) for f in fs
                            if f in ("results.jsonl", "manifest.json") or "suite" in d)

    def run_parity(self, args, preexec=None):
        argv = harness.WRAPPER + [harness.PARITY] + args
        p = subprocess.run(argv, capture_output=True, text=True, preexec_fn=preexec,
                           timeout=120 * harness.SLOW)
        return harness.Result(argv, p.returncode, p.stdout, p.stderr)

    def assert_stopped_clearly(self, r, run):
        self.assertEqual(r.rc, 2, r.describe())
        last = r.stderr.splitlines()[-1]
        self.assertIn("results.jsonl", last, r.describe())
        self.assertIn("--resume %s" % run, last, r.describe())
        # Every whole line on disk is a record of the reference run.
        with open(os.path.join(run, "results.jsonl"), "rb") as f:
            lines = f.read().split(b"\n")[:-1]
        self.assertGreater(len(lines), 10)
        for ln in lines:
            rec = json.loads(ln)
            self.assertEqual(self.want[(rec["case_id"], rec["sample"])][0], rec["response"])

    def assert_resumed(self, run):
        r = self.run_parity(["run", self.suite_path, *RUN_ARGS, "--resume", run, "--quiet"])
        self.assertEqual(r.rc, 0, r.describe())
        self.assertEqual(records(run), self.want)
        r = harness.parity(["verify", run])
        self.assertEqual(r.rc, 0, r.describe())


class FileSizeLimitTest(FullDiskBase):
    def test_writes_that_fail_stop_the_run_and_resume_completes_it(self):
        run = os.path.join(self.tmp, "run")
        r = self.run_parity(["run", self.suite_path, *RUN_ARGS, "--run-dir", run],
                            preexec=file_limit(60000))
        self.assert_stopped_clearly(r, run)
        self.assertIn("File too large", r.stderr)
        self.assert_resumed(run)


@unittest.skipIf(WHY_NO_MOUNT, "cannot mount a tmpfs: %s" % WHY_NO_MOUNT)
class TmpfsTest(FullDiskBase):
    def test_a_full_tmpfs_stops_the_run_and_resume_completes_it(self):
        mnt = os.path.join(self.tmp, "mnt")
        os.mkdir(mnt)
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k,mode=0700", "tmpfs", mnt],
                       check=True)
        self.addCleanup(subprocess.run, ["umount", "-l", mnt])
        run = os.path.join(mnt, "run")
        r = self.run_parity(["run", self.suite_path, *RUN_ARGS, "--run-dir", run])
        self.assert_stopped_clearly(r, run)
        self.assertIn("No space left on device", r.stderr)
        # Space is back.
        subprocess.run(["mount", "-o", "remount,size=16m", mnt], check=True)
        self.assert_resumed(run)

    def test_a_disk_that_fills_while_sealing(self):
        mnt = os.path.join(self.tmp, "mnt")
        os.mkdir(mnt)
        # Room for the records, not for the summary and reports after them.
        size = (self.ref_size // 4096 + 12) * 4096
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=%d,mode=0700" % size, "tmpfs",
                        mnt], check=True)
        self.addCleanup(subprocess.run, ["umount", "-l", mnt])
        run = os.path.join(mnt, "run")
        r = self.run_parity(["run", self.suite_path, *RUN_ARGS, "--run-dir", run])
        self.assertEqual(r.rc, 2, r.describe())
        self.assertIn("No space left on device", r.stderr)
        self.assertIn("--resume %s" % run, r.stderr)
        self.assertNotIn("results.jsonl", r.stderr, "it was meant to fill after the records")
        self.assertEqual(records(run), self.want)
        r = harness.parity(["verify", run])
        self.assertNotEqual(r.rc, 0, "a folder that was never sealed verifies\n" + r.describe())
        subprocess.run(["mount", "-o", "remount,size=16m", mnt], check=True)
        self.assert_resumed(run)


if __name__ == "__main__":
    unittest.main()
