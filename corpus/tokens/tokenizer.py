"""Turning text into filtered tokens: NLTK regular-expression tokenisation, offline.

The tokenizer is NLTK's :class:`~nltk.tokenize.RegexpTokenizer` with a pattern written for
transcripts and feedback: it keeps ``can't``, ``well-being`` and ``a&e`` as one word and returns
punctuation so that phrases are never joined across a sentence, a comma or a marker. Redaction
and transcription markers (``[NAME]``, ``XXXX``, ``***``, ``<name>``, the ``markers`` patterns of
``[tokens]``) are replaced before tokenising by one placeholder character padded with spaces, so
offsets stay, a marker is never a token and it ends a phrase. Each distinct raw word is
normalised once (lower-casing, number/length/stopword filters, simplemma lemma) and cached:
natural text repeats a small vocabulary, so the per-token cost is one dictionary lookup.

Multi-word fillers ("you know", "kind of") are blanked out of the text before tokenising, so
"the nurses were kind" keeps "kind". Blanking keeps every character offset unchanged.

NLTK runs every regular expression under a 5-second wall-clock timeout, so a long text (a
20 MB transcript on one line) could fail or not depending on machine load. Texts are therefore
tokenised in blocks of at most :data:`BLOCK_CHARS`, cut where no token can span the cut
(:func:`blocks`): the tokens are the same, and NLTK never sees more than one block.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from importlib import resources

from feedcare.corpus.tokens.config import TokensConfig
from feedcare.corpus.tokens.normalise import lemma
from nltk.tokenize import RegexpTokenizer

# What a redaction marker becomes before tokenising (a private-use character: never in text).
MARKER_CHAR = "\ue000"

TOKEN_PATTERN = r"""
    \ue000                          # a redaction marker (see MARKER_CHAR)
  | [^\W_]+(?:['’&-][^\W_]+)*       # words: can't, well-being, a&e, covid-19
  | [.!?;:,()\[\]{}<>"“”…–—/-]      # punctuation: a boundary for phrases
"""

BLOCK_CHARS = 100_000
# Markers are placeholders by the time text is cut (see MARKER_CHAR), but a cut is still kept out
# of anything bracketed on one line, so a block edge never falls where a marker could be.
_OPEN_MARKER = re.compile(r"[\[<{][^\[\]<>{}\n]{0,202}$")


def blocks(text: str, size: int = BLOCK_CHARS) -> list[tuple[int, int]]:
    """[start, end) pieces of ``text``, each at most ``size`` long (unless one token is longer),
    cut after a newline where there is one, else at a space outside every marker."""
    if len(text) <= size:
        return [(0, len(text))]
    pieces, start = [], 0
    while len(text) - start > size:
        end = start + size
        cut = text.rfind("\n", start + size // 2, end) + 1
        if cut <= 0:
            cut = _space_cut(text, start + size // 2, end)
        pieces.append((start, cut))
        start = cut
    pieces.append((start, len(text)))
    return pieces


def _space_cut(text: str, low: int, end: int) -> int:
    position = end
    while True:
        position = max(text.rfind(" ", low, position), text.rfind("\t", low, position))
        if position < 0:
            return end  # no space at all: a single "word" of that size is cut
        if not _OPEN_MARKER.search(text, max(low, position - 203), position):
            return position + 1


# Why a raw token was dropped; codes below BREAK_MAX also end a phrase chunk.
PUNCTUATION, MARKER, NUMBER, SHORT, STOPWORD = range(5)
BREAK_MAX = MARKER
DROP_REASONS = ("punctuation", "markers", "numbers", "short", "stopwords")
_CACHE_LIMIT = 500_000

Chunks = list[list[str]]
SpanChunks = list[list[tuple[str, int, int]]]


def _read_list(text: str) -> list[str]:
    entries = []
    for line in text.splitlines():
        entry = " ".join(line.split("#", 1)[0].lower().replace("’", "'").split())
        if entry:
            entries.append(entry)
    return entries


def spoken_list_text() -> str:
    """The text of feedcare's shipped spoken-English list (data/spoken_stopwords.txt)."""
    return resources.files("feedcare.corpus.tokens").joinpath("data/spoken_stopwords.txt").read_text("utf-8")


def spoken_stopwords() -> list[str]:
    """The shipped spoken-English entries (single words and multi-word fillers)."""
    return _read_list(spoken_list_text())


@dataclass(frozen=True)
class StopLists:
    """The effective stopwords: single words, and multi-word sequences removed first."""

    words: frozenset[str] = frozenset()
    sequences: tuple[str, ...] = field(default=())


def load_stoplists(config: TokensConfig, file_texts: dict[str, str] | None = None) -> StopLists:
    """Combine gensim's list, the spoken list, user files and extra words, minus keep_words.

    ``file_texts`` maps each of ``config.stopwords_files`` to its text (read by the caller,
    which reports unreadable files).
    """
    entries: list[str] = []
    if config.stopwords:
        from gensim.parsing.preprocessing import STOPWORDS

        entries += sorted(STOPWORDS)
    if config.spoken_stopwords:
        entries += spoken_stopwords()
    for text in (file_texts or {}).values():
        entries += _read_list(text)
    entries += _read_list("\n".join(config.extra_stopwords))
    keep = set(_read_list("\n".join(config.keep_words)))
    words = frozenset(e for e in entries if " " not in e and e not in keep)
    sequences = tuple(sorted({e for e in entries if " " in e and e not in keep}, key=lambda s: (-len(s), s)))
    return StopLists(words, sequences)


def _sequence_pattern(sequences: tuple[str, ...]) -> re.Pattern[str] | None:
    if not sequences:
        return None
    parts = []
    for seq in sequences:
        words = [re.escape(w).replace("'", "['’]") for w in seq.split()]
        parts.append(r"\s+".join(words))
    # Longest first (sorted by the caller) so "you know what i mean" wins over "you know".
    return re.compile(r"(?<![\w'’&-])(?:" + "|".join(parts) + r")(?![\w'’&-])", re.IGNORECASE)


def _lower_sequence_pattern(sequences: tuple[str, ...]) -> re.Pattern[str] | None:
    """The same pattern, case-sensitive, for lower-cased text: 2-3x faster than IGNORECASE.

    The leading look-ahead on the possible first letters lets ``re`` skip most positions.
    """
    ignore_case = _sequence_pattern(sequences)
    if ignore_case is None:
        return None
    firsts = "".join(sorted({re.escape(seq[0]) for seq in sequences}))
    return re.compile(f"(?=[{firsts}])" + ignore_case.pattern)


class PatternTokenizer(RegexpTokenizer):
    """NLTK's RegexpTokenizer for feedcare's own fixed pattern, compiled with ``re``.

    NLTK compiles caller-supplied patterns with a ReDoS guard (the ``regex`` engine plus a
    timer), which is five times slower. TOKEN_PATTERN is ours and linear-time (every repeat
    needs a separator), so the guard buys nothing here.
    """

    def _check_regexp(self) -> None:
        if self._regexp is None:
            self._regexp = re.compile(self._pattern, self._flags)


def _blank(match: re.Match[str]) -> str:
    return " " * (match.end() - match.start())


def _placeholder(match: re.Match[str]) -> str:
    return MARKER_CHAR + " " * (match.end() - match.start() - 1)


def marker_pattern(patterns: tuple[str, ...]) -> re.Pattern[str] | None:
    """One regular expression for all marker patterns (checked by TokensConfig)."""
    if not patterns:
        return None
    return re.compile("|".join(f"(?:{p})" for p in patterns))


class Tokenizer:
    """Text → filtered tokens, grouped in chunks that phrases may not cross.

    Create one per process; it is cheap to build and keeps a cache of normalised words.
    :meth:`counts` tells how many raw tokens each filter removed (see DROP_REASONS), how many
    words were seen and kept, and how many multi-word filler sequences were blanked.
    """

    def __init__(self, config: TokensConfig, stoplists: StopLists) -> None:
        self.config = config
        self.stopwords = stoplists.words
        self._markers = marker_pattern((*config.markers, *config.extra_markers))
        self._sequences = _sequence_pattern(stoplists.sequences)
        self._lower_sequences = _lower_sequence_pattern(stoplists.sequences)
        self._regexp = PatternTokenizer(TOKEN_PATTERN, flags=re.UNICODE | re.VERBOSE | re.MULTILINE)
        self._cache: dict[str, str | int] = {}
        self.drops = [0] * len(DROP_REASONS)
        self.kept = 0
        self.fillers = 0

    # --- per raw token ----------------------------------------------------------------------

    def _normalise(self, raw: str) -> str | int:
        """The token ``raw`` becomes, or the code of the filter that drops it."""
        first = raw[0]
        if first == MARKER_CHAR:
            return MARKER
        if not first.isalnum():
            return PUNCTUATION
        config = self.config
        low = raw.lower().replace("’", "'")
        if config.remove_numbers and not any(c.isalpha() for c in low):
            return NUMBER
        stop = self.stopwords
        if low in stop:
            return STOPWORD
        if low.endswith("'s"):
            low = low[:-2]
            raw = raw[:-2]
            if low in stop:
                return STOPWORD
        if config.lowercase:
            word = lemma(low).lower() if config.lemmatize else low
        else:
            word = raw.replace("’", "'")
            if config.lemmatize and word.islower():
                word = lemma(word)
        if word.lower() in stop:
            return STOPWORD
        if len(word) < config.min_length:
            return SHORT
        return word

    def _lookup(self, raw: str) -> str | int:
        value = self._cache.get(raw)
        if value is None:
            if len(self._cache) >= _CACHE_LIMIT:
                self._cache.clear()  # a pure function of raw: clearing never changes output
            value = self._cache[raw] = self._normalise(raw)
        return value

    def _prepare(self, text: str) -> str:
        if self._markers is not None and MARKER_CHAR not in text:
            text = self._markers.sub(_placeholder, text)
        elif self._markers is not None:  # the placeholder in the text itself: never a marker
            text = self._markers.sub(_placeholder, text.replace(MARKER_CHAR, " "))
        if self._sequences is None:
            return text
        low = text.lower()
        # IGNORECASE is lower() on both sides, except that it also matches dotless i and long s
        # to i and s; without those (and with offsets unchanged) the lower-cased text matches the
        # same spans, and the original is blanked there.
        if len(low) == len(text) and "ı" not in text and "ſ" not in text:
            spans = [m.span() for m in self._lower_sequences.finditer(low)]  # type: ignore[union-attr]
            if not spans:
                return text
            pieces, last = [], 0
            for start, end in spans:
                pieces += [text[last:start], " " * (end - start)]
                last = end
            self.fillers += len(spans)
            return "".join(pieces) + text[last:]
        text, n = self._sequences.subn(_blank, text)
        self.fillers += n
        return text

    # --- per text ----------------------------------------------------------------------------

    def chunks(self, text: str) -> Chunks:
        """The filtered tokens of ``text`` in phrase chunks (the fast path)."""
        out: Chunks = []
        current: list[str] = []
        lookup = self._cache.get
        drops = self.drops
        prepared = self._prepare(text)
        raws = (raw for start, end in blocks(prepared) for raw in self._regexp.tokenize(prepared[start:end]))
        for raw in raws:
            value = lookup(raw)
            if value is None:
                value = self._lookup(raw)
            if value.__class__ is str:
                current.append(value)  # type: ignore[arg-type]
                continue
            drops[value] += 1  # type: ignore[index]
            if value <= BREAK_MAX and current:  # type: ignore[operator]
                out.append(current)
                current = []
        if current:
            out.append(current)
        self.kept += sum(map(len, out))
        return out

    def span_chunks(self, text: str, offset: int = 0) -> SpanChunks:
        """Like :meth:`chunks`, with each token's character span (plus ``offset``) in ``text``."""
        out: SpanChunks = []
        current: list[tuple[str, int, int]] = []
        prepared = self._prepare(text)
        spans = ((lo + a, lo + b) for lo, hi in blocks(prepared)
                 for a, b in self._regexp.span_tokenize(prepared[lo:hi]))
        for start, end in spans:
            value = self._lookup(prepared[start:end])
            if value.__class__ is str:
                current.append((value, start + offset, end + offset))  # type: ignore[arg-type]
                continue
            self.drops[value] += 1  # type: ignore[index]
            if value <= BREAK_MAX and current:  # type: ignore[operator]
                out.append(current)
                current = []
        if current:
            out.append(current)
        self.kept += sum(map(len, out))
        return out

    def snapshot(self) -> tuple[list[int], int, int]:
        """The filter counters now (to undo counting when a text is tokenised twice)."""
        return list(self.drops), self.kept, self.fillers

    def restore(self, snapshot: tuple[list[int], int, int]) -> None:
        drops, self.kept, self.fillers = snapshot
        self.drops[:] = drops

    def reset_counts(self) -> None:
        self.restore(([0] * len(DROP_REASONS), 0, 0))

    def counts(self) -> dict[str, int]:
        """What the filters removed so far (markers, numbers, short words, stopwords, fillers)."""
        return {
            "words": self.kept + sum(self.drops[NUMBER:]),
            "kept": self.kept,
            "fillers": self.fillers,
            **{name: self.drops[code] for code, name in enumerate(DROP_REASONS) if code != PUNCTUATION},
        }
