"""`feedcare kwic` through the real CLI: words, phrases, patterns, lemmas, roles, groups, export."""

from __future__ import annotations

import csv
import json

import pytest
from feedcare.corpus.base.errors import EXIT_DATA, EXIT_OK, EXIT_USAGE
from helpers import build_corpus


@pytest.fixture
def corpus(tmp_path):
    return build_corpus(
        tmp_path / "c",
        {
            "int01": [
                ("I", "interviewer", "How do you feel about the pain today?"),
                ("P01", "participant", "The Pain in my chest, chest pain really, was painful. I feel tired."),
            ],
            "int02": [
                ("I", "interviewer", "Any chest-pain at night?"),
                ("P02", "participant",
                 "She feels better; I felt awful and the feeling stays. Pains come and go."),
            ],
        },
        attributes={"int01": {"site": "Leeds"}, "int02": {"site": "York"}},
        participants={"int01": "P01", "int02": "P02"},
    )


def _hits(invoke, corpus, *args):
    """Matches in every turn (the matching tests); the role tests pass --role themselves."""
    if "--role" not in args:
        args = (*args, "--role", "all")
    result = invoke("kwic", *args, "--corpus", corpus, "--json")
    assert result.exit_code == EXIT_OK, result.output
    return json.loads(result.stdout)


def test_whole_word_case_insensitive(invoke, corpus):
    data = _hits(invoke, corpus, "pain")
    assert [h["match"] for h in data["hits"]] == ["pain", "Pain", "pain", "pain"]  # not "painful"
    assert data["total"] == 4


def test_context_windows_in_words(invoke, corpus):
    data = _hits(invoke, corpus, "pain", "--window", "3")
    first = data["hits"][1]
    assert (first["left"], first["match"], first["right"]) == ("The", "Pain", "in my chest")
    assert (first["doc_id"], first["participant_id"], first["role"]) == ("int01", "P01", "participant")


def test_hit_offsets_point_into_the_document(invoke, corpus):
    from feedcare.corpus import open_corpus

    texts = open_corpus(corpus).texts(["int01", "int02"])
    for hit in _hits(invoke, corpus, "chest pain")["hits"]:
        assert texts[hit["doc_id"]][hit["char_start"]:hit["char_end"]] == hit["match"]


def test_phrase_allows_spaces_and_hyphens_only(invoke, corpus):
    data = _hits(invoke, corpus, "chest pain")
    assert [h["match"] for h in data["hits"]] == ["chest pain", "chest-pain"]  # not "chest, chest"


def test_regex(invoke, corpus):
    data = _hits(invoke, corpus, r"feel\w*|felt", "--regex")
    assert [h["match"] for h in data["hits"]] == ["feel", "feel", "feels", "felt", "feeling"]


def test_lemma_matches_like_tokens_do(invoke, corpus):
    # simplemma gives feels → feel; corpus.normalise adds felt/feeling → feel (spoken verbs)
    matches = [h["match"] for h in _hits(invoke, corpus, "feel", "--lemma")["hits"]]
    assert matches == ["feel", "feel", "feels", "felt", "feeling"]
    assert [h["match"] for h in _hits(invoke, corpus, "pain", "--lemma")["hits"]][-1] == "Pains"
    assert "Pains" not in [h["match"] for h in _hits(invoke, corpus, "pain")["hits"]]


def test_role_filter(invoke, corpus):
    data = _hits(invoke, corpus, "pain", "--role", "interviewer")
    assert [(h["doc_id"], h["match"]) for h in data["hits"]] == [("int01", "pain"), ("int02", "pain")]


def test_by_attribute_counts_all_matches_even_beyond_the_limit(invoke, corpus):
    data = _hits(invoke, corpus, "pain", "--lemma", "--by", "site", "--limit", "1")
    assert data["counts"] == {"Leeds": 3, "York": 2}  # York: chest-pain, Pains
    assert (data["total"], data["shown"]) == (5, 1)


