"""``--format json`` (and ``--json``): the whole result as plain data, every table a list of rows."""

from __future__ import annotations

import json
from typing import Any

from feedcare.corpus.base.printable import json_escaped
from feedcare.corpus.base.settings import as_dict
from feedcare.topics.exports.rows import (
    DEFINITIONS,
    excerpt_rows,
    group_excerpt_rows,
    group_rows,
    topic_row,
)
from feedcare.topics.themes.build import ThemesResult


def to_data(result: ThemesResult) -> dict[str, Any]:
    """Everything as plain JSON-ready data (tidy lists of rows)."""
    topics = []
    for theme in result.themes:
        row = topic_row(result, theme)
        row["terms"] = [{"term": t.term, "weight": round(t.weight, 6)} for t in theme.terms]
        row["distinctive"] = [
            {"term": t.term, "weight": round(t.weight, 6), result.config.distinctive: round(t.score, 6)}
            for t in theme.distinctive
        ]
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
        "group_excerpts": group_excerpt_rows(result),
        "sweep": [vars(point) for point in result.sweep],
        "corpus_wide_terms": list(result.corpus_wide),
        "stopword_hint": result.stopword_hint or None,
        "notes": list(result.notes),
    }


def to_json(result: ThemesResult) -> str:
    return json_escaped(json.dumps(to_data(result), indent=2, ensure_ascii=False)) + "\n"
