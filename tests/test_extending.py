"""docs/extending.md's promise: a reader or an export is one module plus one registry line.

The toy modules live in tests/toy_extensions.py; each test registers them through the public
``register_*`` functions, exactly as the docs show, and checks that the CLI lists them in --help
and uses them (the reader in ingest and in audit, the export by --format and by --out suffix).
"""

from __future__ import annotations

import json

import pytest
from feedcare.corpus import open_corpus
from feedcare.corpus.readers.registry import READERS, ReaderSpec, register_reader
from feedcare.topics.exports import EXPORTS, ExportSpec, register_export
from themes_fixtures import build_project

CHAT = (
    "Chat log, ward 4 (fictional)\n"
    "Interviewer> How was the night on the ward?\n"
    "P07> Noisy. The nurse was kind though, she listened.\n"
    "Interviewer> Anything else?\n"
    "P07> The food was cold again.\n"
)


@pytest.fixture
def toy_reader():
    saved = dict(READERS)
    yield register_reader(ReaderSpec("chat", "transcript", "toy_extensions", "parse_chat", "chat log"))
    READERS.clear()
    READERS.update(saved)


@pytest.fixture
def toy_export():
    saved = dict(EXPORTS)
    yield register_export(ExportSpec("toy", "toy_extensions", "to_toy", (".toy",), "a toy summary"))
    EXPORTS.clear()
    EXPORTS.update(saved)


def test_a_registered_reader_is_listed_in_ingest_help(invoke, toy_reader):
    result = invoke("ingest", "--help", env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert ".txt .md .docx .vtt .srt .chat" in result.output  # the description and the example


def test_a_registered_reader_is_ingested_with_its_turns(invoke, toy_reader, tmp_path):
    source = tmp_path / "logs"
    source.mkdir()
    (source / "ward4.chat").write_text(CHAT, encoding="utf-8")
    (source / "ignored.log").write_text("P01> not a registered suffix\n", encoding="utf-8")
    result = invoke("ingest", source, "--corpus", tmp_path / "corpus")
    assert result.exit_code == 0, result.output

    corpus = open_corpus(tmp_path / "corpus")
    assert corpus.documents(["doc_id"]).column("doc_id").to_pylist() == ["ward4"]
    text = corpus.texts(["ward4"])["ward4"]
    turns = corpus.segments(["speaker", "role", "char_start", "char_end", "text"]).to_pylist()
    assert [(t["speaker"], t["role"]) for t in turns] == [
        ("Interviewer", "interviewer"),
        ("P07", "participant"),
        ("Interviewer", "interviewer"),
        ("P07", "participant"),
    ]
    assert turns[1]["text"] == "Noisy. The nurse was kind though, she listened."
    assert all(text[t["char_start"] : t["char_end"]] == t["text"] for t in turns)


def test_a_registered_reader_is_audited_too(invoke, toy_reader, tmp_path):
    source = tmp_path / "logs"
    source.mkdir()
    (source / "ward4.chat").write_text(CHAT + "P07> Ring me on 07700 900123.\n", encoding="utf-8")
    result = invoke("audit", source, "--json")
    assert result.exit_code == 1  # findings
    data = json.loads(result.stdout)
    assert (data["documents"], data["turns"]) == (1, 5)
    assert [(f["speaker"], f["kind"]) for f in data["findings"]] == [("P07", "phone")]


def test_without_registration_the_suffix_is_not_read(invoke, tmp_path):
    source = tmp_path / "logs"
    source.mkdir()
    (source / "ward4.chat").write_text(CHAT, encoding="utf-8")
    result = invoke("ingest", source, "--corpus", tmp_path / "corpus")
    assert result.exit_code != 0
    assert ".chat" not in invoke("ingest", "--help", env={"COLUMNS": "200"}).output


def test_a_registered_export_is_listed_in_themes_help(invoke, toy_export):
    result = invoke("themes", "--help", env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert "<table|csv|md|json|html|qdpx|toy>" in result.output
    assert "toy    .toy" in result.output and "a toy summary" in result.output


def test_a_registered_export_writes_from_a_real_run(invoke, toy_export, tmp_path):
    project = build_project(tmp_path)
    out = tmp_path / "summary.toy"
    result = invoke("themes", "latest", "--corpus", project.corpus, "--out", out)  # chosen by suffix
    assert result.exit_code == 0, result.output
    assert f"Wrote {out} (toy, 3 topics)" in result.stderr
    lines = out.read_text(encoding="utf-8").splitlines()
    assert sorted(line.split("\t")[0] for line in lines) == ["0", "1", "2"]
    assert all(line.split("\t")[2].startswith("P") for line in lines)

    printed = invoke("themes", "latest", "--corpus", project.corpus, "--format", "toy")
    assert printed.exit_code == 0
    assert printed.stdout == out.read_text(encoding="utf-8")


def test_an_unregistered_format_is_refused_with_the_registered_names(invoke, tmp_path):
    result = invoke("themes", "latest", "--corpus", tmp_path, "--format", "toy", env={"COLUMNS": "200"})
    assert result.exit_code == 2
    assert "'toy' is not one of 'table', 'csv', 'md', 'json', 'html', 'qdpx'" in result.output
