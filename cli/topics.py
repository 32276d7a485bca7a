"""`feedcare topics`: fit LDA models (one k or a sweep, several seeds) and report the measures."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from feedcare.cli.options import DEFAULT_CORPUS, ConfigOpt, CorpusOpt, JobsOpt, JsonOpt, SeedOpt
from feedcare.cli.output import message, out, print_json, progress_bar
from feedcare.corpus.base.errors import UsageError
from rich.table import Table
from rich.text import Text

EPILOG = (
    "[bold]Examples[/]\n\n"
    "  feedcare topics --k 8                 one k, 3 seeds (stability), all cores\n\n"
    "  feedcare topics --k 4:16:2 --seeds 5  sweep k = 4, 6, ..., 16\n\n"
    "  feedcare topics --k 10 --seed 7 --json\n\n"
    "  feedcare topics --run-id pilot        resume or name a run\n\n"
    "Exit codes: 0 ok, 2 bad option or configuration, 4 tokens missing or stale, 130 interrupted "
    "(finished fits are kept: resume with --run-id). Docs: docs/topics.md"
)
SPARK = "▁▂▃▄▅▆▇█"
BAR_WIDTH = 24


def topics(
    corpus: CorpusOpt = DEFAULT_CORPUS,
    config: ConfigOpt = None,
    k: Annotated[
        str | None,
        typer.Option("--k", "-k", help='Topics: 8, or a sweep "4:16" or "4:16:2" (default from config: 10).',
                     show_default=False),
    ] = None,
    seed: SeedOpt = None,
    seeds: Annotated[
        int | None,
        typer.Option("--seeds", help="Fits per k with seeds SEED, SEED+1, ... (default 3; 2+ measure "
                     "stability).", show_default=False),
    ] = None,
    jobs: JobsOpt = None,
    run_id: Annotated[
        str | None,
        typer.Option("--run-id", help="Name the run (default: time + hash); an unfinished run of that "
                     "name is resumed.", show_default=False),
    ] = None,
    engine: Annotated[
        str | None,
        typer.Option("--engine", help="gensim (default) or tomotopy (pip install feedcare[tomotopy]).",
                     show_default=False),
    ] = None,
    passes: Annotated[int | None, typer.Option("--passes", help="gensim passes over the corpus.",
                                               show_default=False)] = None,
    iterations: Annotated[
        int | None,
        typer.Option("--iterations", help="gensim E-step iterations (tomotopy: Gibbs iterations).",
                     show_default=False),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Fit reproducible LDA topic models on the corpus tokens; sweep k and seeds; measure them.

    Prints coherence (c_npmi, c_v, u_mass), topic diversity and stability across seeds for
    each k, marks the recommended model and shows its topics. Everything is saved in
    [bold]<corpus>/runs/<run-id>/[/] for [bold]feedcare themes[/].
    """
    from feedcare.topics import fit_topics, load_topics_config

    if seed is not None and seeds is not None:
        raise UsageError("use --seed N for one seed or --seeds N for several (from [topics] seed), not both")
    overrides: dict[str, Any] = {"k": k, "engine": engine, "passes": passes}
    if seed is not None:
        overrides.update(seed=seed, seeds=1)
    if seeds is not None:
        overrides["seeds"] = seeds
    # --iterations belongs to the engine that --engine or the file chooses (tomotopy_iterations)
    settings = load_topics_config(config, overrides, engine_overrides={"iterations": iterations})
    with progress_bar() as progress:
        report = fit_topics(corpus, settings, run_id=run_id, jobs=jobs, progress=progress)
    if as_json:
        print_json(report.to_dict())
        return
    render_report(report.to_dict())
    if report.reused_fits:
        message(f"Re-used {report.reused_fits} finished fit(s) of run {report.run_id}.")


def render_report(data: dict[str, Any]) -> None:
    """The sweep table, the plot against k, the chosen model's topics and the run id."""
    console = out()
    chosen_k = data.get("chosen_k")
    console.print(measures_table(data["by_k"], chosen_k, data.get("engine", {}).get("name", "")))
    if len(data["by_k"]) > 1:
        console.print(plot_against_k(data["by_k"], chosen_k))
    console.print(Text(f"Recommended: {data['chosen_model']} — {data['chosen_reason']}", style="bold"))
    console.print(topics_table(data["chosen_model"], data["chosen_topics"]))
    console.print(f"Run {data['run_id']}: {data['path']}")


