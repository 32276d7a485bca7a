"""REFI-QDA exports: a ``.qdpx`` project and a ``.qdc`` codebook.

The project (a zip) holds ``project.qde`` (QDA-XML, namespace ``urn:QDA-XML:project:1.0``,
UTF-8 without BOM) and ``sources/<guid>.txt``: every document's plain text (documents.text).

- each document → a ``TextSource`` named by its source file, or by its document id when the
  file holds many documents (a comment table's rows), with the document attributes as
  ``VariableValue``s (source variables);
- each participant → a ``Case`` with their attributes as ``VariableValue``s of case variables
  (named "<attribute> (participant)") and ``SourceRef``s to their documents;
- each topic → a ``Code`` named by its label (or its top terms), memo as ``Description``;
- ``qdpx_coding="units"`` (default): every unit with a dominant theme → one ``PlainTextSelection``
  per participant turn of the unit (the part of the turn inside the unit; interviewer turns are
  never coded), coded with the dominant theme and every other theme of weight ≥ ``other_weight``;
  each excerpt → a selection coded with "exemplar: <theme>" (child codes of "feedcare exemplars").
- ``qdpx_coding="excerpts"``: only the excerpts, coded with their theme's code.

Positions are Unicode code point offsets into the exported text (as REFI-QDA specifies, and as
Python indexes ``str``): ``text[startPosition:endPosition]`` is the coded text.

The XML is written as it is produced: each ``TextSource`` is serialised on its own to a
temporary file while the source texts go into the zip, then ``project.qde`` is streamed into the
zip; memory holds the per-unit arrays and one batch of documents, never the whole tree.

XML 1.0 cannot carry most control characters, even escaped. They are replaced by a space in the
exported sources and in every XML string, one character for one, so offsets do not shift.
GUIDs are uuid5 of the run id and the object, and timestamps come from the run, so the same
run exports byte-identical files.
"""

from __future__ import annotations

import hashlib
import re
import tempfile
import uuid
import xml.etree.ElementTree as ET
import zipfile
from datetime import datetime
from pathlib import Path
from xml.sax.saxutils import quoteattr

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from feedcare import __version__
from feedcare.corpus import open_corpus
from feedcare.corpus.base.atomic import atomic_path
from feedcare.corpus.base.errors import DataError
from feedcare.corpus.base.progress import ProgressCallback, report
from feedcare.topics.codebook.model import RUN_FACTS_MARKER, SEEDS_MARKER
from feedcare.topics.exports.html import PALETTE
from feedcare.topics.themes.build import Theme, ThemesResult

PROJECT_NS = "urn:QDA-XML:project:1.0"
CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
XML_DECLARATION = '<?xml version="1.0" encoding="utf-8"?>\n'
ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_safe(text: str) -> str:
    """Replace characters XML 1.0 cannot represent by a space (same length, same offsets)."""
    return _ILLEGAL_XML.sub(" ", text)


class _Guids:
    """uuid5(run namespace, "kind:key"), computed without uuid.UUID objects (a few per unit at 100k)."""

    def __init__(self, run_id: str) -> None:
        self.base = uuid.uuid5(uuid.NAMESPACE_URL, f"feedcare:run:{run_id}")
        self._prefix = hashlib.sha1(self.base.bytes)

    def __call__(self, kind: str, key: object) -> str:
        digest = self._prefix.copy()
        digest.update(f"{kind}:{key}".encode())
        b = bytearray(digest.digest()[:16])
        b[6] = (b[6] & 0x0F) | 0x50  # version 5
        b[8] = (b[8] & 0x3F) | 0x80  # RFC 4122 variant
        h = b.hex()
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


