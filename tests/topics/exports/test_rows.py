"""The rows and wording every export shares: where an excerpt is, and one row per topic × excerpt."""

from __future__ import annotations

import pytest
from feedcare.topics.exports.rows import EXCERPT_COLUMNS, clock, excerpt_rows, percent, place, topic_row
from feedcare.topics.themes.build import build_themes
from feedcare.topics.themes.config import ThemesConfig
from feedcare.topics.themes.excerpts import Excerpt
from themes_fixtures import build_project


def excerpt(**changes) -> Excerpt:
    fields = dict(
        topic=0, rank=1, unit_id=3, doc_id="int01", source="int01.txt", participant_id="P01", speaker="P01",
        seg_start=2, seg_end=2, char_start=10, char_end=20, unit_char_start=10, unit_char_end=20,
        start_s=None, weight=0.5, text="0123456789", highlights=(),
    )
    return Excerpt(**{**fields, **changes})


@pytest.mark.parametrize(
    ("seconds", "text"), [(None, ""), (0, "0:00"), (59.9, "0:59"), (65, "1:05"), (3725, "1:02:05")]
)
def test_clock_reads_like_a_transcript_timestamp(seconds, text):
    assert clock(seconds) == text


def test_place_counts_turns_from_one_and_adds_the_time_when_known():
    assert place(excerpt()) == "P01, int01.txt, turn 3"
    assert place(excerpt(seg_end=4, start_s=65.0)) == "P01, int01.txt, turns 3–5, 1:05"
    assert place(excerpt(source="")) == "P01, int01, turn 3"  # a table row has no file of its own


def test_a_comment_is_placed_by_its_table_and_the_row_or_id_that_finds_it():
    comment = {"single_turn": True, "participant_id": "fft:12"}
    assert place(excerpt(doc_id="fft:12", source="fft.csv", **comment)) == "fft.csv, row 12"
    assert place(excerpt(doc_id="sub/fft:3", source="sub/fft.csv", **comment)) == "sub/fft.csv, row 3"
    assert place(excerpt(doc_id="4711", source="fft.csv", **comment)) == "fft.csv, id 4711"
    assert place(excerpt(doc_id="a:b", source="fft.csv", **comment)) == "fft.csv, id a:b"
    assert place(excerpt(doc_id="4711", source="", **comment)) == "4711"


def test_percent_has_one_decimal():
    assert percent(0.12345) == "12.3%" and percent(1.0) == "100.0%"


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    project = build_project(tmp_path_factory.mktemp("rows"))
    return build_themes(project.corpus, "latest", config=ThemesConfig(excerpts=2))


def test_excerpt_rows_repeat_the_topic_columns_on_every_excerpt(result):
    rows = excerpt_rows(result)
    assert len(rows) == sum(len(t.excerpts) for t in result.themes) == 6
    for theme in result.themes:
        mine = [r for r in rows if r["topic"] == theme.topic]
        assert [r["excerpt_rank"] for r in mine] == [1, 2]
        assert all({k: r[k] for k in topic_row(result, theme)} == topic_row(result, theme) for r in mine)
    assert list(rows[0])[-len(EXCERPT_COLUMNS):] == list(EXCERPT_COLUMNS)
    assert "highlights" not in rows[0] and "highlights" in excerpt_rows(result, highlights=True)[0]


def test_a_topic_without_excerpts_keeps_one_empty_row(result):
    from dataclasses import replace

    emptied = replace(result, themes=(replace(result.themes[0], excerpts=()), *result.themes[1:]))
    rows = [r for r in excerpt_rows(emptied) if r["topic"] == result.themes[0].topic]
    assert len(rows) == 1 and all(rows[0][c] is None for c in EXCERPT_COLUMNS)
