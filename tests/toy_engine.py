"""A toy topic engine, registered by the tests the way docs/extending.md shows: a complete Engine, not LDA.

Unit ``i`` belongs to topic ``(i + seed) % k``; a topic's term weights are the smoothed counts of
its units' tokens. It returns the unit × topic rows as a plain array, which a fit accepts as well
as a :class:`~feedcare.topics.fit.doctopics.DocTopics`.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from feedcare.topics.engines.base import FitResult, normalise_rows

NAME = "toy"
PRELOAD: tuple[str, ...] = ()  # nothing slow to import in the worker processes


def check_available() -> None:
    """Raise MissingDependencyError here when the engine's package is not installed."""


def package_versions() -> dict[str, str]:
    return {"numpy": np.__version__}


def settings(config) -> dict:
    return {"smoothing": 0.01, "own_weight": 0.9}


def fit(bow, terms, k, seed, settings, progress=None) -> FitResult:
    counts = np.full((k, len(terms)), settings["smoothing"])
    topic_of = []
    for i, unit in enumerate(bow):
        topic = (i + seed) % k
        for term_id, n in unit:
            counts[topic, term_id] += n
        topic_of.append(topic)
    own = settings["own_weight"]
    doc_topic = np.full((len(topic_of), k), (1 - own) / (k - 1))
    doc_topic[np.arange(len(topic_of)), topic_of] = own
    if progress is not None:
        progress(1.0)

    def save(directory: Path) -> None:
        if settings.get("fail_save"):
            (directory / "half.json").write_text("{")
            raise OSError("disk full")
        (directory / "toy.json").write_text(json.dumps({"k": k, "seed": seed}))

    info = {"units": len(topic_of)}
    return FitResult(topic_term=normalise_rows(counts), doc_topic=doc_topic, save=save, info=info)
