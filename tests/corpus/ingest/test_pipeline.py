"""`feedcare ingest` on transcript folders: formats, roles, ids, metadata, re-runs, bad input, safety."""

from __future__ import annotations

import importlib
import json
import multiprocessing
import os
import shutil

import pyarrow.parquet as pq
import pytest
from feedcare.corpus import IngestConfig, ingest, open_corpus
from feedcare.corpus.store.lock import corpus_lock

INTERVIEW = "Interviewer: How did you find the ward?\nP01: Honestly, um, it was fine.\nThe staff were kind.\n"


def write(path, text, encoding="utf-8"):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))
    return path


def make_docx(path, paragraphs):
    import docx

    document = docx.Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    path.parent.mkdir(parents=True, exist_ok=True)
    document.save(path)
    return path


@pytest.fixture
def folder(tmp_path):
    """Three small interviews in three formats, one in a sub-folder."""
    root = tmp_path / "transcripts"
    write(root / "P01.txt", INTERVIEW)
    make_docx(root / "P02.docx", ["Interviewer: And you?", "P02: I wrote a review [NAME] read it."])
    write(
        root / "online" / "P03.vtt",
        "WEBVTT\n\n00:00:01.000 --> 00:00:04.000\n<v Interviewer>Why online?\n\n"
        "00:00:04.500 --> 00:00:09.000\n<v P03>It felt anonymous [laughs].\n",
    )
    return root


def parquet_mtimes(corpus):
    return {name: (corpus / name).stat().st_mtime_ns for name in ("documents.parquet", "segments.parquet")}


def as_json(result):
    assert result.stdout.strip(), result.output
    return json.loads(result.stdout)


def test_a_folder_of_mixed_formats_becomes_documents_and_turns(invoke, folder, tmp_path):
    result = invoke("ingest", folder, "--corpus", tmp_path / "c")
    assert result.exit_code == 0, result.output
    assert "Wrote corpus" in result.stderr
    corpus = open_corpus(tmp_path / "c")
    docs = corpus.documents().to_pylist()
    assert [d["doc_id"] for d in docs] == ["P01", "P02", "online/P03"]
    assert [d["source"] for d in docs] == ["P01.txt", "P02.docx", "online/P03.vtt"]
    assert [d["format"] for d in docs] == ["txt", "docx", "vtt"]
    assert [d["participant_id"] for d in docs] == ["P01", "P02", "P03"]
    segments = corpus.segments().to_pylist()
    texts = {d["doc_id"]: d["text"] for d in docs}
    for seg in segments:  # every turn is a verbatim slice of its document
        assert texts[seg["doc_id"]][seg["char_start"] : seg["char_end"]] == seg["text"]
    p01 = [s for s in segments if s["doc_id"] == "P01"]
    assert [(s["speaker"], s["role"]) for s in p01] == [
        ("Interviewer", "interviewer"),
        ("P01", "participant"),
    ]
    assert p01[1]["text"] == "Honestly, um, it was fine.\nThe staff were kind."
    assert docs[0]["n_words"] == sum(s["n_words"] for s in p01) == 6 + 9
    vtt = [s for s in segments if s["doc_id"] == "online/P03"]
    assert vtt[1]["start_s"] == 4.5 and vtt[1]["text"] == "It felt anonymous [laughs]."
    assert "[NAME]" in texts["P02"]


def test_json_summary_reports_counts_and_the_role_mapping(invoke, folder, tmp_path):
    data = as_json(invoke("ingest", folder, "--corpus", tmp_path / "c", "--json"))
    assert (data["documents"], data["added"], data["exit_code"], data["status"]) == (3, 3, 0, "written")
    assert data["files_new"] == 3 and data["participants"] == 3 and data["skipped"] == []
    mapping = {(s["speaker"], s["role"]): s["turns"] for s in data["speakers"]}
    assert mapping == {
        ("Interviewer", "interviewer"): 3,
        ("P01", "participant"): 1,
        ("P02", "participant"): 1,
        ("P03", "participant"): 1,
    }
    manifest = json.loads((tmp_path / "c" / "manifest.json").read_text())
    entry = manifest["sources"][(folder / "P01.txt").resolve().as_posix()]
    assert entry["doc_ids"] == ["P01"] and entry["format"] == "txt" and len(entry["sha256"]) == 64
    assert manifest["counts"] == {"documents": 3, "segments": 6, "words": data["words"]}


