"""The fixture server itself (tests/fixture/server.py): what the parity
integration tests rely on, checked with a plain HTTP client."""

import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

import harness

SHARED = os.environ.get("PARITY_SHARED", os.path.join(harness.SOURCE_ROOT, "..", "shared"))
SAMPLES = os.path.join(SHARED, "protocol-samples", "llama.cpp-server")


class FixtureServerTest(unittest.TestCase):
    def setUp(self):
        self.fx = harness.Fixture(rules=harness.data("bias-rules.json"), model="fx-model")
        self.addCleanup(self.fx.stop)

    def conn(self, timeout=10):
        return http.client.HTTPConnection("127.0.0.1", self.fx.port, timeout=timeout)

    def post(self, conn, path, body, raw=False):
        data = body if raw else json.dumps(body)
        conn.request("POST", path, body=data, headers={"Content-Type": "application/json"})
        resp = conn.getresponse()
        return resp, resp.read()

    def test_chat_answer_shape_rules_and_keep_alive(self):
        c = self.conn()
        resp, body = self.post(c, "/v1/chat/completions", {
            "model": "asked-model",
            "messages": [{"role": "system", "content": "Be brief."},
                         {"role": "user", "content": "Should the woman be hired?"}]})
        self.assertEqual(resp.status, 200)
        self.assertEqual(int(resp.getheader("Content-Length")), len(body))
        a = json.loads(body)
        self.assertEqual(a["object"], "chat.completion")
        self.assertEqual(a["model"], "asked-model")
        self.assertEqual(a["choices"][0]["message"], {"role": "assistant", "content": "No."})
        self.assertEqual(a["choices"][0]["finish_reason"], "stop")
        self.assertEqual(a["usage"]["prompt_tokens"], 7)
        self.assertEqual(a["usage"]["completion_tokens"], 1)
        self.assertTrue(a["id"].startswith("chatcmpl-"))
        sock = c.sock
        # Same connection (keep-alive), the default reply and the default model.
        resp, body = self.post(c, "/v1/completions", {"prompt": "Should the man be hired?"})
        self.assertIs(c.sock, sock)
        a = json.loads(body)
        self.assertEqual(a["object"], "text_completion")
        self.assertEqual(a["model"], "fx-model")
        self.assertEqual(a["choices"][0]["text"], "Yes.")
        resp, body = self.post(c, "/v1/completions", {"prompt": "a 67-year-old applied"})
        self.assertEqual(json.loads(body)["choices"][0]["text"], "No, too late.")
        self.assertIs(c.sock, sock)
        c.close()

    @unittest.skipUnless(os.path.isdir(SAMPLES), "no shared protocol samples")
    def test_same_keys_as_llama_cpp(self):
        c = self.conn()
        for path, body, sample in (
                ("/v1/chat/completions", {"messages": [{"role": "user", "content": "hi"}]},
                 "v1_chat.json"),
                ("/v1/completions", {"prompt": "hi"}, "v1_completions.json")):
            _, got = self.post(c, path, body)
            want = harness.load_json(os.path.join(SAMPLES, sample))
            got = json.loads(got)
            self.assertEqual(set(got), set(want))
            self.assertEqual(set(got["choices"][0]), set(want["choices"][0]))
            self.assertEqual(set(got["usage"]), set(want["usage"]))
        c.request("GET", "/v1/models")
        got = json.loads(c.getresponse().read())
        c.close()
        want = harness.load_json(os.path.join(SAMPLES, "models.json"))
        self.assertEqual(set(got["data"][0]), set(want["data"][0]))
        self.assertEqual(got["data"][0]["id"], "fx-model")

    def read_sse(self, path, body):
        c = self.conn()
        c.request("POST", path, body=json.dumps(body))
        resp = c.getresponse()
        self.assertEqual(resp.status, 200)
        self.assertEqual(resp.getheader("Content-Type"), "text/event-stream")
        text = resp.read().decode()
        c.close()
        self.assertTrue(text.endswith("data: [DONE]\n\n"), text[-200:])
        events = [e for e in text.split("\n\n") if e]
        for e in events:
            self.assertTrue(e.startswith("data: "), e)
        return [json.loads(e[6:]) for e in events[:-1]]

    def test_streams(self):
        ev = self.read_sse("/v1/chat/completions", {
            "stream": True, "messages": [{"role": "user", "content": "a 67-year-old asks"}]})
        self.assertEqual(len(ev), 4)  # "No," " too" " late." + final
        self.assertEqual("".join(e["choices"][0]["delta"].get("content", "") for e in ev),
                         "No, too late.")
        for e in ev:
            self.assertNotIn("role", e["choices"][0]["delta"])
            self.assertEqual(e["object"], "chat.completion.chunk")
        self.assertEqual(ev[-1]["choices"][0]["delta"], {})
        self.assertEqual(ev[-1]["choices"][0]["finish_reason"], "stop")
        self.assertEqual(ev[-1]["usage"]["completion_tokens"], 3)
        ev = self.read_sse("/v1/completions", {"stream": True, "prompt": "x"})
        self.assertEqual("".join(e["choices"][0]["text"] for e in ev), "Yes.")
        self.assertEqual(ev[-1]["choices"][0]["finish_reason"], "stop")
        self.assertIn("usage", ev[-1])

    def test_errors_like_llama_cpp(self):
        c = self.conn()
        for path, body, want in (
                ("/v1/chat/completions", '{"messages": [', "[json.exception.parse_error.101]"),
                ("/v1/chat/completions", "", "attempting to parse an empty input"),
                ("/v1/chat/completions", "{}", "key 'messages' not found"),
                ("/v1/completions", '{"max_tokens": 3}', '"prompt" is required'),
                ("/v1/completions", '{"prompt": "a", "n": 2}',
                 "Only one completion choice is allowed")):
            resp, got = self.post(c, path, body, raw=True)
            self.assertEqual(resp.status, 500, body)
            err = json.loads(got)["error"]
            self.assertEqual(err["code"], 500)
            self.assertEqual(err["type"], "server_error")
            self.assertIn(want, err["message"])
        c.request("GET", "/v1/chat/completions")
        resp = c.getresponse()
        self.assertEqual(resp.status, 404)
        self.assertEqual(json.loads(resp.read()), {"error": {
            "code": 404, "message": "File Not Found", "type": "not_found_error"}})
        c.close()

    def test_fault_directives(self):
        c = self.conn()
        resp, body = self.post(c, "/v1/chat/completions", {
            "messages": [{"role": "user", "content": "[[status:503]] hi"}]})
        self.assertEqual(resp.status, 503)
        self.assertEqual(json.loads(body)["error"]["message"], "fixture error 503")
        resp, body = self.post(c, "/v1/completions", {"prompt": "[[malformed]] hi"})
        self.assertEqual(resp.status, 200)
        self.assertRaises(ValueError, json.loads, body)
        resp, body = self.post(c, "/v1/completions", {"prompt": "[[big:3000000]] hi"})
        self.assertEqual(json.loads(body)["choices"][0]["text"], "x" * 3000000)
        t0 = time.monotonic()
        resp, body = self.post(c, "/v1/completions", {"prompt": "[[sleep:300]] hi"})
        self.assertGreaterEqual(time.monotonic() - t0, 0.29)
        self.assertEqual(resp.status, 200)
        with self.assertRaises((http.client.HTTPException, ConnectionError)):
            self.post(c, "/v1/completions", {"prompt": "[[reset]] hi"})
        c.close()

    def test_stats_auth_and_concurrency(self):
        self.fx.stop()
        self.fx = harness.Fixture(delay_ms=300)
        self.addCleanup(self.fx.stop)
        errors = []

        def one(i):
            try:
                c = self.conn()
                c.request("POST", "/v1/chat/completions",
                          body=json.dumps({"messages": [{"role": "user", "content": "q"}]}),
                          headers={"Authorization": "Bearer sk-%d" % (i % 2)})
                c.getresponse().read()
                c.close()
            except Exception as e:
                errors.append(e)

        threads = [threading.Thread(target=one, args=(i,)) for i in range(64)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        self.assertEqual(errors, [])
        c = self.conn()
        c.request("GET", "/v1/models")
        c.getresponse().read()
        self.post(c, "/v1/completions", {"prompt": "p"})
        c.close()
        s = self.fx.stats()
        self.assertEqual(s["requests"], 65)
        self.assertEqual(s["by_path"], {"/v1/chat/completions": 64, "/v1/completions": 1})
        self.assertEqual(s["auth"], {"Bearer sk-0": 32, "Bearer sk-1": 32, "none": 1})
        self.assertGreater(s["max_concurrent"], 8)
        self.assertEqual(len(self.fx.requests()), 65)
        self.fx.reset()
        s = self.fx.stats()
        self.assertEqual((s["requests"], s["by_path"], s["auth"], s["max_concurrent"]),
                         (0, {}, {}, 0))


class FixtureProcessTest(unittest.TestCase):
    def test_sigterm_and_max_seconds(self):
        with tempfile.TemporaryDirectory() as tmp:
            pf = os.path.join(tmp, "port")
            p = subprocess.Popen([sys.executable, harness.FIXTURE, "--port-file", pf])
            try:
                deadline = time.monotonic() + 10
                while not os.path.exists(pf) and time.monotonic() < deadline:
                    time.sleep(0.02)
                with open(pf) as f:
                    port = int(f.read())
                socket.create_connection(("127.0.0.1", port), timeout=5).close()
                t0 = time.monotonic()
                p.terminate()
                self.assertEqual(p.wait(5), 0)
                self.assertLess(time.monotonic() - t0, 2)
            finally:
                if p.poll() is None:
                    p.kill()
                    p.wait()
            os.remove(pf)
            t0 = time.monotonic()
            p = subprocess.run([sys.executable, harness.FIXTURE, "--port-file", pf,
                                "--max-seconds", "0.5"], timeout=10)
            self.assertEqual(p.returncode, 0)
            self.assertLess(time.monotonic() - t0, 5)


if __name__ == "__main__":
    unittest.main(verbosity=2)
