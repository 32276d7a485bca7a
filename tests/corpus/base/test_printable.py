"""printable(): what may reach a terminal or a rendered file (issue 14, #11)."""

from __future__ import annotations

import pytest
from feedcare.corpus.base.printable import printable


@pytest.mark.parametrize(("raw", "shown"), [
    ("\x1b[2Jcleared", "cleared"),                      # CSI: clear screen
    ("\x1b]0;pwned\x07title", "title"),                 # OSC: window title, BEL-terminated
    ("\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\", "link"),  # OSC 8 hyperlink, ST-terminated
    ("red\x1b[31m text\x1b[0m", "red text"),
    ("\x9b2Jc1", "c1"),                                 # 8-bit CSI
    ("back\x08\x08space", "backspace"),
    ("a\u202eevil\u202c b", "aevil b"),                 # bidi override
    ("line one\nline\ttwo", "line one\nline\ttwo"),   # tabs and newlines stay in excerpts
    ("Zoë — “quoted” 日本", "Zoë — “quoted” 日本"),     # ordinary Unicode is untouched
])
def test_control_characters_and_escape_sequences_are_removed(raw, shown):
    assert printable(raw) == shown


def test_one_line_turns_tabs_and_newlines_into_spaces():
    assert printable("a\tb\nc\x1b[1m", one_line=True) == "a b c"


def test_json_escaped_writes_what_json_leaves_raw_as_escapes():
    import json

    from feedcare.corpus.base.printable import json_escaped

    data = {"text": "a\x9b2Jb \u202eevil\u202c \x7f zoë \x1b[31m"}
    text = json_escaped(json.dumps(data, ensure_ascii=False))
    assert not any(ch in text for ch in "\x9b\u202e\u202c\x7f\x1b")
    assert json.loads(text) == data and "zoë" in text
