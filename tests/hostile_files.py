"""Hostile input files shared by the reader tests and the fault-injection suite (issue 14)."""

from __future__ import annotations

import struct
import zipfile
import zlib
from pathlib import Path


def raw_zip(path: Path, members: list[tuple[str, bytes, int, int, int]]) -> Path:
    """A zip written byte by byte: (name, raw deflate data, declared size, crc, method) per member,
    so a header can say what the data is not."""
    body, central = bytearray(), bytearray()
    for name, data, size, crc, method in members:
        offset = len(body)
        encoded = name.encode()
        fields = (20, 0, method, 0, 0x21, crc, len(data), size, len(encoded), 0)
        body += struct.pack("<IHHHHHIIIHH", 0x04034B50, *fields) + encoded + data
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, *fields, 0, 0, 0, 0, offset) + encoded
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(central), len(body), 0)
    path.write_bytes(bytes(body + central + end))
    return path


def falsified_bomb(seed: Path, path: Path, inflated: int, crc_of_prefix: bool = True) -> Path:
    """The .docx ``seed`` with its word/document.xml declaring its own size but inflating to
    ``inflated`` bytes more (zeros after the XML); its CRC is that of the declared bytes or of all."""
    members = []
    with zipfile.ZipFile(seed) as source:
        for item in source.infolist():
            data = source.read(item)
            packer = zlib.compressobj(9, zlib.DEFLATED, -15)
            if item.filename != "word/document.xml":
                members.append((item.filename, packer.compress(data) + packer.flush(), len(data),
                                zlib.crc32(data), zipfile.ZIP_DEFLATED))
                continue
            crc, chunk, parts = zlib.crc32(data), bytes(1 << 20), [packer.compress(data)]
            declared = crc
            for _ in range(inflated // len(chunk)):
                parts.append(packer.compress(chunk))
                crc = zlib.crc32(chunk, crc)
            parts.append(packer.flush())
            members.append((item.filename, b"".join(parts), len(data), declared if crc_of_prefix else crc,
                            zipfile.ZIP_DEFLATED))
    return raw_zip(path, members)


def with_external_entity(good: Path, path: Path, word: str) -> Path:
    """The .docx ``good`` with ``word`` in its text replaced by an external entity &xxe;."""
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(path, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "word/document.xml":
                head, _, rest = data.partition(b"?>")
                doctype = b'<!DOCTYPE w:document [<!ENTITY xxe SYSTEM "file:///etc/hostname">]>'
                data = head + b"?>" + doctype + rest.replace(word.encode(), b"&xxe;")
            target.writestr(item, data)
    return path
