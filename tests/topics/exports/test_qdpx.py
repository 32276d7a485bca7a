"""`feedcare themes --format qdpx` and `--codebook`: REFI-QDA exports that QDA tools can open."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
import zipfile

import pytest
from conftest import NHS_CSV, REFI_XSD, needs
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


@pytest.mark.parametrize("coding", ["excerpts", "units"])
def test_selection_offsets_cut_the_excerpt_from_the_exported_source(invoke, project, tmp_path, coding):
    out, _ = export(invoke, project, tmp_path, "--excerpts", "40", "--qdpx-coding", coding)
    excerpts = json.loads(
        invoke("themes", "latest", "--corpus", project.corpus, "--json", "--excerpts", "40").stdout
    )["excerpts"]
    archive, _, root = read(out)
    codes = {c.get("guid"): c.get("name") for c in root.iter(f"{{{NS['q']}}}Code")}
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
            if coding == "excerpts" or codes[code].startswith("exemplar: "):
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
    # QualCoder keys attributes by name and shows each on files or on cases: one variable each.
    assert sorted(variables.values()) == [
        "age_band",
        "age_band (participant)",
        "platform",
        "platform (participant)",
    ]
    assert all(v.get("typeOfVariable") == "Text" for v in root.iterfind("q:Variables/q:Variable", NS))
    sources = {s.get("guid") for s in root.iterfind("q:Sources/q:TextSource", NS)}
    cases = {c.get("name"): c for c in root.iterfind("q:Cases/q:Case", NS)}
    assert {"P01", "P05", "nasty"} <= set(cases)

    def values(case):
        return {
            variables[v.find("q:VariableRef", NS).get("targetGUID")]: v.find("q:TextValue", NS).text
            for v in case.iterfind("q:VariableValue", NS)
        }

    assert values(cases["P01"]) == {"platform (participant)": "web", "age_band (participant)": "18-34"}
    assert values(cases["nasty"])["platform (participant)"] == "web & <app> ]]> "
    assert "platform (participant)" not in values(cases["P09"])  # missing value: no VariableValue
    # ... and on the sources, where QualCoder and NVivo show document attributes.
    on_sources = {s.get("name"): values(s) for s in root.iterfind("q:Sources/q:TextSource", NS)}
    assert on_sources["int01.txt"] == {"platform": "web", "age_band": "18-34"}
    assert on_sources["nasty.txt"]["platform"] == "web & <app> ]]> "
    assert "platform" not in on_sources["int09.txt"]
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
    themes = {"Waiting", "Topic 1: nurse, kind, caring, friendly", "Topic 2: ward, food, meal, clean"}
    assert set(codes) == themes | {"feedcare exemplars"}
    assert codes.pop("feedcare exemplars").get("isCodable") == "false"
    children = root.iterfind("q:CodeBook/q:Codes/q:Code/q:Code", NS)
    assert {c.get("name") for c in children} == {f"exemplar: {name}" for name in themes}
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


# --- acceptance: the whole analysis is coded, on the demo and on an FFT-sized corpus ------------


def check_codes_the_analysis(corpus_dir, run_dir, out, schema):
    """Every unit with a dominant theme is coded with it over exactly its participant speech."""
    import numpy as np
    import pyarrow.parquet as pq

    corpus = open_corpus(corpus_dir)
    run = json.loads((run_dir / "run.json").read_text(encoding="utf-8"))
    archive, raw, root = read(out)
    schema.validate(raw.decode("utf-8"))
    codes = {c.get("guid"): c.get("name") for c in root.iter(f"{{{NS['q']}}}Code")}
    variables = {v.get("guid"): v.get("name") for v in root.iterfind("q:Variables/q:Variable", NS)}
    documents = corpus.documents().to_pylist()
    attributes = corpus.attribute_columns
    per_source = {}
    for d in documents:
        per_source[d["source"]] = per_source.get(d["source"], 0) + 1
    name_of = {d["doc_id"]: d["doc_id"] if per_source[d["source"]] > 1 else d["source"] for d in documents}
    doc_of_name = {v: k for k, v in name_of.items()}
    assert len(doc_of_name) == len(documents)  # names are unique: no "comments.csv" 60 times
    by_doc = {d["doc_id"]: d for d in documents}
    coded: dict[tuple[str, int, int], set[str]] = {}
    for source in root.iterfind("q:Sources/q:TextSource", NS):
        doc = by_doc[doc_of_name[source.get("name")]]
        text = archive.read(f"sources/{source.get('guid')}.txt").decode("utf-8")
        assert len(text) == len(doc["text"])
        values = {
            variables[v.find("q:VariableRef", NS).get("targetGUID")]: v.find("q:TextValue", NS).text
            for v in source.iterfind("q:VariableValue", NS)
        }
        assert values == {a: doc[a] for a in attributes if doc[a] not in (None, "")}
        for selection in source.iterfind("q:PlainTextSelection", NS):
            start, end = int(selection.get("startPosition")), int(selection.get("endPosition"))
            names = {codes[c.get("targetGUID")] for c in selection.iterfind("q:Coding/q:CodeRef", NS)}
            coded.setdefault((doc["doc_id"], start, end), set()).update(names)
    # The expected selections, computed here from the corpus and the run's doc_topics.
    table = pq.read_table(run_dir / "doc_topics.parquet", filters=[("model", "=", run["chosen_model"])])
    unit_ids = table["unit_id"].to_numpy()
    topics = table["topic"].to_numpy()
    weights = table["weight"].to_numpy()
    order = np.lexsort((topics, -weights, unit_ids))
    first = np.r_[True, unit_ids[order][1:] != unit_ids[order][:-1]]
    dominant = dict(zip(unit_ids[order][first].tolist(), topics[order][first].tolist(), strict=True))
    topic_names = {}
    for c in codes.values():
        match = re.match(r"Topic (\d+):", c)
        if match:
            topic_names[int(match.group(1))] = c
    segments = corpus.segments(columns=["doc_id", "seg", "role", "char_start", "char_end"]).to_pylist()
    turns = {}
    for s in segments:
        turns.setdefault(s["doc_id"], []).append(s)
    n_units = n_pieces = 0
    for unit in corpus.iter_tokens(["unit_id", "doc_id", "seg_start", "seg_end", "char_start", "char_end"]):
        for u in unit.to_pylist():
            if u["unit_id"] not in dominant:
                continue
            n_units += 1
            text = by_doc[u["doc_id"]]["text"]
            pieces = 0
            for s in turns[u["doc_id"]]:
                if not u["seg_start"] <= s["seg"] <= u["seg_end"] or s["role"] == "interviewer":
                    continue
                start, end = max(s["char_start"], u["char_start"]), min(s["char_end"], u["char_end"])
                piece = text[start:end]
                start += len(piece) - len(piece.lstrip())
                end -= len(piece) - len(piece.rstrip())
                if start >= end:
                    continue
                pieces += 1
                assert topic_names[dominant[u["unit_id"]]] in coded[(u["doc_id"], start, end)]
            assert pieces, f"unit {u['unit_id']} has no participant speech coded"
            n_pieces += pieces
    theme_codes = set(topic_names.values())
    n_coded = sum(1 for names in coded.values() if names & theme_codes)
    assert n_coded == n_pieces  # nothing else is coded with a theme: no interviewer text
    exemplars = [k for k, names in coded.items() if any(n.startswith("exemplar: ") for n in names)]
    assert exemplars
    return n_units, n_pieces


@pytest.mark.slow
@needs(REFI_XSD)
def test_the_demo_project_codes_every_unit(invoke, tmp_path, schema):
    from conftest import EXAMPLES

    corpus = tmp_path / "corpus"
    config = EXAMPLES / "feedcare.toml"
    ingest = invoke("ingest", EXAMPLES / "transcripts", "--corpus", corpus, "--config", config)
    assert ingest.exit_code in (0, 3), ingest.output
    assert invoke("tokens", "--corpus", corpus, "--config", config).exit_code == 0
    result = invoke(
        "topics", "--corpus", corpus, "--config", config, "--k", "5", "--seeds", "1", "--run-id", "demo"
    )
    assert result.exit_code == 0, result.output
    out = tmp_path / "demo.qdpx"
    result = invoke("themes", "demo", "--corpus", corpus, "--config", config, "--out", out)
    assert result.exit_code == 0, result.output
    n_units, _ = check_codes_the_analysis(corpus, corpus / "runs" / "demo", out, schema)
    assert n_units > 50


@pytest.mark.slow
@needs(REFI_XSD)
@needs(NHS_CSV)
def test_an_fft_sized_project_codes_every_comment(invoke, tmp_path, schema):
    corpus = tmp_path / "corpus"
    result = invoke(
        "ingest", NHS_CSV, "--corpus", corpus, "--text-column", "feedback", "--id-column", "row_index"
    )
    assert result.exit_code in (0, 3), result.output
    assert invoke("tokens", "--corpus", corpus).exit_code == 0
    result = invoke(
        "topics", "--corpus", corpus, "--k", "6", "--seeds", "1", "--passes", "1", "--run-id", "fft"
    )
    assert result.exit_code == 0, result.output
    out = tmp_path / "fft.qdpx"
    result = invoke("themes", "fft", "--corpus", corpus, "--out", out)
    assert result.exit_code == 0, result.output
    n_units, n_pieces = check_codes_the_analysis(corpus, corpus / "runs" / "fft", out, schema)
    assert n_units > 9000 and n_pieces == n_units  # a comment is one unit and one turn
