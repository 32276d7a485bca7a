"""The tokenizer's filters, one by one, and phrase detection against gensim."""

from __future__ import annotations

import re

import pytest
from feedcare.corpus.tokens.config import MARKER_FAMILIES, TokensConfig
from feedcare.corpus.tokens.phrases import PhraseCounter, apply_phrases, count_pairs
from feedcare.corpus.tokens.tokenizer import Tokenizer, load_stoplists
from hypothesis import given, settings
from hypothesis import strategies as st


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


MARKERS = [
    "[NAME]", "[HOSPITAL]", "[inaudible 00:12:34]", "[laughs]", "<name>", "{REDACTED}", "[REDACTED]",
    "[redacted]", "<redacted>", "{name}", "XXXX", "xxxx", "XXX", "XXXX's", "***", "******", "REDACTED",
]


@pytest.mark.parametrize("marker", MARKERS)
def test_redaction_markers_never_become_tokens(marker):
    result = tokens(f"Dr {marker} said the scan was clear", stopwords=False, spoken_stopwords=False)
    assert not {"name", "hospital", "inaudible", "laughs", "redacted", "xxxx", "xxx"} & set(result)
    assert "scan" in result
    config = TokensConfig(stopwords=False, spoken_stopwords=False, lemmatize=False)
    tokenizer = Tokenizer(config, load_stoplists(config))
    assert tokenizer.chunks(f"chest {marker} pain") == [["chest"], ["pain"]]  # never inside a phrase
    assert tokenizer.counts()["markers"] == 1


@given(
    st.lists(
        st.one_of(st.sampled_from(MARKERS), st.from_regex(r"[a-z]{2,8}", fullmatch=True)), max_size=30
    ),
    st.lists(st.sampled_from([" ", ", ", ". ", "\n", "-"]), min_size=30, max_size=30),
)
@settings(max_examples=200, deadline=None)
def test_markers_are_never_tokens_nor_phrase_parts(pieces, separators):
    config = TokensConfig(stopwords=False, spoken_stopwords=False, lemmatize=False, min_length=1)
    tokenizer = Tokenizer(config, load_stoplists(config))
    text = "".join(p + s for p, s in zip(pieces, separators, strict=False))
    spans = tokenizer.span_chunks(text)
    tokens = [token for chunk in spans for token, _start, _end in chunk]
    assert not [t for t in tokens if re.fullmatch(r"x{3,}(?:'s)?|redacted", t)]
    for chunk in spans:  # consecutive tokens of a chunk have no marker between them
        for (_t, _s, end), (_u, start, _e) in zip(chunk, chunk[1:], strict=False):
            assert not any(m in text[end:start] for m in MARKERS), text[end:start]
    assert tokenizer.chunks(text) == [[t for t, _s, _e in chunk] for chunk in spans]


def test_not_markers_stay_words():
    assert tokens("XXL gloves, an Xbox, a taxi and 10x faster; it was redacted", lemmatize=False) == [
        "xxl", "gloves", "xbox", "taxi", "10x", "faster", "redacted",
    ]


def test_marker_patterns_are_configurable():
    assert tokens("ask PARTICIPANT_07 now", extra_markers=("PARTICIPANT_\\d+",)) == ["ask"]
    # without the square-bracket family, a bracketed note is words again
    families = tuple(v for k, v in MARKER_FAMILIES.items() if k != "square")
    assert tokens("the [laughs] nurse", markers=families, lemmatize=False) == ["laughs", "nurse"]
    assert tokens("XXXX nurse", markers=(), lemmatize=False) == ["xxxx", "nurse"]


@pytest.mark.parametrize(("pattern", "message"), [("[unclosed", "not a valid regular expression"),
                                                  ("x*", "matches empty text")])
def test_bad_marker_patterns_are_config_errors(pattern, message):
    with pytest.raises(ValueError, match=message):
        TokensConfig(extra_markers=(pattern,))


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


def test_blocks_never_cut_a_token_or_a_marker():
    """Long texts are tokenised block by block (issue 14, #7): the tokens must not change."""
    import random
    import re

    from feedcare.corpus.tokens.tokenizer import TOKEN_PATTERN, blocks

    rng = random.Random(5)
    pieces = ["word", "can't", "well-being", "[inaudible 00:12:34]", "[NAME]", "<name>", "{HOSPITAL}",
              "a&e", ",", ".", "\n", "[crosstalk  and more]"]
    text = " ".join(rng.choice(pieces) for _ in range(40_000))
    pattern = re.compile(TOKEN_PATTERN, re.VERBOSE)
    for size in (500, 1_000, 7_777):
        cuts = blocks(text, size)
        assert cuts[0][0] == 0 and cuts[-1][1] == len(text)
        assert all(a[1] == b[0] for a, b in zip(cuts, cuts[1:], strict=False))
        assert max(end - start for start, end in cuts) <= size
        pieced = [token for start, end in cuts for token in pattern.findall(text[start:end])]
        assert pieced == pattern.findall(text)
    assert blocks("short") == [(0, 5)]
