"""Detectors for residual personal identifiers in transcript text.

:func:`scan_text` finds e-mail addresses, UK phone numbers, NHS numbers (modulus-11 checked),
UK postcodes, URLs, social media handles, dates that look like dates of birth, National
Insurance numbers and names from a user list. Each detector is tuned for precision as much
as recall: times, doses, room numbers, years, money and ordinary long numbers are not
identifiers, and flagging them would bury the real findings (docs/audit.md lists the rules).

Redaction markers already in the text (``[NAME]``, ``<name>``, ``[inaudible 00:12:34]``,
``XXXX``, ``***``, ``REDACTED``) are blanked out before detection, so neither they nor the
digits inside them are reported.

The detectors see the text with Unicode spaces (Word's non-breaking, thin and narrow spaces)
as plain spaces, Unicode hyphens and dashes as "-", and zero-width characters and soft hyphens
removed; findings still point into (and quote) the text as written.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path

from feedcare.corpus.base.errors import UsageError
from feedcare.corpus.base.printable import printable
from feedcare.corpus.tokens.config import MARKER_FAMILIES, PLAIN_MARKER_FAMILIES

EMAIL, PHONE, NHS_NUMBER, NI_NUMBER = "email", "phone", "nhs_number", "ni_number"
POSTCODE, URL, HANDLE, DATE, NAME = "postcode", "url", "handle", "date", "name"

# Overlapping candidates are resolved in this order: an e-mail beats the name inside it,
# a modulus-11-valid NHS number beats the phone-shaped reading of the same digits.
KINDS = (EMAIL, URL, NHS_NUMBER, NI_NUMBER, PHONE, DATE, POSTCODE, HANDLE, NAME)

REPLACEMENTS = {
    EMAIL: "[EMAIL]",
    PHONE: "[PHONE]",
    NHS_NUMBER: "[NHS_NUMBER]",
    POSTCODE: "[POSTCODE]",
    URL: "[URL]",
    HANDLE: "[HANDLE]",
    DATE: "[DATE]",
    NI_NUMBER: "[NI_NUMBER]",
    NAME: "[NAME]",
}

CONTEXT_CHARS = 30
MIN_NAME_LENGTH = 2


@dataclass(frozen=True)
class Finding:
    """One residual identifier in a text. ``value`` is the original and is never rendered."""

    kind: str
    start: int  # character offsets into the scanned text
    end: int
    masked: str
    context: str  # a short stretch of the same line, with every identifier in it masked
    value: str = field(repr=False, compare=False)

    def to_dict(self) -> dict[str, object]:
        """Plain data without the original value (safe to print or save)."""
        return {
            "kind": self.kind, "start": self.start, "end": self.end,
            "masked": self.masked, "context": self.context,
        }


# --- redaction markers -----------------------------------------------------------------------

# [NAME], [HOSPITAL NAME], [Participant 3], [inaudible 00:12:34], [crosstalk]: words, short
# numbers and timestamps only, so "[call 07700 900123]" is not mistaken for a marker.
_MARKER_WORD = r"(?:[A-Za-z][A-Za-z'_./\-]*|\d{1,2}(?::\d{2}){1,2}(?:\.\d+)?|\d{1,3})"
# The plain-text families (XXXX, ***, REDACTED) are those `feedcare tokens` drops by default.
_MARKERS = re.compile(
    rf"\[\s*{_MARKER_WORD}(?:[ ,]+{_MARKER_WORD}){{0,7}}\s*\]"
    r"|<[A-Za-z][A-Za-z _\-]{0,30}>"
    + "".join(f"|(?:{MARKER_FAMILIES[name]})" for name in PLAIN_MARKER_FAMILIES)
)


def find_markers(text: str) -> list[tuple[int, int]]:
    """Spans of redaction markers (and transcription annotations) already in ``text``."""
    return [m.span() for m in _MARKERS.finditer(text)]


def _blank_markers(text: str) -> tuple[str, int]:
    """Replace every marker with NULs of the same length: offsets stay, nothing inside matches."""
    spans = find_markers(text)
    if not spans:
        return text, 0
    chars = list(text)
    for start, end in spans:
        chars[start:end] = "\0" * (end - start)
    return "".join(chars), len(spans)


# --- detectors: each yields (start, end) spans of candidates that passed validation ----------

_EMAIL_RE = re.compile(
    r"(?<![\w.+\-])[A-Za-z0-9][A-Za-z0-9._%+\-]*@"
    r"[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?)*"
    r"\.[A-Za-z]{2,24}(?![\w\-])"
)

_URL_RE = re.compile(r"(?<![\w@])(?:https?://|www\.)[^\s<>\"'\]\[)(]+", re.IGNORECASE)
# Bare "example.co.uk/page": only tried when the text has a ".tld/" at all (a cheap search).
_TLDS = r"(?:com|org|net|uk|io|me|info|ly|gov)"
_TLD_SLASH = re.compile(rf"\.{_TLDS}/", re.IGNORECASE)
_BARE_URL_RE = re.compile(
    rf"(?<![\w@./\-])(?:[A-Za-z0-9\-]++\.)++{_TLDS}/[^\s<>\"'\]\[)(]*", re.IGNORECASE
)

# "@" then a letter: "@jane_smith", "@NHSEngland"; not "@ 3pm", "@3pm" or e-mail addresses.
_HANDLE_RE = re.compile(r"(?<![\w.@/])@([A-Za-z_][A-Za-z0-9_]{1,29}(?:\.[A-Za-z0-9_]+)*)")
_HANDLE_WORDS = {
    "home", "work", "school", "night", "noon", "midnight", "lunch", "weekend", "weekends",
    "least", "most", "all", "times", "the",
}

# Phones: a national 0 form or a +44 / 0044 form, groups separated by one space or dash,
# an optional bracketed area code. Validation decides; the pattern only finds candidates.
# A colon after a label ("Tel:07700 900123", "NHS:943 476 5919") may come before; after a digit
# ("1:07700 ...") it may not. A number then one space or dash ("1 07700 ...") is checked in
# Python (:func:`_after_number`): after a code with letters ("P01 07700 900123") it may come.
_NO_DIGIT_BEFORE = r"(?<![\w+£$€.,/])(?<!\d:)"
_NO_DIGIT_AFTER = r"(?![\w%/]|[.,:]\d|[ \-]\d)"
_PHONE_RE = re.compile(
    _NO_DIGIT_BEFORE
    + r"(?:(?P<intl>(?:\+|00)44[ \-]?(?:\(0\)[ \-]?)?)(?P<rest>\(?\d{1,5}\)?(?:[ \-.]?\d{2,8}){0,4})"
    r"|(?P<nat>\(?0\d{1,5}\)?(?:[ \-.]?\d{2,8}){0,4}))"
    + _NO_DIGIT_AFTER
)

_NHS_RE = re.compile(
    _NO_DIGIT_BEFORE + r"(?P<a>[1-9]\d{2})(?P<sep>[ \-.]?)(?P<b>\d{3})(?P=sep)(?P<c>\d{4})"
    + _NO_DIGIT_AFTER
)

# Prefix letters: first not D F I Q U V, second not D F I O Q U V; suffix A-D.
_NI_RE = re.compile(
    r"(?<![A-Za-z0-9])(?P<prefix>[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]) ?"
    r"\d{2} ?\d{2} ?\d{2} ?[A-D](?![A-Za-z0-9])",
    re.IGNORECASE,
)
_NI_UNUSED_PREFIXES = {"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"}

_POSTCODE_AREAS = frozenset(
    """AB AL B BA BB BD BH BL BN BR BS BT CA CB CF CH CM CO CR CT CV CW DA DD DE DG DH DL DN
    DT DY E EC EH EN EX FK FY G GL GU GY HA HD HG HP HR HS HU HX IG IM IP IV JE KA KT KW KY L
    LA LD LE LL LN LS LU M ME MK ML N NE NG NN NP NR NW OL OX PA PE PH PL PO PR RG RH RM S SA
    SE SG SK SL SM SN SO SP SR SS ST SW SY TA TD TF TN TQ TR TS TW UB W WA WC WD WF WN WR WS
    WV YO ZE""".split()
)
_POSTCODE_RE = re.compile(
    r"(?<![A-Za-z0-9])(?P<area>[A-Za-z]{1,2})(?P<district>\d[A-Za-z\d]?)(?P<space> ?)"
    r"(?P<inward>\d[ABD-HJLNP-UW-Zabd-hjlnp-uw-z]{2})(?![A-Za-z0-9])"
)
_ORDINAL = re.compile(r"\d(?:st|nd|rd|th)", re.IGNORECASE)

_MONTHS = {
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12, "jan": 1,
    "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9,
    "oct": 10, "nov": 11, "dec": 12,
}
# Written as a small trie with a first-letter guard: a flat 23-way alternation is slow.
_MONTH = (
    r"(?=[adfjmnos])(?P<month>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?"
    r"|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?"
_YEAR_WORD = r"(?P<year>\d{4}|'\d{2})"
_NUMERIC_DATE = re.compile(
    r"(?<![\w/.\-:£$])(?P<d1>\d{1,2})(?P<sep>[/.\-])(?P<d2>\d{1,2})(?P=sep)(?P<year>\d{4}|\d{2})"
    r"(?![\w%]|[/.\-:]\d)"
)
_ISO_DATE = re.compile(
    r"(?<![\w/.\-:])(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})(?![\w]|[/.\-:]\d)"
)
_WORD_DATES = (
    re.compile(rf"\b{_DAY}(?:\s+of)?\s+{_MONTH},?\s+{_YEAR_WORD}(?!\w)", re.IGNORECASE),
    re.compile(rf"\b{_MONTH}\s+(?:the\s+)?{_DAY},?\s+{_YEAR_WORD}(?!\w)", re.IGNORECASE),
)
# Without a year a date is only an identifier when the text says it is a birth date.
_BIRTH_CUE = (
    r"\b(?:born(?:\s+on|\s+in)?|d\.?o\.?b\.?:?|date\s+of\s+birth(?:\s+is)?:?"
    r"|birthday(?:\s+is)?(?:\s+on)?)\s+(?:the\s+)?"
)
_BIRTH_PARTIAL = re.compile(
    _BIRTH_CUE
    + r"(?P<date>\d{1,2}(?:st|nd|rd|th)?(?:\s+of)?\s+(?P<m1>[A-Za-z]+)\.?"
    r"|(?P<m2>[A-Za-z]+)\.?\s+(?:the\s+)?\d{1,2}(?:st|nd|rd|th)?(?!\w)"
    r"|(?P<m3>[A-Za-z]+)\s+\d{4}"
    r"|\d{1,2}/\d{1,2})(?![\w/])",
    re.IGNORECASE,
)


def _after_number(text: str, start: int) -> bool:
    """Whether a match at ``start`` follows a number and one space or dash: the tail of a longer
    number ("1 07700 900123"), not a phone or NHS number of its own. A code ("P01 ...") is not."""
    if start < 2 or text[start - 1] not in " -" or not text[start - 2].isdigit():
        return False
    i = start - 2
    while i >= 0 and text[i].isalnum():
        i -= 1
    return text[i + 1 : start - 1].isdigit()


def _phone_ok(match: re.Match[str]) -> bool:
    digits = re.sub(r"\D", "", match.group(0))
    if match.group("intl") is not None:
        national = "0" + re.sub(r"\D", "", match.group("rest"))
    else:
        national = digits
        groups = re.findall(r"\d+", match.group("nat"))
        # "01 02 2003" is a date, "0161 496 0000" a phone: real area codes are 3-6 digits long.
        if len(groups) > 1 and not 3 <= len(groups[0]) <= 6:
            return False
    if len(national) == 11:
        return national[1] in "1237"
    return len(national) == 10 and national[1] == "1"


def nhs_checksum_ok(digits: str) -> bool:
    """The NHS number modulus-11 check: weights 10..2, check digit 11 - remainder (11 → 0)."""
    if len(digits) != 10 or not digits.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


def _valid_year(text: str) -> bool:
    if len(text) == 4:
        return 1900 <= int(text) <= date.today().year
    return True  # two-digit years ("85", "'85") cannot be placed in a century


def _valid_day_month(day: int, month: int) -> bool:
    return 1 <= month <= 12 and 1 <= day <= 31


def _numeric_date_ok(m: re.Match[str]) -> bool:
    d1, d2, year = m.group("d1"), m.group("d2"), m.group("year")
    if not _valid_year(year):
        return False
    # 12-03-85 and 12.03.85 yes, but 2-3-10 reads as a range or a score, not a date.
    if len(year) == 2 and m.group("sep") != "/" and (len(d1) != 2 or len(d2) != 2):
        return False
    a, b = int(d1), int(d2)
    return _valid_day_month(a, b) or _valid_day_month(b, a)  # UK or US order


def _spans_email(text: str):
    if "@" not in text:  # cheap guards like this one keep a corpus-wide audit in seconds
        return
    for m in _EMAIL_RE.finditer(text):
        yield m.span()


def _spans_url(text: str):
    lower = text.lower()
    if "http" not in lower and "www." not in lower and "/" not in text:
        return
    matches = list(_URL_RE.finditer(text))
    if _TLD_SLASH.search(text):
        matches += _BARE_URL_RE.finditer(text)
    for m in matches:
        value = m.group(0).rstrip(".,;:!?")
        yield m.start(), m.start() + len(value)


def _spans_handle(text: str):
    if "@" not in text:
        return
    for m in _HANDLE_RE.finditer(text):
        name = m.group(1).rstrip(".")
        if name.lower() in _HANDLE_WORDS:
            continue
        yield m.start(), m.start() + 1 + len(name)


def _spans_phone(text: str):
    for m in _PHONE_RE.finditer(text):
        if _phone_ok(m) and not _after_number(text, m.start()):
            start, end = m.span()
            value = m.group(0)
            if value.startswith("(") and ")" not in value:
                start += 1
            yield start, end


def _spans_nhs(text: str):
    for m in _NHS_RE.finditer(text):
        if nhs_checksum_ok(m.group("a") + m.group("b") + m.group("c")) and not _after_number(text, m.start()):
            yield m.span()


def _spans_ni(text: str):
    for m in _NI_RE.finditer(text):
        if m.group("prefix").upper() not in _NI_UNUSED_PREFIXES:
            yield m.span()


def _spans_postcode(text: str):
    for m in _POSTCODE_RE.finditer(text):
        value = m.group(0)
        if m.group("area").upper() not in _POSTCODE_AREAS:
            continue
        if value != value.upper():
            # Lower-case postcodes are accepted only written with the space, and never when
            # the "inward code" is an ordinal: "ward b1 1st floor" is not B1 1ST.
            if not m.group("space") or _ORDINAL.fullmatch(m.group("inward")):
                continue
        yield m.span()


def _spans_date(text: str):
    for m in _NUMERIC_DATE.finditer(text):
        if _numeric_date_ok(m):
            yield m.span()
    for m in _ISO_DATE.finditer(text):
        if _valid_year(m.group("year")) and _valid_day_month(int(m.group("day")), int(m.group("month"))):
            yield m.span()
    for pattern in _WORD_DATES:
        for m in pattern.finditer(text):
            year = m.group("year").lstrip("'")
            if _valid_year(year) and 1 <= int(m.group("day")) <= 31:
                yield m.span()
    lower = text.lower()
    if "born" not in lower and "birth" not in lower and "dob" not in lower and "d.o.b" not in lower:
        return
    for m in _BIRTH_PARTIAL.finditer(text):
        month = m.group("m1") or m.group("m2") or m.group("m3")
        if month is not None and month.lower().rstrip(".") not in _MONTHS:
            continue
        yield m.span("date")


_DETECTORS = {
    EMAIL: _spans_email, URL: _spans_url, NHS_NUMBER: _spans_nhs, NI_NUMBER: _spans_ni,
    PHONE: _spans_phone, DATE: _spans_date, POSTCODE: _spans_postcode, HANDLE: _spans_handle,
}


# --- names -----------------------------------------------------------------------------------


def load_names(path: Path) -> tuple[str, ...]:
    """Read a names file: one name per line, ``#`` comments and blank lines ignored."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except FileNotFoundError:
        raise UsageError(f"--names {path}: file not found; give a text file with one name per line") from None
    except UnicodeDecodeError:
        raise UsageError(f"--names {path}: not UTF-8 text; save it as UTF-8 with one name per line") from None
    except OSError as exc:
        raise UsageError(f"--names {path}: cannot read it ({exc.strerror})") from None
    names: list[str] = []
    for number, line in enumerate(lines, start=1):
        name = " ".join(line.split("#", 1)[0].split())
        if not name:
            continue
        if sum(ch.isalpha() for ch in name) < MIN_NAME_LENGTH:
            raise UsageError(
                f"--names {path} line {number}: {name!r} is too short; names need at least "
                f"{MIN_NAME_LENGTH} letters (one-letter names would match 'I' and 'a')"
            )
        names.append(name)
    if not names:
        raise UsageError(f"--names {path}: no names in the file; write one name per line")
    return tuple(dict.fromkeys(names))


