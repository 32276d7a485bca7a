"""Early results: what a running or interrupted sweep has finished, measured and ranked as a whole.

Every fit writes ``fits/<model>/`` as soon as it finishes (``fit.json`` last). Until the run is
complete, :func:`early_results` reads the finished fits that belong to this run (their
fingerprint matches the run's settings and tokens), measures stability across the seeds
finished so far and applies the same recommendation rule as a complete run, so that
``feedcare runs show`` and ``feedcare themes`` can use them, always with a note saying the
results are provisional. Nothing here writes to the run directory.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
from feedcare.corpus.base.errors import DataError
from feedcare.corpus.store.lock import is_locked
from feedcare.topics.fit.fitting import FITS_DIR, finished_fits, fit_fingerprint
from feedcare.topics.fit.sweep import KSummary, add_stability, recommend, summarise_k
from feedcare.topics.runs.rundir import SWEEP, Run, read_run, resolve_run, resume_hint

MEASURES = ("model", "k", "seed", "c_npmi", "c_v", "u_mass", "diversity", "stability", "fit_seconds",
            "engine_info")


@dataclass(frozen=True)
class EarlyResults:
    """The finished fits of an unfinished run, with stability and a provisional recommendation."""

    state: str  # "running" (a process holds the run's lock) or "interrupted"
    planned: int
    fits: list[dict[str, Any]]  # fit.json records in plan order, with "stability" added
    by_k: list[KSummary]
    chosen_model: str
    chosen_reason: str

    @property
    def models(self) -> list[str]:
        return [f["model"] for f in self.fits]

    def note(self, run: Run) -> str:
        return (
            f"run {run.run_id} is {self.state}: these are early results from the {len(self.fits)} of "
            f"{self.planned} fits finished so far (stability and the recommended model "
            f"{self.chosen_model} may change when it completes"
            + ("" if self.state == "running" else f"; {resume_hint(run.path)}") + ")"
        )

    def sweep_table(self) -> pa.Table:
        rows = {name: [f.get(name) for f in self.fits] for name in SWEEP.names}
        return pa.Table.from_pydict(rows, schema=SWEEP)

    def fit_path(self, run: Run, model: str, filename: str) -> Path:
        return run.path / FITS_DIR / model / filename

    def to_dict(self) -> dict[str, Any]:
        return {
            "state": self.state, "planned_fits": self.planned, "finished_fits": len(self.fits),
            "chosen_model": self.chosen_model, "chosen_reason": self.chosen_reason,
            "by_k": [s.to_dict() for s in self.by_k],
            "fits": [{key: f.get(key) for key in MEASURES} for f in self.fits],
        }


def early_results(run: Run) -> EarlyResults | None:
    """The finished fits of ``run`` measured together (None when none has finished yet)."""
    info = run.info
    fp = fit_fingerprint(info.engine.name, info.engine.settings, info.config.get("top_n", 10),
                         info.tokens_fingerprint)
    records = finished_fits(run.path, [(m.k, m.seed) for m in info.models], fp)
    if not records:
        return None
    stability = add_stability(records)
    by_k = summarise_k(records, stability)
    chosen, reason = recommend(by_k, records)
    state = "running" if is_locked(run.path) else "interrupted"
    return EarlyResults(state, len(info.models), records, by_k, chosen, reason)


def open_run_early(corpus_dir: Path, run: str) -> Run:
    """A run given as an id, ``latest`` or a path: complete, or else with its early results.

    DataError when the run is unfinished and no fit has finished yet.
    """
    opened = read_run(resolve_run(corpus_dir, run))
    if opened.info.is_complete:
        return opened
    early = early_results(opened)
    if early is None:
        state = "running" if is_locked(opened.path) else "interrupted"
        raise DataError(
            f"{opened.path}: the run is {state} and no fit has finished yet"
            + ("; try again when one has" if state == "running" else f"; {resume_hint(opened.path)}")
        )
    return dataclasses.replace(opened, early=early)


__all__ = ["EarlyResults", "early_results", "open_run_early"]
