"""Shards on real batch systems, with the job scripts docs/shards.md shows
(extracted from the doc, never copied, so the doc is what is tested).

  test_shards.py slurm   the "Slurm job array" script submitted with sbatch
                         to a single-node Slurm (tests/slurm/start.sh), the
                         doc's `sbatch --dependency=afterok` merge after it;
                         exit 77 (skipped) with the reason when Slurm
                         cannot run here
  test_shards.py k8s     the Indexed Job's container command run once per
                         index with JOB_COMPLETION_INDEX set, as the
                         kubelet does, then the doc's merge

Each substitutes only the engine (the built-in sim engine for the doc's
vLLM) and the shared paths, asserting each substituted text occurs exactly
once, and checks that the merged folder verifies and holds the same
(case, sample) answers and the same summary as the same command run
unsharded, which is asked afresh (no cache)."""

import glob
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
import harness  # noqa: E402

DOC = os.path.join(harness.SOURCE_ROOT, "docs", "shards.md")
SUITE = harness.data("bias-suite.json")
ITEMS = harness.data("bias-items.jsonl")
SIM = "--engine sim"


def doc_blocks(heading):
    """The fenced code blocks of the docs/shards.md section `heading`."""
    with open(DOC, encoding="utf-8") as f:
        text = f.read()
    start = text.index("\n### " + heading + "\n")
    end = min(i for i in (text.find("\n## ", start + 5), text.find("\n### ", start + 5),
                          len(text)) if i > 0)
    section = text[start:end]
    return re.findall(r"^```\w*\n(.*?)^```", section, re.M | re.S)


def substitute(text, pairs):
    for old, new in pairs:
        n = text.count(old)
        if n != 1:
            raise AssertionError("docs/shards.md: %r occurs %d times, expected once" % (old, n))
        text = text.replace(old, new)
    return text


def exec_argv(script):
    """The `exec parity run ...` command of a script, continuation lines
    joined, as argv (without `exec`)."""
    joined = re.sub(r"\\\n\s*", " ", script)
    [line] = [ln.strip() for ln in joined.splitlines() if ln.strip().startswith("exec parity ")]
    return shlex.split(line)[1:]


def unsharded(argv, run_dir):
    """argv without --shard, --cache and the $WHERE of the job script."""
    out, skip = [], False
    for a in argv:
        if skip:
            skip = False
        elif a in ("--shard", "--cache"):
            skip = True
        elif a != "$WHERE":
            out.append(a)
    return out[1:] + ["--run-dir", run_dir]  # without "parity"


def place_suite(root, rel):
    """The test suite (and its items file) where the doc's script reads
    suites/hiring...: the doc's command, a small suite."""
    d = os.path.join(root, os.path.dirname(rel))
    os.makedirs(d, exist_ok=True)
    shutil.copy(SUITE, os.path.join(root, rel))
    shutil.copy(ITEMS, d)


def answers(run_dir):
    return {(r["case_id"], r["sample"]): (r["response"], r["error"], r.get("cached", False))
            for r in harness.load_jsonl(os.path.join(run_dir, "results.jsonl"))}


def summary(run_dir):
    s = harness.load_json(os.path.join(run_dir, "summary.json"))
    s.pop("run_id")
    return s


class ShardCheck:
    """Assertions shared by both batch systems."""

    def check_merged(self, merged, shard_dirs, n, argv, cwd):
        self.assertEqual(len(shard_dirs), n, shard_dirs)
        for i in range(n):
            m = harness.load_json(os.path.join(os.path.dirname(merged), "shard-%d" % i,
                                               "manifest.json"))
            self.assertEqual(m["shard"], {"index": i, "count": n})
            self.assertEqual(m["status"], "complete")
        v = harness.parity(["verify", merged])
        self.assertEqual(v.rc, 0, v.describe())
        single = os.path.join(cwd, "single")
        r = harness.parity(unsharded(argv, single), cwd=cwd, timeout=120)
        self.assertEqual(r.rc, 0, r.describe())
        got, want = answers(merged), answers(single)
        self.assertEqual(len(want), 44 * 5)
        self.assertEqual(set(got), set(want))
        self.assertEqual(got, want)
        self.assertFalse(any(c for (_, _, c) in got.values()), "a shard answered from a cache")
        self.assertEqual(summary(merged), summary(single))
        mm = harness.load_json(os.path.join(merged, "manifest.json"))
        self.assertEqual(harness.documented_counts(mm),
                         harness.documented_counts(harness.load_json(
                             os.path.join(single, "manifest.json"))))


