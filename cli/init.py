"""`feedcare init`: write a commented feedcare.toml with every setting at its default.

The file is rendered from the section dataclasses (their defaults and ``help``/``choices``/
``min``/``max`` metadata), so it can never drift from what the library accepts. The same
renderer prints ``feedcare tokens --show-config``.
"""

from __future__ import annotations

import dataclasses
import importlib
import json
import math
import textwrap
from pathlib import Path
from typing import Annotated, Any

import typer
from feedcare.cli.output import message

# (section, module, class) in pipeline order; a part not installed yet is left out.
SECTIONS = (
    ("ingest", "feedcare.corpus.ingest.config", "IngestConfig"),
    ("tokens", "feedcare.corpus.tokens.config", "TokensConfig"),
    ("topics", "feedcare.topics.config", "TopicsConfig"),
    ("themes", "feedcare.topics.themes.config", "ThemesConfig"),
)

HEADER = """\
# feedcare.toml: settings of the feedcare pipeline for this analysis.
# Every key is shown with its default; change what you need and delete the rest if you like.
# Command-line options override these values; `feedcare tokens --show-config` prints the result.
# Reference: docs/configuration.md.
"""


def section_classes() -> list[tuple[str, type]]:
    """The configuration dataclasses that exist in this installation, in pipeline order."""
    found = []
    for section, module, name in SECTIONS:
        try:
            cls = getattr(importlib.import_module(module), name)
        except (ImportError, AttributeError):
            continue
        found.append((section, cls))
    return found


def toml_value(value: Any) -> str:
    """A Python value as a TOML literal."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isinf(value) or math.isnan(value):
            return ("-" if value < 0 else "") + ("inf" if math.isinf(value) else "nan")
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # JSON strings are valid TOML basic strings
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{json.dumps(str(k))} = {toml_value(v)}" for k, v in value.items()) + " }"
    if isinstance(value, Path):
        return json.dumps(str(value))
    raise TypeError(f"cannot write {value!r} as TOML")


def _comment(meta: Any) -> list[str]:
    text = str(meta.get("help", "")).strip()
    limits = []
    if "choices" in meta:
        limits.append("one of " + ", ".join(toml_value(c) for c in meta["choices"]))
    if "min" in meta:
        limits.append(f"min {meta['min']}")
    if "max" in meta:
        limits.append(f"max {meta['max']}")
    if limits:
        text = f"{text} ({'; '.join(limits)})" if text else "; ".join(limits).capitalize()
    return ["# " + line for line in textwrap.wrap(text, 96)] if text else []


def render_section(section: str, config: Any, comments: bool = True) -> str:
    """One ``[section]`` table of a dataclass instance (or class, for its defaults)."""
    instance = config() if isinstance(config, type) else config
    lines = [f"[{section}]"]
    for field in dataclasses.fields(instance):
        if comments:
            lines.extend(_comment(field.metadata))
        value = getattr(instance, field.name)
        if value is None:  # TOML has no null: leave the key out, so the default applies
            lines.append(f"# {field.name} =   (not set)")
        else:
            lines.append(f"{field.name} = {toml_value(value)}")
        if comments:
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def render_config(sections: list[tuple[str, Any]] | None = None) -> str:
    """The whole commented feedcare.toml."""
    sections = sections if sections is not None else section_classes()
    return HEADER + "".join("\n" + render_section(name, cls) for name, cls in sections)


def init_config(path: Path, force: bool = False) -> Path:
    """Write the commented feedcare.toml to ``path`` (a file, or a directory to put it in)."""
    from feedcare.corpus.base.atomic import write_text
    from feedcare.corpus.base.errors import UsageError
    from feedcare.corpus.base.settings import CONFIG_NAME

    path = Path(path)
    if path.is_dir():
        path = path / CONFIG_NAME
    if path.exists() and not force:
        raise UsageError(f"{path}: already exists; pass --force to overwrite it")
    if not path.parent.is_dir():
        raise UsageError(f"{path.parent}: no such directory; create it first or choose another PATH")
    write_text(path, render_config())
    return path


def register(app: typer.Typer) -> None:
    """Add ``feedcare init``."""

    @app.command(
        "init",
        epilog="Example: [bold]feedcare init[/] then edit feedcare.toml and run [bold]feedcare tokens[/].",
    )
    def init(
        path: Annotated[
            Path, typer.Argument(help="File to write, or a directory for feedcare.toml.", show_default=True)
        ] = Path("feedcare.toml"),
        force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
    ) -> None:
        """Write a commented feedcare.toml with every setting at its documented default."""
        written = init_config(path, force=force)
        message(f"Wrote {written}")
