"""Analysis units: the pieces of text a topic model sees as documents.

- ``answer``: the selected speech between two interviewer questions. Short pieces are merged
  up to ``min_tokens`` only with the rest of the same answer, never across a question; long
  turns are split as in ``turn``. An interviewer turn with fewer than ``question_min_tokens``
  content tokens ("Mm-hm.", "Okay.", "Go on?") is a continuer, not a question: the answer goes
  on across it.
- ``turn``: consecutive selected turns of the same speaker are merged until a unit has
  ``min_tokens`` tokens (across interviewer turns in between); a turn longer than
  ``max_tokens`` is split at sentence boundaries (NLTK Punkt, trained on the corpus itself)
  into balanced pieces of at most ``max_tokens``; a single sentence longer than that is cut at
  word boundaries into equal parts. A short remainder at the end of a speaker's run joins the
  previous unit when it fits.
- ``document``: all selected turns of a document as one unit.
- ``window``: windows of ``window_size`` tokens (every ``window_step``) over the selected turns.

Token counts are taken after the stopword filters (the tokens the model will see). Every unit
keeps ``doc_id``, its first and last turn (``seg_start``, ``seg_end``), the interviewer
question it answers (``question_seg``: the last question at or before its first turn, in any
mode) and character offsets into ``documents.text``. A merged unit's character span covers the
turns between its first and last turn, including left-out interviewer turns (continuers, for
answer units), so an excerpt reads as in the transcript; its tokens come from the selected
turns only.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from feedcare.corpus.tokens.config import TokensConfig
from feedcare.corpus.tokens.tokenizer import Chunks, Tokenizer, blocks


@dataclass(frozen=True)
class Turn:
    seg: int
    speaker: str | None
    char_start: int  # of the turn's text in documents.text
    text: str


@dataclass(frozen=True)
class DocTurns:
    """One document's selected turns, and the unit mode resolved for it."""

    doc_id: str
    participant_id: str | None
    mode: str  # "answer" | "turn" | "document" | "window"
    turns: tuple[Turn, ...]
    interviewer: tuple[Turn, ...] = ()  # every interviewer turn, selected or not (the questions)


@dataclass
class Unit:
    doc_id: str
    seg_start: int
    seg_end: int
    char_start: int
    char_end: int
    chunks: Chunks = field(default_factory=list)
    n_tokens: int = 0
    question_seg: int | None = None

    def extend(self, other: Unit) -> None:
        """Append ``other``, which follows this unit in the document."""
        self.seg_end = max(self.seg_end, other.seg_end)
        self.char_end = max(self.char_end, other.char_end)
        self.chunks.extend(other.chunks)
        self.n_tokens += other.n_tokens


@dataclass
class UnitStats:
    units: int = 0
    merged_units: int = 0  # units made of more than one turn
    split_turns: int = 0  # turns cut into several units
    across_questions: int = 0  # units whose span holds an interviewer question
    interviewer_turns: int = 0
    questions: int = 0  # interviewer turns that are questions (the rest are continuers)

    def add(self, other: UnitStats) -> None:
        self.units += other.units
        self.merged_units += other.merged_units
        self.split_turns += other.split_turns
        self.across_questions += other.across_questions
        self.interviewer_turns += other.interviewer_turns
        self.questions += other.questions


# --- sentence splitting ---------------------------------------------------------------------


def train_punkt(texts: Iterable[str]):
    """Punkt parameters learnt from ``texts`` (unsupervised; no downloaded model)."""
    from nltk.tokenize.punkt import PunktTrainer

    trainer = PunktTrainer()
    trainer.train("\n\n".join(texts), finalize=True)
    return trainer.get_params()


def sentence_splitter(params):
    from nltk.tokenize.punkt import PunktSentenceTokenizer

    return PunktSentenceTokenizer(params)


# --- turn units -----------------------------------------------------------------------------


def _equal_parts(n: int, limit: int) -> list[tuple[int, int]]:
    """[start, end) bounds cutting ``n`` items into the fewest equal parts of at most ``limit``."""
    parts = max(1, math.ceil(n / limit))
    bounds = [round(i * n / parts) for i in range(parts + 1)]
    return list(zip(bounds, bounds[1:], strict=False))


def _cut_sentence(
    doc_id: str, seg: int, text: str, offset: int, tokenizer: Tokenizer, limit: int
) -> list[Unit]:
    """A sentence longer than ``limit`` tokens, cut at word boundaries into equal parts."""
    spans = tokenizer.span_chunks(text, offset)
    flat = [(token, start, end, c) for c, chunk in enumerate(spans) for token, start, end in chunk]
    pieces = []
    for lo, hi in _equal_parts(len(flat), limit):
        part = flat[lo:hi]
        pieces.append(Unit(doc_id, seg, seg, part[0][1], part[-1][2], _regroup(part), len(part)))
    return pieces


def _regroup(tokens: list[tuple[str, int, int, object]]) -> Chunks:
    """Tokens tagged with a chunk key back into chunks (consecutive equal keys)."""
    chunks: Chunks = []
    last = object()
    for token, _start, _end, key in tokens:
        if key != last:
            chunks.append([])
            last = key
        chunks[-1].append(token)
    return chunks


