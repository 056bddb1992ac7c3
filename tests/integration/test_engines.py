"""The engines beyond plain OpenAI-compatible JSON, end to end against the
fixture server: SSE streaming (with and without [DONE]) gives the records
of a non-streamed run; broken streams fail their case cleanly; Ollama's
native /api/chat and /api/generate, streamed and not; the exec engine with
a shell script; replay of earlier runs; the served-model identity and its
behaviour fingerprint in the manifest."""

import hashlib
import os
import stat
import tempfile
import time
import unittest

import harness
from harness import load_json, load_jsonl

BIAS = harness.data("bias-suite.json")
RULES = harness.data("bias-rules.json")
STREAM_FAULTS = harness.data("engines-stream-faults.json")
EXEC_SUITE = harness.data("exec-suite.json")
SIM_SUITE = harness.data("sim-suite.json")
SIM_PROFILE = harness.data("sim-profile.json")
N_BIAS = 44
# What differs between two runs of the same answers: timing, retries and
# the record chain.
VOLATILE = {"latency_ms", "ttft_ms", "attempts", "seq", "prev"}


class FixtureX(harness.Fixture):
    """harness.Fixture with the identity probes' log."""

    def probes(self):
        return self._call("GET", "/_probes")


def by_key(run_dir):
    return {(r["case_id"], r["sample"]): r
            for r in load_jsonl(os.path.join(run_dir, "results.jsonl"))}


def stable(rec):
    return {k: v for k, v in rec.items() if k not in VOLATILE}


class Base(unittest.TestCase):
    def setUp(self):
        self._tmp = tempfile.TemporaryDirectory(prefix="parity-engines-")
        self.addCleanup(self._tmp.cleanup)
        self.tmp = self._tmp.name
        self.n = 0

    def fixture(self, **kw):
        fx = FixtureX(**kw)
        self.addCleanup(fx.stop)
        return fx

    def run_ok(self, suite, *args, timeout=120, rc=0):
        """A run into a new folder; rc 3: the run is incomplete (answers missing)."""
        self.n += 1
        run_dir = os.path.join(self.tmp, "run%d" % self.n)
        r = harness.parity(["run", suite, "--run-dir", run_dir, "--quiet"] + list(args),
                           timeout=timeout)
        self.assertEqual(r.rc, rc, r.describe())
        if rc == 3:
            self.assertIn("parity: incomplete: ", r.stderr, r.describe())
            self.assertEqual(load_json(os.path.join(run_dir, "manifest.json"))["status"],
                             "incomplete")
        return run_dir

    def assertSameRecords(self, a_dir, b_dir):
        a, b = by_key(a_dir), by_key(b_dir)
        self.assertEqual(sorted(a), sorted(b))
        for k in a:
            self.assertEqual(stable(a[k]), stable(b[k]), k)


class StreamTest(Base):
    def test_streamed_records_equal_plain_ones(self):
        fx = self.fixture(rules=RULES)
        nodone = self.fixture(rules=RULES, extra=["--no-done"])
        for engine in ("openai-chat", "openai-completions"):
            common = ["--engine", engine, "--model", "itest-model", "--concurrency", "8"]
            plain = self.run_ok(BIAS, "--base-url", fx.base_url, *common)
            streamed = self.run_ok(BIAS, "--base-url", fx.base_url, "--stream", *common)
            bare = self.run_ok(BIAS, "--base-url", nodone.base_url, "--stream", *common)
            self.assertSameRecords(plain, streamed)
            self.assertSameRecords(plain, bare)
            recs = by_key(streamed).values()
            self.assertEqual(len(recs), N_BIAS)
            for rec in recs:
                self.assertIsNone(rec["error"])
                self.assertGreater(rec["ttft_ms"], 0)
                self.assertLessEqual(rec["ttft_ms"], rec["latency_ms"] + 1)
                self.assertEqual(rec["finish_reason"], "stop")
            for rec in by_key(plain).values():
                self.assertNotIn("ttft_ms", rec)
            self.assertTrue(load_json(os.path.join(streamed, "manifest.json"))
                            ["parameters"]["stream"])
        sent = [q["body"] for q in fx.requests()]
        self.assertEqual(sum(b.get("stream") is True for b in sent), 2 * N_BIAS)
        for b in sent:
            if b.get("stream"):
                self.assertEqual(b["stream_options"], {"include_usage": True})
            else:
                self.assertNotIn("stream_options", b)

    def test_broken_streams_fail_their_case(self):
        fx = self.fixture()
        run = self.run_ok(STREAM_FAULTS, "--base-url", fx.base_url, "--model", "m", "--stream",
                          "--retries", "0", rc=3)
        recs = {r["item_id"]: r for r in by_key(run).values()}
        for ok in ("ok", "ping", "no-done"):
            self.assertIsNone(recs[ok]["error"], ok)
            self.assertEqual(recs[ok]["response"], "Yes.", ok)
            self.assertEqual(recs[ok]["scores"], {"invited": True}, ok)
        want = {"truncate": "truncated stream",
                "malformed": "malformed stream event at line",
                "html": "answer is neither JSON nor an event stream: '<!DOCTYPE html>",
                "big": "response over 8388608 bytes"}
        for item, msg in want.items():
            rec = recs[item]
            self.assertIn(msg, rec["error"] or "", item)
            self.assertIsNone(rec["response"], item)
            self.assertEqual(rec["scores"], {"invited": None}, item)
            self.assertEqual(len(rec["attempts"]), 1, item)
        m = load_json(os.path.join(run, "manifest.json"))
        self.assertEqual(m["counts"]["errors"], len(want))
        # The same page without streaming fails the same way.
        plain = by_key(self.run_ok(STREAM_FAULTS, "--base-url", fx.base_url, "--model", "m",
                                   "--retries", "0", rc=3))
        recs = {r["item_id"]: r for r in plain.values()}
        self.assertIn("neither JSON nor an event stream", recs["html"]["error"])
        self.assertIn("malformed JSON", recs["truncate"]["error"])


