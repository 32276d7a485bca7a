"""Tables of a codebook's guidance (shared by `topics --codebook` and `codebook show`)."""

from __future__ import annotations

from feedcare.corpus.base.printable import printable
from rich.console import Console
from rich.markup import escape as _escape
from rich.table import Table


def escape(text: str) -> str:
    """A codebook's or a corpus's text as shown: control characters and bidi overrides removed,
    rich markup escaped (code names come from files others wrote)."""
    return _escape(printable(str(text), one_line=True))


def render_guidance(console: Console, guidance) -> None:
    """Each code: its topic (or why none), its effective seed terms, the terms not in the vocabulary."""
    table = Table(title=f"Codebook {escape(guidance.path)}: {guidance.n_guided} guided topics + "
                        f"{guidance.free} free (boost {guidance.boost:g}"
                        + (f", expand {guidance.expand}" if guidance.expand else "")
                        + (f", level {guidance.level}" if guidance.level else "") + ")",
                  title_justify="left")
    for column in ("topic", "code", "seed terms (from)", "expanded from the corpus", "not in the vocabulary"):
        table.add_column(column)
    for code in guidance.codes:
        if code.folded_into is not None:  # below --level: its seeds are its ancestor's
            ancestor = next((c for c in guidance.codes if c.guid == code.folded_into), None)
            topic = f"(in {ancestor.topic})" if ancestor is not None and ancestor.topic is not None else "–"
        else:
            topic = str(code.topic) if code.topic is not None else ("–" if code.reason else "(children)")
        seeds = ", ".join(code.seeds or []) or "–"
        table.add_row(topic, escape(code.path), escape(f"{seeds} ({code.seeds_from})"),
                      escape(", ".join(code.expanded or [])),
                      escape(", ".join(code.missing or []) or ""))
    console.print(table)
    for code in guidance.unreached:
        reason = escape(code.reason or "")
        console.print(f"[yellow]Not guided[/]: {escape(code.path)}: {reason}", soft_wrap=True)