def _split_turn(doc_id: str, turn: Turn, tokenizer: Tokenizer, splitter, limit: int) -> list[Unit]:
    """Sentence pieces of a long turn, packed into balanced units of at most ``limit`` tokens."""
    sentences: list[Unit] = []
    # Punkt sees one bounded block at a time (see tokenizer.blocks): a sentence longer than a
    # block is cut at the block's edge, and no regular expression meets the whole turn at once.
    spans = ((lo + a, lo + b) for lo, hi in blocks(turn.text)
             for a, b in splitter.span_tokenize(turn.text[lo:hi]))
    for start, end in spans:
        text = turn.text[start:end]
        offset = turn.char_start + start
        counted = tokenizer.snapshot()
        chunks = tokenizer.chunks(text)
        n = sum(map(len, chunks))
        if n > limit:
            tokenizer.restore(counted)  # the sentence is tokenised again with spans
            sentences.extend(_cut_sentence(doc_id, turn.seg, text, offset, tokenizer, limit))
        else:
            sentences.append(Unit(doc_id, turn.seg, turn.seg, offset, offset + len(text), chunks, n))
    total = sum(s.n_tokens for s in sentences)
    target = total / max(1, math.ceil(total / limit))
    packed: list[Unit] = []
    current: Unit | None = None
    for sentence in sentences:
        if current is not None and (
            current.n_tokens + sentence.n_tokens > limit or current.n_tokens >= target
        ):
            packed.append(current)
            current = None
        if current is None:
            current = sentence
        else:
            current.extend(sentence)
    if current is not None:
        packed.append(current)
    return packed


def _turn_pieces(
    doc_id: str, turn: Turn, tokenizer: Tokenizer, splitter, config: TokensConfig, stats: UnitStats
):
    counted = tokenizer.snapshot()
    chunks = tokenizer.chunks(turn.text)
    n = sum(map(len, chunks))
    if n <= config.max_tokens or splitter is None:
        return [
            Unit(doc_id, turn.seg, turn.seg, turn.char_start, turn.char_start + len(turn.text), chunks, n)
        ]
    stats.split_turns += 1
    tokenizer.restore(counted)  # the turn is tokenised again sentence by sentence
    return _split_turn(doc_id, turn, tokenizer, splitter, config.max_tokens)


def turn_units(
    doc: DocTurns,
    tokenizer: Tokenizer,
    splitter,
    config: TokensConfig,
    stats: UnitStats,
    run_of: Callable[[Turn], object] = lambda turn: turn.speaker,
) -> list[Unit]:
    """Merge short and split long turns, run by run: a run is the turns with one ``run_of``
    value in a row (the same speaker for ``turn`` units, the same question for ``answer``)."""
    units: list[Unit] = []
    run_start = 0
    buffer: Unit | None = None
    low, high = config.min_tokens, config.max_tokens

    def close_short(piece: Unit) -> None:
        # A short remainder joins the previous unit of the same run when that unit has room.
        if len(units) > run_start and units[-1].n_tokens + piece.n_tokens <= high:
            units[-1].extend(piece)
        else:
            units.append(piece)

    previous_run: object = object()
    for turn in doc.turns:
        run = run_of(turn)
        if run != previous_run:
            if buffer is not None:
                close_short(buffer)
                buffer = None
            run_start = len(units)
            previous_run = run
        for piece in _turn_pieces(doc.doc_id, turn, tokenizer, splitter, config, stats):
            if buffer is not None and buffer.n_tokens + piece.n_tokens > high:
                if buffer.n_tokens >= low:
                    units.append(buffer)
                else:
                    close_short(buffer)
                buffer = None
            if buffer is None:
                buffer = piece
            else:
                buffer.extend(piece)
            if buffer.n_tokens >= low:
                units.append(buffer)
                buffer = None
    if buffer is not None:
        close_short(buffer)
    stats.merged_units += sum(1 for u in units if u.seg_end > u.seg_start)
    return units


# --- answer units ---------------------------------------------------------------------------


def question_segs(doc: DocTurns, tokenizer: Tokenizer, config: TokensConfig) -> list[int]:
    """The interviewer turns that ask something: ``question_min_tokens`` content tokens or more.

    "Mm-hm.", "Okay." and "Go on?" have none: they keep the participant talking, and an answer
    goes on across them. The filter counts are left as they were (these turns are not modelled).
    """
    if config.question_min_tokens == 0:
        return [turn.seg for turn in doc.interviewer]
    counted = tokenizer.snapshot()
    segs = [
        turn.seg
        for turn in doc.interviewer
        if sum(map(len, tokenizer.chunks(turn.text))) >= config.question_min_tokens
    ]
    tokenizer.restore(counted)
    return segs


def answer_units(
    doc: DocTurns,
    tokenizer: Tokenizer,
    splitter,
    config: TokensConfig,
    stats: UnitStats,
    questions: list[int],
) -> list[Unit]:
    """Merge short and split long pieces within each answer, never across a question."""
    return turn_units(
        doc, tokenizer, splitter, config, stats, run_of=lambda turn: bisect.bisect_right(questions, turn.seg)
    )


