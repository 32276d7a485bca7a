"""A redacted copy of a corpus and a separate key file (``feedcare audit --redact``).

Each finding of :func:`~feedcare.corpus.audit.identifiers.scan_text` is replaced by a marker such
as ``[PHONE]``; every other character is kept. Segment offsets are recomputed so that
``segments.text == documents.text[char_start:char_end]`` still holds. The key file maps each
replacement back to the original; it holds the identifiers, so it must live outside both the
source and the redacted corpus and is written readable by its owner only.

Identifiers in file names travel into the corpus, so document ids, source names, participant
ids, speaker labels and the manifest are redacted too (a redacted document id that would
repeat another gets "-2", "-3"...); the key records each with its ``field``.

Only documents, segments and the manifest are copied: tokens and topic runs of the source
hold unredacted words, so they are left behind (run ``feedcare tokens`` on the copy).
"""

from __future__ import annotations

import bisect
import csv
import hashlib
import io
import json
import os
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
from feedcare.corpus.audit.identifiers import KINDS, REPLACEMENTS, Finding, scan_text, scan_values
from feedcare.corpus.audit.scan import MANIFEST_SKIP
from feedcare.corpus.base.atomic import atomic_path
from feedcare.corpus.base.errors import UsageError
from feedcare.corpus.base.progress import ProgressCallback, report
from feedcare.corpus.store.lock import corpus_lock
from feedcare.corpus.store.reader import Corpus, open_corpus
from feedcare.corpus.store.schema import MANIFEST_FILE
from feedcare.corpus.store.sidecars import Manifest
from feedcare.corpus.store.writer import write_corpus

KEY_FORMATS = (".json", ".csv")
KEY_COLUMNS = ("doc_id", "field", "position", "original_start", "kind", "replacement", "original")


@dataclass(frozen=True)
class RedactReport:
    out_dir: Path
    key_file: Path
    n_documents: int
    n_replacements: int
    counts: dict[str, int]  # replacements per kind

    def to_dict(self) -> dict[str, Any]:
        return {
            "out_dir": str(self.out_dir), "key_file": str(self.key_file),
            "documents": self.n_documents, "replacements": self.n_replacements,
            "counts": self.counts,
        }


@dataclass(frozen=True)
class _Redacted:
    text: str
    starts: list[int]  # original spans, sorted
    ends: list[int]
    new_starts: list[int]  # where each replacement starts in the new text
    replacements: list[str]

    def offset(self, position: int, *, is_end: bool) -> int:
        """Map an original offset to the new text; one inside a replaced span snaps to its edge."""
        i = bisect.bisect_right(self.starts, position) - 1
        if i < 0:
            return position
        if position >= self.ends[i]:
            return self.new_starts[i] + len(self.replacements[i]) + position - self.ends[i]
        if position == self.starts[i]:
            return self.new_starts[i]
        return self.new_starts[i] + (len(self.replacements[i]) if is_end else 0)


def redact_corpus(
    corpus_dir: Path,
    out_dir: Path,
    key_file: Path,
    *,
    names: Iterable[str] | None = None,
    progress: ProgressCallback | None = None,
    wait: float = 0.0,
) -> RedactReport:
    """Write a redacted copy of ``corpus_dir`` into ``out_dir`` and the key into ``key_file``."""
    corpus_dir, out_dir, key_file = Path(corpus_dir), Path(out_dir), Path(key_file)
    _check_paths(corpus_dir, out_dir, key_file)
    corpus = open_corpus(corpus_dir)
    names = tuple(names or ())
    documents = corpus.documents()
    segments = corpus.segments()
    doc_ids = documents["doc_id"].to_pylist()
    key_rows: list[dict[str, Any]] = []
    new_ids = _redact_ids(doc_ids, names, key_rows)
    redacted: dict[str, _Redacted] = {}
    for done, (doc_id, text) in enumerate(zip(doc_ids, documents["text"].to_pylist(), strict=True), 1):
        redacted[doc_id] = _redact_text(new_ids[doc_id], text, names, key_rows)
        if done % 500 == 0 or done == len(doc_ids):
            report(progress, "Redacting documents", done, len(doc_ids))
    new_segments, word_deltas = _redact_segments(segments, redacted)
    new_documents = _redact_documents(documents, redacted, word_deltas)
    values = _Values(names, key_rows)
    new_documents = _map_column(new_documents, "doc_id", new_ids.get)
    new_segments = _map_column(new_segments, "doc_id", new_ids.get)
    for column in ("source", "participant_id"):
        new_documents = _map_column(new_documents, column, values.redactor(column))
    new_segments = _map_column(new_segments, "speaker", values.redactor("speaker"))
    manifest = Manifest.from_dict(_redact_manifest(corpus.manifest.to_dict(), new_ids, values))
    counts = Counter(row["kind"] for row in key_rows)
    ordered = {kind: counts[kind] for kind in KINDS if counts[kind]}
    with corpus_lock(out_dir, wait):
        write_corpus(
            out_dir, new_documents, new_segments,
            options=_options(corpus, manifest.options, key_rows, ordered),
            sources=manifest.sources,
            ingest=manifest.ingest,
        )
    _write_key(key_file, corpus_dir, out_dir, key_rows)
    return RedactReport(out_dir, key_file, len(doc_ids), len(key_rows), ordered)


