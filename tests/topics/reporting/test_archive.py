"""feedcare archive: deterministic, no text of any document, and reproducible with the inputs."""

from __future__ import annotations

import io
import re
import zipfile

import pyarrow as pa
import pyarrow.parquet as pq
from feedcare.corpus import open_corpus
from feedcare.topics.reporting.methods import methods_statement
from feedcare.topics.reporting.record import load_record


def _strings(name: str, data: bytes) -> str:
    """Everything a reader of the file sees: raw bytes, and every string cell of a Parquet file."""
    text = data.decode("utf-8", "replace")
    if name.endswith(".parquet"):
        table = pq.read_table(io.BytesIO(data))
        for column in table.columns:
            if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
                text += "\n".join(v for v in column.to_pylist() if v)
    return text


def test_archive_holds_no_text_and_is_deterministic(project, tmp_path, invoke):
    sources, corpus, _, run = project
    first, second = tmp_path / "a.zip", tmp_path / "b.zip"
    for out in (first, second):
        result = invoke("archive", run, "--corpus", corpus, "--out", out)
        assert result.exit_code == 0, result.output
    assert first.read_bytes() == second.read_bytes()
    with zipfile.ZipFile(first) as bundle:
        contents = {name: _strings(name, bundle.read(name)) for name in bundle.namelist()}
    assert {
        "manifest.json",
        "tokens.json",
        "vocabulary.parquet",
        "run/run.json",
        "run/topics.parquet",
        "methods.md",
        "README.md",
        "packages.json",
    } <= set(contents)
    assert not {"documents.parquet", "segments.parquet", "tokens.parquet"} & set(contents)
    segments = open_corpus(corpus).segments(columns=["text"])["text"].to_pylist()
    sentences = {
        s.strip() for text in segments for s in re.split(r"(?<=[.?!])\s+", text) if len(s.split()) >= 4
    }
    assert len(sentences) > 50
    leaks = [(s, name) for s in sentences for name, text in contents.items() if s in text]
    assert not leaks, leaks[:3]


def test_with_text_adds_the_text(project, tmp_path, invoke):
    _, corpus, _, run = project
    out = tmp_path / "t.zip"
    assert invoke("archive", run, "--corpus", corpus, "--out", out, "--with-text").exit_code == 0
    assert {"documents.parquet", "segments.parquet", "tokens.parquet"} <= set(zipfile.ZipFile(out).namelist())


def test_reproduce_from_the_archive_and_the_inputs(project, tmp_path, invoke):
    sources, corpus, _, run = project
    bundle = tmp_path / "bundle.zip"
    invoke("archive", run, "--corpus", corpus, "--out", bundle)
    result = invoke("reproduce", bundle, "--inputs", sources, "--corpus", tmp_path / "nowhere")
    assert result.exit_code == 0, result.output
    assert "Identical" in result.stdout
    # and the statement read from the archive is the run's own, byte for byte
    assert methods_statement(load_record(bundle, scratch=tmp_path / "x")) == methods_statement(
        load_record(run, corpus)
    )
