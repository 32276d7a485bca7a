"""`feedcare themes --format qdpx` and `--codebook`: REFI-QDA exports that QDA tools can open."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
import zipfile

import pytest
from conftest import REFI_XSD, needs
from feedcare.corpus import open_corpus
from themes_fixtures import RUN_ID, build_project

NS = {"q": "urn:QDA-XML:project:1.0"}
GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
# Characters XML cannot carry (even escaped), an entity-looking ampersand, a tag and a CDATA end.
NASTY = "The nurse & staff were <kind> ]]> caring\x01 and\x0b kind\x1f, \ufffe the nurse listened &amp;"


@pytest.fixture
def project(tmp_path):
    return build_project(
        tmp_path,
        extra_docs={"nasty": [("Interviewer", "interviewer", "Hi & <hello>"), ("N1", "participant", NASTY)]},
        extra_attributes={"nasty": {"platform": "web & <app> ]]>\x02"}},
    )


@pytest.fixture
def schema():
    import xmlschema

    return xmlschema.XMLSchema(str(REFI_XSD))


def export(invoke, project, tmp_path, *args):
    out = tmp_path / "project.qdpx"
    result = invoke("themes", "latest", "--corpus", project.corpus, "--out", out, *args)
    assert result.exit_code == 0, result.output
    return out, result


def read(out):
    archive = zipfile.ZipFile(out)
    raw = archive.read("project.qde")
    return archive, raw, ET.fromstring(raw)


@needs(REFI_XSD)
def test_project_validates_against_the_refi_qda_schema(invoke, project, tmp_path, schema):
    out, result = export(invoke, project, tmp_path, "--excerpts", "40")
    assert "coded excerpts" in result.stderr
    _, raw, _ = read(out)
    schema.validate(raw.decode("utf-8"))


@needs(REFI_XSD)
def test_codebook_only(invoke, project, tmp_path, schema):
    labels = tmp_path / "themes.toml"
    labels.write_text(
        f'[run]\nid = "{RUN_ID}"\n[topics]\n'
        '1 = { name = "Kind & <caring> staff", memo = "Memo ]]> here" }\n',
        encoding="utf-8",
    )
    out = tmp_path / "codes.qdc"
    result = invoke(
        "themes", "latest", "--corpus", project.corpus, "--codebook", "--out", out, "--labels", labels
    )
    assert result.exit_code == 0, result.output
    raw = out.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    root = ET.fromstring(raw)
    assert root.tag == "{urn:QDA-XML:codebook:1.0}CodeBook"
    codes = root.findall("{urn:QDA-XML:codebook:1.0}Codes/{urn:QDA-XML:codebook:1.0}Code")
    assert len(codes) == 3
    assert "Kind & <caring> staff" in [c.get("name") for c in codes]
    # The codebook's Codes have the project schema's CodeBook type: validate them inside a project.
    inner = (
        raw.decode("utf-8").split("?>", 1)[1].replace("urn:QDA-XML:codebook:1.0", "urn:QDA-XML:project:1.0")
    )
    inner = inner.replace("<CodeBook ", '<Project xmlns="urn:QDA-XML:project:1.0" name="x"><CodeBook ', 1)
    inner = re.sub(r'<CodeBook xmlns="[^"]*" origin="[^"]*">', "<CodeBook>", inner).replace(
        "</CodeBook>", "</CodeBook></Project>"
    )
    schema.validate(inner)


def test_selection_offsets_cut_the_excerpt_from_the_exported_source(invoke, project, tmp_path):
    out, _ = export(invoke, project, tmp_path, "--excerpts", "40")
    excerpts = json.loads(
        invoke("themes", "latest", "--corpus", project.corpus, "--json", "--excerpts", "40").stdout
    )["excerpts"]
    archive, _, root = read(out)
    codes = {c.get("guid"): c.get("name") for c in root.iterfind(".//q:CodeBook/q:Codes/q:Code", NS)}
    names = set(archive.namelist())
    cut = []
    for source in root.iterfind("q:Sources/q:TextSource", NS):
        path = source.get("plainTextPath")
        assert path == f"internal://{source.get('guid')}.txt"
        member = f"sources/{source.get('guid')}.txt"
        assert member in names
        data = archive.read(member)
        assert not data.startswith(b"\xef\xbb\xbf")
        text = data.decode("utf-8")
        for selection in source.iterfind("q:PlainTextSelection", NS):
            start, end = int(selection.get("startPosition")), int(selection.get("endPosition"))
            code = selection.find("q:Coding/q:CodeRef", NS).get("targetGUID")
            assert code in codes
            cut.append((source.get("name"), start, end, text[start:end]))
    assert len(cut) == len(excerpts) > 3 * 10
    expected = sorted(
        (
            e["source"],
            e["char_start"],
            e["char_end"],
            re.sub("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]", " ", e["text"]),
        )
        for e in excerpts
    )
    assert sorted(cut) == expected
    nasty = [c for c in cut if c[0] == "nasty.txt"]
    assert nasty and any("& staff were <kind> ]]> caring" in c[3] for c in nasty)


def test_sources_hold_every_document_with_illegal_characters_replaced(invoke, project, tmp_path):
    out, _ = export(invoke, project, tmp_path)
    archive, raw, root = read(out)
    assert all(n == "project.qde" or n.startswith("sources/") for n in archive.namelist())
    assert not any(
        n.lower().startswith("sources/") and not n.startswith("sources/") for n in archive.namelist()
    )
    assert not raw.startswith(b"\xef\xbb\xbf") and raw.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    documents = open_corpus(project.corpus).documents(columns=["doc_id", "source", "text"]).to_pylist()
    by_name = {s.get("name"): s.get("guid") for s in root.iterfind("q:Sources/q:TextSource", NS)}
    assert len(by_name) == len(documents)
    for doc in documents:
        text = archive.read(f"sources/{by_name[doc['source']]}.txt").decode("utf-8")
        assert len(text) == len(doc["text"])
        if doc["doc_id"] == "nasty":
            assert "\x01" not in text and "\x0b" not in text and "\ufffe" not in text
            assert "The nurse & staff were <kind> ]]> caring  and  kind , " in text
        else:
            assert text == doc["text"]


def test_participants_are_cases_with_attribute_variables(invoke, project, tmp_path):
    out, _ = export(invoke, project, tmp_path)
    _, _, root = read(out)
    variables = {v.get("guid"): v.get("name") for v in root.iterfind("q:Variables/q:Variable", NS)}
    assert sorted(variables.values()) == ["age_band", "platform"]
    assert all(v.get("typeOfVariable") == "Text" for v in root.iterfind("q:Variables/q:Variable", NS))
    sources = {s.get("guid") for s in root.iterfind("q:Sources/q:TextSource", NS)}
    cases = {c.get("name"): c for c in root.iterfind("q:Cases/q:Case", NS)}
    assert {"P01", "P05", "nasty"} <= set(cases)

    def values(case):
        return {
            variables[v.find("q:VariableRef", NS).get("targetGUID")]: v.find("q:TextValue", NS).text
            for v in case.iterfind("q:VariableValue", NS)
        }

    assert values(cases["P01"]) == {"platform": "web", "age_band": "18-34"}
    assert values(cases["nasty"])["platform"] == "web & <app> ]]> "
    assert "platform" not in values(cases["P09"])  # missing value: no VariableValue
    for case in cases.values():
        refs = [r.get("targetGUID") for r in case.iterfind("q:SourceRef", NS)]
        assert refs and set(refs) <= sources


def test_topics_are_codes_named_by_label_with_memo(invoke, project, tmp_path):
    labels = tmp_path / "themes.toml"
    labels.write_text(
        f'[run]\nid = "{RUN_ID}"\n[topics]\n0 = {{ name = "Waiting", memo = "Delays & queues" }}\n',
        encoding="utf-8",
    )
    out, _ = export(invoke, project, tmp_path, "--labels", labels)
    _, _, root = read(out)
    codes = {c.get("name"): c for c in root.iterfind("q:CodeBook/q:Codes/q:Code", NS)}
    assert set(codes) == {
        "Waiting",
        "Topic 1: nurse, kind, caring, friendly",
        "Topic 2: ward, food, meal, clean",
    }
    assert codes["Waiting"].find("q:Description", NS).text.startswith("Delays & queues\n\nfeedcare run run-a")
    assert all(c.get("isCodable") == "true" for c in codes.values())


def test_guids_are_valid_unique_and_the_export_is_reproducible(invoke, project, tmp_path):
    out, _ = export(invoke, project, tmp_path)
    first = out.read_bytes()
    _, _, root = read(out)
    guids = [e.get("guid") for e in root.iter() if e.get("guid") is not None]
    assert guids and all(GUID.match(g) for g in guids)
    assert len(guids) == len(set(guids))
    refs = [e.get("targetGUID") for e in root.iter() if e.get("targetGUID") is not None]
    assert set(refs) <= set(guids)
    out.unlink()
    again, _ = export(invoke, project, tmp_path)
    assert again.read_bytes() == first
