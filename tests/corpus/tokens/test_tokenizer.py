"""The tokenizer's filters, one by one, and phrase detection against gensim."""

from __future__ import annotations

import pytest
from feedcare.corpus.tokens.config import TokensConfig
from feedcare.corpus.tokens.phrases import PhraseCounter, apply_phrases, count_pairs
from feedcare.corpus.tokens.tokenizer import Tokenizer, load_stoplists


def tokens(text: str, file_texts: dict[str, str] | None = None, **settings) -> list[str]:
    config = TokensConfig(**settings)
    tokenizer = Tokenizer(config, load_stoplists(config, file_texts))
    return [t for chunk in tokenizer.chunks(text) for t in chunk]


def test_words_keep_inner_apostrophes_hyphens_and_ampersands():
    assert tokens("Went to A&E; my well-being, the nurse's shift", lemmatize=False) == [
        "went",
        "a&e",
        "well-being",
        "nurse",
        "shift",
    ]


@pytest.mark.parametrize(
    "marker", ["[NAME]", "[HOSPITAL]", "[inaudible 00:12:34]", "[laughs]", "<name>", "{REDACTED}"]
)
def test_redaction_markers_never_become_tokens(marker):
    result = tokens(f"Dr {marker} said the scan was clear", stopwords=False, spoken_stopwords=False)
    assert not {"name", "hospital", "inaudible", "laughs", "redacted"} & set(result)
    assert "scan" in result


def test_markers_are_counted_and_break_phrases():
    config = TokensConfig()
    tokenizer = Tokenizer(config, load_stoplists(config))
    assert tokenizer.chunks("chest [NAME] pain") == [["chest"], ["pain"]]
    assert tokenizer.counts()["markers"] == 1


def test_punctuation_splits_chunks_so_phrases_cannot_cross_it():
    config = TokensConfig()
    tokenizer = Tokenizer(config, load_stoplists(config))
    assert tokenizer.chunks("Chest pain. Back pain, headache") == [["chest", "pain"], ["pain"], ["headache"]]


def test_numbers_are_removed_unless_they_carry_letters():
    assert tokens("39 years, 3.5 mg at 12:30 after covid-19") == ["year", "mg", "covid-19"]
    assert "39" in tokens("39 years", remove_numbers=False)


def test_min_length():
    assert tokens("x-ray ab abc", lemmatize=False, stopwords=False, min_length=3) == ["x-ray", "abc"]
    assert tokens("ab abc", lemmatize=False, stopwords=False, min_length=2) == ["ab", "abc"]


def test_gensim_stopwords_switch():
    assert tokens("the nurse was there", spoken_stopwords=False) == ["nurse"]
    assert tokens("the nurse", stopwords=False, lemmatize=False) == ["the", "nurse"]


def test_spoken_fillers_and_uk_forms_are_removed():
    text = "Um, erm, yeah, okay, like, innit, cos I'm gonna, mm, mhm, alright, the nurse"
    assert tokens(text) == ["nurse"]


def test_multiword_fillers_go_but_their_words_stay_elsewhere():
    assert tokens("It was kind of sore, you know") == ["sore"]
    assert tokens("The nurses were kind") == ["nurse", "kind"]
    assert tokens("I didn't know the plan") == ["know", "plan"]
    assert tokens("I mean, it sort of hurt") == ["hurt"]


def test_spoken_list_switch_keeps_fillers():
    assert "yeah" in tokens("yeah the nurse", spoken_stopwords=False)


def test_extra_stopwords_files_and_keep_words():
    assert tokens("the ward sister helped", extra_stopwords=("ward", "sister helped")) == []
    files = {"mine.txt": "# my list\nhelped\n  Ward  \n"}
    assert tokens("the ward sister helped", file_texts=files, stopwords_files=("mine.txt",)) == ["sister"]
    assert tokens("I like the staff", keep_words=("like",)) == ["like", "staff"]


def test_lemmatisation_switch():
    assert tokens("nurses were waiting") == ["nurse", "wait"]
    assert tokens("nurses were waiting", lemmatize=False) == ["nurses", "waiting"]


def test_lowercase_off_keeps_case_of_names():
    assert tokens("NHS Choices and nurses", lowercase=False) == ["NHS", "Choices", "nurse"]


def test_stopwords_apply_after_lemmatisation():
    # "did" and "got" are not in gensim's list, but their lemmas ("do", "get") are.
    assert tokens("did got") == []


def test_span_chunks_point_into_the_text():
    config = TokensConfig()
    tokenizer = Tokenizer(config, load_stoplists(config))
    text = "Um, you know, the Nurses were kind."
    spans = [t for chunk in tokenizer.span_chunks(text, offset=100) for t in chunk]
    assert [(token, text[s - 100 : e - 100]) for token, s, e in spans] == [
        ("nurse", "Nurses"),
        ("kind", "kind"),
    ]


CHUNKS = [
    ["chest", "pain", "left", "arm"],
    ["chest", "pain", "night"],
    ["blood", "pressure", "chest", "pain"],
    ["chest", "pain", "blood", "pressure"],
    ["blood", "pressure", "high"],
    ["pain", "chest", "chest"],
] * 3


def test_phrase_counts_merged_from_batches_score_like_gensim():
    from gensim.models.phrases import Phrases

    config = TokensConfig(phrases_min_count=2, phrases_threshold=1.0)
    counter = PhraseCounter(config)
    for batch in (CHUNKS[:5], CHUNKS[5:11], CHUNKS[11:]):
        vocab: dict[str, int] = {}
        counter.add(vocab, count_pairs(batch, vocab))
    reference = Phrases(CHUNKS, min_count=2, threshold=1.0, delimiter="_")
    found = {p.phrase: p.score for p in counter.phrases()}
    assert found and found == pytest.approx(reference.export_phrases())


def test_apply_phrases_matches_gensim_frozen_phrases():
    from gensim.models.phrases import Phrases

    frozen = Phrases(CHUNKS, min_count=2, threshold=1.0, delimiter="_").freeze()
    table = frozenset(frozen.phrasegrams)
    for chunk in CHUNKS:
        assert apply_phrases([chunk], table) == frozen[chunk]
    # Never across chunks:
    assert apply_phrases([["chest"], ["pain"]], table) == ["chest", "pain"]


def test_lemmas_of_british_and_spoken_forms():
    from feedcare.corpus.tokens.normalise import lemma

    assert [lemma(w) for w in ("cancelled", "travelling", "labelled", "filled", "spelled")] == [
        "cancel", "travel", "label", "fill", "spell",
    ]
    assert [lemma(w) for w in ("felt", "feeling", "tired", "nurses")] == ["feel", "feel", "tired", "nurse"]