class SlurmArrayTest(unittest.TestCase, ShardCheck):
    slurm_env = None

    def setUp(self):
        self._tmp = tempfile.TemporaryDirectory(prefix="parity-slurm-")
        self.cwd = self._tmp.name

    def tearDown(self):
        self._tmp.cleanup()

    def squeue_empty(self, env):
        r = subprocess.run(["squeue", "-h", "-o", "%i %T"], env=env, capture_output=True,
                           text=True, timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)
        return r.stdout.strip() == ""

    def test_array_job_then_merge_equals_one_run(self):
        [script, submit] = doc_blocks("Slurm job array")[:2]
        script = substitute(script, [
            ("--base-url http://vllm.internal:8000/v1 --model Qwen/Qwen2.5-7B-Instruct", SIM),
            ("/shared/parity-cache", os.path.join(self.cwd, "cache"))])
        n = int(re.search(r"^N=(\d+)$", script, re.M).group(1))
        self.assertIn("#SBATCH --array=0-%d\n" % (n - 1), script)
        argv = exec_argv(script)
        place_suite(self.cwd, argv[2])
        os.makedirs(os.path.join(self.cwd, "logs"))
        with open(os.path.join(self.cwd, "shards.sbatch"), "w") as f:
            f.write(script)
        env = dict(self.slurm_env)
        env["PATH"] = os.path.dirname(os.path.abspath(harness.PARITY)) + ":" + env["PATH"]
        t0 = time.monotonic()
        p = subprocess.run(["bash", "-euc", submit], cwd=self.cwd, env=env,
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        deadline = time.monotonic() + 300 * harness.SLOW
        while not self.squeue_empty(env):
            self.assertLess(time.monotonic(), deadline, "the jobs did not finish")
            time.sleep(0.5)
        logs = sorted(glob.glob(os.path.join(self.cwd, "logs", "parity-hiring-*.out")))
        self.assertEqual(len(logs), n, logs)
        merge_log = glob.glob(os.path.join(self.cwd, "slurm-*.out"))
        merged = os.path.join(self.cwd, "runs", "hiring", "merged")
        detail = "".join(open(f).read()[-1500:] for f in logs + merge_log)
        self.assertTrue(os.path.exists(os.path.join(merged, "manifest.json")), detail)
        sys.stderr.write("slurm: %d array tasks and the merge in %.1f s\n" %
                         (n, time.monotonic() - t0))
        shards = glob.glob(os.path.join(self.cwd, "runs", "hiring", "shard-*"))
        self.check_merged(merged, shards, n, argv, self.cwd)


class IndexedJobTest(unittest.TestCase, ShardCheck):
    """The kubelet sets JOB_COMPLETION_INDEX in each pod: the same command
    with the variable set is what each pod runs."""

    def setUp(self):
        self._tmp = tempfile.TemporaryDirectory(prefix="parity-k8s-")
        self.cwd = self._tmp.name

    def tearDown(self):
        self._tmp.cleanup()

    def test_indexed_job_then_merge_equals_one_run(self):
        manifest, merge = doc_blocks("Kubernetes Indexed Job")[:2]
        n = int(re.search(r"^  completions: (\d+)$", manifest, re.M).group(1))
        args = re.search(r"^( +)- \|\n(.*?)\n +volumeMounts:", manifest, re.M | re.S)
        indent = len(args.group(1)) + 2
        cmd = "\n".join(ln[indent:] for ln in args.group(2).splitlines())
        root = self.cwd
        cmd = substitute(cmd, [
            ("--base-url http://vllm.models.svc:8000/v1 --model Qwen/Qwen2.5-7B-Instruct", SIM),
            ("/suites/", root + "/suites/"), ("DIR=/runs/", "DIR=" + root + "/runs/"),
            ("--cache /runs/", "--cache " + root + "/runs/")])
        argv = exec_argv(cmd)
        place_suite("/", argv[2])
        env = {"PATH": os.path.dirname(os.path.abspath(harness.PARITY)) + ":" +
               os.environ["PATH"]}
        for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS"):
            if k in os.environ:
                env[k] = os.environ[k]
        for i in range(n):
            env["JOB_COMPLETION_INDEX"] = str(i)
            p = subprocess.run(["/bin/sh", "-c", cmd], env=env, capture_output=True, text=True,
                               timeout=120 * harness.SLOW)
            self.assertEqual(p.returncode, 0, p.stderr)
        # A pod restarted after its shard finished resumes it: nothing asked.
        env["JOB_COMPLETION_INDEX"] = "0"
        p = subprocess.run(["/bin/sh", "-c", cmd], env=env, capture_output=True, text=True,
                           timeout=120 * harness.SLOW)
        self.assertEqual(p.returncode, 0, p.stderr)
        m0 = harness.load_json(os.path.join(root, "runs", "hiring", "shard-0", "manifest.json"))
        self.assertEqual(len(m0.get("resumes", [])), 1, m0.get("resumes"))
        # Without the variable the same command refuses to guess a shard.
        del env["JOB_COMPLETION_INDEX"]
        p = subprocess.run(["/bin/sh", "-c", cmd.replace("shard-$JOB_COMPLETION_INDEX", "x")],
                           env=env, capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("neither SLURM_ARRAY_TASK_ID nor JOB_COMPLETION_INDEX is set", p.stderr)
        [merge_cmd] = [ln for ln in merge.splitlines() if ln.startswith("parity merge ")]
        merge_cmd = merge_cmd.replace(" /runs/", " " + root + "/runs/")
        p = subprocess.run(["/bin/sh", "-c", merge_cmd], env=env, capture_output=True, text=True,
                           timeout=120 * harness.SLOW)
        self.assertEqual(p.returncode, 0, p.stderr)
        shards = glob.glob(os.path.join(root, "runs", "hiring", "shard-*"))
        self.check_merged(os.path.join(root, "runs", "hiring", "merged"), shards, n, argv, root)


def start_slurm():
    """SLURM_CONF of a running single-node Slurm, and whether this test
    started it; exits 77 with the reason when Slurm cannot run here."""
    start = os.path.join(HERE, "start.sh")
    state = os.environ.get("PARITY_SLURM_DIR", "/tmp/parity-slurm")
    p = subprocess.run([start, state], capture_output=True, text=True, timeout=120)
    if p.returncode == 77:
        sys.stderr.write(p.stderr)
        sys.stderr.write("SKIP: slurm is not available here (reason above)\n")
        sys.exit(77)
    if p.returncode != 0:
        raise SystemExit("tests/slurm/start.sh failed (%d): %s" % (p.returncode, p.stderr))
    m = re.search(r"^export SLURM_CONF=(.+)$", p.stdout, re.M)
    return m.group(1), "started" in p.stderr, state


def main():
    which = sys.argv[1] if len(sys.argv) > 1 else "k8s"
    if which == "k8s":
        cases = IndexedJobTest
    else:
        conf, started, state = start_slurm()
        SlurmArrayTest.slurm_env = dict(os.environ, SLURM_CONF=conf)
        cases = SlurmArrayTest
    suite = unittest.defaultTestLoader.loadTestsFromTestCase(cases)
    ok = unittest.TextTestRunner(verbosity=2).run(suite).wasSuccessful()
    if which != "k8s" and started and not os.environ.get("PARITY_SLURM_KEEP"):
        subprocess.run([os.path.join(HERE, "stop.sh"), state], timeout=60)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
