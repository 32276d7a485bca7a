"""`feedcare topics`: fit LDA models (one k or a sweep, several seeds) and report the measures."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from feedcare.cli.codebook.render import render_guidance
from feedcare.cli.options import (
    DEFAULT_CORPUS,
    BackendOpt,
    ConfigOpt,
    CorpusOpt,
    JobsOpt,
    JsonOpt,
    LevelOpt,
    SeedOpt,
    SparkMasterOpt,
    WaitOpt,
)
from feedcare.cli.output import err, message, progress_bar, show
from feedcare.cli.registry_help import registry_help, spoken_list
from feedcare.cli.run_report import render_report, settings_text
from feedcare.corpus.base.errors import UsageError

EPILOG = (
    "[bold]Examples[/]\n\n"
    "  feedcare topics --k 8                 one k, 2-3 seeds (stability), all cores\n\n"
    "  feedcare topics --k 4:16:2 --seeds 5  sweep k = 4, 6, ..., 16\n\n"
    "  feedcare topics --k 10 --seed 7 --json\n\n"
    "  feedcare topics --run-id pilot        resume or name a run\n\n"
    "  feedcare topics --k 4:12 --dry-run    the fits, their settings and an estimate; no fitting\n\n"
    "  feedcare topics --codebook codes.qdc --free 3   one topic per code + 3 free (docs/deductive.md)\n\n"
    "  feedcare topics --k 4:16 --backend spark   the sweep's fits as Spark tasks\n\n"
    "  feedcare topics --engine spark        Spark MLlib LDA (pip install 'feedcare\\[spark]')\n\n"
    "Exit codes: 0 ok, 2 bad option or configuration (also: pyspark or Java missing, Spark master "
    "unreachable), 4 tokens missing or stale, 5 the corpus is being written (--wait), 130 interrupted "
    "(finished fits are kept: resume with --run-id). Docs: docs/topics.md, docs/spark.md"
)


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
        typer.Option("--seeds", help="Fits per k with seeds SEED, SEED+1, ... (default: 3 below 5,000 "
                     "units, else 2; 2+ measure stability).", show_default=False),
    ] = None,
    jobs: JobsOpt = None,
    run_id: Annotated[
        str | None,
        typer.Option("--run-id", help="Name the run (default: time + hash); an unfinished run of that "
                     "name is resumed.", show_default=False),
    ] = None,
    engine: Annotated[
        str | None,
        typer.Option("--engine", help="{engines}.", show_default=False),
    ] = None,
    backend: BackendOpt = None,
    spark_master: SparkMasterOpt = None,
    passes: Annotated[
        str | None,
        typer.Option("--passes", help='gensim passes over the corpus: a number (exactly that many) or "auto" '
                     "(default: at most a number chosen from the corpus size, stopping once the topics "
                     "settle).", show_default=False),
    ] = None,
    iterations: Annotated[
        int | None,
        typer.Option("--iterations", help="gensim E-step iterations (tomotopy: Gibbs iterations).",
                     show_default=False),
    ] = None,
    codebook: Annotated[
        Path | None,
        typer.Option("--codebook", help="Guide the topics with a codebook (.qdc, .qdpx, .csv, .toml): one "
                     "topic per code, seeded by its seed terms or the terms of its name and description.",
                     show_default=False),
    ] = None,
    free: Annotated[
        int | None,
        typer.Option("--free", min=0, help="With --codebook: unguided topics for what the codebook does not "
                     "cover (default 2).", show_default=False),
    ] = None,
    boost: Annotated[
        float | None,
        typer.Option("--boost", help="With --codebook: a seed term's prior in its code's topic, added to "
                     "eta (default 1.0).", show_default=False),
    ] = None,
    expand: Annotated[
        int | None,
        typer.Option("--expand", min=0, help="With --codebook: add up to N seed terms found in the corpus "
                     "to each code whose seeds come from its name (the terms most specific to the units "
                     "its name terms occur in; at half the boost). Default 0: off (docs/deductive.md).",
                     show_default=False),
    ] = None,
    level: LevelOpt = None,
    wait: WaitOpt = 0.0,
    dry_run: Annotated[
        bool,
        typer.Option("--dry-run", help="Print the plan (fits, settings for this corpus, estimated time) "
                     "and stop without fitting."),
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Fit reproducible LDA topic models on the corpus tokens; sweep k and seeds; measure them.

    Prints coherence (c_npmi, c_v, u_mass), topic diversity and stability across seeds for
    each k, marks the recommended model and shows its topics. Everything is saved in
    [bold]<corpus>/runs/<run-id>/[/] for [bold]feedcare themes[/].

    With [bold]--codebook[/], k is the number of guided codes plus [bold]--free[/]; each code's
    effective seed terms, and the codes none of whose seeds is in the vocabulary, are printed
    and recorded in run.json.
    """
    from feedcare.topics import fit_topics, load_topics_config, plan_sweep

    if seed is not None and seeds is not None:
        raise UsageError("use --seed N for one seed or --seeds N for several (from [topics] seed), not both")
    overrides: dict[str, Any] = {"k": k, "engine": engine,
                                 "passes": int(passes) if passes and passes.isdigit() else passes}
    if seed is not None:
        overrides.update(seed=seed, seeds=1)
    if seeds is not None:
        overrides["seeds"] = seeds
    # --iterations belongs to the engine that --engine or the file chooses (tomotopy_iterations)
    settings = load_topics_config(config, overrides, engine_overrides={"iterations": iterations})
    guidance = None
    if codebook is None and (free is not None or boost is not None or expand is not None
                             or level is not None):
        raise UsageError("--free, --boost, --expand and --level need --codebook FILE")
    if codebook is not None:
        from feedcare.corpus import open_corpus
        from feedcare.topics.codebook.readers import read_codebook
        from feedcare.topics.codebook.seeds import plan_guidance

        if k is not None:
            raise UsageError("with --codebook, k is the number of guided codes plus --free; drop --k")
        book = read_codebook(codebook)
        corpus_handle = open_corpus(corpus)
        corpus_handle.check_tokens()
        guidance = plan_guidance(corpus_handle, book, free=free, boost=boost, expand=expand,
                                 level=level)
        if not as_json:
            render_guidance(err(), guidance)
    if dry_run:
        show(plan_sweep(corpus, settings, jobs=jobs, run_id=run_id, guidance=guidance), render_plan,
             as_json=as_json)
        return
    from feedcare.corpus.spark.config import load_spark_config, spark_settings_for

    spark = spark_settings_for("sweeps", backend, spark_master, config)
    on_spark = spark is not None
    if spark is None and (settings.engine == "spark" or spark_master):  # where the MLlib engine runs
        spark = load_spark_config(config, {"master": spark_master})
    with progress_bar() as progress:
        report = fit_topics(corpus, settings, run_id=run_id, jobs=jobs, wait=wait, progress=progress,
                            on_plan=lambda plan: message(plan_line(plan)), guidance=guidance,
                            backend="spark" if on_spark else "local", spark=spark)
    show(report, _render, as_json=as_json)


