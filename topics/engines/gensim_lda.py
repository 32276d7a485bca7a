"""The gensim engine: one ``LdaModel`` (online variational Bayes) per fit, in one process.

``LdaMulticore`` is not deterministic, so each fit is one single-process ``LdaModel`` with
``random_state=seed`` and ``eval_every=None`` (perplexity logging costs more than half the fit
time on small corpora and only reaches the log).
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from feedcare.corpus.base.errors import MissingDependencyError
from feedcare.topics.config import TopicsConfig
from feedcare.topics.engines.base import FitResult, counting, normalise_rows
from feedcare.topics.fit.bow import BowCorpus
from feedcare.topics.fit.doctopics import DocTopics, DocTopicsWriter

NAME = "gensim"
PRELOAD = ("gensim.models.ldamodel",)


def check_available() -> None:
    # find_spec, not import: importing gensim takes seconds, and with --jobs only the workers fit.
    if importlib.util.find_spec("gensim") is None:  # a core dependency, but say so clearly
        raise MissingDependencyError(
            "the gensim engine needs gensim; install it with `pip install gensim`"
        )


def package_versions() -> dict[str, str]:
    from importlib.metadata import version

    return {name: version(name) for name in ("gensim", "numpy", "scipy")}


def settings(config: TopicsConfig) -> dict[str, Any]:
    return {
        "passes": config.passes,
        "iterations": config.iterations,
        "alpha": config.alpha,
        "eta": config.eta,
        "chunksize": config.chunksize,
        "update_every": config.update_every,
        "gamma_threshold": config.gamma_threshold,
        "minimum_probability": config.minimum_probability,
        "eval_every": None,
        "decay": 0.5,
        "offset": 1.0,
    }


def fit(
    bow: BowCorpus,
    terms: list[str],
    k: int,
    seed: int,
    settings: dict[str, Any],
    progress: Callable[[float], None] | None = None,
) -> FitResult:
    """Fit one LdaModel; ``terms[i]`` is the term of token id ``i``; progress gets 0..1."""
    from gensim.models import LdaModel

    if progress is not None:  # training passes, then one inference pass
        bow = counting(bow, len(bow) * (settings["passes"] + 1), progress)
    model = LdaModel(
        corpus=bow,
        num_topics=k,
        id2word=dict(enumerate(terms)),  # a plain dict: saved model files show real terms
        random_state=seed,
        passes=settings["passes"],
        iterations=settings["iterations"],
        alpha=settings["alpha"],
        eta=settings["eta"],
        chunksize=settings["chunksize"],
        update_every=settings["update_every"],
        gamma_threshold=settings["gamma_threshold"],
        decay=settings["decay"],
        offset=settings["offset"],
        eval_every=None,
    )
    doc_topic = _infer(model, bow, len(bow), k, settings["minimum_probability"])

    def save(directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        model.save(str(directory / "model.gensim"))

    info = {"alpha": [float(a) for a in np.atleast_1d(model.alpha)]}
    return FitResult(
        topic_term=normalise_rows(model.state.get_lambda()),
        doc_topic=doc_topic,
        save=save,
        info=info,
    )


def _infer(model: Any, bow: BowCorpus, n: int, k: int, minimum: float) -> DocTopics:
    """The n × k unit-topic rows, inferred batch by batch and parked on disk as they come.

    model.inference on whole batches: the same posterior as get_document_topics (normalised
    gamma) without its per-document Python overhead and without its minimum_probability
    filter, which would drop topics from the distribution. Nothing n × k stays in memory
    (a million units at k = 20 would be 160 MB).
    """
    rows = DocTopicsWriter(n, k)
    for chunk in bow.chunks():
        rows.add(normalise_rows(model.inference(chunk)[0], minimum))
    return rows.finish()
