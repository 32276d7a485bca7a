"""The tomotopy engine: collapsed Gibbs sampling LDA (``tomotopy.LDAModel``), one thread per fit.

Implements :class:`~feedcare.topics.engines.base.Engine` like
:mod:`feedcare.topics.engines.gensim_lda`. ``workers=1`` keeps a fit deterministic for its
seed; parallelism comes from running fits side by side. tomotopy is an optional extra
(``pip install feedcare[tomotopy]``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from feedcare.corpus.base.errors import MissingDependencyError
from feedcare.topics.config import TopicsConfig
from feedcare.topics.engines.base import FitResult, normalise_rows
from feedcare.topics.engines.priors import check_k, seed_priors
from feedcare.topics.fit.bow import BowCorpus
from feedcare.topics.fit.doctopics import DocTopics

NAME = "tomotopy"
PRELOAD = ("tomotopy",)
PROGRESS_EVERY = 25  # iterations between progress reports


def check_available() -> None:
    try:
        import tomotopy  # noqa: F401
    except ImportError:
        raise MissingDependencyError(
            "engine 'tomotopy' needs the tomotopy package; install it with "
            "`pip install 'feedcare[tomotopy]'` or use --engine gensim"
        ) from None


def package_versions() -> dict[str, str]:
    import numpy
    import tomotopy

    return {"tomotopy": tomotopy.__version__, "tomotopy_isa": tomotopy.isa, "numpy": numpy.__version__}


def settings(config: TopicsConfig) -> dict[str, Any]:
    return {
        "iterations": config.tomotopy_iterations,
        "burn_in": config.tomotopy_burn_in,
        "alpha": config.tomotopy_alpha,
        "eta": config.tomotopy_eta,
        "optim_interval": config.tomotopy_optim_interval,
        "rm_top": config.tomotopy_rm_top,
        "minimum_probability": config.minimum_probability,
        "workers": 1,
        "term_weight": "ONE",
    }


# Single-core time of one Gibbs iteration, from the quality benchmark's fits (docs/performance.md):
# about 70 ns per token plus 0.5 µs per unit.
SECONDS_PER_TOKEN_ITERATION = 70e-9
SECONDS_PER_UNIT_ITERATION = 0.5e-6


def estimate_seconds(n_units: int, n_tokens: int, k: int, settings: dict[str, Any]) -> float:
    """Seconds one fit takes on one free core (an estimate from the corpus size)."""
    per_iteration = n_tokens * SECONDS_PER_TOKEN_ITERATION + n_units * SECONDS_PER_UNIT_ITERATION
    return per_iteration * settings["iterations"] + n_units * 20e-6 * max(k, 20) / 20


def fit(
    bow: BowCorpus,
    terms: list[str],
    k: int,
    seed: int,
    settings: dict[str, Any],
    progress: Callable[[float], None] | None = None,
) -> FitResult:
    """Fit one tomotopy LDAModel on the bag of words; ``terms[i]`` is the term of token id ``i``."""
    import tomotopy as tp

    model = tp.LDAModel(
        tw="one", k=k, alpha=settings["alpha"], eta=settings["eta"], seed=seed,
        rm_top=settings["rm_top"],
    )
    for doc in bow:
        model.add_doc([terms[i] for i, count in doc for _ in range(count)])
    guidance = settings.get("guidance")
    if guidance:  # word priors must be set before training (and after the documents are added)
        _set_word_priors(model, terms, k, settings["eta"], guidance)
    model.burn_in = settings["burn_in"]
    model.optim_interval = settings["optim_interval"]
    total = settings["iterations"]
    callback = (lambda _model, done, _total: progress(done / total)) if progress is not None else None
    model.train(iterations=total, workers=1, callback=callback, callback_interval=PROGRESS_EVERY)

    def save(directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        model.save(str(directory / "model.tomotopy.bin"), full=True)

    info = {"alpha": [float(a) for a in np.atleast_1d(model.alpha)], "ll_per_word": float(model.ll_per_word)}
    return FitResult(
        topic_term=_topic_term(model, terms, k),
        doc_topic=DocTopics.from_array(_doc_topic(model, k, settings["minimum_probability"])),
        save=save,
        info=info,
    )


def _set_word_priors(model: Any, terms: list[str], k: int, eta: float, guidance: dict[str, Any]) -> None:
    """Each seed term's prior per topic (:func:`feedcare.topics.engines.priors.seed_priors`)."""
    check_k(guidance, k)
    for term_id, row in sorted(seed_priors(guidance, terms, k, float(eta)).items()):
        model.set_word_prior(terms[term_id], row)


def _topic_term(model: Any, terms: list[str], k: int) -> np.ndarray:
    """p(term | topic) over feedcare's vocabulary order (terms tomotopy dropped get 0)."""
    ids = {term: i for i, term in enumerate(terms)}
    columns = np.array([ids[word] for word in model.used_vocabs], dtype=np.int64)
    out = np.zeros((k, len(terms)))
    for topic in range(k):
        out[topic, columns] = model.get_topic_word_dist(topic, normalize=True)
    return normalise_rows(out)


def _doc_topic(model: Any, k: int, minimum: float) -> np.ndarray:
    rows = np.array([doc.get_topic_dist(normalize=True) for doc in model.docs], dtype=np.float64)
    # A unit left with no words (rm_top removed them all) has no posterior: its prior is uniform.
    empty = ~np.isfinite(rows).all(axis=1) | (rows.sum(axis=1) <= 0)
    rows[empty] = 1.0 / k
    return normalise_rows(rows, minimum)