@lru_cache(maxsize=16)
def _names_pattern(names: tuple[str, ...]) -> re.Pattern[str] | None:
    if not names:
        return None
    parts = []
    for name in sorted(set(names), key=len, reverse=True):
        words = [re.sub("['’]", "['’]", re.escape(w)) for w in name.split()]
        parts.append(r"[ \t]+".join(words))
    return re.compile(r"(?<!\w)(?:" + "|".join(parts) + r")(?!\w)", re.IGNORECASE)


def _spans_names(text: str, pattern: re.Pattern[str] | None):
    if pattern is not None:
        for m in pattern.finditer(text):
            yield m.span()


# --- masking ---------------------------------------------------------------------------------


def _mask_middle(value: str, keep_start: int, keep_end: int) -> str:
    """Keep the first/last characters, replace every letter and digit between with '*'."""
    n_alnum = sum(ch.isalnum() for ch in value)
    while keep_start + keep_end > 0 and keep_start + keep_end >= n_alnum - 1:
        # Short values: always hide at least two characters.
        if keep_end >= keep_start and keep_end > 0:
            keep_end -= 1
        else:
            keep_start -= 1
    head = value[:keep_start]
    tail = value[len(value) - keep_end:] if keep_end else ""
    middle = value[keep_start:len(value) - keep_end]
    return head + "".join("*" if ch.isalnum() else ch for ch in middle) + tail


