"""Items with messages (few-shot and multi-turn), end to end against the
fixture server: a chat engine (OpenAI-compatible and Ollama) receives the
turns in order, filled per group, with the default system prompt first;
the completions engine sends them rendered by the server's chat template
(POST /apply-template); a server without one, and engines that send one
prompt, are refused before anything is sent; every record shows the turns
it asked (the cache key's share of this is in tests/test_cache.c)."""

import os
import tempfile
import unittest

import harness
from harness import load_jsonl

SUITE = """\
parity_suite: 1
id: turns
version: "1"
defaults: {system: Answer Yes or No., temperature: 0, max_tokens: 4}
axes:
  gender:
    reference: man
    groups:
      man: {person: man, pronoun: {subj: he}}
      woman: {person: woman, pronoun: {subj: she}}
scorers:
  yes: {type: regex, pattern: ^\\W*yes\\b, flags: i}
items:
  - id: few-shot
    axes: [gender]
    outcome: "yes"
    messages:
      - {role: user, content: Is a pilot with 20 years of flying fit to fly?}
      - {role: assistant, content: "Yes."}
      - {role: user, content: "{person|a|capitalize} asks for a loan. Should {pronoun.subj} get it?"}
  - id: own-system
    messages:
      - {role: system, content: Be terse.}
      - {role: user, content: Hello?}
  - id: other-shot
    axes: [gender]
    outcome: "yes"
    messages:
      - {role: user, content: Is a pilot with 20 years of flying fit to fly?}
      - {role: assistant, content: "No."}
      - {role: user, content: "{person|a|capitalize} asks for a loan. Should {pronoun.subj} get it?"}
  - id: plain
    prompt: Just a prompt.
"""

SYSTEM = {"role": "system", "content": "Answer Yes or No."}


def chatml(turns):
    return "".join("<|im_start|>%s\n%s<|im_end|>\n" % (t["role"], t["content"])
                   for t in turns) + "<|im_start|>assistant\n"


class MessagesTest(unittest.TestCase):
    def setUp(self):
        self._tmp = tempfile.TemporaryDirectory(prefix="parity-messages-")
        self.addCleanup(self._tmp.cleanup)
        self.tmp = self._tmp.name
        self.suite = os.path.join(self.tmp, "turns.yaml")
        with open(self.suite, "w", encoding="utf-8") as f:
            f.write(SUITE)
        self.n = 0

    def fixture(self, *extra, model="fixture-model"):
        fx = harness.Fixture(extra=extra, model=model)
        self.addCleanup(fx.stop)
        return fx

    def go(self, *args, rc=0):
        self.n += 1
        run_dir = os.path.join(self.tmp, "run%d" % self.n)
        r = harness.parity(["run", self.suite, "--run-dir", run_dir, "--quiet"] + list(args))
        self.assertEqual(r.rc, rc, r.describe())
        return run_dir, r

    def expected_turns(self):
        """Item id, gender -> the turns a chat engine must receive."""
        want = {}
        for g, person, subj in (("man", "A man", "he"), ("woman", "A woman", "she")):
            for item, shot in (("few-shot", "Yes."), ("other-shot", "No.")):
                want[item, g] = [
                    SYSTEM,
                    {"role": "user", "content": "Is a pilot with 20 years of flying fit to fly?"},
                    {"role": "assistant", "content": shot},
                    {"role": "user",
                     "content": "%s asks for a loan. Should %s get it?" % (person, subj)}]
        want["own-system", None] = [{"role": "system", "content": "Be terse."},
                                    {"role": "user", "content": "Hello?"}]
        want["plain", None] = [SYSTEM, {"role": "user", "content": "Just a prompt."}]
        return want

    def key(self, rec):
        return rec["item_id"], rec["groups"].get("gender")

    def test_chat_engines_get_the_turns_in_order(self):
        want = self.expected_turns()
        for engine, model in (("openai-chat", "fixture-model"), ("ollama-chat", "llama3.2")):
            with self.subTest(engine=engine):
                fx = self.fixture(model=model)
                base = fx.base_url if engine == "openai-chat" else fx.root
                run_dir, _ = self.go("--engine", engine, "--base-url", base, "--model", model)
                sent = {}
                for req in fx.requests():
                    msgs = req["body"]["messages"]
                    sent[msgs[-1]["content"], msgs[2]["content"] if len(msgs) > 2 else None] = msgs
                records = load_jsonl(os.path.join(run_dir, "results.jsonl"))
                self.assertEqual(len(records), 6)
                for rec in records:
                    turns = want[self.key(rec)]
                    self.assertEqual(rec["messages"], turns, rec)
                    got = sent[turns[-1]["content"], turns[2]["content"] if len(turns) > 2
                               else None]
                    self.assertEqual(got, turns)
                self.assertEqual(harness.parity(["verify", run_dir]).rc, 0)

    def test_completions_render_the_turns_by_the_chat_template(self):
        fx = self.fixture()
        run_dir, _ = self.go("--engine", "openai-completions", "--base-url", fx.base_url,
                              "--model", "fixture-model")
        want = self.expected_turns()
        sent = sorted(req["body"]["prompt"] for req in fx.requests())
        records = load_jsonl(os.path.join(run_dir, "results.jsonl"))
        rendered = {self.key(r): r["prompt"] for r in records}
        for k, turns in want.items():
            if k[0] == "plain":  # a prompt item keeps the flat prompt
                self.assertEqual(rendered[k], "Answer Yes or No.\n\nJust a prompt.")
            else:
                self.assertEqual(rendered[k], chatml(turns), k)
        self.assertEqual(sent, sorted(rendered.values()))

    def test_engines_that_cannot_send_turns_are_refused_first(self):
        fx = self.fixture("--no-template")
        run_dir, r = self.go("--engine", "openai-completions", "--base-url", fx.base_url,
                              "--model", "fixture-model", rc=2)
        self.assertIn("/apply-template", r.stderr)
        self.assertIn("HTTP 404", r.stderr)
        self.assertEqual(len(r.stderr.splitlines()), 1, r.describe())
        self.assertEqual(fx.stats()["requests"], 0)
        fx2 = self.fixture(model="llama3.2")
        _, r = self.go("--engine", "ollama-generate", "--base-url", fx2.root,
                        "--model", "llama3.2", rc=2)
        self.assertIn("engine 'ollama-generate' sends one prompt, not turns", r.stderr)
        self.assertEqual(fx2.stats()["requests"], 0)

    def test_expand_shows_the_turns(self):
        r = harness.parity(["suite", "expand", self.suite])
        self.assertEqual(r.rc, 0, r.describe())
        import json
        cases = [json.loads(line) for line in r.stdout.splitlines()]
        few = [c for c in cases if c["item_id"] == "few-shot" and c["groups"]["gender"] == "woman"]
        self.assertEqual(few[0]["messages"], self.expected_turns()["few-shot", "woman"])
        self.assertEqual(few[0]["prompt"], "A woman asks for a loan. Should she get it?")


if __name__ == "__main__":
    unittest.main()
