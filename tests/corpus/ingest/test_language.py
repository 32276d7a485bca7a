"""Document language at ingest: the batch detector, the thresholds, and what ingest reports."""

from __future__ import annotations

import csv
import json

import numpy as np
import pyarrow.parquet as pq
import pytest
from conftest import NHS_CSV, OSCE, needs
from feedcare.corpus import IngestConfig, corpus_info, ingest
from feedcare.corpus.ingest.language import (
    MIN_WORDS,
    SAMPLE_CHARS,
    UNDETERMINED,
    detect_languages,
    detector,
    sample,
    speech_text,
)
from hypothesis import given, settings
from hypothesis import strategies as st
from language_samples import ANSWERS, ENGLISH, interview, interview_folder


def _reference(texts):
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    model = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    return [model.classify(t) for t in texts]


def _assert_same_as_py3langid(texts):
    labels, probabilities = detector().classify(texts)
    for text, (label, p), mine, q in zip(texts, _reference(texts), labels, probabilities, strict=True):
        assert mine == label and float(q) == pytest.approx(p, abs=1e-5), text


def test_the_batch_detector_gives_py3langids_labels_and_probabilities():
    sentences = [s for answer in ANSWERS.values() for s in answer.split(".") if s.strip()]
    odd = ["", "   ", "OK", "A&E", "ÉTÉ À PARIS", "😀 👍", "x" * 3000]
    texts = [*ANSWERS.values(), ENGLISH, *sentences, *odd]
    _assert_same_as_py3langid(texts)


@needs(NHS_CSV)
def test_the_batch_detector_agrees_with_py3langid_on_real_comments():
    with NHS_CSV.open(encoding="utf-8", errors="replace") as f:
        texts = [row["feedback"] for row in csv.DictReader(f)][::5]
    _assert_same_as_py3langid(texts)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.text(max_size=80), min_size=1, max_size=12), st.integers(0, 11))
def test_a_texts_label_does_not_depend_on_the_batch_it_is_in(texts, index):
    text = texts[index % len(texts)]
    alone_label, alone_p = detector().classify([text])
    labels, probabilities = detector().classify(texts)
    assert labels[index % len(texts)] == alone_label[0]
    assert probabilities[index % len(texts)] == pytest.approx(alone_p[0], abs=1e-6)


def test_each_language_is_found_and_english_stays_english():
    assert detect_languages(list(ANSWERS.values())) == list(ANSWERS)
    assert detect_languages([ENGLISH]) == ["en"]


def test_short_or_unsure_texts_are_undetermined_not_guessed():
    # py3langid alone calls these Pidgin, Dutch and French; a few words cannot tell.
    from feedcare.corpus.ingest.language import MIN_CONFIDENCE

    short = ["Wait for treatment.", "Been very Good.", "Efficient & effective", "Oui.", ""]
    assert all(len(t.split()) < MIN_WORDS for t in short)
    assert detect_languages(short) == [UNDETERMINED] * len(short)
    unsure = "A fridge for water at bedside"  # an FFT comment; py3langid: Danish at 0.37
    labels, p = detector().classify([unsure])
    assert labels[0] != "en" and p[0] < MIN_CONFIDENCE
    assert detect_languages([unsure]) == [UNDETERMINED]


def test_detection_is_deterministic():
    texts = [*ANSWERS.values(), ENGLISH] * 3
    first = detector().classify(texts)
    second = detector().classify(list(reversed(texts)))
    assert first[0] == list(reversed(second[0]))
    assert np.array_equal(first[1], second[1][::-1])


def test_long_texts_are_judged_on_an_even_sample():
    text = " ".join(f"word{i}" for i in range(5000))
    picked = sample(text)
    assert len(picked) <= SAMPLE_CHARS + 8 and picked == sample(text)
    assert picked.startswith("word0 ") and text.endswith(picked[-20:])  # first and last slice
    assert sample("short text") == "short text"


