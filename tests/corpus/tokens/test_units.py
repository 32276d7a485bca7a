"""Analysis units: merging, splitting, windows, documents, and tracing units to the text."""

from __future__ import annotations

import functools

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
from hypothesis import given, settings
from hypothesis import strategies as st

CONTENT = "nurse doctor ward pain scan clinic surgery bed meal visit drug test"


def words(n: int, offset: int = 0) -> str:
    vocab = CONTENT.split()
    return " ".join(vocab[(offset + i) % len(vocab)] for i in range(n))


@functools.lru_cache(maxsize=4)
def _splitter(text: str):
    return sentence_splitter(train_punkt([text]))


def units_of(turns, mode="turn", train_text="", stats=None, **settings):
    """Units of one document from (speaker, role, text) turns; the roles of ``config.roles`` are
    modelled and interviewer turns are passed as the document's questions, as `tokens` does."""
    config = TokensConfig(**settings)
    tokenizer = Tokenizer(config, load_stoplists(config))
    splitter = _splitter(train_text or " ".join(t[2] for t in turns))
    doc_turns, interviewer, text = [], [], ""
    for seg, (speaker, role, turn) in enumerate(turns):
        if role in config.roles:
            doc_turns.append(Turn(seg, speaker, len(text), turn))
        if role == "interviewer":
            interviewer.append(Turn(seg, speaker, len(text), turn))
        text += turn + "\n"
    doc = DocTurns("d1", "p1", mode, tuple(doc_turns), tuple(interviewer))
    return build_units(doc, tokenizer, splitter, config, stats or UnitStats()), text


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


# --- answer units (issue 13) ------------------------------------------------------------------


def test_turn_units_merge_short_answers_across_questions_answer_units_do_not():
    turns = [
        ("I", "interviewer", "How was the ward?"),
        ("P", "participant", "Fine, " + words(3)),
        ("I", "interviewer", "And the food on the ward?"),
        ("P", "participant", words(4, 3)),
    ]
    merged, _ = units_of(turns, mode="turn", min_tokens=20)
    assert [(u.seg_start, u.seg_end) for u in merged] == [(1, 3)]  # one unit, two questions
    answers, _ = units_of(turns, mode="answer", min_tokens=20)
    assert [(u.seg_start, u.seg_end, u.question_seg) for u in answers] == [(1, 1, 0), (3, 3, 2)]


def test_an_answer_goes_on_across_a_continuer_but_not_across_a_question():
    turns = [
        ("I", "interviewer", "Tell me about the clinic."),
        ("P", "participant", "Yes, " + words(3)),
        ("I", "interviewer", "Mm-hm."),
        ("P", "participant", words(10, 3)),
        ("I", "interviewer", "Okay. And the surgery?"),
        ("P", "participant", words(6, 5)),
    ]
    stats = UnitStats()
    units, text = units_of(turns, mode="answer", min_tokens=20, stats=stats)
    found = [(u.seg_start, u.seg_end, u.question_seg, u.n_tokens) for u in units]
    assert found == [(1, 3, 0, 13), (5, 5, 4, 6)]
    assert (stats.interviewer_turns, stats.questions, stats.across_questions) == (3, 2, 0)
    assert text[units[0].char_start : units[0].char_end].startswith("Yes, ")
    # question_min_tokens = 0: every interviewer turn ends an answer, "Mm-hm." included
    strict, _ = units_of(turns, mode="answer", min_tokens=20, question_min_tokens=0)
    assert [(u.seg_start, u.seg_end, u.question_seg) for u in strict] == [(1, 1, 0), (3, 3, 2), (5, 5, 4)]


def test_long_answers_are_split_and_every_piece_keeps_its_question():
    sentences = " ".join(words(9, i).capitalize() + "." for i in range(12))  # 108 tokens
    turns = [("I", "interviewer", "What happened at the clinic?"), ("P", "participant", sentences)]
    units, _ = units_of(turns, mode="answer", min_tokens=5, max_tokens=40)
    assert len(units) == 3 and all(u.n_tokens <= 40 for u in units)
    assert {u.question_seg for u in units} == {0}


def test_units_before_the_first_question_have_none_and_turn_units_count_spanned_questions():
    turns = [
        ("P", "participant", words(3)),
        ("I", "interviewer", "Which ward?"),
        ("P", "participant", words(3, 2)),
    ]
    stats = UnitStats()
    units, _ = units_of(turns, mode="turn", min_tokens=20, stats=stats)
    assert [(u.seg_start, u.seg_end, u.question_seg) for u in units] == [(0, 2, None)]
    assert stats.across_questions == 1
    answers, _ = units_of(turns, mode="answer", min_tokens=20)
    assert [u.question_seg for u in answers] == [None, 1]