def _mask_email(value: str) -> str:
    local, _, domain = value.partition("@")
    tld = domain.rsplit(".", 1)[-1]
    return f"{local[:1]}***@{domain[:1]}***.{tld}"


def _mask_url(value: str) -> str:
    match = re.match(r"(?i)(https?://)?(www\.)?([^/]*)(/.*)?", value)
    scheme, www, host, path = (match.group(i) or "" for i in range(1, 5))
    tld = host.rsplit(".", 1)[-1] if "." in host else ""
    masked = f"{scheme}{www}{host[:1]}***" + (f".{tld}" if tld else "")
    return masked + ("/***" if path.strip("/") else path)


def _mask_postcode(value: str) -> str:
    outward = value[:-3].rstrip()
    return f"{outward}{value[len(outward):-3]}***"


def mask(kind: str, value: str) -> str:
    """The masked form shown in reports: enough to find the place, never the identifier."""
    if kind == EMAIL:
        return _mask_email(value)
    if kind == URL:
        return _mask_url(value)
    if kind == POSTCODE:
        return _mask_postcode(value)
    if kind == DATE:  # the last two digits of a year say little; a month name says more
        return _mask_middle(value, 1, 2 if value[-2:].isdigit() else 0)
    keep = {PHONE: (2, 3), NHS_NUMBER: (1, 2), NI_NUMBER: (2, 1), HANDLE: (2, 0)}
    return _mask_middle(value, *keep.get(kind, (1, 0)))


