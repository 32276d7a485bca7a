"""The terminal view of a topic-model run, shared by `feedcare topics` and `feedcare runs show`.

Renderers take the data (``RunReport.to_dict()``) and the console :func:`feedcare.cli.output.show`
gives them; they never read files or compute measures.
"""

from __future__ import annotations

from typing import Any

from feedcare.corpus.base.printable import printable
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

SPARK = "▁▂▃▄▅▆▇█"
BAR_WIDTH = 24


def render_report(console: Console, data: dict[str, Any]) -> None:
    """The sweep table, the plot against k, the chosen model's topics and the run id."""
    chosen_k = data.get("chosen_k")
    console.print(measures_table(data["by_k"], chosen_k, data.get("engine", {}).get("name", "")))
    console.print(Text(schedule_line(data), style="dim"))
    if len(data["by_k"]) > 1:
        console.print(plot_against_k(data["by_k"], chosen_k))
    console.print(Text(f"Recommended: {data['chosen_model']} — {data['chosen_reason']}", style="bold"))
    console.print(topics_table(data["chosen_model"], data["chosen_topics"], data.get("distinctive_topics"),
                               data.get("topic_codes")))
    if data.get("corpus_wide_terms"):
        console.print(
            Text(
                "Corpus-wide terms (in the top terms of at least half the topics): "
                + ", ".join(data["corpus_wide_terms"])
                + f". To drop them, {data['stopword_hint']}",
                style="yellow",
            )
        )
    console.print(f"Run {data['run_id']}: {data['path']}")


def settings_text(settings: dict[str, Any]) -> str:
    """The settings a user asks about first: passes, chunk size and early stop (gensim), iterations."""
    if "passes" not in settings:
        return f"{settings['iterations']} iterations" if "iterations" in settings else ""
    stop = f", stop once topics move < {settings['convergence']:g}" if settings.get("convergence") else ""
    return f"up to {settings['passes']} passes, chunks of {settings['chunksize']:,}{stop}"


def schedule_line(data: dict[str, Any]) -> str:
    """What the fits ran with, for this corpus, and how many passes they took."""
    engine = data.get("engine", {})
    settings = settings_text(engine.get("settings", {}))
    line = f"{engine.get('name', '')}: {settings} for {data['n_units']:,} units"
    ran = [f["engine_info"]["passes_run"] for f in data.get("fits", [])
           if (f.get("engine_info") or {}).get("passes_run") is not None]
    if ran:
        stopped = sum(1 for f in data["fits"] if (f.get("engine_info") or {}).get("converged"))
        passes = str(ran[0]) if min(ran) == max(ran) else f"{min(ran)}–{max(ran)}"
        line += f"; fits ran {passes} passes"
        if stopped:
            line += f" ({stopped} of {len(ran)} stopped early)"
    return line + "."


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


def topics_table(model: str, topics: list[list[str]], distinctive: list[list[str]] | None = None,
                 codes: list[str | None] | None = None) -> Table:
    """Top terms by probability and, when the run has them, the distinctive terms by FREX; a guided
    run's code per topic ("free" for the free topics)."""
    table = Table(title=f"Topics of {model}", title_justify="left")
    table.add_column("topic", justify="right")
    if codes:
        table.add_column("code")
    table.add_column("top terms (probability)")
    if distinctive:
        table.add_column("distinctive terms (FREX)")
        table.caption = "probability: what is frequent in a topic · FREX: what sets it apart (weight 0.5)"
    for i, terms in enumerate(topics):
        extra = [", ".join(distinctive[i]) if i < len(distinctive) else ""] if distinctive else []
        name = (codes[i] or "(free)") if codes and i < len(codes) else ""
        code = [escape(printable(name, one_line=True))] if codes else []
        table.add_row(str(i), *code, ", ".join(terms), *extra)
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
