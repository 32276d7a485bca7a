"""`feedcare themes`: theme-to-excerpt tables, prevalence by group, and exports."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from feedcare.cli.options import DEFAULT_CORPUS, ConfigOpt, CorpusOpt, JsonOpt
from feedcare.cli.output import message, out, progress_bar
from feedcare.cli.registry_help import registry_help, spoken_list


class Sort(StrEnum):
    prevalence = "prevalence"
    coherence = "coherence"
    id = "id"


class QdpxCoding(StrEnum):
    units = "units"
    excerpts = "excerpts"


# The rich view on the terminal: the default, and not an export (it is not a file format).
TERMINAL = "table"

EPILOG = (
    "[bold]Examples[/]\n\n"
    "  feedcare themes latest --labels themes.toml\n\n"
    "  feedcare themes latest --by age_band\n\n"
    "  feedcare themes latest --out report.html      [dim]# format from the suffix[/]\n\n"
    "  feedcare themes latest --format qdpx --out project.qdpx\n\n"
    "  feedcare themes latest --codebook --out codes.qdc\n\n"
    "  feedcare themes latest --codebook --out codes.csv   [dim]# a code list for Taguette[/]\n\n"
    "[bold]Formats[/] (--format, or from the --out suffix)\n\n"
    "{formats}"
)


def _check_format(value: str | None) -> str | None:
    """--format must name the terminal view or a listed export (read when the command runs)."""
    if value is None:
        return None
    from feedcare.topics.exports import listed_exports

    names = [TERMINAL, *(spec.name for spec in listed_exports())]
    if value not in names:
        raise typer.BadParameter(f"{value!r} is not one of {', '.join(map(repr, names))}.")
    return value


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
        typer.Option("--excerpts", min=0, help="Excerpts per topic (default: 5).", show_default=False),
    ] = None,
    labels: Annotated[
        Path | None,
        typer.Option("--labels", help="Theme labels file (themes.toml) naming this run's topics."),
    ] = None,
    topic: Annotated[int | None, typer.Option("--topic", min=0, help="Show only this topic.")] = None,
    min_weight: Annotated[
        float | None,
        typer.Option(
            "--min-weight", min=0.0, max=1.0, help="Smallest topic weight for an excerpt (default: 0)."
        ),
    ] = None,
    sort: Annotated[
        Sort | None, typer.Option("--sort", help="Order of topics (default: prevalence).", show_default=False)
    ] = None,
    per_participant: Annotated[
        int | None,
        typer.Option(
            "--per-participant",
            min=1,
            help="Excerpts per participant per topic before repeating (default: 1).",
        ),
    ] = None,
    by: Annotated[
        str | None,
        typer.Option("--by", help="Document attribute for a topic × group table (mean weight, prevalence)."),
    ] = None,
    excerpts_per_group: Annotated[
        int | None,
        typer.Option(
            "--excerpts-per-group",
            min=0,
            max=20,
            help="With --by: excerpts per topic for each group (default: 0).",
            show_default=False,
        ),
    ] = None,
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format",
            metavar="{format_choices}",
            callback=_check_format,
            help="Output format (default: table, or from the --out suffix).",
            show_default=False,
        ),
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write to this file (needed for {file_formats}).")
    ] = None,
    codebook: Annotated[
        bool,
        typer.Option(
            "--codebook", help="Write only the codebook to --out: REFI-QDA (.qdc) or a code list (.csv)."
        ),
    ] = False,
    force: Annotated[
        bool,
        typer.Option("--force", help="Apply a labels file written for another run (or naming none) anyway."),
    ] = False,
    qdpx_coding: Annotated[
        QdpxCoding | None,
        typer.Option(
            "--qdpx-coding",
            help="What a .qdpx codes: every unit with its theme(s), excerpts as 'exemplar' codes "
            "(units, the default), or only the excerpts.",
            show_default=False,
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Show each topic as a theme: label, top terms, prevalence, spread and representative excerpts.

    Reads a run of [bold]feedcare topics[/] (a running or interrupted one: its finished fits, with a
    note); exports CSV, Markdown, JSON, a self-contained
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
            "excerpts_per_group": excerpts_per_group,
            "qdpx_coding": qdpx_coding.value if qdpx_coding else None,
        },
    )
    corpus_dir = _corpus_for(ctx, run, corpus)
    if output is not None and output.is_dir():
        raise UsageError(f"--out {output}: is a directory; give a file name")
    with progress_bar() as callback:
        result = build_themes(
            corpus_dir,
            run,
            model=model,
            config=config,
            labels=labels,
            topic=topic,
            by=by,
            progress=callback,
            force=force,
        )
    _write_theme_table(result)
    if result.early is not None and chosen != "table":  # the table view shows it among its notes
        from rich.markup import escape

        message(f"[yellow]Early results[/]: {escape(result.early)}.")
    _emit(result, chosen, output)


def _write_theme_table(result) -> None:
    """Keep <run>/themes.parquet (one row per unit: its theme) for DuckDB, polars, R."""
    from feedcare.topics.themes.table import should_write, write_themes_table

    if should_write(result):
        try:
            write_themes_table(result)
        except OSError as err:  # a read-only run directory must not stop the export asked for
            message(f"[yellow]note[/]: themes.parquet not written ({err.strerror}: {err.filename})")


def _choose_format(fmt: str | None, output: Path | None, as_json: bool, codebook: bool) -> str:
    """The export name (or ``table``) from --format, --out's suffix, --json and --codebook."""
    from feedcare.corpus.base.errors import UsageError
    from feedcare.topics.exports import export_for_suffix, get_export

    if as_json:
        if fmt not in (None, "json"):
            raise UsageError(f"--json conflicts with --format {fmt}; use one of them")
        fmt = "json"
    if codebook:
        if output is None:
            raise UsageError("--codebook writes a file; add --out codes.qdc")
        if output.suffix.lower() == ".csv" and fmt in (None, "csv"):
            return "codebook-csv"  # the code list Taguette and QualCoder import
        if fmt not in (None, "qdpx"):
            raise UsageError(
                f"--codebook writes a REFI-QDA codebook (.qdc) or a code list (.csv); drop --format {fmt}"
            )
        return "qdc"
    if fmt is None:
        if output is None:
            return TERMINAL
        suffix = output.suffix.lower()
        spec = export_for_suffix(suffix)
        if spec is None:
            raise UsageError(
                f"--out {output}: cannot tell the format from '{suffix or 'no suffix'}'; add --format "
                f"{_export_names()}"
            )
        return spec.name
    if fmt == TERMINAL:
        if output is not None:
            raise UsageError(f"--format table prints to the terminal; for --out choose {_export_names()}")
        return TERMINAL
    spec = get_export(fmt)
    if spec.needs_out and output is None:
        raise UsageError(f"--format {fmt} writes a file; add --out FILE{spec.suffixes[0]}")
    claimed = export_for_suffix(output.suffix) if output is not None else None
    if claimed is not None and claimed.name != spec.name:
        # --out x.qdpx --format csv wrote CSV into a file every tool would open as a project.
        raise UsageError(
            f"--out {output}: the suffix is the {claimed.name} format's but --format {fmt} writes "
            f"{spec.name.upper()}; name the file {output.with_suffix(spec.suffixes[0])} or drop --format"
        )
    return fmt


