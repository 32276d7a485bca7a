"""Build the Word transcripts examples/transcripts/P07.docx and P08.docx.

The sources are examples/src/P07.txt and P08.txt: UTF-8 text, one turn per
paragraph, each starting with a speaker label (`Interviewer:` or `P07:`), turns
separated by blank lines. Each turn becomes one Word paragraph with the label in
bold, the way transcription services usually deliver interviews.

Run from the repository root:

    .venv/bin/python examples/make_docx.py

The output is byte-for-byte reproducible: document properties carry a fixed date
and the zip entries a fixed timestamp, so rebuilding does not show up as a change
in version control.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import sys
import zipfile
from pathlib import Path

from docx import Document
from docx.shared import Pt

HERE = Path(__file__).resolve().parent
SOURCES = HERE / "src"
TARGET = HERE / "transcripts"
NAMES = ("P07", "P08")

# A label is a short run of words before a colon at the start of a paragraph.
LABEL = re.compile(r"^(?P<label>[A-Za-z][A-Za-z0-9 ]{0,30}):\s+(?P<text>.*)$", re.DOTALL)
FIXED_DATE = dt.datetime(2024, 1, 1, 9, 0, 0)
ZIP_DATE = (2024, 1, 1, 9, 0, 0)


def read_turns(source: Path) -> list[tuple[str, str]]:
    """(label, text) per turn; lines inside a paragraph are joined with spaces."""
    turns = []
    for block in re.split(r"\n\s*\n", source.read_text(encoding="utf-8").strip()):
        paragraph = " ".join(line.strip() for line in block.splitlines())
        match = LABEL.match(paragraph)
        if match is None:
            raise SystemExit(f"{source}: paragraph without a speaker label: {paragraph[:60]!r}")
        turns.append((match["label"], match["text"]))
    return turns


def build_document(turns: list[tuple[str, str]]) -> bytes:
    document = Document()
    document.styles["Normal"].font.name = "Calibri"
    document.styles["Normal"].font.size = Pt(11)
    properties = document.core_properties
    properties.author = "feedcare examples (fictional)"
    properties.last_modified_by = "feedcare examples (fictional)"
    properties.title = "Fictional example interview"
    properties.created = FIXED_DATE
    properties.modified = FIXED_DATE
    properties.revision = 1
    for label, text in turns:
        paragraph = document.add_paragraph()
        paragraph.add_run(f"{label}:").bold = True
        paragraph.add_run(f" {text}")
    buffer = io.BytesIO()
    document.save(buffer)
    return normalise_zip(buffer.getvalue())


def normalise_zip(data: bytes) -> bytes:
    """Rewrite the package with fixed entry timestamps so the bytes are reproducible."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for entry in source.infolist():
            info = zipfile.ZipInfo(entry.filename, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            target.writestr(info, source.read(entry.filename))
    return out.getvalue()


def main() -> int:
    TARGET.mkdir(exist_ok=True)
    for name in NAMES:
        source = SOURCES / f"{name}.txt"
        turns = read_turns(source)
        target = TARGET / f"{name}.docx"
        target.write_bytes(build_document(turns))
        print(f"{target.relative_to(HERE.parent)}: {len(turns)} turns")
    return 0


if __name__ == "__main__":
    sys.exit(main())
