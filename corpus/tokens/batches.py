"""The corpus read for `feedcare tokens`: documents with their turns, in aligned Arrow batches.

The main process only slices record batches (documents, and exactly the segments that belong
to them) and counts roles and unit modes with Arrow; the worker processes turn a batch into
:class:`~.units.DocTurns` and tokenise it. Pickling an Arrow batch is a buffer copy, so the
per-row Python work happens in parallel, not in the process that also writes the output.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from feedcare.corpus.base.errors import DataError
from feedcare.corpus.readers.registry import table_formats
from feedcare.corpus.store.reader import Corpus
from feedcare.corpus.tokens.config import TokensConfig
from feedcare.corpus.tokens.units import DocTurns, Turn, tokenise_batch

DOCUMENT_COLUMNS = ["doc_id", "participant_id", "format", "n_segments", "language"]
LANGUAGE_EXAMPLES = 20  # documents left out for their language, named in tokens.json
SEGMENT_COLUMNS = ["doc_id", "seg", "speaker", "role", "char_start", "text"]
_READ_ROWS = 8192


# What 'auto' uses for transcripts: 'turn' measured better than 'answer' on planted topics and on
# the OSCE interviews (docs/performance.md, "Validity", "Analysis units").
TRANSCRIPT_UNIT = "turn"


def resolve_mode(unit: str, fmt: str) -> str:
    """The unit mode for a document: 'auto' is 'document' for comment-table rows, else 'turn'."""
    if unit != "auto":
        return unit
    return "document" if fmt in table_formats() else TRANSCRIPT_UNIT


@dataclass(frozen=True)
class DocBatch:
    """Some documents and all their segments (picklable: sent to a worker as is)."""

    documents: pa.Table  # DOCUMENT_COLUMNS
    segments: pa.Table  # SEGMENT_COLUMNS, in document order
    unit: str
    roles: tuple[str, ...]
    languages: frozenset[str] | None  # None: every language

    def doc_turns(self) -> list[DocTurns]:
        roles = set(self.roles)
        rows = zip(*(column.to_pylist() for column in self.segments.columns), strict=True)
        out = []
        for doc_id, participant_id, fmt, n_segments, language in zip(
            *(column.to_pylist() for column in self.documents.columns), strict=True
        ):
            modelled = self.languages is None or language in self.languages
            turns, interviewer = [], []
            for _ in range(n_segments):
                _doc, seg, speaker, role, char_start, text = next(rows)
                if not modelled:
                    continue
                if role in roles:
                    turns.append(Turn(seg, speaker, char_start, text))
                if role == "interviewer":
                    interviewer.append(Turn(seg, speaker, char_start, text))
            mode = resolve_mode(self.unit, fmt)
            out.append(DocTurns(doc_id, participant_id, mode, tuple(turns), tuple(interviewer)))
        return out


def tokenise_doc_batch(batch: DocBatch):
    """The worker task: :func:`~.units.tokenise_batch` of the batch's documents."""
    return tokenise_batch(batch.doc_turns())


