"""`feedcare methods`, `feedcare reproduce`, `feedcare archive`: report on a run for a paper."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from feedcare.cli.options import DEFAULT_CORPUS, CorpusOpt, JsonOpt
from feedcare.cli.output import message, progress_bar, show

RunArg = Annotated[str, typer.Argument(help="Run id, 'latest', or a run directory path.")]

METHODS_EPILOG = (
    "[bold]Examples[/]\n\n"
    "  feedcare methods latest                       Markdown on stdout\n\n"
    "  feedcare methods example --format tex --out methods.tex\n\n"
    "  feedcare methods corpus/runs/pilot --format txt\n\n"
    "Everything comes from the run's recorded files, so the same run gives the same bytes.\n\n"
    "[bold]Exit codes[/]: 0 ok, 2 no such run or bad --format, 4 damaged or unfinished run. "
    "Docs: docs/reporting.md"
)
REPRODUCE_EPILOG = (
    "[bold]Examples[/]\n\n"
    "  feedcare reproduce latest                     tokens and the chosen model\n\n"
    "  feedcare reproduce example --all              the whole sweep\n\n"
    "  feedcare reproduce bundle.zip --inputs transcripts/\n\n"
    "  feedcare reproduce example --config feedcare.toml   what if these settings were used?\n\n"
    "[bold]Exit codes[/]: 0 identical, 1 something differs (the reasons are printed), 2 no such run, "
    "4 source files and corpus both missing, or a damaged run. Docs: docs/reporting.md"
)
ARCHIVE_EPILOG = (
    "[bold]Examples[/]\n\n"
    "  feedcare archive example --out example-archive.zip\n\n"
    "  feedcare archive latest --out bundle.zip --labels themes.toml\n\n"
    "  feedcare archive latest --out bundle.zip --with-text    only where consent allows\n\n"
    "[bold]Exit codes[/]: 0 ok, 2 no such run or bad --out, 4 damaged run or a full disk. "
    "Docs: docs/reporting.md"
)


def methods(
    run: RunArg,
    corpus: CorpusOpt = DEFAULT_CORPUS,
    fmt: Annotated[str, typer.Option("--format", "-f", help="md (Markdown), tex (LaTeX) or txt.")] = "md",
    out_file: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write to FILE instead of stdout.", show_default=False)
    ] = None,
) -> None:
    """A methods statement for a paper: data, preparation, model, choice of k, software, settings."""
    from feedcare.corpus.base.atomic import write_text
    from feedcare.topics.reporting.methods import methods_statement
    from feedcare.topics.reporting.record import load_record

    text = methods_statement(load_record(run, corpus), fmt)
    if out_file is None:
        typer.echo(text, nl=False)
    else:
        write_text(out_file, text)
        message(f"Wrote {out_file}")


def reproduce(
    run: Annotated[str, typer.Argument(help="Run id, 'latest', a run directory, or an archive .zip.")],
    corpus: CorpusOpt = DEFAULT_CORPUS,
    inputs: Annotated[
        Path | None,
        typer.Option(
            "--inputs",
            help="Folder holding the original source files (default: their recorded paths).",
            show_default=False,
        ),
    ] = None,
    all_models: Annotated[
        bool, typer.Option("--all", help="Re-fit the whole sweep, not only the chosen model.")
    ] = False,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            help="Re-run with this file's [tokens] and [topics] settings instead of the recorded ones "
            "(what if?); the settings that differ are listed. Default: the recorded settings.",
            show_default=False,
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Re-run a run's tokens and model in a scratch folder and compare them with the original."""
    from feedcare.topics.reporting.reproduce import reproduce as run_reproduce

    with progress_bar(not as_json) as progress:
        result = run_reproduce(
            run,
            corpus,
            inputs=inputs,
            config=config,
            all_models=all_models,
            progress=progress,
        )
    show(result, _render_reproduce, as_json=as_json)
    raise typer.Exit(result.exit_code)


def _render_reproduce(console, result) -> None:
    from rich.markup import escape
    from rich.table import Table

    table = Table(title=f"Reproducing run {result.run_id} ({result.scope})", title_justify="left")
    for name in ("check", "result", "detail"):
        table.add_column(name)
    for check in result.checks:
        table.add_row(escape(check.what), "match" if check.ok else "[red]differs[/]", escape(check.detail))
    console.print(table)
    console.print(f"Corpus: {escape(result.source)}.")
    for reason in result.reasons:
        console.print(f"Likely reason: {escape(reason)}")
    console.print("[green]Identical.[/]" if result.identical else "[red]Not identical.[/]")


def archive(
    run: RunArg,
    out_file: Annotated[Path, typer.Option("--out", "-o", help="The .zip to write.")],
    corpus: CorpusOpt = DEFAULT_CORPUS,
    with_text: Annotated[
        bool,
        typer.Option(
            "--with-text",
            help="Include the documents, segments and tokens "
            "(the text). Only where consent and ethics approval allow.",
        ),
    ] = False,
    labels: Annotated[
        Path | None, typer.Option("--labels", help="A theme labels file to include.", show_default=False)
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """A deterministic zip to deposit with a paper: settings, hashes, vocabulary, topics, methods."""
    from feedcare.topics.reporting.archive import build_archive
    from feedcare.topics.reporting.record import load_record

    result = build_archive(load_record(run, corpus), out_file, with_text=with_text, labels=labels)
    show(
        result,
        lambda console, r: console.print(
            f"Wrote {r.path}: {len(r.files) + 2} files"
            f"{' including the text' if r.with_text else ', no text'}."
        ),
        as_json=as_json,
    )


def register(app: typer.Typer) -> None:
    app.command("methods", epilog=METHODS_EPILOG)(methods)
    app.command("reproduce", epilog=REPRODUCE_EPILOG)(reproduce)
    app.command("archive", epilog=ARCHIVE_EPILOG)(archive)
