"""``feedcare archive``: a deterministic zip to deposit with a paper (OSF, a data repository).

Without ``with_text`` it holds everything needed to review and reproduce the analysis but no
text of any document: the settings and fingerprints (manifest.json with the source files'
SHA-256, tokens.json, run.json), the vocabulary with its counts, the topics, the unit × topic
weights (ids and numbers only), the measures, the theme labels when given, the methods
statement, the package versions and a README. tokens.parquet is left out: its token lists,
in order, are the text with the stopwords taken out. ``with_text`` adds documents.parquet,
segments.parquet and tokens.parquet for teams allowed to share them.

The zip is byte-identical for the same run: names sorted, fixed timestamps and permissions.
``feedcare reproduce bundle.zip --inputs DIR`` re-runs it against the original source files.
"""

from __future__ import annotations

import hashlib
import json
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path

from feedcare.corpus.base.errors import DataError, UsageError
from feedcare.corpus.store.schema import (
    DOCUMENTS_FILE,
    MANIFEST_FILE,
    SEGMENTS_FILE,
    TOKENS_FILE,
    TOKENS_META_FILE,
    VOCABULARY_FILE,
)
from feedcare.topics.reporting.methods import methods_statement
from feedcare.topics.reporting.record import BUNDLE_MARK, BUNDLE_RUN_DIR, RunRecord
from feedcare.topics.runs.rundir import (
    DOC_TOPICS_FILE,
    RUN_FILE,
    SWEEP_FILE,
    TOPIC_MEASURES_FILE,
    TOPICS_FILE,
)

ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest a zip can hold: no wall-clock time in the bundle
RUN_FILES = (RUN_FILE, TOPICS_FILE, SWEEP_FILE, TOPIC_MEASURES_FILE, DOC_TOPICS_FILE)
TEXT_FILES = (DOCUMENTS_FILE, SEGMENTS_FILE, TOKENS_FILE)


@dataclass(frozen=True)
class ArchiveResult:
    path: Path
    files: list[dict[str, object]]
    with_text: bool

    def to_dict(self) -> dict[str, object]:
        return {"path": str(self.path), "with_text": self.with_text, "files": self.files}


def build_archive(
    record: RunRecord, out: Path, *, with_text: bool = False, labels: Path | None = None
) -> ArchiveResult:
    """Write the archive of ``record`` to ``out`` (atomically: a temporary file, then a rename)."""
    if record.from_bundle:
        raise UsageError("archive a run directory, not an archive")
    if out.suffix != ".zip":
        raise UsageError(f"--out {out}: the archive must be a .zip file")
    if labels is not None and not labels.is_file():
        raise UsageError(f"--labels {labels}: no such file")
    entries: dict[str, bytes] = {}
    for name in (MANIFEST_FILE, TOKENS_META_FILE, VOCABULARY_FILE):
        path = record.sidecar_dir / name
        if not path.is_file():
            raise DataError(f"{path}: missing; run `feedcare tokens` before archiving")
        entries[name] = path.read_bytes()
    for name in RUN_FILES:
        path = record.run_dir / name
        if path.is_file():
            entries[f"{BUNDLE_RUN_DIR}/{name}"] = path.read_bytes()
    if labels is not None:
        entries[f"labels/{labels.name}"] = labels.read_bytes()
    if with_text:
        for name in TEXT_FILES:
            entries[name] = (record.sidecar_dir / name).read_bytes()
    entries["methods.md"] = methods_statement(record, "md").encode()
    entries["packages.json"] = _json(record.info.get("packages", {}))
    citation = _citation()
    if citation is not None:
        entries["CITATION.cff"] = citation
    files = [
        {"name": name, "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
        for name, data in sorted(entries.items())
    ]
    entries["README.md"] = _readme(record, files, with_text).encode()
    entries[BUNDLE_MARK] = _json(
        {
            "format": "feedcare-archive",
            "version": 1,
            "run_id": record.run_id,
            "with_text": with_text,
            "files": files,
            "counts": {"participants": record.participants},
        }
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    try:
        with zipfile.ZipFile(tmp, "w") as bundle:
            for name in sorted(entries):
                info = zipfile.ZipInfo(name, ZIP_TIME)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                bundle.writestr(info, entries[name])
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, out)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise DataError(f"{out}: could not write the archive ({exc.strerror or exc})") from None
    return ArchiveResult(out, files, with_text)


def _json(data: object) -> bytes:
    return (json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()


def _citation() -> bytes | None:
    # CITATION.cff sits at the repository root in a source checkout; an installed wheel has none.
    path = Path(__file__).resolve().parents[2] / "CITATION.cff"
    return path.read_bytes() if path.is_file() else None


def _readme(record: RunRecord, files: list[dict[str, object]], with_text: bool) -> str:
    listing = "\n".join(f"| `{f['name']}` | {f['bytes']:,} | `{str(f['sha256'])[:16]}` |" for f in files)
    text_note = (
        "It includes the text (documents.parquet, segments.parquet, tokens.parquet): share it only "
        "where the participants' consent and your ethics approval allow."
        if with_text
        else "It holds no text of any document: only settings, file hashes, the vocabulary with counts, "
        "topics, unit × topic weights (ids and numbers), measures and the methods statement."
    )
    return f"""# feedcare archive of run {record.run_id}

Written by `feedcare archive`. {text_note}

- `methods.md`: the methods statement (`feedcare methods`), with every setting.
- `manifest.json`: the corpus — its settings, fingerprint, and every source file with its SHA-256.
- `tokens.json`, `vocabulary.parquet`: the preparation settings, what each filter removed, the
  vocabulary with document and collection frequencies.
- `run/run.json`: the model settings, seeds, package versions, measures and the chosen model;
  `run/topics.parquet`, `run/sweep.parquet`, `run/topic_measures.parquet`, `run/doc_topics.parquet`.
- `packages.json`: the package versions the run recorded.

## Reproduce

With feedcare {record.info.get("packages", {}).get("feedcare", "")} and the packages in
`packages.json` installed, and the original source files in a folder:

```sh
feedcare reproduce this-archive.zip --inputs path/to/transcripts
```

re-ingests the files (checking each one's SHA-256 against `manifest.json`), rebuilds the tokens
and the chosen model and compares them with this archive; exit 0 means identical.

## Files

| file | bytes | sha256 (first 16) |
|---|---:|---|
{listing}
"""
