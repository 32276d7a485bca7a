"""Exports: the registry of formats ``feedcare themes`` writes a :class:`ThemesResult` in.

One row per format: its name (``--format NAME``), the module and function that write it, the
``--out`` suffixes that select it, whether it can only go to a file, whether its function writes
the file itself, and a one-line description. The CLI's ``--format`` choices, its help, the
suffix → format inference and the dispatch all read this table, so a new export is one module
plus one line here (see docs/extending.md). Importing this package loads no export module.

An export function has one of two shapes:

- text (``binary=False``): ``f(result) -> str``. The CLI prints it on stdout, or writes it to
  ``--out`` atomically as UTF-8; the same function serves Python users directly.
- binary (``binary=True``): ``f(result, path, progress) -> int | None`` writes ``path`` itself,
  atomically (see :func:`feedcare.corpus.base.atomic.atomic_path`), reporting through
  ``progress`` (may be None). Used for archives too big to build in memory (``.qdpx``).
  A binary export always needs ``--out``.

The ``done`` template is the status line after a file is written; it may use ``{path}``,
``{name}``, ``{topics}`` (themes written) and ``{count}`` (what a binary function returned).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class ExportSpec:
    name: str  # --format NAME
    module: str
    function: str
    suffixes: tuple[str, ...]  # lower case with the dot; the first one is the one suggested
    description: str  # one line, shown in `feedcare themes --help`
    needs_out: bool = False  # True: a file only, never stdout
    binary: bool = False  # True: f(result, path, progress) writes the file; else f(result) -> str
    listed: bool = True  # a --format choice; False: reached by its own option (--codebook)
    done: str = "Wrote {path} ({name}, {topics} topics)"

    def __post_init__(self) -> None:
        if not self.suffixes or any(not s.startswith(".") or s != s.lower() for s in self.suffixes):
            raise ValueError(f"export {self.name!r}: suffixes must be lower case and start with '.'")
        if self.binary and not self.needs_out:
            raise ValueError(f"export {self.name!r}: a binary export writes a file; set needs_out=True")

    def load(self) -> Callable:
        return getattr(importlib.import_module(self.module), self.function)


EXPORTS: dict[str, ExportSpec] = {}


def register_export(spec: ExportSpec) -> ExportSpec:
    """Add (or replace) the export ``spec.name``; --format, its help and the suffixes follow."""
    EXPORTS[spec.name] = spec
    return spec


def listed_exports() -> tuple[ExportSpec, ...]:
    """The exports ``--format`` offers, in registration order."""
    return tuple(spec for spec in EXPORTS.values() if spec.listed)


def export_for_suffix(suffix: str) -> ExportSpec | None:
    """The listed export an ``--out`` suffix (".csv", case-insensitive) selects, if any."""
    suffix = suffix.lower()
    return next((spec for spec in listed_exports() if suffix in spec.suffixes), None)


def get_export(name: str) -> ExportSpec:
    if name not in EXPORTS:
        raise ValueError(f"export must be one of {', '.join(EXPORTS)}, got {name!r}")
    return EXPORTS[name]


_P = "feedcare.topics.exports."
for _spec in (
    ExportSpec("csv", _P + "csv", "to_csv", (".csv",), "tidy table: topic × excerpt rows (× group, --by)"),
    ExportSpec("md", _P + "markdown", "to_markdown", (".md",), "Markdown section for a paper's appendix"),
    ExportSpec("json", _P + "json", "to_json", (".json",), "everything as tidy lists of rows (as --json)"),
    ExportSpec("html", _P + "html", "to_html", (".html", ".htm"), "self-contained offline HTML report",
               needs_out=True),
    ExportSpec("qdpx", _P + "qdpx", "write_qdpx", (".qdpx",),
               "REFI-QDA project for NVivo, ATLAS.ti, MAXQDA, QualCoder", needs_out=True, binary=True,
               done="Wrote {path}: {topics} codes, {count} coded excerpts"),
    ExportSpec("qdc", _P + "qdpx", "codebook_xml", (".qdc",), "REFI-QDA codebook (--codebook)",
               needs_out=True, listed=False, done="Wrote {path}: a REFI-QDA codebook with {topics} codes"),
    ExportSpec("codebook-csv", _P + "csv", "codebook_csv", (".csv",),
               "code list (name, tag, description) for Taguette, QualCoder (--codebook)",
               needs_out=True, listed=False, done="Wrote {path}: a code list with {topics} codes"),
):
    register_export(_spec)
