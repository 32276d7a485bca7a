"""Regenerate docs/cli.md from the commands' own --help, so the reference never drifts.

python docs/gen_cli_reference.py          # rewrite docs/cli.md
python docs/gen_cli_reference.py --check  # exit 1 if docs/cli.md is stale (used by the tests)
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import typer
from feedcare.cli import app
from typer.testing import CliRunner

DOC = Path(__file__).resolve().parent / "cli.md"
ENV = {"TERMINAL_WIDTH": "100", "COLUMNS": "100", "NO_COLOR": "1", "TERM": "dumb", "FORCE_COLOR": ""}


def command_paths(group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    paths = []
    for name in sorted(group.commands):
        command = group.commands[name]
        if getattr(command, "hidden", False):
            continue
        paths.append((*prefix, name))
        if hasattr(command, "commands"):
            paths.extend(command_paths(command, (*prefix, name)))
    return paths


def help_text(path: tuple[str, ...]) -> str:
    result = CliRunner().invoke(app, [*path, "--help"], env=ENV, terminal_width=100)
    if result.exit_code != 0:
        raise SystemExit(f"feedcare {' '.join(path)} --help failed: {result.output}")
    return "\n".join(line.rstrip() for line in result.output.strip().splitlines())


def render() -> str:
    root = typer.main.get_command(app)
    parts = [
        "# Command reference",
        "",
        "Generated from `--help` by `make docs` (docs/gen_cli_reference.py); a test fails when it is stale.",
        "",
        "## feedcare",
        "",
        "```",
        help_text(()),
        "```",
    ]
    for path in command_paths(root):
        parts += ["", f"## feedcare {' '.join(path)}", "", "```", help_text(path), "```"]
    return "\n".join(parts) + "\n"


def main() -> None:
    os.environ.update(ENV)
    text = render()
    if "--check" in sys.argv:
        if not DOC.is_file() or DOC.read_text(encoding="utf-8") != text:
            print("docs/cli.md is stale: run `make docs`", file=sys.stderr)
            sys.exit(1)
        return
    DOC.write_text(text, encoding="utf-8")
    print(f"wrote {DOC}")


if __name__ == "__main__":
    main()