def _link_questions(units: list[Unit], questions: list[int], stats: UnitStats) -> None:
    """Each unit's question (the last at or before its first turn); count units spanning one."""
    for unit in units:
        before = bisect.bisect_right(questions, unit.seg_start)
        unit.question_seg = questions[before - 1] if before else None
        if before < len(questions) and questions[before] <= unit.seg_end:
            stats.across_questions += 1


# --- document and window units --------------------------------------------------------------


def document_units(doc: DocTurns, tokenizer: Tokenizer) -> list[Unit]:
    if not doc.turns:
        return []
    first, last = doc.turns[0], doc.turns[-1]
    chunks: Chunks = []
    for turn in doc.turns:
        chunks.extend(tokenizer.chunks(turn.text))
    unit = Unit(doc.doc_id, first.seg, last.seg, first.char_start, last.char_start + len(last.text), chunks)
    unit.n_tokens = sum(map(len, chunks))
    return [unit]


def window_starts(n: int, size: int, step: int) -> list[int]:
    """Window starts covering ``n`` tokens; the last window may be shorter than ``size``."""
    starts = list(range(0, max(n - size, 0) + 1, step))
    if starts[-1] + size < n:
        starts.append(starts[-1] + step)
    return starts


def window_units(doc: DocTurns, tokenizer: Tokenizer, config: TokensConfig) -> list[Unit]:
    flat: list[tuple[str, int, int, tuple[int, int]]] = []
    segs: list[int] = []
    for turn in doc.turns:
        for c, chunk in enumerate(tokenizer.span_chunks(turn.text, turn.char_start)):
            for token, start, end in chunk:
                flat.append((token, start, end, (turn.seg, c)))
                segs.append(turn.seg)
    if not flat:
        # Keep an empty unit so the document is counted among the units dropped as empty.
        return document_units(doc, tokenizer)[:1]
    units = []
    for start in window_starts(len(flat), config.window_size, config.step):
        part = flat[start : start + config.window_size]
        unit = Unit(
            doc.doc_id, segs[start], segs[start + len(part) - 1], part[0][1], part[-1][2], _regroup(part)
        )
        unit.n_tokens = len(part)
        units.append(unit)
    return units


def build_units(
    doc: DocTurns, tokenizer: Tokenizer, splitter, config: TokensConfig, stats: UnitStats
) -> list[Unit]:
    """The analysis units of one document, in text order, each linked to its question."""
    questions = question_segs(doc, tokenizer, config) if doc.interviewer else []
    stats.interviewer_turns += len(doc.interviewer)
    stats.questions += len(questions)
    if doc.mode == "answer":
        units = answer_units(doc, tokenizer, splitter, config, stats, questions)
    elif doc.mode == "turn":
        units = turn_units(doc, tokenizer, splitter, config, stats)
    elif doc.mode == "window":
        units = window_units(doc, tokenizer, config)
    else:
        units = document_units(doc, tokenizer)
    _link_questions(units, questions, stats)
    stats.units += len(units)
    return units


# --- the work of one batch, in a worker process or in-process --------------------------------


@dataclass
class BatchResult:
    """Units of a batch of documents as columns, with the counts the main process merges."""

    columns: dict[str, list]
    pair_counts: dict[str, int]
    pair_words: int
    filter_counts: dict[str, int]
    stats: UnitStats
    documents: int


UNIT_COLUMNS = (
    "doc_id", "seg_start", "seg_end", "question_seg", "char_start", "char_end", "participant_id", "chunks",
)

_STATE: dict[str, object] = {}


def init_worker(config: TokensConfig, stoplists, punkt_params) -> None:
    """Set up a process for :func:`tokenise_batch` (a pool initializer; also used in-process)."""
    _STATE["config"] = config
    _STATE["tokenizer"] = Tokenizer(config, stoplists)
    _STATE["splitter"] = sentence_splitter(punkt_params) if punkt_params is not None else None


def tokenise_batch(docs: list[DocTurns]) -> BatchResult:
    """Tokenise and cut a batch of documents into units; count phrase candidates."""
    from feedcare.corpus.tokens.phrases import count_pairs

    config: TokensConfig = _STATE["config"]  # type: ignore[assignment]
    tokenizer: Tokenizer = _STATE["tokenizer"]  # type: ignore[assignment]
    tokenizer.reset_counts()
    stats = UnitStats()
    columns: dict[str, list] = {name: [] for name in UNIT_COLUMNS}
    pairs: dict[str, int] = {}
    words = 0
    for doc in docs:
        for unit in build_units(doc, tokenizer, _STATE["splitter"], config, stats):
            for name in UNIT_COLUMNS[:-2]:
                columns[name].append(getattr(unit, name))
            columns["participant_id"].append(doc.participant_id)
            columns["chunks"].append(unit.chunks)
            if config.phrases:
                words += count_pairs(unit.chunks, pairs)
    return BatchResult(columns, pairs, words, tokenizer.counts(), stats, len(docs))
