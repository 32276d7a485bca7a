"""`feedcare kwic`: keyword in context, aligned, with counts per group and CSV export."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from feedcare.cli.options import DEFAULT_CORPUS, ConfigOpt, CorpusOpt, JsonOpt
from feedcare.cli.output import message, progress_bar, show

EPILOG = (
    "[bold]Examples[/]\n\n"
    "  feedcare kwic pain\n\n"
    "  feedcare kwic \"chest pain\" --role all --window 5   [dim]# interviewer turns too[/]\n\n"
    "  feedcare kwic feel --lemma --by age_band\n\n"
    "  feedcare kwic \"breath\\w*\" --regex --limit 20 --csv breath.csv"
)
CONTEXT_CHARS = 70
CSV_COLUMNS = ("doc_id", "seg", "participant_id", "speaker", "role", "left", "match", "right",
               "char_start", "char_end")


def kwic_command(
    term: Annotated[str, typer.Argument(help="A word, a phrase, or (with --regex) a pattern.")],
    corpus: CorpusOpt = DEFAULT_CORPUS,
    regex: Annotated[bool, typer.Option("--regex", help="TERM is a Python regular expression.")] = False,
    lemma: Annotated[
        bool, typer.Option("--lemma", help="Match lemmas as [bold]feedcare tokens[/] does (feels → feel).")
    ] = False,
    window: Annotated[int, typer.Option("--window", "-w", help="Words of context either side.")] = 8,
    role: Annotated[
        list[str] | None,
        typer.Option(
            "--role",
            help="Search turns of this role (interviewer, participant, other; repeatable), or 'all'. "
            "Default: the roles [tokens] models (participant).",
            show_default=False,
        ),
    ] = None,
    by: Annotated[
        str | None,
        typer.Option("--by", help="Count matches per document attribute (or participant_id, or the turn's "
                     "role or speaker; doc:NAME for a document attribute named role or speaker)."),
    ] = None,
    limit: Annotated[
        int | None, typer.Option("--limit", "-n", help="Show at most N matches (counts still cover all).")
    ] = None,
    csv_file: Annotated[
        Path | None, typer.Option("--csv", help="Also write the shown matches to this CSV file.")
    ] = None,
    config: ConfigOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Show every occurrence of a word, phrase or pattern with its context, role, participant, document.

    Matching is whole-word and case-insensitive. Only the turns the topic model sees are searched
    (participant turns, or [tokens] roles); --role all searches every turn.
    """
    from feedcare.corpus.base.errors import UsageError
    from feedcare.corpus.kwic import kwic

    if csv_file is not None and csv_file.is_dir():
        raise UsageError(f"--csv {csv_file}: is a folder; give a file name such as matches.csv")
    if not role:
        from feedcare.corpus.tokens.config import load_tokens_config

        role = list(load_tokens_config(config).roles)
    with progress_bar(not as_json) as callback:
        result = kwic(
            corpus, term, regex=regex, lemma=lemma, window=window, roles=role, by=by,
            limit=limit, progress=callback,
        )
    if csv_file is not None:
        _write_csv(csv_file, result)
    show(result, lambda console, data: _render_all(console, data, term, csv_file), as_json=as_json)


def _render_all(console, result, term: str, csv_file: Path | None) -> None:
    """Matches and counts on stdout; the totals (and the CSV written) on stderr."""
    if result.hits:
        render(console, result)
    if result.counts is not None:
        render_counts(console, result)
    shown = f" (showing {len(result.hits)})" if result.truncated else ""
    where = f" in {' and '.join(result.roles)} turns" if result.roles is not None else ""
    found = f"{result.total} matches" if result.total else "No matches"
    found += f" for {term!r}{where}{shown}"
    if result.hidden:
        others = ", ".join(f"{n} in {r} turns" for r, n in result.hidden.items())
        found += f" ({others}: --role all)"
    message(found + ".")
    if result.shadowed:
        message(f"Counted by each turn's {result.shadowed}; for the document attribute "
                f"{result.shadowed!r}, use --by doc:{result.shadowed}.")
    if csv_file is not None:
        message(f"Wrote {len(result.hits)} matches to {csv_file}")


def render(console, result) -> None:
    from feedcare.corpus.base.printable import printable
    from rich.table import Table
    from rich.text import Text

    table = Table(box=None, pad_edge=False, show_header=True)
    table.add_column("document", no_wrap=True)
    table.add_column("participant", no_wrap=True)
    table.add_column("role", no_wrap=True)
    table.add_column("left", justify="right", no_wrap=True)
    table.add_column("match", no_wrap=True, style="bold")
    table.add_column("right", no_wrap=True)
    for hit in result.hits:
        left, right = printable(hit.left, one_line=True), printable(hit.right, one_line=True)
        left = left if len(left) <= CONTEXT_CHARS else "…" + left[-CONTEXT_CHARS:]
        right = right if len(right) <= CONTEXT_CHARS else right[:CONTEXT_CHARS] + "…"
        cells = (hit.doc_id, hit.participant_id or "", hit.role, left, hit.match, right)
        table.add_row(*(Text(printable(cell, one_line=True)) for cell in cells))
    console.print(table)


def render_counts(console, result) -> None:
    from feedcare.corpus.base.printable import printable
    from rich.table import Table
    from rich.text import Text

    table = Table(title=f"Matches by {result.by}", title_justify="left")
    table.add_column(result.by)
    table.add_column("matches", justify="right")
    for value, count in result.counts.items():
        table.add_row(Text(printable(str(value), one_line=True)), str(count))
    console.print(table)


def _write_csv(path: Path, result) -> None:
    import csv
    import io

    from feedcare.corpus.base.atomic import write_text
    from feedcare.corpus.base.printable import printable

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for hit in result.hits:
        values = (getattr(hit, column) for column in CSV_COLUMNS)
        writer.writerow([printable(v) if isinstance(v, str) else v for v in values])
    write_text(path, buffer.getvalue())


def register(app: typer.Typer) -> None:
    """Add this module's commands to the app."""
    app.command("kwic", epilog=EPILOG)(kwic_command)
