"""Word (.docx) transcripts: paragraphs and table cells in body order, then speaker turns.

A .docx is a zip archive; before python-docx opens it, the archive's directory is checked so a
corrupt file or a zip bomb (a small file that expands to gigabytes) is refused without
decompressing anything. The sizes checked are the ones the zip directory declares, and
Python's zipfile never inflates a member beyond its declared size, so the check is sound.
"""

from __future__ import annotations

import functools
import io
import zipfile
from collections.abc import Iterator, Sequence

from feedcare.corpus.base.errors import InputError
from feedcare.corpus.readers.plain import parsed_from_text
from feedcare.corpus.readers.types import ParsedText

MAX_EXPANDED_BYTES = 200 * 1024 * 1024
MAX_RATIO = 100  # a member compressing better than 100:1 ...
RATIO_MIN_BYTES = 1024 * 1024  # ... and larger than 1 MB is treated as a zip bomb
DOCUMENT_PART = "word/document.xml"
_MB = 1024 * 1024


def check_docx_archive(data: bytes, max_expanded: int = MAX_EXPANDED_BYTES) -> None:
    """Raise InputError when ``data`` is not a usable .docx archive or looks like a zip bomb."""
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise InputError("not a valid .docx (an old .doc or password-protected file; save it as .docx)")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError):
        raise InputError("not a valid .docx (corrupt zip)") from None
    if DOCUMENT_PART not in {m.filename for m in members}:
        raise InputError(f"not a valid .docx (no {DOCUMENT_PART})")
    total = sum(m.file_size for m in members)
    if total > max_expanded:
        raise InputError(f".docx expands to more than {max_expanded // _MB} MB (zip bomb?)")
    for member in members:
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > RATIO_MIN_BYTES and ratio > MAX_RATIO:
            raise InputError(f".docx member {member.filename} expands {ratio:.0f}-fold (zip bomb?)")


def parse_docx(data: bytes, *, labels: Sequence[str] = ()) -> ParsedText:
    """Read a .docx file's bytes into paragraphs joined by newlines, then speaker turns."""
    check_docx_archive(data)
    text = "\n".join(_paragraph_texts(data))
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return parsed_from_text(text, "docx", "docx", labels=labels)


def _paragraph_texts(data: bytes) -> list[str]:
    import docx  # python-docx is imported only when a .docx is read

    try:
        document = docx.Document(io.BytesIO(data))
        return list(_block_texts(document.element.body))
    except InputError:
        raise
    except Exception as exc:  # python-docx/lxml raise many types for damaged parts
        reason = str(exc).splitlines()[0][:80] if str(exc) else type(exc).__name__
        raise InputError(f"not a valid .docx ({reason})") from None


def _block_texts(element) -> Iterator[str]:
    """Paragraph texts in document order, descending into tables and content controls."""
    from docx.oxml.ns import qn

    for child in element.iterchildren():
        if child.tag == qn("w:p"):
            yield paragraph_text(child)
        elif child.tag == qn("w:tbl"):
            for row in child.iterchildren(qn("w:tr")):
                for cell in row.iterchildren(qn("w:tc")):
                    yield from _block_texts(cell)
        elif child.tag == qn("w:sdt"):
            for content in child.iterchildren(qn("w:sdtContent")):
                yield from _block_texts(content)


def paragraph_text(paragraph) -> str:
    """A w:p element's text as the reader sees it now.

    python-docx's ``Paragraph.text`` reads only direct runs and hyperlinks, so it drops tracked
    insertions, smart tags, inline content controls and simple fields; this walks them all.
    Deleted and moved-away text, and text boxes (which Word stores twice), are left out.
    """
    tags = _tags()
    parts: list[str] = []

    def walk(element) -> None:
        for child in element:
            tag = child.tag
            if tag in tags.skip:
                continue
            if tag == tags.text:
                parts.append(child.text or "")
            elif tag == tags.tab:
                parts.append("\t")
            elif tag in tags.breaks:
                parts.append("\n")
            elif tag == tags.hyphen:
                parts.append("-")
            else:
                walk(child)

    walk(paragraph)
    return "".join(parts)


class _Tags:
    def __init__(self) -> None:
        from docx.oxml.ns import qn

        self.text = qn("w:t")
        self.tab = qn("w:tab")
        self.breaks = {qn("w:br"), qn("w:cr")}
        self.hyphen = qn("w:noBreakHyphen")
        # Properties (w:pPr holds tab-stop w:tab elements), deletions, text boxes, and the
        # Fallback copy of anything in mc:AlternateContent.
        mc_fallback = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
        self.skip = {
            qn("w:pPr"),
            qn("w:rPr"),
            qn("w:del"),
            qn("w:moveFrom"),
            qn("w:txbxContent"),
            mc_fallback,
        }


@functools.cache
def _tags() -> _Tags:
    return _Tags()  # built on first use: python-docx is imported only when a .docx is read
