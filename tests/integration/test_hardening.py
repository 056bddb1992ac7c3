"""Untrusted suites and run folders (issue 14): a suite cannot make parity
write or read outside the places it was given, a run folder has one owner,
and files are what they claim before parity reads them. Each test stands
for a defect that was found; it fails on the code before the fix."""

import base64
import fcntl
import json
import os
import shutil
import subprocess
import stat
import tempfile
import unittest

import harness

ITEM = {"id": "i1", "axes": ["g"], "outcome": "yes", "prompt": "Should the {p} be hired?"}


def suite_json(**extra):
    s = {"parity_suite": 1, "id": "conf", "version": "1",
         "axes": {"g": {"reference": "m", "groups": {"m": {"p": "man"}, "w": {"p": "woman"}}}},
         "scorers": {"yes": {"type": "regex", "pattern": "^\\W*yes\\b", "flags": "i"}}}
    s.update(extra)
    return s


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def snapshot(root):
    """{path: bytes} of every file under root."""
    out = {}
    for d, _, files in os.walk(root):
        for fn in files:
            p = os.path.join(d, fn)
            if os.path.isfile(p) and not os.path.islink(p):
                with open(p, "rb") as f:
                    out[os.path.relpath(p, root)] = f.read()
    return out


class Base(unittest.TestCase):
    def setUp(self):
        self._tmp = tempfile.TemporaryDirectory(prefix="parity-harden-")
        self.addCleanup(self._tmp.cleanup)
        self.tmp = self._tmp.name

    def suite(self, rel, **extra):
        path = os.path.join(self.tmp, rel)
        write(path, json.dumps(suite_json(**extra)))
        return path

    def run_sim(self, suite, run_dir, *args):
        return harness.parity(["run", suite, "--engine", "sim", "--run-dir", run_dir,
                               "--quiet", *args], timeout=60)

    def assert_refused(self, r, *needles):
        self.assertEqual(r.rc, 2, r.describe())
        lines = r.stderr.splitlines()
        self.assertEqual(len(lines), 1, r.describe())
        for n in needles:
            self.assertIn(n, lines[0], r.describe())