def _replace(value: str, findings: list[Finding]) -> tuple[str, list[tuple[int, Finding, str]]]:
    """``value`` with each finding replaced by its marker; (new position, finding, marker) each."""
    pieces, placed = [], []
    cursor = length = 0
    for finding in findings:
        replacement = REPLACEMENTS[finding.kind]
        pieces.append(value[cursor:finding.start])
        length += finding.start - cursor
        placed.append((length, finding, replacement))
        pieces.append(replacement)
        length += len(replacement)
        cursor = finding.end
    pieces.append(value[cursor:])
    return "".join(pieces), placed


def _key_row(doc_id: str, field_name: str, position: int, finding: Finding, replacement: str) -> dict:
    return {
        "doc_id": doc_id, "field": field_name, "position": position, "original_start": finding.start,
        "kind": finding.kind, "replacement": replacement, "original": finding.value,
    }


def _redact_ids(doc_ids: list[str], names: tuple[str, ...], key_rows: list) -> dict[str, str]:
    """Original → redacted document id; ids stay unique ("P03 [NAME]", "P04 [NAME]", "[NAME]-2")."""
    found = scan_values(doc_ids, names)
    taken = {doc_id for doc_id in doc_ids if doc_id not in found}
    new_ids: dict[str, str] = {}
    for doc_id in doc_ids:
        if doc_id not in found:
            new_ids[doc_id] = doc_id
            continue
        base, placed = _replace(doc_id, found[doc_id])
        candidate, n = base, 1
        while candidate in taken:
            n += 1
            candidate = f"{base}-{n}"
        taken.add(candidate)
        new_ids[doc_id] = candidate
        key_rows += [_key_row(candidate, "doc_id", *item) for item in placed]
    return new_ids


class _Values:
    """Redacts short values (file names, participant ids, labels, manifest strings), each once."""

    def __init__(self, names: tuple[str, ...], key_rows: list) -> None:
        self.names, self.key_rows = names, key_rows
        self._done: dict[tuple[str, str], str] = {}

    def redactor(self, field_name: str):
        def redact(value: str | None) -> str | None:
            return value if value is None else self.one(field_name, value)
        return redact

    def one(self, field_name: str, value: str) -> str:
        key = (field_name, value)
        if key not in self._done:
            hits = scan_values([value], self.names).get(value)
            if not hits:
                self._done[key] = value
            else:
                new, placed = _replace(value, hits)
                self.key_rows.extend(_key_row("", field_name, *item) for item in placed)
                self._done[key] = new
        return self._done[key]


def _map_column(table: pa.Table, name: str, function) -> pa.Table:
    column = table[name]
    values = column.to_pylist()
    mapped = [function(v) if v is not None else None for v in values]
    if mapped == values:
        return table
    field = table.schema.field(name)
    return table.set_column(table.schema.get_field_index(name), field, pa.array(mapped, field.type))


def _redact_manifest(manifest: dict[str, Any], new_ids: dict[str, str], values: _Values) -> dict[str, Any]:
    """The manifest with every string that could hold an identifier redacted: source paths (the
    keys too), roots, settings, skipped files; document ids follow the redacted ids."""

    def walk(value: Any, key: str = "") -> Any:
        if key in MANIFEST_SKIP:
            return value
        if key == "doc_ids" and isinstance(value, list):
            return [new_ids.get(v, v) if isinstance(v, str) else v for v in value]
        if isinstance(value, dict):
            out: dict[str, Any] = {}
            for k, item in value.items():
                new_key, n = values.one("manifest", str(k)), 1
                while new_key in out:  # two paths that redact alike stay two entries
                    n += 1
                    new_key = f"{values.one('manifest', str(k))}#{n}"
                out[new_key] = walk(item, str(k))
            return out
        if isinstance(value, list):
            return [walk(item, key) for item in value]
        if isinstance(value, str):
            return values.one("manifest", value)
        return value

    return walk(manifest)


