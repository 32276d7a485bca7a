"""The naming rule for attribute columns: documented, predictable, unique ignoring case."""

from __future__ import annotations

import pytest
from feedcare.corpus.store.schema import DOCUMENT_BASE_COLUMNS, attribute_names


def test_free_names_are_kept_as_they_are():
    assert attribute_names(["ward", "age band", "Trust"]) == (["ward", "age band", "Trust"], [])


def test_a_built_in_name_becomes_name_1_ignoring_case():
    stored, renamed = attribute_names(["source", "TEXT", "ward"])
    assert stored == ["source_1", "TEXT_1", "ward"]
    assert [(r.column, r.stored, r.why) for r in renamed] == [
        ("source", "source_1", "built-in"), ("TEXT", "TEXT_1", "built-in")
    ]


def test_the_first_free_suffix_is_used_and_columns_that_fit_keep_their_names():
    # The table's own source_1 keeps its name, so source takes the next free one.
    stored, _ = attribute_names(["source", "source_1", "Source"])
    assert stored == ["source_2", "source_1", "Source_3"]


def test_names_equal_ignoring_case_within_a_table_get_a_suffix_after_the_first():
    stored, renamed = attribute_names(["Age", "age"])
    assert stored == ["Age", "age_1"] and renamed[0].why == "taken"


def test_rename_chooses_and_reserves_the_name():
    stored, renamed = attribute_names(["source", "channel_1"], {"source": "channel"})
    assert stored == ["channel", "channel_1"]
    assert [(r.column, r.stored, r.why) for r in renamed] == [("source", "channel", "--rename")]


@pytest.mark.parametrize("target", ["doc_id", "Text", "ward", "WARD"])
def test_rename_to_a_taken_name_is_refused(target):
    with pytest.raises(ValueError, match=f"--rename source={target}: '{target}' is"):
        attribute_names(["source", "ward"], {"source": target})


def test_every_stored_name_is_unique_ignoring_case_and_free_of_built_ins():
    columns = [*DOCUMENT_BASE_COLUMNS, *(c.upper() for c in DOCUMENT_BASE_COLUMNS), "text_1", "x", "X"]
    stored, _ = attribute_names(columns)
    folded = [s.casefold() for s in stored] + [c.casefold() for c in DOCUMENT_BASE_COLUMNS]
    assert len(folded) == len(set(folded))
