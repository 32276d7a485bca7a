"""The docs cannot drift from the code: docs/cli.md is generated from --help and checked here."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
import typer
from conftest import ROOT
from feedcare.cli import app


def _leaf_commands(group, prefix=()):
    for name, command in sorted(group.commands.items()):
        if hasattr(command, "commands"):
            yield from _leaf_commands(command, (*prefix, name))
        else:
            yield (*prefix, name)


LEAVES = list(_leaf_commands(typer.main.get_command(app)))


def test_cli_reference_is_current():
    proc = subprocess.run(
        [sys.executable, str(ROOT / "docs" / "gen_cli_reference.py"), "--check"],
        capture_output=True, text=True, check=False,
    )
    assert proc.returncode == 0, "docs/cli.md is stale: run `make docs`"


def test_every_command_is_in_the_reference():
    text = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    for path in LEAVES:
        assert f"## feedcare {' '.join(path)}\n" in text


@pytest.mark.parametrize("path", LEAVES, ids=" ".join)
def test_every_command_has_help_and_an_example(invoke, path):
    result = invoke(*path, "--help")
    assert result.exit_code == 0
    assert re.search(r"\bExamples?\b", result.output), f"feedcare {' '.join(path)} --help has no example"


def test_readme_links_point_at_existing_docs():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for target in re.findall(r"\]\(((?:docs|examples)/[^)#]+)", readme):
        assert (ROOT / target).exists(), target


def test_readme_starts_with_the_two_setup_commands():
    first_lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()[:6]
    assert any(line.startswith("make demo") for line in first_lines)
    assert any(line.startswith("make test") for line in first_lines)
