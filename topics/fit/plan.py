"""What a sweep will cost, before anything is fitted: the fits, their settings, an estimate.

:func:`plan_sweep` checks the inputs as :func:`~feedcare.topics.fit.pipeline.fit_topics` does,
resolves the "auto" settings for the corpus, and estimates each fit's seconds with the engine's
``estimate_seconds`` (an optional part of the :class:`~feedcare.topics.engines.base.Engine`
protocol: an engine without it gets no estimate). The wall time simulates the sweep as it runs:
fits in plan order, each taken by the first free worker. The per-fit estimates come from
single-core rates measured on a quiet machine (see the engines); a busy or slower machine
takes longer, which is why the progress bar's ETA is computed from the observed speed, using
these estimates only as the fits' relative weights.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from feedcare.topics.config import TopicsConfig
from feedcare.topics.engines import get_engine

# Starting the worker processes (importing gensim once in the forkserver) and assembling the
# run's files after the fits, on top of the fits themselves.
SWEEP_OVERHEAD_SECONDS = 5.0


@dataclass(frozen=True)
class SweepPlan:
    """The fits a ``feedcare topics`` run will make, and what they will cost (plain data)."""

    n_units: int
    n_terms: int
    n_tokens: int
    engine: str
    settings: dict[str, Any]  # what every fit runs with ("auto" resolved for this corpus)
    ks: list[int]
    seeds: list[int]
    jobs: int  # worker processes
    fit_seconds: dict[str, float] = field(default_factory=dict)  # model → estimate (empty: none)
    reused: list[str] = field(default_factory=list)  # models already finished (a resumed run)

    @property
    def n_fits(self) -> int:
        return len(self.ks) * len(self.seeds)

    @property
    def models(self) -> list[str]:
        from feedcare.topics.runs.rundir import model_name

        return [model_name(k, seed) for k in self.ks for seed in self.seeds]

    @property
    def estimate_seconds(self) -> float | None:
        """Wall seconds for the fits still to run on ``jobs`` workers (None: no estimate)."""
        todo = [m for m in self.models if m not in self.reused]
        if not self.fit_seconds or not todo:
            return 0.0 if self.fit_seconds else None
        return wall_seconds([self.fit_seconds[m] for m in todo], self.jobs) + SWEEP_OVERHEAD_SECONDS

    def to_dict(self) -> dict[str, Any]:
        return {
            "n_units": self.n_units, "n_terms": self.n_terms, "n_tokens": self.n_tokens,
            "engine": self.engine, "settings": self.settings, "ks": self.ks, "seeds": self.seeds,
            "n_fits": self.n_fits, "jobs": self.jobs, "reused": self.reused,
            "fit_seconds": self.fit_seconds, "estimate_seconds": self.estimate_seconds,
        }


def wall_seconds(durations: list[float], jobs: int) -> float:
    """How long fits of these durations take when each goes, in order, to the first free worker."""
    free = [0.0] * max(1, min(jobs, len(durations)))
    end = 0.0
    for seconds in durations:
        start = heapq.heappop(free)
        end = max(end, start + seconds)
        heapq.heappush(free, start + seconds)
    return end


def plan_sweep(corpus_dir: Path, config: TopicsConfig | None = None, *, jobs: int | None = None,
               reused: list[str] | None = None) -> SweepPlan:
    """The plan of ``fit_topics(corpus_dir, config, jobs=jobs)``, without fitting anything.

    Raises the same one-line errors as ``fit_topics`` for missing or stale tokens and bad
    settings. ``reused`` names models a resumed run already has (they cost nothing).
    """
    from feedcare.topics.fit.pipeline import check_inputs
    from feedcare.topics.fit.sweep import default_jobs

    config = config or TopicsConfig()
    inputs = check_inputs(Path(corpus_dir), config)
    engine = get_engine(config.engine)
    settings = engine.settings(config.for_corpus(inputs.n_units))
    n_tokens = inputs.n_tokens
    n_jobs = jobs if jobs is not None else config.jobs or default_jobs()
    estimate = getattr(engine, "estimate_seconds", None)
    fit_seconds: dict[str, float] = {}
    if estimate is not None:
        from feedcare.topics.runs.rundir import model_name

        for k in config.ks:
            seconds = float(estimate(inputs.n_units, n_tokens, k, settings))
            fit_seconds.update({model_name(k, seed): seconds for seed in config.seed_list})
    return SweepPlan(
        n_units=inputs.n_units, n_terms=inputs.n_terms, n_tokens=n_tokens, engine=config.engine,
        settings=settings, ks=list(config.ks), seeds=list(config.seed_list),
        jobs=max(1, min(n_jobs, len(config.ks) * len(config.seed_list))), fit_seconds=fit_seconds,
        reused=list(reused or []),
    )


__all__ = ["SweepPlan", "plan_sweep", "wall_seconds"]
