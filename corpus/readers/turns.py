"""Speaker turns in plain-text transcripts, and the role each speaker label plays.

:func:`parse_turns` splits a document's text into :class:`~feedcare.corpus.readers.Turn` objects
whose ``text`` is always a verbatim slice of the document (``text[t.char_start:t.char_end]``), and
:func:`assign_roles` maps the labels of one document to interviewer / participant / other.
The conventions recognised are listed in docs/transcript-formats.md.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from feedcare.corpus.base.errors import UsageError
from feedcare.corpus.readers.types import Turn

DEFAULT_INTERVIEWER_LABELS: tuple[str, ...] = (
    "Interviewer",
    "Int",
    "I",
    "Moderator",
    "Facilitator",
    "Researcher",
    "Doctor",
    "Dr",
    "D",
    "Q",
)
DEFAULT_PARTICIPANT_LABELS: tuple[str, ...] = (
    "Participant",
    "P",
    "R",
    "Respondent",
    "Patient",
    "Interviewee",
    "Pt",
    "A",
)

ROLE_INTERVIEWER = "interviewer"
ROLE_PARTICIPANT = "participant"
ROLE_OTHER = "other"

# Words that end in a colon at a line start without naming a speaker ("Note: ...", "Date: ...").
# They are only refused as *unknown* labels; a user can still name one with --interviewer.
_NOT_SPEAKERS = frozenset(
    """note notes nb ps time date day duration location place venue setting title subject re
    file filename transcript transcriber transcription project study interview session site ward
    topic theme code example tip warning source url link age gender sex ethnicity occupation id
    summary question questions answer comment comments context background keywords""".split()
)

# A timestamp before a label: [00:12:34], (00:12:34), #00:00:44-0# (f4/f5), or bare 00:03:40.5.
_CLOCK = r"(?:\d{1,3}:)?\d{1,2}:\d{2}(?:[.,]\d{1,3})?"
_F4_CLOCK = r"\d{1,3}:\d{2}:\d{2}(?:-\d{1,2})?"
_TIMESTAMP = rf"(?:\[(?P<ts1>{_CLOCK})\]|\((?P<ts2>{_CLOCK})\)|\#(?P<ts3>{_F4_CLOCK})\#|(?P<ts4>{_CLOCK}))"
# 1-3 words; the first starts with a letter. Whether it really is a label is decided later.
_WORD_CHAR = r"(?:[^\W_]|['’.\-])"  # no "_", so "__P01__:" is bold markdown, not a label
# Word lengths are bounded so a long line without a colon fails fast instead of backtracking.
_LABEL = rf"(?P<label>[^\W\d_]{_WORD_CHAR}{{0,40}}(?:[ \t]+{_WORD_CHAR}{{1,40}}){{0,2}}?)"
# A note in brackets after the label names who spoke: "Interviewer (JS):", "Dr Patel (GP):".
_NOTE = r"(?:[ \t]*\((?P<note>[^()\n:]{1,24})\))?"
_LABEL_LINE = re.compile(
    rf"[ \t]*(?:{_TIMESTAMP}[ \t]*)?(?P<open>\*\*|__)?{_LABEL}{_NOTE}"
    r"(?P<close1>\*\*|__)?[ \t]*:+(?P<close2>\*\*|__)?"
)
_TRAILING_NOTE = re.compile(r"[ \t]*\([^()]*\)[ \t]*$")
_MAX_LABEL_CHARS = 30
# Teams and Otter transcripts put the speaker and a time alone on a line, the words below it
# ("Sarah Jones   0:03" / "Speaker 1  00:01:12"): no colon after the name.
_HEADER_LINE = re.compile(rf"[ \t]*{_LABEL}[ \t]+(?P<ts5>{_CLOCK})[ \t]*")

_KNOWN_STEMS = frozenset(
    label.casefold() for label in DEFAULT_INTERVIEWER_LABELS + DEFAULT_PARTICIPANT_LABELS
)
# A known stem with an optional number: "Interviewer 1", "Int2", "P01", "Participant 3", "R-2".
_KNOWN_LABEL = re.compile(r"(?P<stem>[^\W\d_]+)(?:[ \t_\-]?\d{1,4})?", re.IGNORECASE)


@dataclass(frozen=True)
class LabelMatch:
    """A speaker label found at the start of a line (not yet accepted as a turn)."""

    line_start: int  # offset of the line in the document
    body_start: int  # offset just after the label's colon (and closing bold marker)
    line_end: int
    label: str
    start_s: float | None
    known: bool
    header: bool = False  # a Teams/Otter "Name  0:03" line, accepted only when the name recurs


def parse_turns(text: str, *, labels: Sequence[str] = ()) -> list[Turn]:
    """Split a transcript into speaker turns.

    A turn starts at a line that begins with a speaker label and a colon (optionally after a
    timestamp, optionally in markdown bold); lines without a label continue the current turn.
    ``labels`` are extra labels to accept as speakers however often they occur (e.g. the
    user's ``--interviewer`` names). A text without any label is one turn with speaker None.
    Turns with no words are dropped. Every turn's text is ``text[char_start:char_end]``.
    """
    extra = _extra_labels(labels)
    candidates = list(_label_candidates(text, extra))
    counts = Counter(_fold(c.label) for c in candidates)
    accepted = [c for c in candidates if _accepted(c, counts)]
    if not accepted:
        return _drop_empty([_make_turn(text, 0, len(text), None, None, None)])
    spelling = _preferred_spellings([c.label for c in accepted])
    turns: list[Turn] = []
    if text[: accepted[0].line_start].strip():
        turns.append(_make_turn(text, 0, accepted[0].line_start, None, None, None))
    for index, cand in enumerate(accepted):
        following = accepted[index + 1] if index + 1 < len(accepted) else None
        end = following.line_start if following else len(text)
        end_s = following.start_s if following is not None and cand.start_s is not None else None
        turns.append(_make_turn(text, cand.body_start, end, spelling[_fold(cand.label)], cand.start_s, end_s))
    return _drop_empty(turns)


def _accepted(candidate: LabelMatch, counts: Counter) -> bool:
    recurs = counts[_fold(candidate.label)] >= 2
    if candidate.header:  # "Ward 5  10:30" alone on a line once is text, not a speaker
        return candidate.known or recurs
    return candidate.known or candidate.start_s is not None or recurs


def _label_candidates(text: str, extra: set[str]):
    position = 0
    length = len(text)
    while position <= length:
        newline = text.find("\n", position)
        line_end = length if newline < 0 else newline
        candidate = _match_label(text, position, line_end, extra)
        if candidate is not None:
            yield candidate
        if newline < 0:
            break
        position = newline + 1


def _match_label(text: str, line_start: int, line_end: int, extra: set[str]) -> LabelMatch | None:
    header = _match_header(text, line_start, line_end, extra)
    if header is not None:  # before the colon form, which would read "Sarah 10:30" as "Sarah 10:"
        return header
    match = _LABEL_LINE.match(text, line_start, line_end)
    if match is None:
        return None
    opener, close1, close2 = match.group("open"), match.group("close1"), match.group("close2")
    if opener is None and (close1 or close2):
        return None
    if opener is not None and [close1, close2].count(opener) != 1:
        return None
    base = match.group("label").strip()
    note = (match.group("note") or "").strip()
    label = f"{base} ({note})" if note else base
    after = text[match.end() : match.end() + 1]
    known = _is_known(base, label, extra)
    if known:
        # "D:OK" occurs in real transcripts, but "D:\\data" or "http://" are not turns.
        if after in ("/", "\\"):
            return None
    else:
        if after not in ("", " ", "\t") or not _looks_like_name(base) or (note and not note[0].isalnum()):
            return None
    stamp = next((match.group(g) for g in ("ts1", "ts2", "ts3", "ts4") if match.group(g)), None)
    return LabelMatch(
        line_start=line_start,
        body_start=match.end(),
        line_end=line_end,
        label=label,
        start_s=parse_clock(stamp) if stamp else None,
        known=known,
    )


def _match_header(text: str, line_start: int, line_end: int, extra: set[str]) -> LabelMatch | None:
    """A Teams/Otter speaker line: a name and a time with nothing after them."""
    match = _HEADER_LINE.fullmatch(text, line_start, line_end)
    if match is None:
        return None
    label = match.group("label").strip()
    known = _is_known(label, label, extra)
    if not known and not _looks_like_name(label):
        return None
    return LabelMatch(
        line_start=line_start,
        body_start=line_end,
        line_end=line_end,
        label=label,
        start_s=parse_clock(match.group("ts5")),
        known=known,
        header=True,
    )


def match_label(line: str, *, labels: Sequence[str] = ()) -> LabelMatch | None:
    """The speaker label at the start of one line, or None.

    ``known`` tells whether it is a recognised label (or one of ``labels``); an unknown but
    name-like label counts as a speaker only when it recurs or carries a timestamp, which
    the caller decides (see :func:`parse_turns`).
    """
    return _match_label(line, 0, len(line), _extra_labels(labels))


def _extra_labels(labels: Sequence[str]) -> set[str]:
    """The user's labels as case-folded spellings and stems ("Sarah 2" matches "sarah")."""
    return ({_fold(label) for label in labels} | {normalise_label(label) for label in labels}) - {""}


def _is_known(base: str, label: str, extra: set[str]) -> bool:
    """A default label (judged without its bracketed note) or one the user named."""
    return _is_known_label(base) or _fold(label) in extra or normalise_label(label) in extra


def _is_known_label(label: str) -> bool:
    match = _KNOWN_LABEL.fullmatch(label)
    return match is not None and match.group("stem").casefold() in _KNOWN_STEMS


def _looks_like_name(label: str) -> bool:
    """An unknown label must look like a name: "Sarah", "Dr Patel", "Speaker 1", "JOHN"."""
    words = label.split()
    # "Note", "Interview Date", "Participant ID": headers and form fields, not speakers.
    if len(label) > _MAX_LABEL_CHARS or words[-1].casefold().rstrip(".") in _NOT_SPEAKERS:
        return False
    if not words[0][0].isupper():
        return False
    return all(word[0].isupper() or word[0].isdigit() for word in words)


def _fold(label: str) -> str:
    return " ".join(label.split()).casefold()


def _preferred_spellings(labels: list[str]) -> dict[str, str]:
    """Labels differing only in case ("P" / "p") become the document's most frequent spelling."""
    counts = Counter(labels)
    first_seen = {label: i for i, label in reversed(list(enumerate(labels)))}
    best: dict[str, str] = {}
    for label in sorted(counts, key=lambda lb: (-counts[lb], first_seen[lb])):
        best.setdefault(_fold(label), label)
    return best


def _make_turn(
    text: str, start: int, end: int, speaker: str | None, start_s: float | None, end_s: float | None
) -> Turn:
    chunk = text[start:end]
    stripped_left = len(chunk) - len(chunk.lstrip())
    body = chunk.strip()
    char_start = start + stripped_left
    return Turn(speaker, body, char_start, char_start + len(body), start_s, end_s)


def _drop_empty(turns: list[Turn]) -> list[Turn]:
    return [turn for turn in turns if any(ch.isalnum() for ch in turn.text)]


def parse_clock(stamp: str) -> float:
    """Seconds from "HH:MM:SS", "MM:SS", "HH:MM:SS.mmm", "HH:MM:SS,mmm" or f4's "HH:MM:SS-d"."""
    fraction = 0.0
    for mark in (".", ",", "-"):
        if mark in stamp:
            stamp, digits = stamp.split(mark, 1)
            fraction = float(f"0.{digits}")
            break
    seconds = 0.0
    for part in stamp.split(":"):
        seconds = seconds * 60 + int(part)
    return seconds + fraction


# -- roles ---------------------------------------------------------------------------------------


def normalise_label(label: str) -> str:
    """The label's stem for role matching: case-folded, without digits, spaces and punctuation,
    and without a bracketed note ("Interviewer (JS)" → "interviewer")."""
    return "".join(ch for ch in _TRAILING_NOTE.sub("", label).casefold() if ch.isalpha())


def _matches(label: str, names: Sequence[str]) -> bool:
    folded, stem = _fold(label), normalise_label(label)
    return any(folded == _fold(name) or (stem and stem == normalise_label(name)) for name in names)


def _default_role(label: str) -> str | None:
    stem = normalise_label(label)
    if stem in _INTERVIEWER_STEMS:
        return ROLE_INTERVIEWER
    if stem in _PARTICIPANT_STEMS:
        return ROLE_PARTICIPANT
    return None


_INTERVIEWER_STEMS = frozenset(normalise_label(x) for x in DEFAULT_INTERVIEWER_LABELS)
_PARTICIPANT_STEMS = frozenset(normalise_label(x) for x in DEFAULT_PARTICIPANT_LABELS)


def assign_roles(
    labels: Sequence[str | None],
    interviewers: Sequence[str] = (),
    participants: Sequence[str] = (),
) -> dict[str | None, str]:
    """Map each speaker label of ONE document to "interviewer", "participant" or "other".

    Order of precedence: the user's ``interviewers`` / ``participants`` (exact label or the
    same stem, so "Interviewer 1" matches "interviewer"), then the defaults
    (:data:`DEFAULT_INTERVIEWER_LABELS`, :data:`DEFAULT_PARTICIPANT_LABELS`, P01-style ids).
    If the document has an interviewer and exactly one unrecognised label, that label is the
    participant; other unrecognised labels are "other". The None label (text before the first
    label, or a whole unlabelled transcript) is "participant" when it is the only label — a
    written account is the participant's own words — and "other" otherwise.
    """
    clash = [name for name in interviewers if _matches(name, participants)]
    if clash:
        raise UsageError(
            f"speaker label {clash[0]!r} is given both as an interviewer and as a participant; "
            "give each label one role"
        )
    distinct = list(dict.fromkeys(labels))
    roles: dict[str | None, str] = {}
    unknown: list[str] = []
    for label in distinct:
        if label is None:
            continue
        if _matches(label, interviewers):
            roles[label] = ROLE_INTERVIEWER
        elif _matches(label, participants):
            roles[label] = ROLE_PARTICIPANT
        elif (role := _default_role(label)) is not None:
            roles[label] = role
        else:
            unknown.append(label)
    has_interviewer = ROLE_INTERVIEWER in roles.values()
    for label in unknown:
        roles[label] = ROLE_PARTICIPANT if has_interviewer and len(unknown) == 1 else ROLE_OTHER
    if None in distinct:
        roles[None] = ROLE_PARTICIPANT if distinct == [None] else ROLE_OTHER
    return {label: roles[label] for label in distinct}
