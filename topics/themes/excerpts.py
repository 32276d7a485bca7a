"""Representative excerpts: the units that carry a topic most, from as many voices as possible.

Selection, per topic: units ranked by topic weight (ties: lower unit_id first), at least
``min_weight``. The first pass takes at most ``per_participant`` units from each participant;
if that yields fewer than ``n`` excerpts, the best remaining units fill the gap (repeating
participants). :class:`ExcerptCandidates` finds exactly that selection while streaming
doc_topics, keeping only ``n`` participants × ``per_participant`` units plus ``n`` units per
topic: a participant pushed out of the top ``n`` (by their best unit) can never have a unit in
the first pass again, since ``n`` others already beat every unit they had.

Each excerpt is the unit's own text, trimmed to ``excerpt_chars`` around the window holding
the most top-term matches. Its ``char_start``/``char_end`` point into ``documents.text``, so
``documents.text[char_start:char_end] == excerpt.text`` always holds.
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

Key = tuple[float, int]  # (weight, -unit_id): larger is better


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

    @property
    def trimmed_before(self) -> bool:
        return self.char_start > self.unit_char_start

    @property
    def trimmed_after(self) -> bool:
        return self.char_end < self.unit_char_end

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
        return [(-neg_unit, weight) for weight, neg_unit in picked]


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
    ) -> None:
        self.topics = [
            _TopicCandidates(n if only in (None, t) else 0, per_participant) for t in range(n_topics)
        ]
        self.min_weight = min_weight
        self.participant_of = participant_of

    def add(self, unit_ids: np.ndarray, topics: np.ndarray, weights: np.ndarray) -> None:
        limits = np.array([t.threshold() for t in self.topics])
        keep = (weights >= np.maximum(limits[topics], self.min_weight)) & (weights > 0)
        rows = np.flatnonzero(keep)
        # Best rows first, so the thresholds rise quickly and fewer rows reach Python.
        rows = rows[np.argsort(-weights[rows], kind="stable")]
        for unit, topic, weight in zip(
            unit_ids[rows].tolist(), topics[rows].tolist(), weights[rows].tolist(), strict=True
        ):
            self.topics[topic].offer((weight, -unit), int(self.participant_of[unit]))

    def select(self) -> dict[int, list[tuple[int, float]]]:
        """topic → [(unit_id, weight)] in presentation order."""
        return {topic: state.select() for topic, state in enumerate(self.topics) if state.n}


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


# --- building excerpts from the corpus ---------------------------------------------------------


def build_excerpts(
    corpus: Corpus,
    participant_of: Callable[[int], str],
    selected: dict[int, list[tuple[int, float]]],
    matchers: dict[int, TermMatcher],
    max_chars: int,
) -> dict[int, list[Excerpt]]:
    """Excerpt objects for the selected (unit, weight) pairs of each topic."""
    wanted = sorted({u for picks in selected.values() for u, _ in picks})
    if not wanted:
        return {}
    rows = _unit_rows(corpus, wanted)
    doc_ids = sorted({rows[u]["doc_id"] for u in wanted})
    texts = corpus.texts(doc_ids)
    docs = corpus.documents_where(doc_ids, ["doc_id", "source"])
    source_of = dict(zip(docs["doc_id"].to_pylist(), docs["source"].to_pylist(), strict=True))
    turns = _turns(corpus, doc_ids)
    out: dict[int, list[Excerpt]] = {}
    for topic, picks in selected.items():
        matcher = matchers.get(topic, TermMatcher.from_terms([]))
        for rank, (unit, weight) in enumerate(picks, start=1):
            row = rows[unit]
            text = texts[row["doc_id"]]
            u_start, u_end = row["char_start"], row["char_end"]
            if not 0 <= u_start <= u_end <= len(text):
                raise DataError(
                    f"{corpus.tokens_path}: unit {unit} points outside document {row['doc_id']}; "
                    "re-run `feedcare tokens`"
                )
            spans = matcher.spans(text, u_start, u_end)
            start, end = trim(text, u_start, u_end, spans, max_chars)
            start_s, speaker = turns.get((row["doc_id"], row["seg_start"]), (None, None))
            out.setdefault(topic, []).append(
                Excerpt(
                    topic=topic,
                    rank=rank,
                    unit_id=unit,
                    doc_id=row["doc_id"],
                    source=source_of.get(row["doc_id"], ""),
                    participant_id=participant_of(unit),
                    speaker=speaker,
                    seg_start=row["seg_start"],
                    seg_end=row["seg_end"],
                    char_start=start,
                    char_end=end,
                    unit_char_start=u_start,
                    unit_char_end=u_end,
                    start_s=start_s,
                    weight=weight,
                    text=text[start:end],
                    highlights=relative(spans, start, end),
                )
            )
    return out


def _unit_rows(corpus: Corpus, wanted: list[int]) -> dict[int, dict]:
    columns = ["unit_id", "doc_id", "seg_start", "seg_end", "char_start", "char_end"]
    needed = pa.array(wanted, pa.int64())
    rows: dict[int, dict] = {}
    for batch in corpus.iter_tokens(columns, 65_536):
        mask = pc.is_in(batch.column("unit_id"), value_set=needed)
        for row in batch.filter(mask).to_pylist():
            rows[row["unit_id"]] = row
    return rows


def _turns(corpus: Corpus, doc_ids: list[str]) -> dict[tuple[str, int], tuple[float | None, str | None]]:
    table = corpus.segments_where(doc_ids, ["doc_id", "seg", "start_s", "speaker"])
    return {
        (d, s): (t, speaker)
        for d, s, t, speaker in zip(
            table["doc_id"].to_pylist(),
            table["seg"].to_pylist(),
            table["start_s"].to_pylist(),
            table["speaker"].to_pylist(),
            strict=True,
        )
    }
