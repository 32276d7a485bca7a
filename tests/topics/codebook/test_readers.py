"""Codebook readers: REFI-QDA .qdc and .qdpx, CSV and TOML; hierarchy, GUIDs, one-line errors."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from conftest import REFI_XSD, needs
from feedcare.corpus.base.errors import ConfigError
from feedcare.topics.codebook.readers import read_codebook

DATA = Path(__file__).parent / "data"


def test_a_hand_written_qdc_loads_with_its_hierarchy_and_guids():
    book = read_codebook(DATA / "patient-experience.qdc")
    assert book.format == "qdc" and book.origin == "hand-written test file"
    names = [c.name for c in book.codes]
    assert names == ["Staff", "Staff attitude", "Staffing levels", "Waiting"]
    staff, attitude, levels, waiting = book.codes
    assert staff.codable is False and attitude.codable is True
    assert attitude.parent == staff.guid == "0b4e7f3a-1c2d-4e5f-8a9b-0c1d2e3f4a5b"
    assert attitude.guid == "2c5f8a4b-2d3e-4f60-9bac-1d2e3f4a5b6c"  # braces dropped, digits kept
    assert levels.parent == staff.guid and waiting.parent is None
    assert attitude.description.startswith("Kindness") and attitude.color == "#F80"
    assert book.path_of(attitude) == "Staff > Staff attitude"
    assert len(book.sha256) == 64


def test_a_qdc_in_the_draft_namespace_with_sets_loads(tmp_path):
    # ATLAS.ti writes the pre-1.0 namespace "urn:QDA-XML:codebook:0:4" and code groups as <Sets>.
    path = tmp_path / "atlas.qdc"
    path.write_text(
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<CodeBook xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xsi:schemaLocation="urn:QDA-XML:codebook:0:4 Codebook.xsd" origin="ATLAS.ti Win 23.4.0" '
        'xmlns="urn:QDA-XML:codebook:0:4"><Codes>'
        '<Code guid="1FF58B12-6F6F-4B0C-8BE5-BBDC91F55294" name="Waiting" color="#46AA00" isCodable="true">'
        "<Description>Waiting for appointments</Description></Code>"
        '<Code guid="51191CEE-BF78-4E92-9DF8-3AE66721E038" name="Staff attitude" isCodable="true">'
        '<Code guid="14C4E248-F726-42CB-B1CD-A65D6A86F296" name="Kindness" isCodable="true"/></Code>'
        '</Codes><Sets><Set name="group" guid="ECA18D76-2B8B-4F26-BC1D-19ECA19FB3F0">'
        '<MemberCode guid="1FF58B12-6F6F-4B0C-8BE5-BBDC91F55294"/></Set></Sets></CodeBook>',
        encoding="utf-8",
    )
    book = read_codebook(path)
    assert [c.name for c in book.codes] == ["Waiting", "Staff attitude", "Kindness"]
    assert book.codes[2].parent == book.codes[1].guid and book.origin == "ATLAS.ti Win 23.4.0"


def _qdc(body: str) -> bytes:
    head = '<?xml version="1.0"?><CodeBook xmlns="urn:QDA-XML:codebook:1.0">'
    return f"{head}<Codes>{body}</Codes></CodeBook>".encode()


GUID = "5f8cbd7e-5061-4293-8edf-4a5b6c7d8e9f"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"<CodeBook", "not well-formed XML"),
        (b'<Project xmlns="urn:QDA-XML:project:1.0" name="x"/>', "root element <Project>"),
        (b'<CodeBook xmlns="urn:example:codes"><Codes/></CodeBook>', "namespace 'urn:example:codes'"),
        (b'<CodeBook xmlns="urn:QDA-XML:codebook:1.0"/>', "has no <Codes>"),
        (_qdc(f'<Code guid="{GUID}" isCodable="true"/>'), "Code[1] has no 'name'"),
        (_qdc('<Code guid="not-a-guid" name="A" isCodable="true"/>'), "guid 'not-a-guid' is not a GUID"),
        (_qdc(f'<Code guid="{GUID}" name="A" isCodable="yes"/>'), "isCodable 'yes'"),
        (_qdc(f'<Code guid="{GUID}" name="A" isCodable="true" color="red"/>'), "color 'red'"),
        (_qdc(f'<Code guid="{GUID}" name="A" isCodable="true"/>'
              f'<Code guid="{GUID}" name="B" isCodable="true"/>'), "used by two codes"),
        (_qdc(f'<Code guid="{GUID}" name="A" isCodable="true">'
              '<Code guid="x" name="B" isCodable="true"/></Code>'), "Code[1](A)/Code[1] guid 'x'"),
        (b'<!DOCTYPE x [<!ENTITY a "b">]><CodeBook/>', "DOCTYPE"),
    ],
)
def test_a_bad_qdc_is_one_line_naming_the_element(tmp_path, content, expected):
    path = tmp_path / "bad.qdc"
    path.write_bytes(content)
    with pytest.raises(ConfigError) as error:
        read_codebook(path)
    message = str(error.value)
    assert expected in message and str(path) in message and "\n" not in message


def test_the_codebook_of_a_qdpx_project_loads(tmp_path):
    project = (
        '<?xml version="1.0"?><Project xmlns="urn:QDA-XML:project:1.0" name="p" origin="NVivo">'
        f'<CodeBook><Codes><Code guid="{GUID}" name="Waiting" isCodable="true"/></Codes></CodeBook></Project>'
    )
    path = tmp_path / "p.qdpx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("project.qde", project)
    book = read_codebook(path)
    assert book.format == "qdpx" and book.origin == "NVivo" and [c.guid for c in book.codes] == [GUID]
    (tmp_path / "broken.qdpx").write_bytes(b"not a zip")
    with pytest.raises(ConfigError, match="not a zip file"):
        read_codebook(tmp_path / "broken.qdpx")


def test_csv_and_toml_codebooks_keep_parents_seeds_and_stable_guids(tmp_path):
    csv_path = tmp_path / "codes.csv"
    csv_path.write_text(
        "code,description,parent,seeds\n"
        "Waiting,Waiting times,Access,wait; queue\n"
        "Access,Getting care,,\n", encoding="utf-8")
    book = read_codebook(csv_path)
    assert [c.name for c in book.codes] == ["Access", "Waiting"]  # parents first
    access, waiting = book.codes
    assert waiting.parent == access.guid and waiting.seeds == ("wait", "queue")
    assert read_codebook(csv_path).codes == book.codes  # GUIDs from names: the same every time
    toml_path = tmp_path / "codes.toml"
    toml_path.write_text(
        '[[code]]\nname = "Access"\n\n[[code]]\nname = "Waiting"\nparent = "Access"\nseeds = ["wait"]\n',
        encoding="utf-8")
    from_toml = read_codebook(toml_path)
    assert [c.guid for c in from_toml.codes] == [c.guid for c in book.codes]


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("c.csv", "name,description\nA,x\n", "no 'code' column"),
        ("c.csv", "code,parent\nA,Nope\n", "row 2 parent 'Nope'"),
        ("c.csv", "code\nA\nA\n", "appears twice"),
        ("c.csv", "code,parent\nA,B\nB,A\n", "its own ancestor"),
        ("c.toml", '[[code]]\nname = "A"\ncolour = "red"\n', "[[code]] 1 has unknown key 'colour'"),
        ("c.toml", '[[code]]\nname = "A"\nseeds = "wait"\n', "seeds must be a list"),
        ("c.toml", "[[code]\n", "not valid TOML"),
        ("c.txt", "A\n", "not a codebook format"),
        ("c.csv", "code\n", "has no codes"),
    ],
)
def test_bad_tables_are_one_line_errors(tmp_path, name, content, expected):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        read_codebook(path)
    assert expected in str(error.value) and "\n" not in str(error.value)


def test_a_missing_file_names_the_option(tmp_path):
    with pytest.raises(ConfigError, match="--codebook path"):
        read_codebook(tmp_path / "nope.qdc")


@needs(REFI_XSD)
def test_the_hand_written_qdc_follows_the_schemas_code_type():
    """The codebook schema is not available to the tests (docs/deductive.md); its Code element is the
    project schema's CodeType, so the hand-written file's codes are checked against that."""
    import xml.etree.ElementTree as ET

    import xmlschema

    tree = ET.parse(DATA / "patient-experience.qdc").getroot()
    project_ns = "urn:QDA-XML:project:1.0"
    for element in tree.iter():
        element.tag = element.tag.replace("urn:QDA-XML:codebook:1.0", project_ns)
    project = ET.Element(f"{{{project_ns}}}Project", {"name": "check"})
    book = ET.SubElement(project, f"{{{project_ns}}}CodeBook")
    book.append(tree.find(f"{{{project_ns}}}Codes"))
    xmlschema.XMLSchema(str(REFI_XSD)).validate(ET.tostring(project, encoding="unicode"))