def render_plan(console, plan) -> None:
    """``--dry-run``: what would be fitted, with which settings, and how long it should take."""
    from rich.table import Table

    table = Table(title="Plan (nothing fitted)", title_justify="left", show_header=False)
    table.add_column("", style="bold")
    table.add_column("")
    table.add_row("corpus", f"{plan.n_units:,} units, {plan.n_terms:,} terms, {plan.n_tokens:,} tokens")
    table.add_row("fits", f"{plan.n_fits}: k {_span(plan.ks)} × seeds {_span(plan.seeds)}")
    table.add_row("engine", f"{plan.engine}: {settings_text(plan.settings)}")
    table.add_row("workers", str(plan.jobs))
    if plan.reused:
        table.add_row("finished", f"{len(plan.reused)} fit(s) of the run already finished (re-used)")
    if plan.fit_seconds:
        by_k = {k: plan.fit_seconds[f"k{k}-s{plan.seeds[0]}"] for k in plan.ks}
        low, high = min(by_k.values()), max(by_k.values())
        table.add_row("one fit", duration(low) if high - low < 1 else f"{duration(low)} to {duration(high)}")
        early = " (at most: fits that settle stop earlier)" if plan.settings.get("convergence") else ""
        table.add_row("estimate", f"{duration(plan.estimate_seconds)} on a free machine with {plan.jobs} "
                      f"worker{'s' if plan.jobs > 1 else ''}{early}")
    console.print(table)


def plan_line(plan) -> str:
    """One line before fitting: how many fits, on what, and the estimate."""
    reused = f", {len(plan.reused)} already finished" if plan.reused else ""
    what = f"Fitting {plan.n_fits} model{'s' if plan.n_fits > 1 else ''}{reused} (k {_span(plan.ks)} × " \
           f"{len(plan.seeds)} seed{'s' if len(plan.seeds) > 1 else ''}) on {plan.n_units:,} units, " \
           f"{plan.jobs} at a time"
    if plan.estimate_seconds is None:
        return what + "."
    estimate = duration(plan.estimate_seconds)
    if plan.settings.get("convergence"):  # the estimate runs every pass; fits often stop sooner
        return f"{what}: at most about {estimate} on a free machine ({settings_text(plan.settings)})."
    return f"{what}: about {estimate} on a free machine ({settings_text(plan.settings)})."


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "unknown"
    if seconds < 60:
        return f"{max(1, round(seconds))} s"
    minutes, rest = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {rest} s" if minutes < 10 and rest else f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60} min"


def _span(values: list[int]) -> str:
    if len(values) == 1:
        return str(values[0])
    step = values[1] - values[0]
    regular = all(b - a == step for a, b in zip(values, values[1:], strict=False))
    if regular:
        return f"{values[0]}–{values[-1]}" + (f" step {step}" if step > 1 else "")
    return ", ".join(map(str, values))


def _render(console, report) -> None:
    render_report(console, report.to_dict())
    if report.reused_fits:
        message(f"Re-used {report.reused_fits} finished fit(s) of run {report.run_id}.")


def _help_values() -> dict[str, str]:
    """--engine's help from the engines registry, read when --help is rendered (cli/registry_help.py)."""
    from feedcare.topics.config import TopicsConfig
    from feedcare.topics.engines import ENGINES
    from rich.markup import escape

    default = TopicsConfig().engine
    names = [
        spec.name
        + (" (default)" if spec.name == default else "")
        + (escape(f" (pip install feedcare[{spec.extra}])") if spec.extra else "")
        for spec in ENGINES.values()
    ]
    return {"engines": spoken_list(names)}


def register(app: typer.Typer) -> None:
    """Add `feedcare topics`."""
    app.command("topics", epilog=EPILOG, cls=registry_help(_help_values))(topics)


# Keep Path importable for typer's annotations under `from __future__ import annotations`.
__all__ = ["Path", "register"]
