"""Transcript readers: each format and encoding, and every kind of file that must be skipped."""

from __future__ import annotations

import codecs
import random
import zipfile
from pathlib import Path

import docx
import pytest
from conftest import OSCE, needs
from feedcare.corpus.base.errors import InputError
from feedcare.corpus.readers import ParsedText, read_transcript
from feedcare.corpus.readers.decode import decode_bytes
from feedcare.corpus.readers.turns import assign_roles
from hostile_files import falsified_bomb, with_external_entity

INTERVIEW = (
    "Interviewer: Did you leave feedback about the ward?\n"
    "P01: Yes, I wrote a review. “Brilliant staff” — and I gave £5 to the charity.\n"
    "It took a while [laughs].\n"
    "Interviewer: Did anyone reply?\n"
    "P01: Not from [HOSPITAL], no.\n"
)
EXPECTED_TURNS = [
    ("Interviewer", "Did you leave feedback about the ward?"),
    (
        "P01",
        "Yes, I wrote a review. “Brilliant staff” — and I gave £5 to the charity.\nIt took a while [laughs].",
    ),
    ("Interviewer", "Did anyone reply?"),
    ("P01", "Not from [HOSPITAL], no."),
]


def read(path: Path, **kwargs) -> ParsedText:
    parsed = read_transcript(path, **kwargs)
    for turn in parsed.turns:
        assert parsed.text[turn.char_start : turn.char_end] == turn.text
    return parsed


def turns_of(parsed: ParsedText):
    return [(t.speaker, t.text) for t in parsed.turns]


def write(tmp_path: Path, name: str, data: bytes | str) -> Path:
    path = tmp_path / name
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8", newline="")
    else:
        path.write_bytes(data)
    return path


def skip_reason(path: Path, **kwargs) -> str:
    with pytest.raises(InputError) as caught:
        read_transcript(path, **kwargs)
    return str(caught.value)


# -- encodings ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (INTERVIEW.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + INTERVIEW.encode("utf-8"), "utf-8-sig"),
        (codecs.BOM_UTF16_LE + INTERVIEW.encode("utf-16-le"), "utf-16-le"),
        (codecs.BOM_UTF16_BE + INTERVIEW.encode("utf-16-be"), "utf-16-be"),
        (codecs.BOM_UTF32_LE + INTERVIEW.encode("utf-32-le"), "utf-32-le"),
        (INTERVIEW.encode("cp1252"), "cp1252"),
        (INTERVIEW.encode("utf-16-le"), "utf-16-le"),  # no BOM: told apart by its NUL pattern
        (INTERVIEW.encode("utf-16-be"), "utf-16-be"),
    ],
)
def test_encodings_decode_to_the_same_turns(tmp_path, data, encoding):
    parsed = read(write(tmp_path, "t.txt", data))
    assert parsed.encoding == encoding
    assert parsed.format == "txt"
    assert turns_of(parsed) == EXPECTED_TURNS
    assert not parsed.text.startswith("\ufeff")


@pytest.mark.parametrize("newline", ["\r\n", "\r", "\n"])
def test_newlines_are_normalised(tmp_path, newline):
    data = INTERVIEW.replace("\n", newline).encode("utf-8")
    parsed = read(write(tmp_path, "t.txt", data))
    assert "\r" not in parsed.text
    assert parsed.text == INTERVIEW
    assert turns_of(parsed) == EXPECTED_TURNS


def test_mixed_newlines_in_one_file(tmp_path):
    data = b"I: one\r\nP: two\nI: three\rP: four"
    assert read(write(tmp_path, "t.txt", data)).text == "I: one\nP: two\nI: three\nP: four"


def test_decode_bytes_names_and_strips_the_bom():
    assert decode_bytes(codecs.BOM_UTF8 + b"hi\r\n") == ("hi\n", "utf-8-sig")
    assert decode_bytes(codecs.BOM_UTF16_BE + "hé".encode("utf-16-be")) == ("hé", "utf-16-be")
    assert decode_bytes("smart “quotes” £".encode("cp1252")) == ("smart “quotes” £", "cp1252")
    assert decode_bytes(b"") == ("", "utf-8")


