"""Keyword in context (``feedcare kwic``): every occurrence of a word, phrase or pattern.

Matching is whole-word and case-insensitive. With ``lemma=True`` each word is compared by
:func:`feedcare.corpus.tokens.normalise.lemma` after the lower-casing and possessive stripping
``feedcare tokens`` applies, so kwic finds what the topic model saw. simplemma maps "feels"
to "feel" and "went" to "go", but keeps "felt" and "feeling" as words of their own (they
are also nouns), so ``feel`` with ``--lemma`` does not find them; a pattern such as
``--regex "feel\\w*|felt"`` does.

By default only participant turns are searched, the turns ``feedcare tokens`` models, so kwic
shows the words behind the topics; matches in other roles are counted (``hidden``) so the
reader knows what ``roles=["all"]`` would add.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from feedcare.corpus.base.errors import UsageError
from feedcare.corpus.base.progress import ProgressCallback, report
from feedcare.corpus.store.reader import open_corpus
from feedcare.corpus.store.schema import ROLES
from feedcare.corpus.tokens.normalise import lemma

# Words as kwic counts them: letters and digits, with inner apostrophes ("don't", "I'm").
WORD = re.compile(r"\w+(?:['’]\w+)*")
MAX_WINDOW = 100
GROUP_COLUMNS = ("doc_id", "participant_id", "role", "speaker")
TURN_FIELDS = ("role", "speaker", "doc_id")  # --by these counts each match's turn, not a document column
DOC_PREFIX = "doc:"  # --by doc:role: the document attribute, where a turn field has the same name
ALL_ROLES = "all"
DEFAULT_ROLES = ("participant",)  # as [tokens] roles


@dataclass(frozen=True)
class KwicHit:
    doc_id: str
    seg: int
    participant_id: str | None
    speaker: str | None
    role: str
    left: str
    match: str
    right: str
    char_start: int  # of the match, into documents.text
    char_end: int

    def to_dict(self) -> dict[str, object]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class KwicResult:
    term: str
    hits: list[KwicHit]  # at most `limit`, in corpus order
    total: int  # all matches, also those beyond the limit
    by: str | None
    counts: dict[str, int] | None  # matches per value of `by` (most first), when asked
    roles: list[str] | None = None  # the roles searched; None: every role
    hidden: dict[str, int] | None = None  # matches in the turns of the other roles, per role
    # a document attribute named as the turn field `by` counted (role, speaker): --by doc:NAME
    shadowed: str | None = None

    @property
    def truncated(self) -> bool:
        return self.total > len(self.hits)

    def to_dict(self) -> dict[str, object]:
        return {
            "term": self.term, "total": self.total, "shown": len(self.hits), "by": self.by,
            "counts": self.counts, "roles": self.roles, "hidden": self.hidden or {},
            "shadowed": self.shadowed, "hits": [h.to_dict() for h in self.hits],
        }


def kwic(
    corpus_dir: Path,
    term: str,
    *,
    regex: bool = False,
    lemma: bool = False,
    window: int = 8,
    roles: Sequence[str] | None = DEFAULT_ROLES,
    by: str | None = None,
    limit: int | None = None,
    progress: ProgressCallback | None = None,
) -> KwicResult:
    """Every occurrence of ``term`` in the corpus turns, with ``window`` words either side.

    ``roles``: the speaker roles searched (default: participant); None or ``["all"]`` for every
    turn. Matches in the other roles are counted in ``hidden``. ``by``: a document attribute,
    ``participant_id``, or a turn's ``role`` or ``speaker``; ``doc:NAME`` is the document attribute
    NAME even where a turn field has that name (a feedback table's own ``role`` column).
    """
    matcher = _matcher(term, regex=regex, lemma=lemma)
    _check(window=window, roles=roles, limit=limit)
    shown_roles = None if roles is None or ALL_ROLES in roles else frozenset(roles)
    corpus = open_corpus(Path(corpus_dir))
    groups = _document_values(corpus, by)
    # as resolve_attribute would find it: "Role" is the attribute `--by doc:role` counts
    shadowed = by if by in ("role", "speaker") and any(
        a.casefold() == by for a in corpus.attribute_columns) else None
    participants = _document_values(corpus, "participant_id")
    hits: list[KwicHit] = []
    counts: Counter[str] = Counter()
    hidden: Counter[str] = Counter()
    total = 0
    columns = ["doc_id", "seg", "speaker", "role", "char_start", "text"]
    n_segments = corpus.manifest.counts.segments
    done = 0
    for batch in corpus.iter_segments(columns, batch_size=8192):
        rows = zip(*(batch[c].to_pylist() for c in columns), strict=True)
        for doc_id, seg, speaker, role, offset, text in rows:
            if shown_roles is not None and role not in shown_roles:
                for _match in matcher(text):
                    hidden[role] += 1
                continue
            for start, end in matcher(text):
                total += 1
                if by is not None:
                    turn_values = {"role": role, "speaker": speaker, "doc_id": doc_id}
                    value = turn_values[by] if by in TURN_FIELDS else groups.get(doc_id)
                    counts[value if value is not None else "(none)"] += 1
                if limit is None or len(hits) < limit:
                    left, right = _context(text, start, end, window)
                    hits.append(KwicHit(doc_id, seg, participants.get(doc_id), speaker, role,
                                        left, text[start:end], right, offset + start, offset + end))
        done += batch.num_rows
        report(progress, "Searching turns", done, n_segments)
    ordered = dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))) if by else None
    searched = sorted(shown_roles) if shown_roles is not None else None
    return KwicResult(term, hits, total, by, ordered, searched, dict(sorted(hidden.items())), shadowed)


def _check(*, window: int, roles: Sequence[str] | None, limit: int | None) -> None:
    if not 0 <= window <= MAX_WINDOW:
        raise UsageError(f"--window must be between 0 and {MAX_WINDOW} words, got {window}")
    if roles is not None and not roles:
        raise UsageError(f"--role must name a role ({', '.join(ROLES)}) or {ALL_ROLES}")
    for role in roles or ():
        if role not in (*ROLES, ALL_ROLES):
            raise UsageError(f"--role must be one of {', '.join(ROLES)} or {ALL_ROLES}, got {role!r}")
    if limit is not None and limit < 0:
        raise UsageError(f"--limit must be 0 or more, got {limit}")


def _document_values(corpus, column: str | None) -> dict[str, str | None]:
    if column is None or column in TURN_FIELDS:
        return {}
    if column.startswith(DOC_PREFIX):
        column = column[len(DOC_PREFIX):]
    if column != "participant_id":
        try:
            column = corpus.resolve_attribute(column)  # `--by source` finds source_1 (see ingest)
        except UsageError:
            raise UsageError(
                f"--by {column!r} is not a document attribute; choose one of "
                f"{', '.join([*GROUP_COLUMNS, *corpus.attribute_columns])}"
            ) from None
    table = corpus.documents(columns=["doc_id", column])
    return dict(zip(table["doc_id"].to_pylist(), table[column].to_pylist(), strict=True))


def _matcher(term: str, *, regex: bool, lemma: bool):
    """A function text -> (start, end) spans of the matches, in order."""
    if not term.strip():
        raise UsageError("TERM is empty; give a word, a phrase, or a pattern with --regex")
    if regex and lemma:
        raise UsageError("--lemma cannot be combined with --regex; lemmas apply to words, not patterns")
    if regex:
        try:
            pattern = re.compile(rf"(?<!\w)(?:{term})(?!\w)", re.IGNORECASE)
        except re.error as exc:
            raise UsageError(f"TERM {term!r} is not a valid regular expression ({exc})") from None
        return lambda text: ((m.start(), m.end()) for m in pattern.finditer(text) if m.end() > m.start())
    words = WORD.findall(term)
    if not words:
        raise UsageError(f"TERM {term!r} has no words to search for")
    key = _lemma_key if lemma else str.lower
    wanted = [key(w) for w in words]
    quick = None if lemma else wanted[0]

    def find(text: str) -> Iterator[tuple[int, int]]:
        if quick is not None and quick not in text.lower():
            return  # most turns do not contain the word at all: skip tokenising them
        tokens = list(WORD.finditer(text))
        n = len(wanted)
        for i in range(len(tokens) - n + 1):
            run = tokens[i:i + n]
            if all(key(t.group(0)) == w for t, w in zip(run, wanted, strict=True)):
                # A phrase's words must follow each other: only spaces or hyphens between.
                gaps = (text[a.end():b.start()] for a, b in zip(run, run[1:], strict=False))
                if all(not gap.strip(" \t\n-") for gap in gaps):
                    yield run[0].start(), run[-1].end()

    return find


def _lemma_key(word: str) -> str:
    """A word as `feedcare tokens` normalises it: lower case, straight apostrophe, no "'s", lemma."""
    low = word.lower().replace("’", "'")
    if low.endswith("'s"):
        low = low[:-2]
    return lemma(low).lower()


def _context(text: str, start: int, end: int, window: int) -> tuple[str, str]:
    """``window`` words either side of the match, as written, on one line.

    Only the neighbourhood of the match is scanned (widened until it holds the words), so a
    turn of megabytes on one line with thousands of matches stays linear, not quadratic.
    """
    if window == 0:
        return "", ""
    span = 64 * window
    while True:
        low = max(0, start - span)
        # One word more than needed: the first may be cut in half at ``low``.
        before = list(WORD.finditer(text, low, start))
        if len(before) > window or low == 0:
            break
        span *= 4
    after = list(itertools.islice(WORD.finditer(text, end), window))
    left_start = before[-window].start() if len(before) >= window else 0
    right_end = after[window - 1].end() if len(after) >= window else len(text)
    left = " ".join(text[left_start:start].split())
    right = " ".join(text[end:right_end].split())
    return left, right
