"""The HTML report: self-contained, offline, and safe with hostile transcript text.

Rendered in headless Chromium driven over the DevTools protocol (``--remote-debugging-pipe``),
which reports every network request, console message, exception and dialog. Skips where
Chromium is not installed (Debian: ``apt-get install chromium``).
"""

from __future__ import annotations

import json
import os
import re
import select
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from feedcare.topics.exports.html import CSP
from themes_fixtures import build_project

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="headless Chromium not found (Debian: apt-get install chromium)"
)
HOSTILE = (
    "<script>alert(1)</script> the nurse was kind <img src=x onerror=alert(2)> and caring staff "
    '<a href="http://example.com/">link</a> </style><style>body{display:none}</style>'
)


def _high_fd(fd: int) -> int:
    import fcntl

    high = fcntl.fcntl(fd, fcntl.F_DUPFD, 10)
    os.close(fd)
    return high


class Browser:
    """Just enough of the DevTools protocol over a pipe: load a page, collect events, evaluate."""

    def __init__(self, profile: Path) -> None:
        to_chrome_r, self._to_chrome = os.pipe()
        self._from_chrome, from_chrome_w = os.pipe()
        # Move the child's ends above 9 so the dup2 calls below cannot clobber each other.
        to_chrome_r, from_chrome_w = (_high_fd(to_chrome_r), _high_fd(from_chrome_w))

        def wire_pipes() -> None:  # the protocol uses fds 3 (in) and 4 (out) of the child
            os.dup2(to_chrome_r, 3)
            os.dup2(from_chrome_w, 4)

        self.process = subprocess.Popen(
            [
                CHROMIUM,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                f"--user-data-dir={profile}",
                "--remote-debugging-pipe",
                "about:blank",
            ],
            pass_fds=(3, 4),
            preexec_fn=wire_pipes,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self.messages: list[dict] = []
        self._buffer = b""
        self._next_id = 0
        self.session: str | None = None
        self._dismissed: set[int] = set()

    def send(self, method: str, params: dict | None = None, session: bool = True) -> dict:
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params or {}}
        if session and self.session:
            message["sessionId"] = self.session
        os.write(self._to_chrome, json.dumps(message).encode() + b"\0")
        wanted = self._next_id
        reply = self.wait(lambda m: m.get("id") == wanted)
        if "error" in reply:
            raise RuntimeError(f"{method}: {reply['error']}")
        return reply.get("result", {})

    def wait(self, predicate, timeout: float = 30.0) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            for message in self.messages:
                if predicate(message):
                    return message
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("no reply from Chromium")
            self._read(remaining)

    def _read(self, timeout: float) -> None:
        ready, _, _ = select.select([self._from_chrome], [], [], timeout)
        if ready:
            chunk = os.read(self._from_chrome, 1 << 16)
            if not chunk:
                raise RuntimeError("Chromium closed the pipe")
            self._buffer += chunk
            while b"\0" in self._buffer:
                raw, self._buffer = self._buffer.split(b"\0", 1)
                self.messages.append(json.loads(raw))

    def load(self, url: str) -> list[dict]:
        """Open ``url`` in a fresh tab; return the protocol events seen while it loaded."""
        target = self.send("Target.createTarget", {"url": "about:blank"}, session=False)["targetId"]
        self.session = self.send(
            "Target.attachToTarget", {"targetId": target, "flatten": True}, session=False
        )["sessionId"]
        for domain in ("Network", "Runtime", "Log", "Page"):
            self.send(f"{domain}.enable")
        start = len(self.messages)
        self.send("Page.navigate", {"url": url})
        while True:  # an alert() blocks the load event until it is dismissed
            event = self.wait(
                lambda m: (
                    m.get("method") == "Page.loadEventFired"
                    or (m.get("method") == "Page.javascriptDialogOpening" and id(m) not in self._dismissed)
                )
            )
            if event["method"] == "Page.loadEventFired":
                break
            self._dismissed.add(id(event))
            self.send("Page.handleJavaScriptDialog", {"accept": True})
        settle = time.monotonic() + 0.5  # let late console messages or requests arrive
        while time.monotonic() < settle:
            self._read(settle - time.monotonic())
        return [m for m in self.messages[start:] if "method" in m]

    def evaluate(self, expression: str):
        result = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        return result["result"]["value"]

    def close(self) -> None:
        try:
            self.send("Browser.close", session=False)
            self.process.wait(timeout=20)
        except (RuntimeError, TimeoutError, subprocess.TimeoutExpired):
            self.process.kill()
        finally:
            os.close(self._to_chrome)
            os.close(self._from_chrome)