def test_with_the_interviewer_modelled_a_question_starts_its_answers_unit():
    turns = [
        ("I", "interviewer", "How was the ward?"),
        ("P", "participant", words(4)),
        ("I", "interviewer", "And the clinic?"),
        ("P", "participant", words(4, 4)),
    ]
    units, _ = units_of(turns, mode="answer", min_tokens=20, roles=("participant", "interviewer"))
    assert [(u.seg_start, u.seg_end, u.question_seg) for u in units] == [(0, 1, 0), (2, 3, 2)]


_CONTENT = st.sampled_from(CONTENT.split())
_TURN_TEXT = st.lists(_CONTENT, min_size=0, max_size=60).map(" ".join)
_CONTINUER = st.sampled_from(["Mm-hm.", "Okay.", "Right.", "Yeah.", "I see."])
_QUESTION = st.lists(_CONTENT, min_size=1, max_size=8).map(lambda w: "And the " + " ".join(w) + "?")


@st.composite
def interview_turns(draw):
    turns = []
    for _ in range(draw(st.integers(1, 25))):
        kind = draw(st.sampled_from(["question", "continuer", "answer", "answer", "other"]))
        if kind == "question":
            turns.append(("I", "interviewer", draw(_QUESTION)))
        elif kind == "continuer":
            turns.append(("I", "interviewer", draw(_CONTINUER)))
        elif kind == "other":
            turns.append(("R2", "other", draw(_TURN_TEXT) or "hm"))
        else:
            turns.append((draw(st.sampled_from(["P", "P2"])), "participant", draw(_TURN_TEXT) or "yes"))
    return turns


@settings(max_examples=100, deadline=None)
@given(interview_turns(), st.integers(1, 30), st.integers(0, 1))
def test_answer_units_never_span_a_question_and_cover_every_participant_token(turns, low, strict):
    settings_ = {"min_tokens": low, "max_tokens": max(low, 25), "question_min_tokens": 1 - strict}
    units, _ = units_of(turns, mode="answer", train_text=CONTENT + ".", **settings_)
    config = TokensConfig(**settings_)
    tokenizer = Tokenizer(config, load_stoplists(config))
    is_question = [
        role == "interviewer" and (strict or sum(map(len, tokenizer.chunks(text))) >= 1)
        for _speaker, role, text in turns
    ]
    for unit in units:
        assert not any(is_question[unit.seg_start + 1 : unit.seg_end + 1]), (unit, turns)
        before = [i for i in range(unit.seg_start + 1) if is_question[i]]
        assert unit.question_seg == (before[-1] if before else None)
    assert [u.char_start for u in units] == sorted(u.char_start for u in units)
    participant = [text for _speaker, role, text in turns if role == "participant"]
    expected = [t for text in participant for chunk in tokenizer.chunks(text) for t in chunk]
    assert [t for u in units for c in u.chunks for t in c] == expected


def test_tokens_parquet_links_each_unit_to_the_question_it_answers(tmp_path):
    from feedcare.corpus import ingest
    from topics_fixtures import CONTINUERS, planted_transcripts

    planted_transcripts(tmp_path / "interviews", n_docs=8)
    ingest([tmp_path / "interviews"], tmp_path / "c")
    corpus = open_corpus(tmp_path / "c")
    table = corpus.segments(columns=["doc_id", "seg", "role", "text"]).to_pylist()
    segments = {(s["doc_id"], s["seg"]): s for s in table}
    for unit in ("answer", "turn"):
        report = build_tokens(corpus, TokensConfig(unit=unit, no_below=1), jobs=1, force=True)
        rows = pq.read_table(corpus.tokens_path).to_pylist()
        assert all(r["question_seg"] is not None for r in rows)  # every answer follows a question
        for row in rows:
            question = segments[(row["doc_id"], row["question_seg"])]
            assert question["role"] == "interviewer" and question["text"].startswith("Question ")
            assert row["question_seg"] < row["seg_start"]
            inside = [segments[(row["doc_id"], s)] for s in range(row["seg_start"], row["seg_end"] + 1)]
            spanned = [s for s in inside if s["role"] == "interviewer" and s["text"] not in CONTINUERS]
            if unit == "answer":
                assert not spanned, row
        across = report.summary.units_across_questions
        assert (across == 0) if unit == "answer" else (across > 0)
        assert report.summary.questions < report.summary.interviewer_turns  # continuers
