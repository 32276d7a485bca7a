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
from themes_fixtures import RUN_ID, build_project

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
        if "exceptionDetails" in result:
            raise RuntimeError(json.dumps(result["exceptionDetails"])[:2000])
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
    assert dom["svgs"] >= 3 + 2  # term bars per topic, two sweep charts (prevalence: HTML bars)


# --- layout: nothing cut, nothing overlapping, at a desktop and a narrow width -------------------

LONG_LABELS = {
    0: "Asking and waiting: appointments that never came, letters that arrived after the date",
    1: "Kind and caring staff who listened, even on the busiest night shifts",
    2: "The ward at night: noise, cold food and a bed that was not clean",
}
# Text boxes (HTML line boxes and SVG <text> elements) with their page coordinates. A line box is
# taller than its line-height, so each box is narrowed to its middle half vertically: neighbouring
# lines touch, overlapping words still collide.
TEXT_BOXES = """JSON.stringify((() => {
  const boxes = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(), i = 0; n; n = walker.nextNode(), i++) {
    const el = n.parentElement;
    if (!n.textContent.trim() || el.closest('title')) continue;
    const svgText = el.closest('text');
    const rects = svgText ? [svgText.getBoundingClientRect()] : (() => {
      const r = document.createRange(); r.selectNodeContents(n); return [...r.getClientRects()];
    })();
    for (const b of rects) {
      if (b.width < 1 || b.height < 1) continue;
      const svg = el.closest('svg');
      const frame = svg ? svg.getBoundingClientRect() : null;
      boxes.push({node: i, text: n.textContent.trim().slice(0, 50), x0: b.left, x1: b.right,
                  y0: b.top + scrollY + b.height / 4, y1: b.bottom + scrollY - b.height / 4,
                  outside: frame ? (b.left < frame.left - 1 || b.right > frame.right + 1 ||
                                    b.top < frame.top - 1 || b.bottom > frame.bottom + 1) : false});
    }
  }
  const overlaps = [];
  for (let a = 0; a < boxes.length; a++) for (let b = a + 1; b < boxes.length; b++) {
    const p = boxes[a], q = boxes[b];
    if (p.node === q.node) continue;
    if (Math.min(p.x1, q.x1) - Math.max(p.x0, q.x0) > 1 && Math.min(p.y1, q.y1) - Math.max(p.y0, q.y0) > 0)
      overlaps.push([p.text, q.text]);
  }
  const cut = [...document.querySelectorAll('.bar-label, th, td')]
    .filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.textContent.slice(0, 50));
  const chart = document.querySelector('[aria-label="Prevalence by topic"]');
  const sweep = [...document.querySelectorAll('svg[aria-label$=" vs k"] text')].map(t => t.textContent);
  return {n: boxes.length, overlaps, outside: boxes.filter(b => b.outside).map(b => b.text), cut,
          width: document.documentElement.scrollWidth, text: document.body.innerText,
          chart: chart ? chart.textContent : '', sweep};
})())"""


@pytest.fixture
def wide_report(tmp_path):
    """A report with long theme labels and a sweep over k = 2..20 (two seeds each)."""
    from dataclasses import replace

    from feedcare.topics.exports.html import to_html
    from feedcare.topics.themes.build import SweepPoint, build_themes

    project = build_project(tmp_path)
    labels = tmp_path / "themes.toml"
    labels.write_text(
        f'[run]\nid = "{RUN_ID}"\n[topics]\n'
        + "".join(f'{t} = "{name}"\n' for t, name in LONG_LABELS.items()),
        encoding="utf-8",
    )
    result = build_themes(project.corpus, "latest", labels=labels, by="platform")
    sweep = tuple(
        SweepPoint(f"k{k}-s{s}", k, s, -0.061 + 0.004 * k + 0.002 * s, 0.4, -2.5, 0.8, 0.5 + 0.02 * s)
        for k in range(2, 21)
        for s in (1, 2)
    )
    out = tmp_path / "wide.html"
    out.write_text(to_html(replace(result, sweep=sweep, chosen_model="k3-s1")), encoding="utf-8")
    return out


@needs_chromium
@pytest.mark.parametrize("width", [1400, 800])
def test_report_layout_has_no_cut_or_overlapping_text(wide_report, browser, width, tmp_path):
    page = wide_report.as_uri()
    browser.load("about:blank")
    browser.send(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": False},
    )
    seen = len(browser.messages)
    browser.send("Page.navigate", {"url": page})
    browser.wait(lambda m: m.get("method") == "Page.loadEventFired" and browser.messages.index(m) >= seen)
    layout = json.loads(browser.evaluate(TEXT_BOXES))
    assert layout["n"] > 100
    assert layout["overlaps"] == []
    assert layout["outside"] == []  # no SVG text runs outside its chart
    assert layout["cut"] == []
    assert layout["width"] <= width  # no sideways scrolling
    for name in LONG_LABELS.values():
        assert name in layout["chart"]  # whole in the prevalence chart, not "Asking and waiti…"
    assert "How to read these measures" in layout["text"] and "−0.06 is low" in layout["text"]
    # Axes: titles, y ticks, and k labels thinned out but keeping the chosen k and the last.
    assert layout["sweep"].count("number of topics k (bold: chosen)") == 2
    assert {"3", "20"} <= set(layout["sweep"]) and "Stability" in layout["sweep"]
    assert sum(t.replace("−", "-").replace(".", "").lstrip("-").isdigit() for t in layout["sweep"]) > 20
    height = browser.evaluate("document.documentElement.scrollHeight")
    browser.send(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": int(height), "deviceScaleFactor": 1, "mobile": False},
    )
    shot = browser.send("Page.captureScreenshot", {"format": "png"})["data"]
    keep = Path(os.environ.get("FEEDCARE_SCREENSHOTS", tmp_path))
    keep.mkdir(parents=True, exist_ok=True)
    import base64

    (keep / f"report-{width}.png").write_bytes(base64.b64decode(shot))


@needs_chromium
def test_report_prints(wide_report, browser, tmp_path):
    browser.load(wide_report.as_uri())
    pdf = browser.send("Page.printToPDF", {"printBackground": True})["data"]
    assert len(pdf) > 1000
    css = wide_report.read_text(encoding="utf-8")
    assert "@media print" in css and "break-inside: avoid" in css
