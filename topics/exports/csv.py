"""``--format csv``: one tidy table, ready for R, pandas, DuckDB or a spreadsheet.

One row per topic × excerpt (see :func:`~feedcare.topics.exports.rows.excerpt_rows`), or with
``--by`` one row per topic × group. ``seg_start``/``seg_end`` are 0-based as in segments.parquet.
"""

from __future__ import annotations

import csv
import io

from feedcare.topics.exports.rows import excerpt_rows, group_rows
from feedcare.topics.themes.build import ThemesResult


def to_csv(result: ThemesResult) -> str:
    """Group rows when the result has a group table (``--by``), else excerpt rows."""
    rows = group_rows(result) if result.groups is not None else excerpt_rows(result)
    buffer = io.StringIO()
    if rows:
        writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return buffer.getvalue()
