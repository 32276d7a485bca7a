"""`feedcare audit` through the real CLI: exit codes, JSON, masking, markers, --names, SOURCE."""

from __future__ import annotations

import json

import pytest
from feedcare.corpus.audit.scan import audit_document
from feedcare.corpus.base.errors import EXIT_DATA, EXIT_FINDINGS, EXIT_OK, EXIT_SKIPPED, EXIT_USAGE
from helpers import build_corpus

SECRETS = ("07700 900123", "943 476 5919", "jane.doe@example.com", "SW1A 1AA")


@pytest.fixture
def leaky(tmp_path):
    return build_corpus(
        tmp_path / "leaky",
        {
            "int01": [
                ("Interviewer", "interviewer", "Thanks for coming in, Jen. Is 07700 900123 still best?"),
                ("P01", "participant", "Yes. My NHS number is 943 476 5919 if you need it."),
                ("P01", "participant", "I took 500mg at 10:30 in room 12, it cost £1,200."),
            ],
            "int02": [
                ("Interviewer", "interviewer", "Where do you live?"),
                ("P02", "participant", "Near SW1A 1AA. Email jane.doe@example.com, [NAME] has it."),
            ],
        },
    )


@pytest.fixture
def clean(tmp_path):
    return build_corpus(
        tmp_path / "clean",
        {
            "int03": [
                ("Interviewer", "interviewer", "How was [HOSPITAL] on the 3rd?"),
                ("P03", "participant", "[NAME] said 2 x 5 ml at 14.45, ward 7B. [inaudible 00:12:34]"),
                ("P03", "participant", "<name> called me back in 2019."),
            ]
        },
    )


def test_clean_corpus_exits_0_and_says_so(invoke, clean):
    result = invoke("audit", "--corpus", clean)
    assert result.exit_code == EXIT_OK
    assert "No residual identifiers found in 1 document; 4 redaction markers recognised." in result.stderr
    assert result.stdout == ""


def test_findings_exit_1_with_a_masked_table(invoke, leaky):
    result = invoke("audit", "--corpus", leaky)
    assert result.exit_code == EXIT_FINDINGS
    for line in ("07*** ***123", "9** *** **19", "SW1A ***", "j***@e***.com"):
        assert line in result.stdout
    for secret in SECRETS:
        assert secret not in result.output
    assert "4 possible identifiers in 2 of 2 documents" in result.stderr


def test_json_lists_every_finding_masked(invoke, leaky):
    result = invoke("audit", "--corpus", leaky, "--json")
    assert result.exit_code == EXIT_FINDINGS
    data = json.loads(result.stdout)
    assert data["clean"] is False
    assert data["counts"] == {"email": 1, "nhs_number": 1, "phone": 1, "postcode": 1}
    assert data["markers"] == 1
    kinds = [(f["doc_id"], f["seg"], f["kind"]) for f in data["findings"]]
    assert kinds == [("int01", 0, "phone"), ("int01", 1, "nhs_number"), ("int02", 1, "postcode"),
                     ("int02", 1, "email")]
    for secret in SECRETS:
        assert secret not in result.stdout


def test_offsets_point_into_turn_and_document(leaky):
    from feedcare.corpus import open_corpus
    from feedcare.corpus.audit.scan import audit_corpus

    report = audit_corpus(leaky)
    corpus = open_corpus(leaky)
    texts = corpus.texts(["int01", "int02"])
    segments = {(r["doc_id"], r["seg"]): r["text"] for r in corpus.segments().to_pylist()}
    found = {texts[f.doc_id][f.doc_start:f.doc_end] for f in report.findings}
    assert found == set(SECRETS)
    for f in report.findings:
        assert segments[(f.doc_id, f.seg)][f.start:f.end] == texts[f.doc_id][f.doc_start:f.doc_end]


def test_names_file_adds_name_findings(invoke, leaky, tmp_path):
    names = tmp_path / "names.txt"
    names.write_text("jen\nJane Doe\n", encoding="utf-8")
    data = json.loads(invoke("audit", "--corpus", leaky, "--names", names, "--json").stdout)
    assert [f["masked"] for f in data["findings"] if f["kind"] == "name"] == ["J**"]


def test_bad_names_file_is_a_usage_error(invoke, leaky, tmp_path):
    result = invoke("audit", "--corpus", leaky, "--names", tmp_path / "missing.txt")
    assert result.exit_code == EXIT_USAGE
    assert f"Error: --names {tmp_path / 'missing.txt'}: file not found" in result.stderr


