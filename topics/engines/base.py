"""What every engine is: the :class:`Engine` protocol and the :class:`FitResult` it returns.

Everything downstream (measures, stability, the run directory, themes) sees only
:class:`FitResult`, never the engine.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from feedcare.topics.fit.bow import BowCorpus
from feedcare.topics.fit.doctopics import DocTopics


@dataclass(frozen=True)
class FitResult:
    """One fitted model as plain arrays.

    ``topic_term`` is k × V (rows are p(term | topic), sum 1); ``doc_topic`` is n × k (rows are
    p(topic | unit), sum 1), kept on disk and read back in row blocks (:class:`DocTopics`).
    ``save(directory)`` writes the engine's native model files.
    ``info`` holds JSON-ready facts the engine learned (e.g. optimised priors).
    """

    topic_term: np.ndarray
    doc_topic: DocTopics
    save: Callable[[Path], None]
    info: dict[str, Any] = field(default_factory=dict)


class Engine(Protocol):
    """An engine module: the names it must define (checked by the registry's tests).

    ``PRELOAD`` lists the modules its fits import, loaded once in the worker processes'
    forkserver; ``settings`` returns the JSON-ready settings it reads from the configuration
    (recorded in run.json); ``fit`` gets ``terms[i]`` for token id ``i`` and reports 0..1 progress.

    Optional: ``estimate_seconds(n_units, n_tokens, k, settings) -> float``, one fit's seconds on
    one free core, for the plan ``feedcare topics`` prints before fitting and for the progress
    bar's weights (:mod:`feedcare.topics.fit.plan`); without it the plan has no estimate.
    """

    NAME: str
    PRELOAD: tuple[str, ...]

    def check_available(self) -> None: ...

    def package_versions(self) -> dict[str, str]: ...

    def settings(self, config: Any) -> dict[str, Any]: ...

    def fit(self, bow: BowCorpus, terms: list[str], k: int, seed: int, settings: dict[str, Any],
            progress: Callable[[float], None] | None = None) -> FitResult: ...


def normalise_rows(matrix: np.ndarray, minimum: float = 0.0) -> np.ndarray:
    """Rows scaled to sum 1 in float64; weights below ``minimum`` dropped first."""
    matrix = np.asarray(matrix, dtype=np.float64)
    if minimum > 0:
        matrix = np.where(matrix / matrix.sum(axis=1, keepdims=True) < minimum, 0.0, matrix)
    return matrix / matrix.sum(axis=1, keepdims=True)


def counting(bow: BowCorpus, total: int, progress: Callable[[float], None]) -> BowCorpus:
    """A copy of ``bow`` that reports the share of ``total`` units read so far."""
    done = 0

    def tick(n_units: int) -> None:
        nonlocal done
        done += n_units
        progress(min(done / max(total, 1), 1.0))

    return dataclasses.replace(bow, on_batch=tick)