# -- formats --------------------------------------------------------------------------------------


def test_txt_suffix_is_case_insensitive(tmp_path):
    parsed = read(write(tmp_path, "INTERVIEW.TXT", INTERVIEW))
    assert parsed.format == "txt"
    assert turns_of(parsed) == EXPECTED_TURNS


def test_markdown_with_bold_labels_and_headings(tmp_path):
    text = (
        "# Interview 7 (fictional)\n\n"
        "**Interviewer:** How did you hear about the survey?\n\n"
        "**P07**: A text message.\n## Later\nThen a letter.\n"
    )
    parsed = read(write(tmp_path, "i.md", text))
    assert parsed.format == "md"
    assert turns_of(parsed) == [
        (None, "# Interview 7 (fictional)"),
        ("Interviewer", "How did you hear about the survey?"),
        ("P07", "A text message.\n## Later\nThen a letter."),
    ]


def test_unlabelled_written_account_is_one_participant_turn(tmp_path):
    text = "I waited four hours in A&E.\n\nThe nurse [NAME] was lovely though.\n"
    parsed = read(write(tmp_path, "account.txt", text))
    assert turns_of(parsed) == [(None, text.strip())]
    assert assign_roles([t.speaker for t in parsed.turns]) == {None: "participant"}


def make_docx(path: Path, paragraphs_before: list[str], table: list[list[str]], paragraphs_after: list[str]):
    document = docx.Document()
    for text in paragraphs_before:
        document.add_paragraph(text)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, value in enumerate(row):
                grid.cell(r, c).text = value
    for text in paragraphs_after:
        document.add_paragraph(text)
    document.save(path)
    return path


def test_docx_paragraphs_and_tables_in_body_order(tmp_path):
    path = make_docx(
        tmp_path / "i.docx",
        ["Interviewer: Did you post a review?", "P02: Yes, on the website.", "Twice, actually."],
        [["Interviewer:", "Why?"], ["P02:", "To thank [NAME]."]],
        ["Interviewer: Thank you."],
    )
    parsed = read(path)
    assert (parsed.format, parsed.encoding) == ("docx", "docx")
    assert turns_of(parsed) == [
        ("Interviewer", "Did you post a review?"),
        ("P02", "Yes, on the website.\nTwice, actually."),
        ("Interviewer", "Why?"),
        ("P02", "To thank [NAME]."),
        ("Interviewer", "Thank you."),
    ]


def test_docx_tracked_changes_line_breaks_and_tabs(tmp_path):
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    document = docx.Document()
    document.add_paragraph("Interviewer: Did it help?")
    answer = document.add_paragraph("P04: It ")
    tracked = (
        f'<w:ins {nsdecls("w")} w:id="1" w:author="T" w:date="2024-01-01T00:00:00Z">'
        "<w:r><w:t>really</w:t></w:r></w:ins>"
        f'<w:del {nsdecls("w")} w:id="2" w:author="T" w:date="2024-01-01T00:00:00Z">'
        "<w:r><w:delText>never</w:delText></w:r></w:del>"
    )
    for xml in tracked.split("</w:ins>"):
        answer._p.append(parse_xml(xml + ("</w:ins>" if xml.startswith("<w:ins") else "")))
    run = answer.add_run(" did.")
    run.add_break()
    run.add_text("Honestly\tyes.")
    document.save(tmp_path / "tracked.docx")
    assert turns_of(read(tmp_path / "tracked.docx")) == [
        ("Interviewer", "Did it help?"),
        ("P04", "It really did.\nHonestly\tyes."),
    ]


def test_docx_suffix_is_case_insensitive(tmp_path):
    path = make_docx(tmp_path / "I.DOCX", ["I: hello", "R: hi"], [], [])
    assert turns_of(read(path)) == [("I", "hello"), ("R", "hi")]