def test_table_output_and_csv_export(invoke, corpus, tmp_path):
    out = tmp_path / "hits.csv"
    result = invoke(
        "kwic", "chest pain", "--corpus", corpus, "--csv", out, "--by", "participant_id", "--role", "all"
    )
    assert result.exit_code == EXIT_OK
    assert "chest-pain" in result.stdout and "Matches by participant_id" in result.stdout
    assert "2 matches for 'chest pain'." in result.stderr
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [(r["doc_id"], r["match"]) for r in rows] == [("int01", "chest pain"), ("int02", "chest-pain")]


def test_no_matches_is_not_an_error(invoke, corpus):
    result = invoke("kwic", "zebra", "--corpus", corpus)
    assert result.exit_code == EXIT_OK
    assert "No matches for 'zebra' in participant turns." in result.stderr


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (["(unclosed", "--regex"], "TERM '(unclosed' is not a valid regular expression"),
        (["feel", "--regex", "--lemma"], "--lemma cannot be combined with --regex"),
        (["pain", "--window", "500"], "--window must be between 0 and 100 words, got 500"),
        (["pain", "--role", "doctor"],
         "--role must be one of interviewer, participant, other or all, got 'doctor'"),
        (["pain", "--by", "ward"], "--by 'ward' is not a document attribute; choose one of doc_id, "
                                   "participant_id, role, speaker, site"),
        (["  "], "TERM is empty"),
    ],
)
def test_usage_errors(invoke, corpus, args, error):
    result = invoke("kwic", *args, "--corpus", corpus)
    assert result.exit_code == EXIT_USAGE
    assert result.stderr.startswith(f"Error: {error}")


def test_missing_corpus(invoke, tmp_path):
    result = invoke("kwic", "pain", "--corpus", tmp_path / "nope")
    assert result.exit_code == EXIT_DATA


def test_participant_turns_only_by_default_with_a_role_column(invoke, corpus):
    data = json.loads(invoke("kwic", "pain", "--corpus", corpus, "--json").stdout)
    assert [(h["doc_id"], h["role"], h["match"]) for h in data["hits"]] == [
        ("int01", "participant", "Pain"), ("int01", "participant", "pain"),
    ]
    assert data["roles"] == ["participant"] and data["hidden"] == {"interviewer": 2}
    result = invoke("kwic", "pain", "--corpus", corpus)
    assert "role" in result.stdout.splitlines()[0] and "participant" in result.stdout
    assert "interviewer" not in result.stdout
    assert "2 matches for 'pain' in participant turns (2 in interviewer turns: --role all)." in result.stderr


def test_role_all_and_the_roles_tokens_models(invoke, corpus, tmp_path, monkeypatch):
    everything = json.loads(invoke("kwic", "pain", "--corpus", corpus, "--json", "--role", "all").stdout)
    assert {h["role"] for h in everything["hits"]} == {"interviewer", "participant"}
    assert everything["total"] == 4 and everything["roles"] is None and everything["hidden"] == {}
    # without --role, kwic searches the roles feedcare tokens models
    monkeypatch.chdir(tmp_path)
    (tmp_path / "feedcare.toml").write_text('[tokens]\nroles = ["participant", "interviewer"]\n')
    modelled = json.loads(invoke("kwic", "pain", "--corpus", corpus, "--json").stdout)
    assert modelled["total"] == 4 and modelled["roles"] == ["interviewer", "participant"]


HOSTILE = "\x1b[2J\x1b]0;pwned\x07The nurse\x1b[31m was \u202ekind\u202c to me\x9b1m today\x08\x08."


