"""Codebook readers: one per file format, chosen by the file's suffix (the registry below).

- ``.qdc``: a REFI-QDA codebook (``<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes><Code ...>``),
  as NVivo, ATLAS.ti, MAXQDA and QualCoder export it;
- ``.qdpx``: a REFI-QDA project (a zip holding ``project.qde``): its ``<CodeBook>``;
- ``.csv``: columns ``code`` and ``description``, optional ``parent`` (a code name) and ``seeds``
  (terms separated by ``;`` or ``,``);
- ``.toml``: ``[[code]]`` tables with ``name``, optional ``description``, ``parent``, ``seeds``.

Checked as REFI-QDA's codebook schema requires (``guid``, ``name`` and ``isCodable`` on every
``Code``, GUIDs of 8-4-4-4-12 hex digits, optionally in braces; colours ``#RGB`` or ``#RRGGBB``),
and the same structure in every format: a bad file is one line naming the element or row and
the fix (:class:`ConfigError`, exit 2). A new format is one function plus one line in ``READERS``.
"""

from __future__ import annotations

import csv
import io
import re
import tomllib
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from feedcare.corpus.base.errors import ConfigError
from feedcare.topics.codebook.model import (
    Code,
    Codebook,
    check_codes,
    file_sha256,
    name_guid,
    split_description,
)

NAMESPACES = ("urn:QDA-XML:codebook:1.0", "urn:QDA-XML:project:1.0")
# Tools still write the pre-1.0 draft namespace (ATLAS.ti: "urn:QDA-XML:codebook:0:4"); the
# elements are the same, so any version of the two REFI-QDA namespaces is read.
NAMESPACE = re.compile(r"^urn:QDA-XML:(codebook|project):[0-9][0-9.:]*$")
GUID = re.compile(
    r"^(\{)?[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}(?(1)\})$"
)
COLOR = re.compile(r"^#([0-9A-Fa-f]{6}|[0-9A-Fa-f]{3})$")
MAX_BYTES = 50 * 1024 * 1024  # a codebook is small; a bigger file is not one


def read_codebook(path: Path) -> Codebook:
    """The codebook in ``path`` (format from its suffix); one-line ConfigErrors for bad files."""
    path = Path(path)
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        raise ConfigError(
            f"{path}: not a codebook format feedcare reads; use {', '.join(READERS)} (see docs/deductive.md)"
        )
    try:
        if path.stat().st_size > MAX_BYTES:
            raise ConfigError(f"{path}: larger than {MAX_BYTES // 2**20} MB; not a codebook")
        data = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"{path}: codebook file not found; check the --codebook path") from None
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a folder; give the codebook file") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the codebook ({exc.strerror or exc})") from None
    fmt, codes, origin = reader(path, data)
    check_codes(path, codes)
    return Codebook(path=path, format=fmt, sha256=file_sha256(data), codes=tuple(codes), origin=origin)


# --- REFI-QDA ------------------------------------------------------------------------------------


def _read_qdc(path: Path, data: bytes) -> tuple[str, list[Code], str | None]:
    root = _parse_xml(path, data, "CodeBook")
    return "qdc", _refi_codes(path, root), root.get("origin")


def _read_qdpx(path: Path, data: bytes) -> tuple[str, list[Code], str | None]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = [n for n in archive.namelist() if n.lower().endswith(".qde")]
            if not names:
                raise ConfigError(f"{path}: no project.qde inside; not a REFI-QDA project (.qdpx)")
            info = archive.getinfo(names[0])
            if info.file_size > MAX_BYTES * 20:
                raise ConfigError(f"{path}: {names[0]} is too large to read")
            xml = archive.read(names[0])
    except zipfile.BadZipFile:
        raise ConfigError(f"{path}: not a zip file; a .qdpx is a zip holding project.qde") from None
    root = _parse_xml(path, xml, "Project")
    book = _child(root, "CodeBook")
    if book is None:
        raise ConfigError(f"{path}: project.qde has no <CodeBook>; export the project with its codes")
    return "qdpx", _refi_codes(path, book), root.get("origin")