VTT = """WEBVTT - Zoom export (fictional)
Kind: captions

NOTE
This is a comment block
spanning lines

STYLE
::cue { color: yellow }

1
00:00:01.000 --> 00:00:04.000 align:start position:10%
<v Sarah Jones>Thanks for joining &amp; <i>welcome</i>.</v>

2
00:00:04.500 --> 00:00:06.000
<v Sarah Jones>Shall we start?

3
00:06.000 --> 00:00:09.500
<v.loud Tom>Yes. I posted on <c.yellow>the</c> <00:00:07.000>NHS website &lt;twice&gt;.

4
01:00:09.500 --> 01:00:12.000
<v Sarah Jones>Why?
"""


def test_vtt_voice_tags_merge_consecutive_cues(tmp_path):
    parsed = read(write(tmp_path, "z.vtt", VTT))
    assert parsed.format == "vtt"
    assert [(t.speaker, t.text, t.start_s, t.end_s) for t in parsed.turns] == [
        ("Sarah Jones", "Thanks for joining & welcome. Shall we start?", 1.0, 6.0),
        ("Tom", "Yes. I posted on the NHS website <twice>.", 6.0, 9.5),
        ("Sarah Jones", "Why?", 3609.5, 3612.0),
    ]
    assert parsed.text.split("\n") == [
        "[00:00:01] Sarah Jones: Thanks for joining & welcome. Shall we start?",
        "[00:00:06] Tom: Yes. I posted on the NHS website <twice>.",
        "[01:00:09] Sarah Jones: Why?",
    ]


def test_vtt_name_prefixes_and_unlabelled_cues(tmp_path):
    text = (
        "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nThe recording has started.\n\n"
        "00:00:02.000 --> 00:00:03.000\nInterviewer: Hello.\n\n"
        "00:00:03.000 --> 00:00:04.000\nAmir: Hi there.\n\n"
        "00:00:04.000 --> 00:00:05.000\nNote: not a speaker\n\n"
        "00:00:05.000 --> 00:00:06.000\nAmir: [inaudible 00:00:05] yes\n"
    )
    parsed = read(write(tmp_path, "z.VTT", text))
    assert [(t.speaker, t.text) for t in parsed.turns] == [
        (None, "The recording has started."),
        ("Interviewer", "Hello."),
        ("Amir", "Hi there."),
        (None, "Note: not a speaker"),
        ("Amir", "[inaudible 00:00:05] yes"),
    ]
    assert parsed.text.split("\n")[0] == "[00:00:01] The recording has started."


def test_vtt_cue_with_two_voices_and_escaped_names(tmp_path):
    text = "WEBVTT\n\n00:00:01.000 --> 00:00:03.000\n<v Ann>Hello?</v> <v Bob &amp; Co>Hi Ann.</v>\n"
    parsed = read(write(tmp_path, "two.vtt", text))
    assert [(t.speaker, t.text, t.start_s, t.end_s) for t in parsed.turns] == [
        ("Ann", "Hello?", 1.0, 3.0),
        ("Bob & Co", "Hi Ann.", 1.0, 3.0),
    ]


def test_vtt_cue_right_after_the_header(tmp_path):
    text = "WEBVTT\n00:00:01.000 --> 00:00:02.000\nI: Hello?\n\n00:00:02.000 --> 00:00:04.000\nP: Hi.\n"
    parsed = read(write(tmp_path, "tight.vtt", text))
    assert [(t.speaker, t.text, t.start_s) for t in parsed.turns] == [("I", "Hello?", 1.0), ("P", "Hi.", 2.0)]


def test_utf16_vtt_with_bom(tmp_path):
    data = codecs.BOM_UTF16_LE + VTT.encode("utf-16-le")
    parsed = read(write(tmp_path, "z.vtt", data))
    assert parsed.encoding == "utf-16-le"
    assert [t.speaker for t in parsed.turns] == ["Sarah Jones", "Tom", "Sarah Jones"]