def test_control_characters_never_reach_the_terminal_or_the_csv(invoke, tmp_path):
    """Escape sequences in a transcript reached the terminal through kwic (issue 14, #11)."""
    corpus = build_corpus(tmp_path / "c", {"doc\x1b[1m01": [("P\x1b[5m01", "participant", HOSTILE)]},
                          participants={"doc\x1b[1m01": "P\x07001"})
    out = tmp_path / "hits.csv"
    result = invoke("kwic", "nurse", "--corpus", corpus, "--csv", out)
    assert result.exit_code == EXIT_OK, result.output
    for text in (result.stdout, result.stderr, out.read_text(encoding="utf-8")):
        assert not any(ch in text for ch in "\x1b\x07\x08\x9b\u202e\u202c"), repr(text)
    assert "nurse" in result.stdout and "kind" in result.stdout
    data = _hits(invoke, corpus, "nurse")  # JSON keeps the data as stored (escaped by JSON)
    assert data["hits"][0]["doc_id"] == "doc\x1b[1m01"


def test_context_is_the_same_words_however_long_the_turn():
    """The context is found near the match (a 2 MB one-line turn with thousands of matches took
    minutes: every match rescanned the turn from its start); the words must not change."""
    import random

    from feedcare.corpus.kwic import WORD, _context

    def reference(text, start, end, window):
        before = list(WORD.finditer(text, 0, start))
        after = list(WORD.finditer(text, end))
        left_start = before[-window].start() if len(before) >= window else 0
        right_end = after[window - 1].end() if len(after) >= window else len(text)
        return " ".join(text[left_start:start].split()), " ".join(text[end:right_end].split())

    rng = random.Random(3)
    words = ["nurse", "a", "very-long-hyphenated-word" * 3, "don't", "—", "  ", "\n", "x" * 300, "ward."]
    text = " ".join(rng.choice(words) for _ in range(2500))
    for match in list(WORD.finditer(text))[::61]:
        for window in (1, 8, 100):
            assert _context(text, *match.span(), window) == reference(text, *match.span(), window)


def test_by_finds_a_table_column_kept_under_a_new_name(invoke, tmp_path):
    table = tmp_path / "fft.csv"
    table.write_text("comment,source\nChest pain all night,web\nNo pain now,paper\nPain again,web\n",
                     encoding="utf-8")
    assert invoke("ingest", table, "--text-column", "comment", "--corpus", tmp_path / "c").exit_code == 0
    data = _hits(invoke, tmp_path / "c", "pain", "--by", "source")  # stored as source_1
    assert data["counts"] == {"web": 2, "paper": 1}


def test_a_tables_role_column_is_reached_with_doc_prefix_and_named_when_shadowed(invoke, tmp_path):
    """A feedback table's own `role` column (the respondent's job) is not the turn's role."""
    table = tmp_path / "staff.csv"
    table.write_text("comment,role\nPain at work,nurse\nNo pain now,porter\nPain again,nurse\n",
                     encoding="utf-8")
    assert invoke("ingest", table, "--text-column", "comment", "--corpus", tmp_path / "c").exit_code == 0
    turns = _hits(invoke, tmp_path / "c", "pain", "--by", "role")
    assert turns["counts"] == {"participant": 3} and turns["shadowed"] == "role"
    documents = _hits(invoke, tmp_path / "c", "pain", "--by", "doc:role")
    assert documents["counts"] == {"nurse": 2, "porter": 1} and documents["shadowed"] is None
    shown = invoke("kwic", "pain", "--corpus", tmp_path / "c", "--by", "role")
    assert "for the document attribute 'role', use --by doc:role" in shown.output
    missing = invoke("kwic", "pain", "--corpus", tmp_path / "c", "--by", "doc:ward")
    assert missing.exit_code == EXIT_USAGE and "'ward' is not a document attribute" in missing.output


def test_a_role_column_spelled_with_a_capital_is_named_as_shadowed_too(invoke, tmp_path):
    table = tmp_path / "staff.csv"
    table.write_text("comment,Role\nPain at work,nurse\n", encoding="utf-8")
    assert invoke("ingest", table, "--text-column", "comment", "--corpus", tmp_path / "c").exit_code == 0
    assert _hits(invoke, tmp_path / "c", "pain", "--by", "role")["shadowed"] == "role"
    assert _hits(invoke, tmp_path / "c", "pain", "--by", "doc:role")["counts"] == {"nurse": 1}
