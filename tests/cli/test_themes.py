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
