"""`feedcare runs list` and `feedcare runs show RUN`: past topic-model runs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from feedcare.cli.options import DEFAULT_CORPUS, CorpusOpt, JsonOpt
from feedcare.cli.output import message, show
from feedcare.cli.run_report import render_report
from rich.table import Table

if TYPE_CHECKING:
    from feedcare.topics.runs.rundir import Run
    from feedcare.topics.runs.runjson import RunInfo
    from rich.console import Console

LIST_EPILOG = (
    "[bold]Examples[/]\n\n"
    "  feedcare runs list\n\n"
    "  feedcare runs list --corpus fft --json\n\n"
    "[bold]Exit codes[/]: 0 ok, 4 no corpus at --corpus."
)
SHOW_EPILOG = (
    "[bold]Examples[/]\n\n"
    "  feedcare runs show latest\n\n"
    "  feedcare runs show 20250101-120000-a1b2c3 --json\n\n"
    "  feedcare runs show corpus/runs/pilot\n\n"
    "[bold]Exit codes[/]: 0 ok, 2 no such run, 4 damaged run.json."
)

runs_app = typer.Typer(
    help="List and show topic-model runs (written by [bold]feedcare topics[/]).",
    rich_markup_mode="rich",
    no_args_is_help=True,
    add_completion=False,
)


@runs_app.command("list", epilog=LIST_EPILOG)
def list_command(corpus: CorpusOpt = DEFAULT_CORPUS, as_json: JsonOpt = False) -> None:
    """Every run under <corpus>/runs, oldest first, with its status and chosen model."""
    from feedcare.corpus import open_corpus
    from feedcare.topics import list_run_summaries

    open_corpus(corpus)  # a clear error when --corpus is wrong
    runs = list_run_summaries(corpus)
    show(runs, lambda console, data: _render_list(console, data, corpus), as_json=as_json)


def _render_list(console, runs, corpus) -> None:
    if not runs:
        message(f"No runs in {corpus}/runs yet; create one with `feedcare topics`.")
        return
    table = Table(title=f"Runs in {corpus}/runs", title_justify="left")
    for name in ("run", "created", "status", "engine", "k", "seeds", "chosen", "units"):
        table.add_column(name, justify="right" if name == "units" else "left")
    for r in runs:
        table.add_row(
            r.run_id, r.created, r.status, r.engine, _ks(r.ks), _ks(r.seeds), r.chosen_model or "–",
            f"{r.n_units:,}" if r.n_units is not None else "–",
            style=None if r.status == "complete" else "yellow",
        )
    console.print(table)


@runs_app.command("show", epilog=SHOW_EPILOG)
def show_command(
    run: Annotated[str, typer.Argument(help="Run id, 'latest', or a run directory path.")],
    corpus: CorpusOpt = DEFAULT_CORPUS,
    as_json: JsonOpt = False,
) -> None:
    """One run: its configuration, measures by k, the recommended model and its topics."""
    from feedcare.topics import show_run

    shown = show_run(corpus, run)
    show(shown, _render_run, as_json=as_json)  # --json: run.json's content and the run's path


def _render_run(console: Console, run: Run) -> None:
    from feedcare.topics.fit.pipeline import RunReport

    info = run.info
    _print_config(console, info)
    if not info.is_complete:
        if run.early is None:
            message(
                f"Run {info.run_id} is unfinished and no fit has finished yet; resume it with "
                f"`feedcare topics --run-id {info.run_id}` and the same settings."
            )
            return
        message(f"[yellow]Early results[/]: {run.early.note(run)}.")
        render_report(console, _early_report(run))
        return
    render_report(console, RunReport.from_run(run.path, info).to_dict())


def _early_report(run: Run) -> dict:
    """What render_report shows, from the finished fits of an unfinished run."""
    early, info = run.early, run.info
    topics = next((f["top_terms"] for f in early.fits if f["model"] == early.chosen_model), [])
    return {
        "run_id": info.run_id, "path": str(run.path), "engine": info.engine.to_dict(),
        "n_units": info.n_units, "by_k": [s.to_dict() for s in early.by_k],
        "fits": early.fits, "chosen_model": early.chosen_model,
        "chosen_k": next(f["k"] for f in early.fits if f["model"] == early.chosen_model),
        "chosen_reason": early.chosen_reason, "chosen_topics": topics,
    }


def _print_config(console: Console, info: RunInfo) -> None:
    table = Table(title=f"Run {info.run_id}", title_justify="left", show_header=False)
    table.add_column("key", style="bold")
    table.add_column("value")
    engine, timings = info.engine, info.timings
    rows = [
        ("status", info.status),
        ("created", info.created),
        ("engine", f"{engine.name} " + ", ".join(f"{k} {v}" for k, v in engine.packages.items())),
        ("settings", ", ".join(f"{k}={v}" for k, v in engine.settings.items() if k != "guidance")),
        *([("codebook", _codebook(info))] if info.codebook else []),
        ("k", _ks(info.ks)),
        ("seeds", _ks(info.seeds)),
        ("units × terms", f"{info.n_units:,} × {info.n_terms:,}"),
        ("tokens", info.tokens_fingerprint),
        ("timings", f"fits_seconds {timings.fits_seconds}, total_seconds {timings.total_seconds}, "
                    f"fit_seconds_sum {timings.fit_seconds_sum}" if timings else ""),
    ]
    for key, value in rows:
        table.add_row(key, value)
    console.print(table)


def _codebook(info: RunInfo) -> str:
    """A guided run's codebook in one cell: file, hash, boost, and each guided code's seeds."""
    from feedcare.corpus.base.printable import printable
    from rich.markup import escape

    book = info.codebook
    codes = "; ".join(f"{c.topic}: {c.name} ({', '.join(c.seeds or [])}"
                      + (f"; expanded: {', '.join(c.expanded)}" if c.expanded else "") + ")"
                      for c in book.guided)
    unreached = ", ".join(c.name for c in book.unreached)
    level = f", guided at level {book.level}" if book.level else ""
    text = (f"{book.path} (sha256 {book.sha256[:12]}…), boost {book.boost:g}, {book.free} free topics"
            f"{level}; "
            f"{codes}" + (f"; no seed in the vocabulary: {unreached}" if unreached else ""))
    return escape(printable(text, one_line=True))


def _ks(values: list[int]) -> str:
    steps = {b - a for a, b in zip(values, values[1:], strict=False)}
    if len(values) > 2 and len(steps) == 1:
        step = steps.pop()
        return f"{values[0]}–{values[-1]}" + (f" step {step}" if step != 1 else "")
    return ", ".join(str(v) for v in values)


def register(app: typer.Typer) -> None:
    """Add the `runs` command group to the app."""
    app.add_typer(runs_app, name="runs")
