"""``feedcare ingest`` as a library function: source files → a Parquet corpus.

:func:`ingest` finds the files, decides which need reading (:mod:`.sources`), reads
transcripts (:mod:`.readers`) and comment tables (:mod:`.tables`), joins participant
metadata (:mod:`.meta`), and swaps the new corpus in atomically (:mod:`.assemble`).
Every document read from a transcript passes through :func:`transcript_document`, the one
place where a per-document check can be added.
"""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from feedcare.corpus.base.errors import DataError, InputError, UsageError
from feedcare.corpus.base.progress import ProgressCallback, report
from feedcare.corpus.base.settings import as_dict
from feedcare.corpus.base.sidecar import FormatVersionError
from feedcare.corpus.ingest.assemble import (
    STAGING_PREFIX,
    IdRegistry,
    Piece,
    attribute_order,
    check_corpus_dir,
    combine,
    commit_corpus,
    ordered_parts,
    read_kept,
    remove_stale_staging,
)
from feedcare.corpus.ingest.attributes import Meta, coverage, join_meta, load_meta
from feedcare.corpus.ingest.audit_gate import IngestAuditor
from feedcare.corpus.ingest.comments import read_comment_table, table_segments
from feedcare.corpus.ingest.config import IngestConfig
from feedcare.corpus.ingest.language import detector_version
from feedcare.corpus.ingest.report import IngestAborted, IngestReport, display_path
from feedcare.corpus.ingest.sources import (
    Plan,
    SourceFile,
    name_sources,
    plan_sources,
    scan_sources,
    source_entry,
)
from feedcare.corpus.ingest.transcripts import _Transcripts, transcript_document
from feedcare.corpus.readers import read_transcript
from feedcare.corpus.readers.turns import assign_roles
from feedcare.corpus.store.info import SPEAKER_COLUMNS, summarise
from feedcare.corpus.store.lock import corpus_lock
from feedcare.corpus.store.reader import open_corpus
from feedcare.corpus.store.schema import DOCUMENTS_FILE, MANIFEST_FILE
from feedcare.corpus.store.sidecars import IngestRecord, Manifest, MetaSummary, SourceEntry
from feedcare.corpus.store.spill import SpilledTable
from feedcare.corpus.store.streamwrite import SummaryCollector
from feedcare.corpus.store.writer import write_corpus, write_corpus_parts

_SUMMARY_COLUMNS = list(SummaryCollector.DOCUMENT_COLUMNS)

__all__ = ["IngestAborted", "IngestConfig", "IngestReport", "ingest", "transcript_document"]


def ingest(
    sources: Sequence[Path | str],
    corpus_dir: Path | str,
    config: IngestConfig | None = None,
    *,
    prune: bool = False,
    strict: bool = False,
    wait: float = 0.0,
    progress: ProgressCallback | None = None,
) -> IngestReport:
    """Read transcript files/folders and comment tables into the corpus at ``corpus_dir``.

    Only new or changed files are read; documents whose files are gone are removed only with
    ``prune``. Unreadable files are skipped and listed in the report (``exit_code`` 3), or,
    with ``strict``, raise :class:`IngestAborted` with nothing written. ``prune`` and
    ``strict`` are also on when ``config`` says so. Raises UsageError for bad options,
    LockedError when another process writes the corpus for longer than ``wait`` seconds.
    """
    config = config or IngestConfig()
    prune, strict = prune or config.prune, strict or config.strict
    corpus_dir = Path(corpus_dir)
    check_corpus_dir(corpus_dir)
    assign_roles([], config.interviewers, config.participants)  # a label given both roles
    scan = scan_sources([Path(s) for s in sources], exclude=corpus_dir)
    meta = load_meta(config.meta, config.meta_id_column, config.renames) if config.meta else None
    options = _options(config, meta)
    with corpus_lock(corpus_dir, wait):
        remove_stale_staging(corpus_dir)
        previous, reread_reason = _previous_state(corpus_dir, options)
        files = name_sources(scan.files, previous)
        plan = plan_sources(files, previous, reread=reread_reason is not None, progress=progress,
                            hidden=scan.hides)
        run = _Run(corpus_dir, config, meta, plan, previous, prune, progress)
        run.report.skipped[:0] = [(display_path(p), reason) for p, reason in scan.unreadable]
        run.report.reread_reason = reread_reason
        run.report.files_found = len(files)
        run.report.ignored = dict(sorted(scan.ignored.items()))
        if run.nothing_to_read(reread_reason is not None):
            return run.unchanged_result()
        try:
            run.read_sources()
            run.check_renames(reread_reason is not None or not previous)
            if strict and run.report.skipped:
                raise IngestAborted(run.report)
            return run.finish(options, reread=reread_reason is not None)
        finally:
            shutil.rmtree(run.spill_dir, ignore_errors=True)


