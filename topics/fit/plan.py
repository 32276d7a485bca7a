"""What a sweep will cost, before anything is fitted: the fits, their settings, an estimate.

:func:`build_plan` (used by ``fit_topics`` and by ``plan_sweep``, its ``--dry-run``, both in
:mod:`.pipeline`) estimates each fit's seconds with the engine's ``estimate_seconds``, an
optional part of the :class:`~feedcare.topics.engines.base.Engine` protocol: an engine without
it gets no estimate. The wall time simulates the sweep as it runs: fits in plan order, each
taken by the first free worker. The per-fit estimates come from single-core rates measured on
a quiet machine (see the engines); a busy or slower machine takes longer, which is why the
progress bar's ETA is computed from the observed pace, with these estimates as the fits'
relative weights.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from typing import Any

from feedcare.topics.config import TopicsConfig

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


def build_plan(n_units: int, n_terms: int, n_tokens: int, engine: Any, config: TopicsConfig,
               settings: dict[str, Any], jobs: int, reused: list[str] | None = None) -> SweepPlan:
    """The plan for a ``config`` already resolved for the corpus (``config.for_corpus``)."""
    from feedcare.topics.runs.rundir import model_name

    estimate = getattr(engine, "estimate_seconds", None)
    fit_seconds: dict[str, float] = {}
    if estimate is not None:
        for k in config.ks:
            seconds = max(float(estimate(n_units, n_tokens, k, settings)), 1e-3)
            fit_seconds.update({model_name(k, seed): seconds for seed in config.seed_list})
    n_fits = len(config.ks) * len(config.seed_list)
    return SweepPlan(
        n_units=n_units, n_terms=n_terms, n_tokens=n_tokens, engine=config.engine, settings=settings,
        ks=list(config.ks), seeds=list(config.seed_list), jobs=max(1, min(jobs, n_fits)),
        fit_seconds=fit_seconds, reused=list(reused or []),
    )


__all__ = ["SweepPlan", "build_plan", "wall_seconds"]
