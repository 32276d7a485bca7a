"""Acceptance on real data: the 272 OSCE doctor–patient interviews (CC BY 4.0)."""

from __future__ import annotations

import json
import shutil

import pyarrow.compute as pc
import pytest
from conftest import OSCE, needs
from feedcare.corpus import open_corpus

pytestmark = needs(OSCE)


@pytest.fixture(scope="module")
def osce(tmp_path_factory):
    """A private copy of the transcripts (never write into ../shared) and its corpus."""
    from feedcare.cli import app
    from typer.testing import CliRunner

    root = tmp_path_factory.mktemp("osce")
    sources = root / "transcripts"
    shutil.copytree(OSCE, sources)
    result = CliRunner().invoke(app, ["ingest", str(sources), "--corpus", str(root / "corpus"), "--json"])
    assert result.exit_code == 0, result.output
    return sources, root / "corpus", json.loads(result.stdout)


def test_every_interview_is_read_with_doctor_and_patient_roles(osce):
    _sources, corpus_dir, report = osce
    assert (report["documents"], report["files_new"], report["skipped"]) == (272, 272, [])
    assert {(s["speaker"], s["role"]) for s in report["speakers"]} == {
        ("D", "interviewer"),
        ("P", "participant"),
    }
    corpus = open_corpus(corpus_dir)
    segments = corpus.segments(columns=["doc_id", "speaker", "role"])
    pairs = segments.group_by(["doc_id", "speaker", "role"]).aggregate([]).to_pylist()
    per_doc: dict[str, set] = {}
    for row in pairs:
        per_doc.setdefault(row["doc_id"], set()).add((row["speaker"], row["role"]))
    assert len(per_doc) == 272
    assert all(roles == {("D", "interviewer"), ("P", "participant")} for roles in per_doc.values())


def test_the_two_utf16_files_are_decoded(osce):
    _sources, corpus_dir, _report = osce
    corpus = open_corpus(corpus_dir)
    docs = corpus.documents(filters=[("doc_id", "in", ["RES0002", "RES0054", "RES0001"])]).to_pylist()
    by_id = {d["doc_id"]: d for d in docs}
    assert by_id["RES0002"]["encoding"] == by_id["RES0054"]["encoding"] == "utf-16-le"
    assert by_id["RES0001"]["encoding"] == "utf-8"
    for doc_id in ("RES0002", "RES0054"):
        text = by_id[doc_id]["text"]
        assert text.startswith("D:") and "\x00" not in text and "\ufeff" not in text and "\r" not in text
        turns = corpus.segments(filters=[("doc_id", "==", doc_id)])
        assert turns.num_rows > 10 and pc.min(turns["n_words"]).as_py() >= 1


def test_rerun_is_a_no_op_and_a_modified_file_is_the_only_one_read(osce, invoke):
    sources, corpus_dir, _report = osce
    mtimes = {p.name: p.stat().st_mtime_ns for p in corpus_dir.glob("*.parquet")}
    again = json.loads(invoke("ingest", sources, "--corpus", corpus_dir, "--json").stdout)
    assert (again["status"], again["files_unchanged"], again["unchanged"]) == ("up to date", 272, 272)
    assert {p.name: p.stat().st_mtime_ns for p in corpus_dir.glob("*.parquet")} == mtimes
    target = sources / "GAS0001.txt"
    original = target.read_bytes()
    try:
        target.write_bytes(original + b"\nD: Anything else before we finish?\n\nP: No, thank you.\n")
        changed = json.loads(invoke("ingest", sources, "--corpus", corpus_dir, "--json").stdout)
        assert (changed["files_changed"], changed["files_unchanged"]) == (1, 271)
        assert (changed["changed"], changed["unchanged"], changed["added"], changed["removed"]) == (
            1,
            271,
            0,
            0,
        )
        last = open_corpus(corpus_dir).segments(filters=[("doc_id", "==", "GAS0001")]).to_pylist()[-1]
        assert (last["speaker"], last["role"], last["text"]) == ("P", "participant", "No, thank you.")
    finally:
        target.write_bytes(original)
