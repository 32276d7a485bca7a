"""`feedcare corpus info`: what a corpus holds."""

from __future__ import annotations

import json

from helpers import build_corpus

DOCS = {
    "P01": [
        ("Interviewer", "interviewer", "How was it?"),
        ("P01", "participant", "Fine, the staff were kind."),
    ],
    "P02": [("Interviewer", "interviewer", "And you?"), ("P02", "participant", "Too long a wait.")],
    "P02-followup": [("Interviewer", "interviewer", "Anything new?"), ("P02", "participant", "No.")],
}


def test_json_gives_counts_speakers_participants_attributes_formats(invoke, tmp_path):
    build_corpus(
        tmp_path / "c",
        DOCS,
        attributes={"P01": {"age_band": "45-54"}, "P02": {"age_band": "18-24"}},
        participants={"P01": "P01", "P02": "P02", "P02-followup": "P02"},
    )
    result = invoke("corpus", "info", "--corpus", tmp_path / "c", "--json")
    assert result.exit_code == 0, result.output
    info = json.loads(result.stdout)
    assert (info["documents"], info["turns"], info["words"], info["participants"]) == (
        3,
        6,
        3 + 5 + 2 + 4 + 2 + 1,
        2,
    )
    assert info["formats"] == {"txt": 3} and info["encodings"] == {"utf-8": 3}
    assert info["roles"] == {"interviewer": 3, "participant": 3}
    assert info["speakers"][0] == {
        "speaker": "Interviewer",
        "role": "interviewer",
        "turns": 3,
        "words": 7,
        "documents": 3,
    }
    assert info["per_participant"] == [
        {"participant_id": "P01", "documents": 1, "turns": 1, "words": 5, "all_words": 8},
        {"participant_id": "P02", "documents": 2, "turns": 2, "words": 5, "all_words": 9},
    ]
    assert info["attributes"] == [{"name": "age_band", "filled": 2, "distinct": 2}]


def test_tables_on_stdout(invoke, tmp_path):
    build_corpus(tmp_path / "c", DOCS)
    result = invoke("corpus", "info", "--corpus", tmp_path / "c", "--limit", "1")
    assert result.exit_code == 0
    for expected in ("documents", "Speakers and roles", "Interviewer", "interviewer", "Participants", "P01"):
        assert expected in result.stdout
    assert "2 more: --limit 0 or --json lists all" in result.stdout  # P02 and P02-followup


def test_after_ingesting_a_table_speakers_show_no_label(invoke, tmp_path):
    (tmp_path / "fft.csv").write_text("comment,ward\nGreat,4\nSlow,5\n", encoding="utf-8")
    invoke("ingest", tmp_path / "fft.csv", "--text-column", "comment", "--corpus", tmp_path / "c")
    info = json.loads(invoke("corpus", "info", "--corpus", tmp_path / "c", "--json").stdout)
    assert info["speakers"] == [
        {"speaker": None, "role": "participant", "turns": 2, "words": 2, "documents": 2}
    ]
    assert info["formats"] == {"csv": 2} and info["sources"] == 1
    assert "(no label)" in invoke("corpus", "info", "--corpus", tmp_path / "c").stdout


def test_no_corpus_is_a_data_error_saying_how_to_make_one(invoke, tmp_path):
    result = invoke("corpus", "info", "--corpus", tmp_path / "none")
    assert result.exit_code == 4
    assert (
        f"Error: {tmp_path / 'none'}: no corpus here; create one with `feedcare ingest SOURCE"
        in result.stderr
    )
