"""`feedcare themes --format md`: a report section for a paper's appendix, with corpus text escaped."""

from __future__ import annotations

import pytest
from themes_fixtures import RUN_ID, build_project

EVIL = "<script>alert(1)</script> the *nurse* & [staff](http://x) were kind, caring | `staff`"


@pytest.fixture
def project(tmp_path):
    return build_project(
        tmp_path, extra_docs={"evil": [("Interviewer", "interviewer", "Hi"), ("E1", "participant", EVIL)]}
    )


def run(invoke, project, *args):
    result = invoke("themes", "latest", "--corpus", project.corpus, *args)
    assert result.exit_code == 0, result.output
    return result


def test_markdown_section_escapes_transcript_text(invoke, project, tmp_path):
    out = tmp_path / "appendix.md"
    run(invoke, project, "--out", out, "--topic", "1", "--excerpts", "20")
    text = out.read_text(encoding="utf-8")
    assert text.startswith(f"## Themes (run {RUN_ID}, model k3-s1)")
    assert "### Topic 1: nurse, kind, caring" in text
    assert "*Prevalence:*" in text and "participants" in text
    assert "<script>" not in text  # escaped: \<script\>
    assert "\\<script\\>alert(1)\\</script\\>" in text
    assert "\\[**staff**\\](http://x)" in text  # no live link
    assert "evil, evil.txt, turn 2" in text
    quotes = [line for line in text.splitlines() if line.startswith("> ") and not line.startswith("> —")]
    assert len(quotes) >= 10


def test_markdown_includes_the_group_table(invoke, project):
    text = run(invoke, project, "--format", "md", "--by", "platform").stdout
    assert "### Mean weight by platform" in text
    assert "| Topic | paper (n=" in text
    assert "†" in text