@pytest.fixture
def browser(tmp_path):
    b = Browser(tmp_path / "profile")
    yield b
    b.close()


def problems(events: list[dict], page: str) -> dict[str, list]:
    """Network requests other than the page itself, console output, exceptions, dialogs, log errors."""
    return {
        "requests": [
            e["params"]["request"]["url"]
            for e in events
            if e["method"] == "Network.requestWillBeSent" and e["params"]["request"]["url"] != page
        ],
        "console": [e["params"] for e in events if e["method"] == "Runtime.consoleAPICalled"],
        "exceptions": [e["params"] for e in events if e["method"] == "Runtime.exceptionThrown"],
        "dialogs": [e["params"] for e in events if e["method"] == "Page.javascriptDialogOpening"],
        "log_errors": [
            e["params"]["entry"]["text"]
            for e in events
            if e["method"] == "Log.entryAdded" and e["params"]["entry"]["level"] == "error"
        ],
    }


@pytest.fixture
def report(tmp_path, invoke):
    project = build_project(
        tmp_path,
        extra_docs={
            "hostile": [("Interviewer", "interviewer", "Hello <b>there</b>"), ("H1", "participant", HOSTILE)]
        },
    )
    out = tmp_path / "report.html"
    result = invoke(
        "themes", "latest", "--corpus", project.corpus, "--by", "platform", "--excerpts", "40", "--out", out
    )
    assert result.exit_code == 0, result.output
    return out


def test_report_is_self_contained(report):
    text = report.read_text(encoding="utf-8")
    assert f'<meta http-equiv="Content-Security-Policy" content="{CSP}">' in text
    assert "default-src 'none'" in CSP
    assert "<script" not in text  # the hostile text is escaped, and the report has no script
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", text)  # no external resources
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text


@needs_chromium
def test_harness_notices_requests_scripts_and_console_errors(tmp_path, browser):
    # A control page, so the next test's "nothing happened" means something.
    bad = tmp_path / "bad.html"
    bad.write_text(
        '<html><body><img src="http://127.0.0.1:9/x.png"><script>console.error("boom")</script></body></html>',
        encoding="utf-8",
    )
    found = problems(browser.load(bad.as_uri()), bad.as_uri())
    assert found["requests"] == ["http://127.0.0.1:9/x.png"]
    assert found["console"]
    raw = tmp_path / "raw.html"  # the hostile transcript pasted unescaped: the script runs
    raw.write_text(f"<html><body>{HOSTILE}</body></html>", encoding="utf-8")
    found = problems(browser.load(raw.as_uri()), raw.as_uri())
    assert "1" in [d["message"] for d in found["dialogs"]]


@needs_chromium
def test_report_renders_offline_with_no_errors_and_hostile_text_inert(report, browser):
    page = report.as_uri()
    found = problems(browser.load(page), page)
    assert found == {"requests": [], "console": [], "exceptions": [], "dialogs": [], "log_errors": []}
    dom = browser.evaluate(
        "JSON.stringify({scripts: document.scripts.length, images: document.images.length,"
        " links: [...document.links].map(a => a.getAttribute('href')),"
        " styles: document.querySelectorAll('style').length, text: document.body.innerText,"
        " svgs: document.querySelectorAll('svg').length, hidden: getComputedStyle(document.body).display})"
    )
    dom = json.loads(dom)
    assert dom["scripts"] == 0 and dom["images"] == 0 and dom["styles"] == 1
    assert dom["hidden"] == "block"
    assert all(href.startswith("#topic-") for href in dom["links"])
    assert "<script>alert(1)</script> the nurse was kind <img src=x onerror=alert(2)>" in dom["text"]
    assert "Mean weight by platform" in dom["text"] and "Choosing k" in dom["text"]
    assert dom["svgs"] >= 3 + 1 + 2  # term bars per topic, prevalence chart, two sweep charts
