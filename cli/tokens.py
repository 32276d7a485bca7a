"""`feedcare tokens`: analysis units and tokens for the topic model."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer
from feedcare.cli.options import (
    DEFAULT_CORPUS,
    BackendOpt,
    ConfigOpt,
    CorpusOpt,
    JobsOpt,
    JsonOpt,
    SparkMasterOpt,
    WaitOpt,
)
from feedcare.cli.output import err, message, progress_bar, show

if TYPE_CHECKING:  # the tokens modules pull in NLTK and gensim: not at `feedcare --help`
    from feedcare.corpus.store.sidecars import TokensSummary
    from feedcare.corpus.tokens.build import TokensReport
    from rich.console import Console

EPILOG = (
    "Examples:\n\n"
    "  [bold]feedcare tokens[/]                      tokenise ./corpus with ./feedcare.toml\n\n"
    "  [bold]feedcare tokens --unit document --roles participant,interviewer[/]\n\n"
    "  [bold]feedcare tokens --show-config[/]        print the effective [tokens] settings\n\n"
    "  [bold]feedcare tokens --backend spark --spark-master spark://head:7077[/]   on a Spark cluster\n\n"
    "Outputs tokens.parquet, vocabulary.parquet and tokens.json in the corpus directory; "
    "rebuilt only when the corpus or the settings changed. Exit codes: 0 ok, 2 bad option or "
    "configuration (also: pyspark or Java missing, Spark master unreachable), 4 corpus missing or damaged, "
    "5 corpus busy. Spark: docs/spark.md."
)


def _overrides(**values: Any) -> dict[str, Any]:
    for name in ("roles", "languages"):
        listed = values.pop(name)
        if listed is not None:
            values[name] = [r.strip() for r in listed.split(",") if r.strip()]
    if values.pop("keep_languages"):
        values["languages"] = ["all"]
    return {key: value for key, value in values.items() if value is not None}


def register(app: typer.Typer) -> None:
    """Add ``feedcare tokens``."""

    @app.command("tokens", epilog=EPILOG)
    def tokens(
        corpus: CorpusOpt = DEFAULT_CORPUS,
        config: ConfigOpt = None,
        jobs: JobsOpt = None,
        backend: BackendOpt = None,
        spark_master: SparkMasterOpt = None,
        force: Annotated[bool, typer.Option("--force", help="Rebuild even when up to date.")] = False,
        show_config: Annotated[
            bool,
            typer.Option("--show-config", help="Print the effective [tokens] settings as TOML and exit."),
        ] = False,
        json_output: JsonOpt = False,
        wait: WaitOpt = 0.0,
        unit: Annotated[
            str | None,
            typer.Option("--unit", help="Analysis unit: auto, turn, document or window.", show_default=False),
        ] = None,
        roles: Annotated[
            str | None,
            typer.Option(
                "--roles",
                help="Comma-separated roles to model, e.g. participant,interviewer.",
                show_default=False,
            ),
        ] = None,
        languages: Annotated[
            str | None,
            typer.Option(
                "--languages",
                help="Comma-separated language codes whose documents are modelled (default: en); "
                "documents too short to tell are always kept.",
                show_default=False,
            ),
        ] = None,
        keep_languages: Annotated[
            bool,
            typer.Option(
                "--keep-languages", help="Model documents in every language (languages = [\"all\"])."
            ),
        ] = False,
        min_tokens: Annotated[
            int | None, typer.Option("--min-tokens", help="Merge short turns up to this many tokens.")
        ] = None,
        max_tokens: Annotated[
            int | None, typer.Option("--max-tokens", help="Split turns longer than this many tokens.")
        ] = None,
        lemmatize: Annotated[
            bool | None,
            typer.Option("--lemmatize/--no-lemmatize", help="Lemmatise words.", show_default=False),
        ] = None,
        phrases: Annotated[
            bool | None,
            typer.Option(
                "--phrases/--no-phrases", help="Join collocations (chest_pain).", show_default=False
            ),
        ] = None,
        no_below: Annotated[
            int | None, typer.Option("--no-below", help="Drop terms in fewer units than this.")
        ] = None,
        no_above: Annotated[
            float | None, typer.Option("--no-above", help="Drop terms in more than this fraction of units.")
        ] = None,
    ) -> None:
        """Cut the corpus into analysis units and tokenise them (NLTK, offline)."""
        from feedcare.corpus import open_corpus
        from feedcare.corpus.spark.config import spark_settings_for
        from feedcare.corpus.tokens.build import build_tokens
        from feedcare.corpus.tokens.config import load_tokens_config

        overrides = _overrides(
            unit=unit,
            roles=roles,
            languages=languages,
            keep_languages=keep_languages,
            min_tokens=min_tokens,
            max_tokens=max_tokens,
            lemmatize=lemmatize,
            phrases=phrases,
            no_below=no_below,
            no_above=no_above,
        )
        settings = load_tokens_config(config, overrides)
        spark = spark_settings_for("tokens", backend, spark_master, config)
        if show_config:
            from feedcare.corpus.base.settings import render_section

            typer.echo(render_section("tokens", settings, comments=False), nl=False)
            return
        with progress_bar(not json_output) as progress:
            report = build_tokens(
                open_corpus(corpus), settings, jobs=jobs, force=force, wait=wait, progress=progress,
                backend="spark" if spark else "local", spark=spark,
            )
        show(report, _print_report, as_json=json_output)


def _print_report(console: Console, report: TokensReport) -> None:
    from rich.table import Table

    summary, pruned = report.summary, report.pruned
    if report.status == "up to date":
        message(f"Tokens are up to date (fingerprint {report.fingerprint}); use --force to rebuild.")
    else:
        message(f"Tokenised {report.corpus} in {report.seconds:.1f}s (fingerprint {report.fingerprint}).")
    table = Table(title="Units and tokens", show_header=False)
    table.add_column("", style="bold")
    table.add_column("", justify="right")
    excluded = ", ".join(f"{n:,} {role}" for role, n in summary.turns_excluded.items()) or "none"
    modes = ", ".join(f"{mode}: {n:,} documents" for mode, n in summary.unit_modes.items())
    removed = ", ".join(f"{name} {n:,}" for name, n in summary.removed.items())
    rows = [
        ("Documents", f"{summary.documents:,}"),
        ("Unit mode", modes or "-"),
        ("Languages", _languages(summary)),
        ("Turns modelled", f"{summary.turns_selected:,} of {summary.turns:,} (left out: {excluded})"),
        (
            "Units",
            f"{summary.units:,} ({summary.units_merged:,} merged from several turns, "
            f"{summary.turns_split:,} long turns split)",
        ),
        ("Units dropped as empty", f"{summary.units_dropped_empty:,}"),
        ("Words read", f"{summary.words:,}"),
        ("Removed", removed),
        ("Tokens", f"{summary.tokens:,} ({summary.tokens_before_filter:,} before filter_extremes)"),
        (
            "Vocabulary",
            f"{pruned.after:,} of {pruned.before:,} terms (removed: no_below "
            f"{pruned.no_below:,}, no_above {pruned.no_above:,}, keep_n {pruned.keep_n:,})",
        ),
        ("Phrases found", f"{summary.phrases_found:,}"),
    ]
    for name, value in rows:
        table.add_row(name, value)
    console.print(table)
    if pruned.no_above_terms:
        console.print("Too common (no_above): " + ", ".join(pruned.no_above_terms))
    terms = Table(title="Top terms")
    for column in ("term", "count", "units"):
        terms.add_column(column, justify="left" if column == "term" else "right")
    for row in report.top_terms[:20]:
        terms.add_row(row.term, f"{row.count:,}", f"{row.units:,}")
    console.print(terms)
    if report.phrases:
        shown = ", ".join(f"{p.phrase} ({p.count})" for p in report.phrases[:25])
        more = f" and {len(report.phrases) - 25} more" if len(report.phrases) > 25 else ""
        console.print(f"Phrases: {shown}{more}")
    warning = report.language_warning()
    if warning:
        err().print(f"Warning: {warning}.", markup=False, soft_wrap=True)
    if summary.units == 0:
        err().print(_no_units_hint(summary), markup=False)


def _languages(summary: TokensSummary) -> str:
    counts = ", ".join(f"{code} {n:,}" for code, n in summary.languages.items()) or "-"
    left_out = summary.documents_left_out_language
    return counts + (f" (left out: {left_out:,} documents, {summary.turns_left_out_language:,} turns)"
                     if left_out else "")


def _no_units_hint(summary: TokensSummary) -> str:
    """Why nothing is left to model, and the fix (the usual cause: no turn had a modelled role)."""
    if summary.turns and not summary.turns_selected:
        left_out = ", ".join(f"{n:,} {role}" for role, n in summary.turns_excluded.items())
        return (
            f"Warning: no turn has a modelled role (left out: {left_out}). Name the speakers when "
            "ingesting (feedcare ingest --interviewer NAME --participant NAME, or [ingest] in "
            "feedcare.toml), or model other roles with tokens --roles."
        )
    return "Warning: no tokens left after filtering; lower no_below in [tokens] or check the roles modelled."

