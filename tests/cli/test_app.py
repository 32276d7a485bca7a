"""cli/app.py: the top-level app, here its shell completion (Typer's, via the console script)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

FEEDCARE = Path(sys.executable).parent / "feedcare"
needs_script = pytest.mark.skipif(not FEEDCARE.exists(), reason=f"console script not installed at {FEEDCARE}")


def complete(words: str) -> list[str]:
    """What bash completion offers after ``words`` (the last word is the one being completed)."""
    parts = words.split(" ")
    env = {
        **os.environ,
        "_FEEDCARE_COMPLETE": "complete_bash",
        "COMP_WORDS": words,
        "COMP_CWORD": str(len(parts) - 1),
    }
    proc = subprocess.run([str(FEEDCARE)], env=env, capture_output=True, text=True, check=False, timeout=60)
    return proc.stdout.split()


@needs_script
def test_completion_offers_commands_options_and_choices():
    assert "themes" in complete("feedcare th") and "topics" in complete("feedcare to")
    assert {"--format", "--out", "--qdpx-coding"} <= set(complete("feedcare themes --"))
    assert complete("feedcare themes --qdpx-coding ") == ["units", "excerpts"]


@needs_script
def test_show_completion_prints_a_script_and_help_lists_the_options(invoke):
    proc = subprocess.run(
        [str(FEEDCARE), "--show-completion", "bash"], capture_output=True, text=True, check=False, timeout=60
    )
    assert proc.returncode == 0 and "_FEEDCARE_COMPLETE=complete_bash" in proc.stdout
    help_text = invoke("--help").output
    assert "--install-completion" in help_text and "--show-completion" in help_text
