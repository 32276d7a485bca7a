"""Run ids, run.json, and listing past runs (the run directory layout is in rundir.py)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from feedcare.corpus.base.atomic import read_json, write_json
from feedcare.corpus.base.errors import DataError, UsageError
from feedcare.topics.runs.rundir import RUN_FILE, list_runs, resolve_run, runs_root

RUN_SCHEMA_VERSION = 1
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


def read_run_json(path: Path) -> dict[str, Any]:
    info = read_json(Path(path) / RUN_FILE, "run.json")
    if not isinstance(info, dict) or "run_id" not in info:
        raise DataError(f"{Path(path) / RUN_FILE}: not a feedcare run.json; delete the run directory")
    return info


def write_run_json(path: Path, info: dict[str, Any]) -> None:
    write_json(Path(path) / RUN_FILE, {"schema_version": RUN_SCHEMA_VERSION, **info})


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


def summarise(path: Path, info: dict[str, Any]) -> RunSummary:
    return RunSummary(
        run_id=str(info.get("run_id", path.name)),
        path=path,
        created=str(info.get("created", "")),
        status=str(info.get("status", "unknown")),
        engine=str(info.get("engine", {}).get("name", "")),
        ks=list(info.get("ks", [])),
        seeds=list(info.get("seeds", [])),
        chosen_model=info.get("chosen_model"),
        n_units=info.get("n_units"),
    )


def list_run_summaries(corpus_dir: Path) -> list[RunSummary]:
    """Every run under ``<corpus>/runs``, oldest first; damaged run.json files are reported."""
    summaries = []
    for path in list_runs(corpus_dir):
        try:
            info = read_run_json(path)
        except DataError:
            info = {"run_id": path.name, "status": "damaged"}
        summaries.append(summarise(path, info))
    return summaries


def show_run(corpus_dir: Path, run: str) -> dict[str, Any]:
    """run.json of a run given as an id, ``latest`` or a path (finished or not)."""
    if not runs_root(corpus_dir).is_dir() and not (Path(run) / RUN_FILE).is_file() and run != "latest":
        raise UsageError(f"{runs_root(corpus_dir)}: no runs yet; run `feedcare topics` first")
    path = resolve_run(corpus_dir, run)
    info = read_run_json(path)
    info["path"] = str(path)
    return info
