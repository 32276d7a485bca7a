"""Representative excerpts: the units that carry a topic most, from as many voices as possible.

Selection, per topic: units ranked by topic weight (ties: lower unit_id first), at least
``min_weight``. The first pass takes at most ``per_participant`` units from each participant;
if that yields fewer than ``n`` excerpts, the best remaining units fill the gap (repeating
participants). :class:`ExcerptCandidates` finds exactly that selection while streaming
doc_topics, keeping only ``n`` participants × ``per_participant`` units plus ``n`` units per
topic: a participant pushed out of the top ``n`` (by their best unit) can never have a unit in
the first pass again, since ``n`` others already beat every unit they had.

Units are ranked by a *representativeness score*: topic weight × length typicality
(``sqrt(min(n, m) / max(n, m))`` for a unit of ``n`` tokens when the median unit has ``m``), so
an excerpt is a typical piece of the corpus that carries the topic strongly, not the longest or
the shortest comment. ``min_weight`` still applies to the weight itself.

An excerpt is participant speech only: a unit's character span can hold interviewer turns
(merged units cover the turns between their first and last), so the excerpt is taken from one of
the unit's turns by a modelled role (``[tokens] roles``) — the one with most top-term matches —
and trimmed to whole sentences within ``excerpt_chars`` (a single longer sentence is cut at word
boundaries). The interviewer's preceding question (the last interviewer turn before that turn in
the document) travels beside the excerpt as context, never inside it. ``char_start``/
``char_end`` point into ``documents.text``, so ``documents.text[char_start:char_end] ==
excerpt.text`` always holds.
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from feedcare.corpus import Corpus
from feedcare.corpus.base.errors import DataError
from feedcare.corpus.tokens.normalise import normalise

Key = tuple[float, int, float]  # (score, -unit_id, weight): larger is better


@dataclass(frozen=True)
class Excerpt:
    topic: int
    rank: int  # 1 = most representative shown
    unit_id: int
    doc_id: str
    source: str  # the document's source file, relative to the ingest root
    participant_id: str
    speaker: str | None
    seg_start: int
    seg_end: int
    char_start: int  # of the shown text, into documents.text
    char_end: int
    unit_char_start: int  # of the whole unit
    unit_char_end: int
    start_s: float | None  # timestamp of the unit's first turn, when the transcript has one
    weight: float  # p(topic | unit)
    text: str  # documents.text[char_start:char_end], verbatim
    highlights: tuple[tuple[int, int], ...]  # top-term spans, relative to ``text``
    turn_char_start: int = -1  # the participant turn (within the unit) the excerpt comes from
    turn_char_end: int = -1
    question: str | None = None  # the interviewer's preceding turn: context, never part of ``text``
    question_seg: int | None = None
    single_turn: bool = False  # the document is one turn (a comment): no turn numbers to show

    @property
    def trimmed_before(self) -> bool:
        return self.char_start > (self.turn_char_start if self.turn_char_start >= 0 else self.unit_char_start)

    @property
    def trimmed_after(self) -> bool:
        return self.char_end < (self.turn_char_end if self.turn_char_end >= 0 else self.unit_char_end)

    def marked(self, escape: Callable[[str], str], mark: Callable[[str], str]) -> str:
        """The text with every top-term span passed through ``mark``, the rest through ``escape``."""
        out, last = [], 0
        for start, end in self.highlights:
            out.append(escape(self.text[last:start]))
            out.append(mark(escape(self.text[start:end])))
            last = end
        out.append(escape(self.text[last:]))
        return "".join(out)


class _TopicCandidates:
    """The bounded state for one topic (see the module docstring for why it is exact)."""

    def __init__(self, n: int, per_participant: int) -> None:
        self.n = n
        self.per = per_participant
        self.overall: list[Key] = []  # min-heap of the n best units
        self.people: dict[int, list[Key]] = {}  # participant → their best units, best first

    def offer(self, key: Key, person: int) -> None:
        if len(self.overall) < self.n:
            heapq.heappush(self.overall, key)
        elif key > self.overall[0]:
            heapq.heapreplace(self.overall, key)
        units = self.people.get(person)
        if units is not None:
            if len(units) < self.per or key > units[-1]:
                units.append(key)
                units.sort(reverse=True)
                del units[self.per :]
            return
        if len(self.people) >= self.n:
            weakest = min(self.people, key=lambda p: self.people[p][0])
            if key <= self.people[weakest][0]:
                return
            del self.people[weakest]
        self.people[person] = [key]

    def threshold(self) -> float:
        """No unit with a lower weight can change the selection."""
        if self.n == 0:
            return float("inf")
        if len(self.overall) < self.n or len(self.people) < self.n:
            return float("-inf")
        if any(len(units) < self.per for units in self.people.values()):
            return float("-inf")
        return min(self.overall[0][0], min(units[-1][0] for units in self.people.values()))

    def select(self) -> list[tuple[int, float]]:
        diverse = sorted((k for units in self.people.values() for k in units), reverse=True)[: self.n]
        chosen = set(diverse)
        fill = [k for k in sorted(self.overall, reverse=True) if k not in chosen]
        picked = diverse + fill[: self.n - len(diverse)]
        return [(-neg_unit, weight) for _, neg_unit, weight in picked]


class ExcerptCandidates:
    """Streams (unit, topic, weight) rows and keeps what the excerpt selection needs."""

    def __init__(
        self,
        n_topics: int,
        n: int,
        per_participant: int,
        min_weight: float,
        participant_of: np.ndarray,
        only: int | None = None,
        typicality: np.ndarray | None = None,
    ) -> None:
        self.topics = [
            _TopicCandidates(n if only in (None, t) else 0, per_participant) for t in range(n_topics)
        ]
        self.min_weight = min_weight
        self.participant_of = participant_of
        self.typicality = typicality

    def add(self, unit_ids: np.ndarray, topics: np.ndarray, weights: np.ndarray) -> None:
        scores = weights if self.typicality is None else weights * self.typicality[unit_ids]
        limits = np.array([t.threshold() for t in self.topics])
        # A zero score is a unit outside this selection (another group's, for --by excerpts).
        keep = (scores >= limits[topics]) & (weights >= self.min_weight) & (weights > 0) & (scores > 0)
        rows = np.flatnonzero(keep)
        # Best rows first, so the thresholds rise quickly and fewer rows reach Python.
        rows = rows[np.argsort(-scores[rows], kind="stable")]
        for unit, topic, score, weight in zip(
            unit_ids[rows].tolist(),
            topics[rows].tolist(),
            scores[rows].tolist(),
            weights[rows].tolist(),
            strict=True,
        ):
            self.topics[topic].offer((score, -unit, weight), int(self.participant_of[unit]))

    def select(self) -> dict[int, list[tuple[int, float]]]:
        """topic → [(unit_id, weight)] in presentation order."""
        return {topic: state.select() for topic, state in enumerate(self.topics) if state.n}


def length_typicality(n_tokens: np.ndarray) -> np.ndarray:
    """Per unit, ``sqrt(min(n, m) / max(n, m))`` with ``m`` the median unit length (1 at the median)."""
    n = np.maximum(n_tokens.astype(np.float64), 1.0)
    if not len(n):
        return n
    median = max(float(np.median(n)), 1.0)
    return np.sqrt(np.minimum(n, median) / np.maximum(n, median))


# --- trimming and highlighting -------------------------------------------------------------

_WORD = re.compile(r"[^\W_]+(?:['’\-][^\W_]+)*")


@dataclass(frozen=True)
class TermMatcher:
    """Finds where a topic's top terms (normalised tokens, phrases joined by ``_``) occur."""

    terms: frozenset[str]
    phrases: tuple[tuple[str, ...], ...]
    lemmatize: bool = True

    @classmethod
    def from_terms(cls, terms: Iterable[str], lemmatize: bool = True) -> TermMatcher:
        singles, phrases = set(), []
        for term in terms:
            parts = tuple(p for p in re.split(r"[_ ]", term.lower()) if p)
            if len(parts) > 1:
                phrases.append(parts)
            elif parts:
                singles.add(parts[0])
        return cls(frozenset(singles), tuple(phrases), lemmatize)

    def _forms(self, word: str) -> set[str]:
        lower = word.lower()
        return {lower, normalise(lower, self.lemmatize)}

    def spans(self, text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
        """Absolute (start, end) spans of term matches within ``text[start:end]``."""
        end = len(text) if end is None else end
        words = [(m.start(), m.end(), self._forms(m.group())) for m in _WORD.finditer(text, start, end)]
        found: list[tuple[int, int]] = []
        for i, (w_start, w_end, forms) in enumerate(words):
            if forms & self.terms:
                found.append((w_start, w_end))
                continue
            for phrase in self.phrases:
                last = i + len(phrase)
                if last <= len(words) and all(phrase[j] in words[i + j][2] for j in range(len(phrase))):
                    found.append((w_start, words[last - 1][1]))
                    break
        return found


def trim(text: str, start: int, end: int, matches: list[tuple[int, int]], max_chars: int) -> tuple[int, int]:
    """The window of ``text[start:end]`` to show: at most ``max_chars``, densest in matches.

    The window starts and ends on word boundaries and has no surrounding whitespace.
    """
    start, end = _strip(text, start, end)
    if end - start <= max_chars:
        return start, end
    lo, hi = start, start + max_chars
    best = 0
    for i, (m_start, _) in enumerate(matches):
        inside = [m for m in matches[i:] if m[1] <= m_start + max_chars]
        if len(inside) > best:
            best = len(inside)
            slack = max_chars - (inside[-1][1] - m_start)
            lo = min(max(start, m_start - slack // 2), end - max_chars)
            hi = lo + max_chars
    first = min((m[0] for m in matches if m[0] >= lo), default=hi)
    last = max((m[1] for m in matches if m[1] <= hi), default=lo)
    lo = _snap_forward(text, lo, start, min(first, hi))
    hi = _snap_back(text, hi, end, max(last, lo))
    return _strip(text, lo, hi)


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _snap_forward(text: str, pos: int, floor: int, limit: int) -> int:
    """Move ``pos`` to the next word start unless it already is one (never past ``limit``)."""
    if pos <= floor or text[pos - 1].isspace():
        return pos
    probe = pos
    while probe < limit and not text[probe].isspace():
        probe += 1
    return probe if probe < limit else pos


def _snap_back(text: str, pos: int, ceiling: int, limit: int) -> int:
    """Move ``pos`` back to the previous word end unless it already is one (never before ``limit``)."""
    if pos >= ceiling or text[pos].isspace():
        return pos
    probe = pos
    while probe > limit and not text[probe - 1].isspace():
        probe -= 1
    return probe if probe > limit else pos


def relative(spans: list[tuple[int, int]], start: int, end: int) -> tuple[tuple[int, int], ...]:
    return tuple((s - start, e - start) for s, e in spans if s >= start and e <= end)


# A sentence ends with . ! ? or … (closing quotes/brackets may follow) before whitespace, or at a
# line break. Deliberately simple and deterministic: it may also split after "Dr." — a shorter
# excerpt, never a wrong one.
_SENTENCE_END = re.compile(r"[.!?…]+[\"'”’)\]]*(?=\s)|\n")


def sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Sentence spans of ``text[start:end]`` without surrounding whitespace."""
    spans, last = [], start
    for m in _SENTENCE_END.finditer(text, start, end):
        s, e = _strip(text, last, m.end())
        if e > s:
            spans.append((s, e))
        last = m.end()
    s, e = _strip(text, last, end)
    if e > s:
        spans.append((s, e))
    return spans


def trim_sentences(
    text: str, start: int, end: int, matches: list[tuple[int, int]], max_chars: int
) -> tuple[int, int]:
    """Whole sentences of ``text[start:end]``, at most ``max_chars``, holding most matches.

    Ties go to the longer window (more context), then the earlier one. When no sentence fits,
    the best sentence is cut at word boundaries by :func:`trim`.
    """
    start, end = _strip(text, start, end)
    if end - start <= max_chars:
        return start, end
    spans = sentences(text, start, end)
    best: tuple[int, int, int] | None = None  # (matches, length, -first index)
    window = (start, start)
    for i in range(len(spans)):
        for j in range(i, len(spans)):
            lo, hi = spans[i][0], spans[j][1]
            if hi - lo > max_chars:
                break
            key = (sum(1 for m in matches if lo <= m[0] and m[1] <= hi), hi - lo, -i)
            if best is None or key > best:
                best, window = key, (lo, hi)
    if best is not None:
        return window
    densest = max(spans, key=lambda sp: (sum(1 for m in matches if sp[0] <= m[0] and m[1] <= sp[1]), -sp[0]))
    return trim(text, densest[0], densest[1], matches, max_chars)


def question_context(text: str, max_chars: int) -> str:
    """An interviewer turn as context: whole when short, else its last sentences (with "… ")."""
    text = text.strip()
    if len(text) <= max_chars:
        return text
    spans = sentences(text, 0, len(text))
    lo = spans[-1][0]
    for s, _ in reversed(spans):
        if len(text) - s > max_chars:
            break
        lo = s
    if len(text) - lo > max_chars:  # one long last sentence: its end, from a word start
        lo = len(text) - max_chars
        while lo < len(text) and not text[lo - 1].isspace():
            lo += 1
    return "… " + text[lo:].strip()


# --- building excerpts from the corpus ---------------------------------------------------------

QUESTION_CHARS = 240


@dataclass(frozen=True)
class _Segment:
    seg: int
    role: str
    speaker: str | None
    start_s: float | None
    char_start: int
    char_end: int


def build_excerpts(
    corpus: Corpus,
    participant_of: Callable[[int], str],
    selected: dict[int, list[tuple[int, float]]],
    matchers: dict[int, TermMatcher],
    max_chars: int,
    roles: Iterable[str] = ("participant",),
) -> dict[int, list[Excerpt]]:
    """Excerpt objects for the selected (unit, weight) pairs of each topic.

    ``roles`` are the speaker roles the tokens modelled; only their turns are quoted.
    """
    wanted = sorted({u for picks in selected.values() for u, _ in picks})
    if not wanted:
        return {}
    roles = frozenset(roles)
    rows = _unit_rows(corpus, wanted)
    doc_ids = sorted({rows[u]["doc_id"] for u in wanted})
    texts = corpus.texts(doc_ids)
    docs = corpus.documents_where(doc_ids, ["doc_id", "source"])
    source_of = dict(zip(docs["doc_id"].to_pylist(), docs["source"].to_pylist(), strict=True))
    segments = _segments(corpus, doc_ids)
    out: dict[int, list[Excerpt]] = {}
    for topic, picks in selected.items():
        matcher = matchers.get(topic, TermMatcher.from_terms([]))
        rank = 0
        for unit, weight in picks:
            row = rows[unit]
            doc = row["doc_id"]
            text = texts[doc]
            u_start, u_end = row["char_start"], row["char_end"]
            if not 0 <= u_start <= u_end <= len(text):
                raise DataError(
                    f"{corpus.tokens_path}: unit {unit} points outside document {doc}; "
                    "re-run `feedcare tokens`"
                )
            turns = _quotable_turns(segments.get(doc, []), row, roles)
            if not turns:  # no modelled turn inside the unit: nothing we may quote
                continue
            scored = []
            for seg, t_start, t_end in turns:
                spans = matcher.spans(text, t_start, t_end)
                scored.append((len(spans), t_end - t_start, -seg.seg, seg, t_start, t_end, spans))
            _, _, _, seg, t_start, t_end, spans = max(scored, key=lambda x: x[:3])
            start, end = trim_sentences(text, t_start, t_end, spans, max_chars)
            question = _preceding_question(segments.get(doc, []), seg.seg)
            rank += 1
            out.setdefault(topic, []).append(
                Excerpt(
                    topic=topic,
                    rank=rank,
                    unit_id=unit,
                    doc_id=doc,
                    source=source_of.get(doc, ""),
                    participant_id=participant_of(unit),
                    speaker=seg.speaker,
                    seg_start=seg.seg,
                    seg_end=seg.seg,
                    char_start=start,
                    char_end=end,
                    unit_char_start=u_start,
                    unit_char_end=u_end,
                    start_s=seg.start_s,
                    weight=weight,
                    text=text[start:end],
                    highlights=relative(spans, start, end),
                    turn_char_start=_strip(text, t_start, t_end)[0],
                    turn_char_end=_strip(text, t_start, t_end)[1],
                    question=None
                    if question is None
                    else question_context(text[question.char_start : question.char_end], QUESTION_CHARS),
                    question_seg=None if question is None else question.seg,
                    single_turn=len(segments.get(doc, [])) == 1,
                )
            )
    return out


def _quotable_turns(
    segments: list[_Segment], row: dict, roles: frozenset[str]
) -> list[tuple[_Segment, int, int]]:
    """The unit's turns by a modelled role, clipped to the unit's span (a split turn's unit is
    part of the turn)."""
    found = []
    for seg in segments:
        if row["seg_start"] <= seg.seg <= row["seg_end"] and seg.role in roles:
            lo, hi = max(seg.char_start, row["char_start"]), min(seg.char_end, row["char_end"])
            if hi > lo:
                found.append((seg, lo, hi))
    return found


def _preceding_question(segments: list[_Segment], seg: int) -> _Segment | None:
    """The last interviewer turn before turn ``seg`` of the same document."""
    before = [s for s in segments if s.seg < seg and s.role == "interviewer"]
    return before[-1] if before else None


def _unit_rows(corpus: Corpus, wanted: list[int]) -> dict[int, dict]:
    columns = ["unit_id", "doc_id", "seg_start", "seg_end", "char_start", "char_end"]
    needed = pa.array(wanted, pa.int64())
    rows: dict[int, dict] = {}
    for batch in corpus.iter_tokens(columns, 65_536):
        mask = pc.is_in(batch.column("unit_id"), value_set=needed)
        for row in batch.filter(mask).to_pylist():
            rows[row["unit_id"]] = row
    return rows


def _segments(corpus: Corpus, doc_ids: list[str]) -> dict[str, list[_Segment]]:
    """Each document's turns in order (only the documents holding excerpts are read)."""
    columns = ["doc_id", "seg", "role", "speaker", "start_s", "char_start", "char_end"]
    table = corpus.segments_where(doc_ids, columns)
    out: dict[str, list[_Segment]] = {}
    for row in table.to_pylist():
        out.setdefault(row.pop("doc_id"), []).append(_Segment(**row))
    for turns in out.values():
        turns.sort(key=lambda s: s.seg)
    return out