SRT = """1
00:00:01,000 --> 00:00:04,000
<i>Interviewer:</i> Did you fill in
the Friends and Family Test?

2
00:00:04,000 --> 00:00:06,500
{\\an8}P03: I did, yes.

3
00:00:06,500 --> 00:00:08,000
P03: Twice.
"""


def test_srt_cues_and_speakers(tmp_path):
    parsed = read(write(tmp_path, "s.srt", SRT.replace("\n", "\r\n")))
    assert parsed.format == "srt"
    assert [(t.speaker, t.text, t.start_s, t.end_s) for t in parsed.turns] == [
        ("Interviewer", "Did you fill in the Friends and Family Test?", 1.0, 4.0),
        ("P03", "I did, yes. Twice.", 4.0, 8.0),
    ]


def test_srt_without_cue_numbers_and_with_dot_milliseconds(tmp_path):
    text = "00:00:01.000-->00:00:02.000\nI: One?\n\n00:00:02.000 --> 00:00:03.000\nR: Two.\n"
    parsed = read(write(tmp_path, "n.srt", text))
    assert [(t.speaker, t.text) for t in parsed.turns] == [("I", "One?"), ("R", "Two.")]


# -- files that are skipped ---------------------------------------------------------------------


def test_binary_file(tmp_path):
    data = bytes(range(256)) * 40
    assert skip_reason(write(tmp_path, "b.txt", data)) == "binary file, not a transcript"


def test_control_characters_make_a_file_binary(tmp_path):
    data = b"I: hello\n" + b"\x01\x02\x03\x04\x05abc" * 200
    assert skip_reason(write(tmp_path, "b.txt", data)) == "binary file, not a transcript"


def test_random_bytes_without_nuls_are_binary_not_undecodable(tmp_path):
    rng = random.Random(7)
    data = bytes(rng.randrange(1, 256) for _ in range(4000))
    assert skip_reason(write(tmp_path, "b.txt", data)) == "binary file, not a transcript"


def test_a_stray_dos_end_of_file_mark_is_not_binary(tmp_path):
    parsed = read(write(tmp_path, "old.txt", b"I: hello\r\nP: hi\r\n\x1a"))
    assert [t.speaker for t in parsed.turns] == ["I", "P"]


def test_utf8_mixed_with_windows_1252_is_refused_with_its_line(tmp_path):
    data = "I: It’s fine\nP: yes\n".encode() + "P: café\n".encode("cp1252")
    reason = skip_reason(write(tmp_path, "mixed.txt", data))
    assert reason == "mixes UTF-8 with another encoding (first non-UTF-8 byte on line 3); re-save it as UTF-8"


def test_pdf_renamed_to_txt_says_what_it_is(tmp_path):
    data = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nstream\n\x00\x01\x02 endstream"
    assert skip_reason(write(tmp_path, "b.txt", data)) == "binary file (a PDF), not a transcript"


@pytest.mark.parametrize("data", [b"", b"   \n\r\n\t ", codecs.BOM_UTF8])
def test_empty_file(tmp_path, data):
    assert skip_reason(write(tmp_path, "e.txt", data)) == "empty file"


def test_labels_without_words(tmp_path):
    assert skip_reason(write(tmp_path, "e.txt", "I:\nP:\nI: ...\n")) == "no words, only speaker labels"


def test_undecodable_file(tmp_path):
    # 0x81 and 0x8d are undefined in Windows-1252 and invalid as UTF-8.
    data = b"I: caf\x81 \x8d\n"
    assert skip_reason(write(tmp_path, "u.txt", data)) == "cannot decode as UTF-8, UTF-16 or Windows-1252"


