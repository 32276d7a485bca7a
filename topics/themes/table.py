"""``themes.parquet``: each unit's dominant theme, so "theme by trust" is one join in DuckDB.

One row per unit of the run's chosen model (schema :data:`~feedcare.topics.runs.rundir.THEMES`):
``doc_id``, ``participant_id``, the unit's turns and characters, the dominant theme, its weight
and its label. Document attributes stay in ``documents.parquet``: join on ``doc_id``.

When it is written: by ``feedcare themes``, for the chosen model only, when the file is missing
or when ``--labels`` is given (labels exist only at themes time; a later run without ``--labels``
leaves the labelled table alone). ``feedcare topics`` does not write it, so a run directory
never holds a theme table that disagrees with the labels the researcher last used.
It is written streaming through the units (a batch at a time) and atomically.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from feedcare.corpus import open_corpus
from feedcare.corpus.base.atomic import atomic_path
from feedcare.topics.runs.rundir import THEMES, THEMES_FILE
from feedcare.topics.themes.build import ThemesResult

COLUMNS = [
    "unit_id",
    "doc_id",
    "participant_id",
    "seg_start",
    "seg_end",
    "char_start",
    "char_end",
    "n_tokens",
]


def should_write(result: ThemesResult) -> bool:
    """Whether ``feedcare themes`` (re)writes the run's themes.parquet for ``result``."""
    if result.model != result.chosen_model or result.units is None or len(result.themes) != result.n_topics:
        return False
    if result.early is not None:  # an unfinished run: its chosen model may still change
        return False
    return result.labels_path is not None or not (result.run_path / THEMES_FILE).is_file()


def write_themes_table(result: ThemesResult, path: Path | None = None) -> Path:
    """Write the unit × dominant-theme table (default: ``<run>/themes.parquet``); returns the path."""
    if result.units is None:
        raise ValueError("the result has no per-unit themes")
    path = Path(path) if path is not None else result.run_path / THEMES_FILE
    corpus = open_corpus(result.corpus_path)
    labels = [None] * result.n_topics
    names = [None] * result.n_topics
    for theme in result.themes:
        labels[theme.topic], names[theme.topic] = theme.label, theme.name
    dominant, weight = result.units.dominant, result.units.weight
    metadata = {
        b"feedcare.labels": str(result.labels_path or "").encode(),
        b"feedcare.definition": b"topic: the unit's dominant theme (highest weight, ties to the lower topic)",
    }
    with atomic_path(path) as tmp, pq.ParquetWriter(tmp, THEMES.with_metadata(metadata)) as writer:
        for batch in corpus.iter_tokens(COLUMNS, 65_536):
            ids = batch.column("unit_id").to_numpy()
            topic = dominant[ids]
            seen = topic >= 0
            codes = np.where(seen, topic, 0)
            columns = {name: batch.column(name) for name in COLUMNS}
            columns["run_id"] = pa.array([result.run_id] * len(ids), pa.string())
            columns["model"] = pa.array([result.model] * len(ids), pa.string())
            columns["topic"] = pa.array(topic, pa.int32(), mask=~seen)
            columns["weight"] = pa.array(weight[ids], pa.float64(), mask=~seen)
            columns["label"] = pa.array(
                [labels[c] if s else None for c, s in zip(codes, seen, strict=True)], pa.string()
            )
            columns["theme"] = pa.array(
                [names[c] if s else None for c, s in zip(codes, seen, strict=True)], pa.string()
            )
            table = pa.table([columns[f.name] for f in THEMES], schema=THEMES.with_metadata(metadata))
            writer.write_table(table)
    return path
