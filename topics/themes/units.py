"""Each unit's themes: its dominant topic and any other topic above a weight threshold.

This is what the REFI-QDA project codes (every unit with its dominant theme, plus any other
theme with weight ≥ ``other_weight``) and what ``themes.parquet`` records for data tools.
Collected while :func:`~feedcare.topics.themes.build.build_themes` streams doc_topics once:
the dominant topic comes from the prevalence accumulator (a few bytes per unit), and the other
themes are the rows at or above the threshold (at most ``1 / other_weight`` per unit).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


class OtherThemes:
    """A doc_topics sink keeping (unit, topic, weight) rows with weight ≥ ``min_weight``."""

    def __init__(self, min_weight: float) -> None:
        self.min_weight = min_weight
        self._parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []

    def add(self, unit_ids: np.ndarray, topics: np.ndarray, weights: np.ndarray) -> None:
        if self.min_weight > 1.0:
            return
        keep = weights >= self.min_weight
        if keep.any():
            self._parts.append((unit_ids[keep], topics[keep].astype(np.int32), weights[keep]))

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if not self._parts:
            return np.zeros(0, np.int64), np.zeros(0, np.int32), np.zeros(0)
        return tuple(np.concatenate([p[i] for p in self._parts]) for i in range(3))  # type: ignore[return-value]


@dataclass(frozen=True)
class UnitThemes:
    """Per unit (indexed by unit_id): dominant topic (-1: the unit has no weights) and its weight;
    plus the other themes at or above ``other_weight``, as parallel arrays sorted by unit."""

    dominant: np.ndarray
    weight: np.ndarray
    other_weight: float
    other_units: np.ndarray
    other_topics: np.ndarray
    other_weights: np.ndarray

    @classmethod
    def collect(cls, dominant: np.ndarray, weight: np.ndarray, others: OtherThemes) -> UnitThemes:
        units, topics, weights = others.arrays()
        keep = topics != dominant[units]  # the dominant theme is coded once, as dominant
        units, topics, weights = units[keep], topics[keep], weights[keep]
        order = np.lexsort((topics, -weights, units))
        return cls(dominant, weight, others.min_weight, units[order], topics[order], weights[order])

    def codes(self, unit: int) -> list[tuple[int, float]]:
        """(topic, weight) pairs the unit is coded with: dominant first, then the others."""
        topic = int(self.dominant[unit])
        if topic < 0:
            return []
        return [(topic, float(self.weight[unit])), *self._others().get(unit, ())]

    def _others(self) -> dict[int, list[tuple[int, float]]]:
        # Built once, on first use: only units with another theme above the threshold have a key.
        cache = self.__dict__.get("_other_cache")
        if cache is None:
            cache = {}
            for u, t, w in zip(
                self.other_units.tolist(),
                self.other_topics.tolist(),
                self.other_weights.tolist(),
                strict=True,
            ):
                cache.setdefault(u, []).append((t, w))
            object.__setattr__(self, "_other_cache", cache)
        return cache