_TEXT_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
_ATTR_ESCAPES = str.maketrans(
    {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\n": "&#10;", "\r": "&#13;", "\t": "&#9;"}
)


_NEEDS_WORK = re.compile('[&<>"\n\r\t\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]')


def _text(value: str) -> str:
    return xml_safe(value).translate(_TEXT_ESCAPES) if _NEEDS_WORK.search(value) else value


def _attr(value: str) -> str:
    return xml_safe(value).translate(_ATTR_ESCAPES) if _NEEDS_WORK.search(value) else value


def _tag(tag: str, attrs: dict[str, str | None], close: bool = False) -> str:
    """A start tag (or an empty element with ``close``) as a string: the hot path avoids ElementTree."""
    body = "".join(f' {k}="{_attr(v)}"' for k, v in attrs.items() if v is not None)
    return f"<{tag}{body}{'/' if close else ''}>"


def _timestamp(created: str) -> str | None:
    try:
        return datetime.fromisoformat(created).isoformat()
    except ValueError:
        return None


def _element(tag: str, attrs: dict[str, str | None] | None = None, text: str | None = None) -> ET.Element:
    element = ET.Element(tag, {k: xml_safe(v) for k, v in (attrs or {}).items() if v is not None})
    if text is not None:
        element.text = xml_safe(text)
    return element


def code_name(theme: Theme) -> str:
    return theme.label or f"Topic {theme.topic}: {', '.join(t.term for t in theme.terms[:4])}"


def code_description(result: ThemesResult, theme: Theme) -> str:
    p = theme.prevalence
    facts = (
        f"feedcare run {result.run_id}, model {result.model}, topic {theme.topic}. "
        f"Top terms by probability: {', '.join(t.term for t in theme.terms)}. "
        + (
            f"Distinctive terms by {result.config.distinctive.upper()}: "
            f"{', '.join(t.term for t in theme.distinctive)}. "
            if theme.distinctive
            else ""
        )
        + f"Prevalence {100 * p.unit_share:.1f}% of units, word share {100 * p.word_share:.1f}%"
        + ("." if result.single_turn else f", spread {p.spread} participants.")
    )
    return f"{theme.memo}\n\n{facts}" if theme.memo else facts


EXEMPLARS = "feedcare exemplars"


def exemplar_name(theme: Theme) -> str:
    return f"exemplar: {code_name(theme)}"


FREE_TOPICS = "feedcare free topics"


def topic_code_guids(result: ThemesResult, guid: _Guids) -> dict[int, str]:
    """The GUID of each topic's code: a guided topic's code keeps the GUID of the researcher's codebook."""
    guids = {t.topic: guid("code", f"{result.model}:{t.topic}") for t in result.themes}
    if result.codebook is not None:
        for code in result.codebook.codes:
            if code.topic is not None:
                guids[code.topic] = code.guid
    return guids


def _codebook_codes(result: ThemesResult, guid: _Guids, codes: ET.Element) -> None:
    """The researcher's codebook as it came (GUIDs, names, hierarchy, colours), each guided code's
    description extended with what the run found; the free topics under their own parent."""
    book = result.codebook
    assert book is not None
    themes = {t.topic: t for t in result.themes}
    elements: dict[str, ET.Element] = {}
    for code in book.codes:
        attrs = {"guid": code.guid, "name": code.name, "isCodable": "true" if code.codable else "false",
                 "color": code.color}
        element = _element("Code", attrs)
        text = code.description or ""
        if code.seeds_from == "file":  # REFI-QDA has no seed terms: kept where feedcare reads them back
            text += f"{SEEDS_MARKER}{'; '.join([*(code.seeds or []), *(code.missing or [])])}"
        if code.topic is not None and code.topic in themes:
            # after a marker the codebook readers strip: re-guiding with this file derives the same seeds
            facts = code_description(result, themes[code.topic])
            if code.description and facts.startswith(code.description):  # the memo opens with it
                facts = facts[len(code.description):].lstrip("\n")
            text = f"{text}{RUN_FACTS_MARKER}{facts}"
        if text:
            element.append(_element("Description", text=text))
        (elements[code.parent] if code.parent in elements else codes).append(element)
        elements[code.guid] = element
    free = [t for t in sorted(result.themes, key=lambda t: t.topic) if book.code_of_topic(t.topic) is None]
    if free:
        parent = _element("Code", {"guid": guid("code", f"{result.model}:free"), "name": FREE_TOPICS,
                                   "isCodable": "false"})
        parent.append(_element("Description", text=RUN_FACTS_MARKER.lstrip() + "Topics the codebook did not "
                                                    "guide: what the data holds beyond its codes."))
        for theme in free:
            code = _element("Code", {"guid": guid("code", f"{result.model}:{theme.topic}"),
                                     "name": code_name(theme), "isCodable": "true",
                                     "color": PALETTE[theme.topic % len(PALETTE)].upper()})
            facts = RUN_FACTS_MARKER.lstrip() + code_description(result, theme)
            code.append(_element("Description", text=facts))
            parent.append(code)
        codes.append(parent)


def _codes(result: ThemesResult, guid: _Guids, exemplars: bool = False) -> ET.Element:
    codes = _element("Codes")
    if result.codebook is not None:
        _codebook_codes(result, guid, codes)
    for theme in sorted(result.themes, key=lambda t: t.topic) if result.codebook is None else ():
        code = _element(
            "Code",
            {
                "guid": guid("code", f"{result.model}:{theme.topic}"),
                "name": code_name(theme),
                "isCodable": "true",
                "color": PALETTE[theme.topic % len(PALETTE)].upper(),
            },
        )
        code.append(_element("Description", text=code_description(result, theme)))
        codes.append(code)
    if exemplars:
        parent = _element(
            "Code",
            {"guid": guid("code", f"{result.model}:exemplars"), "name": EXEMPLARS, "isCodable": "false"},
        )
        parent.append(
            _element(
                "Description",
                text="The excerpts feedcare chose to show for each theme (its most representative units, "
                "from as many participants as possible). The whole analysis is coded with the theme codes.",
            )
        )
        for theme in sorted(result.themes, key=lambda t: t.topic):
            child = _element(
                "Code",
                {
                    "guid": guid("exemplar-code", f"{result.model}:{theme.topic}"),
                    "name": exemplar_name(theme),
                    "isCodable": "true",
                    "color": PALETTE[theme.topic % len(PALETTE)].upper(),
                },
            )
            child.append(_element("Description", text=f"Excerpts chosen for: {code_name(theme)}"))
            parent.append(child)
        codes.append(parent)
    return codes


def codebook_xml(result: ThemesResult) -> str:
    """A REFI-QDA codebook (.qdc) with one code per topic."""
    root = _element("CodeBook", {"xmlns": CODEBOOK_NS, "origin": f"feedcare {__version__}"})
    root.append(_codes(result, _Guids(result.run_id)))
    return XML_DECLARATION + ET.tostring(root, encoding="unicode") + "\n"


def write_codebook(result: ThemesResult, path: Path) -> None:
    with atomic_path(Path(path)) as tmp:
        tmp.write_bytes(codebook_xml(result).encode("utf-8"))


def _zip_info(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    return info


def _xml(element: ET.Element) -> str:
    return ET.tostring(element, encoding="unicode")


def _start_tag(tag: str, attrs: dict[str, str | None]) -> str:
    body = "".join(f" {k}={quoteattr(xml_safe(v))}" for k, v in attrs.items() if v is not None)
    return f"<{tag}{body}>"


class _Spans:
    """Rows of a doc-ordered table (tokens, segments), grouped by document: doc_id → rows."""

    def __init__(self, table: pa.Table, path: Path, what: str) -> None:
        self.table = table
        self.columns = {name: table[name].to_numpy() for name in table.column_names if name != "doc_id"}
        self.rows: dict[str, tuple[int, int]] = {}
        if table.num_rows == 0:
            return
        encoded = pc.dictionary_encode(table["doc_id"]).combine_chunks()
        codes = encoded.indices.to_numpy(zero_copy_only=False)
        starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
        ends = np.r_[starts[1:], len(codes)]
        names = encoded.dictionary.to_pylist()
        if len(starts) != len(names):  # a document's rows are not contiguous: not written by feedcare
            raise DataError(f"{path}: {what} of a document are not stored together; re-run `feedcare tokens`")
        for lo, hi in zip(starts.tolist(), ends.tolist(), strict=True):
            self.rows[names[codes[lo]]] = (lo, hi)

    def of(self, doc_id: str) -> range:
        lo, hi = self.rows.get(doc_id, (0, 0))
        return range(lo, hi)


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _speech_roles(corpus) -> list[str]:
    """The roles the model saw, never the interviewer: the speech a unit's codes belong to."""
    try:
        config = corpus.tokens_meta().config
    except DataError:
        config = {}
    roles = [r for r in config.get("roles", ["participant"]) if r != "interviewer"]
    return roles or ["participant"]


def write_qdpx(result: ThemesResult, path: Path, progress: ProgressCallback | None = None) -> int:
    """Write the .qdpx project for ``result``; returns the number of coded selections."""
    corpus = open_corpus(result.corpus_path)
    attributes = corpus.attribute_columns
    guid = _Guids(result.run_id)
    created = _timestamp(result.created)
    user = guid("user", "feedcare")
    stamp = {"creatingUser": user, "creationDateTime": created}
    code_of = topic_code_guids(result, guid)
    exemplar_of = {t.topic: guid("exemplar-code", f"{result.model}:{t.topic}") for t in result.themes}
    names = {t.topic: code_name(t) for t in result.themes}
    by_units = result.config.qdpx_coding == "units" and result.units is not None
    by_doc: dict[str, list] = {}
    for theme in result.themes:
        for e in theme.excerpts:
            by_doc.setdefault(e.doc_id, []).append(e)
    units = segments = None
    if by_units:
        columns = ["doc_id", "unit_id", "seg_start", "seg_end", "char_start", "char_end"]
        units = _Spans(
            pa.Table.from_batches(list(corpus.iter_tokens(columns, 65_536))), corpus.tokens_path, "units"
        )
        roles = pa.array(_speech_roles(corpus), pa.string())
        parts = [
            b.filter(pc.is_in(b.column("role"), value_set=roles)).select([0, 1, 3, 4])
            for b in corpus.iter_segments(["doc_id", "seg", "role", "char_start", "char_end"], 65_536)
        ]
        segments = _Spans(pa.Table.from_batches(parts), corpus.segments_path, "turns")
    shared_sources = {
        row["values"]
        for row in pc.value_counts(corpus.documents(columns=["source"])["source"]).to_pylist()
        if row["counts"] > 1
    }
    shown = {t.topic for t in result.themes}
    variable_guids = {a: guid("variable", a) for a in attributes}
    stamp_xml = _tag("x", stamp)[2:-1]  # the creatingUser and creationDateTime attributes
    cases: dict[str, dict] = {}  # participant → {"docs": [...], "values": {attribute: [values]}}
    n_selections = 0
    total = corpus.manifest.counts.documents
    path = Path(path)
    with (
        atomic_path(path) as tmp,
        zipfile.ZipFile(tmp, "w") as archive,
        tempfile.TemporaryFile("w+", encoding="utf-8", dir=tmp.parent) as sources_xml,
    ):
        done = 0
        for batch in corpus.iter_documents(["doc_id", "source", "participant_id", *attributes, "text"], 256):
            for doc in batch.to_pylist():
                source_guid = guid("source", doc["doc_id"])
                text = xml_safe(doc["text"])
                archive.writestr(_zip_info(f"sources/{source_guid}.txt"), text.encode("utf-8"))
                source = doc["source"] or doc["doc_id"]
                element = [
                    _tag(
                        "TextSource",
                        {
                            "guid": source_guid,
                            "name": doc["doc_id"] if source in shared_sources else source,
                            "plainTextPath": f"internal://{source_guid}.txt",
                            **stamp,
                        },
                    )
                ]
                if source in shared_sources:
                    described = f"{source}, document {doc['doc_id']}"
                    element.append(f"<Description>{_text(described)}</Description>")
                selections = []
                if by_units:
                    selections += _unit_selections(
                        doc["doc_id"], text, units, segments, result.units, shown, code_of, names, guid
                    )
                for e in by_doc.get(doc["doc_id"], ()):
                    code = exemplar_of[e.topic] if by_units else code_of[e.topic]
                    label = (
                        f"exemplar {e.rank} of {names[e.topic]}"
                        if by_units
                        else f"Topic {e.topic}, excerpt {e.rank}"
                    )
                    selections.append(
                        (
                            e.char_start,
                            e.char_end,
                            guid("selection", f"{e.topic}:{e.unit_id}:{e.char_start}"),
                            f"{label} ({e.participant_id})",
                            f"topic weight {e.weight:.3f}",
                            [(guid("coding", f"{e.topic}:{e.unit_id}"), code)],
                        )
                    )
                for start, end, sel_guid, name, memo, codings in sorted(
                    selections, key=lambda s: (s[0], s[1], s[3])
                ):
                    # Written as strings: GUIDs, numbers and the stamp need no escaping.
                    element.append(
                        f'<PlainTextSelection guid="{sel_guid}" name="{_attr(name)}" startPosition="{start}" '
                        f'endPosition="{end}"{stamp_xml}><Description>{_text(memo)}</Description>'
                    )
                    for coding_guid, code in codings:
                        element.append(
                            f'<Coding guid="{coding_guid}"{stamp_xml}><CodeRef targetGUID="{code}"/></Coding>'
                        )
                    element.append("</PlainTextSelection>")
                    n_selections += 1
                for a in attributes:
                    if doc[a] not in (None, ""):
                        element.append(_value_xml(variable_guids[a], doc[a]))
                element.append("</TextSource>")
                sources_xml.write("".join(element))
                person = doc["participant_id"] or doc["doc_id"]
                case = cases.setdefault(person, {"docs": [], "values": {a: [] for a in attributes}})
                case["docs"].append(source_guid)
                for a in attributes:
                    if doc[a] not in (None, "") and doc[a] not in case["values"][a]:
                        case["values"][a].append(doc[a])
                done += 1
            report(progress, "Writing REFI-QDA sources", done, total)
        sources_xml.seek(0)
        info = _zip_info("project.qde")
        with archive.open(info, "w") as raw:
            _write_project(raw, result, guid, user, created, attributes, cases, sources_xml, by_units, done)
    return n_selections


def _unit_selections(doc_id, text, units, segments, unit_themes, shown, code_of, names, guid) -> list[tuple]:
    """One selection per participant turn of each coded unit (clipped to the unit)."""
    out = []
    seg_rows = segments.of(doc_id)
    seg_no = segments.columns["seg"][seg_rows.start : seg_rows.stop]
    cols = units.columns
    for row in units.of(doc_id):
        unit = int(cols["unit_id"][row])
        codes = [(t, w) for t, w in unit_themes.codes(unit) if t in shown]
        if not codes:
            continue
        u_start, u_end = int(cols["char_start"][row]), int(cols["char_end"][row])
        lo, hi = np.searchsorted(seg_no, [cols["seg_start"][row], cols["seg_end"][row] + 1])
        memo = "; ".join(
            f"{'dominant' if i == 0 else 'also'}: {names[t]} (weight {w:.3f})"
            for i, (t, w) in enumerate(codes)
        )
        for s in range(seg_rows.start + lo, seg_rows.start + hi):
            start = max(u_start, int(segments.columns["char_start"][s]))
            end = min(u_end, int(segments.columns["char_end"][s]))
            start, end = _strip(text, start, end)
            if start >= end:
                continue
            key = f"{unit}:{start}"
            out.append(
                (
                    start,
                    end,
                    guid("unit-selection", key),
                    f"unit {unit}",
                    f"feedcare unit {unit}; {memo}",
                    [(guid("unit-coding", f"{key}:{t}"), code_of[t]) for t, _ in codes],
                )
            )
    return out


def _value_xml(variable_guid: str, value: str) -> str:
    return (
        f'<VariableValue><VariableRef targetGUID="{variable_guid}"/>'
        f"<TextValue>{_text(value)}</TextValue></VariableValue>"
    )


def _write_project(
    raw, result, guid, user, created, attributes, cases, sources_xml, by_units, n_docs
) -> None:
    def put(chunk: str) -> None:
        raw.write(chunk.encode("utf-8"))

    put(XML_DECLARATION)
    put(
        _start_tag(
            "Project",
            {
                "xmlns": PROJECT_NS,
                "name": f"feedcare themes — run {result.run_id} ({result.model})",
                "origin": f"feedcare {__version__}",
                "creatingUserGUID": user,
                "creationDateTime": created,
            },
        )
    )
    users = _element("Users")
    users.append(_element("User", {"guid": user, "name": "feedcare", "id": "feedcare"}))
    put(_xml(users))
    codebook = _element("CodeBook")
    codebook.append(_codes(result, guid, exemplars=by_units))
    put(_xml(codebook))
    if attributes:
        variables = _element("Variables")
        # Two variables per attribute: QualCoder keys attributes by name and shows a variable
        # either on files or on cases, so the source and the case variable need their own names.
        for a in attributes:
            variable = _element(
                "Variable", {"guid": guid("variable", a), "name": a, "typeOfVariable": "Text"}
            )
            variable.append(_element("Description", text="document attribute from feedcare ingest"))
            variables.append(variable)
        for a in attributes:
            variable = _element(
                "Variable",
                {"guid": guid("case-variable", a), "name": f"{a} (participant)", "typeOfVariable": "Text"},
            )
            variable.append(
                _element("Description", text=f"the participant's distinct values of {a}, joined by '; '")
            )
            variables.append(variable)
        put(_xml(variables))
    if cases:
        put("<Cases>")
        case_guids = {a: guid("case-variable", a) for a in attributes}
        for person, case in cases.items():
            element = [_tag("Case", {"guid": guid("case", person), "name": person})]
            for a in attributes:
                if case["values"][a]:
                    element.append(_value_xml(case_guids[a], "; ".join(case["values"][a])))
            for source_guid in case["docs"]:
                element.append(_tag("SourceRef", {"targetGUID": source_guid}, close=True))
            element.append("</Case>")
            put("".join(element))
        put("</Cases>")
    if n_docs:
        put("<Sources>")
        while chunk := sources_xml.read(1 << 20):
            put(chunk)
        put("</Sources>")
    what = (
        f"every unit's participant speech is coded with its dominant theme and any other theme of "
        f"weight ≥ {result.config.other_weight:g}; the chosen excerpts are coded under '{EXEMPLARS}'"
        if by_units
        else "each chosen excerpt is coded with its theme"
    )
    put(
        _xml(
            _element(
                "Description",
                text=f"Topics of model {result.model} from feedcare run {result.run_id}, "
                f"{result.n_units} units; {what}.",
            )
        )
    )
    put("</Project>\n")