def _export_names() -> str:
    from feedcare.topics.exports import listed_exports

    return spoken_list([spec.name for spec in listed_exports()])


def _help_values() -> dict[str, str]:
    """The --help texts that list the exports registry (see cli/registry_help.py)."""
    from feedcare.topics.exports import listed_exports

    specs = listed_exports()
    rows = [(TERMINAL, "", "the terminal view (default)")]
    rows += [(s.name, " ".join(s.suffixes), s.description) for s in specs]
    name_width = max(len(name) for name, _, _ in rows)
    suffix_width = max(len(suffixes) for _, suffixes, _ in rows)
    return {
        "format_choices": "<" + "|".join(name for name, _, _ in rows) + ">",
        "file_formats": spoken_list([s.name for s in specs if s.needs_out], "and"),
        "formats": "\n\n".join(
            f"  {name:<{name_width}}  {suffixes:<{suffix_width}}  {_escape(text)}"
            for name, suffixes, text in rows
        ),
    }


def _corpus_for(ctx: typer.Context, run: str, corpus: Path) -> Path:
    """A run given as a directory inside ``<corpus>/runs/`` implies its corpus."""
    run_dir = Path(run)
    source = ctx.get_parameter_source("corpus")
    explicit = source is not None and source.name != "DEFAULT"
    if not explicit and (run_dir / "run.json").is_file() and run_dir.resolve().parent.name == "runs":
        return run_dir.resolve().parent.parent
    return corpus


def _emit(result, chosen: str, output: Path | None) -> None:
    """Show ``result`` on the terminal, or hand it to the export ``chosen`` (stdout or --out)."""
    from feedcare.corpus.base.atomic import write_text
    from feedcare.topics.exports import get_export

    if chosen == TERMINAL:
        render(out(), result)
        return
    spec = get_export(chosen)
    count = None
    if spec.binary:
        with progress_bar() as callback:
            count = spec.load()(result, output, callback)
    else:
        text = spec.load()(result)
        if output is None:
            sys.stdout.write(text)
            sys.stdout.flush()
            return
        write_text(output, text)
    message(spec.done.format(path=output, name=spec.name, topics=len(result.themes), count=count))


# --- the terminal view ----------------------------------------------------------------------------


