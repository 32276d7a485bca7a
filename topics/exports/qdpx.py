"""REFI-QDA exports: a ``.qdpx`` project and a ``.qdc`` codebook.

The project (a zip) holds ``project.qde`` (QDA-XML, namespace ``urn:QDA-XML:project:1.0``,
UTF-8 without BOM) and ``sources/<guid>.txt``: every document's plain text (documents.text).

- each document → a ``TextSource`` (``plainTextPath="internal://<guid>.txt"``);
- each participant → a ``Case`` with the document attributes as ``VariableValue``s and
  ``SourceRef``s to their documents;
- each topic shown → a ``Code`` named by its label (or its top terms), memo as ``Description``;
- each excerpt → a ``PlainTextSelection`` coded with its topic's code. Positions are character
  (code point) offsets into the exported text: ``text[startPosition:endPosition]`` is the excerpt.

XML 1.0 cannot carry most control characters, even escaped. They are replaced by a space in the
exported sources and in every XML string, one character for one, so offsets do not shift.
GUIDs are uuid5 of the run id and the object, and timestamps come from the run, so the same
run exports byte-identical files.
"""

from __future__ import annotations

import re
import uuid
import xml.etree.ElementTree as ET
import zipfile
from datetime import datetime
from pathlib import Path

from feedcare import __version__
from feedcare.corpus import open_corpus
from feedcare.corpus.base.atomic import atomic_path
from feedcare.corpus.base.progress import ProgressCallback, report
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
    def __init__(self, run_id: str) -> None:
        self.base = uuid.uuid5(uuid.NAMESPACE_URL, f"feedcare:run:{run_id}")

    def __call__(self, kind: str, key: object) -> str:
        return str(uuid.uuid5(self.base, f"{kind}:{key}"))


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


def _code_description(result: ThemesResult, theme: Theme) -> str:
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
        + f"{100 * p.unit_share:.1f}% of units, {100 * p.word_share:.1f}% of words"
        + ("." if result.single_turn else f", spread {p.spread} participants.")
    )
    return f"{theme.memo}\n\n{facts}" if theme.memo else facts


def _codes(result: ThemesResult, guid: _Guids) -> ET.Element:
    codes = _element("Codes")
    for theme in sorted(result.themes, key=lambda t: t.topic):
        code = _element(
            "Code",
            {
                "guid": guid("code", f"{result.model}:{theme.topic}"),
                "name": code_name(theme),
                "isCodable": "true",
                "color": PALETTE[theme.topic % len(PALETTE)].upper(),
            },
        )
        code.append(_element("Description", text=_code_description(result, theme)))
        codes.append(code)
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


def write_qdpx(result: ThemesResult, path: Path, progress: ProgressCallback | None = None) -> int:
    """Write the .qdpx project for ``result``; returns the number of coded selections."""
    corpus = open_corpus(result.corpus_path)
    attributes = corpus.attribute_columns
    guid = _Guids(result.run_id)
    created = _timestamp(result.created)
    user = guid("user", "feedcare")
    stamp = {"creatingUser": user, "creationDateTime": created}
    code_of = {t.topic: guid("code", f"{result.model}:{t.topic}") for t in result.themes}
    by_doc: dict[str, list] = {}
    for theme in result.themes:
        for e in theme.excerpts:
            by_doc.setdefault(e.doc_id, []).append(e)

    sources = _element("Sources")
    cases: dict[str, dict] = {}  # participant → {"docs": [...], "values": {attribute: [values]}}
    n_selections = 0
    total = corpus.manifest.counts.documents
    with atomic_path(Path(path)) as tmp, zipfile.ZipFile(tmp, "w") as archive:
        done = 0
        columns = ["doc_id", "source", "participant_id", *attributes, "text"]
        for batch in corpus.iter_documents(columns, batch_size=256):
            for doc in batch.to_pylist():
                source_guid = guid("source", doc["doc_id"])
                text = xml_safe(doc["text"])
                archive.writestr(_zip_info(f"sources/{source_guid}.txt"), text.encode("utf-8"))
                element = _element(
                    "TextSource",
                    {
                        "guid": source_guid,
                        "name": doc["source"] or doc["doc_id"],
                        "plainTextPath": f"internal://{source_guid}.txt",
                        **stamp,
                    },
                )
                for e in sorted(by_doc.get(doc["doc_id"], ()), key=lambda e: (e.char_start, e.topic)):
                    selection = _element(
                        "PlainTextSelection",
                        {
                            "guid": guid("selection", f"{e.topic}:{e.unit_id}:{e.char_start}"),
                            "name": f"Topic {e.topic}, excerpt {e.rank} ({e.participant_id})",
                            "startPosition": str(e.char_start),
                            "endPosition": str(e.char_end),
                            **stamp,
                        },
                    )
                    selection.append(_element("Description", text=f"topic weight {e.weight:.3f}"))
                    coding = _element("Coding", {"guid": guid("coding", f"{e.topic}:{e.unit_id}"), **stamp})
                    coding.append(_element("CodeRef", {"targetGUID": code_of[e.topic]}))
                    selection.append(coding)
                    element.append(selection)
                    n_selections += 1
                sources.append(element)
                person = doc["participant_id"] or doc["doc_id"]
                case = cases.setdefault(person, {"docs": [], "values": {a: [] for a in attributes}})
                case["docs"].append(source_guid)
                for a in attributes:
                    if doc[a] not in (None, "") and doc[a] not in case["values"][a]:
                        case["values"][a].append(doc[a])
                done += 1
            report(progress, "Writing REFI-QDA sources", done, total)
        root = _project(result, guid, user, created, attributes, cases, sources)
        xml = XML_DECLARATION + ET.tostring(root, encoding="unicode") + "\n"
        archive.writestr(_zip_info("project.qde"), xml.encode("utf-8"))
    return n_selections


def _project(result, guid, user, created, attributes, cases, sources) -> ET.Element:
    root = _element(
        "Project",
        {
            "xmlns": PROJECT_NS,
            "name": f"feedcare themes — run {result.run_id} ({result.model})",
            "origin": f"feedcare {__version__}",
            "creatingUserGUID": user,
            "creationDateTime": created,
        },
    )
    users = _element("Users")
    users.append(_element("User", {"guid": user, "name": "feedcare", "id": "feedcare"}))
    root.append(users)
    codebook = _element("CodeBook")
    codebook.append(_codes(result, guid))
    root.append(codebook)
    variable_guid = {a: guid("variable", a) for a in attributes}
    if attributes:
        variables = _element("Variables")
        for a in attributes:
            variable = _element("Variable", {"guid": variable_guid[a], "name": a, "typeOfVariable": "Text"})
            variable.append(_element("Description", text="document attribute from feedcare ingest"))
            variables.append(variable)
        root.append(variables)
    if cases:
        case_list = _element("Cases")
        for person, case in cases.items():
            element = _element("Case", {"guid": guid("case", person), "name": person})
            for a in attributes:
                if case["values"][a]:
                    value = _element("VariableValue")
                    value.append(_element("VariableRef", {"targetGUID": variable_guid[a]}))
                    value.append(_element("TextValue", text="; ".join(case["values"][a])))
                    element.append(value)
            for source_guid in case["docs"]:
                element.append(_element("SourceRef", {"targetGUID": source_guid}))
            case_list.append(element)
        root.append(case_list)
    if len(sources):
        root.append(sources)
    root.append(
        _element(
            "Description",
            text=f"Topics of model {result.model} from feedcare run {result.run_id}, "
            f"{result.n_units} units; each excerpt is coded with its topic.",
        )
    )
    return root
