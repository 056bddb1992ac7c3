"""Run folders as evidence (docs/evidence.md): the sealed, canonical
manifest; pre-registered thresholds; `parity verify` catching a matrix of
manipulations, each named; SSHSIG signatures that stock `ssh-keygen -Y
verify` accepts (and the other way round); the in-toto attestation; the
audit view."""

import base64
import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
import unittest

import harness
from harness import load_json

SUITE = os.path.join(harness.SOURCE_ROOT, "suites", "demo", "demo.json")
PROFILE = os.path.join(harness.SOURCE_ROOT, "suites", "demo", "sim-v2.json")
THRESHOLDS = {"parity_thresholds": 1, "alpha": 0.05, "correction": "bh", "min_diff": 0.05,
              "min_impact_ratio": 0.8, "max_drop": 0.02, "axes": {"gender": {"min_diff": 0.03}}}
OPERATOR = ["--operator", "Ada Lovelace", "--operator-org", "Acme Bank",
            "--operator-role", "model risk auditor", "--purpose", "pre-release bias audit",
            "--data-source", "demo suite, synthetic prompts"]
SSH_KEYGEN = shutil.which("ssh-keygen")


def sha256_file(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def canonical(obj):
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def read_lines(path):
    with open(path, "rb") as f:
        return f.read().split(b"\n")[:-1]


def write_lines(path, lines):
    with open(path, "wb") as f:
        f.write(b"".join(ln + b"\n" for ln in lines))


def floats_in(v, where=""):
    if isinstance(v, float):
        return [where]
    if isinstance(v, dict):
        return [w for k, x in v.items() for w in floats_in(x, where + "/" + k)]
    if isinstance(v, list):
        return [w for i, x in enumerate(v) for w in floats_in(x, "%s/%d" % (where, i))]
    return []


def keygen(path, comment="parity-itest"):
    subprocess.run([SSH_KEYGEN, "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", path],
                   check=True, stdin=subprocess.DEVNULL)
    with open(path + ".pub") as f:
        return " ".join(f.read().split()[:2])


class EvidenceTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls._tmp = tempfile.TemporaryDirectory(prefix="parity-evidence-")
        cls.root = cls._tmp.name
        cls.thresholds = os.path.join(cls.root, "thresholds.json")
        with open(cls.thresholds, "w") as f:
            json.dump(THRESHOLDS, f, indent=1)
        cls.clean = os.path.join(cls.root, "clean")
        cls.run_result = harness.parity(
            ["run", SUITE, "--engine", "sim", "--sim-profile", PROFILE, "--samples", 2,
             "--seed", 7, "--run-dir", cls.clean, "--quiet", "--thresholds", cls.thresholds]
            + OPERATOR)

    @classmethod
    def tearDownClass(cls):
        cls._tmp.cleanup()

    def setUp(self):
        self.assertEqual(self.run_result.rc, 0, self.run_result.describe())
        self._t = tempfile.TemporaryDirectory(prefix="parity-evidence-case-")
        self.addCleanup(self._t.cleanup)
        self.tmp = self._t.name

    def copy(self):
        d = os.path.join(self.tmp, "run")
        shutil.copytree(self.clean, d)
        return d

    def verify(self, run_dir, *extra):
        return harness.parity(["verify", run_dir] + list(extra))

    def assert_detected(self, run_dir, *patterns, extra=()):
        r = self.verify(run_dir, *extra)
        self.assertEqual(r.rc, 1, r.describe())
        for p in patterns:
            self.assertRegex(r.stdout, p, r.describe())
        self.assertNotIn("OK ", r.stdout)
        return r

    def results(self, d):
        return os.path.join(d, "results.jsonl")

    def rewrite_manifest(self, d, edit):
        path = os.path.join(d, "manifest.json")
        m = load_json(path)
        edit(m)
        with open(path, "w", encoding="utf-8") as f:
            f.write(canonical(m))  # canonical on purpose: only the seal can tell

    def test_one_thread_and_two_find_the_same(self):
        """verify reads results.jsonl on a thread of its own when OpenMP
        has two and the file is large (evaluator/evidence/chain_scan.c):
        the same findings, in the same order, and the same exit on one
        thread, over many batches of lines and every kind of break."""
        d = self.copy()
        lines = read_lines(self.results(d))
        lines[3] = lines[3].replace(b'"seq":3,', b'"seq":3.0,')
        lines[5] = b"[1]"
        lines[8] = re.sub(rb'"prev":"', rb'"prev":"\\u0030', lines[8])
        lines[9] = lines[9].replace(b'"seq":9,', b'"seq":99999999999999999999999,')
        lines = lines * 90  # past 16 MiB, where the reader gets a thread
        write_lines(self.results(d), lines)
        with open(self.results(d), "ab") as f:
            f.write(lines[0])  # torn: no final newline
        size = os.path.getsize(self.results(d))  # all of it read, the seal broken
        self.assertGreater(size, 16 << 20)
        self.rewrite_manifest(d, lambda m: m["files"]["results.jsonl"].update(size=size))
        one, two = (harness.parity(["verify", d], env={"OMP_NUM_THREADS": t}) for t in ("1", "2"))
        self.assertEqual(one.rc, 1, one.describe())
        self.assertEqual((two.rc, two.stdout, two.stderr), (one.rc, one.stdout, one.stderr))
        for p in (r'line 4: "seq" is -1, expected 3', r"line 6: not a JSON object \(wrong type\)",
                  r"line 10: not a JSON object \(too big integer\)",
                  r"results.jsonl: \d+ more chain breaks",
                  r"results.jsonl: %d records, manifest" % (len(lines) + 1)):
            self.assertRegex(one.stdout, p, one.describe())

    # --- folders written by an older summary version ---------------------------

    def as_summary_v1(self, d, edit=None):
        """Rewrites d's summary.json as version 1 wrote it (its own
        statistics, the same counts), with the manifest resealed."""
        path = os.path.join(d, "summary.json")
        s = load_json(path)
        s["parity_summary"] = 1
        s.pop("estimand", None)
        for o in s["outcomes"]:
            for g in o["groups"]:
                for k in ("rate_diff", "items", "deff", "icc", "ci_method", "note",
                          "items_needed", "interaction", "small_share"):
                    g.pop(k, None)
                if g.get("test") == "signflip_items":
                    g["test"] = "permutation_stratified"
                    g["p"] = 0.5
        if edit:
            edit(s)
        with open(path, "w", encoding="utf-8") as f:
            json.dump(s, f, indent=1)

        def reseal(m):
            m["files"]["summary.json"] = {"sha256": sha256_file(path),
                                          "size": os.path.getsize(path)}
            m.pop("seal", None)
            m["seal"] = {"sha256": hashlib.sha256(canonical(m).encode()).hexdigest()}
        self.rewrite_manifest(d, reseal)

    def test_summary_v1_folder_verifies_on_its_counts(self):
        d = self.copy()
        self.as_summary_v1(d)
        r = self.verify(d)
        self.assertEqual(r.rc, 0, r.describe())

    def test_summary_v1_count_edit_is_detected(self):
        d = self.copy()

        def edit(s):
            s["outcomes"][0]["groups"][0]["positive"] += 1
        self.as_summary_v1(d, edit)
        self.assert_detected(d, r"summary\.json: .*positive")

    # --- the sealed manifest -----------------------------------------------

    def test_clean_folder_verifies(self):
        r = self.verify(self.clean)
        self.assertEqual(r.rc, 0, r.describe())
        self.assertRegex(r.stdout, r"^OK .*: \d+ files, \d+ records, chain head [0-9a-f]{16}, "
                         r"thresholds [0-9a-f]{16}, not signed\n$")

    def test_fresh_reports_carry_the_audit_section_under_the_seal(self):
        # The seal renders report.md/.html again once audit.json exists and
        # before it hashes the folder: the same bytes `parity report` makes.
        d = self.copy()
        with open(os.path.join(d, "report.md"), encoding="utf-8") as f:
            md = f.read()
        self.assertIn("### Audit: selection rates and impact ratios", md)
        with open(os.path.join(d, "report.html"), encoding="utf-8") as f:
            self.assertIn('<section id="audit">', f.read())
        self.assertEqual(self.verify(d).rc, 0)
        r = harness.parity(["report", d])
        self.assertEqual(r.rc, 0, r.describe())
        with open(os.path.join(d, "report.md"), encoding="utf-8") as f:
            self.assertEqual(f.read(), md)

    def test_manifest_is_canonical_sealed_and_float_free(self):
        path = os.path.join(self.clean, "manifest.json")
        with open(path, "rb") as f:
            raw = f.read()
        m = json.loads(raw)
        self.assertEqual(raw.decode("utf-8"), canonical(m))
        self.assertEqual(floats_in(m), [])
        self.assertEqual(m["status"], "complete")
        self.assertEqual(m["operator"], {"organisation": "Acme Bank", "person": "Ada Lovelace",
                                         "role": "model risk auditor"})
        self.assertEqual(m["purpose"], "pre-release bias audit")
        self.assertEqual(m["data_source"], "demo suite, synthetic prompts")
        # every file but the manifest, with sha256 and size
        want = {}
        for dirpath, _, files in os.walk(self.clean):
            for fn in files:
                p = os.path.join(dirpath, fn)
                rel = os.path.relpath(p, self.clean)
                if rel != "manifest.json":
                    want[rel] = {"sha256": sha256_file(p), "size": os.path.getsize(p)}
        self.assertEqual(m["files"], want)
        self.assertIn("suite/suite.json", want)
        # the seal: sha256 of the canonical manifest without "seal"
        seal = m.pop("seal")
        self.assertEqual(seal["sha256"], hashlib.sha256(canonical(m).encode()).hexdigest())
        # the chain head is the sha256 of the last line
        lines = read_lines(self.results(self.clean))
        self.assertEqual(m["results"]["chain_head"], hashlib.sha256(lines[-1]).hexdigest())
        self.assertEqual(m["results"]["records"], len(lines))

    def test_thresholds_are_registered(self):
        m = load_json(os.path.join(self.clean, "manifest.json"))
        copy = os.path.join(self.clean, "thresholds.json")
        self.assertEqual(sha256_file(copy), sha256_file(self.thresholds))
        self.assertEqual(m["thresholds"]["sha256"], sha256_file(self.thresholds))
        self.assertEqual(m["thresholds"]["file"], "thresholds.json")
        self.assertEqual(m["thresholds"]["content"]["alpha"], "0.05")  # reals as decimals
        self.assertEqual(m["thresholds"]["content"]["axes"]["gender"]["min_diff"], "0.03")
        self.assertEqual(m["thresholds"]["resolved"]["min_impact_ratio"], "0.8")

    def test_thresholds_are_in_the_manifest_before_the_first_answer(self):
        fx = harness.Fixture(delay_ms=300)
        self.addCleanup(fx.stop)
        run_dir = os.path.join(self.tmp, "slow")
        seen = {}

        def watch():
            path = os.path.join(run_dir, "manifest.json")
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and not seen:
                try:
                    m = load_json(path)
                except (OSError, ValueError):
                    time.sleep(0.005)
                    continue
                lines = read_lines(self.results(run_dir)) if os.path.exists(
                    self.results(run_dir)) else []
                seen.update(manifest=m, lines=len(lines))

        t = threading.Thread(target=watch)
        t.start()
        suite = harness.data("bias-suite.json")
        r = harness.parity(["run", suite, "--base-url", fx.base_url, "--concurrency", 1,
                            "--run-dir", run_dir, "--quiet", "--thresholds", self.thresholds],
                           timeout=120)
        t.join()
        self.assertEqual(r.rc, 0, r.describe())
        self.assertEqual(seen["manifest"]["status"], "running")
        self.assertEqual(seen["lines"], 0)
        self.assertEqual(seen["manifest"]["thresholds"]["sha256"], sha256_file(self.thresholds))

    def test_bad_thresholds_exit_2_before_the_folder(self):
        cases = [
            ({"alpha": 0.05}, r"/parity_thresholds: expected 1"),
            ({"parity_thresholds": 1, "alpha": 0.9}, r"/alpha: expected a number in \(0, 0\.5\]"),
            ({"parity_thresholds": 1, "min_dif": 0.1}, r"/min_dif: unknown field"),
            ({"parity_thresholds": 1, "axes": {"gendr": {"min_diff": 0.1}}},
             r"/axes/gendr: not an axis of suite 'demo'"),
            ({"parity_thresholds": 1, "correction": "fdr"}, r"/correction: expected"),
        ]
        for i, (doc, pattern) in enumerate(cases):
            path = os.path.join(self.tmp, "t%d.json" % i)
            with open(path, "w") as f:
                json.dump(doc, f)
            run_dir = os.path.join(self.tmp, "never%d" % i)
            r = harness.parity(["run", SUITE, "--engine", "sim", "--run-dir", run_dir,
                                "--thresholds", path])
            self.assertEqual(r.rc, 2, r.describe())
            self.assertRegex(r.stderr, r"^parity: thresholds '.*t%d\.json': " % i + pattern)
            self.assertFalse(os.path.exists(run_dir), "a bad thresholds file made a folder")

    def test_unusable_input_exits_2(self):
        r = self.verify(os.path.join(self.tmp, "nothing"))
        self.assertEqual(r.rc, 2, r.describe())
        self.assertRegex(r.stderr, r"no readable manifest\.json")
        d = self.copy()
        with open(os.path.join(d, "manifest.json"), "w") as f:
            f.write("{not json")
        self.assertEqual(self.verify(d).rc, 2)
        self.assertEqual(harness.parity(["verify"]).rc, 2)
        self.assertEqual(harness.parity(["verify", d, "--identity", "x"]).rc, 2)

    # --- the tamper matrix: each manipulation exits 1 and is named ------------

    def record_with_score(self, lines, start=2):
        for i in range(start, len(lines)):
            rec = json.loads(lines[i])
            if isinstance(rec["scores"].get(rec["outcome"] or ""), bool):
                return i, rec
        self.fail("no scored record")

    def test_tamper_edit_a_response(self):
        d = self.copy()
        lines = read_lines(self.results(d))
        i, rec = self.record_with_score(lines)
        rec["response"] = "Yes." if rec["response"] != "Yes." else "No."
        lines[i] = json.dumps(rec, separators=(",", ":")).encode()
        write_lines(self.results(d), lines)
        self.assert_detected(d, r"results\.jsonl: line %d: \"prev\" is not the sha256 of line %d"
                             % (i + 2, i + 1),
                             r"results\.jsonl: sha256 differs from manifest\.files",
                             r"results\.jsonl: line %d: scores\.\w+ is \w+ in the record, "
                             r"re-scoring the response gives" % (i + 1))

    def test_tamper_edit_a_score(self):
        d = self.copy()
        lines = read_lines(self.results(d))
        i, rec = self.record_with_score(lines)
        rec["scores"][rec["outcome"]] = not rec["scores"][rec["outcome"]]
        lines[i] = json.dumps(rec, separators=(",", ":")).encode()
        write_lines(self.results(d), lines)
        self.assert_detected(d, r"results\.jsonl: line %d: scores\.%s is \w+ in the record, "
                             r"re-scoring the response gives" % (i + 1, rec["outcome"]),
                             r"summary\.json: /outcomes/.*recomputed from results\.jsonl")

    def test_tamper_rechained_score_edit(self):
        # An editor who re-chains every record and fixes the manifest's head
        # still meets the re-scoring, the summary and the seal.
        d = self.copy()
        lines = read_lines(self.results(d))
        i, rec = self.record_with_score(lines)
        rec["scores"][rec["outcome"]] = not rec["scores"][rec["outcome"]]
        recs = [json.loads(ln) for ln in lines]
        recs[i] = rec
        prev, out = "0" * 64, []
        for k, r in enumerate(recs):
            r["seq"], r["prev"] = k, prev
            out.append(json.dumps(r, separators=(",", ":")).encode())
            prev = hashlib.sha256(out[-1]).hexdigest()
        write_lines(self.results(d), out)
        self.rewrite_manifest(d, lambda m: m["results"].update(chain_head=prev))
        self.assert_detected(d, r"scores\.\w+ is \w+ in the record, re-scoring",
                             r"manifest\.json: seal sha256 differs")

    def test_tamper_edit_a_count_in_the_summary(self):
        d = self.copy()
        path = os.path.join(d, "summary.json")
        s = load_json(path)
        s["outcomes"][0]["groups"][1]["positive"] += 1
        with open(path, "w") as f:
            json.dump(s, f)
        self.assert_detected(d, r"summary\.json: /outcomes/0/groups/1/positive: \d+ in the file, "
                             r"\d+ recomputed from results\.jsonl",
                             r"summary\.json: sha256 differs from manifest\.files")

    def test_tamper_swap_two_records(self):
        d = self.copy()
        lines = read_lines(self.results(d))
        lines[3], lines[4] = lines[4], lines[3]
        write_lines(self.results(d), lines)
        self.assert_detected(d, r"results\.jsonl: line 4: \"seq\" is 4, expected 3 \(records "
                             r"removed, inserted or reordered\)")

    def test_tamper_drop_the_last_record(self):
        d = self.copy()
        lines = read_lines(self.results(d))
        write_lines(self.results(d), lines[:-1])
        self.assert_detected(d, r"results\.jsonl: chain head [0-9a-f]{12}\.\.\. differs from "
                             r"manifest\.results\.chain_head",
                             r"results\.jsonl: %d records, manifest\.results\.records says %d"
                             % (len(lines) - 1, len(lines)))

    def test_tamper_append_a_chained_record(self):
        d = self.copy()
        lines = read_lines(self.results(d))
        rec = json.loads(lines[-1])
        rec["seq"] += 1
        rec["prev"] = hashlib.sha256(lines[-1]).hexdigest()
        rec["sample"] += 100
        write_lines(self.results(d), lines + [json.dumps(rec, separators=(",", ":")).encode()])
        # Verify reads no further than the sealed size (issue 14) and says so.
        self.assert_detected(d, r"results\.jsonl: \d+ bytes, manifest\.files records \d+: "
                             r"records past them were added after sealing",
                             r"results\.jsonl: sha256 differs from manifest\.files")

    def test_tamper_delete_a_middle_record(self):
        d = self.copy()
        lines = read_lines(self.results(d))
        del lines[5]
        write_lines(self.results(d), lines)
        self.assert_detected(d, r"results\.jsonl: line 6: \"seq\" is 6, expected 5")

    def test_tamper_tear_the_last_line(self):
        d = self.copy()
        with open(self.results(d), "rb+") as f:
            f.truncate(os.path.getsize(self.results(d)) - 10)
        self.assert_detected(d, r"results\.jsonl: line \d+: no final newline")

    def test_tamper_change_a_parameter_in_the_manifest(self):
        d = self.copy()
        self.rewrite_manifest(d, lambda m: m["parameters"].update(temperature="0.7"))
        self.assert_detected(d, r"manifest\.json: seal sha256 differs \(the manifest was edited "
                             r"after sealing\)")

    def test_tamper_change_the_samples_in_the_manifest(self):
        d = self.copy()
        self.rewrite_manifest(d, lambda m: m["parameters"].update(samples=3))
        self.assert_detected(d, r"manifest\.json: counts\.planned is \d+ but the suite copy's "
                             r"\d+ cases x parameters\.samples 3",
                             r"seal sha256 differs")

    def test_tamper_error_count_in_the_manifest(self):
        d = self.copy()
        self.rewrite_manifest(d, lambda m: m["counts"].update(errors=3))
        self.assert_detected(d, r"results\.jsonl: 0 failed records, manifest\.counts\.errors "
                             r"says 3")

    def test_tamper_reformat_the_manifest(self):
        d = self.copy()
        path = os.path.join(d, "manifest.json")
        m = load_json(path)
        with open(path, "w") as f:
            json.dump(m, f, indent=2, sort_keys=True)
        self.assert_detected(d, r"manifest\.json: not in canonical form")

    def test_tamper_replace_the_suite_copy(self):
        d = self.copy()
        path = os.path.join(d, "suite", "suite.json")
        s = load_json(path)
        s["items"][0]["prompt"] = s["items"][0]["prompt"].replace("Should", "Must")
        with open(path, "w") as f:
            json.dump(s, f, indent=2)
        self.assert_detected(d, r"suite/suite\.json: sha256 [0-9a-f]{12}\.\.\. differs from "
                             r"manifest\.suite\.sha256 \(the suite copy was replaced",
                             r"suite/suite\.json: sha256 differs from manifest\.files")

    def test_tamper_add_a_stray_file(self):
        d = self.copy()
        with open(os.path.join(d, "notes.txt"), "w") as f:
            f.write("added later\n")
        self.assert_detected(d, r"(?m)^notes\.txt: not listed in manifest\.files \(added "
                             r"after sealing\)$")

    def test_tamper_delete_the_summary(self):
        d = self.copy()
        os.unlink(os.path.join(d, "summary.json"))
        self.assert_detected(d, r"summary\.json: listed in manifest\.files but missing")

    def test_tamper_edit_the_thresholds(self):
        d = self.copy()
        path = os.path.join(d, "thresholds.json")
        t = dict(THRESHOLDS, min_diff=0.2)
        with open(path, "w") as f:
            json.dump(t, f, indent=1)
        self.assert_detected(d, r"thresholds\.json: sha256 [0-9a-f]{12}\.\.\. differs from "
                             r"manifest\.thresholds\.sha256 \(edited after registration\)")

    def test_tamper_edit_the_audit(self):
        d = self.copy()
        path = os.path.join(d, "audit.json")
        a = load_json(path)
        a["ll144"]["tables"][0]["categories"][1]["impact_ratio"] = "0.95"
        with open(path, "w") as f:
            f.write(canonical(a))
        self.assert_detected(d, r"audit\.json /ll144: /tables/0/categories/1/impact_ratio",
                             r"audit\.json: sha256 differs from manifest\.files")

    # --- signatures -------------------------------------------------------------

    def keys(self):
        """Two fresh keys and an allowed_signers file naming the first."""
        k1, k2 = os.path.join(self.tmp, "k1"), os.path.join(self.tmp, "k2")
        pub1, pub2 = keygen(k1, "auditor"), keygen(k2, "someone-else")
        allowed = os.path.join(self.tmp, "allowed_signers")
        with open(allowed, "w") as f:
            f.write("auditor@acme.example %s\n" % pub1)
        return k1, k2, allowed

    def ssh_verify(self, allowed, run_dir, identity="auditor@acme.example"):
        with open(os.path.join(run_dir, "manifest.json"), "rb") as f:
            return subprocess.run([SSH_KEYGEN, "-Y", "verify", "-f", allowed, "-I", identity,
                                   "-n", "parity", "-s",
                                   os.path.join(run_dir, "manifest.json.sig")],
                                  stdin=f, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  text=True)

    @unittest.skipUnless(SSH_KEYGEN, "ssh-keygen (openssh-client) is not installed")
    def test_signature_round_trip_with_ssh_keygen(self):
        k1, k2, allowed = self.keys()
        d = self.copy()
        r = harness.parity(["sign", d, "--key", k1])
        self.assertEqual(r.rc, 0, r.describe())
        self.assertRegex(r.stdout, r"^signed .*manifest\.json\.sig with SHA256:")
        # stock OpenSSH accepts parity's signature ...
        p = self.ssh_verify(allowed, d)
        self.assertEqual(p.returncode, 0, p.stdout)
        self.assertIn('Good "parity" signature for auditor@acme.example', p.stdout)
        # ... and parity the allowed signer's
        r = self.verify(d, "--allowed-signers", allowed, "--identity", "auditor@acme.example")
        self.assertEqual(r.rc, 0, r.describe())
        self.assertRegex(r.stdout, r"signed by SHA256:\S+ \(auditor@acme\.example\)")
        # a signature ssh-keygen made is accepted by parity
        os.unlink(os.path.join(d, "manifest.json.sig"))
        subprocess.run([SSH_KEYGEN, "-q", "-Y", "sign", "-f", k1, "-n", "parity",
                        os.path.join(d, "manifest.json")], check=True,
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
        r = self.verify(d, "--allowed-signers", allowed)
        self.assertEqual(r.rc, 0, r.describe())
        # a signature for another namespace (git's) is refused
        os.unlink(os.path.join(d, "manifest.json.sig"))
        subprocess.run([SSH_KEYGEN, "-q", "-Y", "sign", "-f", k1, "-n", "git",
                        os.path.join(d, "manifest.json")], check=True,
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
        self.assert_detected(d, r"manifest\.json\.sig: signature is for namespace 'git', "
                             r"expected 'parity'", extra=("--allowed-signers", allowed))

    @unittest.skipUnless(SSH_KEYGEN, "ssh-keygen (openssh-client) is not installed")
    def test_tamper_resign_with_another_key(self):
        k1, k2, allowed = self.keys()
        d = self.copy()
        self.assertEqual(harness.parity(["sign", d, "--key", k2]).rc, 0)
        self.assertNotEqual(self.ssh_verify(allowed, d).returncode, 0)
        self.assert_detected(d, r"manifest\.json\.sig: key SHA256:\S+ is not in allowed "
                             r"signers '.*allowed_signers'",
                             extra=("--allowed-signers", allowed))
        r = self.verify(d, "--allowed-signers", allowed, "--identity", "mallory@acme.example")
        self.assertEqual(r.rc, 1, r.describe())

    @unittest.skipUnless(SSH_KEYGEN, "ssh-keygen (openssh-client) is not installed")
    def test_tamper_edit_the_manifest_after_signing(self):
        k1, _, allowed = self.keys()
        d = self.copy()
        self.assertEqual(harness.parity(["sign", d, "--key", k1]).rc, 0)
        self.rewrite_manifest(d, lambda m: m.update(purpose="something else"))
        self.assertNotEqual(self.ssh_verify(allowed, d).returncode, 0)
        self.assert_detected(d, r"manifest\.json\.sig: signature does not match the signed "
                             r"bytes", r"seal sha256 differs")
        # without the allowed signers too: the signature is checked against its own key
        self.assert_detected(d, r"manifest\.json\.sig: signature does not match")

    @unittest.skipUnless(SSH_KEYGEN, "ssh-keygen (openssh-client) is not installed")
    def test_missing_signature_when_signers_are_given(self):
        _, _, allowed = self.keys()
        self.assert_detected(self.clean, r"manifest\.json\.sig: missing",
                             extra=("--allowed-signers", allowed))

    @unittest.skipUnless(SSH_KEYGEN, "ssh-keygen (openssh-client) is not installed")
    def test_sign_refuses_a_tampered_folder_and_bad_keys(self):
        k1, _, _ = self.keys()
        d = self.copy()
        with open(os.path.join(d, "notes.txt"), "w") as f:
            f.write("x")
        r = harness.parity(["sign", d, "--key", k1])
        self.assertEqual(r.rc, 1, r.describe())
        self.assertIn("refusing to sign", r.stderr)
        self.assertFalse(os.path.exists(os.path.join(d, "manifest.json.sig")))
        d2 = os.path.join(self.tmp, "d2")
        shutil.copytree(self.clean, d2)
        enc = os.path.join(self.tmp, "enc")
        subprocess.run([SSH_KEYGEN, "-q", "-t", "ed25519", "-N", "pass phrase", "-f", enc],
                       check=True, stdin=subprocess.DEVNULL)
        r = harness.parity(["sign", d2, "--key", enc])
        self.assertEqual(r.rc, 2, r.describe())
        self.assertRegex(r.stderr, r"key '.*enc': the key is encrypted")
        r = harness.parity(["sign", d2, "--key", k1 + ".pub"])
        self.assertEqual(r.rc, 2, r.describe())
        self.assertEqual(harness.parity(["sign", d2]).rc, 2)

    # --- in-toto ------------------------------------------------------------------

    @unittest.skipUnless(SSH_KEYGEN, "ssh-keygen (openssh-client) is not installed")
    def test_attestation(self):
        k1, k2, allowed = self.keys()
        d = self.copy()
        r = harness.parity(["attest", d, "--key", k1])
        self.assertEqual(r.rc, 0, r.describe())
        env = load_json(os.path.join(d, "attestation.intoto.json"))
        self.assertEqual(env["payloadType"], "application/vnd.in-toto+json")
        payload = base64.b64decode(env["payload"])
        st = json.loads(payload)
        self.assertEqual(st["_type"], "https://in-toto.io/Statement/v1")
        self.assertEqual(st["predicateType"], "https://parity.dev/evaluation/v1")
        m = load_json(os.path.join(d, "manifest.json"))
        subjects = {s["name"]: s["digest"]["sha256"] for s in st["subject"]}
        self.assertEqual(set(subjects), set(m["files"]) | {"manifest.json"})
        for name, digest in subjects.items():
            self.assertEqual(digest, sha256_file(os.path.join(d, name)), name)
        pred = st["predicate"]
        self.assertEqual(pred["results"]["chain_head"], m["results"]["chain_head"])
        self.assertEqual(pred["thresholds"]["sha256"], m["thresholds"]["sha256"])
        self.assertEqual(pred["suite"], m["suite"])
        self.assertEqual(pred["engine"], m["engine"])
        self.assertEqual(pred["parameters"], m["parameters"])
        self.assertEqual(pred["counts"], m["counts"])
        self.assertEqual(floats_in(st), [])
        fpr = subprocess.run([SSH_KEYGEN, "-lf", k1 + ".pub"], check=True, text=True,
                             stdout=subprocess.PIPE).stdout.split()[1]
        self.assertEqual(env["signatures"][0]["keyid"], fpr)
        r = self.verify(d, "--allowed-signers", allowed)
        self.assertEqual(r.rc, 1, r.describe())  # attested but not signed
        self.assertIn("manifest.json.sig: missing", r.stdout)
        self.assertEqual(harness.parity(["sign", d, "--key", k1]).rc, 0)
        r = self.verify(d, "--allowed-signers", allowed)
        self.assertEqual(r.rc, 0, r.describe())
        self.assertIn("attestation verified", r.stdout)
        # a changed payload: the signature no longer holds
        st["predicate"]["purpose"] = "forged"
        env["payload"] = base64.b64encode(canonical(st).encode()).decode()
        with open(os.path.join(d, "attestation.intoto.json"), "w") as f:
            json.dump(env, f)
        self.assert_detected(d, r"attestation\.intoto\.json: signature by SHA256:\S+ does not "
                             r"match the payload", extra=("--allowed-signers", allowed))
        # an attestation by a key the signers file does not know
        self.assertEqual(harness.parity(["attest", d, "--key", k2]).rc, 0)
        self.assert_detected(d, r"attestation\.intoto\.json: no key SHA256:\S+ in allowed signers",
                             extra=("--allowed-signers", allowed))

    # --- audit view ---------------------------------------------------------------

    def test_audit_table_matches_the_records(self):
        audit = load_json(os.path.join(self.clean, "audit.json"))
        self.assertEqual(audit["parity_audit"], 1)
        self.assertTrue(audit["data_source"]["synthetic"])
        self.assertIn("synthetic test data", audit["data_source"]["note"])
        self.assertEqual(audit["data_source"]["operator_note"], "demo suite, synthetic prompts")
        self.assertEqual(floats_in(audit), [])
        records = harness.load_jsonl(self.results(self.clean))
        tables = {(t["outcome"], tuple(t["axes"])): t for t in audit["ll144"]["tables"]}
        self.assertIn(("approve", ("gender",)), tables)
        self.assertIn(("approve", ("gender", "age")), tables)  # an intersection
        for (outcome, axes), t in tables.items():
            counts = {}
            for rec in records:
                if rec["outcome"] != outcome or not all(a in rec["groups"] for a in axes):
                    continue
                key = tuple(rec["groups"][a] for a in axes)
                c = counts.setdefault(key, [0, 0, 0])
                v = rec["scores"].get(outcome)
                c[0] += 1
                c[1] += isinstance(v, bool)
                c[2] += v is True
            total = sum(c[0] for c in counts.values())
            self.assertEqual(t["records"], total)
            big = [c for c in counts.values() if c[0] >= 0.02 * total and c[1]]
            top = max(big, key=lambda c: c[2] / c[1])
            for cat in t["categories"]:
                key = tuple(cat["groups"][a] for a in axes)
                rec_n, n, pos = counts[key]
                what = "%s %s %s" % (outcome, axes, key)
                self.assertEqual((cat["records"], cat["n"], cat["selected"]), (rec_n, n, pos),
                                 what)
                self.assertAlmostEqual(float(cat["selection_rate"]), pos / n, places=12,
                                       msg=what)
                self.assertAlmostEqual(float(cat["impact_ratio"]),
                                       (pos / n) / (top[2] / top[1]), places=12, msg=what)
                self.assertEqual(cat["small"], rec_n < 0.02 * total, what)
        ratio = {c["category"]: c["impact_ratio"]
                 for c in tables[("approve", ("gender",))]["categories"]}
        self.assertLess(float(ratio["woman"]), 0.8)  # sim-v2 plants it

    def test_audit_verdicts_and_checklist(self):
        audit = load_json(os.path.join(self.clean, "audit.json"))
        v = audit["verdicts"]
        self.assertEqual(v["thresholds_sha256"], sha256_file(self.thresholds))
        woman = [g for g in v["groups"] if (g["axis"], g["group"]) == ("gender", "woman")][0]
        self.assertEqual(woman["min_diff"], "0.03")  # the axis override
        self.assertTrue(woman["flagged"])
        self.assertEqual(v["flagged"], sum(g["flagged"] for g in v["groups"]))
        status = {c["id"]: c["status"] for c in audit["checklist"]}
        self.assertEqual(status["eu-ai-act-art-9-8"], "present")
        self.assertEqual(status["eu-ai-act-art-12"], "present")
        self.assertEqual(status["nist-ai-rmf-measure-2-11"], "present")
        self.assertEqual(status["eu-ai-act-annex-iv-2-g"], "missing")  # not signed yet
        self.assertEqual(set(status), {"eu-ai-act-art-9-8", "eu-ai-act-art-10-2-f",
                                       "eu-ai-act-art-10-2-g", "eu-ai-act-art-12",
                                       "eu-ai-act-art-15", "eu-ai-act-annex-iv-2-g",
                                       "nist-ai-rmf-measure-2-11", "nyc-ll144"})

    def test_audit_command(self):
        d = self.copy()
        os.unlink(os.path.join(d, "audit.json"))
        self.assertEqual(self.verify(d).rc, 1)
        r = harness.parity(["audit", d])
        self.assertEqual(r.rc, 0, r.describe())
        self.assertIn("approve by gender x age", r.stdout)
        self.assertRegex(r.stdout, r"\[present\] EU AI Act Art\. 9\(8\)")
        self.assertRegex(r.stdout, r"\[missing\] EU AI Act Annex IV 2\(g\)")
        self.assertEqual(load_json(os.path.join(d, "audit.json"))["ll144"],
                         load_json(os.path.join(self.clean, "audit.json"))["ll144"])
        r = self.verify(d)
        self.assertEqual(r.rc, 0, r.describe())  # written and sealed again
        r = harness.parity(["audit", d, "--json", "--no-write"])
        self.assertEqual(r.rc, 0, r.describe())
        self.assertEqual(json.loads(r.stdout)["parity_audit"], 1)
        # a tampered folder is not re-sealed by audit
        with open(os.path.join(d, "notes.txt"), "w") as f:
            f.write("x")
        r = harness.parity(["audit", d])
        self.assertEqual(r.rc, 1, r.describe())
        self.assertIn("does not verify", r.stderr)

    @unittest.skipUnless(SSH_KEYGEN, "ssh-keygen (openssh-client) is not installed")
    def test_audit_of_a_signed_folder(self):
        k1, _, _ = self.keys()
        d = self.copy()
        self.assertEqual(harness.parity(["sign", d, "--key", k1]).rc, 0)
        r = harness.parity(["audit", d])
        self.assertEqual(r.rc, 0, r.describe())
        self.assertRegex(r.stdout, r"\[present\] EU AI Act Annex IV 2\(g\)")
        self.assertIn("is signed: audit.json left as sealed", r.stderr)
        # signed, but no trust root given: integrity only, said first, exit 4
        r = self.verify(d)
        self.assertEqual(r.rc, 4, r.describe())
        self.assertTrue(r.stdout.startswith("UNCHECKED SIGNER: "), r.describe())

    def test_rescoring_writes_a_sealed_copy_and_never_the_evidence(self):
        d = self.copy()
        manifest = sha256_file(os.path.join(d, "manifest.json"))
        self.assertEqual(harness.parity(["score", d, "--quiet"]).rc, 2)
        r = harness.parity(["summary", d, "--quiet"])
        self.assertEqual(r.rc, 0, r.describe())
        self.assertEqual(sha256_file(os.path.join(d, "manifest.json")), manifest)
        self.assertEqual(self.verify(d).rc, 0)
        d2 = d + "-rescored"
        r = harness.parity(["score", d, "-o", d2, "--quiet"])
        self.assertEqual(r.rc, 0, r.describe())
        r = self.verify(d2)
        self.assertEqual(r.rc, 0, r.describe())
        m = load_json(os.path.join(d2, "manifest.json"))
        self.assertIn("rescored_at", m)
        self.assertEqual(m["rescored_from"]["manifest_sha256"], manifest)
        # re-scoring with a scorer added to the suite copy is recorded, not refused
        copy = os.path.join(d, "suite", "suite.json")
        s = load_json(copy)
        s["scorers"]["says_no"] = {"type": "regex", "pattern": "^\\W*no\\b", "flags": "i"}
        with open(copy, "w") as f:
            json.dump(s, f, indent=2)
        self.assertEqual(self.verify(d).rc, 1)
        d3 = d + "-says-no"
        r = harness.parity(["score", d, "-o", d3, "--quiet"])
        self.assertEqual(r.rc, 0, r.describe())
        r = self.verify(d3)
        self.assertEqual(r.rc, 0, r.describe())
        m = load_json(os.path.join(d3, "manifest.json"))
        self.assertEqual(m["rescored_suite"]["sha256"], sha256_file(copy))
        self.assertNotEqual(m["suite"]["sha256"], sha256_file(copy))


if __name__ == "__main__":
    unittest.main()