class ConfinementTest(Base):
    def test_items_file_above_the_folder_writes_nothing_outside(self):
        # The defect: RUN/suite/ + "../../../../v.jsonl" was written to.
        write(os.path.join(self.tmp, "v.jsonl"), json.dumps(ITEM) + "\n")
        suite = self.suite("a/b/c/d/suite.json", items_file="../../../../v.jsonl")
        run = os.path.join(self.tmp, "a/b/c/d/run")
        before = snapshot(self.tmp)
        r = self.run_sim(suite, run)
        self.assert_refused(r, "suite.json", "/items_file", "inside the suite's folder")
        self.assertEqual(snapshot(self.tmp), before, "nothing written anywhere")
        self.assertFalse(os.path.exists(run))

    def test_allowed_outside_path_is_copied_under_parity_names_and_only_the_copy_read(self):
        outside = os.path.join(self.tmp, "elsewhere", "items.jsonl")
        write(outside, json.dumps(ITEM) + "\n")
        suite = self.suite("s/suite.json", items_file=outside)
        run = os.path.join(self.tmp, "s", "run")
        self.assert_refused(self.run_sim(suite, run), "/items_file", "absolute")
        r = self.run_sim(suite, run, "--allow-outside-paths")
        self.assertEqual(r.rc, 0, r.describe())
        self.assertEqual(sorted(os.listdir(os.path.join(run, "suite"))),
                         ["items.jsonl", "suite.json"])
        m = harness.load_json(os.path.join(run, "manifest.json"))
        self.assertEqual(m["suite"]["copy"], "suite/suite.json")
        self.assertEqual(m["suite"]["items_copy"], "suite/items.jsonl")
        # The outside file changes (or is gone on another machine): the
        # sealed folder still verifies, because only its copy is read.
        write(outside, json.dumps(dict(ITEM, prompt="Changed {p}?")) + "\n")
        r = harness.parity(["verify", run])
        self.assertEqual(r.rc, 0, r.describe())
        os.unlink(outside)
        r = harness.parity(["score", run, "-o", run + "-rescored"])
        self.assertEqual(r.rc, 0, r.describe())

    def test_symlink_inside_the_folder_pointing_out_is_refused(self):
        write(os.path.join(self.tmp, "secret.jsonl"), json.dumps(ITEM) + "\n")
        suite = self.suite("s/suite.json", items_file="items.jsonl")
        os.symlink(os.path.join(self.tmp, "secret.jsonl"), os.path.join(self.tmp, "s/items.jsonl"))
        r = harness.parity(["suite", "lint", suite])
        self.assert_refused(r, "/items_file", "resolves outside")
        r = harness.parity(["suite", "lint", suite, "--allow-outside-paths"])
        self.assertEqual(r.rc, 0, r.describe())

    def test_dotdot_that_stays_inside_is_fine(self):
        write(os.path.join(self.tmp, "s/data/items.jsonl"), json.dumps(ITEM) + "\n")
        suite = self.suite("s/suite.json", items_file="data/../data/items.jsonl")
        r = harness.parity(["suite", "lint", suite])
        self.assertEqual(r.rc, 0, r.describe())

    def test_refused_or_unparsable_files_are_never_quoted(self):
        token = "root:$6$SECRETHASH"
        write(os.path.join(self.tmp, "shadow"), token + ":19000:0:99999:7:::\n")
        write(os.path.join(self.tmp, "s/shadow"), token + ":19000:0:99999:7:::\n")
        for items, extra in ((os.path.join(self.tmp, "shadow"), ["--allow-outside-paths"]),
                             ("shadow", [])):
            suite = self.suite("s/suite.json", items_file=items)
            r = harness.parity(["suite", "lint", suite, *extra])
            self.assertEqual(r.rc, 2, r.describe())
            self.assertNotIn("SECRET", r.stderr, r.describe())
            self.assertNotIn("root", r.stderr, r.describe())
        r = harness.parity(["suite", "lint", os.path.join(self.tmp, "shadow")])
        self.assertEqual(r.rc, 2, r.describe())
        self.assertNotIn("SECRET", r.stderr, r.describe())

    def test_a_fifo_as_items_file_is_refused_without_hanging(self):
        suite = self.suite("s/suite.json", items_file="fifo.jsonl")
        os.mkfifo(os.path.join(self.tmp, "s/fifo.jsonl"))
        r = harness.parity(["suite", "lint", suite], timeout=20)
        self.assert_refused(r, "/items_file", "FIFO")


class OneOwnerTest(Base):
    def sim_run(self, name="run", items=4):
        suite = self.suite("s/suite.json",
                           items=[dict(ITEM, id="i%d" % k) for k in range(items)])
        run = os.path.join(self.tmp, name)
        r = self.run_sim(suite, run, "--samples", "3")
        self.assertEqual(r.rc, 0, r.describe())
        return suite, run

    def test_resume_refuses_a_folder_that_is_not_a_run(self):
        suite = self.suite("s/suite.json", items=[ITEM])
        mine = os.path.join(self.tmp, "mine")
        write(os.path.join(mine, "report.md"), "my notes\n")
        write(os.path.join(mine, "notes.txt"), "keep\n")
        before = snapshot(mine)
        r = harness.parity(["run", suite, "--engine", "sim", "--resume", mine, "--quiet"])
        self.assert_refused(r, "not a parity run folder")
        self.assertEqual(snapshot(mine), before)
        self.assertEqual(sorted(os.listdir(mine)), ["notes.txt", "report.md"])
        write(os.path.join(mine, "manifest.json"), json.dumps({"name": "my project"}))
        before = snapshot(mine)
        r = harness.parity(["run", suite, "--engine", "sim", "--resume", mine, "--quiet"])
        self.assert_refused(r, "expected a parity run manifest")
        self.assertEqual(snapshot(mine), before)

    def test_a_locked_folder_is_refused_with_the_holders_pid(self):
        suite, run = self.sim_run()
        with open(os.path.join(run, ".parity.lock"), "a+") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            lock.truncate(0)
            lock.write("424242\n")
            lock.flush()
            before = snapshot(run)
            for args in (["run", suite, "--engine", "sim", "--samples", "3", "--resume", run,
                          "--quiet"],
                         ["score", run], ["summary", run],
                         ["merge", os.path.join(self.tmp, "merged"), run, run]):
                r = harness.parity(args)
                self.assert_refused(r, "in use by parity pid 424242")
            self.assertEqual(snapshot(run), before)
        r = harness.parity(["summary", run, "--quiet"])
        self.assertEqual(r.rc, 0, r.describe())

    def test_score_never_rechains_an_edited_record(self):
        for line_no in (1, -1):  # a middle record and the last one
            _, run = self.sim_run("run%d" % line_no)
            path = os.path.join(run, "results.jsonl")
            with open(path) as f:
                lines = f.read().splitlines()
            rec = json.loads(lines[line_no])
            rec["response"] = "Yes." if rec["response"] != "Yes." else "No."
            lines[line_no] = json.dumps(rec, separators=(",", ":"))
            write(path, "\n".join(lines) + "\n")
            self.assertEqual(harness.parity(["verify", run]).rc, 1)
            r = harness.parity(["score", run])
            self.assertEqual(r.rc, 2, r.describe())
            self.assertIn("results.jsonl", r.stderr)
            r = harness.parity(["verify", run])
            self.assertEqual(r.rc, 1, "the edit still shows after score\n" + r.describe())


