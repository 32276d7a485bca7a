"""Tidy rows and the text formatting every export shares (CSV, JSON, Markdown, HTML, the terminal).

- excerpt rows: one per topic × excerpt (a topic without excerpts still gets one row, with
  empty excerpt columns, so every topic appears);
- group rows: one per topic × group of the ``--by`` attribute;
- topic rows: one per topic (JSON only; the excerpt rows repeat these columns for R/pandas).

``seg_start``/``seg_end`` in the tables are 0-based as in segments.parquet; human-readable
places ("turns 3–4") count turns from 1, as a reader of the transcript would.
"""

from __future__ import annotations

from typing import Any

from feedcare.topics.measures.distinctive import RANKING_NAMES
from feedcare.topics.themes.build import Theme, ThemesResult
from feedcare.topics.themes.excerpts import Excerpt

# One name and one definition per measure, used by every export, the terminal and the docs.
DEFINITIONS = {
    "prevalence": "share of units whose dominant (highest-weight) theme this is",
    "word_share": "sum of topic weight x unit token count over all tokens",
    "mean_weight": "mean topic weight p(topic | unit) over units (--by compares it across groups)",
    "spread": "distinct participants with at least one unit dominated by the topic",
    "top_terms": "the topic's most probable terms, p(term | topic): what is frequent in it",
    "distinctive_terms": "terms ranked by FREX (stm labelTopics: harmonic mean of frequency and "
    "exclusivity ranks, weight 0.5) or by relevance (LDAvis, lambda 0.6), as distinctive_by says: "
    "what sets the topic apart",
    "corpus_wide_terms": "terms in the top terms (by probability) of at least half the topics: "
    "stopword candidates",
    "excerpts": "units ranked by topic weight x length typicality, at most per_participant per "
    "participant before repeating; participant speech only, trimmed to whole sentences",
    "question": "the interviewer's turn before the excerpt: context, not part of the excerpt",
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
    """Where a reader finds the excerpt: participant, document, turns, time.

    A one-turn document (a comment) is its own participant and has no turns: its table and the
    row or id that finds it there ("comments.csv, row 12", "fft.csv, id 4711").
    """
    if excerpt.single_turn:
        return comment_place(excerpt.source, excerpt.doc_id)
    parts = [excerpt.participant_id, excerpt.source or excerpt.doc_id, turns(excerpt)]
    if excerpt.start_s is not None:
        parts.append(clock(excerpt.start_s))
    return ", ".join(parts)


def comment_place(source: str, doc_id: str) -> str:
    """A comment's table and row: ingest names a row without an id column "<table>:<row>"."""
    if not source:
        return doc_id
    table, _, row = doc_id.rpartition(":")
    if row.isdigit() and table and source.rsplit(".", 1)[0] == table:
        return f"{source}, row {row}"
    return f"{source}, id {doc_id}"


def question_place(excerpt: Excerpt) -> str:
    """Where the interviewer's question is: "turn 4"."""
    return "" if excerpt.question_seg is None else f"turn {excerpt.question_seg + 1}"


def top_terms(theme: Theme, n: int = 10) -> str:
    return ", ".join(t.term for t in theme.terms[:n])


def distinctive_terms(theme: Theme, n: int = 10) -> str:
    return ", ".join(t.term for t in theme.distinctive[:n])


def ranking_name(result: ThemesResult) -> str:
    """What the distinctive terms are ranked by, in words ("FREX (frequency and exclusivity…)")."""
    return RANKING_NAMES[result.config.distinctive]


def term_lines(result: ThemesResult, theme: Theme) -> list[tuple[str, str]]:
    """(heading, terms) pairs every view shows: probability first, then the distinctive terms."""
    lines = [("Top terms by probability", top_terms(theme))]
    if theme.distinctive:
        lines.append((f"Distinctive terms by {result.config.distinctive.upper()}", distinctive_terms(theme)))
    return lines


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
        "distinctive_terms": "; ".join(t.term for t in theme.distinctive),
        "distinctive_by": result.config.distinctive if theme.distinctive else None,
        "n_units": p.n_units,
        "prevalence": round(p.unit_share, 6),
        "word_share": round(p.word_share, 6),
        "mean_weight": round(p.mean_share, 6),
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
    "question_seg",
    "question",
)


def group_excerpt_rows(result: ThemesResult) -> list[dict[str, Any]]:
    """With --excerpts-per-group: one row per group × topic × excerpt."""
    if result.groups is None:
        return []
    rows = []
    for theme in result.themes:
        for group, by_topic in result.group_excerpts.items():
            for e in by_topic.get(theme.topic, ()):
                rows.append(
                    {
                        "attribute": result.groups.attribute,
                        "group": group,
                        "topic": theme.topic,
                        "name": theme.name,
                        **_excerpt_fields(e),
                    }
                )
    return rows


def _excerpt_fields(e: Excerpt) -> dict[str, Any]:
    return {
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
        "question_seg": e.question_seg,
        "question": e.question,
    }


def excerpt_rows(result: ThemesResult, highlights: bool = False) -> list[dict[str, Any]]:
    rows = []
    for theme in result.themes:
        base = topic_row(result, theme)
        if not theme.excerpts:
            rows.append({**base, **dict.fromkeys(EXCERPT_COLUMNS)})
        for e in theme.excerpts:
            row = {**base, **_excerpt_fields(e)}
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
            "mean_weight": round(c.mean_share, 6),
            "prevalence": round(c.n_units / summary[c.group].n_units, 6) if summary[c.group].n_units else 0.0,
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
