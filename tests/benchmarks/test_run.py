"""The benchmark report: a partial run replaces only its own sections; a quick run writes elsewhere."""

from __future__ import annotations

import sys

import pytest
from conftest import ROOT

# The benchmarks package lives at the repository root, which is kept off sys.path otherwise:
# there, bare `corpus`/`topics` folders would mask a packaging mistake in the other tests.
sys.path.insert(0, str(ROOT))
try:
    run = pytest.importorskip("benchmarks.run")
finally:
    sys.path.remove(str(ROOT))

INFO = {"date": "2026-11-26 01:00 UTC", "cores": 2, "cpu": "Test CPU", "memory_gib": 1.0,
        "platform": "test", "python": "3.11", "packages": {"feedcare": "0"}}


def _titles(text: str) -> list[str]:
    return [line[3:] for line in text.splitlines() if line.startswith("## ")]


def test_a_partial_run_keeps_the_other_sections_and_their_order():
    scale, topics = run.SUITES["scale"][1], run.SUITES["topics"][1]
    previous = run.split_sections(run.compose(INFO, {
        scale: f"## {scale}\n\nold scale numbers\n",
        topics: f"## {topics}\n\nold topics numbers\n",
    }, {}))
    text = run.compose(INFO, {topics: f"## {topics}\n\nnew topics numbers\n"}, previous)
    assert "old scale numbers" in text and "new topics numbers" in text
    assert "old topics numbers" not in text
    suites = [title for _module, title in run.SUITES.values()]
    assert [t for t in _titles(text) if t in suites] == suites  # suite order, measured or not
    unmeasured = [t for t in suites if t not in (scale, topics)]  # whatever suites are registered
    assert text.count("_Not measured yet._") == len(unmeasured)


def test_split_sections_round_trips_a_report():
    text = run.compose(INFO, {run.SUITES["ingest"][1]: "## x\n\nbody\n"}, {})
    sections = run.split_sections(text)
    assert "".join(sections.values()) == text
    assert sections[""].startswith("# Performance")


def test_a_quick_run_never_writes_the_measured_report():
    assert run.QUICK_REPORT != run.REPORT
    assert run.QUICK_REPORT.is_relative_to(ROOT / "benchmarks" / "out")  # git-ignored
    assert "/benchmarks/out/" in (ROOT / ".gitignore").read_text(encoding="utf-8")