class CaseCountTest(Base):
    def test_a_count_that_would_wrap_is_refused(self):
        groups = {"g%d" % k: {"w": "x%d" % k} for k in range(256)}
        axes = {"a%d" % i: {"reference": "g0", "groups": groups} for i in range(8)}
        item = {"id": "big", "axes": list(axes), "prompt": "{w}"}
        path = os.path.join(self.tmp, "big.json")
        s = suite_json(axes=axes, items=[item, dict(ITEM, axes=[], prompt="fine")])
        s.pop("scorers")
        s["items"][1].pop("outcome")
        write(path, json.dumps(s))
        r = harness.parity(["suite", "lint", path])
        self.assert_refused(r, "/items/0/axes", "more than 10000000 cases")

    def test_lint_states_the_cap_and_max_cases_lowers_it(self):
        suite = self.suite("s/suite.json", items=[ITEM, dict(ITEM, id="i2")])
        r = harness.parity(["suite", "lint", suite])
        self.assertEqual(r.rc, 0, r.describe())
        self.assertIn("4 cases (at most 10000000", r.stdout)
        r = harness.parity(["suite", "lint", suite, "--max-cases", "3"])
        self.assert_refused(r, "/items/1/axes", "more than 3 cases")
        r = self.run_sim(suite, os.path.join(self.tmp, "run"), "--max-cases", "3")
        self.assert_refused(r, "more than 3 cases")
        self.assertFalse(os.path.exists(os.path.join(self.tmp, "run")))


class FilesAreWhatTheyClaimTest(Base):
    def sealed_run(self):
        suite = self.suite("s/suite.json", items=[dict(ITEM, id="i%d" % k) for k in range(3)])
        run = os.path.join(self.tmp, "run")
        r = self.run_sim(suite, run)
        self.assertEqual(r.rc, 0, r.describe())
        self.assertEqual(harness.parity(["verify", run]).rc, 0)
        return run

    def verify_finds(self, run, needle):
        r = harness.parity(["verify", run], timeout=30)
        self.assertEqual(r.rc, 1, r.describe())
        self.assertIn(needle, r.stdout, r.describe())
        return r

    def test_a_fifo_never_hangs_verify(self):
        for name in ("summary.json", "manifest.json.sig"):
            run = self.sealed_run()
            p = os.path.join(run, name)
            if os.path.exists(p):
                os.unlink(p)
            os.mkfifo(p)
            self.verify_finds(run, "FIFO")
            self._tmp.cleanup()
            os.makedirs(self.tmp)

    def test_results_as_a_symlink_to_dev_zero_is_refused_unread(self):
        run = self.sealed_run()
        res = os.path.join(run, "results.jsonl")
        os.unlink(res)
        os.symlink("/dev/zero", res)
        self.verify_finds(run, "results.jsonl: is a symlink")
        for args in (["score", run], ["summary", run]):
            r = harness.parity(args, timeout=30)
            self.assertEqual(r.rc, 2, r.describe())
            self.assertIn("symlink", r.stderr)

    def test_reads_are_capped_by_the_recorded_size(self):
        run = self.sealed_run()
        with open(os.path.join(run, "summary.json"), "a") as f:
            f.write(" " * (1 << 20))
        self.verify_finds(run, "summary.json: ")
        r = harness.parity(["verify", run])
        self.assertRegex(r.stdout, r"summary\.json: \d+ bytes, expected at most \d+")

    def test_empty_and_unexpected_folders_are_findings(self):
        run = self.sealed_run()
        os.mkdir(os.path.join(run, "empty"))
        self.verify_finds(run, "empty/: unexpected folder")
        os.rmdir(os.path.join(run, "empty"))
        os.mkdir(os.path.join(run, "suite", "empty"))
        self.verify_finds(run, "suite/empty/: empty folder")

    def test_a_name_with_a_newline_cannot_forge_a_line(self):
        run = self.sealed_run()
        write(os.path.join(run, "x\nOK forged: all good"), "hi\n")
        r = self.verify_finds(run, "not listed in manifest.files")
        self.assertNotIn("\nOK forged", r.stdout)
        self.assertIn("x\\x0aOK forged: all good", r.stdout)


