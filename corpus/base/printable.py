"""Text safe to show: control characters removed from anything rendered.

Transcripts and file names can hold terminal escape sequences ("\\x1b[2J" clears the screen,
"\\x1b]0;...\\x07" retitles the window) and Unicode bidirectional overrides (which reorder what
a reader sees). Stored data keeps them, as written; every table, CSV, Markdown or HTML file
feedcare renders passes its strings through :func:`printable` first.
"""

from __future__ import annotations

import re

# C0 controls but tab and newline, DEL, C1 controls, and the bidi embedding/override/isolate
# controls. Tab and newline stay: excerpts are multi-line.
_REMOVE = dict.fromkeys(
    [*range(0x00, 0x09), *range(0x0B, 0x20), 0x7F, *range(0x80, 0xA0),
     *range(0x202A, 0x202F), *range(0x2066, 0x206A)]
)
_REMOVE_LINES = {**_REMOVE, 0x09: " ", 0x0A: " "}


# Whole escape sequences go, not only their ESC (else "[2J" and "]0;title" would show):
# CSI (ESC [ or 0x9B ... final byte), OSC/DCS/APC/PM strings (ending in BEL or ESC \), and
# two-byte escapes.
_SEQUENCES = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]"
    r"|(?:\x1b[\]P^_X]|[\x90\x9d\x9e\x9f\x98])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|\x1b[ -~]"
)


# JSON escapes C0 controls by itself; these it writes as they are.
_JSON_UNESCAPED = re.compile("[\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def json_escaped(text: str) -> str:
    """JSON text with DEL, C1 controls and bidi overrides written as ``\\uXXXX`` escapes: the same
    data once parsed, but nothing a terminal (or a viewer) acts on when the JSON is shown."""
    return _JSON_UNESCAPED.sub(lambda m: f"\\u{ord(m[0]):04x}", text)


def printable(text: str, *, one_line: bool = False) -> str:
    """``text`` without control characters (``one_line``: tabs and newlines become spaces)."""
    if text.isascii() and text.isprintable():
        return text
    if "\x1b" in text or any(ch in text for ch in "\x90\x98\x9b\x9d\x9e\x9f"):
        text = _SEQUENCES.sub("", text)
    return text.translate(_REMOVE_LINES if one_line else _REMOVE)
