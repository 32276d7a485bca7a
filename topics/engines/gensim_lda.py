"""The gensim engine: one ``LdaModel`` (online variational Bayes) per fit, in one process.

``LdaMulticore`` is not deterministic, so each fit is one single-process ``LdaModel`` with
``random_state=seed`` and ``eval_every=None`` (perplexity logging costs more than half the fit
time on small corpora and only reaches the log).

Early stop (``convergence`` > 0): after each pass, the largest total variation distance between
a topic's term distribution before and after the pass is compared with the tolerance, and
training ends when it is smaller. gensim's learning rate depends only on the pass number and the
units seen, never on the total number of passes, so a fit that stops after pass p is exactly the
fit ``passes=p`` gives: stopping early changes how long a fit runs, not what a pass computes.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from feedcare.corpus.base.errors import MissingDependencyError, UsageError
from feedcare.topics.config import TopicsConfig
from feedcare.topics.engines.base import FitResult, counting, normalise_rows
from feedcare.topics.engines.priors import check_k, seed_priors, term_counts
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
    """What a fit runs with; "auto" passes need the corpus: ``config.for_corpus(n_units)`` first."""
    if config.passes == "auto":
        raise ValueError('passes = "auto" depends on the corpus: use config.for_corpus(n_units) first')
    config = config.for_corpus(0)  # what is left: convergence "auto", off with a number of passes
    return {
        "passes": config.passes,
        # an early stop needs an M-step at the end of every pass: none with batch learning
        "convergence": config.convergence if config.update_every else 0.0,
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


# Single-core CPU time of one unit in one pass (E-step), from fits on a quiet 2-core AMD EPYC:
# about 80 µs plus 10 µs per token of the unit, nearly flat in k (5-50); the first pass, from
# random topics, takes ~1.4 times as long, the inference pass ~0.75 times.
SECONDS_PER_UNIT_PASS = 80e-6
SECONDS_PER_TOKEN_PASS = 10e-6
SECONDS_PER_UNIT_MEASURED = 20e-6  # coherence counting and writing doc_topics, at k = 20


def estimate_seconds(n_units: int, n_tokens: int, k: int, settings: dict[str, Any]) -> float:
    """Seconds one fit takes on one free core if it runs every pass (an upper estimate)."""
    per_pass = n_units * SECONDS_PER_UNIT_PASS + n_tokens * SECONDS_PER_TOKEN_PASS
    passes = 1.4 + (settings["passes"] - 1) + 0.75
    return per_pass * passes + n_units * SECONDS_PER_UNIT_MEASURED * max(k, 20) / 20


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

    eta = settings["eta"]
    guidance = settings.get("guidance")
    if guidance:
        eta = guided_eta(terms, k, eta, guidance)
    raw = bow  # the seeded start counts terms without reporting progress
    if progress is not None:  # training passes (at most), then one inference pass
        bow = counting(bow, len(bow) * (settings["passes"] + 1), progress)
    watch = _Convergence(settings.get("convergence") or 0.0)
    model = LdaModel(
        corpus=None,  # trained below, so that an early stop keeps the model
        num_topics=k,
        id2word=dict(enumerate(terms)),  # a plain dict: saved model files show real terms
        random_state=seed,
        passes=settings["passes"],
        iterations=settings["iterations"],
        alpha=settings["alpha"],
        eta=eta,
        chunksize=settings["chunksize"],
        update_every=settings["update_every"],
        gamma_threshold=settings["gamma_threshold"],
        decay=settings["decay"],
        offset=settings["offset"],
        eval_every=None,
        callbacks=[watch] if watch.tolerance > 0 else None,
    )
    if guidance:
        _seed_start(model, raw, eta)
    watch.start(model)
    try:
        model.update(bow)  # what LdaModel(corpus=bow) does
    except _Converged:
        pass
    model.callbacks = None  # the saved model must not need feedcare to load
    if progress is not None and watch.converged:  # the passes not run count as done
        bow.on_batch(len(bow) * (settings["passes"] - watch.passes))
    doc_topic = _infer(model, bow, len(bow), k, settings["minimum_probability"])

    def save(directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        model.save(str(directory / "model.gensim"))

    info = {
        "alpha": [float(a) for a in np.atleast_1d(model.alpha)],
        "passes_run": watch.passes if watch.tolerance > 0 else settings["passes"],
        "converged": watch.converged,
        "last_change": None if watch.change is None else round(watch.change, 6),
    }
    return FitResult(
        topic_term=normalise_rows(model.state.get_lambda()),
        doc_topic=doc_topic,
        save=save,
        info=info,
    )


def guided_eta(terms: list[str], k: int, eta: Any, guidance: dict[str, Any]) -> np.ndarray:
    """The k × V eta matrix of a guided fit (:func:`feedcare.topics.engines.priors.seed_priors`)."""
    if isinstance(eta, str) and eta != "symmetric":
        raise UsageError(f"eta = {eta!r} cannot be combined with --codebook (it learns the prior the "
                         "codebook sets); use eta = \"symmetric\" or a number")
    check_k(guidance, k)
    base = 1.0 / k if isinstance(eta, str) else float(eta)
    matrix = np.full((k, len(terms)), base, dtype=np.float64)
    for term_id, row in seed_priors(guidance, terms, k, base).items():
        matrix[:, term_id] = row
    return matrix


def _seed_start(model: Any, bow: BowCorpus, eta: np.ndarray) -> None:
    """Start each seed term in its code's topic, as tomotopy's sampler does under the same priors.

    gensim's random start gives every term the same statistics in every topic; a seed term's
    occurrences are moved to the topic(s) whose prior admits it, so the first E-step already
    sees each guided topic around its seeds (without this, a code's seeds were split with a free
    topic on planted data). Other terms keep their random start.
    """
    from gensim.matutils import dirichlet_expectation

    base = eta.max(axis=0)
    admitted = eta >= base[None, :] * 0.5  # the topics a term belongs to (all, for a free term)
    seeded = ~admitted.all(axis=0)
    if seeded.any():
        counts = term_counts(bow, eta.shape[1])
        share = admitted[:, seeded] / admitted[:, seeded].sum(axis=0, keepdims=True)
        model.state.sstats[:, seeded] = (share * counts[seeded]).astype(model.dtype)
    model.expElogbeta = np.exp(dirichlet_expectation(model.state.sstats))


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


class _Converged(Exception):
    """Raised from the end-of-pass callback to end training (gensim has no stop hook)."""


def _topic_terms(model: Any) -> np.ndarray:
    lam = model.state.get_lambda()
    return lam / lam.sum(axis=1, keepdims=True)


class _Convergence:
    """A gensim callback metric: the largest change of a topic in the last pass; stops below tolerance."""

    logger = None  # gensim's Callback: no shell or visdom logging
    title = "topic change"

    def __init__(self, tolerance: float) -> None:
        self.tolerance = tolerance
        self.passes = 0
        self.change: float | None = None
        self.converged = False
        self._previous: np.ndarray | None = None

    def start(self, model: Any) -> None:
        if self.tolerance > 0:
            self._previous = _topic_terms(model)

    def get_value(self, **kwargs: Any) -> float:
        current = _topic_terms(kwargs["model"])
        self.passes += 1
        self.change = float((0.5 * np.abs(current - self._previous).sum(axis=1)).max())
        self._previous = current
        if self.change < self.tolerance:
            self.converged = True
            raise _Converged
        return self.change

    def __str__(self) -> str:
        return self.title
