"""`feedcare codebook show|align`: a codebook's seeds in this corpus; where codes and topics meet."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Annotated

import typer
from feedcare.cli.codebook.render import escape, render_guidance
from feedcare.cli.options import DEFAULT_CORPUS, CorpusOpt, JsonOpt, LevelOpt
from feedcare.cli.output import show
from rich.table import Table

codebook_app = typer.Typer(
    help="Deductive analysis: a codebook's seed terms in this corpus, and where its codes meet a run's "
    "topics.",
    no_args_is_help=True,
    rich_markup_mode="rich",
)
FileArg = Annotated[Path, typer.Argument(help="Codebook: .qdc, .qdpx, .csv (code, description, parent, "
                                              "seeds) or .toml (\\[\\[code]] tables).")]
EXIT_CODES = ("[bold]Exit codes[/]: 0 ok, 2 bad codebook file or option, 4 tokens or run missing, stale or "
              "damaged. Docs: docs/deductive.md")


@codebook_app.command("show", epilog="[bold]Examples[/]\n\n  feedcare codebook show framework.qdc\n\n"
                      "  feedcare codebook show codes.csv --json\n\n" + EXIT_CODES)
def show_codebook(
    file: FileArg,
    corpus: CorpusOpt = DEFAULT_CORPUS,
    free: Annotated[int, typer.Option("--free", min=0, help="Free topics a guided run would add.")] = 2,
    expand: Annotated[int, typer.Option("--expand", min=0, help="Seed terms found in the corpus to add to "
                                        "each code whose seeds come from its name, as `topics --expand` "
                                        "(0: off).")] = 0,
    level: LevelOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Each code (with its parents), its effective seed terms in this corpus's vocabulary, the terms
    that are not in it, and the topic it would guide: what `feedcare topics --codebook` will fit."""
    from feedcare.corpus import open_corpus
    from feedcare.topics.codebook.readers import read_codebook
    from feedcare.topics.codebook.seeds import plan_guidance

    book = read_codebook(file)
    handle = open_corpus(corpus)
    handle.check_tokens()
    show(plan_guidance(handle, book, free=free, expand=expand, level=level), render_guidance, as_json=as_json)


@codebook_app.command("align", epilog="[bold]Examples[/]\n\n"
                      "  feedcare codebook align latest --codebook framework.qdc   an unguided run\n\n"
                      "  feedcare codebook align guided                           a guided run, per code\n\n"
                      + EXIT_CODES)
def align_codebook(
    run: Annotated[str, typer.Argument(help="Run id, 'latest', or a run directory path.")],
    codebook: Annotated[
        Path | None,
        typer.Option("--codebook", help="Align with this codebook (default: the run's own, for a guided "
                     "run).", show_default=False),
    ] = None,
    corpus: CorpusOpt = DEFAULT_CORPUS,
    model: Annotated[str | None, typer.Option("--model", help="A model of the run (default: the chosen one).",
                                              show_default=False)] = None,
    expand: Annotated[
        int | None,
        typer.Option("--expand", min=0, help="With --codebook: match each code also through up to N terms "
                     "the corpus adds to its name-derived seeds, as `topics --expand` (default 0: off).",
                     show_default=False),
    ] = None,
    level: LevelOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Where codes and topics meet.

    A guided run without --codebook: per code, its topic's units, participants, the seed terms'
    weight in the topic, the terms the data added and an excerpt. With --codebook (any run): each
    topic's nearest codes by term overlap and by shared units, and per code whether the data
    reached it, split it over several topics, merged it with another code, or never reached it.
    """
    from feedcare.corpus.base.errors import UsageError
    from feedcare.topics.codebook.alignment import align, code_report
    from feedcare.topics.codebook.readers import read_codebook

    if codebook is None:
        if expand is not None or level is not None:
            raise UsageError("--expand and --level need --codebook FILE "
                             "(a guided run's are the ones it recorded)")
        show(code_report(corpus, run, model), _render_codes, as_json=as_json)
    else:
        result = align(corpus, run, read_codebook(codebook), model, expand=expand, level=level)
        show(result, _render_alignment, as_json=as_json)


def _render_codes(console, rows) -> None:
    table = Table(title="Codes of the guided run", title_justify="left")
    columns = ("code", "topic", "units", "participants", "seed weight", "seed terms",
               "expanded from the corpus", "terms the data added", "excerpt")
    for column in columns:
        table.add_column(column)
    for r in rows:
        # cut at a word, marked, so a reader never takes a clipped word for the participant's
        excerpt = textwrap.shorten(r.excerpts[0]["text"], 160, placeholder=" …") if r.excerpts else ""
        table.add_row(escape(r.code), "–" if r.topic is None else str(r.topic), f"{r.units:,}",
                      str(r.participants), f"{r.seed_weight:.2f}", escape(", ".join(r.seeds)),
                      escape(", ".join(r.expanded or [])),
                      escape(", ".join(r.added_terms) or (r.reason or "")), escape(excerpt))
    console.print(table)
    for r in rows:
        if r.topic is not None and not r.followed:
            console.print(f"[yellow]Not followed[/]: {escape(r.code)} (topic {r.topic}): none of its seed "
                          "terms is among the topic's top terms, so the code's name says little about "
                          "the units the topic holds; read its excerpts, or give the code seed terms "
                          "people use", soft_wrap=True)


def _render_alignment(console, alignment) -> None:
    table = Table(title=f"Topics of {alignment.run_id} ({alignment.model}) and the codes of "
                        f"{escape(alignment.codebook)}", title_justify="left")
    for column in ("topic", "units", "top terms", "nearest codes by terms", "nearest codes by units"):
        table.add_column(column)
    for t in alignment.topics:
        table.add_row(str(t.topic), f"{t.units:,}", escape(", ".join(t.top_terms)),
                      escape("; ".join(f"{c} ({v:.2f})" for c, v in t.by_terms) or "–"),
                      escape("; ".join(f"{c} ({100 * v:.0f}%)" for c, v in t.by_units) or "–"))
    console.print(table)
    codes = Table(title="What the data did with each code", title_justify="left")
    for column in ("code", "seed terms", "expanded from the corpus", "units mentioning", "topics", "verdict"):
        codes.add_column(column)
    for c in alignment.codes:
        codes.add_row(escape(c["code"]), escape(", ".join(c["seeds"])),
                      escape(", ".join(c.get("expanded") or [])), f"{c['units_mentioning']:,}",
                      ", ".join(str(t) for t in c["topics"]) or "–", c["verdict"])
    console.print(codes)


def register(app: typer.Typer) -> None:
    """Add the `codebook` command group."""
    app.add_typer(codebook_app, name="codebook")