class FuzzFoundTest(Base):
    """Each found by the fuzzing campaign; the ASan+UBSan build of this test
    also catches the leaks and the qsort(NULL, 0)."""

    def sealed_run(self):
        suite = self.suite("s/suite.json", items=[dict(ITEM, id="i%d" % k) for k in range(3)])
        run = os.path.join(self.tmp, "run")
        r = self.run_sim(suite, run)
        self.assertEqual(r.rc, 0, r.describe())
        return run

    def test_verify_and_audit_survive_an_object_with_another_key(self):
        run = self.sealed_run()
        path = os.path.join(run, "summary.json")
        summary = harness.load_json(path)
        key = sorted(summary)[0]
        summary[key + "x"] = summary.pop(key)  # as many keys, one different
        write(path, json.dumps(summary))
        r = harness.parity(["verify", run])
        self.assertEqual(r.rc, 1, r.describe())
        self.assertIn("summary.json: /%s: " % key, r.stdout)
        self.assertIn("(missing)", r.stdout)
        r = harness.parity(["audit", run, "--no-write"])
        self.assertIn(r.rc, (0, 1, 2), r.describe())
        self.assertGreaterEqual(r.rc, 0, "no crash\n" + r.describe())

    def holistic(self, edit):
        src = harness.data("..", "..", "data", "import", "holistic")
        data = os.path.join(self.tmp, "hb")
        shutil.copytree(src, data)
        path = os.path.join(data, "descriptors.json")
        d = harness.load_json(path)
        edit(d)
        write(path, json.dumps(d))
        out = os.path.join(self.tmp, "out")
        os.mkdir(out)
        r = harness.parity(["import", "holistic-bias", data, "-o", os.path.join(out, "hb.json")])
        self.assertEqual(r.rc, 2, r.describe())
        self.assertEqual(os.listdir(out), [], "a failed import leaves nothing")
        shutil.rmtree(data)
        shutil.rmtree(out)

    def test_a_failed_holistic_import_leaves_nothing(self):
        self.holistic(lambda d: d.__setitem__("ability&", d.pop("ability")))

    def test_a_failed_import_with_force_keeps_the_old_suite(self):
        src = harness.data("..", "..", "data", "import", "holistic")
        out = os.path.join(self.tmp, "hb.json")
        r = harness.parity(["import", "holistic-bias", src, "-o", out])
        self.assertEqual(r.rc, 0, r.describe())
        before = snapshot(self.tmp)
        data = os.path.join(self.tmp, "bad")
        shutil.copytree(src, data)
        d = harness.load_json(os.path.join(data, "descriptors.json"))
        d["ability&"] = d.pop("ability")
        write(os.path.join(data, "descriptors.json"), json.dumps(d))
        before = {k: v for k, v in snapshot(self.tmp).items() if not k.startswith("bad")}
        r = harness.parity(["import", "holistic-bias", data, "-o", out, "--force"])
        self.assertEqual(r.rc, 2, r.describe())
        after = {k: v for k, v in snapshot(self.tmp).items() if not k.startswith("bad")}
        self.assertEqual(after, before)

    def test_a_suite_without_items_is_an_error_not_ub(self):
        suite = self.suite("s/suite.json", items=[])
        r = harness.parity(["suite", "lint", suite])
        self.assert_refused(r, "/items: expected at least one item")

    def test_a_suite_copy_that_fails_to_load_leaks_nothing(self):
        run = self.sealed_run()
        copy = os.path.join(run, "suite", "suite.json")
        s = harness.load_json(copy)
        s["items"].append(dict(ITEM, id="bad", axes=["nope"]))
        write(copy, json.dumps(s))
        r = harness.parity(["verify", run])
        self.assertEqual(r.rc, 1, r.describe())
        self.assertIn("suite copy: ", r.stdout)

    def test_resume_of_a_missing_folder_leaks_nothing(self):
        suite = self.suite("s/suite.json", items=[ITEM])
        r = harness.parity(["run", suite, "--engine", "sim", "--resume",
                            os.path.join(self.tmp, "none")])
        self.assert_refused(r, "no such run folder")