def _options(config: IngestConfig, meta: Meta | None) -> dict[str, Any]:
    from feedcare import __version__

    return {
        "parsing": config.parsing_options(),
        "meta_sha256": meta.sha256 if meta else None,
        # a new detector or threshold labels documents differently: every file is read again
        "language": detector_version(),
        # Readers improve between versions; a new feedcare reads everything once more.
        "reader_version": __version__,
    }


def _previous_state(corpus_dir: Path, options: dict[str, Any]) -> tuple[dict[str, SourceEntry], str | None]:
    """The manifest's sources, and why every file must be read again (None: it need not).

    A damaged corpus is rebuilt; one written by a newer feedcare is refused (rebuilding it
    would drop documents whose sources were not given again).
    """
    if not (corpus_dir / MANIFEST_FILE).is_file():
        return {}, None
    try:
        manifest = open_corpus(corpus_dir).manifest
    except FormatVersionError as exc:
        if exc.newer:
            raise
        return {}, f"the previous corpus has an older manifest format ({exc.found}); rebuilt it"
    except DataError as exc:
        return {}, f"the previous corpus was damaged ({exc}); rebuilt it"
    sources = manifest.sources
    previous = manifest.options
    for key, why in (
        ("parsing", "ingest options"),
        ("meta_sha256", "participants file"),
        ("language", "language detector"),
        ("reader_version", "feedcare version"),
    ):
        if previous.get(key) != options[key]:
            return sources, f"the {why} changed since the last ingest"
    return sources, None


def _stable(entries: dict[str, SourceEntry]) -> dict[str, SourceEntry]:
    """Source entries without size and mtime: a touched file is not a changed corpus."""
    return {key: dataclasses.replace(e, size=0, mtime_ns=0) for key, e in entries.items()}


