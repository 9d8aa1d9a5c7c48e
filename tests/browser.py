"""A headless Chromium driven through the DevTools protocol over a pipe (--remote-debugging-pipe: JSON messages
ending in a NUL byte on file descriptors 3 and 4), with the standard library only: open a page, evaluate
JavaScript, move the real mouse, take screenshots, and collect what the page reported (exceptions, console
errors, Content-Security-Policy violations, dialogs).

    with Browser() as browser:
        browser.open("/tmp/report.html")
        browser.hover("span.chip.target", 2)
        print(browser.evaluate("document.title"))

find_chromium() says where the browser is ($RNNSEARCH_CHROMIUM, else chromium or chromium-browser on PATH)."""
import base64
import fcntl
import json
import os
import select
import shutil
import subprocess
import tempfile
import time


def find_chromium():
    explicit = os.environ.get("RNNSEARCH_CHROMIUM")
    if explicit:
        return explicit
    return shutil.which("chromium") or shutil.which("chromium-browser")


class BrowserError(Exception):
    pass


class Browser:
    def __init__(self, chromium=None, width=1200, height=900, timeout=60.0):
        self.timeout = timeout
        self.events = []  # (method, params) of every event received
        self.next_id = 0
        self.buffer = b""
        self.profile = tempfile.mkdtemp(prefix="rnnsearch-chromium-")
        to_child, self.to_browser = os.pipe()
        self.from_browser, from_child = os.pipe()

        def descriptors():
            # Out of the way first: either pipe end may itself be descriptor 3 or 4.
            reading, writing = (fcntl.fcntl(fd, fcntl.F_DUPFD, 10) for fd in (to_child, from_child))
            os.dup2(reading, 3)
            os.dup2(writing, 4)

        args = [chromium or find_chromium(), "--headless", "--remote-debugging-pipe", "--disable-gpu",
                "--disable-dev-shm-usage",  # containers often have a tiny /dev/shm
                "--no-first-run", "--no-default-browser-check", "--disable-extensions", "--mute-audio",
                "--hide-scrollbars", "--force-device-scale-factor=1", f"--window-size={width},{height}",
                f"--user-data-dir={self.profile}", "about:blank"]
        if os.geteuid() == 0:
            args.insert(1, "--no-sandbox")  # Chromium refuses to run as root with its sandbox
        self.process = subprocess.Popen(args, pass_fds=(3, 4), preexec_fn=descriptors, stdin=subprocess.DEVNULL,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_child)
        os.close(from_child)
        try:
            target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
            self.session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
            for domain in ("Page", "Runtime", "Log"):
                self.call(f"{domain}.enable")
            self.call("Emulation.setDeviceMetricsOverride",
                      {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})
        except Exception:
            self.close()
            raise

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        if self.process.poll() is None:
            try:
                os.write(self.to_browser, json.dumps({"id": 0, "method": "Browser.close"}).encode() + b"\0")
                self.process.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                self.process.kill()
                self.process.wait()
        for fd in (self.to_browser, self.from_browser):
            try:
                os.close(fd)
            except OSError:
                pass
        shutil.rmtree(self.profile, ignore_errors=True)

    def _receive(self, deadline):
        while b"\0" not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.from_browser], [], [], left)[0]:
                raise BrowserError("no answer from Chromium in time")
            chunk = os.read(self.from_browser, 1 << 16)
            if not chunk:
                raise BrowserError("Chromium closed the pipe")
            self.buffer += chunk
        raw, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(raw)

    def send(self, method, params=None, session=None):
        """Sends a command and returns its result; events that arrive meanwhile are kept in self.events."""
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self.to_browser, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + self.timeout
        while True:
            answer = self._receive(deadline)
            if answer.get("id") == self.next_id:
                if "error" in answer:
                    raise BrowserError(f"{method}: {answer['error']}")
                return answer.get("result", {})
            if "method" in answer:
                self.events.append((answer["method"], answer.get("params", {})))

    def call(self, method, params=None):
        return self.send(method, params, self.session)

    def wait_for(self, condition, what):
        """Polls a JavaScript condition until it is true."""
        deadline = time.monotonic() + self.timeout
        while not self.evaluate(condition):
            if time.monotonic() > deadline:
                raise BrowserError(f"timed out waiting for {what}")
            time.sleep(0.05)

    def open(self, path, ready="document.body && document.body.dataset.ready === 'true'"):
        self.events.clear()
        self.call("Page.navigate", {"url": "file://" + os.path.abspath(path)})
        self.wait_for(f"document.readyState === 'complete' && !!({ready})", "the page to be ready")

    def evaluate(self, expression):
        result = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                                "awaitPromise": True})
        if "exceptionDetails" in result:
            raise BrowserError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def hover(self, selector, index=0):
        """Moves the mouse onto the centre of the index-th element matching selector (scrolled to the middle
        of the window first when it is not in full view below the page's sticky header)."""
        box = self.evaluate(
            f"(() => {{ const e = document.querySelectorAll({json.dumps(selector)})[{index}];"
            " if (!e) return null; const bar = document.querySelector('header');"
            " const top = bar ? bar.getBoundingClientRect().bottom : 0, b = e.getBoundingClientRect();"
            " if (b.top < top || b.bottom > innerHeight || b.left < 0 || b.right > innerWidth)"
            "   e.scrollIntoView({block: 'center', inline: 'center'});"
            " const r = e.getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; })()")
        if box is None:
            raise BrowserError(f"no element {selector} [{index}]")
        self.call("Input.dispatchMouseEvent", {"type": "mouseMoved", "x": box[0], "y": box[1]})

    def click(self, selector, index=0):
        self.hover(selector, index)
        x, y = self.evaluate(
            f"(() => {{ const r = document.querySelectorAll({json.dumps(selector)})[{index}]"
            ".getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; })()")
        for kind in ("mousePressed", "mouseReleased"):
            self.call("Input.dispatchMouseEvent", {"type": kind, "x": x, "y": y, "button": "left", "clickCount": 1})

    def screenshot(self, path, full_page=False, clip_selector=None):
        params = {"format": "png"}
        if clip_selector:
            rect = self.evaluate(
                f"(() => {{ const e = document.querySelector({json.dumps(clip_selector)});"
                " const r = e.getBoundingClientRect();"
                " return [r.x + scrollX, r.y + scrollY, r.width, r.height]; })()")
            params["clip"] = {"x": rect[0], "y": rect[1], "width": rect[2], "height": rect[3], "scale": 1}
            params["captureBeyondViewport"] = True
        elif full_page:
            params["captureBeyondViewport"] = True
            size = self.evaluate("[document.documentElement.scrollWidth, document.documentElement.scrollHeight]")
            params["clip"] = {"x": 0, "y": 0, "width": size[0], "height": size[1], "scale": 1}
        data = self.call("Page.captureScreenshot", params)["data"]
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))

    def problems(self):
        """What the page reported: uncaught exceptions, console errors, log errors (CSP violations among
        them) and JavaScript dialogs."""
        found = []
        for method, params in self.events:
            if method == "Runtime.exceptionThrown":
                found.append("exception: " + json.dumps(params.get("exceptionDetails", {}))[:500])
            elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "warning", "assert"):
                found.append("console: " + json.dumps(params.get("args", []))[:500])
            elif method == "Log.entryAdded" and params.get("entry", {}).get("level") in ("error", "warning"):
                found.append("log: " + params["entry"].get("text", "")[:500])
            elif method == "Page.javascriptDialogOpening":
                found.append("dialog: " + params.get("message", ""))
        return found


def main():
    import argparse
    parser = argparse.ArgumentParser(description="Screenshot a page (e.g. an --html report) in headless Chromium.")
    parser.add_argument("page", help="the HTML file")
    parser.add_argument("png", help="the screenshot to write")
    parser.add_argument("--width", type=int, default=1100, help="window width in pixels (default 1100)")
    parser.add_argument("--height", type=int, default=800, help="window height in pixels (default 800)")
    parser.add_argument("--click", action="append", default=[], metavar="SELECTOR",
                        help="click the first element matching SELECTOR first (repeatable)")
    parser.add_argument("--hover", metavar="SELECTOR[@INDEX]",
                        help="then move the mouse onto the INDEX-th (default 0) element matching SELECTOR")
    parser.add_argument("--clip", metavar="SELECTOR", help="shoot only the first element matching SELECTOR")
    args = parser.parse_args()
    with Browser(width=args.width, height=args.height) as browser:
        browser.open(args.page)
        for selector in args.click:
            browser.click(selector)
        if args.hover:
            selector, _, index = args.hover.partition("@")
            browser.hover(selector, int(index or 0))
        browser.screenshot(args.png, clip_selector=args.clip)
        for problem in browser.problems():
            print("page:", problem)


if __name__ == "__main__":
    main()