def test_bad_utf16_after_a_bom(tmp_path):
    data = codecs.BOM_UTF16_LE + b"I\x00:\x00 \x00\x00\xdc"  # an unpaired low surrogate
    assert (
        skip_reason(write(tmp_path, "u.txt", data))
        == "cannot decode as UTF-16-LE despite its byte-order mark"
    )


def test_oversized_file(tmp_path):
    path = write(tmp_path, "big.txt", "I: " + "word " * 1000)
    assert read_transcript(path, max_bytes=10_000).turns
    assert skip_reason(path, max_bytes=2_000) == "file larger than 0.002 MB"


def test_default_size_limit_message(tmp_path):
    path = tmp_path / "huge.txt"
    with path.open("wb") as handle:
        handle.truncate(50_000_001)  # sparse: no disk space used
    assert skip_reason(path) == "file larger than 50 MB"


def test_unsupported_suffix(tmp_path):
    path = write(tmp_path, "notes.rtf", "I: hi")
    assert skip_reason(path) == "unsupported file type '.rtf' (expected .txt, .md, .docx, .vtt or .srt)"


def test_corrupt_docx(tmp_path):
    good = make_docx(tmp_path / "good.docx", ["I: hi"], [], []).read_bytes()
    truncated = write(tmp_path, "bad.docx", good[: len(good) // 2])
    assert skip_reason(truncated) == "not a valid .docx (corrupt zip)"
    assert (
        skip_reason(write(tmp_path, "text.docx", "I: this is just text")) == "not a valid .docx (corrupt zip)"
    )


def test_zip_without_a_word_document(tmp_path):
    path = tmp_path / "other.docx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("hello.txt", "hi")
    assert skip_reason(path) == "not a valid .docx (no word/document.xml)"


def test_docx_with_broken_xml(tmp_path):
    good = make_docx(tmp_path / "good.docx", ["I: hi"], [], [])
    path = tmp_path / "broken.docx"
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(path, "w") as target:
        for item in source.infolist():
            data = b"<w:document" if item.filename == "word/document.xml" else source.read(item)
            target.writestr(item, data)
    assert skip_reason(path).startswith("not a valid .docx (")


def _zip_bomb(path: Path, zeros: int) -> Path:
    """A real .docx whose extra member inflates from a few hundred KB to ``zeros`` bytes."""
    good = make_docx(path.with_name("seed.docx"), ["I: hi"], [], [])
    chunk = bytes(1024 * 1024)
    with (
        zipfile.ZipFile(good) as source,
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as target,
    ):
        for item in source.infolist():
            target.writestr(item, source.read(item))
        with target.open("word/media/padding.bin", "w", force_zip64=True) as member:
            for _ in range(zeros // len(chunk)):
                member.write(chunk)
    return path


def test_zip_bomb_docx_is_refused_without_inflating(tmp_path):
    path = _zip_bomb(tmp_path / "bomb.docx", 210 * 1024 * 1024)
    assert path.stat().st_size < 2_000_000
    assert skip_reason(path) == ".docx expands to more than 200 MB (zip bomb?)"


def test_highly_compressed_docx_member_is_refused(tmp_path):
    path = _zip_bomb(tmp_path / "ratio.docx", 8 * 1024 * 1024)
    assert skip_reason(path).startswith(".docx member word/media/padding.bin expands ")
    assert skip_reason(path).endswith("-fold (zip bomb?)")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("1\n00:00:01.000 --> 00:00:02.000\nhi\n", "malformed WebVTT: no WEBVTT header"),
        ("WEBVTTX\n\n00:00:01.000 --> 00:00:02.000\nhi\n", "malformed WebVTT: no WEBVTT header"),
        (
            "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nhi\n\n00:00:03 --> 00:00:04.000\nyo\n",
            "malformed WebVTT: bad timestamp on line 6",
        ),
        (
            "WEBVTT\n\n00:00:01.000 -> 00:00:02.000\nhi\n",
            "malformed WebVTT: expected a cue timing line on line 4",
        ),
        (
            "WEBVTT\n\n00:00:05.000 --> 00:00:02.000\nhi\n",
            "malformed WebVTT: cue ends before it starts on line 3",
        ),
        ("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n\n", "no cue text (the subtitle file has timings only)"),
    ],
)
def test_malformed_vtt(tmp_path, text, reason):
    assert skip_reason(write(tmp_path, "m.vtt", text)) == reason


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (
            "1\n00:00:01,000 --> 00:00:02,000\nhi\n\nhello there\nmore\n",
            "malformed SRT: expected a cue number on line 5",
        ),
        (
            "1\n00:00:01,000 --> 00:00:02,000\nhi\n\n2\n00:00:0x,000 --> 00:00:03,000\nyo\n",
            "malformed SRT: bad timestamp on line 6",
        ),
        ("1\nhi there\n", "malformed SRT: expected a cue timing line on line 2"),
    ],
)
def test_malformed_srt(tmp_path, text, reason):
    assert skip_reason(write(tmp_path, "m.srt", text)) == reason


