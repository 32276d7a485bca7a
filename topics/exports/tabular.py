"""Tidy tables (CSV, JSON) and a Markdown report section from a :class:`ThemesResult`.

- excerpt rows: one per topic × excerpt (a topic without excerpts still gets one row, with
  empty excerpt columns, so every topic appears);
- group rows: one per topic × group of the ``--by`` attribute;
- topic rows: one per topic (JSON only; the excerpt rows repeat these columns for R/pandas).

``seg_start``/``seg_end`` in the tables are 0-based as in segments.parquet; human-readable
places ("turns 3–4") count turns from 1, as a reader of the transcript would.
"""

from __future__ import annotations

import csv
import io
import json
import re
from typing import Any

from feedcare.corpus.base.settings import as_dict
from feedcare.topics.themes.build import Theme, ThemesResult
from feedcare.topics.themes.excerpts import Excerpt

DEFINITIONS = {
    "unit_share": "share of units whose highest-weight topic is this topic",
    "word_share": "sum of topic weight x unit token count over all tokens",
    "mean_share": "mean topic weight over units",
    "spread": "distinct participants with at least one unit dominated by the topic",
    "excerpts": "highest-weight units, at most per_participant per participant before repeating",
}


# --- shared formatting ------------------------------------------------------------------------


def percent(value: float) -> str:
    return f"{100 * value:.1f}%"