def test_interviewer_and_participant_labels_from_the_command_line(invoke, tmp_path):
    write(
        tmp_path / "t" / "g1.txt",
        "Moderator: Thoughts?\nAmir: Good.\nBeth: Bad.\nChris: Meh.\nAmir: Yes.\nBeth: No.\nChris: Eh.\n",
    )
    result = invoke(
        "ingest",
        tmp_path / "t",
        "--corpus",
        tmp_path / "c",
        "--interviewer",
        "Moderator",
        "--participant",
        "Beth",
        "--json",
    )
    roles = {s["speaker"]: s["role"] for s in as_json(result)["speakers"]}
    assert roles == {"Moderator": "interviewer", "Amir": "other", "Beth": "participant", "Chris": "other"}


def test_a_teams_docx_transcript_with_the_interviewer_named(invoke, tmp_path):
    """Teams' .docx export: "Name   m:ss" on a line, the words in the paragraphs below."""
    make_docx(tmp_path / "in" / "P07.docx", [
        "Sarah Jones   0:03", "Thanks for joining. How did you give feedback?",
        "Alex Green   0:09", "I filled in the form on the ward.", "It took two minutes.",
        "Sarah Jones   0:21", "Did anyone reply?",
        "Alex Green   0:25", "Not that I know of.",
    ])
    unnamed = invoke("ingest", tmp_path / "in", "--corpus", tmp_path / "c")
    assert unnamed.exit_code == 0  # names are not roles: the user is told how to give them
    assert "no turn has the participant role" in unnamed.stderr
    assert "(Alex Green, Sarah Jones) with --participant NAME / --interviewer NAME" in unnamed.stderr
    tokens = invoke("tokens", "--corpus", tmp_path / "c")
    assert "no turn has a modelled role (left out: 4 other)" in tokens.stderr
    result = invoke("ingest", tmp_path / "in", "--corpus", tmp_path / "c", "--interviewer", "Sarah Jones")
    assert result.exit_code == 0, result.output
    assert "participant role" not in result.stderr
    turns = open_corpus(tmp_path / "c").segments().to_pylist()
    assert [(t["speaker"], t["role"], t["start_s"]) for t in turns] == [
        ("Sarah Jones", "interviewer", 3.0), ("Alex Green", "participant", 9.0),
        ("Sarah Jones", "interviewer", 21.0), ("Alex Green", "participant", 25.0),
    ]
    assert turns[1]["text"] == "I filled in the form on the ward.\nIt took two minutes."


def test_a_label_given_both_roles_is_a_usage_error(invoke, folder, tmp_path):
    result = invoke(
        "ingest", folder, "--corpus", tmp_path / "c", "--interviewer", "Amir", "--participant", "Amir"
    )
    assert result.exit_code == 2
    assert "speaker label 'Amir' is given both as an interviewer and as a participant" in result.stderr
    assert not (tmp_path / "c").exists()


def test_labels_from_feedcare_toml_and_the_command_line_add_up(invoke, tmp_path, monkeypatch):
    write(tmp_path / "t" / "g1.txt", "Host: Thoughts?\nAmir: Good.\nGuide: More?\nAmir: Fine.\n")
    write(tmp_path / "feedcare.toml", '[ingest]\ninterviewers = ["Host"]\n')
    monkeypatch.chdir(tmp_path)
    data = as_json(invoke("ingest", "t", "--corpus", "c", "--interviewer", "Guide", "--json"))
    roles = {s["speaker"]: s["role"] for s in data["speakers"]}
    assert roles == {"Host": "interviewer", "Guide": "interviewer", "Amir": "participant"}


def test_bad_key_in_feedcare_toml_names_the_file(invoke, folder, tmp_path):
    config = write(tmp_path / "feedcare.toml", "[ingest]\ninterviewer = ['Host']\n")
    result = invoke("ingest", folder, "--corpus", tmp_path / "c", "--config", config)
    assert result.exit_code == 2
    assert f"{config}: unknown key 'interviewer' in [ingest]; allowed keys: interviewers" in result.stderr