def measures_table(by_k: list[dict[str, Any]], chosen_k: int | None, engine: str) -> Table:
    table = Table(title=f"Topic models by k ({engine}; mean ± sd over seeds)", title_justify="left")
    table.add_column("k", justify="right")
    table.add_column("fits", justify="right")
    for name in ("c_npmi", "c_v", "u_mass", "diversity", "stability", "fit s"):
        table.add_column(name, justify="right")
    for row in by_k:
        mark = " ★" if row["k"] == chosen_k else ""
        cells = [_mean_sd(row, m) for m in ("c_npmi", "c_v", "u_mass", "diversity")]
        stability = row["mean"].get("stability")
        cells.append("–" if stability is None else f"{stability:.2f}")
        cells.append(_mean_sd(row, "fit_seconds", 1))
        table.add_row(f"{row['k']}{mark}", str(row["n_fits"]), *cells,
                      style="bold" if mark else None)
    table.caption = "★ recommended k · stability: mean matched Jaccard of top-10 terms between seeds"
    return table


def plot_against_k(by_k: list[dict[str, Any]], chosen_k: int | None) -> Table:
    """Coherence and stability against k as unicode bars (scaled between the lowest and highest)."""
    table = Table(title="c_npmi and stability against k", title_justify="left", box=None, pad_edge=False)
    table.add_column("k", justify="right")
    table.add_column("c_npmi")
    table.add_column("stability")
    npmi = [row["mean"].get("c_npmi") for row in by_k]
    stab = [row["mean"].get("stability") for row in by_k]
    for row, a, b in zip(by_k, _scaled(npmi), _scaled(stab), strict=True):
        mark = " ★" if row["k"] == chosen_k else ""
        table.add_row(f"{row['k']}{mark}", _bar(a, row["mean"].get("c_npmi"), "cyan"),
                      _bar(b, row["mean"].get("stability"), "green"))
    table.caption = "trend: c_npmi " + _spark(npmi) + "   stability " + _spark(stab)
    return table


def topics_table(model: str, topics: list[list[str]]) -> Table:
    table = Table(title=f"Topics of {model}", title_justify="left")
    table.add_column("topic", justify="right")
    table.add_column("top terms")
    for i, terms in enumerate(topics):
        table.add_row(str(i), ", ".join(terms))
    return table


def _mean_sd(row: dict[str, Any], name: str, digits: int = 3) -> str:
    mean, sd = row["mean"].get(name), row["sd"].get(name)
    if mean is None:
        return "–"
    return f"{mean:.{digits}f}" + (f" ± {sd:.{digits}f}" if sd is not None else "")


def _scaled(values: list[float | None]) -> list[float | None]:
    present = [v for v in values if v is not None]
    if not present:
        return [None] * len(values)
    low, high = min(present), max(present)
    span = high - low
    return [None if v is None else (1.0 if span == 0 else 0.1 + 0.9 * (v - low) / span) for v in values]


def _bar(fraction: float | None, value: float | None, style: str) -> Text:
    if fraction is None or value is None:
        return Text("–")
    cells = fraction * BAR_WIDTH
    full = int(cells)
    partial = "▏▎▍▌▋▊▉"[int((cells - full) * 7)] if full < BAR_WIDTH and cells - full >= 1 / 7 else ""
    text = Text("█" * full + partial, style=style)
    text.append(f" {value:.3f}")
    return text


def _spark(values: list[float | None]) -> str:
    scaled = _scaled(values)
    return "".join(" " if s is None else SPARK[min(int(s * len(SPARK)), len(SPARK) - 1)] for s in scaled)


def register(app: typer.Typer) -> None:
    """Add `feedcare topics`."""
    app.command("topics", epilog=EPILOG)(topics)


# Keep Path importable for typer's annotations under `from __future__ import annotations`.
__all__ = ["Path", "register", "render_report"]
