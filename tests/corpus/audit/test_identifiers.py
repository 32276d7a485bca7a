"""Residual-identifier detectors: planted identifiers must all be found, look-alikes never.

Each planted identifier sits in a sentence of its own, so a test failure names the exact
format that was missed or wrongly flagged. Recall and precision are computed over the whole
planted set (one transcript made of every sentence) and must both be 1.0.
"""

from __future__ import annotations

import pytest
from feedcare.corpus.audit.identifiers import (
    REPLACEMENTS,
    find_markers,
    load_names,
    mask,
    nhs_checksum_ok,
    scan_text,
)
from feedcare.corpus.base.errors import UsageError
from identifier_samples import LOOKALIKES, NAMES, PLANTED


def _found(text: str) -> set[tuple[str, str]]:
    return {(f.kind, f.value) for f in scan_text(text, NAMES)}


def test_recall_and_precision_are_one_on_the_planted_set():
    transcript = "\n".join(sentence for _, _, sentence in PLANTED) + "\n" + "\n".join(LOOKALIKES)
    found = _found(transcript)
    planted = {(kind, value) for kind, value, _ in PLANTED}
    true_positives = found & planted
    recall = len(true_positives) / len(planted)
    precision = len(true_positives) / len(found)
    assert (recall, precision) == (1.0, 1.0), {
        "missed": sorted(planted - found), "false alarms": sorted(found - planted)
    }


@pytest.mark.parametrize(("kind", "value", "sentence"), PLANTED, ids=[p[1] for p in PLANTED])
def test_each_planted_identifier_is_found_exactly(kind, value, sentence):
    assert _found(sentence) == {(kind, value)}


@pytest.mark.parametrize("sentence", LOOKALIKES)
def test_lookalikes_are_not_flagged(sentence):
    assert scan_text(sentence, NAMES) == []


def test_every_kind_is_planted():
    assert {kind for kind, _, _ in PLANTED} == set(REPLACEMENTS)


def test_nhs_checksum():
    assert nhs_checksum_ok("9434765919")
    assert not nhs_checksum_ok("9434765910")
    assert not nhs_checksum_ok("1234567890")  # check digit would be 10: never issued


def test_offsets_point_at_the_identifier():
    text = "P: my number is 07700 900123, email jane@example.com"
    for f in scan_text(text):
        assert text[f.start:f.end] == f.value


@pytest.mark.parametrize(
    ("kind", "value", "masked"),
    [
        ("phone", "07700 900123", "07*** ***123"),
        ("email", "jane.doe@example.com", "j***@e***.com"),
        ("nhs_number", "485 777 3459", "4** *** **59"),
        ("postcode", "SW1A 1AA", "SW1A ***"),
        ("ni_number", "AB123456C", "AB******C"),
        ("url", "https://www.facebook.com/jane.smith", "https://www.f***.com/***"),
        ("name", "Jen", "J**"),
    ],
)
def test_masks(kind, value, masked):
    assert mask(kind, value) == masked


def test_context_masks_every_identifier_in_it():
    text = "Call 07700 900123 or email jane@example.com, says Jen."
    findings = scan_text(text, ["Jen"])
    assert len(findings) == 3
    for f in findings:
        for secret in ("07700 900123", "900123", "jane@example.com", "example", "Jen"):
            assert secret not in f.context
            assert secret not in f.masked
        assert f.value not in repr(f)


def test_markers_are_found_and_their_digits_ignored():
    text = "[inaudible 00:12:34] then [NAME] and <name>; [call 07700 900123]"
    assert len(find_markers(text)) == 3
    # "[call 07700 900123]" is not a marker: a phone number inside brackets is still a finding
    assert [f.kind for f in scan_text(text)] == ["phone"]


def test_plain_text_redaction_markers_count_as_handled():
    # the same families `feedcare tokens` drops by default (FFT exports use XXXX)
    text = "Dr XXXX said Mr xxx would call; *** was REDACTED, but the XXL and Xbox stay"
    assert [text[s:e] for s, e in find_markers(text)] == ["XXXX", "xxx", "***", "REDACTED"]


def test_names_are_whole_words_only():
    assert scan_text("Jenny and Jennifer met", ["Jen"]) == []
    assert [f.value for f in scan_text("Jen's leg", ["Jen"])] == ["Jen"]


def test_load_names(tmp_path):
    path = tmp_path / "names.txt"
    path.write_text("# staff\nJen\n\nMary   Ann  # the daughter\nJen\n", encoding="utf-8")
    assert load_names(path) == ("Jen", "Mary Ann")


@pytest.mark.parametrize(
    ("content", "error"),
    [
        ("Jen\nA\n", "line 2: 'A' is too short"),
        ("# nothing\n\n", "no names in the file"),
    ],
)
def test_load_names_errors(tmp_path, content, error):
    path = tmp_path / "names.txt"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(UsageError, match=error):
        load_names(path)


def test_load_names_missing_file(tmp_path):
    with pytest.raises(UsageError, match="file not found"):
        load_names(tmp_path / "nope.txt")