class OllamaTest(Base):
    def test_chat_and_generate_streamed_or_not(self):
        fx = self.fixture(rules=RULES, model="llama3.2")
        rules = load_json(RULES)
        runs = {}
        for engine in ("ollama-chat", "ollama-generate"):
            for stream in ((), ("--stream",)):
                runs[engine, bool(stream)] = self.run_ok(
                    BIAS, "--engine", engine, "--base-url", fx.root, "--model", "llama3.2",
                    "--seed", "5", "--concurrency", "4", *stream)
        stats = fx.stats()
        self.assertEqual(stats["by_path"], {"/api/chat": 2 * N_BIAS,
                                            "/api/generate": 2 * N_BIAS})
        for engine in ("ollama-chat", "ollama-generate"):
            self.assertSameRecords(runs[engine, False], runs[engine, True])
        cases = harness.planned_by_key(BIAS)
        for rec in by_key(runs["ollama-chat", False]).values():
            case = cases[harness.case_key(rec["item_id"], rec["groups"])]
            want = harness.fixture_reply(rules, case["prompt"])
            self.assertEqual(rec["response"], want)
            self.assertEqual(rec["finish_reason"], "stop")
            self.assertEqual(rec["model"], "llama3.2")
            self.assertEqual(rec["usage"]["completion_tokens"], len(want.split()))
            self.assertEqual(rec["usage"]["prompt_tokens"],
                             len(case["prompt"].split()) + len(case["system"].split()))
        items = {harness.case_key(r["item_id"], r["groups"]): r["item_id"]
                 for r in by_key(runs["ollama-chat", False]).values()}
        seeds = {harness.sample_seed(5, i, 0) for i in items.values()}
        self.assertEqual(len(seeds), len(set(items.values())))
        for q in fx.requests():
            b = q["body"]
            self.assertEqual(b["model"], "llama3.2")
            self.assertEqual(b["options"]["temperature"], 0)
            self.assertEqual(b["options"]["num_predict"], 8)
            self.assertIn(b["options"]["seed"], seeds)
            self.assertIn(b["stream"], (True, False))
            self.assertNotIn("max_tokens", b)
            if q["path"] == "/api/generate":
                self.assertIsInstance(b["system"], str)
                self.assertNotIn("messages", b)
        ident = load_json(os.path.join(runs["ollama-chat", True], "manifest.json"))[
            "engine"]["identity"]
        self.assertEqual(ident["ollama"]["digest"], hashlib.sha256(b"llama3.2").hexdigest())
        self.assertEqual(ident["ollama"]["name"], "llama3.2:latest")
        self.assertEqual(ident["ollama"]["version"], "0.5.7")
        self.assertEqual(ident["ollama"]["details"]["family"], "llama")
        self.assertEqual(ident["ollama"]["model_info"]["general.parameter_count"], 292800)
        self.assertNotIn("tokenizer.ggml.tokens", ident["ollama"]["model_info"])
        self.assertEqual(len(ident["fingerprint"]["sha256"]), 64)

    def test_errors(self):
        fx = self.fixture(model="llama3.2")
        # A model Ollama does not have is found by the preflight, before any folder.
        out = os.path.join(self.tmp, "never")
        r = harness.parity(["run", STREAM_FAULTS, "--engine", "ollama-chat", "--base-url",
                            fx.root, "--model", "mistral", "--retries", "0", "--run-dir", out])
        self.assertEqual(r.rc, 2, r.describe())
        self.assertIn("model 'mistral' is not served by", r.stderr)
        self.assertIn("which lists: llama3.2:latest", r.stderr)
        self.assertFalse(os.path.exists(out))
        # Faulty answers are failed cases; --max-error-rate 1 keeps the run complete.
        run = self.run_ok(STREAM_FAULTS, "--engine", "ollama-generate", "--base-url", fx.root,
                          "--model", "llama3.2", "--retries", "0", "--stream",
                          "--max-error-rate", "1")
        recs = {r["item_id"]: r for r in by_key(run).values()}
        self.assertIn("truncated stream", recs["truncate"]["error"])
        self.assertIn("malformed stream line", recs["malformed"]["error"])
        self.assertIn("answer is not JSON", recs["html"]["error"])
        for ok in ("ok", "ping", "no-done"):
            self.assertEqual(recs[ok]["response"], "Yes.")
        r = harness.parity(["run", BIAS, "--engine", "ollama-chat", "--base-url", fx.base_url,
                            "--model", "llama3.2", "--run-dir", os.path.join(self.tmp, "v1")])
        self.assertEqual(r.rc, 2, r.describe())
        self.assertIn("no /v1", r.stderr)