class _Run:
    """One ingest while the lock is held: reads the planned files and writes the result."""

    def __init__(
        self,
        corpus_dir: Path,
        config: IngestConfig,
        meta: Meta | None,
        plan: Plan,
        previous: dict[str, SourceEntry],
        prune: bool,
        progress: ProgressCallback | None,
    ) -> None:
        self.corpus_dir, self.config, self.meta, self.plan = corpus_dir, config, meta, plan
        self.previous = previous  # the manifest's sources
        self.prune, self.progress = prune, progress
        self.pattern = re.compile(config.id_pattern) if config.id_pattern else None
        self.report = IngestReport(corpus=str(corpus_dir))
        self.auditor = IngestAuditor(config, self.report) if config.audit else None
        self.registry = IdRegistry()
        # Manifest entries of the files whose documents stay as they are.
        self.entries = {f.key: entry for f, entry in plan.unchanged}
        if not prune:
            self.entries.update(plan.gone)
        for file, _reason in plan.unreadable:  # cannot even be hashed now: keep what it gave before
            if file.key in previous:
                self.entries[file.key] = previous[file.key]
        self.entries.update(plan.held)  # in folders that cannot be read now: kept as they were
        self.pieces: list[Piece] = []
        self.tables_read: list[set[str]] = []  # the columns of each table read (for --rename)
        # Comment tables are parked here while reading (removed with the other staging folders).
        self.spill_dir = corpus_dir / f"{STAGING_PREFIX}{os.getpid()}-read"
        self.transcripts = _Transcripts()
        self.kept_documents: list[pa.Table] = []
        self.kept_segments: list[pa.Table] = []
        r = self.report
        if meta is not None:
            r.add_renamed(display_path(meta.path), meta.renamed)
        r.files_new, r.files_changed = len(plan.new), len(plan.changed)
        r.files_unchanged, r.files_gone, r.files_rehashed = len(plan.unchanged), len(plan.gone), plan.rehashed
        r.skipped = [(display_path(f.path), reason) for f, reason in plan.unreadable]
        if not prune:
            r.gone_kept = sorted(entry.source for entry in plan.gone.values())

    # --- reading ----------------------------------------------------------------------------------

    def nothing_to_read(self, reread: bool) -> bool:
        """True when the corpus exists and no file is new, changed, unreadable or pruned."""
        plan = self.plan
        changes = plan.new or plan.changed or plan.unreadable or (self.prune and plan.gone) or reread
        return bool(self.previous) and not changes

    def read_sources(self) -> None:
        kept_sources = {entry.source for entry in self.entries.values()}
        changed = {f.key: f.source for f, _ in self.plan.changed}
        previous = read_kept(self.corpus_dir, sorted(kept_sources | set(changed.values())))
        fallback: tuple[pa.Table, pa.Table] | None = None
        if previous is not None:
            documents, segments = previous
            changed_sources = pa.array(sorted(changed.values()), pa.string())
            is_kept = pc.invert(pc.is_in(documents["source"], value_set=changed_sources))
            kept_docs = documents.filter(is_kept)
            self.registry.add_existing(kept_docs["doc_id"], kept_docs["source"])
            self._keep(kept_docs, segments)
            fallback = (documents.filter(pc.invert(is_kept)), segments)
        to_read = self.plan.to_read
        for done, (file, sha, _status) in enumerate(to_read, 1):
            try:
                self._read_one(file, sha)
            except InputError as exc:
                self.report.skipped.append((display_path(file.path), str(exc)))
                if file.key in changed and fallback is not None:
                    self._keep_previous_version(file, fallback)
            report(self.progress, "Reading files", done, len(to_read))

    def check_renames(self, read_everything: bool) -> None:
        """A ``--rename OLD=NEW`` whose OLD is in no table is a typo: say so before writing.

        Checked only when every table was read (a changed ``--rename`` always makes it so):
        otherwise OLD may be a column of a table that was not read this time.
        """
        if not read_everything or not self.config.renames:
            return
        have = set().union(*self.tables_read, self.meta.source_columns if self.meta else [])
        unused = [old for old in self.config.renames if old not in have]
        if unused and (self.tables_read or self.meta is not None):
            raise UsageError(
                f"--rename {unused[0]}={self.config.renames[unused[0]]}: no table"
                + (" or participants file" if self.meta is not None else "")
                + f" read has a column {unused[0]!r}; check the spelling (column names are case-sensitive)"
            )

    def _keep(self, documents: pa.Table, segments: pa.Table) -> None:
        ids = documents["doc_id"].combine_chunks()
        self.kept_documents.append(documents)
        self.kept_segments.append(segments.filter(pc.is_in(segments["doc_id"], value_set=ids)))

    def _keep_previous_version(self, file: SourceFile, fallback: tuple[pa.Table, pa.Table]) -> None:
        """A changed file that no longer reads: its documents stay as they were."""
        documents, segments = fallback
        documents = documents.filter(pc.equal(documents["source"], file.source))
        keep, _reason = self.registry.claim_many(documents["doc_id"], file.source)
        self._keep(documents.filter(keep), segments)
        self.entries[file.key] = self.previous[file.key]
        path, reason = self.report.skipped[-1]
        self.report.skipped[-1] = (path, f"{reason} (its previous version is kept)")

    def _read_one(self, file: SourceFile, sha: str) -> None:
        if file.is_table:
            self._read_table(file, sha)
            return
        labels = tuple(self.config.interviewers) + tuple(self.config.participants)
        parsed = read_transcript(file.path, max_bytes=self.config.max_bytes, labels=labels)
        document, segments, matched = transcript_document(file, sha, parsed, self.config, self.pattern)
        if self.auditor is not None:
            self.auditor.check_document(document["doc_id"], parsed, file.path)
        other = self.registry.claim_one(document["doc_id"], file.source)
        if other is not None:
            raise InputError(f"duplicate document id {document['doc_id']!r} (also from {other})")
        self.transcripts.add(document, segments)
        if not matched:
            self.report.id_pattern_unmatched.append(document["doc_id"])
        self.entries[file.key] = source_entry(file, sha, [document["doc_id"]], 1)

    def _read_table(self, file: SourceFile, sha: str) -> None:
        table = read_comment_table(
            file,
            sha,
            text_column=self.config.text_column,
            id_column=self.config.id_column,
            participant_column=self.config.participant_column,
            spill=self.spill_dir / f"table-{len(self.pieces)}.parquet",
            rename=self.config.renames,
            progress=self.progress,
        )
        keep, duplicates = self.registry.claim_many(table.documents.doc_ids, file.source)
        documents: pa.Table | SpilledTable = table.documents.with_keep(keep)
        segments = None
        notes = table.notes + ([duplicates] if duplicates else [])
        self.report.add_renamed(display_path(file.path), table.renamed)
        self.tables_read.append(set(table.columns))
        if self.auditor is not None:  # opt-in and per row in Python anyway: audited in memory
            documents, note = self.auditor.check_table(documents.load(), file.path)
            segments = table_segments(documents)
            notes += [note] if note else []
        self.report.skipped.extend((display_path(file.path), note) for note in notes)
        self.pieces.append(Piece(file, sha, documents, segments, table.attributes, notes))
        self.entries[file.key] = source_entry(file, sha, None, documents.num_rows, table.attributes)

    # --- writing ----------------------------------------------------------------------------------

    def finish(self, options: dict[str, Any], reread: bool) -> IngestReport:
        transcripts, transcript_segments = self.transcripts.tables()
        in_memory = [p.documents for p in self.pieces if isinstance(p.documents, pa.Table)]
        new_documents = [transcripts, *in_memory]
        new_segments = [transcript_segments] + [p.segments for p in self.pieces if p.segments is not None]
        spilled = [(p.file.source, p.documents) for p in self.pieces if isinstance(p.documents, SpilledTable)]
        if self.meta is not None:
            meta = self.meta
            new_documents = [join_meta(d, meta) for d in new_documents]
            spilled = [(s, t.with_transform(lambda d: join_meta(d, meta))) for s, t in spilled]
        old_ids = self._existing_ids()
        new_ids = pa.chunked_array(
            [d["doc_id"] for d in new_documents] + [t.kept_ids() for _s, t in spilled], pa.string()
        )
        kept_count = sum(d.num_rows for d in self.kept_documents)
        replaced = pc.sum(pc.is_in(new_ids, value_set=old_ids)).as_py() or 0
        r = self.report
        r.added, r.changed, r.unchanged = len(new_ids) - replaced, replaced, kept_count
        r.removed = len(old_ids) - replaced - kept_count
        exists = (self.corpus_dir / MANIFEST_FILE).is_file()
        if not exists and kept_count + len(new_ids) == 0:
            return r  # every file was skipped: no corpus is better than an empty one
        if exists and not (reread or r.removed or _stable(self.entries) != _stable(self.previous)):
            return self.unchanged_result()
        by_source = {e.source: e.attributes or [] for e in self.entries.values()}
        attributes = attribute_order(by_source, self.meta.columns if self.meta else [])
        documents, segments = combine(
            self.kept_documents + new_documents, self.kept_segments + new_segments, attributes
        )
        if spilled:  # stream the parked tables through, summarising on the way
            summary = SummaryCollector(keep_ids=self.meta is not None)
            parts = ordered_parts(documents, segments, spilled, attributes, table_segments)
            commit_corpus(self.corpus_dir, lambda staging: write_corpus_parts(
                staging, parts, attributes, options=options, sources=self.entries, collectors=[summary],
                finish_ingest=lambda: self._ingest_record(summary.summary(), summary.ids())))
        else:
            summary_now = summarise(documents.select(_SUMMARY_COLUMNS), segments.select(SPEAKER_COLUMNS),
                                    details=False)
            record = self._ingest_record(summary_now, documents)
            commit_corpus(self.corpus_dir, lambda staging: write_corpus(
                staging, documents, segments, options=options, sources=self.entries, ingest=record))
        r.written = True
        return r

    def _ingest_record(self, summary: dict[str, Any], ids: pa.Table) -> IngestRecord:
        """Record the summary of the written rows; what the manifest keeps of this run."""
        self._record(summary, ids)
        return IngestRecord(
            config=as_dict(self.config),
            roles=list(self.report.speakers),
            skipped=list(self.report.skipped),
            meta=self._meta_summary(),
        )

    def _existing_ids(self) -> pa.Array:
        if not self.previous:
            return pa.array([], pa.string())  # no corpus, or a damaged one being rebuilt
        return pq.read_table(self.corpus_dir / DOCUMENTS_FILE, columns=["doc_id"])["doc_id"].combine_chunks()

    def unchanged_result(self) -> IngestReport:
        """Nothing to write: summarise what is on disk (and remember moved mtimes)."""
        r = self.report
        r.up_to_date = not r.skipped
        if self.plan.rehashed:
            path = self.corpus_dir / MANIFEST_FILE
            dataclasses.replace(Manifest.from_json(path), sources=self.entries).to_json(path)
        corpus = open_corpus(self.corpus_dir)
        self._summarise(corpus.documents(columns=_SUMMARY_COLUMNS), corpus.segments(columns=SPEAKER_COLUMNS))
        r.unchanged = r.documents
        return r

    def _summarise(self, documents: pa.Table, segments: pa.Table) -> None:
        self._record(summarise(documents, segments, details=False), documents)

    def _record(self, summary: dict[str, Any], documents: pa.Table) -> None:
        """The counts into the report; ``documents`` (doc_id, participant_id) for --meta coverage."""
        r = self.report
        r.documents, r.turns, r.words = summary["documents"], summary["turns"], summary["words"]
        r.participants, r.roles, r.speakers = summary["participants"], summary["roles"], summary["speakers"]
        r.languages, r.other_languages = summary["languages"], summary["other_languages"]
        r.other_language_examples = summary["other_language_examples"]
        if self.meta is not None:
            found = coverage(documents["doc_id"], documents["participant_id"], self.meta)
            r.meta = display_path(self.meta.path)
            r.metadata_without_documents = found.metadata_without_documents
            r.documents_without_metadata = found.documents_without_metadata

    def _meta_summary(self) -> MetaSummary | None:
        if self.meta is None:
            return None
        r = self.report
        # The manifest keeps the counts and a sample; the full lists are in the report (--json).
        return MetaSummary(
            path=display_path(self.meta.path),
            columns=list(self.meta.columns),
            n_metadata_without_documents=len(r.metadata_without_documents),
            n_documents_without_metadata=len(r.documents_without_metadata),
            metadata_without_documents=r.metadata_without_documents[:100],
            documents_without_metadata=r.documents_without_metadata[:100],
        )