def _check_paths(corpus_dir: Path, out_dir: Path, key_file: Path) -> None:
    source, out, key = corpus_dir.resolve(), out_dir.resolve(), key_file.resolve()
    if key_file.suffix.lower() not in KEY_FORMATS:
        raise UsageError(f"--key {key_file}: name the key file .json or .csv, e.g. redaction-key.json")
    if out == source or out.is_relative_to(source):
        raise UsageError(
            f"--redact {out_dir}: must be a new folder outside the corpus {corpus_dir}, "
            "e.g. corpus-redacted"
        )
    for folder, what in ((out, "redacted corpus"), (source, "source corpus")):
        if key.is_relative_to(folder):
            raise UsageError(
                f"--key {key_file}: the key file holds the identifiers and must be kept outside "
                f"the {what} ({folder}); choose a path elsewhere, e.g. ../redaction-key.json"
            )
    if key.is_dir():
        raise UsageError(f"--key {key_file}: is a folder; give a file name ending .json or .csv")
    if out.is_dir() and any(out.iterdir()) and not (out / MANIFEST_FILE).is_file():
        raise UsageError(
            f"--redact {out_dir}: the folder exists and is not a feedcare corpus; "
            "choose a new folder so nothing is overwritten"
        )


def _redact_text(doc_id: str, text: str, names: tuple[str, ...], key_rows: list) -> _Redacted:
    """``doc_id`` is the document's id in the redacted copy (as the key names it)."""
    findings = scan_text(text, names)
    new_text, placed = _replace(text, findings)
    key_rows += [_key_row(doc_id, "text", *item) for item in placed]
    return _Redacted(
        new_text,
        [f.start for f in findings], [f.end for f in findings],
        [position for position, _, _ in placed], [replacement for _, _, replacement in placed],
    )


def _redact_segments(
    segments: pa.Table, redacted: dict[str, _Redacted]
) -> tuple[pa.Table, Counter[str]]:
    columns = {name: segments[name].to_pylist() for name in ("doc_id", "char_start", "char_end",
                                                             "text", "n_words")}
    starts, ends, texts, words = [], [], [], []
    deltas: Counter[str] = Counter()
    for doc_id, start, end, old_text, n_words in zip(*columns.values(), strict=True):
        doc = redacted[doc_id]
        new_start, new_end = doc.offset(start, is_end=False), doc.offset(end, is_end=True)
        new_text = doc.text[new_start:new_end]
        # Recount only the change, so the word count keeps ingest's own definition.
        delta = len(new_text.split()) - len(old_text.split()) if new_text != old_text else 0
        deltas[doc_id] += delta
        starts.append(new_start)
        ends.append(new_end)
        texts.append(new_text)
        words.append(n_words + delta)
    new = {"char_start": starts, "char_end": ends, "text": texts, "n_words": words}
    return _replace_columns(segments, new), deltas


def _redact_documents(
    documents: pa.Table, redacted: dict[str, _Redacted], deltas: Counter[str]
) -> pa.Table:
    doc_ids = documents["doc_id"].to_pylist()
    texts = [redacted[d].text for d in doc_ids]
    words = [n + deltas[d] for d, n in zip(doc_ids, documents["n_words"].to_pylist(), strict=True)]
    return _replace_columns(documents, {"text": texts, "n_words": words})


def _replace_columns(table: pa.Table, columns: dict[str, list]) -> pa.Table:
    for name, values in columns.items():
        field = table.schema.field(name)
        table = table.set_column(table.schema.get_field_index(name), field, pa.array(values, field.type))
    return table


def _options(corpus: Corpus, options: dict[str, Any], key_rows: list[dict[str, Any]],
             counts: dict[str, int]) -> dict:
    # The fingerprint must change with what was replaced, yet the manifest must not hold
    # the identifiers: hash places and kinds only.
    digest = hashlib.sha256()
    for row in key_rows:
        place = f"{row['doc_id']}\0{row['field']}\0{row['position']}\0{row['original_start']}"
        digest.update(f"{place}\0{row['kind']}\n".encode())
    redaction = {
        "source_fingerprint": corpus.fingerprint,
        "replacements": len(key_rows),
        "counts": counts,
        "digest": digest.hexdigest(),
    }
    return {**options, "redaction": redaction}


def _write_key(key_file: Path, corpus_dir: Path, out_dir: Path, rows: list[dict[str, Any]]) -> None:
    if key_file.suffix.lower() == ".csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=KEY_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        text = buffer.getvalue()
    else:
        data = {
            "source_corpus": str(corpus_dir), "redacted_corpus": str(out_dir),
            "note": "Holds the original identifiers: keep it apart from the redacted corpus.",
            "replacements": rows,
        }
        text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    # Created owner-only from the start (not chmod-ed afterwards), then renamed into place.
    with atomic_path(key_file) as tmp:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
