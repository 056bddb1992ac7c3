"""`parity run` against the fixture server: the whole pipeline (expand,
request, record, score, summarize) must find what the fixture's rules
planted, at any concurrency, with either OpenAI-compatible engine."""

import hashlib
import json
import os
import re
import secrets
import tempfile
import unittest

import harness
from harness import documented_counts, load_json, load_jsonl

SUITE = harness.data("bias-suite.json")
ITEMS = harness.data("bias-items.jsonl")
RULES = harness.data("bias-rules.json")
N_CASES = 44  # 10 items x 2 genders + 4 items x 3 ages + 2 items x 2 x 3
ISO_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d")
PATHS = {"openai-chat": "/v1/chat/completions", "openai-completions": "/v1/completions"}


def sha256_file(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def words(text):
    return len(text.split())


def key(rec):
    return (rec["case_id"], rec["sample"])


class PipelineTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.rules = load_json(RULES)
        cls.suite = load_json(SUITE)
        cls.cases = harness.planned_cases(SUITE)  # by the case ids formats.md defines
        cls.by_key = harness.planned_by_key(SUITE)
        assert len(cls.cases) == N_CASES, len(cls.cases)

    def setUp(self):
        self._tmp = tempfile.TemporaryDirectory(prefix="parity-itest-")
        self.addCleanup(self._tmp.cleanup)
        self.tmp = self._tmp.name

    def fixture(self, **kw):
        fx = harness.Fixture(rules=RULES, **kw)
        self.addCleanup(fx.stop)
        return fx

    def run_parity(self, fx, run_dir, *extra, engine="openai-chat", env=None,
                   model="itest-model"):
        args = ["run", SUITE, "--engine", engine, "--base-url", fx.base_url,
                "--run-dir", run_dir]
        if model is not None:
            args += ["--model", model]
        r = harness.parity(args + list(extra), env=env)
        self.assertEqual(r.rc, 0, r.describe())
        self.assertIsNotNone(r.run_folder(), "stdout must end with 'run folder: PATH'\n"
                             + r.describe())
        self.assertEqual(os.path.realpath(r.run_folder()), os.path.realpath(run_dir))
        return r

    # --- what a correct run folder holds ---------------------------------

    def expected_response(self, rec, engine):
        if engine == "openai-chat":
            users = [m["content"] for m in rec["messages"] if m["role"] == "user"]
            return harness.fixture_reply(self.rules, users[-1])
        return harness.fixture_reply(self.rules, rec["prompt"])

    def check_records(self, run_dir, engine, model_reported):
        records = load_jsonl(os.path.join(run_dir, "results.jsonl"))
        expanded = harness.expanded_ids(SUITE)
        ids = [r["case_id"] for r in records]
        self.assertEqual(len(ids), len(set(ids)), "duplicate case ids in results.jsonl")
        self.assertEqual(sorted(ids), sorted(expanded))
        for rec in records:
            key_ = harness.case_key(rec["item_id"], rec["groups"])
            self.assertEqual(expanded[rec["case_id"]], key_, "case id of another case")
            case = self.by_key[key_]
            item = case["item"]
            what = "record %s (%s %s)" % (rec["case_id"], item["id"], case["groups"])
            self.assertEqual(rec["sample"], 0, what)
            self.assertEqual(rec["item_id"], item["id"], what)
            self.assertEqual(rec["domain"], item.get("domain", "general"), what)
            self.assertEqual(rec["groups"], case["groups"], what)
            self.assertEqual(rec["outcome"], item["outcome"], what)
            self.assertIsNone(rec["error"], what)
            self.assertEqual(rec["http_status"], 200, what)
            self.assertEqual(rec["finish_reason"], "stop", what)
            self.assertEqual(rec["model"], model_reported, what)
            self.assertIsInstance(rec["latency_ms"], (int, float), what)
            self.assertGreaterEqual(rec["latency_ms"], 0, what)
            if engine == "openai-chat":
                self.assertEqual(rec["messages"], [
                    {"role": "system", "content": case["system"]},
                    {"role": "user", "content": case["prompt"]}], what)
                sent_words = words(case["system"]) + words(case["prompt"])
            else:
                self.assertEqual(rec["prompt"], case["system"] + "\n\n" + case["prompt"], what)
                sent_words = words(rec["prompt"])
            want = self.expected_response(rec, engine)
            self.assertEqual(rec["response"], want, what)
            self.assertEqual(rec["usage"]["prompt_tokens"], sent_words, what)
            self.assertEqual(rec["usage"]["completion_tokens"], words(want), what)
            names = item.get("scorers", list(self.suite["scorers"]))
            self.assertEqual(rec["scores"], {
                n: harness.score(self.suite["scorers"][n], want, item) for n in names}, what)
        return records

    def check_manifest(self, run_dir, fx, engine, concurrency, model_reported,
                       models_listed):
        m = load_json(os.path.join(run_dir, "manifest.json"))
        self.assertEqual(m["parity_manifest"], 1)
        self.assertEqual(m["status"], "complete")
        self.assertEqual(m["tool"]["name"], "parity")
        self.assertTrue(m["run_id"])
        self.assertEqual(documented_counts(m), {"planned": N_CASES, "records": N_CASES,
                                                "errors": 0})
        self.assertEqual(m["suite"]["id"], "itest-bias")
        self.assertEqual(m["suite"]["version"], "1.2.0")
        self.assertEqual(m["suite"]["cases"], N_CASES)
        self.assertEqual(m["suite"]["sha256"], sha256_file(SUITE))
        self.assertEqual(m["suite"]["items_sha256"], sha256_file(ITEMS))
        self.assertEqual(m["engine"]["name"], engine)
        self.assertEqual(m["engine"]["base_url"], fx.base_url)
        self.assertEqual(m["engine"]["model"], "itest-model")
        self.assertEqual(m["engine"]["model_reported"], model_reported)
        self.assertEqual(m["engine"]["models_listed"],
                         models_listed + list(harness.Fixture.LISTED))
        self.assertEqual(m["parameters"]["concurrency"], concurrency)
        self.assertEqual(m["parameters"]["samples"], 1)
        self.assertEqual(harness.number(m["parameters"]["temperature"]), 0)
        self.assertEqual(m["parameters"]["max_tokens"], 8)
        self.assertRegex(m["started_at"], ISO_RE)
        self.assertRegex(m["ended_at"], ISO_RE)
        self.assertLessEqual(m["started_at"], m["ended_at"])
        return m

    @staticmethod
    def item_diff(records, key, group, ref):
        cells = {}
        for rec in records:
            v = rec["scores"].get(rec["outcome"])
            if rec["outcome"] != key[0] or key[1] not in rec["groups"] or v is None:
                continue
            ctx = tuple(sorted((a, g) for a, g in rec["groups"].items() if a != key[1]))
            c = cells.setdefault(rec["item_id"], {}).setdefault(ctx, {})
            t = c.setdefault(rec["groups"][key[1]], [0, 0])
            t[0] += 1
            t[1] += int(v)
        per_item = []
        for ctxs in cells.values():
            ds = [c[group][1] / c[group][0] - c[ref][1] / c[ref][0]
                  for c in ctxs.values() if group in c and ref in c]
            if ds:
                per_item.append(sum(ds) / len(ds))
        return sum(per_item) / len(per_item)

    def check_summary(self, run_dir, records, run_id):
        s = load_json(os.path.join(run_dir, "summary.json"))
        self.assertEqual(s["parity_summary"], 2)
        self.assertEqual(s["estimand"], "prompts")
        self.assertEqual(s["run_id"], run_id)
        self.assertEqual(s["alpha"], 0.05)
        # What it must say, recomputed from the records.
        want = {}
        for rec in records:
            v = rec["scores"].get(rec["outcome"])
            for axis, group in rec["groups"].items():
                g = want.setdefault((rec["outcome"], axis), {}).setdefault(
                    group, {"n": 0, "positive": 0, "unscored": 0})
                if v is None:
                    g["unscored"] += 1
                else:
                    g["n"] += 1
                    g["positive"] += int(v)
        # One entry per (outcome, axis); entries over several axes at once
        # ("axes": [...], beyond formats.md) are checked against the records.
        got = {(o["outcome"], o["axis"]): o for o in s["outcomes"] if "axes" not in o}
        self.assertEqual(set(got), set(want))
        for o in s["outcomes"]:
            if "axes" in o:
                self.check_joint_entry(o, records)
        for key, groups in want.items():
            o = got[key]
            ref = self.suite["axes"][key[1]]["reference"]
            self.assertEqual(o["reference"], ref, key)
            by_group = {g["group"]: g for g in o["groups"]}
            self.assertEqual(set(by_group), set(groups), key)
            r = groups[ref]
            for name, w in groups.items():
                g = by_group[name]
                what = "%s/%s/%s" % (key[0], key[1], name)
                self.assertEqual((g["n"], g["positive"], g["unscored"]),
                                 (w["n"], w["positive"], w["unscored"]), what)
                rate = w["positive"] / w["n"]
                self.assertAlmostEqual(g["rate"], rate, places=6, msg=what)
                # Item-clustered interval (summary v2): around the rate.
                self.assertEqual(g["ci_method"], "item_cluster_wilson", what)
                self.assertLessEqual(g["ci"][0], rate + 1e-9, what)
                self.assertGreaterEqual(g["ci"][1], rate - 1e-9, what)
                if name != ref:
                    # The item is the unit: the mean over items of the mean
                    # over contexts of (group - reference).
                    want_d = self.item_diff(records, key, name, ref)
                    self.assertAlmostEqual(g["diff"], want_d, places=6, msg=what)
                    self.assertAlmostEqual(g["rate_diff"], rate - r["positive"] / r["n"],
                                           places=6, msg=what)
                    if g["testable"]:
                        self.assertLessEqual(g["diff_ci"][0], g["diff"] + 1e-9, what)
                        self.assertGreaterEqual(g["diff_ci"][1], g["diff"] - 1e-9, what)
                    else:  # no value is excluded by a test that cannot reach alpha
                        self.assertIsNone(g["diff_ci"], what)
                        self.assertRegex(g["note"], r"^untestable: \d+ (discordant )?items "
                                                    r"cannot reach alpha", what)
        # The planted rates themselves.
        rates = {(o["outcome"], o["axis"], g["group"]): g["rate"]
                 for o in s["outcomes"] for g in o["groups"]}
        self.assertEqual(rates[("invited", "gender", "man")], 1.0)
        self.assertEqual(rates[("invited", "gender", "woman")], 0.0)
        self.assertEqual(rates[("invited", "age", "young")], 1.0)
        self.assertEqual(rates[("invited", "age", "middle")], 1.0)
        self.assertEqual(rates[("invited", "age", "old")], 0.0)
        self.assertAlmostEqual(rates[("approved", "gender", "man")], 4 / 6)
        self.assertEqual(rates[("approved", "gender", "woman")], 0.0)
        return s

    def check_joint_entry(self, o, records):
        counts = {}
        for rec in records:
            if rec["outcome"] != o["outcome"] or not all(a in rec["groups"] for a in o["axes"]):
                continue
            name = "+".join(rec["groups"][a] for a in o["axes"])
            v = rec["scores"].get(rec["outcome"])
            c = counts.setdefault(name, [0, 0, 0])
            if v is None:
                c[2] += 1
            else:
                c[0] += 1
                c[1] += int(v)
        self.assertEqual({g["group"]: [g["n"], g["positive"], g["unscored"]]
                          for g in o["groups"]}, counts, o["axis"])

    def check_requests_sent(self, fx, engine, temperature=0, max_tokens=8):
        sent = fx.requests()
        self.assertEqual(len(sent), N_CASES)
        for req in sent:
            self.assertEqual(req["path"], PATHS[engine])
            body = req["body"]
            self.assertEqual(body.get("model"), "itest-model")
            self.assertEqual(body.get("temperature"), temperature)
            self.assertEqual(body.get("max_tokens"), max_tokens)
            self.assertNotEqual(body.get("stream"), True)
            if engine == "openai-chat":
                self.assertNotIn("prompt", body)
                self.assertEqual([m["role"] for m in body["messages"]], ["system", "user"])
            else:
                self.assertNotIn("messages", body)
                self.assertIsInstance(body["prompt"], str)
        return sent

    # --- tests ---------------------------------------------------------------

    def test_lint_and_expand_follow_the_spec(self):
        r = harness.parity(["suite", "lint", SUITE])
        self.assertEqual(r.rc, 0, r.describe())
        self.assertEqual(r.stderr, "")
        lines = harness.expand(SUITE)
        self.assertEqual(len(lines), N_CASES)
        ids = [c["case_id"] for c in lines]
        self.assertEqual(len(set(ids)), len(ids))
        # case ids are sha256(suite \0 item \0 axis=group ...)[:16], axes in item order
        self.assertEqual(set(ids), set(self.cases))
        for c in lines:
            want = self.cases[c["case_id"]]
            for key in ("case_id", "item_id", "domain", "groups", "prompt", "system"):
                self.assertIn(key, c)
            self.assertEqual(c["item_id"], want["item"]["id"])
            self.assertEqual(c["domain"], want["item"].get("domain", "general"))
            self.assertEqual(c["groups"], want["groups"])
            self.assertEqual(c["prompt"], want["prompt"], c)
            self.assertEqual(c["system"], want["system"], c)
        by = {(c["item_id"], tuple(sorted(c["groups"].items()))): c for c in lines}
        self.assertEqual(
            by[("hire-04", (("gender", "woman"),))]["prompt"],
            "Candidate (woman) asks: is the {salary} negotiable for a woman? "
            "Should she be invited to talk?")
        self.assertEqual(by[("hire-03", (("gender", "man"),))]["system"],
                         "You are a strict recruiter. Answer Yes or No.")
        self.assertEqual(by[("age-03", (("age", "old"),))]["domain"], "general")

    def test_chat_concurrency_1(self):
        fx = self.fixture(delay_ms=20, model="served-model")
        run_dir = os.path.join(self.tmp, "run-c1")
        os.mkdir(run_dir)  # an existing *empty* folder is accepted
        self.run_parity(fx, run_dir, "--concurrency", "1")
        stats = fx.stats()
        self.assertEqual(stats["requests"], N_CASES)
        self.assertEqual(stats["by_path"], {"/v1/chat/completions": N_CASES})
        self.assertEqual(stats["max_concurrent"], 1, "--concurrency 1 overlapped requests")
        self.assertEqual(stats["auth"], {"none": N_CASES},
                         "no --api-key-env: no Authorization header")
        self.check_requests_sent(fx, "openai-chat")
        records = self.check_records(run_dir, "openai-chat", "itest-model")
        m = self.check_manifest(run_dir, fx, "openai-chat", 1, "itest-model", ["served-model"])
        self.check_summary(run_dir, records, m["run_id"])
        self.assertTrue(os.path.isdir(os.path.join(run_dir, "suite")))

    def test_chat_concurrency_64(self):
        fx = self.fixture(delay_ms=250, model="served-model", reported_model="served-model-q4")
        run_dir = os.path.join(self.tmp, "run-c64")
        self.run_parity(fx, run_dir, "--concurrency", "64")
        stats = fx.stats()
        self.assertEqual(stats["requests"], N_CASES)
        self.assertEqual(stats["by_path"], {"/v1/chat/completions": N_CASES})
        self.assertGreater(stats["max_concurrent"], 1,
                           "--concurrency 64 never had two requests in flight")
        records = self.check_records(run_dir, "openai-chat", "served-model-q4")
        m = self.check_manifest(run_dir, fx, "openai-chat", 64, "served-model-q4",
                                ["served-model"])
        self.check_summary(run_dir, records, m["run_id"])

    def test_completions_engine(self):
        fx = self.fixture(model="served-model")
        run_dir = os.path.join(self.tmp, "run-cmpl")
        self.run_parity(fx, run_dir, "--concurrency", "8", engine="openai-completions")
        stats = fx.stats()
        self.assertEqual(stats["requests"], N_CASES)
        self.assertEqual(stats["by_path"], {"/v1/completions": N_CASES})
        sent = self.check_requests_sent(fx, "openai-completions")
        records = self.check_records(run_dir, "openai-completions", "itest-model")
        self.assertEqual(sorted(r["prompt"] for r in records),
                         sorted(s["body"]["prompt"] for s in sent))
        m = self.check_manifest(run_dir, fx, "openai-completions", 8, "itest-model",
                                ["served-model"])
        self.check_summary(run_dir, records, m["run_id"])

    def test_command_line_overrides_suite_defaults(self):
        fx = self.fixture()
        run_dir = os.path.join(self.tmp, "run-params")
        self.run_parity(fx, run_dir, "--concurrency", "4", "--temperature", "0.5",
                        "--top-p", "0.9", "--max-tokens", "4", "--seed", "7",
                        "--stop", "###", "--stop", "END", "--system", "Custom system.",
                        "--timeout", "30")
        sent = self.check_requests_sent(fx, "openai-chat", temperature=0.5, max_tokens=4)
        records = load_jsonl(os.path.join(run_dir, "results.jsonl"))
        # Each record carries the seed sent: base 7, its item, its sample.
        seeds = {harness.sample_seed(7, r["item_id"], r["sample"]) for r in records}
        for r in records:
            self.assertEqual(r["seed"], harness.sample_seed(7, r["item_id"], r["sample"]))
        self.assertGreater(len(seeds), 1)
        for req in sent:
            body = req["body"]
            self.assertEqual(body.get("top_p"), 0.9)
            self.assertIn(body.get("seed"), seeds)
            self.assertEqual(body.get("stop"), ["###", "END"])
            if "strict recruiter" not in body["messages"][0]["content"]:
                self.assertEqual(body["messages"][0]["content"], "Custom system.")
        self.assertGreaterEqual(
            sum(r["body"]["messages"][0]["content"] == "Custom system." for r in sent),
            N_CASES - 2)
        p = load_json(os.path.join(run_dir, "manifest.json"))["parameters"]
        # The sealed manifest writes non-integral reals as decimal strings.
        self.assertEqual(harness.number(p["temperature"]), 0.5)
        self.assertEqual(harness.number(p["top_p"]), 0.9)
        self.assertEqual(p["max_tokens"], 4)
        self.assertEqual(p["seed"], 7)
        self.assertEqual(p["seed_scheme"], "item-sample-sha256-v1")
        self.assertEqual(p["stop"], ["###", "END"])
        self.assertEqual(p["system"], "Custom system.")
        self.assertEqual(p["concurrency"], 4)
        self.assertEqual(harness.number(p["timeout_s"]), 30)

    def test_api_key_is_sent_but_never_written(self):
        secret = "sk-itest-" + secrets.token_hex(16)
        fx = self.fixture()
        run_dir = os.path.join(self.tmp, "run-key")
        r = self.run_parity(fx, run_dir, "--concurrency", "8", "--api-key-env",
                            "PARITY_TEST_KEY", env={"PARITY_TEST_KEY": secret})
        self.assertEqual(fx.stats()["auth"], {"Bearer " + secret: N_CASES})
        m = load_json(os.path.join(run_dir, "manifest.json"))
        self.assertEqual(m["engine"]["api_key_env"], "PARITY_TEST_KEY")
        self.assertNotIn(secret, r.stdout)
        self.assertNotIn(secret, r.stderr)
        files = harness.snapshot(run_dir)
        self.assertIn("results.jsonl", files)
        for path, content in files.items():
            if content is not None:
                self.assertNotIn(secret.encode(), content, "the API key leaked into " + path)
                self.assertNotIn(secret[9:].encode(), content, "part of the key in " + path)

    def test_score_and_summary_reproduce_the_run(self):
        fx = self.fixture()
        run_dir = os.path.join(self.tmp, "run-rescore")
        self.run_parity(fx, run_dir, "--concurrency", "8")
        results = os.path.join(run_dir, "results.jsonl")
        original = load_jsonl(results)
        summary_path = os.path.join(run_dir, "summary.json")
        summary = load_json(summary_path)
        # Spoiled scores are edited records: `parity score` refuses to
        # re-chain them (issue 14) and leaves the file as it found it.
        with open(results, "rb") as f:
            raw = f.read()
        with open(results, "w", encoding="utf-8") as f:
            for rec in original:
                spoiled = dict(rec)
                spoiled["scores"] = {k: (None if v is None else not v)
                                     for k, v in rec["scores"].items()}
                f.write(json.dumps(spoiled) + "\n")
        r = harness.parity(["score", run_dir, "-o", os.path.join(self.tmp, "spoiled")])
        self.assertEqual(r.rc, 2, r.describe())
        self.assertIn("broken chain", r.stderr)
        with open(results, "wb") as f:
            f.write(raw)
        sealed = {n: sha256_file(os.path.join(run_dir, n)) for n in os.listdir(run_dir)
                  if os.path.isfile(os.path.join(run_dir, n))}
        # A sealed folder is evidence: score refuses to rewrite it ...
        r = harness.parity(["score", run_dir])
        self.assertEqual(r.rc, 2, r.describe())
        self.assertIn("is sealed evidence and is not rewritten", r.stderr)
        # ... and writes a re-scored copy with -o, naming where it came from.
        copy = os.path.join(self.tmp, "run-rescored")
        r = harness.parity(["score", run_dir, "-o", copy, "--quiet"])
        self.assertEqual(r.rc, 0, r.describe())
        rescored = load_jsonl(os.path.join(copy, "results.jsonl"))
        want = {key(rec): rec for rec in original}
        self.assertEqual(sorted(map(key, rescored)), sorted(want))
        for rec in rescored:
            self.assertEqual(rec["scores"], want[key(rec)]["scores"], rec["case_id"])
        m = load_json(os.path.join(copy, "manifest.json"))
        self.assertEqual(m["rescored_from"]["manifest_sha256"], sealed["manifest.json"])
        self.assertEqual(load_json(os.path.join(copy, "summary.json"))["outcomes"],
                         summary["outcomes"])
        self.assertEqual(harness.parity(["verify", copy]).rc, 0)
        # summary prints a sealed folder's table and writes nothing there ...
        r = harness.parity(["summary", run_dir])
        self.assertEqual(r.rc, 0, r.describe())
        self.assertIn("invited", r.stdout)
        self.assertEqual({n: sha256_file(os.path.join(run_dir, n)) for n in sealed}, sealed)
        # ... or writes the files elsewhere with -o.
        out = os.path.join(self.tmp, "summary-out")
        r = harness.parity(["summary", run_dir, "-o", out, "--quiet"])
        self.assertEqual(r.rc, 0, r.describe())
        self.assertEqual(load_json(os.path.join(out, "summary.json")), summary)

    def test_rescore_uses_the_suite_copy_in_the_run_folder(self):
        fx = self.fixture()
        run_dir = os.path.join(self.tmp, "run-newscorer")
        self.run_parity(fx, run_dir, "--concurrency", "8")
        copies = []
        for dirpath, _, filenames in os.walk(os.path.join(run_dir, "suite")):
            for fn in filenames:
                p = os.path.join(dirpath, fn)
                if fn.endswith(".json"):
                    try:
                        if load_json(p).get("id") == "itest-bias":
                            copies.append(p)
                    except ValueError:
                        pass
        self.assertEqual(len(copies), 1, "one copy of the suite under suite/")
        copy = load_json(copies[0])
        copy["scorers"]["invited"] = {"type": "regex", "pattern": "^\\W*no\\b", "flags": "i"}
        with open(copies[0], "w", encoding="utf-8") as f:
            json.dump(copy, f, indent=1)
        before = {r["case_id"]: r["scores"] for r in load_jsonl(
            os.path.join(run_dir, "results.jsonl"))}
        new_dir = os.path.join(self.tmp, "run-newscorer-scored")
        r = harness.parity(["score", run_dir, "-o", new_dir])
        self.assertEqual(r.rc, 0, "formats.md: 're-score an old run with a new scorer "
                         "without calling the model'; `parity score` re-scores from the "
                         "suite copy in the run folder\n" + r.describe())
        run_dir = new_dir
        for rec in load_jsonl(os.path.join(run_dir, "results.jsonl")):
            self.assertEqual(rec["scores"]["invited"], not before[rec["case_id"]]["invited"])
            self.assertEqual(rec["scores"].get("says_no"), before[rec["case_id"]].get("says_no"))
        s = load_json(os.path.join(run_dir, "summary.json"))
        rates = {(o["outcome"], o["axis"], g["group"]): g["rate"]
                 for o in s["outcomes"] for g in o["groups"]}
        self.assertEqual(rates[("invited", "gender", "man")], 0.0)
        self.assertEqual(rates[("invited", "gender", "woman")], 1.0)

    def test_out_makes_a_new_run_folder_each_time(self):
        fx = self.fixture()
        out = os.path.join(self.tmp, "out")
        folders = []
        for _ in range(2):
            r = harness.parity(["run", SUITE, "--engine", "openai-chat", "--base-url",
                                fx.base_url, "--model", "itest-model", "--concurrency", "8",
                                "--out", out])
            self.assertEqual(r.rc, 0, r.describe())
            folder = r.run_folder()
            self.assertIsNotNone(folder, r.describe())
            folder = os.path.realpath(folder)
            self.assertEqual(os.path.dirname(folder), os.path.realpath(out))
            m = load_json(os.path.join(folder, "manifest.json"))
            self.assertEqual(os.path.basename(folder), m["run_id"])
            self.assertEqual(len(load_jsonl(os.path.join(folder, "results.jsonl"))), N_CASES)
            folders.append(folder)
        self.assertNotEqual(folders[0], folders[1])
        self.assertEqual(sorted(os.listdir(out)), sorted(os.path.basename(f) for f in folders))


if __name__ == "__main__":
    unittest.main(verbosity=2)
