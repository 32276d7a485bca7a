"""`feedcare themes`: theme-to-excerpt tables, prevalence by group, and exports."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from feedcare.cli.options import DEFAULT_CORPUS, ConfigOpt, CorpusOpt, JsonOpt
from feedcare.cli.output import message, out, progress_bar


class Format(StrEnum):
    table = "table"
    csv = "csv"
    md = "md"
    json = "json"
    html = "html"
    qdpx = "qdpx"


class Sort(StrEnum):
    prevalence = "prevalence"
    coherence = "coherence"
    id = "id"


SUFFIXES = {".csv": "csv", ".md": "md", ".json": "json", ".html": "html", ".htm": "html", ".qdpx": "qdpx"}
FILE_ONLY = ("html", "qdpx")

EPILOG = (
    "[bold]Examples[/]\n\n"
    "  feedcare themes latest --labels themes.toml\n\n"
    "  feedcare themes latest --by age_band\n\n"
    "  feedcare themes latest --out report.html      [dim]# format from the suffix[/]\n\n"
    "  feedcare themes latest --format qdpx --out project.qdpx\n\n"
    "  feedcare themes latest --codebook --out codes.qdc"
)


def themes(
    ctx: typer.Context,
    run: Annotated[
        str, typer.Argument(help="Run id, [bold]latest[/], or a run directory path.", show_default=True)
    ] = "latest",
    corpus: CorpusOpt = DEFAULT_CORPUS,
    config: ConfigOpt = None,
    model: Annotated[
        str | None,
        typer.Option("--model", help="Model as K/SEED (e.g. 8/42); default: the run's chosen model."),
    ] = None,
    excerpts: Annotated[
        int | None,
        typer.Option("--excerpts", min=0, help="Excerpts per topic [default: 5].", show_default=False),
    ] = None,
    labels: Annotated[
        Path | None,
        typer.Option("--labels", help="Theme labels file (themes.toml) naming this run's topics."),
    ] = None,
    topic: Annotated[int | None, typer.Option("--topic", min=0, help="Show only this topic.")] = None,
    min_weight: Annotated[
        float | None,
        typer.Option(
            "--min-weight", min=0.0, max=1.0, help="Smallest topic weight for an excerpt [default: 0]."
        ),
    ] = None,
    sort: Annotated[
        Sort | None, typer.Option("--sort", help="Order of topics [default: prevalence].", show_default=False)
    ] = None,
    per_participant: Annotated[
        int | None,
        typer.Option(
            "--per-participant",
            min=1,
            help="Excerpts per participant per topic before repeating [default: 1].",
        ),
    ] = None,
    by: Annotated[
        str | None,
        typer.Option("--by", help="Document attribute for a topic × group prevalence table."),
    ] = None,
    fmt: Annotated[
        Format | None,
        typer.Option(
            "--format", help="Output format [default: table, or from the --out suffix].", show_default=False
        ),
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write to this file (needed for html and qdpx).")
    ] = None,
    codebook: Annotated[
        bool, typer.Option("--codebook", help="Write only a REFI-QDA codebook (.qdc) to --out.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Show each topic as a theme: label, top terms, prevalence, spread and representative excerpts.

    Reads a finished run of [bold]feedcare topics[/]; exports CSV, Markdown, JSON, a self-contained
    HTML report, or a REFI-QDA project (.qdpx) for NVivo, ATLAS.ti, MAXQDA and QualCoder.
    """
    from feedcare.corpus.base.errors import UsageError
    from feedcare.topics.themes.build import build_themes
    from feedcare.topics.themes.config import load_themes_config

    chosen = _choose_format(fmt, output, as_json, codebook)
    config = load_themes_config(
        config,
        {
            "excerpts": excerpts,
            "min_weight": min_weight,
            "per_participant": per_participant,
            "sort": sort.value if sort else None,
        },
    )
    corpus_dir = _corpus_for(ctx, run, corpus)
    if output is not None and output.is_dir():
        raise UsageError(f"--out {output}: is a directory; give a file name")
    with progress_bar() as callback:
        result = build_themes(
            corpus_dir, run, model=model, config=config, labels=labels, topic=topic, by=by, progress=callback
        )
    _emit(result, chosen, output)


def _choose_format(fmt: Format | None, output: Path | None, as_json: bool, codebook: bool) -> str:
    from feedcare.corpus.base.errors import UsageError

    if as_json:
        if fmt not in (None, Format.json):
            raise UsageError(f"--json conflicts with --format {fmt.value}; use one of them")
        fmt = Format.json
    if codebook:
        if output is None:
            raise UsageError("--codebook writes a file; add --out codes.qdc")
        if fmt not in (None, Format.qdpx):
            raise UsageError(f"--codebook writes a REFI-QDA codebook; drop --format {fmt.value}")
        return "qdc"
    if fmt is None:
        if output is None:
            return "table"
        suffix = output.suffix.lower()
        if suffix not in SUFFIXES:
            raise UsageError(
                f"--out {output}: cannot tell the format from '{suffix or 'no suffix'}'; add --format "
                "csv, md, json, html or qdpx"
            )
        return SUFFIXES[suffix]
    if fmt.value in FILE_ONLY and output is None:
        raise UsageError(f"--format {fmt.value} writes a file; add --out FILE.{fmt.value}")
    if fmt is Format.table and output is not None:
        raise UsageError(
            "--format table prints to the terminal; for --out choose csv, md, json, html or qdpx"
        )
    return fmt.value


