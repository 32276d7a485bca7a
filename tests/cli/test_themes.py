"""`feedcare themes` options: how --format, --out, --json and --codebook choose what is written.

The formats themselves are tested under tests/topics/exports/; the registry they come from in
tests/topics/exports/test_registry.py.
"""

from __future__ import annotations

import pytest
from themes_fixtures import build_project


@pytest.fixture
def project(tmp_path):
    return build_project(tmp_path)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "html"], "--format html writes a file; add --out FILE.html"),
        (["--format", "qdpx"], "--format qdpx writes a file; add --out FILE.qdpx"),
        (["--out", "x.txt"], "cannot tell the format from '.txt'; add --format csv, md, json, html or qdpx"),
        (["--codebook"], "--codebook writes a file; add --out codes.qdc"),
        (["--codebook", "--format", "csv", "--out", "c.qdc"], "--codebook writes a REFI-QDA codebook"),
        (["--format", "table", "--out", "t.txt"], "--format table prints to the terminal"),
        (["--json", "--format", "csv"], "--json conflicts with --format csv"),
    ],
)
def test_output_option_mistakes(invoke, project, args, message):
    result = invoke("themes", "latest", "--corpus", project.corpus, *args)
    assert result.exit_code == 2
    assert message in result.stderr


def test_out_must_not_be_a_directory(invoke, project, tmp_path):
    result = invoke("themes", "latest", "--corpus", project.corpus, "--format", "csv", "--out", tmp_path)
    assert result.exit_code == 2
    assert "is a directory; give a file name" in result.stderr


@pytest.mark.parametrize(("args", "message"), [
    (["--out", "x.qdpx", "--format", "csv"],
     "--out x.qdpx: the suffix is the qdpx format's but --format csv writes CSV; name the file x.csv"),
    (["--out", "r.html", "--format", "md"], "--out r.html: the suffix is the html format's but --format md"),
    (["--out", "x.qdpx", "--json"], "--out x.qdpx: the suffix is the qdpx format's but --format json"),
])
def test_a_suffix_of_another_format_is_refused_not_overwritten(invoke, project, tmp_path, monkeypatch, args,
                                                             message):
    """`--out x.qdpx --format csv` silently wrote CSV into x.qdpx (issue 14, #16)."""
    monkeypatch.chdir(tmp_path)
    result = invoke("themes", "latest", "--corpus", project.corpus, *args)
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert not any(p.suffix in (".qdpx", ".html") for p in tmp_path.iterdir())


def test_a_suffix_no_format_claims_is_fine_with_an_explicit_format(invoke, project, tmp_path):
    out = tmp_path / "themes.txt"
    result = invoke("themes", "latest", "--corpus", project.corpus, "--format", "csv", "--out", out)
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8").startswith("run_id,model,topic,")


HOSTILE = "\x1b[2J\x1b]0;pwned\x07waiting \x1b[31mtimes were long\u202e at the desk\x9b1m"


@pytest.fixture
def hostile(tmp_path):
    docs = {"int\x1b[5m99": [("Interviewer", "interviewer", "How was your visit?"),
                              ("P\x1b[1m99", "participant", HOSTILE + " waiting queue waiting")]}
    return build_project(tmp_path / "hostile", extra_docs=docs)


@pytest.mark.parametrize("fmt", ["table", "csv", "md", "html"])
def test_control_characters_never_reach_the_terminal_or_a_rendered_file(invoke, hostile, tmp_path, fmt):
    """Escape sequences in transcripts reached the terminal through the themes tables and the CSV and
    Markdown exports (issue 14, #11)."""
    args = [] if fmt == "table" else ["--format", fmt, "--out", tmp_path / f"out.{fmt}"]
    result = invoke("themes", "latest", "--corpus", hostile.corpus, "--excerpts", "20", *args)
    assert result.exit_code == 0, result.output
    shown = result.stdout + result.stderr
    if fmt != "table":
        shown += (tmp_path / f"out.{fmt}").read_text(encoding="utf-8")
    assert "timesp" not in shown  # sanity: nothing glued together
    assert not [ch for ch in shown if ch in "\x1b\x07\x9b\u202e"], repr(shown[:400])
    assert "times were long" in shown  # the excerpt is there, only its control characters are gone
