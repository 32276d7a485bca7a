"""The readers registry (corpus/readers/registry.py): one row per suffix ingest and audit read."""

from __future__ import annotations

import inspect

import pytest
from feedcare.corpus.readers.registry import (
    READERS,
    ReaderSpec,
    register_reader,
    table_formats,
    transcript_formats,
)


@pytest.mark.parametrize("suffix", list(READERS))
def test_every_row_points_at_a_reader_of_its_kind(suffix):
    spec = READERS[suffix]
    assert spec.suffix == suffix and suffix == suffix.lower() and not suffix.startswith(".")
    parameters = inspect.signature(spec.load()).parameters
    if spec.kind == "transcript":
        assert list(parameters)[0] == "data" and parameters["labels"].kind is inspect.Parameter.KEYWORD_ONLY
    else:
        assert list(parameters)[:2] == ["path", "fmt"]


def test_the_formats_lists_split_the_registry_by_kind():
    assert transcript_formats() == ("txt", "md", "docx", "vtt", "srt")
    assert table_formats() == ("csv", "tsv", "parquet")


def test_registering_a_suffix_again_replaces_its_reader():
    saved = dict(READERS)
    try:
        register_reader(ReaderSpec("txt", "transcript", "toy_extensions", "parse_chat", "chat logs as .txt"))
        assert READERS["txt"].function == "parse_chat" and transcript_formats().count("txt") == 1
    finally:
        READERS.clear()
        READERS.update(saved)


def test_a_registered_table_format_is_tokenised_one_unit_per_row():
    """tokens' "auto" units follow the registry, so a plug-in table reader needs no second list."""
    from feedcare.corpus.tokens.batches import resolve_mode

    saved = dict(READERS)
    try:
        assert resolve_mode("auto", "xlsx") == "turn"  # not a table format feedcare reads
        register_reader(ReaderSpec("xlsx", "table", "toy_extensions", "read_xlsx", "Excel workbook"))
        assert resolve_mode("auto", "xlsx") == "document"
        assert resolve_mode("auto", "csv") == "document" and resolve_mode("auto", "docx") == "turn"
    finally:
        READERS.clear()
        READERS.update(saved)
