"""Bytes → text: byte-order marks, UTF-8, Windows-1252 fallback, binary detection, newlines.

The order is fixed so the same bytes always decode the same way: a byte-order mark wins;
then strict UTF-8; then Windows-1252 (what Word and older Windows tools write). Text with NUL
bytes and no BOM is UTF-16 without a BOM when its NULs fall in a regular pattern, otherwise
binary. Newlines are normalised to "\\n" so character offsets are the same on every platform.
"""

from __future__ import annotations

import codecs
import re

from feedcare.corpus.base.errors import InputError

# Longest first: the UTF-32-LE mark starts with the UTF-16-LE one.
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF", "a PDF"),
    (b"PK\x03\x04", "a zip archive (a .docx saved with the wrong extension?)"),
    (b"\xd0\xcf\x11\xe0", "an old Word .doc or other Office file"),
    (b"{\\rtf", "an RTF document (save it as .docx or .txt)"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
)
BINARY_REASON = "binary file, not a transcript"
UNDECODABLE_REASON = "cannot decode as UTF-8, UTF-16 or Windows-1252"

# Share of control characters (other than tab, newline, carriage return, form feed) above
# which decoded "text" is taken to be binary data. Real transcripts have none or a stray few.
_MAX_CONTROL_SHARE = 0.01
_MIN_CONTROLS = 3
_SAMPLE_CHARS = 65_536
_ALLOWED_CONTROLS = frozenset("\t\n\r\f\v")
_NOT_CONTROL_BYTES = bytes(b for b in range(256) if b >= 0x20 and b != 0x7F or chr(b) in _ALLOWED_CONTROLS)
# A valid 3- or 4-byte UTF-8 sequence (’ “ ” – € ...): almost never produced by Windows-1252 text.
_LONG_UTF8_SEQUENCE = re.compile(rb"[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")


def decode_bytes(data: bytes) -> tuple[str, str]:
    """Decode a transcript file's bytes; return (text with "\\n" newlines, encoding name).

    Encoding names: "utf-8", "utf-8-sig", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be",
    "cp1252". Raises InputError("binary file, not a transcript") or InputError(UNDECODABLE_REASON).
    Empty input decodes to "" (the caller decides whether that is an error).
    """
    text, encoding = _decode(data)
    if _looks_binary(text):
        raise InputError(BINARY_REASON)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.removeprefix("\ufeff"), encoding


def _decode(data: bytes) -> tuple[str, str]:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            codec = "utf-8" if encoding == "utf-8-sig" else encoding
            try:
                return data[len(bom) :].decode(codec), encoding
            except UnicodeDecodeError:
                raise InputError(f"cannot decode as {encoding.upper()} despite its byte-order mark") from None
    if b"\x00" in data:
        return _decode_with_nuls(data)
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    _refuse_known_binary(data)
    sample = data[: 4 * _SAMPLE_CHARS]
    if _too_many_controls(len(sample.translate(None, _NOT_CONTROL_BYTES)), len(sample)):
        raise InputError(BINARY_REASON)
    if _LONG_UTF8_SEQUENCE.search(data):
        # Smart quotes as UTF-8 next to a byte that is not: decoding the whole file as
        # Windows-1252 would silently turn every ’ into â€™, so ask for a clean file instead.
        line = data.count(b"\n", 0, first_bad) + 1
        raise InputError(
            f"mixes UTF-8 with another encoding (first non-UTF-8 byte on line {line}); re-save it as UTF-8"
        )
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        raise InputError(UNDECODABLE_REASON) from None


def _decode_with_nuls(data: bytes) -> tuple[str, str]:
    """UTF-16 written without a BOM has a NUL in every other byte of ASCII text; else binary."""
    _refuse_known_binary(data)
    sample = data[: 2 * _SAMPLE_CHARS]
    pairs = len(sample) // 2
    if len(data) % 2 == 0 and pairs:
        even_nuls = sample[0::2].count(0)
        odd_nuls = sample[1::2].count(0)
        for nuls, other, encoding in ((odd_nuls, even_nuls, "utf-16-le"), (even_nuls, odd_nuls, "utf-16-be")):
            if nuls >= 0.6 * pairs and other == 0:
                try:
                    return data.decode(encoding), encoding
                except UnicodeDecodeError:
                    break
    raise InputError(BINARY_REASON)


def _refuse_known_binary(data: bytes) -> None:
    for magic, what in _MAGIC:
        if data.startswith(magic):
            raise InputError(f"binary file ({what}), not a transcript")


def _looks_binary(text: str) -> bool:
    sample = text[:_SAMPLE_CHARS]
    if not sample:
        return False
    controls = sum(1 for ch in sample if (ch < " " or "\x7f" <= ch < "\xa0") and ch not in _ALLOWED_CONTROLS)
    return "\x00" in sample or _too_many_controls(controls, len(sample))


def _too_many_controls(controls: int, length: int) -> bool:
    # A stray DOS end-of-file mark or form feed is fine; binary data has them everywhere.
    return controls > _MIN_CONTROLS and controls > _MAX_CONTROL_SHARE * length