class SecretsTest(Base):
    def test_userinfo_in_the_base_url_is_sent_as_a_header_and_recorded_as_stars(self):
        fx = harness.Fixture()
        self.addCleanup(fx.stop)
        secret = "s3cr@t-" + os.urandom(6).hex()
        url = "http://alice:%s@127.0.0.1:%d/v1" % (secret.replace("@", "%40"), fx.port)
        suite = self.suite("s/suite.json", items=[ITEM, dict(ITEM, id="i2")])
        run = os.path.join(self.tmp, "run")
        r = harness.parity(["run", suite, "--base-url", url, "--model", "m", "--run-dir", run,
                            "--no-fingerprint"])
        self.assertEqual(r.rc, 0, r.describe())
        basic = "Basic " + base64.b64encode(("alice:" + secret).encode()).decode()
        self.assertEqual(fx.stats()["auth"].get(basic), 4, fx.stats()["auth"])
        m = harness.load_json(os.path.join(run, "manifest.json"))
        want = "http://***@127.0.0.1:%d/v1" % fx.port
        self.assertEqual(m["engine"]["base_url"], want)
        self.assertEqual(m["engine"]["base_urls"], [want])
        self.assertNotIn(secret, r.stdout + r.stderr)
        for path, content in snapshot(run).items():
            self.assertNotIn(secret.encode(), content, "the secret leaked into " + path)
            self.assertNotIn(secret[7:].encode(), content, "part of it in " + path)
            self.assertNotIn(b"alice", content, "the user name in " + path)

    def test_credentials_in_the_url_and_a_key_are_refused(self):
        suite = self.suite("s/suite.json", items=[ITEM])
        r = harness.parity(["run", suite, "--base-url", "http://u:p@127.0.0.1:9/v1",
                            "--api-key-env", "PARITY_API_KEY", "--run-dir",
                            os.path.join(self.tmp, "run")], env={"PARITY_API_KEY": "k"})
        self.assert_refused(r, "give one")
        self.assertNotIn(":p@", r.stderr)


class PermissionsTest(Base):
    def modes(self, root):
        out = set()
        for d, dirs, files in os.walk(root):
            out.add(("d", stat.S_IMODE(os.stat(d).st_mode)))
            for fn in files:
                out.add(("f", stat.S_IMODE(os.stat(os.path.join(d, fn)).st_mode)))
        return out

    def test_run_folders_and_cache_are_not_world_readable(self):
        old = os.umask(0o022)  # what a careless shell has
        self.addCleanup(os.umask, old)
        suite = self.suite("s/suite.json", items=[ITEM])
        run, cache = os.path.join(self.tmp, "run"), os.path.join(self.tmp, "cache")
        r = self.run_sim(suite, run, "--cache", cache)
        self.assertEqual(r.rc, 0, r.describe())
        self.assertEqual(self.modes(run), {("d", 0o750), ("f", 0o640)})
        self.assertEqual(self.modes(cache), {("d", 0o750), ("f", 0o640)})
        wide = os.path.join(self.tmp, "wide")
        r = self.run_sim(suite, wide, "--mode", "755")
        self.assertEqual(r.rc, 0, r.describe())
        self.assertEqual(self.modes(wide), {("d", 0o755), ("f", 0o644)})
        r = self.run_sim(suite, os.path.join(self.tmp, "x"), "--mode", "644")
        self.assert_refused(r, "--mode '644'")


