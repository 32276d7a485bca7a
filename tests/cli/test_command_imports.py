"""Command modules stand alone: only app.py imports them; what they share lives in output/options.

A command module is a module of cli/ with a top-level ``register(app)``. Checked over the source
with ``ast`` (every import, also the ones inside functions), so no command is imported to run it.
"""

from __future__ import annotations

import ast

from conftest import ROOT

CLI = ROOT / "cli"


def cli_modules_imported(path) -> set[str]:
    """Names of the cli modules ``path`` imports (``feedcare.cli.X``, ``from feedcare.cli import X``)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name.split(".")[2] for a in node.names if a.name.startswith("feedcare.cli.")}
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:  # from . import x / from .x import y
                found |= {module.split(".")[0]} if module else {a.name for a in node.names}
            elif module == "feedcare.cli":
                found |= {a.name for a in node.names}
            elif module.startswith("feedcare.cli."):
                found.add(module.split(".")[2])
    return found


def command_modules() -> set[str]:
    def registers(path) -> bool:
        body = ast.parse(path.read_text(encoding="utf-8")).body
        return any(isinstance(node, ast.FunctionDef) and node.name == "register" for node in body)

    return {path.stem for path in CLI.glob("*.py") if registers(path)}


def test_only_the_app_imports_command_modules():
    commands = command_modules()
    assert {"ingest", "corpus_cmd", "init", "tokens", "topics", "runs", "themes", "audit", "kwic"} <= commands
    assert commands <= cli_modules_imported(CLI / "app.py")  # the check sees the app's imports
    offenders = {
        path.name: sorted(cli_modules_imported(path) & commands)
        for path in sorted(CLI.glob("*.py"))
        if path.name != "app.py" and cli_modules_imported(path) & commands
    }
    assert offenders == {}, f"share via cli/output.py, cli/options.py or the library: {offenders}"