def _corpus_for(ctx: typer.Context, run: str, corpus: Path) -> Path:
    """A run given as a directory inside ``<corpus>/runs/`` implies its corpus."""
    run_dir = Path(run)
    source = ctx.get_parameter_source("corpus")
    explicit = source is not None and source.name != "DEFAULT"
    if not explicit and (run_dir / "run.json").is_file() and run_dir.resolve().parent.name == "runs":
        return run_dir.resolve().parent.parent
    return corpus


def _emit(result, chosen: str, output: Path | None) -> None:
    from feedcare.corpus.base.atomic import write_text
    from feedcare.topics.exports import qdpx
    from feedcare.topics.exports import tabular as tables

    if chosen == "table":
        render(out(), result)
        return
    if chosen == "qdc":
        qdpx.write_codebook(result, output)
        message(f"Wrote {output}: a REFI-QDA codebook with {len(result.themes)} codes")
        return
    if chosen == "qdpx":
        with progress_bar() as callback:
            n = qdpx.write_qdpx(result, output, callback)
        message(f"Wrote {output}: {len(result.themes)} codes, {n} coded excerpts")
        return
    if chosen == "html":
        from feedcare.topics.exports.html import to_html

        text = to_html(result)
    else:
        text = {"csv": tables.to_csv, "md": tables.to_markdown, "json": tables.to_json}[chosen](result)
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    write_text(output, text)
    message(f"Wrote {output} ({chosen}, {len(result.themes)} topics)")


# --- the terminal view ----------------------------------------------------------------------------


def render(console, result) -> None:
    """Per topic a panel (or, with --by, the group table) on the data console."""
    from feedcare.topics.exports.tabular import percent
    from rich.console import Group
    from rich.panel import Panel
    from rich.text import Text

    chosen = " (chosen)" if result.model == result.chosen_model else ""
    console.print(
        Text(
            f"Run {result.run_id} · model {result.model}{chosen} · {result.n_topics} topics · "
            f"{result.n_units} units · {result.n_participants} participants",
            style="bold",
        )
    )
    for note in result.notes:
        console.print(Text(f"Note: {note}", style="dim"))
    if result.groups is not None:
        console.print(_group_table(result))
        return
    for theme in result.themes:
        p = theme.prevalence
        parts = []
        if theme.memo:
            parts.append(Text(theme.memo, style="italic"))
        terms = Text("Terms: ", style="bold")
        for i, term in enumerate(theme.terms):
            terms.append(("  " if i else "") + term.term, style="cyan")
            terms.append(f" {term.weight:.3f}", style="dim")
        parts.append(terms)
        coherence = "–" if theme.coherence is None else f"{theme.coherence:.3f}"
        parts.append(
            Text.assemble(
                ("Prevalence: ", "bold"),
                f"{percent(p.unit_share)} of units ({p.n_units}), ",
                f"{percent(p.word_share)} of words   ",
                ("Spread: ", "bold"),
                f"{p.spread} participants   ",
                ("Coherence: ", "bold"),
                f"{coherence} ({result.config.coherence})",
            )
        )
        for excerpt in theme.excerpts:
            parts.append(Text(""))
            parts.append(_excerpt_text(excerpt))
        if not theme.excerpts:
            parts.append(Text("No excerpts (check --min-weight).", style="dim"))
        title = f"[bold]Topic {theme.topic}[/]: {_escape(theme.name)}"
        console.print(Panel(Group(*parts), title=title, title_align="left", expand=True))


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)


def _excerpt_text(excerpt):
    from feedcare.topics.exports.tabular import place
    from rich.text import Text

    # Text objects, not markup: a transcript containing "[bold]" stays literal.
    body = Text("“" + ("… " if excerpt.trimmed_before else ""))
    offset = len(body)
    body.append(excerpt.text)
    for start, end in excerpt.highlights:
        body.stylize("bold yellow", offset + start, offset + end)
    body.append((" …" if excerpt.trimmed_after else "") + "”")
    speaker = f"{excerpt.speaker}: " if excerpt.speaker not in (None, excerpt.participant_id) else ""
    body.append(f"\n   — {speaker}{place(excerpt)} · weight {excerpt.weight:.2f}", style="dim")
    return body


def _group_table(result):
    from feedcare.topics.exports.tabular import percent
    from rich.table import Table

    groups = result.groups
    table = Table(
        title=f"Mean topic share by {groups.attribute}",
        caption=(
            "units the topic dominates / their participants; † fewer than "
            f"{groups.min_participants} participants: too few to read anything into"
        ),
    )
    table.add_column("Topic")
    for g in groups.groups:
        table.add_column(f"{g.group}\n{g.n_units} units, {g.n_participants} part.", justify="right")
    for theme in result.themes:
        cells = []
        for g in groups.groups:
            c = groups.cell(theme.topic, g.group)
            text = f"{percent(c.mean_share)}\n{c.n_units} / {c.n_participants}" + (
                " †" if c.few_participants else ""
            )
            cells.append(f"[dim]{text}[/]" if c.few_participants else text)
        table.add_row(f"{theme.topic}: {_escape(theme.name)}", *cells)
    return table


def register(app: typer.Typer) -> None:
    """Add this module's commands to the app."""
    app.command("themes", epilog=EPILOG)(themes)
