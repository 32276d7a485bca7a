"""`feedcare audit --redact`: a shareable copy with identifiers replaced, and a separate key."""

from __future__ import annotations

import csv
import json
import stat

import pyarrow.parquet as pq
import pytest
from feedcare.corpus import open_corpus
from feedcare.corpus.base.errors import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE
from helpers import build_corpus
from identifier_samples import LOOKALIKES, NAMES, PLANTED


@pytest.fixture
def source(tmp_path):
    """Every planted identifier and every look-alike, spread over two interviews."""
    turns = [("P01", "participant", sentence) for _, _, sentence in PLANTED]
    others = [("Interviewer", "interviewer", sentence) for sentence in LOOKALIKES]
    return build_corpus(
        tmp_path / "corpus",
        {"int01": turns[: len(turns) // 2] + others[:10],
         "int02": others[10:] + turns[len(turns) // 2:]},
        attributes={"int01": {"site": "A"}, "int02": {"site": "B"}},
    )


@pytest.fixture
def names_file(tmp_path):
    path = tmp_path / "names.txt"
    path.write_text("\n".join(NAMES) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def redacted(invoke, source, names_file, tmp_path):
    out, key = tmp_path / "shared" / "redacted", tmp_path / "secure" / "key.json"
    result = invoke("audit", "--corpus", source, "--names", names_file, "--redact", out, "--key", key)
    assert result.exit_code == EXIT_FINDINGS  # the source had findings; the copy is redacted
    return out, key


def _texts(path):
    documents = pq.read_table(path / "documents.parquet").to_pylist()
    return {d["doc_id"]: d for d in documents}


def test_no_planted_identifier_survives(redacted):
    out, _ = redacted
    every_text = "\n".join(d["text"] for d in _texts(out).values())
    every_text += "\n".join(pq.read_table(out / "segments.parquet")["text"].to_pylist())
    for _, value, _ in PLANTED:
        assert value not in every_text
    # Documents and segments both hold each turn; one look-alike already had a [PHONE] marker.
    already = sum(sentence.count("[PHONE]") for sentence in LOOKALIKES)
    assert every_text.count("[PHONE]") == 2 * (sum(k == "phone" for k, _, _ in PLANTED) + already)


def test_every_other_character_is_kept(redacted, source):
    """Putting the originals from the key back gives the source text, byte for byte."""
    out, key = redacted
    rows = json.loads(key.read_text(encoding="utf-8"))["replacements"]
    assert len(rows) == len(PLANTED)
    original, copy = _texts(source), _texts(out)
    for doc_id, doc in copy.items():
        text = doc["text"]
        in_text = (r for r in rows if r["doc_id"] == doc_id and r["field"] == "text")
        for row in sorted(in_text, key=lambda r: -r["position"]):
            marker = text[row["position"]:row["position"] + len(row["replacement"])]
            assert marker == row["replacement"]
            text = text[:row["position"]] + row["original"] + text[row["position"] + len(marker):]
        assert text == original[doc_id]["text"]
        assert doc["sha256"] == original[doc_id]["sha256"]
        assert doc["site"] == original[doc_id]["site"]
    for sentence in LOOKALIKES:
        assert any(sentence in d["text"] for d in copy.values())


def test_offsets_and_word_counts_still_hold(redacted):
    out, _ = redacted
    corpus = open_corpus(out)
    texts = corpus.texts(["int01", "int02"])
    words = {}
    for seg in corpus.segments().to_pylist():
        assert texts[seg["doc_id"]][seg["char_start"]:seg["char_end"]] == seg["text"]
        assert seg["n_words"] == len(seg["text"].split())
        words[seg["doc_id"]] = words.get(seg["doc_id"], 0) + seg["n_words"]
    assert words == {d["doc_id"]: d["n_words"] for d in corpus.documents().to_pylist()}


def test_redacted_copy_audits_clean_and_has_its_own_fingerprint(invoke, redacted, source, names_file):
    out, _ = redacted
    result = invoke("audit", "--corpus", out, "--names", names_file)
    assert result.exit_code == EXIT_OK
    assert open_corpus(out).fingerprint != open_corpus(source).fingerprint


def test_key_file_is_private(redacted):
    _, key = redacted
    assert stat.S_IMODE(key.stat().st_mode) == 0o600


def test_csv_key(invoke, source, tmp_path):
    key = tmp_path / "key.csv"
    result = invoke("audit", "--corpus", source, "--redact", tmp_path / "out", "--key", key)
    assert result.exit_code == EXIT_FINDINGS
    rows = list(csv.DictReader(key.open(encoding="utf-8")))
    assert list(rows[0]) == ["doc_id", "field", "position", "original_start", "kind", "replacement",
                             "original"]
    assert {r["original"] for r in rows} >= {"07700 900123", "943 476 5919"}


@pytest.mark.parametrize(
    ("out", "key", "error"),
    [
        ("red", "red/key.json", "the key file holds the identifiers and must be kept outside the "
                                "redacted corpus"),
        ("red", "corpus/key.json", "must be kept outside the source corpus"),
        ("corpus/red", "key.json", "must be a new folder outside the corpus"),
        ("corpus", "key.json", "must be a new folder outside the corpus"),
        ("red", "key.txt", "name the key file .json or .csv"),
    ],
)
def test_refused_paths_write_nothing(invoke, source, tmp_path, out, key, error):
    before = sorted(p.name for p in source.iterdir())
    result = invoke("audit", "--corpus", source, "--redact", tmp_path / out, "--key", tmp_path / key)
    assert result.exit_code == EXIT_USAGE
    assert error in result.stderr
    assert sorted(p.name for p in source.iterdir()) == before
    assert not (tmp_path / key).exists()
    if out == "red":
        assert not (tmp_path / out).exists()


def test_existing_folder_that_is_not_a_corpus_is_refused(invoke, source, tmp_path):
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "mine.txt").write_text("keep me", encoding="utf-8")
    result = invoke("audit", "--corpus", source, "--redact", tmp_path / "notes", "--key", tmp_path / "k.json")
    assert result.exit_code == EXIT_USAGE
    assert "exists and is not a feedcare corpus" in result.stderr
    assert sorted(p.name for p in (tmp_path / "notes").iterdir()) == ["mine.txt"]


def test_tokens_work_on_the_redacted_corpus(redacted):
    tokens = pytest.importorskip("feedcare.corpus.tokens.build", reason="feedcare tokens is not written yet")
    out, _ = redacted
    tokens.build_tokens(open_corpus(out), jobs=1)
    terms = set(open_corpus(out).vocabulary()["term"].to_pylist())
    for leaked in ("jane_smith", "900123", "5919", "doe", "1aa"):
        assert leaked not in terms


TOPIC_SENTENCES = [
    "The nurse on the ward was kind and the waiting time was short.",
    "My chest pain got worse at night and the doctor changed my medication.",
    "Parking at the hospital was expensive and the car park was full.",
    "The nurse explained the medication and the side effects clearly.",
    "I waited hours in the waiting room before the doctor saw me.",
    "The food on the ward was cold and the parking was a nightmare.",
]


def test_topics_and_themes_work_on_the_redacted_corpus(invoke, names_file, tmp_path):
    from feedcare.cli import app

    commands = {c.name for c in app.registered_commands}
    if not {"tokens", "topics", "themes"} <= commands:
        pytest.skip("feedcare tokens/topics/themes are not registered in the CLI yet")
    # Enough repeated vocabulary for the default token filters (each topic sentence in a third of
    # the documents: under no_above, over no_below), with every identifier planted.
    docs = {}
    for i in range(24):
        turns = [("P", "participant", TOPIC_SENTENCES[(i + j) % 6]) for j in range(2)]
        turns += [("P", "participant", PLANTED[(2 * i + j) % len(PLANTED)][2]) for j in range(3)]
        docs[f"int{i:02d}"] = turns
    source = build_corpus(tmp_path / "corpus", docs)
    out, key = tmp_path / "redacted", tmp_path / "key.json"
    assert invoke("audit", "--corpus", source, "--names", names_file, "--redact", out,
                  "--key", key).exit_code == EXIT_FINDINGS
    assert invoke("tokens", "--corpus", out).exit_code == EXIT_OK
    assert invoke("topics", "--corpus", out, "--k", "2", "--jobs", "1").exit_code == EXIT_OK
    result = invoke("themes", "latest", "--corpus", out, "--json")
    assert result.exit_code == EXIT_OK
    for _, value, _ in PLANTED:
        assert value not in result.stdout


# --- identifiers in file names and ids (issue 14, #12) ------------------------------------------


@pytest.fixture
def named_files(tmp_path):
    """Transcripts whose file names, speaker labels and participant ids carry identifiers."""
    from feedcare.corpus import IngestConfig, ingest

    folder = tmp_path / "Jen interviews"
    folder.mkdir()
    (folder / "P01 07700 900123.txt").write_text(
        "Interviewer: How was it?\nJen: Fine, thanks.\n", encoding="utf-8")
    (folder / "P02_jane.doe@example.com.txt").write_text(
        "Interviewer: And for you?\nP02: Slow.\n", encoding="utf-8")
    (folder / "P03 Mary Ann.txt").write_text("Interviewer: And you?\nP03: Kind staff.\n", encoding="utf-8")
    (folder / "P04 Mary Ann.txt").write_text("Interviewer: Last one?\nP04: All good.\n", encoding="utf-8")
    corpus = tmp_path / "corpus"
    ingest([folder], corpus, IngestConfig(participants=("Jen",)))
    return corpus


def _strings(value):
    if isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, str):
        yield value


def test_audit_finds_identifiers_in_ids_file_names_and_the_manifest(named_files):
    from feedcare.corpus.audit.scan import audit_corpus

    result = audit_corpus(named_files, names=NAMES)
    fields = {(f.field, f.kind) for f in result.findings}
    # each identifier once per document (doc_id, source and participant_id repeat the file
    # name), the manifest's only where it says more (the folder's name)
    assert fields == {("doc_id", "phone"), ("doc_id", "email"), ("doc_id", "name"), ("speaker", "name"),
                      ("manifest", "name"), ("text", "name")}
    shown = json.dumps(result.to_dict())
    for secret in ("07700 900123", "jane.doe@example.com", "Mary Ann"):
        assert secret not in shown  # ids are shown masked in the report too


def test_redaction_scrubs_ids_file_names_speakers_and_the_manifest(invoke, named_files, names_file, tmp_path):
    out, key = tmp_path / "redacted", tmp_path / "secure" / "key.json"
    assert invoke("audit", "--corpus", named_files, "--names", names_file, "--redact", out,
                  "--key", key).exit_code == EXIT_FINDINGS
    corpus = open_corpus(out)
    documents = corpus.documents().to_pylist()
    segments = corpus.segments().to_pylist()
    everything = [*_strings(corpus.manifest), *_strings(documents), *_strings(segments)]
    for secret in ("07700 900123", "900123", "jane.doe@example.com", "Mary Ann", "Jen"):
        assert not [s for s in everything if secret in s], secret
    ids = [d["doc_id"] for d in documents]
    assert len(set(ids)) == len(ids) == 4  # the two "P0x [NAME]" ids stay apart
    assert {s["doc_id"] for s in segments} == set(ids)
    assert [s["speaker"] for s in segments if s["doc_id"] == ids[0]] == ["Interviewer", "[NAME]"]
    assert invoke("audit", "--corpus", out, "--names", names_file).exit_code == EXIT_OK
    rows = json.loads(key.read_text(encoding="utf-8"))["replacements"]
    assert {"doc_id", "source", "speaker", "manifest"} <= {r["field"] for r in rows}
    original = [r["original"] for r in rows if r["field"] == "doc_id"]
    for secret in ("07700 900123", "jane.doe@example.com", "Mary Ann"):
        assert any(secret in value for value in original), secret