def _parse_xml(path: Path, data: bytes, root_tag: str) -> ET.Element:
    if b"<!DOCTYPE" in data[:4096] or b"<!ENTITY" in data:
        raise ConfigError(f"{path}: XML with a DOCTYPE or entity declarations is refused; export it again")
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise ConfigError(f"{path}: not well-formed XML ({exc}); export the codebook again") from None
    namespace, _, tag = root.tag[1:].partition("}") if root.tag.startswith("{") else ("", "", root.tag)
    if tag != root_tag or not NAMESPACE.match(namespace):
        raise ConfigError(
            f"{path}: root element <{tag}> in namespace '{namespace or 'none'}'; a REFI-QDA file has "
            f"<{root_tag}> in {' or '.join(NAMESPACES)}"
        )
    return root


def _local(element: ET.Element) -> str:
    return element.tag.rpartition("}")[2]


def _child(element: ET.Element, name: str) -> ET.Element | None:
    return next((c for c in element if _local(c) == name), None)


def _refi_codes(path: Path, book: ET.Element) -> list[Code]:
    codes_element = _child(book, "Codes")
    if codes_element is None:
        raise ConfigError(f"{path}: <CodeBook> has no <Codes> element; the schema requires one")
    out: list[Code] = []

    def walk(element: ET.Element, parent: str | None, where: str) -> None:
        for i, node in enumerate(c for c in element if _local(c) == "Code"):
            here = f"{where}/Code[{i + 1}]"
            attrs = node.attrib
            for required in ("guid", "name", "isCodable"):
                if required not in attrs:
                    raise ConfigError(f"{path}: {here} has no '{required}' attribute; the schema requires it")
            guid = attrs["guid"].strip()
            if not GUID.match(guid):
                raise ConfigError(f"{path}: {here} guid '{guid}' is not a GUID (8-4-4-4-12 hex digits)")
            codable = attrs["isCodable"].strip()
            if codable not in ("true", "false", "1", "0"):
                raise ConfigError(f"{path}: {here} isCodable '{codable}' must be true or false")
            color = attrs.get("color")
            if color is not None and not COLOR.match(color.strip()):
                raise ConfigError(f"{path}: {here} color '{color}' must be #RRGGBB or #RGB")
            name = attrs["name"].strip()
            described = _child(node, "Description")
            guid = guid.strip("{}")
            text = (described.text or "") if described is not None else ""
            description, seeds = split_description(text)
            out.append(Code(guid=guid, name=name, description=description, parent=parent, seeds=seeds,
                            color=color.strip() if color else None, codable=codable in ("true", "1")))
            walk(node, guid, f"{here}({name})")

    walk(codes_element, None, "CodeBook/Codes")
    return out


# --- simple tables -------------------------------------------------------------------------------

SEED_SPLIT = re.compile(r"[;,]")


def _read_csv(path: Path, data: bytes) -> tuple[str, list[Code], str | None]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text; save the CSV as UTF-8") from None
    rows = list(csv.DictReader(io.StringIO(text)))
    header = [h.strip().lower() for h in (csv.reader(io.StringIO(text)).__next__() if text.strip() else [])]
    if "code" not in header:
        raise ConfigError(
            f"{path}: no 'code' column (found: {', '.join(header) or 'nothing'}); a CSV codebook has "
            "columns code, description and optionally parent, seeds"
        )
    entries = []
    for line, row in enumerate(rows, start=2):
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items() if k is not None}
        if not any(row.values()):
            continue
        seeds = [s for s in SEED_SPLIT.split(row.get("seeds", "")) if s.strip()]
        entries.append((f"row {line}", row.get("code", ""), row.get("description", ""),
                        row.get("parent") or None, seeds))
    return "csv", _named_codes(path, entries), None