class TerminalTest(Base):
    def test_verbose_escapes_server_bytes(self):
        fx = harness.Fixture()
        self.addCleanup(fx.stop)
        suite = self.suite("s/suite.json", items=[dict(ITEM, prompt="{p} [[hostile]]")])
        r = harness.parity(["run", suite, "--base-url", fx.base_url, "--model", "m",
                            "--run-dir", os.path.join(self.tmp, "run"), "--no-fingerprint",
                            "--verbose", "--retries", "0"])
        lines = [ln for ln in r.stderr.splitlines() if "(item 'i1')" in ln]
        self.assertEqual(len(lines), 2, r.describe())
        self.assertNotIn("\x1b", r.stderr)
        self.assertNotIn("\x07", r.stderr)
        self.assertFalse(any(ln.startswith("parity: forged") for ln in r.stderr.splitlines()),
                         r.describe())
        self.assertIn("\\x1b[2J", lines[0])
        self.assertIn("forged line", lines[0])  # on the error's own line

    def test_an_empty_out_is_an_error(self):
        suite = self.suite("s/suite.json", items=[ITEM])
        for opt in ("--out", "--run-dir"):
            r = harness.parity(["run", suite, "--engine", "sim", opt, ""], cwd=self.tmp)
            self.assert_refused(r, "%s ''" % opt, "expected a folder name")
        self.assertEqual(sorted(os.listdir(self.tmp)), ["s"])


SSH_KEYGEN = shutil.which("ssh-keygen")


@unittest.skipUnless(SSH_KEYGEN, "ssh-keygen (openssh-client) is not installed")
class OmissionTest(Base):
    """verify without a trust root never reads as verified (issue 14, 4)."""

    def key(self, name):
        path = os.path.join(self.tmp, name)
        subprocess.run([SSH_KEYGEN, "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", path],
                       check=True, stdin=subprocess.DEVNULL)
        with open(path + ".pub") as f:
            return path, " ".join(f.read().split()[:2])

    def setUp(self):
        super().setUp()
        suite = self.suite("s/suite.json", items=[ITEM])
        self.run_dir = os.path.join(self.tmp, "run")
        self.assertEqual(self.run_sim(suite, self.run_dir).rc, 0)
        self.k1, pub1 = self.key("k1")
        self.k2, _ = self.key("k2")
        self.allowed = os.path.join(self.tmp, "allowed_signers")
        write(self.allowed, "auditor@acme.example %s\n" % pub1)

    def test_a_signed_folder_without_a_trust_root_says_so_first_and_exits_3(self):
        self.assertEqual(harness.parity(["sign", self.run_dir, "--key", self.k1]).rc, 0)
        r = harness.parity(["verify", self.run_dir])
        self.assertEqual(r.rc, 4, r.describe())
        self.assertTrue(r.stdout.startswith("UNCHECKED SIGNER: "), r.describe())
        r = harness.parity(["verify", self.run_dir],
                           env={"PARITY_ALLOWED_SIGNERS": self.allowed})
        self.assertEqual(r.rc, 0, r.describe())
        self.assertNotIn("UNCHECKED", r.stdout)
        # re-signed by another key: only a trust root tells
        self.assertEqual(harness.parity(["sign", self.run_dir, "--key", self.k2]).rc, 0)
        self.assertEqual(harness.parity(["verify", self.run_dir]).rc, 4)
        r = harness.parity(["verify", self.run_dir],
                           env={"PARITY_ALLOWED_SIGNERS": self.allowed})
        self.assertEqual(r.rc, 1, r.describe())

    def test_require_signature(self):
        r = harness.parity(["verify", self.run_dir, "--require-signature"])
        self.assert_refused(r, "--require-signature needs --allowed-signers")
        r = harness.parity(["verify", self.run_dir, "--require-signature", "--allowed-signers",
                            self.allowed])
        self.assertEqual(r.rc, 1, r.describe())
        self.assertIn("manifest.json.sig: missing", r.stdout)
        self.assertEqual(harness.parity(["verify", self.run_dir]).rc, 0)  # integrity only


if __name__ == "__main__":
    unittest.main()