def render(console, result) -> None:
    """Per topic a panel (or, with --by, the group table) on the data console."""
    from feedcare.corpus.base.printable import printable
    from feedcare.topics.exports.rows import percent
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
        console.print(Text(printable(f"Note: {note}"), style="dim"))
    if result.groups is not None:
        console.print(_group_table(result))
        _print_group_excerpts(console, result)
        return
    for theme in result.themes:
        p = theme.prevalence
        parts = []
        if theme.memo:
            parts.append(Text(printable(theme.memo), style="italic"))
        terms = Text("Top terms by probability: ", style="bold")
        for i, term in enumerate(theme.terms):
            terms.append(("  " if i else "") + term.term, style="cyan")
            terms.append(f" {term.weight:.3f}", style="dim")
        parts.append(terms)
        if theme.distinctive:
            distinctive = Text(f"Distinctive terms by {result.config.distinctive.upper()}: ", style="bold")
            distinctive.append("  ".join(t.term for t in theme.distinctive), style="magenta")
            parts.append(distinctive)
        coherence = "–" if theme.coherence is None else f"{theme.coherence:.3f}"
        parts.append(
            Text.assemble(
                ("Prevalence: ", "bold"),
                f"{percent(p.unit_share)} of units ({p.n_units}), ",
                f"{percent(p.word_share)} of words   ",
                *(() if result.single_turn else (("Spread: ", "bold"), f"{p.spread} participants   ")),
                ("Coherence: ", "bold"),
                f"{coherence} ({result.config.coherence})",
            )
        )
        for excerpt in theme.excerpts:
            parts.append(Text(""))
            parts.append(_excerpt_text(excerpt))
        if not theme.excerpts:
            parts.append(Text("No excerpts (check --min-weight).", style="dim"))
        title = f"[bold]Topic {theme.topic}[/]: {_escape(printable(theme.name, one_line=True))}"
        console.print(Panel(Group(*parts), title=title, title_align="left", expand=True))


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)


def _excerpt_text(excerpt):
    from feedcare.corpus.base.printable import printable
    from feedcare.topics.exports.rows import place, question_place
    from rich.text import Text

    # Text objects, not markup: a transcript containing "[bold]" stays literal. Control
    # characters are removed piece by piece, so the highlights stay on their words.
    body = Text()
    if excerpt.question:
        # The interviewer's question is context on its own dim line, outside the quotation marks.
        body.append(printable(f"Interviewer ({question_place(excerpt)}): "), style="dim bold")
        body.append(printable(" ".join(excerpt.question.split())) + "\n", style="dim italic")
    body.append("“" + ("… " if excerpt.trimmed_before else ""))
    last = 0
    for start, end in excerpt.highlights:
        body.append(printable(excerpt.text[last:start]))
        body.append(printable(excerpt.text[start:end]), style="bold yellow")
        last = end
    body.append(printable(excerpt.text[last:]))
    body.append((" …" if excerpt.trimmed_after else "") + "”")
    speaker = f"{excerpt.speaker}: " if excerpt.speaker not in (None, excerpt.participant_id) else ""
    body.append(printable(f"\n   — {speaker}{place(excerpt)} · weight {excerpt.weight:.2f}"), style="dim")
    return body


def _print_group_excerpts(console, result) -> None:
    """With --excerpts-per-group: per topic, a few excerpts from each group."""
    from rich.console import Group
    from rich.panel import Panel
    from rich.text import Text

    if not result.group_excerpts:
        return
    for theme in result.themes:
        parts = []
        for group, by_topic in result.group_excerpts.items():
            excerpts = by_topic.get(theme.topic, ())
            parts.append(Text(f"{result.groups.attribute} = {group}", style="bold"))
            parts += [_excerpt_text(e) for e in excerpts] or [Text("No excerpts.", style="dim")]
            parts.append(Text(""))
        by = _escape(result.groups.attribute)
        title = f"[bold]Topic {theme.topic}[/]: {_escape(theme.name)} — excerpts by {by}"
        console.print(Panel(Group(*parts[:-1]), title=title, title_align="left", expand=True))


def _group_table(result):
    from feedcare.corpus.base.printable import printable
    from feedcare.topics.exports.rows import percent
    from rich.table import Table

    groups = result.groups
    # Each comment is its own participant: "1210 / 1210" would say the same number twice.
    same = all(c.n_units == c.n_participants for c in groups.cells)
    counted = "units the topic dominates" + ("" if same else " / their participants")
    table = Table(
        title=f"Mean weight by {groups.attribute}",
        caption=(
            f"mean weight of the theme over the group's units; below: {counted}; † fewer than "
            f"{groups.min_participants} participants: too few to read anything into"
        ),
    )
    table.add_column("Topic")
    for g in groups.groups:
        who = "" if same else f", {g.n_participants} part."
        table.add_column(_escape(printable(f"{g.group}\n{g.n_units} units{who}")), justify="right")
    for theme in result.themes:
        cells = []
        for g in groups.groups:
            c = groups.cell(theme.topic, g.group)
            count = f"{c.n_units}" if same else f"{c.n_units} / {c.n_participants}"
            text = f"{percent(c.mean_share)}\n{count}" + (
                " †" if c.few_participants else ""
            )
            cells.append(f"[dim]{text}[/]" if c.few_participants else text)
        table.add_row(f"{theme.topic}: {_escape(printable(theme.name, one_line=True))}", *cells)
    return table


def register(app: typer.Typer) -> None:
    """Add this module's commands to the app."""
    app.command("themes", epilog=EPILOG, cls=registry_help(_help_values))(themes)
