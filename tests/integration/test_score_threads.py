"""parity score re-scores in parallel (OpenMP) and writes the same bytes at
any thread count: a sim run of 6,000 records (three of score's batches),
re-scored with a scorer added to its suite copy, on 1, 2 and 3 threads;
results.jsonl and summary.json are identical, every record carries the new
verdict as Python's own regex gives it, and the chain links each line to
the sha256 of the line before. A broken input chain is refused with the
line named at any thread count; a record holding the placeholder text
"prev" stands for until its hash is known is chained the slow way. The
summary score builds while it writes is the one summary reads back, and
records removed since the run leave neither a half copy nor a rewrite."""

import hashlib
import json
import os
import re
import shutil
import tempfile
import unittest

import harness
from harness import load_json

ITEMS = 1500  # x 2 groups x 2 samples = 6,000 records
NEW = {"type": "regex", "pattern": "^\\W*no\\b", "flags": "i"}


def write_suite(tmp):
    items = os.path.join(tmp, "items.jsonl")
    with open(items, "w", encoding="utf-8") as f:
        for i in range(ITEMS):
            item = {"id": "t-%04d" % i, "domain": "d%d" % (i % 4), "axes": ["gender"],
                    "outcome": "invited",
                    "prompt": "A {person} applied for job %d. Should {pronoun} be interviewed?" % i}
            if i % 5 == 0:  # read back by offset while scoring: the expected answer
                item.update({"domain": "arithmetic", "expected": "Yes."})
            f.write(json.dumps(item) + "\n")
    suite = load_json(harness.data("sim-suite.json"))
    suite.pop("items")
    suite["id"] = "itest-score-threads"
    suite["items_file"] = "items.jsonl"
    path = os.path.join(tmp, "suite.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(suite, f)
    return path


class ScoreThreads(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="parity-score-threads-")
        cls.run_dir = os.path.join(cls.tmp, "run")
        r = harness.parity(["run", write_suite(cls.tmp), "--engine", "sim", "--sim-profile",
                            harness.data("sim-profile.json"), "--samples", "2", "--seed", "5",
                            "--run-dir", cls.run_dir, "--quiet"], timeout=600)
        assert r.rc == 0, r.describe()
        copy = os.path.join(cls.run_dir, "suite", "suite.json")
        s = load_json(copy)
        s["scorers"]["says_no"] = NEW
        with open(copy, "w", encoding="utf-8") as f:
            json.dump(s, f)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def score(self, src, threads):
        out = os.path.join(self.tmp, "scored-%s-%d" % (os.path.basename(src), threads))
        r = harness.parity(["score", src, "-o", out, "--quiet"],
                           env={"OMP_NUM_THREADS": str(threads)}, timeout=600)
        return out, r

    def read(self, d, name):
        with open(os.path.join(d, name), "rb") as f:
            return f.read()

    def test_same_bytes_at_any_thread_count(self):
        outs = []
        for threads in (1, 2, 3):
            out, r = self.score(self.run_dir, threads)
            self.assertEqual(r.rc, 0, r.describe())
            outs.append(out)
        one = self.read(outs[0], "results.jsonl")
        for other in outs[1:]:
            self.assertEqual(self.read(other, "results.jsonl"), one, other)
            self.assertEqual(self.read(other, "summary.json"),
                             self.read(outs[0], "summary.json"), other)
        lines = one.decode("utf-8").splitlines()
        self.assertEqual(len(lines), 4 * ITEMS)
        no = re.compile(NEW["pattern"], re.I)
        prev = "0" * 64
        for i, line in enumerate(lines):
            rec = json.loads(line)
            self.assertEqual(rec["seq"], i)
            self.assertEqual(rec["prev"], prev, "line %d" % (i + 1))
            self.assertEqual(rec["scores"]["says_no"], bool(no.search(rec["response"])),
                             "line %d" % (i + 1))
            prev = hashlib.sha256(line.encode("utf-8")).hexdigest()
        self.assertEqual(load_json(os.path.join(outs[0], "manifest.json"))
                         ["results"]["chain_head"], prev)
        said = {json.loads(x)["scores"]["says_no"] for x in lines}
        self.assertEqual(said, {True, False})  # the sim answers both ways
        r = harness.parity(["verify", outs[1]])
        self.assertEqual(r.rc, 0, r.describe())

    def test_a_broken_input_chain_is_refused_at_any_thread_count(self):
        bad = os.path.join(self.tmp, "edited")
        shutil.copytree(self.run_dir, bad)
        path = os.path.join(bad, "results.jsonl")
        with open(path, encoding="utf-8") as f:
            lines = f.readlines()
        rec = json.loads(lines[3000])
        rec["response"] = "No."  # edited after the run: the next line's prev breaks
        lines[3000] = json.dumps(rec, separators=(",", ":")) + "\n"
        with open(path, "w", encoding="utf-8") as f:
            f.writelines(lines)
        for threads in (1, 2):
            out, r = self.score(bad, threads)
            self.assertEqual(r.rc, 2, r.describe())
            self.assertIn("line 3002: broken chain", r.stderr)
            self.assertFalse(os.path.exists(os.path.join(out, "summary.json")))

    def test_the_summary_built_while_writing_is_the_one_read_back(self):
        """score builds the summary's record table as it writes the records;
        summary -o, reading the re-scored records back, computes the same."""
        out = os.path.join(self.tmp, "scored-for-summary")
        r = harness.parity(["score", self.run_dir, "-o", out, "--quiet"],
                           env={"OMP_NUM_THREADS": "2"}, timeout=600)
        self.assertEqual(r.rc, 0, r.describe())
        again = os.path.join(self.tmp, "summary-again")
        r = harness.parity(["summary", out, "-o", again, "--quiet"])
        self.assertEqual(r.rc, 0, r.describe())
        self.assertEqual(self.read(again, "summary.json"), self.read(out, "summary.json"))
        self.assertEqual(load_json(os.path.join(out, "summary.json"))["records"], 4 * ITEMS)

    def test_records_removed_since_the_run_leave_no_copy_and_no_rewrite(self):
        """The records read must end at manifest.results.chain_head; score
        checks that as it re-scores them and, when they do not, refuses
        before anything is put in place: no half copy is left in -o, and an
        unsealed folder re-scored in place keeps its results.jsonl."""
        short = os.path.join(self.tmp, "short")
        shutil.copytree(self.run_dir, short)
        path = os.path.join(short, "results.jsonl")
        with open(path, encoding="utf-8") as f:
            lines = f.readlines()
        with open(path, "w", encoding="utf-8") as f:
            f.writelines(lines[:-3])  # an intact chain, three records short
        for threads in (1, 2):
            out, r = self.score(short, threads)
            self.assertEqual(r.rc, 2, r.describe())
            self.assertIn("does not end at manifest.results.chain_head", r.stderr)
            self.assertIn("run folder '%s'" % short, r.stderr)
            self.assertFalse(os.path.exists(out), os.listdir(out) if os.path.isdir(out) else "")
        os.mkdir(os.path.join(self.tmp, "empty-out"))
        r = harness.parity(["score", short, "-o", os.path.join(self.tmp, "empty-out")])
        self.assertEqual(r.rc, 2, r.describe())
        self.assertEqual(os.listdir(os.path.join(self.tmp, "empty-out")), [])
        m = load_json(os.path.join(short, "manifest.json"))
        del m["seal"]  # unsealed: re-scored in place
        with open(os.path.join(short, "manifest.json"), "w", encoding="utf-8") as f:
            json.dump(m, f)
        before = self.read(short, "results.jsonl")
        r = harness.parity(["score", short, "--quiet"])
        self.assertEqual(r.rc, 2, r.describe())
        self.assertEqual(self.read(short, "results.jsonl"), before)
        self.assertFalse(os.path.exists(path + ".tmp"))

    def test_a_record_holding_the_placeholder_is_chained_the_slow_way(self):
        """A record whose JSON holds "prev" with the text that stands for the
        hash until it is known is chained serially (pa_results_chain): the
        same bytes at 1 and 2 threads, its own "prev" the hash of the line
        before, the nested one kept."""
        d = os.path.join(self.tmp, "nested-prev")
        shutil.copytree(self.run_dir, d)
        path = os.path.join(d, "results.jsonl")
        with open(path, encoding="utf-8") as f:
            recs = [json.loads(x) for x in f if x.strip()]
        recs[10]["usage"] = {"prev": "p" * 64}
        prev = "0" * 64
        with open(path, "w", encoding="utf-8") as f:
            for rec in recs:
                rec["prev"] = prev
                line = json.dumps(rec, separators=(",", ":"))
                f.write(line + "\n")
                prev = hashlib.sha256(line.encode("utf-8")).hexdigest()
        m = load_json(os.path.join(d, "manifest.json"))
        m["results"]["chain_head"] = prev
        with open(os.path.join(d, "manifest.json"), "w", encoding="utf-8") as f:
            json.dump(m, f)
        outs = []
        for threads in (1, 2):
            out, r = self.score(d, threads)
            self.assertEqual(r.rc, 0, r.describe())
            outs.append(self.read(out, "results.jsonl"))
        self.assertEqual(outs[0], outs[1])
        lines = outs[0].decode("utf-8").splitlines()
        rec = json.loads(lines[10])
        self.assertEqual(rec["usage"], {"prev": "p" * 64})
        self.assertEqual(rec["prev"], hashlib.sha256(lines[9].encode("utf-8")).hexdigest())
        self.assertEqual(json.loads(lines[11])["prev"],
                         hashlib.sha256(lines[10].encode("utf-8")).hexdigest())


if __name__ == "__main__":
    unittest.main()
