"""report.html in a real browser: Debian's headless chromium, driven over
the DevTools protocol on a pipe (--remote-debugging-pipe: NUL-separated
JSON on fds 3 and 4, so no websocket and no port). The page must load from
file:// without a single network request, console error or uncaught
exception; its tables must sort and filter; it must print to PDF. A
screenshot (1200x2000) and a full-page one are saved for a human to look
at: in $PARITY_SCREENSHOTS, else BUILD/meson-logs/screenshots, else a
temporary folder (the path is printed).

Skipped when chromium is not installed. Run one page by hand:
    python3 tests/integration/test_html.py --shot PAGE.html OUT.png
"""

import base64
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

import harness
import test_diff

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DEMO = os.path.join(harness.SOURCE_ROOT, "suites", "demo")
ALLOWED_SCHEMES = ("file:", "data:", "about:")


class Browser:
    """A headless chromium and one page, over --remote-debugging-pipe."""

    def __init__(self, width=1200, height=2000):
        self.profile = tempfile.mkdtemp(prefix="parity-chromium-")
        to_child_r, self.to_child = os.pipe()
        self.from_child, from_child_w = os.pipe()
        # Parked above 2 so the dup2 to 3 and 4 in the child cannot clobber them.
        fds = [os.dup(fd) for fd in (to_child_r, from_child_w)]
        os.close(to_child_r)
        os.close(from_child_w)

        def child():
            os.dup2(fds[0], 3)
            os.dup2(fds[1], 4)

        self.proc = subprocess.Popen(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
             "--disable-background-networking", "--disable-component-update",
             "--disable-sync", "--no-first-run", "--no-default-browser-check",
             "--disable-extensions", "--hide-scrollbars", "--mute-audio",
             "--user-data-dir=" + self.profile, "--remote-debugging-pipe",
             "--window-size=%d,%d" % (width, height), "about:blank"],
            pass_fds=(3, 4), preexec_fn=child, stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        for fd in fds:
            os.close(fd)
        self.buf = b""
        self.next_id = 0
        self.events = []
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.call("Target.attachToTarget",
                                 {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.call(domain + ".enable", session=True)
        self.call("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
                  session=True)

    def _read(self, deadline):
        while b"\0" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError("chromium did not answer in time")
            ready, _, _ = select.select([self.from_child], [], [], left)
            if ready:
                chunk = os.read(self.from_child, 1 << 20)
                if not chunk:
                    raise AssertionError("chromium exited: %s" % self.stderr_tail())
                self.buf += chunk
        msg, self.buf = self.buf.split(b"\0", 1)
        return json.loads(msg)

    def call(self, method, params=None, session=False, timeout=60):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = self.session
        os.write(self.to_child, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            m = self._read(deadline)
            if m.get("id") == self.next_id:
                if "error" in m:
                    raise AssertionError("%s: %s" % (method, m["error"]))
                return m.get("result", {})
            self.events.append(m)

    def wait_event(self, method, timeout=60):
        deadline = time.monotonic() + timeout
        for i, m in enumerate(self.events):
            if m.get("method") == method:
                return self.events.pop(i)
        while True:
            m = self._read(deadline)
            if m.get("method") == method:
                return m
            self.events.append(m)

    def open(self, path):
        self.call("Page.navigate", {"url": "file://" + os.path.abspath(path)}, session=True)
        self.wait_event("Page.loadEventFired")
        # Let late scripts and any deferred request surface.
        self.eval("new Promise(r => setTimeout(r, 300))", await_promise=True)

    def eval(self, expr, await_promise=False):
        r = self.call("Runtime.evaluate", {"expression": expr, "returnByValue": True,
                                           "awaitPromise": await_promise}, session=True)
        if "exceptionDetails" in r:
            raise AssertionError("%s: %s" % (expr, r["exceptionDetails"]))
        return r.get("result", {}).get("value")

    def problems(self):
        """Requests outside file:/data:, console errors, uncaught exceptions."""
        out = []
        for m in self.events:
            p = m.get("params", {})
            meth = m.get("method")
            if meth == "Network.requestWillBeSent":
                url = p.get("request", {}).get("url", "")
                if not url.startswith(ALLOWED_SCHEMES):
                    out.append("network request: " + url)
            elif meth == "Runtime.exceptionThrown":
                out.append("exception: %s" % p.get("exceptionDetails", {}).get("text"))
            elif meth == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
                out.append("console.%s: %s" % (p.get("type"), p.get("args")))
            elif meth == "Log.entryAdded" and p.get("entry", {}).get("level") == "error":
                out.append("log error: %s" % p["entry"].get("text"))
        return out

    def screenshot(self, path, full=False):
        params = {"format": "png"}
        if full:
            size = self.call("Page.getLayoutMetrics", session=True)["cssContentSize"]
            params.update(captureBeyondViewport=True,
                          clip={"x": 0, "y": 0, "width": size["width"],
                                "height": size["height"], "scale": 1})
        data = self.call("Page.captureScreenshot", params, session=True)["data"]
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))

    def pdf(self):
        data = self.call("Page.printToPDF", {"printBackground": True}, session=True)["data"]
        return base64.b64decode(data)

    def stderr_tail(self):
        try:
            return self.proc.stderr.read1(4000).decode("utf-8", "replace")
        except Exception:  # noqa: BLE001 - diagnostics only
            return ""

    def close(self):
        try:
            self.call("Browser.close", timeout=10)
        except AssertionError:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc.stderr.close()
        os.close(self.to_child)
        os.close(self.from_child)
        shutil.rmtree(self.profile, ignore_errors=True)


def shots_dir():
    d = os.environ.get("PARITY_SCREENSHOTS")
    logs = os.path.join(os.path.dirname(os.path.abspath(harness.PARITY)), "meson-logs")
    if not d and os.path.isdir(logs):
        d = os.path.join(logs, "screenshots")
    if not d:
        d = tempfile.mkdtemp(prefix="parity-shots-")
    os.makedirs(d, exist_ok=True)
    return d


def run_demo(tmp, profile, seed):
    # With more items than the demo's: the diff's regression test is over
    # items (test_diff.demo_with_items says why).
    r = harness.parity(["run", test_diff.demo_with_items(tmp), "--engine", "sim",
                        "--sim-profile", os.path.join(DEMO, profile), "--samples", "20",
                        "--seed", str(seed), "--out", tmp, "--quiet"])
    assert r.rc == 0, r.describe()
    return r.run_folder()


@unittest.skipUnless(CHROMIUM, "chromium is not installed (apt-get install chromium)")
class HtmlTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="parity-html-")
        cls.base = run_demo(cls.tmp, "sim-v1.json", 2026)
        cls.cand = run_demo(cls.tmp, "sim-v2.json", 2026)
        cls.diff = os.path.join(cls.tmp, "diff")
        r = harness.parity(["diff", cls.base, cls.cand, "-o", cls.diff,
                            "--fail-on", "regression,disparity"])
        assert r.rc == 1, r.describe()
        cls.shots = shots_dir()
        cls.browser = Browser()

    @classmethod
    def tearDownClass(cls):
        cls.browser.close()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def load(self, path, shot):
        b = self.browser
        b.events.clear()
        b.open(path)
        self.assertEqual(b.problems(), [], "problems loading " + path)
        b.screenshot(os.path.join(self.shots, shot + ".png"))
        b.screenshot(os.path.join(self.shots, shot + "-full.png"), full=True)
        print("screenshots: %s/%s.png, %s-full.png" % (self.shots, shot, shot), file=sys.stderr)

    def check_self_contained(self, path):
        with open(path, encoding="utf-8") as f:
            html = f.read()
        for needle in ("<script src", "<link", "<img", "@import", "url(", "<iframe"):
            self.assertNotIn(needle, html, "%s refers outside the page: %s" % (path, needle))

    def check_pdf(self):
        pdf = self.browser.pdf()
        self.assertTrue(pdf.startswith(b"%PDF-"), "print to PDF failed")
        self.assertGreater(pdf.count(b"/Type /Page") + pdf.count(b"/Type/Page"), 0)

    def test_run_page(self):
        page = os.path.join(self.cand, "report.html")
        self.check_self_contained(page)
        self.load(page, "report-run")
        b = self.browser
        self.assertIn("treats women differently from men", b.eval(
            "document.querySelector('.verdict').textContent"))
        self.assertGreaterEqual(b.eval("document.querySelectorAll('svg').length"), 2)
        # "flagged only" is on: only the flagged rows show.
        shown = b.eval("Array.from(document.querySelectorAll('#cmp tbody tr'))"
                       ".filter(r => !r.hidden).length")
        flagged = b.eval("document.querySelectorAll('#cmp tbody tr.hit').length")
        self.assertEqual(shown, flagged)
        self.assertGreater(flagged, 0)
        self.check_pdf()
        self.assertEqual(b.problems(), [])

    def test_diff_page(self):
        page = os.path.join(self.diff, "report.html")
        self.check_self_contained(page)
        self.load(page, "report-diff")
        b = self.browser
        text = b.eval("document.querySelector('.verdict').textContent")
        self.assertIn("regressed in arithmetic", text)
        self.assertIn("women differently from men", text)
        # Sorting: the delta column of the domain table, ascending puts
        # arithmetic's drop first.
        b.eval("document.querySelector('#regression table.sortable th:nth-child(7)').click()")
        first = b.eval("document.querySelector('#regression table.sortable tbody tr')"
                       ".cells[1].textContent")
        self.assertEqual(first, "arithmetic")
        # Filtering the flipped answers by text.
        total = b.eval("document.querySelectorAll('#flips tbody tr').length")
        self.assertGreater(total, 0)
        b.eval("var i = document.querySelector('input[data-filter=flips]');"
               "i.value = 'factual'; i.dispatchEvent(new Event('input'));")
        shown = b.eval("Array.from(document.querySelectorAll('#flips tbody tr'))"
                       ".filter(r => !r.hidden).length")
        self.assertLess(shown, total)
        # Unticking "changed or flagged only" shows every comparison.
        b.eval("var c = document.querySelector('input[data-only=changes]');"
               "c.checked = false; c.dispatchEvent(new Event('input'));")
        self.assertEqual(
            b.eval("Array.from(document.querySelectorAll('#changes tbody tr'))"
                   ".filter(r => !r.hidden).length"),
            b.eval("document.querySelectorAll('#changes tbody tr').length"))
        self.check_pdf()
        self.assertEqual(b.problems(), [])

    def test_hostile_text_stays_text(self):
        """Model names and answers are data: markup in them must stay text."""
        profile = os.path.join(self.tmp, "hostile.json")
        with open(os.path.join(DEMO, "sim-v2.json"), encoding="utf-8") as f:
            p = json.load(f)
        p["model"] = "<b>bold</b>&amp;"
        p["wrong"] = "<img src=x onerror=console.error(1)><script>console.error(2)</script>"
        with open(profile, "w", encoding="utf-8") as f:
            json.dump(p, f)
        r = harness.parity(["run", os.path.join(DEMO, "demo.json"), "--engine", "sim",
                            "--sim-profile", profile, "--samples", "2", "--seed", "1",
                            "--out", self.tmp, "--quiet"])
        self.assertEqual(r.rc, 0, r.describe())
        out = os.path.join(self.tmp, "hostile-diff")
        r = harness.parity(["diff", self.base, r.run_folder(), "-o", out, "--quiet"])
        self.assertEqual(r.rc, 0, r.describe())
        page = os.path.join(out, "report.html")
        self.load(page, "report-hostile")
        b = self.browser
        self.assertEqual(b.eval("document.images.length"), 0)
        self.assertEqual(b.eval("document.scripts.length"), 1)
        self.assertEqual(b.eval("document.querySelectorAll('b').length"), 0)
        self.assertIn("<img src=x", b.eval("document.querySelector('#flips').textContent"))
        self.assertIn("<b>bold</b>&amp;", b.eval("document.querySelector('h1').textContent") +
                      b.eval("document.querySelector('header').textContent"))


def main_shot(argv):
    """PAGE OUT [full | Y]: the viewport, the whole page, or 2000 pixels from Y."""
    b = Browser()
    try:
        b.open(argv[0])
        for p in b.problems():
            print(p)
        if len(argv) > 2 and argv[2] != "full":
            b.eval("window.scrollTo(0, %d)" % int(argv[2]))
        b.screenshot(argv[1], full=len(argv) > 2 and argv[2] == "full")
    finally:
        b.close()


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--shot":
        main_shot(sys.argv[2:])
    else:
        unittest.main(verbosity=2)