def test_id_pattern_takes_the_first_group_and_reports_files_it_misses(invoke, tmp_path):
    for name in ("2023-05_P01_interview.txt", "2023-06_P02_interview.txt", "pilot.txt"):
        write(tmp_path / "t" / name, INTERVIEW)
    data = as_json(
        invoke("ingest", tmp_path / "t", "--corpus", tmp_path / "c", "--id-pattern", r"_(P\d+)_", "--json")
    )
    ids = open_corpus(tmp_path / "c").documents(columns=["doc_id", "participant_id"]).to_pylist()
    assert [(d["doc_id"], d["participant_id"]) for d in ids] == [
        ("2023-05_P01_interview", "P01"),
        ("2023-06_P02_interview", "P02"),
        ("pilot", "pilot"),
    ]
    assert data["id_pattern_unmatched"] == ["pilot"]


def test_a_bad_id_pattern_is_a_usage_error(invoke, folder, tmp_path):
    result = invoke("ingest", folder, "--corpus", tmp_path / "c", "--id-pattern", "(P\\d+")
    assert result.exit_code == 2
    assert "id_pattern (--id-pattern) '(P\\\\d+' is not a valid regular expression" in result.stderr


def test_rerun_with_nothing_changed_is_a_no_op(invoke, folder, tmp_path):
    corpus = tmp_path / "c"
    assert invoke("ingest", folder, "--corpus", corpus).exit_code == 0
    before = parquet_mtimes(corpus)
    manifest = (corpus / "manifest.json").read_bytes()
    result = invoke("ingest", folder, "--corpus", corpus)
    assert result.exit_code == 0
    assert "is up to date: nothing changed" in result.stderr
    assert parquet_mtimes(corpus) == before and (corpus / "manifest.json").read_bytes() == manifest


def test_touched_file_is_hashed_but_not_read_again(invoke, folder, tmp_path, monkeypatch):
    corpus = tmp_path / "c"
    invoke("ingest", folder, "--corpus", corpus)
    before = parquet_mtimes(corpus)
    stat = (folder / "P01.txt").stat()
    os.utime(folder / "P01.txt", ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))
    data = as_json(invoke("ingest", folder, "--corpus", corpus, "--json"))
    assert (data["files_rehashed"], data["files_unchanged"], data["status"]) == (1, 3, "up to date")
    assert parquet_mtimes(corpus) == before
    manifest = json.loads((corpus / "manifest.json").read_text())
    entry = manifest["sources"][(folder / "P01.txt").resolve().as_posix()]
    assert entry["mtime_ns"] == stat.st_mtime_ns + 5_000_000_000  # remembered: no hashing next time
    from feedcare.corpus.ingest import sources

    def no_hashing(path):
        raise AssertionError(f"{path} was hashed again")

    monkeypatch.setattr(sources, "sha256_file", no_hashing)
    assert as_json(invoke("ingest", folder, "--corpus", corpus, "--json"))["status"] == "up to date"


def test_a_changed_file_is_the_only_one_read_again(invoke, folder, tmp_path, monkeypatch):
    corpus = tmp_path / "c"
    invoke("ingest", folder, "--corpus", corpus)
    write(folder / "P01.txt", INTERVIEW + "Interviewer: Anything else?\nP01: No.\n")
    # feedcare.corpus.ingest the attribute is the function; the module is ingest.pipeline
    ingest_module = importlib.import_module("feedcare.corpus.ingest.pipeline")
    real, read = ingest_module.read_transcript, []
    monkeypatch.setattr(
        ingest_module, "read_transcript", lambda path, **kw: read.append(path.name) or real(path, **kw)
    )
    data = as_json(invoke("ingest", folder, "--corpus", corpus, "--json"))
    assert read == ["P01.txt"]
    assert (data["changed"], data["unchanged"], data["added"], data["removed"]) == (1, 2, 0, 0)
    p01 = open_corpus(corpus).segments(filters=[("doc_id", "==", "P01")])
    assert p01.num_rows == 4 and p01["text"][3].as_py() == "No."


def test_incremental_result_is_byte_identical_to_a_fresh_ingest(invoke, folder, tmp_path):
    invoke("ingest", folder, "--corpus", tmp_path / "inc")
    write(folder / "P01.txt", INTERVIEW + "P01: One more thing.\n")
    write(folder / "A00.txt", "I: First?\nP: Yes.\n")
    invoke("ingest", folder, "--corpus", tmp_path / "inc")
    invoke("ingest", folder, "--corpus", tmp_path / "fresh")
    for name in ("documents.parquet", "segments.parquet"):
        assert (tmp_path / "inc" / name).read_bytes() == (tmp_path / "fresh" / name).read_bytes()


