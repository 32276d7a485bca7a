"""WebVTT (.vtt) and SubRip (.srt) transcripts: cues → speaker turns.

Cues come from Zoom, Teams, Otter and captioning tools. The speaker is a WebVTT voice tag
(``<v Sarah>``) or a ``Name:`` prefix in the cue text. Consecutive cues by the same speaker
become one turn (start of the first cue, end of the last). The document text has one line per
turn, ``[HH:MM:SS] Speaker: text``; each turn's offsets index the text after the label.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from feedcare.corpus.base.errors import InputError
from feedcare.corpus.readers.decode import decode_bytes
from feedcare.corpus.readers.plain import EMPTY_REASON
from feedcare.corpus.readers.turns import match_label
from feedcare.corpus.readers.types import ParsedText, Turn

_VTT_TIME = re.compile(r"(?:(\d{1,3}):)?([0-5]\d):([0-5]\d)\.(\d{1,3})")
_SRT_TIME = re.compile(r"(\d{1,3}):([0-5]\d):([0-5]\d)[,.](\d{1,3})")
_ARROW = re.compile(r"^(\S+?)[ \t]*-->[ \t]*(\S+)(?:[ \t].*)?$")
_VOICE = re.compile(r"<v(?:\.[^ \t>]*)?[ \t]+([^>]*)>", re.IGNORECASE)
_TAG = re.compile(r"</?[^>]*>")
_ASS_OVERRIDE = re.compile(r"\{\\[^}]*\}")  # {\an8} positioning codes in .srt files
_HEADER = re.compile(r"WEBVTT(?:[ \t].*)?")


@dataclass
class _Cue:
    start_s: float
    end_s: float
    speaker: str | None
    text: str


def parse_vtt(data: bytes, *, labels: Sequence[str] = ()) -> ParsedText:
    text, encoding = decode_bytes(data)
    if not text.strip():
        raise InputError(EMPTY_REASON)
    lines = text.split("\n")
    if not _HEADER.fullmatch(lines[0].rstrip()):
        raise InputError("malformed WebVTT: no WEBVTT header")
    cues: list[_Cue] = []
    for first, block in _blocks(lines, start=0):
        if first == 0:
            # Header lines run to the first blank line; a cue written straight after the
            # header (no blank line) is still read.
            timed = [i for i, line in enumerate(block) if "-->" in line]
            if not timed:
                continue
            first, block = first + timed[0], block[timed[0] :]
        if _is_vtt_meta_block(block[0]):
            continue
        timing = 0 if "-->" in block[0] else 1
        if timing >= len(block) or "-->" not in block[timing]:
            raise InputError(f"malformed WebVTT: expected a cue timing line on line {first + 1 + timing}")
        line_no = first + 1 + timing
        start, end = _timing(block[timing], _VTT_TIME, "WebVTT", line_no)
        cues.extend(_voice_cues(start, end, block[timing + 1 :]))
    return _to_parsed(cues, encoding, "vtt", labels)


def parse_srt(data: bytes, *, labels: Sequence[str] = ()) -> ParsedText:
    text, encoding = decode_bytes(data)
    if not text.strip():
        raise InputError(EMPTY_REASON)
    cues: list[_Cue] = []
    for first, block in _blocks(text.split("\n"), start=0):
        timing = 0
        if "-->" not in block[0]:
            if not block[0].strip().isdigit():
                raise InputError(f"malformed SRT: expected a cue number on line {first + 1}")
            timing = 1
        if timing >= len(block) or "-->" not in block[timing]:
            raise InputError(f"malformed SRT: expected a cue timing line on line {first + 1 + timing}")
        start, end = _timing(block[timing], _SRT_TIME, "SRT", first + 1 + timing)
        body = _ASS_OVERRIDE.sub("", " ".join(line.strip() for line in block[timing + 1 :]))
        cues.append(_Cue(start, end, None, _clean(body)))
    return _to_parsed(cues, encoding, "srt", labels)


def _blocks(lines: list[str], start: int):
    """(index of first line, lines) for each run of non-blank lines from ``start``."""
    block: list[str] = []
    first = start
    for index in range(start, len(lines) + 1):
        line = lines[index] if index < len(lines) else ""
        if line.strip():
            if not block:
                first = index
            block.append(line)
        elif block:
            yield first, block
            block = []


def _is_vtt_meta_block(line: str) -> bool:
    word = line.split(maxsplit=1)[0] if line.strip() else ""
    return word in ("NOTE", "STYLE", "REGION") and "-->" not in line


def _timing(line: str, pattern: re.Pattern[str], what: str, line_no: int) -> tuple[float, float]:
    match = _ARROW.match(line.strip())
    stamps = [pattern.fullmatch(part) for part in match.groups()] if match else [None]
    if not all(stamps):
        raise InputError(f"malformed {what}: bad timestamp on line {line_no}")
    start, end = (_seconds(m) for m in stamps)
    if end < start:
        raise InputError(f"malformed {what}: cue ends before it starts on line {line_no}")
    return start, end


def _seconds(match: re.Match[str]) -> float:
    hours, minutes, seconds, fraction = match.groups()
    return int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds) + float(f"0.{fraction}")


def _voice_cues(start: float, end: float, payload: list[str]) -> list[_Cue]:
    """Split a cue's text at voice tags: ``<v A>hi</v> <v B>hello`` gives two pieces."""
    raw = " ".join(line.strip() for line in payload)
    pieces: list[_Cue] = []
    matches = list(_VOICE.finditer(raw))
    if not matches or raw[: matches[0].start()].strip():
        head = raw[: matches[0].start()] if matches else raw
        pieces.append(_Cue(start, end, None, _clean(head)))
    for index, match in enumerate(matches):
        stop = matches[index + 1].start() if index + 1 < len(matches) else len(raw)
        speaker = " ".join(html.unescape(match.group(1)).split()) or None
        pieces.append(_Cue(start, end, speaker, _clean(raw[match.end() : stop])))
    return pieces