@dataclass
class Reading:
    """Counts kept while streaming the corpus (updated by :func:`doc_batches`)."""

    documents: int = 0
    turns: int = 0
    selected: int = 0
    excluded: Counter = field(default_factory=Counter)
    modes: Counter = field(default_factory=Counter)
    languages: Counter = field(default_factory=Counter)  # documents per language
    language_documents: int = 0  # documents left out for their language
    language_turns: int = 0  # and their turns
    language_examples: list[dict] = field(default_factory=list)

    def add(self, documents: pa.Table, segments: pa.Table, config: TokensConfig) -> None:
        self.documents += documents.num_rows
        self.turns += segments.num_rows
        for pair in pc.value_counts(documents["language"]).to_pylist():
            self.languages[pair["values"]] += pair["counts"]
        kept = config.kept_languages
        if kept is not None:
            left_out = pc.invert(pc.is_in(documents["language"], value_set=pa.array(sorted(kept))))
            n_left_out = int(pc.sum(left_out).as_py() or 0)
            if n_left_out:
                foreign = documents.filter(left_out)
                self.language_documents += n_left_out
                room = LANGUAGE_EXAMPLES - len(self.language_examples)
                self.language_examples += foreign.slice(0, room).select(
                    ["doc_id", "participant_id", "language"]).to_pylist()
                is_foreign = pc.is_in(segments["doc_id"], value_set=foreign["doc_id"].combine_chunks())
                self.language_turns += int(pc.sum(is_foreign).as_py() or 0)
                segments = segments.filter(pc.invert(is_foreign))
        for pair in pc.value_counts(segments["role"]).to_pylist():
            if pair["values"] in config.roles:
                self.selected += pair["counts"]
            else:
                self.excluded[pair["values"]] += pair["counts"]
        if config.unit != "auto":
            modes = {config.unit: documents.num_rows}
        else:
            is_table = pc.is_in(documents["format"], value_set=pa.array(sorted(table_formats())))
            tables = int(pc.sum(is_table).as_py() or 0)
            modes = {"document": tables, TRANSCRIPT_UNIT: documents.num_rows - tables}
        self.modes.update({mode: n for mode, n in modes.items() if n})


class _SegmentStream:
    """Segments in file order, handed out n rows at a time."""

    def __init__(self, corpus: Corpus) -> None:
        self._batches = corpus.iter_segments(SEGMENT_COLUMNS, 65_536)
        self._buffer: pa.Table | None = None

    def take(self, n: int) -> pa.Table:
        parts, have = [], 0
        while have < n:
            if self._buffer is None or self._buffer.num_rows == 0:
                batch = next(self._batches, None)
                if batch is None:
                    break
                self._buffer = pa.Table.from_batches([batch])
            part = self._buffer.slice(0, n - have)
            self._buffer = self._buffer.slice(part.num_rows)
            parts.append(part)
            have += part.num_rows
        if not parts:
            return pa.table({name: pa.array([], pa.string()) for name in SEGMENT_COLUMNS})
        return pa.concat_tables(parts)


def doc_batches(corpus: Corpus, config: TokensConfig, reading: Reading) -> Iterator[DocBatch]:
    """Documents with all their turns, in corpus order, in batches of about batch_size turns."""
    segments = _SegmentStream(corpus)
    roles = tuple(config.roles)
    for batch in corpus.iter_documents(DOCUMENT_COLUMNS, _READ_ROWS):
        documents = pa.Table.from_batches([batch])
        counts = batch.column("n_segments").to_numpy(zero_copy_only=False).astype(np.int64)
        # Whole documents, grouped by their running turn count into ~batch_size turns.
        group = (np.cumsum(np.maximum(counts, 1)) - 1) // config.batch_size
        bounds = [0, *(np.flatnonzero(np.diff(group)) + 1).tolist(), len(counts)]
        for lo, hi in zip(bounds, bounds[1:], strict=False):
            docs = documents.slice(lo, hi - lo)
            n_segments = int(counts[lo:hi].sum())
            segs = segments.take(n_segments)
            _check_order(corpus, docs, counts[lo:hi], segs)
            reading.add(docs, segs, config)
            yield DocBatch(docs, segs, config.unit, roles, config.kept_languages)


def _check_order(corpus: Corpus, documents: pa.Table, counts: np.ndarray, segments: pa.Table) -> None:
    """The segments must be exactly the documents' turns, in document order."""
    expected = documents["doc_id"].take(pa.array(np.repeat(np.arange(len(counts)), counts)))
    same = segments.num_rows == len(expected) and bool(
        pc.all(pc.equal(segments["doc_id"], expected)).as_py() if len(expected) else True
    )
    if not same:
        got, want = segments["doc_id"].to_pylist(), expected.to_pylist()
        last = want[min(len(got), len(want) - 1)] if want else None
        first = next((w for g, w in zip(got, want, strict=False) if g != w), last)
        raise DataError(
            f"{corpus.segments_path}: turns are not in document order at {first!r}; "
            "re-run `feedcare ingest` to rebuild the corpus"
        )