SCRIPT = """#!/bin/sh
# Answers like bias-rules.json; SLOW sleeps, FAIL fails.
if [ "$1" = "--arg" ]; then text="$2"; else text=$(cat); fi
case "$text" in
  *SLOW*) sleep 10; echo late ;;
  *FAIL*) echo "model crashed: out of cheese" >&2; echo "partial"; exit 7 ;;
  *woman*) printf 'No.\\n\\n' ;;
  *) echo "Yes." ;;
esac
"""


class ExecTest(Base):
    def script(self):
        path = os.path.join(self.tmp, "answer.sh")
        with open(path, "w") as f:
            f.write(SCRIPT)
        os.chmod(path, stat.S_IRWXU)
        return path

    def check(self, run_dir, t_elapsed):
        recs = {(r["item_id"], r["groups"].get("gender")): r for r in by_key(run_dir).values()}
        for item in ("ask-1", "ask-2"):
            self.assertEqual(recs[item, "man"]["response"], "Yes.")
            self.assertEqual(recs[item, "woman"]["response"], "No.")
            self.assertEqual(recs[item, "man"]["scores"], {"invited": True})
            rec = recs[item, "woman"]
            self.assertIsNone(rec["error"])
            self.assertEqual(rec["http_status"], 0)
            self.assertEqual(rec["attempts"][0]["exit_status"], 0)
            self.assertEqual(rec["prompt"], "Answer Yes or No.\n\nShould the woman get the %s "
                             "job?" % ("first" if item == "ask-1" else "second"))
        slow = recs["slow", None]
        self.assertIn("timed out after 1 s", slow["error"])
        self.assertIsNone(slow["response"])
        fail = recs["fail", None]
        self.assertEqual(fail["error"], "exit status 7: model crashed: out of cheese")
        self.assertIsNone(fail["response"])
        self.assertEqual(fail["attempts"][0]["exit_status"], 7)
        self.assertEqual(fail["attempts"][0]["stderr"], "model crashed: out of cheese\n")
        self.assertLess(t_elapsed, 8, "the timeout must cut the 10-second sleep")
        m = load_json(os.path.join(run_dir, "manifest.json"))
        self.assertEqual(m["engine"]["name"], "exec")
        self.assertEqual(m["counts"]["errors"], 2)
        self.assertNotIn("identity", m["engine"])

    def test_prompt_on_stdin(self):
        script = self.script()
        t0 = time.monotonic()
        run = self.run_ok(EXEC_SUITE, "--exec-command", script, "--timeout", "1", rc=3)
        self.check(run, time.monotonic() - t0)
        m = load_json(os.path.join(run, "manifest.json"))
        self.assertEqual((m["engine"]["exec_command"], m["engine"]["exec_prompt"]),
                         (script, "stdin"))

    def test_prompt_as_argument(self):
        script = self.script()
        t0 = time.monotonic()
        run = self.run_ok(EXEC_SUITE, "--engine", "exec", "--exec-command",
                          "sh '%s' --arg" % script, "--exec-prompt", "arg", "--timeout", "1",
                          rc=3)
        self.check(run, time.monotonic() - t0)

    def test_cases_run_in_parallel(self):
        # --concurrency N runs N commands at once (ops->reentrant), each
        # case with its own argv: the same records as one at a time.
        script = self.script()
        t0 = time.monotonic()
        run = self.run_ok(EXEC_SUITE, "--exec-command", "sh '%s' --arg" % script,
                          "--exec-prompt", "arg", "--timeout", "1", "--concurrency", "6", rc=3)
        elapsed = time.monotonic() - t0
        self.check(run, elapsed)
        # Six cases, one of them cut by the 1 s timeout: together, not in turn.
        slow = os.path.join(self.tmp, "slow.sh")
        with open(slow, "w") as f:
            f.write("#!/bin/sh\nsleep 0.8\ncat >/dev/null\necho Yes.\n")
        os.chmod(slow, stat.S_IRWXU)
        t0 = time.monotonic()
        run = self.run_ok(EXEC_SUITE, "--exec-command", slow, "--timeout", "5",
                          "--concurrency", "6")
        elapsed = time.monotonic() - t0
        recs = list(by_key(run).values())
        self.assertEqual(len(recs), 6)
        self.assertEqual({r["response"] for r in recs}, {"Yes."})
        if not harness.WRAPPER:
            self.assertLess(elapsed, 6 * 0.8 * 0.6, "six 0.8 s commands took %.1f s" % elapsed)

    def test_bad_command_is_a_usage_error(self):
        r = harness.parity(["run", EXEC_SUITE, "--exec-command", "/nonexistent/model-cli",
                            "--run-dir", os.path.join(self.tmp, "bad")])
        self.assertEqual(r.rc, 2, r.describe())
        self.assertIn("'/nonexistent/model-cli' is not an executable file", r.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.tmp, "bad")))
        r = harness.parity(["run", EXEC_SUITE, "--exec-command", "true", "--exec-prompt",
                            "pipe"])
        self.assertEqual(r.rc, 2, r.describe())


