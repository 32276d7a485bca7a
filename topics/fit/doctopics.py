"""The unit × topic distribution of a fit, kept on disk rather than in memory.

A million units at k = 20 is 160 MB of float64. An engine appends the normalised rows batch by
batch as it infers them (:class:`DocTopicsWriter`); readers get them back in row blocks
(:meth:`DocTopics.batches`). The rows live in an anonymous temporary file (deleted when the
object goes), so the page cache holds them, not the process.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO

import numpy as np

_READ_ROWS = 65_536


@dataclass(frozen=True)
class DocTopics:
    """n × k rows of p(topic | unit) (each sums to 1), in unit order."""

    n_units: int
    k: int
    _file: IO[bytes] | None = field(default=None, repr=False)
    _array: np.ndarray | None = field(default=None, repr=False)

    @classmethod
    def from_array(cls, matrix: np.ndarray) -> DocTopics:
        matrix = np.ascontiguousarray(matrix, dtype=np.float64)
        return cls(matrix.shape[0], matrix.shape[1], _array=matrix)

    @property
    def shape(self) -> tuple[int, int]:
        return (self.n_units, self.k)

    def batches(self, rows: int = _READ_ROWS) -> Iterator[np.ndarray]:
        """Consecutive blocks of at most ``rows`` rows, first unit first (any number of times)."""
        if self._array is not None:
            for start in range(0, self.n_units, rows):
                yield self._array[start : start + rows]
            return
        if self._file is None:  # an empty result
            return
        self._file.seek(0)
        for start in range(0, self.n_units, rows):
            count = min(rows, self.n_units - start) * self.k
            yield np.fromfile(self._file, dtype=np.float64, count=count).reshape(-1, self.k)

    def to_array(self) -> np.ndarray:
        """All rows in memory (small corpora, tests)."""
        if self._array is not None:
            return self._array
        parts = list(self.batches())
        return np.concatenate(parts) if parts else np.zeros((0, self.k))


class DocTopicsWriter:
    """Collects rows batch by batch; :meth:`finish` checks the count and returns :class:`DocTopics`."""

    def __init__(self, n_units: int, k: int) -> None:
        self.n_units, self.k, self.rows = n_units, k, 0
        self._file = tempfile.TemporaryFile(prefix="feedcare-doc-topics-")

    def add(self, rows: np.ndarray) -> None:
        rows = np.ascontiguousarray(rows, dtype=np.float64)
        if rows.ndim != 2 or rows.shape[1] != self.k:
            raise ValueError(f"doc-topic rows must have {self.k} columns, got shape {rows.shape}")
        rows.tofile(self._file)
        self.rows += len(rows)

    def finish(self) -> DocTopics:
        if self.rows != self.n_units:
            raise ValueError(
                f"tokens.parquet changed while it was read ({self.rows} units, expected {self.n_units})"
            )
        self._file.flush()
        return DocTopics(self.n_units, self.k, _file=self._file)
