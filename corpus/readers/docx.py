"""Word (.docx) transcripts: paragraphs and table cells in body order, then speaker turns.

A .docx is a zip archive, and python-docx never sees the archive as it came. First its
directory is checked, so a corrupt file or a zip bomb (a small file that expands to
gigabytes) is refused before anything is decompressed. Then every member is inflated in small
bounded chunks, never past the size its header declares and never past the limit, whatever
the header says: zipfile's own ``read()`` inflates a whole member in one call before it
truncates to the declared size, so a 2 MB file declaring 9,000 bytes took 2 GB of memory.
python-docx reads the copy made of those checked bytes. A part that declares XML entities
(a ``<!DOCTYPE>``, which Word never writes) is refused: the parser does not expand them, and
the text after one would silently vanish.
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


_CHUNK = 64 * 1024
_PROLOG_BYTES = 4096
_DOCTYPES = tuple("<!DOCTYPE".encode(codec) for codec in ("utf-8", "utf-16-le", "utf-16-be"))


def checked_copy(data: bytes, max_expanded: int = MAX_EXPANDED_BYTES) -> bytes:
    """The archive rebuilt from members inflated in bounded chunks (stored, not compressed).

    Raises InputError for a member whose data does not match its header (size or CRC), when the
    members together exceed ``max_expanded`` bytes, or for an XML part with a ``<!DOCTYPE>``.
    """
    out = io.BytesIO()
    total = 0
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive, zipfile.ZipFile(out, "w") as copy:
            for member in archive.infolist():
                if member.is_dir():
                    continue
                parts = []
                with archive.open(member) as stream:
                    while chunk := stream.read(_CHUNK):  # inflates at most _CHUNK bytes a call
                        total += len(chunk)
                        if total > max_expanded:
                            limit = max_expanded // _MB
                            raise InputError(f".docx expands to more than {limit} MB (zip bomb?)")
                        parts.append(chunk)
                body = b"".join(parts)
                if member.filename.endswith((".xml", ".rels")) and any(
                    mark in body[:_PROLOG_BYTES] for mark in _DOCTYPES
                ):
                    raise InputError(
                        "not a valid .docx (it declares XML entities in a <!DOCTYPE>, which Word never "
                        "writes, and feedcare does not expand them; re-save it in Word)"
                    )
                info = zipfile.ZipInfo(member.filename, date_time=member.date_time)
                copy.writestr(info, body, compress_type=zipfile.ZIP_STORED)
    except zipfile.BadZipFile as exc:
        name = getattr(exc, "filename", None) or _member_in(str(exc))
        what = f"member {name}" if name else "a member"
        raise InputError(
            f"not a valid .docx ({what} does not match its header; damaged, or a zip bomb)"
        ) from None
    except (zipfile.LargeZipFile, ValueError, EOFError, NotImplementedError, RuntimeError, OSError):
        raise InputError("not a valid .docx (corrupt zip)") from None
    return out.getvalue()


def _member_in(message: str) -> str | None:
    # zipfile says "Bad CRC-32 for file 'word/document.xml'"
    start = message.find("'")
    end = message.rfind("'")
    return message[start + 1 : end] if 0 <= start < end else None


def parse_docx(data: bytes, *, labels: Sequence[str] = ()) -> ParsedText:
    """Read a .docx file's bytes into paragraphs joined by newlines, then speaker turns."""
    check_docx_archive(data)
    data = checked_copy(data)
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