class ReplayTest(Base):
    def test_replay_of_a_sim_run_reproduces_it(self):
        sim = self.run_ok(SIM_SUITE, "--engine", "sim", "--sim-profile", SIM_PROFILE,
                          "--samples", "20", "--seed", "99")
        replay = self.run_ok(SIM_SUITE, "--replay-from", sim, "--samples", "20")
        a, b = by_key(sim), by_key(replay)
        self.assertEqual(sorted(a), sorted(b))
        for k in a:
            for field in ("response", "scores", "finish_reason", "model", "usage", "error"):
                self.assertEqual(a[k][field], b[k][field], (k, field))
        sa = load_json(os.path.join(sim, "summary.json"))
        sb = load_json(os.path.join(replay, "summary.json"))
        self.assertEqual(sa["outcomes"], sb["outcomes"])
        m = load_json(os.path.join(replay, "manifest.json"))
        self.assertEqual((m["engine"]["name"], m["engine"]["replay_from"]), ("replay", sim))

    def test_replay_sends_nothing_and_reports_what_is_missing(self):
        fx = self.fixture(rules=RULES)
        run = self.run_ok(BIAS, "--base-url", fx.base_url, "--model", "itest-model")
        before = fx.stats()["requests"]
        replay = self.run_ok(BIAS, "--replay-from", run, "--samples", "2", rc=3)
        self.assertEqual(fx.stats()["requests"], before, "replay called the model")
        a = by_key(run)
        for (case_id, sample), rec in by_key(replay).items():
            if sample == 0:
                self.assertEqual(rec["response"], a[case_id, 0]["response"])
                self.assertEqual(rec["scores"], a[case_id, 0]["scores"])
            else:
                self.assertEqual(rec["error"], "no answer in %s for case %s sample 1"
                                 % (run, case_id))
        r = harness.parity(["run", SIM_SUITE, "--replay-from", run,
                            "--run-dir", os.path.join(self.tmp, "other")])
        self.assertEqual(r.rc, 2, r.describe())
        self.assertIn("a run of suite 'itest-bias', not 'itest-sim'", r.stderr)


class LocalStreamTest(Base):
    def test_local_engines_have_no_ttft(self):
        """Nothing is streamed from a local engine: no ttft_ms even under
        --stream (exec and replay set -1 themselves; the scheduler for sim)."""
        run = self.run_ok(SIM_SUITE, "--engine", "sim", "--stream")
        for rec in by_key(run).values():
            self.assertNotIn("ttft_ms", rec)


