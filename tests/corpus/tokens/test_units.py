"""Analysis units: merging, splitting, windows, documents, and tracing units to the text."""

from __future__ import annotations

import pyarrow.parquet as pq
from feedcare.corpus import open_corpus
from feedcare.corpus.tokens.build import build_tokens
from feedcare.corpus.tokens.config import TokensConfig
from feedcare.corpus.tokens.tokenizer import Tokenizer, load_stoplists
from feedcare.corpus.tokens.units import (
    DocTurns,
    Turn,
    UnitStats,
    build_units,
    sentence_splitter,
    train_punkt,
    window_starts,
)
from helpers import build_corpus

CONTENT = "nurse doctor ward pain scan clinic surgery bed meal visit drug test"


def words(n: int, offset: int = 0) -> str:
    vocab = CONTENT.split()
    return " ".join(vocab[(offset + i) % len(vocab)] for i in range(n))


def units_of(turns, mode="turn", train_text="", **settings):
    config = TokensConfig(**settings)
    tokenizer = Tokenizer(config, load_stoplists(config))
    splitter = sentence_splitter(train_punkt([train_text or " ".join(t[2] for t in turns)]))
    doc_turns, text = [], ""
    for seg, (speaker, _role, turn) in enumerate(turns):
        doc_turns.append(Turn(seg, speaker, len(text), turn))
        text += turn + "\n"
    doc = DocTurns("d1", "p1", mode, tuple(doc_turns))
    return build_units(doc, tokenizer, splitter, config, UnitStats()), text


def test_short_yeah_turn_is_merged_into_the_next_turn_of_the_same_speaker():
    turns = [("P", "participant", "Yeah, yeah okay."), ("P", "participant", words(25))]
    units, _ = units_of(turns, min_tokens=20)
    assert len(units) == 1
    assert (units[0].seg_start, units[0].seg_end, units[0].n_tokens) == (0, 1, 25)


def test_short_turns_merge_until_min_tokens():
    turns = [("P", "participant", words(8, i)) for i in range(5)]
    units, _ = units_of(turns, min_tokens=20, max_tokens=30)
    assert [(u.seg_start, u.seg_end, u.n_tokens) for u in units] == [(0, 2, 24), (3, 4, 16)]


def test_short_remainder_joins_the_previous_unit_when_it_fits():
    turns = [("P", "participant", words(20)), ("P", "participant", words(3))]
    units, _ = units_of(turns, min_tokens=20, max_tokens=100)
    assert [(u.seg_start, u.seg_end, u.n_tokens) for u in units] == [(0, 1, 23)]


def test_merging_stops_at_a_change_of_speaker():
    turns = [("P1", "participant", words(5)), ("P2", "participant", words(5))]
    units, _ = units_of(turns, min_tokens=20)
    assert [(u.seg_start, u.seg_end) for u in units] == [(0, 0), (1, 1)]


def test_long_turn_is_split_at_sentence_boundaries_into_pieces_within_max_tokens():
    sentences = [words(9, i) + "." for i in range(12)]  # 108 tokens in 12 sentences
    text = " ".join(s.capitalize() for s in sentences)
    units, doc_text = units_of([("P", "participant", text)], min_tokens=5, max_tokens=40)
    assert len(units) == 3
    assert all(u.n_tokens <= 40 for u in units)
    assert sum(u.n_tokens for u in units) == 108
    for unit in units:
        piece = doc_text[unit.char_start : unit.char_end]
        assert piece[0].isupper() and piece.endswith(".")  # whole sentences
    assert [u.char_start for u in units] == sorted(u.char_start for u in units)


def test_a_single_sentence_longer_than_max_tokens_is_cut_into_equal_parts():
    text = words(50) + "."
    units, doc_text = units_of([("P", "participant", text)], min_tokens=5, max_tokens=20)
    assert [u.n_tokens for u in units] == [17, 16, 17]  # the fewest parts, as equal as possible
    assert doc_text[units[0].char_start : units[0].char_end].split() == words(17).split()
    assert units[1].char_start > units[0].char_end


def test_document_mode_uses_all_selected_turns_whole():
    turns = [("P", "participant", words(300)), ("P", "participant", words(2))]
    units, _ = units_of(turns, mode="document")
    assert [(u.seg_start, u.seg_end, u.n_tokens) for u in units] == [(0, 1, 302)]


def test_window_mode_cuts_fixed_windows_with_offsets():
    turns = [("P", "participant", words(7)), ("P", "participant", words(8, 7))]
    units, text = units_of(turns, mode="window", window_size=5)
    assert [u.n_tokens for u in units] == [5, 5, 5]
    assert [(u.seg_start, u.seg_end) for u in units] == [(0, 0), (0, 1), (1, 1)]
    assert text[units[1].char_start : units[1].char_end].split() == words(15).split()[5:10]
    assert text[units[0].char_start : units[0].char_end] == words(5)


def test_window_starts_overlap_and_remainder():
    assert window_starts(10, 4, 4) == [0, 4, 8]
    assert window_starts(10, 4, 2) == [0, 2, 4, 6]
    assert window_starts(3, 4, 4) == [0]


def test_units_trace_back_to_the_transcript(tmp_path):
    build_corpus(
        tmp_path / "c",
        {
            "int1": [
                ("I", "interviewer", "How was the ward?"),
                ("P", "participant", "Yeah."),
                ("I", "interviewer", "Go on."),
                ("P", "participant", "The nurses on the ward were kind and the doctor explained the scan."),
            ]
        },
    )
    corpus = open_corpus(tmp_path / "c")
    build_tokens(corpus, TokensConfig(no_below=1, no_above=1.0, min_tokens=3), jobs=1)
    row = pq.read_table(corpus.tokens_path).to_pylist()[0]
    text = corpus.texts(["int1"])["int1"]
    assert (row["seg_start"], row["seg_end"]) == (1, 3)
    excerpt = text[row["char_start"] : row["char_end"]]
    assert excerpt.startswith("Yeah.") and excerpt.endswith("the scan.")
    assert row["tokens"] == ["nurse", "ward", "kind", "doctor", "explain", "scan"]
