"""`feedcare ingest`: transcript folders and comment tables into a Parquet corpus."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from feedcare.cli.options import DEFAULT_CORPUS, ConfigOpt, CorpusOpt, JsonOpt, WaitOpt
from feedcare.cli.output import message, progress_bar, show
from feedcare.cli.registry_help import registry_help
from feedcare.corpus.base.printable import printable

EPILOG = (
    "[bold]Examples[/]\n\n"
    "  feedcare ingest transcripts/                 [dim]# {transcript_suffixes} → ./corpus[/]\n\n"
    "  feedcare ingest transcripts/ --meta participants.csv --id-pattern '^(P\\d+)'\n\n"
    "  feedcare ingest fft.csv --text-column feedback --id-column row_index --corpus fft\n\n"
    "  feedcare ingest transcripts/ --interviewer Moderator --prune  [dim]# reads changes only[/]\n\n"
    "[bold]Exit codes[/]: 0 every file ingested, 2 usage error, 3 some files or rows skipped "
    "(listed; the rest ingested), 5 the corpus is busy. See docs/ingest.md."
)


def ingest(
    sources: Annotated[
        list[Path],
        typer.Argument(
            help="Transcript files or folders (read recursively) and comment tables ({table_suffixes}).",
            show_default=False,
        ),
    ],
    corpus: CorpusOpt = DEFAULT_CORPUS,
    config: ConfigOpt = None,
    text_column: Annotated[
        str | None,
        typer.Option("--text-column", help="Tables: the column holding the comment (required for tables)."),
    ] = None,
    id_column: Annotated[
        str | None,
        typer.Option("--id-column", help="Tables: the column holding the document id (default: FILE:ROW)."),
    ] = None,
    participant_column: Annotated[
        str | None,
        typer.Option(
            "--participant-column",
            help="Tables: the column holding the participant id (default: the id column, else the doc id).",
        ),
    ] = None,
    id_pattern: Annotated[
        str | None,
        typer.Option(
            "--id-pattern",
            help="Transcripts: regex on the file name giving participant_id (first group, else the match; "
            "default: the file stem).",
        ),
    ] = None,
    interviewers: Annotated[
        list[str] | None,
        typer.Option(
            "--interviewer", help="A speaker label meaning the interviewer (repeatable).", show_default=False
        ),
    ] = None,
    participants: Annotated[
        list[str] | None,
        typer.Option(
            "--participant", help="A speaker label meaning the participant (repeatable).", show_default=False
        ),
    ] = None,
    rename: Annotated[
        list[str] | None,
        typer.Option(
            "--rename",
            help="Tables and --meta: store column OLD as attribute NEW (OLD=NEW, repeatable). Without it "
            "a column named like a built-in one (source, text, ...) is kept as NAME_1.",
            show_default=False,
        ),
    ] = None,
    meta: Annotated[
        Path | None,
        typer.Option(
            "--meta", help="Participants file (.csv .tsv .parquet) whose columns join by participant id."
        ),
    ] = None,
    meta_id_column: Annotated[
        str | None,
        typer.Option(
            "--meta-id-column", help="The participant id column of --meta (default: participant_id)."
        ),
    ] = None,
    max_file_mb: Annotated[
        float | None,
        typer.Option("--max-file-mb", min=0.001, help="Skip transcripts larger than this (default: 50)."),
    ] = None,
    prune: Annotated[
        bool | None,
        typer.Option(
            "--prune/--no-prune", help="Remove documents whose source files are gone.", show_default=False
        ),
    ] = None,
    strict: Annotated[
        bool | None,
        typer.Option(
            "--strict/--no-strict",
            help="Any unreadable file aborts the ingest; nothing is written.",
            show_default=False,
        ),
    ] = None,
    audit: Annotated[
        bool | None,
        typer.Option(
            "--audit/--no-audit",
            help="Check each document read for residual identifiers (as feedcare audit) and "
            "skip those with findings.",
            show_default=False,
        ),
    ] = None,
    allow_findings: Annotated[
        bool | None,
        typer.Option(
            "--allow-findings/--no-allow-findings",
            help="With --audit: add documents with findings anyway (they are counted).",
            show_default=False,
        ),
    ] = None,
    names: Annotated[
        Path | None,
        typer.Option("--names", help="With --audit: a file of names to flag, one per line."),
    ] = None,
    wait: WaitOpt = 0.0,
    as_json: JsonOpt = False,
) -> None:
    """Read transcripts and comment tables into a corpus (documents and speaker turns, Parquet).

    Transcripts: {transcript_suffixes} in UTF-8, UTF-16 or Windows-1252, one document per file.

    Comment tables: {table_suffixes}, one document per row; the other columns become attributes.

    Re-running reads only new and changed files; --prune also removes documents whose files are gone.

    Settings can live in \\[ingest] of feedcare.toml; options given here win (labels add up).
    """
    from feedcare.corpus import ingest as run_ingest
    from feedcare.corpus.ingest.config import load_ingest_config
    from feedcare.corpus.ingest.report import IngestAborted

    overrides = {
        "text_column": text_column,
        "id_column": id_column,
        "participant_column": participant_column,
        "rename": rename or None,
        "id_pattern": id_pattern,
        "meta": str(meta) if meta is not None else None,
        "meta_id_column": meta_id_column,
        "max_file_mb": max_file_mb,
        "prune": prune,
        "strict": strict,
        "audit": audit,
        "allow_findings": allow_findings,
        "audit_names": str(names) if names is not None else None,
        "interviewers": interviewers,  # labels add to the file's ([ingest] interviewers)
        "participants": participants,
    }
    settings = load_ingest_config(config, overrides)
    with progress_bar() as callback:
        try:
            report = run_ingest(sources, corpus, settings, wait=wait, progress=callback)
        except IngestAborted as exc:
            partial = exc.report  # nothing was written: list the skipped files next to the error
            show({**partial.to_dict(), "status": "aborted (--strict)"},
                 lambda console, _: _skipped_table(console, partial), as_json=as_json, stderr=True)
            raise
    show(report, render, as_json=as_json)
    raise typer.Exit(report.exit_code)


def render(console, report) -> None:
    """The summary table on stdout; skipped files; then one status line on stderr."""
    from rich.markup import escape
    from rich.table import Table

    table = Table(title=f"Corpus {report.corpus}", title_justify="left", show_header=False)
    table.add_column("", style="bold")
    table.add_column("", overflow="fold")
    files = (
        f"{report.files_found} found: {report.files_new} new, {report.files_changed} changed, "
        f"{report.files_unchanged} unchanged, {report.files_gone} gone"
    )
    table.add_row("source files", files)
    table.add_row(
        "documents",
        f"{report.documents:,} ({report.added:,} added, {report.changed:,} re-read, "
        f"{report.unchanged:,} unchanged, {report.removed:,} removed)",
    )
    table.add_row("turns", f"{report.turns:,}")
    table.add_row("words", f"{report.words:,}")
    table.add_row("participants", f"{report.participants:,}")
    table.add_row("speakers → roles", escape(printable(_speakers(report), one_line=True)))
    if report.languages:
        languages = ", ".join(f"{lang} {n:,}" for lang, n in report.languages.items())
        table.add_row("languages", escape(printable(languages)))
    if report.audit_findings:
        found = ", ".join(f"{kind} {n}" for kind, n in sorted(report.audit_findings.items()))
        table.add_row("audit findings", escape(found))
    if report.ignored:
        table.add_row("ignored", escape(", ".join(f"{n} {s}" for s, n in report.ignored.items())))
    if report.gone_kept:
        table.add_row("gone, kept", escape(printable(_some(report.gone_kept)) + " (use --prune to remove)"))
    if report.id_pattern_unmatched:
        table.add_row("--id-pattern",
                      escape("no match, stem used: " + printable(_some(report.id_pattern_unmatched))))
    if report.meta:
        table.add_row("metadata", escape(report.meta))
        table.add_row("  ids with no document",
                      escape(printable(_some(report.metadata_without_documents)) or "none"))
        no_metadata = printable(_some(report.documents_without_metadata))
        table.add_row("  documents with no metadata", escape(no_metadata) or "none")
    table.add_row("skipped", str(len(report.skipped)))
    console.print(table)
    _skipped_table(console, report)
    for line in report.renamed_notices():
        message(escape(line))
    if report.reread_reason:
        message(escape(f"Read every file again: {report.reread_reason}."))
    if report.up_to_date:
        message(f"Corpus {escape(report.corpus)} is up to date: nothing changed.")
    elif report.written:
        message(
            f"Wrote corpus {escape(report.corpus)}: {report.documents:,} documents, {report.turns:,} turns."
        )
    elif not report.documents:
        message("[yellow]Nothing was ingested: no file could be read.[/]")
    if report.turns and not report.roles.get("participant"):
        others = [printable(s.speaker, one_line=True) for s in report.speakers
                  if s.role == "other" and s.speaker is not None]
        named = f" ({', '.join(others[:3])}{', …' if len(others) > 3 else ''})" if others else ""
        message(escape(
            "Note: no turn has the participant role, so `feedcare tokens` would model nothing by "
            f"default. Name the speakers{named} with --participant NAME / --interviewer NAME, or in "
            "[ingest] of feedcare.toml, and ingest again."
        ))
    warning = report.language_warning()
    if warning:
        message(f"[yellow]Warning:[/] {escape(warning)}.")
    if report.skipped:
        message(f"[yellow]Skipped {len(report.skipped)} input(s); see the list above (exit code 3).[/]")


def _speakers(report, limit: int = 8) -> str:
    parts = [
        f"{s.speaker if s.speaker is not None else '(no label)'} → {s.role} ({s.turns:,})"
        for s in report.speakers[:limit]
    ]
    if len(report.speakers) > limit:
        parts.append(f"… {len(report.speakers) - limit} more (see feedcare corpus info)")
    return ", ".join(parts) or "none"


def _some(items: list[str], limit: int = 10) -> str:
    shown = ", ".join(items[:limit])
    return shown + (f" … and {len(items) - limit} more (see --json)" if len(items) > limit else "")


def _skipped_table(console, report) -> None:
    if not report.skipped:
        return
    from rich.table import Table
    from rich.text import Text

    table = Table(title="Skipped", title_justify="left")
    table.add_column("file", overflow="fold")
    table.add_column("reason", overflow="fold")
    for path, reason in report.skipped:
        table.add_row(Text(printable(path, one_line=True)), Text(printable(reason, one_line=True)))
    console.print(table)


def _help_values() -> dict[str, str]:
    """The --help texts that list the readers registry (see cli/registry_help.py)."""
    from feedcare.corpus.readers.registry import table_formats, transcript_formats

    return {
        "transcript_suffixes": " ".join("." + s for s in transcript_formats()),
        "table_suffixes": " ".join("." + s for s in table_formats()),
    }


def register(app: typer.Typer) -> None:
    """Add this module's commands to the app."""
    app.command("ingest", epilog=EPILOG, cls=registry_help(_help_values))(ingest)