# --- scanning --------------------------------------------------------------------------------


def _resolve(candidates: list[tuple[int, int, int, str]]) -> list[tuple[int, int, str]]:
    """Keep non-overlapping spans: longer first, then by kind priority (KINDS order)."""
    chosen: list[tuple[int, int, str]] = []
    for start, end, _, kind in sorted(candidates, key=lambda c: (-(c[1] - c[0]), c[2], c[0])):
        if all(end <= s or start >= e for s, e, _ in chosen):
            chosen.append((start, end, kind))
    return sorted(chosen)


def _context(text: str, spans: list[tuple[int, int, str]], index: int) -> str:
    """The finding's line, CONTEXT_CHARS either side, every identifier in the window masked."""
    start, end, _ = spans[index]
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line_end = len(text) if line_end == -1 else line_end
    lo, hi = max(line_start, start - CONTEXT_CHARS), min(line_end, end + CONTEXT_CHARS)
    for s, e, _ in spans:  # widen so no identifier is cut in half at the edge
        if s < hi and e > lo:
            lo, hi = min(lo, s), max(hi, e)
    pieces, cursor = [], lo
    for s, e, kind in spans:
        if s < hi and e > lo:
            pieces.append(text[cursor:s])
            pieces.append(mask(kind, text[s:e]))
            cursor = e
    pieces.append(text[cursor:hi])
    body = " ".join(printable("".join(pieces), one_line=True).split())
    return ("…" if lo > line_start else "") + body + ("…" if hi < line_end else "")


