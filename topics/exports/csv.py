"""``--format csv``: one tidy table, ready for R, pandas, DuckDB or a spreadsheet.

One row per topic × excerpt (see :func:`~feedcare.topics.exports.rows.excerpt_rows`), or with
``--by`` one row per topic × group. ``seg_start``/``seg_end`` are 0-based as in segments.parquet.

``--codebook --out codes.csv``: one row per theme, with the columns QDA tools import a code list
from — ``name`` and ``tag`` (the code's name: QualCoder and most tools read ``name``, Taguette
``tag``) and ``description`` (memo and facts, as in the REFI-QDA codebook) — then the topic
columns every other table has (topic, label, memo, top terms, prevalence, ...).
"""

from __future__ import annotations

import csv
import io

from feedcare.corpus.base.printable import printable
from feedcare.topics.exports.rows import excerpt_rows, group_rows, topic_row
from feedcare.topics.themes.build import ThemesResult


def to_csv(result: ThemesResult) -> str:
    """Group rows when the result has a group table (``--by``), else excerpt rows."""
    rows = group_rows(result) if result.groups is not None else excerpt_rows(result)
    return _write(rows)


def codebook_csv(result: ThemesResult) -> str:
    """A code list for Taguette, QualCoder and spreadsheets: name, tag, description, topic columns."""
    from feedcare.topics.exports.qdpx import code_description, code_name

    rows = []
    for theme in sorted(result.themes, key=lambda t: t.topic):
        name = code_name(theme)
        row = {k: v for k, v in topic_row(result, theme).items() if k != "name"}  # name: the code's
        rows.append({"name": name, "tag": name, "description": code_description(result, theme), **row})
    return _write(rows)


def _write(rows: list[dict]) -> str:
    buffer = io.StringIO()
    if rows:
        writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return printable(buffer.getvalue())  # no terminal escape from a transcript reaches `cat`