def _read_toml(path: Path, data: bytes) -> tuple[str, list[Code], str | None]:
    try:
        table = tomllib.loads(data.decode("utf-8-sig"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc}); fix the syntax") from None
    unknown = sorted(set(table) - {"code"})
    if unknown:
        raise ConfigError(f"{path}: unknown key '{unknown[0]}'; a TOML codebook has [[code]] tables only")
    items = table.get("code", [])
    if not isinstance(items, list):
        raise ConfigError(f"{path}: 'code' must be an array of tables ([[code]])")
    entries = []
    for i, item in enumerate(items, start=1):
        where = f"[[code]] {i}"
        if not isinstance(item, dict):
            raise ConfigError(f"{path}: {where} must be a table with name = \"...\"")
        bad = sorted(set(item) - {"name", "description", "parent", "seeds"})
        if bad:
            raise ConfigError(f"{path}: {where} has unknown key '{bad[0]}'; allowed: name, description, "
                              "parent, seeds")
        seeds = item.get("seeds", [])
        if not isinstance(seeds, list) or not all(isinstance(s, str) for s in seeds):
            raise ConfigError(f"{path}: {where} seeds must be a list of strings, e.g. seeds = [\"wait\"]")
        for key in ("name", "description", "parent"):
            if key in item and not isinstance(item[key], str):
                raise ConfigError(f"{path}: {where} {key} must be a string, got {item[key]!r}")
        entries.append((where, item.get("name", "").strip(), item.get("description", "").strip(),
                        (item.get("parent") or "").strip() or None, seeds))
    return "toml", _named_codes(path, entries), None


def _named_codes(path: Path, entries: list[tuple[str, str, str, str | None, list[str]]]) -> list[Code]:
    """Codes of a table whose parents are named: a parent is a code's name, or its path "A > B" when
    two codes share the name. GUIDs come from each code's path, so they are stable."""
    for where, name, _, _, _ in entries:
        if not name:
            raise ConfigError(f"{path}: {where} has no code name; fill it in or delete the row")
    by_name: dict[str, list[int]] = {}
    for i, (_, name, _, _, _) in enumerate(entries):
        by_name.setdefault(name, []).append(i)
    paths: dict[int, str] = {}

    def parent_index(i: int) -> int | None:
        where, name, _, parent, _ = entries[i]
        if parent is None:
            return None
        if parent in by_name and len(by_name[parent]) == 1:
            return by_name[parent][0]
        matches = [j for j in range(len(entries)) if resolve(j, ()) == parent] if " > " in parent else []
        if len(matches) == 1:
            return matches[0]
        if parent in by_name:
            raise ConfigError(f"{path}: {where} parent '{parent}' names several codes; write its path, "
                              f"e.g. '{' > '.join(['Parent', parent])}'")
        raise ConfigError(f"{path}: {where} parent '{parent}' is not a code of the file; add it or fix "
                          "the name")

    def resolve(i: int, seen: tuple[int, ...]) -> str:
        if i in paths:
            return paths[i]
        if i in seen:
            raise ConfigError(f"{path}: code '{entries[i][1]}' is its own ancestor; fix the parent column")
        up = parent_index(i)
        result = entries[i][1] if up is None else f"{resolve(up, (*seen, i))} > {entries[i][1]}"
        paths[i] = result
        return result

    for i in range(len(entries)):
        resolve(i, ())
    seen_paths: dict[str, int] = {}
    for i, full in paths.items():
        if full in seen_paths:
            raise ConfigError(f"{path}: code '{full}' appears twice; a code's name must be unique among its "
                              "siblings")
        seen_paths[full] = i
    guids = {i: name_guid(paths[i]) for i in range(len(entries))}
    codes = []
    for i, (_, name, description, _, seeds) in enumerate(entries):
        up = parent_index(i)
        codes.append(Code(guid=guids[i], name=name, description=description,
                          parent=guids[up] if up is not None else None,
                          seeds=tuple(s.strip() for s in seeds if s.strip())))
    ordered: list[Code] = []  # parents before children, otherwise in file order

    def add(parent: str | None) -> None:
        for code in codes:
            if code.parent == parent:
                ordered.append(code)
                add(code.guid)

    add(None)
    return ordered


Reader = Callable[[Path, bytes], tuple[str, list[Code], Any]]
READERS: dict[str, Reader] = {
    ".qdc": _read_qdc,
    ".qdpx": _read_qdpx,
    ".csv": _read_csv,
    ".toml": _read_toml,
}