# Same-length replacements: every Unicode space separator becomes " ", every hyphen or dash "-".
_SPACES = [0x00A0, 0x1680, *range(0x2000, 0x200B), 0x202F, 0x205F, 0x3000]
_DASHES = [0x2010, 0x2011, 0x2012, 0x2013, 0x2014, 0x2015, 0x2212, 0xFE58, 0xFE63, 0xFF0D]
_SAME_LENGTH = {**{cp: " " for cp in _SPACES}, **{cp: "-" for cp in _DASHES}}
# Invisible characters Word and web forms put inside numbers: removed (offsets are mapped back).
_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00ad"


def normalise_for_matching(text: str) -> tuple[str, list[int] | None]:
    """The text the detectors see, and (when characters were removed) where each character of
    it came from in ``text``; None means offsets are the same."""
    if text.isascii():
        return text, None
    mapped = text.translate(_SAME_LENGTH)
    if not any(ch in mapped for ch in _INVISIBLE):
        return mapped, None
    keep = [i for i, ch in enumerate(mapped) if ch not in _INVISIBLE]
    return "".join(mapped[i] for i in keep), keep


def scan_text(text: str, names: Iterable[str] | None = None) -> list[Finding]:
    """Every residual identifier in ``text``, in text order, with masked value and context.

    ``names`` are extra names to find (case-insensitive, whole words). Text inside redaction
    markers is never reported.
    """
    normal, positions = normalise_for_matching(text)
    blanked, _ = _blank_markers(normal)
    priority = {kind: i for i, kind in enumerate(KINDS)}
    candidates = [
        (start, end, priority[kind], kind)
        for kind, detect in _DETECTORS.items()
        for start, end in detect(blanked)
        if end > start
    ]
    pattern = _names_pattern(tuple(names)) if names else None
    candidates += [(s, e, priority[NAME], NAME) for s, e in _spans_names(blanked, pattern)]
    spans = _resolve(candidates)
    if positions is not None:  # back to offsets into the text as written
        spans = [(positions[s], positions[e - 1] + 1, kind) for s, e, kind in spans]
    return [
        Finding(kind, s, e, mask(kind, text[s:e]), _context(text, spans, i), text[s:e])
        for i, (s, e, kind) in enumerate(spans)
    ]