def _clean(text: str) -> str:
    return " ".join(html.unescape(_TAG.sub("", text)).split())


def _with_prefix_speakers(cues: list[_Cue], labels: Sequence[str]) -> list[_Cue]:
    """Take ``Name: text`` prefixes as speakers, with the same rules as plain transcripts.

    Every cue carries a timestamp, so an unknown name is accepted only when it starts at
    least two cues (otherwise "Note: ..." in a caption would become a speaker).
    """
    found = [match_label(cue.text, labels=labels) if cue.speaker is None else None for cue in cues]
    counts = Counter(m.label.casefold() for m in found if m)
    for cue, hit in zip(cues, found, strict=True):
        if hit and (hit.known or counts[hit.label.casefold()] >= 2):
            cue.speaker, cue.text = hit.label, cue.text[hit.body_start :].strip()
    return cues


def _to_parsed(cues: list[_Cue], encoding: str, fmt: str, labels: Sequence[str]) -> ParsedText:
    cues = [cue for cue in _with_prefix_speakers(cues, labels) if any(ch.isalnum() for ch in cue.text)]
    merged: list[_Cue] = []
    for cue in cues:
        if merged and merged[-1].speaker == cue.speaker:
            merged[-1].text += " " + cue.text
            merged[-1].end_s = max(merged[-1].end_s, cue.end_s)
        else:
            merged.append(_Cue(cue.start_s, cue.end_s, cue.speaker, cue.text))
    lines: list[str] = []
    turns: list[Turn] = []
    offset = 0
    for cue in merged:
        prefix = f"[{_clock(cue.start_s)}] " + (f"{cue.speaker}: " if cue.speaker else "")
        start = offset + len(prefix)
        turns.append(Turn(cue.speaker, cue.text, start, start + len(cue.text), cue.start_s, cue.end_s))
        lines.append(prefix + cue.text)
        offset += len(lines[-1]) + 1
    if not turns:
        raise InputError("no cue text (the subtitle file has timings only)")
    return ParsedText(text="\n".join(lines), encoding=encoding, format=fmt, turns=turns)


def _clock(seconds: float) -> str:
    whole = int(seconds)
    return f"{whole // 3600:02d}:{whole % 3600 // 60:02d}:{whole % 60:02d}"
