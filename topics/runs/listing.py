"""Run ids, run.json, and listing past runs (the run directory layout is in rundir.py)."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from feedcare.corpus.base.errors import DataError, UsageError
from feedcare.corpus.base.sidecar import FormatVersionError
from feedcare.topics.runs.rundir import RUN_FILE, Run, list_runs, read_run, resolve_run, runs_root
from feedcare.topics.runs.runjson import RunInfo

_SAFE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


def new_run_id(fingerprint: str, now: datetime | None = None) -> str:
    """``YYYYmmdd-HHMMSS-<6 hex>``: sortable by time, and the hash tells configurations apart."""
    now = now or datetime.now(UTC)
    return f"{now:%Y%m%d-%H%M%S}-{fingerprint[:6]}"


def check_run_id(name: str) -> str:
    """``name`` if it is a safe directory name; a UsageError naming --run-id otherwise."""
    if not _SAFE_ID.fullmatch(name) or name == "latest":
        raise UsageError(
            "--run-id must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or "
            f"digit, and not 'latest'; got {name!r}"
        )
    return name


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


@dataclass(frozen=True)
class RunSummary:
    """One line of ``feedcare runs list``."""

    run_id: str
    path: Path
    created: str
    status: str
    engine: str
    ks: list[int]
    seeds: list[int]
    chosen_model: str | None
    n_units: int | None

    def to_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "path": str(self.path)}


def summarise(path: Path, info: RunInfo) -> RunSummary:
    status = info.status
    if not info.is_complete:  # a process still fitting it holds its lock; otherwise it stopped
        from feedcare.corpus.store.lock import is_locked

        status = "running" if is_locked(path) else "interrupted"
    return RunSummary(
        run_id=info.run_id,
        path=path,
        created=info.created,
        status=status,
        engine=info.engine.name,
        ks=list(info.ks),
        seeds=list(info.seeds),
        chosen_model=info.chosen_model,
        n_units=info.n_units,
    )


def unreadable(path: Path, error: DataError) -> RunSummary:
    """The list line of a run whose run.json cannot be read: why, in the status column."""
    status = "damaged"
    if isinstance(error, FormatVersionError):
        status = f"format {error.found} ({'newer' if error.newer else 'older'} feedcare)"
    return RunSummary(path.name, path, "", status, "", [], [], None, None)


def list_run_summaries(corpus_dir: Path) -> list[RunSummary]:
    """Every run under ``<corpus>/runs``, oldest first; unreadable run.json files are reported."""
    summaries = []
    for path in list_runs(corpus_dir):
        try:
            summaries.append(summarise(path, read_run(path).info))
        except DataError as exc:
            summaries.append(unreadable(path, exc))
    return summaries


def show_run(corpus_dir: Path, run: str) -> Run:
    """A run given as an id, ``latest`` or a path, finished or not (an unfinished run comes with
    the early results of its finished fits, if any: ``Run.early``)."""
    from feedcare.topics.runs.early import early_results

    if not runs_root(corpus_dir).is_dir() and not (Path(run) / RUN_FILE).is_file() and run != "latest":
        raise UsageError(f"{runs_root(corpus_dir)}: no runs yet; run `feedcare topics` first")
    shown = read_run(resolve_run(corpus_dir, run))
    if shown.info.is_complete:
        return shown
    return dataclasses.replace(shown, early=early_results(shown))