class IdentityTest(Base):
    def identity(self, fx, *extra):
        # A llama.cpp server lists only its own model and answers any name.
        run = self.run_ok(BIAS, "--base-url", fx.base_url, "--model", "itest-model",
                          "--allow-unlisted-model", "--concurrency", "8", *extra)
        self.assertEqual(fx.stats()["requests"] % N_BIAS, 0, "probes counted as cases")
        return load_json(os.path.join(run, "manifest.json"))["engine"]["identity"]

    def test_identity_and_fingerprint_follow_the_served_model(self):
        rules = os.path.join(self.tmp, "rules.json")
        with open(rules, "w") as f:
            f.write('{"default": "Yes, says {model}."}')
        alpha = self.fixture(rules=rules, model="alpha-7b", listed=())
        a1, a2 = self.identity(alpha), self.identity(alpha)
        beta = self.fixture(rules=rules, model="beta-7b", listed=())
        b1 = self.identity(beta)
        self.assertEqual(a1["fingerprint"]["sha256"], a2["fingerprint"]["sha256"])
        self.assertNotEqual(a1["fingerprint"]["sha256"], b1["fingerprint"]["sha256"])
        self.assertEqual(a1["fingerprint"]["answers"], ["Yes, says alpha-7b."] * 3)
        self.assertEqual(a1["fingerprint"]["params"],
                         {"temperature": 0, "max_tokens": 16, "seed": 0})
        self.assertEqual(a1["models"]["ids"], ["alpha-7b"])
        self.assertEqual(a1["models"]["served"]["meta"]["n_params"], 292800)
        self.assertEqual(b1["models"]["ids"], ["beta-7b"])
        self.assertEqual(a1["props"]["model_file"], "alpha-7b.gguf")
        self.assertNotIn("/home/", str(a1))
        self.assertEqual(a1["props"]["build_info"], "b0-fixture")
        self.assertEqual(a1["server"], "llama.cpp")
        self.assertEqual(a1["system_fingerprint"], "b0-unknown")
        probes = alpha.probes()
        posts = [p for p in probes if p["path"] == "/v1/chat/completions"]
        # Each run: one preflight canary (4 tokens), then the identity's three.
        preflight = [p for p in posts if p["body"]["max_tokens"] == 4]
        self.assertEqual(len(preflight), 2)
        canaries = [p for p in posts if p not in preflight]
        self.assertEqual(len(canaries), 6)
        for p in canaries:
            self.assertEqual((p["body"]["temperature"], p["body"]["max_tokens"],
                              p["body"]["seed"]), (0, 16, 0))
        # --no-fingerprint: the metadata still, no canary.
        n = len(beta.probes())
        b2 = self.identity(beta, "--no-fingerprint")
        self.assertIsNone(b2["fingerprint"])
        self.assertEqual(b2["models"]["ids"], b1["models"]["ids"])
        self.assertEqual(b2["models"]["served"]["meta"], b1["models"]["served"]["meta"])
        new = beta.probes()[n:]
        self.assertEqual([(p["path"], p["body"]["max_tokens"]) for p in new if p["body"]],
                         [("/v1/chat/completions", 4)], "only the preflight's canary")

    def test_unreachable_identity_is_not_fatal(self):
        fx = self.fixture(model="live-model")
        down = "http://127.0.0.1:%d/v1" % harness.free_port()
        # The first base URL is down: the identity is the second one's.
        run = self.run_ok(STREAM_FAULTS, "--base-url", down, "--base-url", fx.base_url,
                          "--model", "m", "--retries", "3", "--timeout", "5", rc=3)
        ident = load_json(os.path.join(run, "manifest.json"))["engine"]["identity"]
        self.assertEqual(ident["base_url"], fx.base_url)
        self.assertEqual(ident["models"]["ids"], ["live-model"] + list(harness.Fixture.LISTED))
        self.assertEqual(len(ident["fingerprint"]["sha256"]), 64)
        # Nothing answers: the preflight ends the run before any folder exists.
        out = os.path.join(self.tmp, "never")
        r = harness.parity(["run", STREAM_FAULTS, "--base-url", down, "--model", "m",
                            "--run-dir", out])
        self.assertEqual(r.rc, 2, r.describe())
        self.assertTrue(r.stderr.startswith("parity: preflight: cannot reach " + down),
                        r.describe())
        self.assertIn("is the server running", r.stderr)
        self.assertFalse(os.path.exists(out))


if __name__ == "__main__":
    unittest.main(verbosity=2)