def mask_all(text: str, names: Iterable[str] | None = None) -> str:
    """``text`` with every identifier in it masked (for ids and file names shown in reports)."""
    findings = scan_text(text, names)
    if not findings:
        return text
    pieces, last = [], 0
    for f in findings:
        pieces += [text[last:f.start], f.masked]
        last = f.end
    pieces.append(text[last:])
    return "".join(pieces)


# Joins short values for one scan; no detector matches across it (no \s, no separator).
_JOIN = "\n\0\n"


# The suffix of a transcript or table file name is not part of what precedes it
# ("P02_jane.doe@example.com.txt" holds the address jane.doe@example.com, not ...com.txt).
_FILE_SUFFIX = re.compile(r"\.(?:txt|md|docx|vtt|srt|csv|tsv|parquet|json|jsonl|xlsx?)$", re.IGNORECASE)


def scan_value(value: str, names: Iterable[str] | None = None) -> list[Finding]:
    """:func:`scan_text` for an id or a file name, where "_" often stands for a space
    ("P02_jane.doe@example.com"): both readings are scanned, the longer finding wins. A file
    suffix at the end is not read as part of an address."""
    suffix = _FILE_SUFFIX.search(value)
    scanned = value[: suffix.start()] + " " * len(suffix[0]) if suffix else value
    found = scan_text(scanned, names)
    if "_" not in value and suffix is None:
        return found
    spaced = scan_text(scanned.replace("_", " "), names) if "_" in value else []
    chosen: list[Finding] = []
    for f in sorted([*found, *spaced], key=lambda f: (-(f.end - f.start), f.start)):
        if all(f.end <= c.start or f.start >= c.end for c in chosen):
            chosen.append(f)
    # Masks and contexts quote the value as written.
    return [Finding(f.kind, f.start, f.end, mask(f.kind, value[f.start:f.end]), f.context,
                    value[f.start:f.end]) for f in sorted(chosen, key=lambda f: f.start)]


def scan_values(values: Iterable[str | None], names: Iterable[str] | None = None) -> dict[str, list[Finding]]:
    """:func:`scan_value` findings per distinct value, for the values that have any (ids, file
    names, labels).

    The values are scanned together first, in chunks, and only those in a chunk with a finding
    one by one: a million clean document ids cost one pass of the detectors, not a million calls.
    """
    names = tuple(names or ())
    distinct = sorted({v for v in values if v})
    found: dict[str, list[Finding]] = {}
    for start in range(0, len(distinct), 512):
        chunk = distinct[start:start + 512]
        if scan_text(_JOIN.join(chunk).replace("_", " "), names) or scan_text(_JOIN.join(chunk), names):
            for value in chunk:
                hits = scan_value(value, names)
                if hits:
                    found[value] = hits
    return found


def count_markers(text: str) -> int:
    """How many redaction markers ``text`` already has (reported as 'handled')."""
    return len(find_markers(text))
