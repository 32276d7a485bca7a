"""Everything a run recorded, read once: run.json, tokens.json, manifest.json and the run's tables.

The methods statement, ``reproduce`` and the archive all read a run through :class:`RunRecord`,
from a run directory inside its corpus or from an archive made by ``feedcare archive`` (unzipped
to a temporary folder). Each file is checked through its declaration (:class:`RunInfo`,
:class:`Manifest`, :class:`TokensMeta`: format version, every key and type, one-line errors);
the plain data is kept alongside, because the statement also describes keys that other features
add before they are declared (a codebook, languages, redaction): a key that is absent means the
feature was not used, so runs written before it existed stay readable.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from feedcare.corpus.base.atomic import read_json
from feedcare.corpus.base.errors import DataError, UsageError
from feedcare.corpus.base.sidecar import Sidecar
from feedcare.corpus.store.schema import DOCUMENTS_FILE, MANIFEST_FILE, TOKENS_META_FILE, VOCABULARY_FILE
from feedcare.corpus.store.sidecars import Manifest, TokensMeta
from feedcare.topics.runs.rundir import RUN_FILE, SWEEP_FILE, TOPIC_MEASURES_FILE, TOPICS_FILE, resolve_run
from feedcare.topics.runs.runjson import RunInfo

# Inside an archive: the corpus's sidecars at the top, the run's files under run/.
BUNDLE_RUN_DIR = "run"
BUNDLE_MARK = "feedcare-archive.json"


@dataclass
class RunRecord:
    """A finished run and the corpus and tokens it was fitted on, as recorded."""

    run_dir: Path
    corpus_dir: Path | None  # None when read from an archive without the text
    info: dict[str, Any]
    tokens: dict[str, Any]
    manifest: dict[str, Any]
    sidecar_dir: Path  # where manifest.json, tokens.json and vocabulary.parquet are
    from_bundle: bool = False
    extra: dict[str, Any] = field(default_factory=dict)
    run_info: RunInfo | None = None  # the same files, typed
    manifest_info: Manifest | None = None
    tokens_info: TokensMeta | None = None

    @property
    def run_id(self) -> str:
        return str(self.info.get("run_id", self.run_dir.name))

    @property
    def chosen_model(self) -> str:
        if self.run_info is not None and self.run_info.chosen_model is not None:
            return self.run_info.chosen_model
        return str(self.info["chosen_model"])

    def table(self, name: str) -> pa.Table | None:
        path = self.run_dir / name
        return pq.read_table(path) if path.is_file() else None

    def sweep(self) -> pa.Table | None:
        return self.table(SWEEP_FILE)

    def topic_measures(self) -> pa.Table | None:
        return self.table(TOPIC_MEASURES_FILE)

    def topics(self) -> pa.Table | None:
        return self.table(TOPICS_FILE)

    @property
    def participants(self) -> int | None:
        """Distinct participant ids of the corpus (an archive carries the count, not the ids)."""
        if "participants" in self.extra.get("counts", {}):
            return int(self.extra["counts"]["participants"])
        documents = self.sidecar_dir / DOCUMENTS_FILE
        if not documents.is_file():
            return None
        column = pq.read_table(documents, columns=["participant_id"])["participant_id"]
        return len({p for p in column.to_pylist() if p})

    def vocabulary_path(self) -> Path:
        return self.sidecar_dir / VOCABULARY_FILE


def load_record(run: str | Path, corpus_dir: Path | None = None, scratch: Path | None = None) -> RunRecord:
    """A run given as an id or 'latest' (in ``corpus_dir``), a run directory, or an archive zip.

    An archive is unpacked into ``scratch`` (required for archives).
    """
    path = Path(run)
    if path.suffix == ".zip" and path.is_file():
        if scratch is None:
            raise UsageError("reading an archive needs a scratch folder")
        return _from_bundle(path, scratch)
    run_dir = resolve_run(Path(corpus_dir or "corpus"), str(run))
    home = run_dir.parent.parent  # <corpus>/runs/<id>
    if not (home / MANIFEST_FILE).is_file():
        raise DataError(f"{home}: no manifest.json next to runs/; the run must stay inside its corpus folder")
    return _record(run_dir, home, corpus_dir=home)


def _read(cls: type[Sidecar], path: Path) -> tuple[dict[str, Any], Any]:
    raw = read_json(path, cls.FILE)
    return raw, cls.from_data(raw, path)


def _record(run_dir: Path, home: Path, corpus_dir: Path | None, **more: Any) -> RunRecord:
    info, run_info = _read(RunInfo, run_dir / RUN_FILE)
    if not run_info.is_complete:
        raise DataError(
            f"{run_dir}: the run is unfinished; resume it with `feedcare topics --run-id {run_dir.name}`"
        )
    manifest, manifest_info = _read(Manifest, home / MANIFEST_FILE)
    tokens, tokens_info = (
        _read(TokensMeta, home / TOKENS_META_FILE) if (home / TOKENS_META_FILE).is_file() else ({}, None)
    )
    return RunRecord(
        run_dir=run_dir,
        corpus_dir=corpus_dir,
        info=info,
        tokens=tokens,
        manifest=manifest,
        sidecar_dir=home,
        run_info=run_info,
        manifest_info=manifest_info,
        tokens_info=tokens_info,
        **more,
    )


def _from_bundle(zip_path: Path, scratch: Path) -> RunRecord:
    try:
        with zipfile.ZipFile(zip_path) as bundle:
            names = bundle.namelist()
            if BUNDLE_MARK not in names:
                raise DataError(f"{zip_path}: not an archive made by `feedcare archive` (no {BUNDLE_MARK})")
            for name in names:
                if name.startswith("/") or ".." in Path(name).parts:
                    raise DataError(f"{zip_path}: unsafe path {name!r} in the archive")
            bundle.extractall(scratch)
    except zipfile.BadZipFile as exc:
        raise DataError(f"{zip_path}: not a readable zip file ({exc})") from None
    with_text = (scratch / DOCUMENTS_FILE).is_file()  # an archive made --with-text
    return _record(
        scratch / BUNDLE_RUN_DIR,
        scratch,
        scratch if with_text else None,
        from_bundle=True,
        extra=read_json(scratch / BUNDLE_MARK, BUNDLE_MARK),
    )
