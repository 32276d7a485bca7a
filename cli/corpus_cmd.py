"""`feedcare corpus info`: what a corpus holds."""

from __future__ import annotations

from typing import Annotated

import typer
from feedcare.cli.options import DEFAULT_CORPUS, CorpusOpt, JsonOpt
from feedcare.cli.output import show
from feedcare.corpus.base.printable import printable

INFO_EPILOG = (
    "[bold]Examples[/]\n\n"
    "  feedcare corpus info                      [dim]# the corpus in ./corpus[/]\n\n"
    "  feedcare corpus info --corpus fft --json  [dim]# machine-readable, every participant[/]\n\n"
    "[bold]Exit codes[/]: 0 ok, 4 no corpus (or a damaged one) at --corpus."
)

corpus_app = typer.Typer(
    help="Inspect a corpus.", rich_markup_mode="rich", no_args_is_help=True, add_completion=False
)


@corpus_app.command("info", epilog=INFO_EPILOG)
def info(
    corpus: CorpusOpt = DEFAULT_CORPUS,
    as_json: JsonOpt = False,
    limit: Annotated[
        int,
        typer.Option("--limit", min=0, help="Participants to list in the table (0: all; --json lists all)."),
    ] = 25,
) -> None:
    """Counts, per-participant words and turns, speakers and roles, languages, attributes, formats."""
    from feedcare.corpus import corpus_info

    summary = corpus_info(corpus)
    show(summary, lambda console, data: render(console, data, limit), as_json=as_json)


def render(console, summary, limit: int) -> None:
    from rich.table import Table
    from rich.text import Text

    overview = Table(title=f"Corpus {summary.path}", title_justify="left", show_header=False)
    overview.add_column("", style="bold")
    overview.add_column("", overflow="fold")
    for name, value in (
        ("documents", f"{summary.documents:,}"),
        ("turns", f"{summary.turns:,}"),
        ("words", f"{summary.words:,}"),
        ("participants", f"{summary.participants:,}"),
        ("source files", f"{summary.sources:,}"),
        ("formats", _counts(summary.formats)),
        ("encodings", _counts(summary.encodings)),
        ("roles (turns)", _counts(summary.roles)),
        ("languages (documents)", _counts(summary.languages)),
        ("updated", summary.updated or "-"),
    ):
        overview.add_row(name, Text(printable(value, one_line=True)))
    console.print(overview)
    if summary.other_languages:
        from feedcare.corpus.ingest.report import other_languages_warning

        warning = other_languages_warning(summary.other_languages, summary.other_language_examples)
        console.print(Text(f"{warning}; feedcare tokens leaves them out unless [tokens] languages "
                           "lists them."))

    speakers = Table(title="Speakers and roles", title_justify="left")
    for column in ("speaker", "role", "turns", "words", "documents"):
        speakers.add_column(column, justify="right" if column in ("turns", "words", "documents") else "left")
    for s in summary.speakers:
        label = Text(printable(s.speaker, one_line=True)) if s.speaker is not None else Text(
            "(no label)", style="dim")
        speakers.add_row(label, s.role, f"{s.turns:,}", f"{s.words:,}", f"{s.documents:,}")
    console.print(speakers)

    people = Table(title="Participants", title_justify="left")
    for column in ("participant", "documents", "own turns", "own words", "all words"):
        people.add_column(column, justify="left" if column == "participant" else "right")
    shown = summary.per_participant if limit == 0 else summary.per_participant[:limit]
    for p in shown:
        name = Text(printable(p.participant_id, one_line=True)) if p.participant_id is not None else Text(
            "(none)", style="dim")
        people.add_row(name, f"{p.documents:,}", f"{p.turns:,}", f"{p.words:,}", f"{p.all_words:,}")
    if len(shown) < len(summary.per_participant):
        people.caption = f"{len(summary.per_participant) - len(shown):,} more: --limit 0 or --json lists all"
    console.print(people)

    if summary.attributes:
        attributes = Table(title="Attribute columns", title_justify="left")
        for column in ("column", "documents with a value", "distinct values"):
            attributes.add_column(column, justify="left" if column == "column" else "right")
        for a in summary.attributes:
            attributes.add_row(Text(printable(a.name, one_line=True)), f"{a.filled:,}", f"{a.distinct:,}")
        console.print(attributes)


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{name} {n:,}" for name, n in counts.items()) or "-"


def register(app: typer.Typer) -> None:
    """Add the `corpus` command group to the app."""
    app.add_typer(corpus_app, name="corpus")