def test_gone_files_are_kept_until_prune(invoke, folder, tmp_path):
    corpus = tmp_path / "c"
    invoke("ingest", folder, "--corpus", corpus)
    (folder / "P02.docx").unlink()
    result = invoke("ingest", folder, "--corpus", corpus)
    assert result.exit_code == 0
    assert "gone, kept" in result.stdout and "P02.docx (use --prune to remove)" in result.stdout
    assert open_corpus(corpus).manifest.counts.documents == 3
    data = as_json(invoke("ingest", folder, "--corpus", corpus, "--prune", "--json"))
    assert (data["removed"], data["documents"], data["gone_kept"]) == (1, 2, [])
    assert [d for d in open_corpus(corpus).documents(columns=["doc_id"])["doc_id"].to_pylist()] == [
        "P01",
        "online/P03",
    ]


def test_changed_options_read_every_file_again(invoke, folder, tmp_path):
    corpus = tmp_path / "c"
    invoke("ingest", folder, "--corpus", corpus)
    data = as_json(invoke("ingest", folder, "--corpus", corpus, "--interviewer", "Host", "--json"))
    assert data["reread_reason"] == "the ingest options changed since the last ingest"
    assert (data["changed"], data["unchanged"], data["status"]) == (3, 0, "written")


def test_unreadable_files_are_skipped_with_reasons_and_the_rest_ingested(invoke, folder, tmp_path):
    write(folder / "empty.txt", "")
    (folder / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    (folder / "broken.docx").write_bytes(b"PK\x03\x04 not really a zip")
    write(folder / "bad.vtt", "not a vtt file\n")
    write(folder / "big.md", "P: " + "word " * 30_000)
    write(folder / "P01.md", "I: duplicate?\nP: yes\n")
    result = invoke("ingest", folder, "--corpus", tmp_path / "c", "--max-file-mb", "0.1", "--json")
    assert result.exit_code == 3
    data = as_json(result)
    reasons = {os.path.basename(s["path"]): s["reason"] for s in data["skipped"]}
    assert set(reasons) == {"empty.txt", "image.txt", "broken.docx", "bad.vtt", "big.md", "P01.txt"}
    assert reasons["empty.txt"] == "empty file"
    assert "binary" in reasons["image.txt"]
    assert reasons["big.md"] == "file larger than 0.1 MB"
    assert reasons["P01.txt"] == "duplicate document id 'P01' (also from P01.md)"  # .md sorts first
    assert data["documents"] == 3 and data["exit_code"] == 3
    table = invoke("ingest", folder, "--corpus", tmp_path / "c2", "--max-file-mb", "0.1")
    assert table.exit_code == 3 and "Skipped 6 input(s)" in table.stderr
    for name in reasons:
        assert name in table.stdout


def test_strict_aborts_and_leaves_the_corpus_untouched(invoke, folder, tmp_path):
    corpus = tmp_path / "c"
    invoke("ingest", folder, "--corpus", corpus)
    before = {p.name: p.read_bytes() for p in corpus.iterdir() if p.is_file()}
    write(folder / "new.txt", "I: new?\nP: yes\n")
    write(folder / "empty.txt", "")
    result = invoke("ingest", folder, "--corpus", corpus, "--strict")
    assert result.exit_code == 3
    assert "Error: 1 input(s) could not be read and --strict is set, so nothing was written" in result.stderr
    assert "empty.txt: empty file" in result.stderr
    assert {p.name: p.read_bytes() for p in corpus.iterdir() if p.is_file()} == before


def test_refuses_a_corpus_folder_that_holds_other_files(invoke, folder):
    result = invoke("ingest", folder, "--corpus", folder)
    assert result.exit_code == 2
    assert "this folder is not empty and is not a feedcare corpus" in result.stderr


def test_a_crash_while_writing_leaves_the_previous_corpus_identical(invoke, folder, tmp_path, monkeypatch):
    corpus = tmp_path / "c"
    invoke("ingest", folder, "--corpus", corpus)
    before = {p.name: p.read_bytes() for p in corpus.iterdir() if p.is_file()}
    write(folder / "P04.txt", "I: Hello?\nP04: Hi.\n")
    from feedcare.corpus.base import atomic as store
    from feedcare.corpus.store import writer

    calls = []

    def crash_after_first_file(path, table, schema, metadata=None, row_group_size=64_000):
        if calls:
            raise OSError("disk full")
        calls.append(path)
        store.write_table(path, table, schema, metadata, row_group_size)

    monkeypatch.setattr(writer, "write_table", crash_after_first_file)
    with pytest.raises(OSError, match="disk full"):
        ingest([folder], corpus, IngestConfig())
    assert calls and calls[0].name == "documents.parquet"
    assert {p.name: p.read_bytes() for p in corpus.iterdir() if p.is_file()} == before
    assert sorted(p.name for p in corpus.iterdir()) == sorted(before)  # no staging folder left
    assert open_corpus(corpus).manifest.counts.documents == 3


def _hold_lock(path, ready, release):
    with corpus_lock(path):
        ready.set()
        release.wait(20)


def test_a_second_ingest_while_the_first_holds_the_lock_exits_5(invoke, folder, tmp_path):
    corpus = tmp_path / "c"
    corpus.mkdir()
    ctx = multiprocessing.get_context("spawn")
    ready, release = ctx.Event(), ctx.Event()
    holder = ctx.Process(target=_hold_lock, args=(corpus, ready, release))
    holder.start()
    try:
        assert ready.wait(30)
        result = invoke("ingest", folder, "--corpus", corpus, "--wait", "0.3")
        assert result.exit_code == 5
        assert (
            f"Error: {corpus}: the corpus is being written by feedcare (pid {holder.pid}); wait for it"
            in (result.stderr)
        )
        assert not (corpus / "documents.parquet").exists()
    finally:
        release.set()
        holder.join(20)
    assert invoke("ingest", folder, "--corpus", corpus).exit_code == 0


def test_parquet_files_open_in_pandas_polars_and_duckdb(invoke, folder, tmp_path):
    import duckdb
    import pandas as pd
    import polars as pl

    shutil.copy(folder / "P01.txt", folder / "P05.txt")
    invoke("ingest", folder, "--corpus", tmp_path / "c")
    documents, segments = tmp_path / "c" / "documents.parquet", tmp_path / "c" / "segments.parquet"
    assert pd.read_parquet(documents)["doc_id"].tolist() == ["P01", "P02", "P05", "online/P03"]
    assert pl.read_parquet(segments).filter(pl.col("role") == "participant").height == 4
    con = duckdb.connect()
    rows = con.execute(
        f"select d.participant_id, sum(s.n_words) from '{segments}' s join '{documents}' d using (doc_id) "
        "where s.role = 'participant' group by 1 order by 1"
    ).fetchall()
    assert [r[0] for r in rows] == ["P01", "P02", "P03", "P05"]
    assert pq.read_schema(documents).field("text").type == "large_string"


def test_when_every_file_is_skipped_no_corpus_is_written(invoke, tmp_path):
    write(tmp_path / "t" / "empty.txt", "")
    result = invoke("ingest", tmp_path / "t", "--corpus", tmp_path / "c")
    assert result.exit_code == 3
    assert "Nothing was ingested: no file could be read." in result.stderr
    assert not (tmp_path / "c" / "manifest.json").exists()
    write(tmp_path / "t" / "empty.txt", "I: Now?\nP: Yes.\n")
    assert invoke("ingest", tmp_path / "t", "--corpus", tmp_path / "c").exit_code == 0


def test_a_changed_file_that_no_longer_reads_keeps_its_previous_version(invoke, folder, tmp_path):
    corpus = tmp_path / "c"
    invoke("ingest", folder, "--corpus", corpus)
    (folder / "P01.txt").write_bytes(b"")
    data = as_json(invoke("ingest", folder, "--corpus", corpus, "--json"))
    assert [s["reason"] for s in data["skipped"]] == ["empty file (its previous version is kept)"]
    assert (data["documents"], data["removed"], data["exit_code"]) == (3, 0, 3)
    assert "Honestly" in open_corpus(corpus).texts(["P01"])["P01"]