def clock(seconds: float | None) -> str:
    """``h:mm:ss`` (or ``m:ss`` under an hour); empty when there is no timestamp."""
    if seconds is None:
        return ""
    total = int(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def turns(excerpt: Excerpt) -> str:
    first, last = excerpt.seg_start + 1, excerpt.seg_end + 1
    return f"turn {first}" if first == last else f"turns {first}–{last}"


def place(excerpt: Excerpt) -> str:
    """Where a reader finds the excerpt: participant, document, turns, time."""
    parts = [excerpt.participant_id, excerpt.source or excerpt.doc_id, turns(excerpt)]
    if excerpt.start_s is not None:
        parts.append(clock(excerpt.start_s))
    return ", ".join(parts)


def top_terms(theme: Theme, n: int = 10) -> str:
    return ", ".join(t.term for t in theme.terms[:n])


def coherence_text(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"


# --- tidy rows -----------------------------------------------------------------------------------


def topic_row(result: ThemesResult, theme: Theme) -> dict[str, Any]:
    p = theme.prevalence
    return {
        "run_id": result.run_id,
        "model": result.model,
        "topic": theme.topic,
        "label": theme.label or "",
        "name": theme.name,
        "memo": theme.memo,
        "top_terms": "; ".join(t.term for t in theme.terms),
        "n_units": p.n_units,
        "unit_share": round(p.unit_share, 6),
        "word_share": round(p.word_share, 6),
        "mean_share": round(p.mean_share, 6),
        "spread": p.spread,
        f"coherence_{result.config.coherence}": None
        if theme.coherence is None
        else round(theme.coherence, 6),
    }


EXCERPT_COLUMNS = (
    "excerpt_rank",
    "unit_id",
    "weight",
    "participant_id",
    "doc_id",
    "source",
    "speaker",
    "seg_start",
    "seg_end",
    "start_s",
    "char_start",
    "char_end",
    "text",
)


def excerpt_rows(result: ThemesResult, highlights: bool = False) -> list[dict[str, Any]]:
    rows = []
    for theme in result.themes:
        base = topic_row(result, theme)
        if not theme.excerpts:
            rows.append({**base, **dict.fromkeys(EXCERPT_COLUMNS)})
        for e in theme.excerpts:
            row = {
                **base,
                "excerpt_rank": e.rank,
                "unit_id": e.unit_id,
                "weight": round(e.weight, 6),
                "participant_id": e.participant_id,
                "doc_id": e.doc_id,
                "source": e.source,
                "speaker": e.speaker,
                "seg_start": e.seg_start,
                "seg_end": e.seg_end,
                "start_s": e.start_s,
                "char_start": e.char_start,
                "char_end": e.char_end,
                "text": e.text,
            }
            if highlights:
                row["highlights"] = [list(span) for span in e.highlights]
            rows.append(row)
    return rows


def group_rows(result: ThemesResult) -> list[dict[str, Any]]:
    table = result.groups
    if table is None:
        return []
    summary = {g.group: g for g in table.groups}
    names = {t.topic: t for t in result.themes}
    return [
        {
            "run_id": result.run_id,
            "model": result.model,
            "attribute": table.attribute,
            "topic": c.topic,
            "label": names[c.topic].label or "",
            "name": names[c.topic].name,
            "group": c.group,
            "mean_share": round(c.mean_share, 6),
            "n_units": c.n_units,
            "n_participants": c.n_participants,
            "few_participants": c.few_participants,
            "group_units": summary[c.group].n_units,
            "group_participants": summary[c.group].n_participants,
        }
        for theme in result.themes
        for c in table.cells
        if c.topic == theme.topic
    ]


# --- renderers -------------------------------------------------------------------------------------


def to_csv(result: ThemesResult) -> str:
    """Group rows when the result has a group table (``--by``), else excerpt rows."""
    rows = group_rows(result) if result.groups is not None else excerpt_rows(result)
    buffer = io.StringIO()
    if rows:
        writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return buffer.getvalue()


def to_data(result: ThemesResult) -> dict[str, Any]:
    """Everything as plain JSON-ready data (tidy lists of rows)."""
    topics = []
    for theme in result.themes:
        row = topic_row(result, theme)
        row["terms"] = [{"term": t.term, "weight": round(t.weight, 6)} for t in theme.terms]
        topics.append(row)
    return {
        "run_id": result.run_id,
        "model": result.model,
        "chosen_model": result.chosen_model,
        "n_topics": result.n_topics,
        "n_units": result.n_units,
        "n_participants": result.n_participants,
        "labels": str(result.labels_path) if result.labels_path else None,
        "config": as_dict(result.config),
        "definitions": DEFINITIONS,
        "topics": topics,
        "excerpts": [r for r in excerpt_rows(result, highlights=True) if r["excerpt_rank"] is not None],
        "group_attribute": result.groups.attribute if result.groups else None,
        "groups": group_rows(result),
        "sweep": [vars(point) for point in result.sweep],
        "notes": list(result.notes),
    }


def to_json(result: ThemesResult) -> str:
    return json.dumps(to_data(result), indent=2, ensure_ascii=False) + "\n"


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#+|~!&])")


def md_escape(text: str) -> str:
    return _MD_SPECIAL.sub(r"\\\1", text)


def md_highlighted(excerpt: Excerpt) -> str:
    return excerpt.marked(md_escape, lambda term: f"**{term}**")


def to_markdown(result: ThemesResult) -> str:
    """A report section to paste into a paper's appendix."""
    lines = [
        f"## Themes (run {md_escape(result.run_id)}, model {md_escape(result.model)})",
        "",
        f"{result.n_topics} topics over {result.n_units} units from {result.n_participants} participants. "
        "Prevalence: share of units where the topic dominates / share of words. Spread: participants "
        "voicing the topic in at least one unit it dominates.",
        "",
    ]
    for theme in result.themes:
        p = theme.prevalence
        lines += [
            f"### Topic {theme.topic}: {md_escape(theme.name)}",
            "",
            *([md_escape(theme.memo), ""] if theme.memo else []),
            f"*Top terms:* {md_escape(top_terms(theme))}  ",
            f"*Prevalence:* {percent(p.unit_share)} of units, {percent(p.word_share)} of words; "
            f"*spread:* {p.spread} participants; *coherence ({result.config.coherence}):* "
            f"{coherence_text(theme.coherence)}",
            "",
        ]
        for e in theme.excerpts:
            quoted = md_highlighted(e).split("\n")
            ellipsis_before = "… " if e.trimmed_before else ""
            ellipsis_after = " …" if e.trimmed_after else ""
            quoted[0] = ellipsis_before + quoted[0]
            quoted[-1] = quoted[-1] + ellipsis_after
            lines += [f"> {line}" if line else ">" for line in quoted]
            lines += [f"> — {md_escape(place(e))}; weight {e.weight:.2f}", ""]
    if result.groups is not None:
        lines += markdown_group_table(result)
    return "\n".join(lines).rstrip() + "\n"


def markdown_group_table(result: ThemesResult) -> list[str]:
    table = result.groups
    if table is None:
        return []
    header = ["Topic", *(f"{md_escape(g.group)} (n={g.n_participants})" for g in table.groups)]
    lines = [
        f"### Prevalence by {md_escape(table.attribute)}",
        "",
        "Mean topic share per group; in brackets: units the topic dominates / their participants. "
        f"† fewer than {table.min_participants} participants: too few to interpret.",
        "",
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
    ]
    for theme in result.themes:
        cells = []
        for g in table.groups:
            c = table.cell(theme.topic, g.group)
            mark = " †" if c.few_participants else ""
            cells.append(f"{percent(c.mean_share)} ({c.n_units}/{c.n_participants}){mark}")
        lines.append(f"| {theme.topic}: {md_escape(theme.name)} | " + " | ".join(cells) + " |")
    lines.append("")
    return lines
