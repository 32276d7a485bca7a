"""A run's ``run.json``, declared once: :class:`RunInfo` and its parts.

``feedcare topics`` writes it first with ``status: running`` (configuration, fingerprints, the
planned models) and again, last, with ``status: complete`` and the results; the Parquet tables
it describes are declared in :mod:`.rundir`. Reading and writing (``format_version``, one-line
errors) is :mod:`feedcare.corpus.base.sidecar`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from feedcare.corpus.base.sidecar import Record, Sidecar
from feedcare.topics.codebook.guidance import Guidance

RUN_FILE = "run.json"
RUN_SCHEMA_VERSION = 1  # of the run's Parquet tables


@dataclass(frozen=True)
class EngineRecord(Record):
    name: str
    settings: dict[str, Any]  # the engine's own settings, as passed to every fit
    packages: dict[str, str]  # package → version


@dataclass(frozen=True)
class ModelRef(Record):
    model: str  # kK-sSEED
    k: int
    seed: int
    path: str  # of the native model files, relative to the run directory


@dataclass(frozen=True)
class KSummary(Record):
    """Mean and standard deviation of each measure over the seeds at one k."""

    k: int
    n_fits: int
    mean: dict[str, float | None]  # measure → mean (None: no value), plus "stability"
    sd: dict[str, float | None]


@dataclass(frozen=True)
class FitMeasures(Record):
    """One fit's measures."""

    model: str
    k: int
    seed: int
    c_npmi: float | None
    c_v: float | None
    u_mass: float | None
    diversity: float | None
    stability: float | None  # against the other seeds at this k; None with one seed
    fit_seconds: float
    engine_info: dict[str, Any]  # what the engine learned (e.g. optimised priors)


@dataclass(frozen=True)
class Measures(Record):
    by_k: list[KSummary]
    fits: list[FitMeasures]


@dataclass(frozen=True)
class Recommendation(Record):
    rule: str
    stability_tolerance: float


@dataclass(frozen=True)
class Timings(Record):
    fits_seconds: float
    total_seconds: float
    fit_seconds_sum: float


@dataclass(frozen=True)
class RunInfo(Sidecar):
    """``run.json``: configuration, seeds, fingerprints, versions, and (once complete) results."""

    FILE: ClassVar[str] = RUN_FILE
    FORMAT_VERSION: ClassVar[int] = 1
    REWRITE: ClassVar[str] = "delete the run directory and run `feedcare topics` again"
    NEWER_FIX: ClassVar[str] = (
        "upgrade feedcare (pip install -U feedcare), or fit a new run with `feedcare topics`"
    )

    schema_version: int  # of the run's Parquet tables (RUN_SCHEMA_VERSION)
    run_id: str
    created: str
    status: Literal["running", "complete"]
    fingerprint: str  # of the settings and tokens: a resumed run must match it
    engine: EngineRecord
    config: dict[str, Any]  # the effective [topics] settings
    ks: list[int]
    seeds: list[int]
    corpus_fingerprint: str
    tokens_fingerprint: str
    packages: dict[str, str]  # feedcare, python, pyarrow and the engine's packages → version
    n_units: int
    n_terms: int
    models: list[ModelRef]
    # a guided run (`feedcare topics --codebook`): the codes, their effective seeds, boost, free topics
    codebook: Guidance | None = None
    # written when the run completes
    completed: str | None = None
    chosen_model: str | None = None
    chosen_reason: str | None = None
    chosen_topics: list[list[str]] | None = None  # the chosen model's top terms per topic
    recommendation: Recommendation | None = None
    measures: Measures | None = None
    reused_fits: int | None = None  # fits finished by an earlier, interrupted attempt
    timings: Timings | None = None

    def problem(self) -> str | None:
        if self.status == "complete":
            missing = [name for name in ("completed", "chosen_model", "chosen_reason", "chosen_topics",
                                         "recommendation", "measures", "reused_fits", "timings")
                       if getattr(self, name) is None]
            if missing:
                verb = "is" if len(missing) == 1 else "are"
                return f"status is complete but {', '.join(missing)} {verb} missing"
        if self.chosen_model is not None and self.chosen_model not in {m.model for m in self.models}:
            return f"chosen_model {self.chosen_model!r} is not one of the run's models"
        return None

    @property
    def is_complete(self) -> bool:
        return self.status == "complete"
