"""`Corpus` reading: which attribute a name given to --by means."""

from __future__ import annotations

import pytest
from feedcare.corpus import open_corpus
from feedcare.corpus.base.errors import UsageError


@pytest.fixture
def corpus(invoke, tmp_path):
    table = tmp_path / "fft.csv"
    table.write_text("comment,source,Ward\nGreat care,web,4\nLong wait,paper,5\n", encoding="utf-8")
    assert invoke("ingest", table, "--text-column", "comment", "--corpus", tmp_path / "c").exit_code == 0
    return open_corpus(tmp_path / "c")


def test_an_attribute_is_found_by_its_stored_name(corpus):
    assert corpus.attribute_columns == ["source_1", "Ward"]
    assert corpus.resolve_attribute("source_1") == "source_1"
    assert corpus.resolve_attribute("Ward") == "Ward"


def test_the_table_s_name_of_a_renamed_column_finds_it(corpus):
    assert corpus.resolve_attribute("source") == "source_1"


def test_a_name_equal_ignoring_case_finds_the_one_attribute(corpus):
    assert corpus.resolve_attribute("ward") == "Ward"


def test_an_unknown_name_lists_the_attributes(corpus):
    with pytest.raises(UsageError, match="--by site: no such document attribute; the corpus has: source_1"):
        corpus.resolve_attribute("site")