def test_missing_corpus_is_exit_4(invoke, tmp_path):
    result = invoke("audit", "--corpus", tmp_path / "none")
    assert result.exit_code == EXIT_DATA
    assert "no corpus here" in result.stderr


@pytest.mark.parametrize(
    ("extra", "error"),
    [
        (["--redact", "out"], "--redact OUT_DIR and --key FILE go together; give both"),
        (["--key", "k.json"], "--redact OUT_DIR and --key FILE go together; give both"),
    ],
)
def test_usage_errors(invoke, leaky, extra, error):
    result = invoke("audit", "--corpus", leaky, *extra)
    assert result.exit_code == EXIT_USAGE
    assert result.stderr.strip() == f"Error: {error}"


def test_sources_and_corpus_together_are_refused(invoke, leaky, tmp_path):
    (tmp_path / "a.txt").write_text("P: hi\n", encoding="utf-8")
    result = invoke("audit", tmp_path / "a.txt", "--corpus", leaky)
    assert result.exit_code == EXIT_USAGE
    assert "give either SOURCE files or --corpus DIR, not both" in result.stderr


def test_audit_source_files_without_a_corpus(invoke, tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.txt").write_text("I: Hello\nP: call me on 07700 900123 please\n", encoding="utf-8")
    (src / "b.txt").write_text("I: Hello\nP: [NAME] is fine at 10:30\n", encoding="utf-16")
    (src / "c.csv").write_text("id,feedback\n1,Lovely staff\n2,Email me at a.b@example.org\n",
                               encoding="utf-8")
    data = json.loads(invoke("audit", src, "--json").stdout)
    assert data["documents"] == 4  # two transcripts, two table rows
    assert [(f["doc_id"], f["speaker"], f["kind"]) for f in data["findings"]] == [
        ("a.txt", "P", "phone"), ("c.csv:2", "feedback", "email"),
    ]
    assert data["markers"] == 1


def test_unreadable_source_is_reported_not_passed(invoke, tmp_path):
    (tmp_path / "bin.txt").write_bytes(b"%PDF-1.4 \x00\x01\x02 binary")
    result = invoke("audit", tmp_path / "bin.txt")
    assert result.exit_code == EXIT_SKIPPED
    assert "Skipped" in result.stderr and "bin.txt" in result.stderr


def test_missing_source_is_a_usage_error(invoke, tmp_path):
    result = invoke("audit", tmp_path / "nope")
    assert result.exit_code == EXIT_USAGE
    expected = f"Error: {tmp_path / 'nope'}: no such file or folder; check the SOURCE path"
    assert result.stderr.strip() == expected


def test_audit_finds_files_as_ingest_does(invoke, tmp_path):
    """One walker: Word's ~$ lock files and dot files are not sources for audit either."""
    (tmp_path / "P01.txt").write_text("Interviewer: Hello\nP01: call me on 07700 900123\n")
    (tmp_path / "~$P01.docx").write_bytes(b"\x00lock owner")  # a Word lock file: not a zip
    (tmp_path / ".notes.txt").write_text("P02: my email is someone@example.org\n")
    result = invoke("audit", tmp_path, "--json")
    assert result.exit_code == EXIT_FINDINGS, result.stderr
    report = json.loads(result.stdout)
    assert report["skipped"] == []
    assert {f["doc_id"] for f in report["findings"]} == {"P01.txt"}


def test_audit_document_places_findings_in_reader_turns():
    from feedcare.corpus.readers import Turn

    text = "Header 07700 900123\nP: my email is x.y@example.com\n"
    turns = [Turn("P", "my email is x.y@example.com", 23, 50)]
    found = audit_document("doc", text, turns)
    assert [(f.kind, f.seg, f.start) for f in found] == [("phone", None, None), ("email", 0, 12)]


def test_control_characters_in_the_text_never_reach_the_audit_table(invoke, tmp_path):
    corpus = build_corpus(tmp_path / "c", {"int\x1b[2J01": [
        ("P01", "participant", "\x1b]0;pwned\x07Call me on 07700 900123\x1b[31m any time.")]})
    result = invoke("audit", "--corpus", corpus)
    assert result.exit_code == EXIT_FINDINGS
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    assert "07*** ***123" in result.stdout
