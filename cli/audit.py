"""`feedcare audit`: residual-identifier check of a corpus or of source files, and redaction."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from feedcare.cli.options import DEFAULT_CORPUS, CorpusOpt, JsonOpt, WaitOpt
from feedcare.cli.output import message, progress_bar, show

EPILOG = (
    "[bold]Examples[/]\n\n"
    "  feedcare audit                                   [dim]# the corpus in ./corpus[/]\n\n"
    "  feedcare audit transcripts/ --names staff.txt    [dim]# files, before ingest[/]\n\n"
    "  feedcare audit && feedcare topics                [dim]# stop a script on findings[/]\n\n"
    "  feedcare audit --redact corpus-redacted --key ../redaction-key.json\n\n"
    "[bold]Exit codes[/]: 0 clean, 1 identifiers found, 2 usage error, "
    "3 nothing found but some files could not be read."
)


def audit(
    ctx: typer.Context,
    sources: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Transcript files, folders or comment tables to check instead of a corpus.",
            show_default=False,
        ),
    ] = None,
    corpus: CorpusOpt = DEFAULT_CORPUS,
    names: Annotated[
        Path | None,
        typer.Option("--names", help="Text file of names to find (one per line; whole words, any case)."),
    ] = None,
    redact: Annotated[
        Path | None,
        typer.Option("--redact", help="Write a redacted copy of the corpus into this new folder."),
    ] = None,
    key: Annotated[
        Path | None,
        typer.Option("--key", help="Key file (.json or .csv) mapping redactions back; outside both corpora."),
    ] = None,
    wait: WaitOpt = 0.0,
    as_json: JsonOpt = False,
) -> None:
    """Check every turn for residual identifiers (phone, NHS, e-mail, postcode, date of birth...).

    Kinds: e-mail addresses, UK phone numbers, NHS numbers (modulus-11 checked), UK postcodes,
    URLs and social media handles, dates of birth, National Insurance numbers, names from --names.
    Prints document, turn, kind, the match masked and a masked context; never the identifier.
    Redaction markers already in the text (\\[NAME], <name>, \\[inaudible 00:12:34]) count as handled.
    """
    from feedcare.corpus.audit.identifiers import load_names
    from feedcare.corpus.audit.scan import audit_corpus, audit_paths
    from feedcare.corpus.base.errors import UsageError

    corpus_source = ctx.get_parameter_source("corpus")
    corpus_given = corpus_source is not None and corpus_source.name != "DEFAULT"
    if sources and corpus_given:
        raise UsageError("give either SOURCE files or --corpus DIR, not both")
    if (redact is None) != (key is None):
        raise UsageError("--redact OUT_DIR and --key FILE go together; give both")
    if redact is not None and sources:
        raise UsageError("--redact works on a corpus; ingest the files first, then audit --corpus DIR")
    name_list = load_names(names) if names is not None else ()
    with progress_bar(not as_json) as callback:
        if sources:
            result = audit_paths(sources, names=name_list, progress=callback)
        else:
            result = audit_corpus(corpus, names=name_list, progress=callback)
        redacted = None
        if redact is not None and key is not None:
            from feedcare.corpus.audit.redact import redact_corpus

            redacted = redact_corpus(corpus, redact, key, names=name_list, progress=callback, wait=wait)
    data = result.to_dict()
    if redacted is not None:
        data["redacted"] = redacted.to_dict()
    show(data, lambda console, _: _render_all(console, result, redacted), as_json=as_json)
    raise typer.Exit(result.exit_code)


def _render_all(console, result, redacted) -> None:
    """The findings table (if any) on stdout; the summary and the redaction on stderr."""
    if result.findings:
        render(console, result)
    _summary(result)
    if redacted is not None:
        from rich.markup import escape

        message(escape(
            f"Wrote the redacted corpus to {redacted.out_dir} ({redacted.n_replacements} "
            f"replacements) and the key to {redacted.key_file}; keep the key apart."
        ))


def render(console, result) -> None:
    from feedcare.corpus.base.printable import printable
    from rich.table import Table
    from rich.text import Text

    table = Table(title=f"Residual identifiers in {result.source}", title_justify="left")
    table.add_column("document", overflow="fold")
    table.add_column("turn", justify="right")
    table.add_column("kind")
    table.add_column("match (masked)", overflow="fold")
    table.add_column("context (masked)", overflow="fold")
    for f in result.findings:
        turn = str(f.seg) if f.seg is not None else "-"
        if f.field != "text":  # an id, file name, speaker label or the manifest
            turn = f.field
        elif f.speaker:
            turn = f"{turn} {f.speaker}"
        # Text(), not markup: "[NAME]" in a context must print as written.
        cells = (f.doc_id, turn, f.kind, f.masked, f.context)
        table.add_row(*(Text(printable(v, one_line=True)) for v in cells))
    console.print(table)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _summary(result) -> None:
    markers = f"; {_plural(result.n_markers, 'redaction marker')} recognised" if result.n_markers else ""
    from feedcare.corpus.base.printable import printable
    from rich.markup import escape

    for source, reason in result.skipped:
        message(f"[yellow]Skipped[/] {escape(printable(source))}: {escape(printable(reason))}")
    if result.findings:
        kinds = ", ".join(f"{kind} {n}" for kind, n in result.counts().items())
        n_docs = len({f.doc_id for f in result.findings if f.field != "manifest"})
        message(
            f"[bold red]{_plural(len(result.findings), 'possible identifier')}[/] in {n_docs} of "
            f"{_plural(result.n_documents, 'document')} ({kinds}){markers}."
        )
    else:
        message(f"No residual identifiers found in {_plural(result.n_documents, 'document')}{markers}.")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the app."""
    app.command("audit", epilog=EPILOG)(audit)