# -- the real data ------------------------------------------------------------------------------


@needs(OSCE)
def test_all_osce_transcripts_parse_into_doctor_and_patient_turns():
    files = sorted(OSCE.glob("*.txt"))
    assert len(files) == 272
    encodings = {}
    for path in files:
        parsed = read(path)
        speakers = {turn.speaker for turn in parsed.turns}
        assert speakers == {"D", "P"}, path.name
        assert assign_roles([t.speaker for t in parsed.turns]) == {"D": "interviewer", "P": "participant"}
        assert "\r" not in parsed.text
        encodings[path.stem] = parsed.encoding
    assert {stem for stem, enc in encodings.items() if enc != "utf-8"} == {"RES0002", "RES0054"}
    assert encodings["RES0002"] == encodings["RES0054"] == "utf-16-le"


@needs(OSCE)
def test_utf16_osce_transcript_reads_like_text():
    parsed = read(OSCE / "RES0002.txt")
    assert parsed.turns[0].speaker == "D"
    assert all("\x00" not in turn.text for turn in parsed.turns)
    assert sum(len(t.text.split()) for t in parsed.turns) > 200


# --- hostile archives (issue 14, #5 and #10) ---------------------------------------------------


@pytest.mark.parametrize("crc_of_prefix", [True, False])
def test_a_member_larger_than_its_header_says_is_never_inflated(tmp_path, crc_of_prefix):
    """A 1.87 MB .docx declaring 9,000 bytes inflated to 2.2 GB before "Bad CRC-32"."""
    import tracemalloc

    reason = None
    seed = make_docx(tmp_path / "seed.docx", ["Interviewer: hi", "P01: hello there"], [], [])
    path = falsified_bomb(seed, tmp_path / "bomb.docx", 400 * 1024 * 1024, crc_of_prefix)
    assert path.stat().st_size < 2_000_000
    tracemalloc.start()
    try:
        try:
            parsed = read_transcript(path)
        except InputError as exc:
            parsed, reason = None, str(exc)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 64 * 1024 * 1024, f"peak {peak / 2**20:.0f} MiB while reading a 9,000-byte member"
    if crc_of_prefix:  # the declared bytes are all there is to read: the transcript reads
        assert turns_of(parsed) == [("Interviewer", "hi"), ("P01", "hello there")]
    else:
        assert reason == (
            "not a valid .docx (member word/document.xml does not match its header; damaged, "
            "or a zip bomb)"
        )


def test_a_docx_with_an_external_entity_is_skipped_with_a_reason(tmp_path):
    """"secret &xxe; end" came out as "secret ": the text after the entity was dropped silently."""
    good = make_docx(tmp_path / "good.docx", ["P01: secret XXE end", "P01: more"], [], [])
    path = with_external_entity(good, tmp_path / "entity.docx", "XXE")
    reason = skip_reason(path)
    assert reason.startswith("not a valid .docx (it declares XML entities")
    assert "re-save it in Word" in reason