def test_a_transcript_is_judged_on_the_participants_speech():
    turns = [("interviewer", "How was it?")] * 20 + [("participant", ANSWERS["fr"])]
    assert speech_text(turns) == ANSWERS["fr"]
    assert speech_text([("other", "a"), ("interviewer", "b")]) == "a"  # roles unknown
    assert speech_text([("interviewer", "b")]) == "b"
    # a French participant interviewed in English is French; the reverse is English
    french = speech_text([("interviewer", ENGLISH * 5), ("participant", ANSWERS["fr"])])
    assert detect_languages([french]) == ["fr"]


def test_ingest_stores_each_documents_language_and_warns_about_other_languages(tmp_path):
    source = interview_folder(tmp_path / "interviews", n_english=3, other="fr")
    (source / "P95.txt").write_text("Interviewer: And you?\nParticipant: Fine.\n", encoding="utf-8")
    report = ingest([source], tmp_path / "c")
    languages = pq.read_table(tmp_path / "c" / "documents.parquet", columns=["doc_id", "language"])
    assert dict(zip(*languages.to_pydict().values(), strict=True)) == {
        "P01": "en", "P02": "en", "P03": "en", "P90": "fr", "P95": UNDETERMINED,
    }
    assert report.languages == {"en": 3, "fr": 1, "und": 1}
    assert report.other_languages == 1
    warning = report.language_warning()
    assert warning.startswith("1 document is not in English: P90 (fr)")
    assert "--keep-languages" in warning
    info = corpus_info(tmp_path / "c")
    assert info.languages == {"en": 3, "fr": 1, "und": 1}
    assert info.other_language_examples == [{"doc_id": "P90", "participant_id": "P90", "language": "fr"}]


def test_an_english_corpus_gets_no_language_warning(tmp_path):
    source = tmp_path / "t"
    source.mkdir()
    (source / "P01.txt").write_text(interview(ENGLISH), encoding="utf-8")
    assert ingest([source], tmp_path / "c").language_warning() is None


def test_the_cli_warns_at_ingest_and_corpus_info_shows_languages(invoke, tmp_path):
    source = interview_folder(tmp_path / "interviews", n_english=2, other="cy")
    result = invoke("ingest", source, "--corpus", tmp_path / "c")
    assert result.exit_code == 0
    assert "Warning: 1 document is not in English: P90 (cy)" in result.stderr
    info = invoke("corpus", "info", "--corpus", tmp_path / "c")
    assert "languages (documents)" in info.stdout and "en 2, cy 1" in info.stdout
    data = json.loads(invoke("corpus", "info", "--corpus", tmp_path / "c", "--json").stdout)
    assert data["languages"] == {"en": 2, "cy": 1} and data["other_languages"] == 1


def test_comment_rows_get_a_language_each_and_short_ones_und(tmp_path):
    table = tmp_path / "comments.csv"
    rows = [ENGLISH, ANSWERS["es"], "Great staff", ANSWERS["de"]]
    with table.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["id", "comment"])
        writer.writerows([[i, text] for i, text in enumerate(rows)])
    report = ingest([table], tmp_path / "c", IngestConfig(text_column="comment", id_column="id"))
    languages = pq.read_table(tmp_path / "c" / "documents.parquet", columns=["language"])["language"]
    assert languages.to_pylist() == ["en", "es", UNDETERMINED, "de"]
    assert report.other_languages == 2


def test_changing_the_detector_settings_reads_every_file_again(tmp_path, monkeypatch):
    from feedcare.corpus.ingest import language

    source = interview_folder(tmp_path / "interviews", n_english=1)
    ingest([source], tmp_path / "c")
    assert ingest([source], tmp_path / "c").up_to_date
    monkeypatch.setattr(language, "MIN_WORDS", 500)
    report = ingest([source], tmp_path / "c")
    assert "language detector" in report.reread_reason
    assert report.languages == {UNDETERMINED: 2}


@needs(OSCE)
def test_every_osce_interview_is_english(tmp_path):
    report = ingest([OSCE], tmp_path / "c", IngestConfig(interviewers=("D",), participants=("P",)))
    assert report.languages == {"en": report.documents}
