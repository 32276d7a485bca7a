"""Seed expansion from the corpus (topics/codebook/expansion.py): a code named by two of its planted
topic's words gains more of that topic's words, never another code's, the same way on every run; the
terms are recorded in run.json, reach the engines' priors, and are shown apart from the name's terms."""

from __future__ import annotations

import json

import pytest
from feedcare.corpus import open_corpus
from feedcare.topics import TopicsConfig, fit_topics
from feedcare.topics.codebook.expansion import EXPANDED_WEIGHT
from feedcare.topics.codebook.readers import read_codebook
from feedcare.topics.codebook.seeds import plan_guidance
from feedcare.topics.engines.priors import EXCLUDED, seed_priors
from topics_fixtures import corpus_with_tokens, planted_units


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    units, truth = planted_units(n_docs=300, n_topics=5, words_per_topic=15, seed=7)
    return corpus_with_tokens(tmp_path_factory.mktemp("planted") / "c", units), truth


def _names_codebook(path, truth):
    """Codes named after two of their planted topic's words (as in test_guided.py), one code the corpus
    never uses."""
    lines = ["code,description"] + [f'"Theme {t}: {truth[t][0]} and {truth[t][1]}",' for t in range(4)]
    path.write_text("\n".join([*lines, '"Zebras",striped animals']) + "\n", encoding="utf-8")
    return read_codebook(path)


def test_names_gain_words_of_their_own_planted_topic_and_no_other_codes(tmp_path, planted):
    corpus, truth = planted
    guidance = plan_guidance(open_corpus(corpus), _names_codebook(tmp_path / "codes.csv", truth), free=1,
                             expand=4)
    assert guidance.expand == 4 and guidance.expanded_weight == EXPANDED_WEIGHT
    seeds = {t for c in guidance.guided for t in c.seeds or []}
    owners: dict[str, int] = {}
    for topic, code in enumerate(guidance.guided):
        assert code.seeds == [truth[topic][0], truth[topic][1]]  # the name's terms stay as they were
        assert code.expanded and len(code.expanded) <= 4, code
        # the planted topic's own words (its first 15 are t{topic}w00..14)
        assert all(term.startswith(f"t{topic}w") for term in code.expanded), code.expanded
        assert not set(code.expanded) & seeds
        for term in code.expanded:
            assert term not in owners, f"{term} expanded into two codes"
            owners[term] = topic
    assert guidance.codes[-1].topic is None and guidance.codes[-1].expanded is None  # nothing to expand from


def test_expansion_is_deterministic_and_zero_turns_it_off(tmp_path, planted):
    corpus, truth = planted
    book = _names_codebook(tmp_path / "codes.csv", truth)
    first = plan_guidance(open_corpus(corpus), book, free=1, expand=6)
    again = plan_guidance(open_corpus(corpus), book, free=1, expand=6)
    assert first.to_dict() == again.to_dict()
    assert json.dumps(first.engine_settings()) == json.dumps(again.engine_settings())
    off = plan_guidance(open_corpus(corpus), book, free=1, expand=0)
    assert all(c.expanded is None for c in off.codes)
    assert "expanded_topics" not in off.engine_settings()  # an unexpanded run's fingerprint is unchanged


def test_seed_terms_given_in_the_file_are_not_expanded(tmp_path, planted):
    corpus, truth = planted
    book = tmp_path / "codes.csv"
    book.write_text(f"code,seeds\nGiven,{truth[0][0]}\nNamed {truth[1][0]},\n", encoding="utf-8")
    guidance = plan_guidance(open_corpus(corpus), read_codebook(book), free=1, expand=5)
    given, named = guidance.guided
    assert given.seeds_from == "file" and given.expanded is None
    assert named.seeds_from == "name" and named.expanded


def test_expanded_terms_get_the_weaker_prior_in_their_codes_topic_only(tmp_path, planted):
    corpus, truth = planted
    guidance = plan_guidance(open_corpus(corpus), _names_codebook(tmp_path / "codes.csv", truth), free=1,
                             boost=2.0, expand=3)
    settings = guidance.engine_settings()
    terms = sorted({t for c in guidance.guided for t in [*(c.seeds or []), *(c.expanded or [])]})
    priors = seed_priors(settings, terms, guidance.k, 0.1)
    code = guidance.guided[2]
    name_row, expanded_row = priors[terms.index(code.seeds[0])], priors[terms.index(code.expanded[0])]
    assert name_row[2] == pytest.approx(0.1 + 2.0)
    assert expanded_row[2] == pytest.approx(0.1 + 2.0 * EXPANDED_WEIGHT)
    assert expanded_row[0] == pytest.approx(0.1 * EXCLUDED)
    assert expanded_row[4] == pytest.approx(0.1 * EXCLUDED)


def test_expanded_terms_are_recorded_in_run_json_and_named_by_methods(tmp_path, planted):
    from feedcare.topics.reporting.methods import methods_statement
    from feedcare.topics.reporting.record import load_record

    corpus, truth = planted
    guidance = plan_guidance(open_corpus(corpus), _names_codebook(tmp_path / "codes.csv", truth), free=1,
                             expand=3)
    fit_topics(corpus, TopicsConfig(engine="tomotopy", seeds=1), run_id="expanded", jobs=1, guidance=guidance)
    recorded = json.loads((corpus / "runs" / "expanded" / "run.json").read_text())
    assert recorded["codebook"]["expand"] == 3
    assert [c.get("expanded") for c in recorded["codebook"]["codes"]] == [c.expanded for c in guidance.codes]
    engine = recorded["engine"]["settings"]["guidance"]
    assert engine["expanded_topics"] == [c.expanded for c in guidance.guided]
    assert engine["expanded_weight"] == EXPANDED_WEIGHT
    text = methods_statement(load_record("expanded", corpus))
    assert "further seed terms from the corpus itself" in text
    assert f"expanded from the corpus: {', '.join(guidance.guided[0].expanded)}" in text


def test_codebook_show_prints_the_expanded_terms_apart_from_the_names(tmp_path, planted, invoke):
    corpus, truth = planted
    _names_codebook(tmp_path / "codes.csv", truth)
    shown = invoke("codebook", "show", tmp_path / "codes.csv", "--corpus", corpus, "--expand", "3", "--json")
    assert shown.exit_code == 0, shown.output
    codes = json.loads(shown.stdout)["codes"]
    assert codes[0]["seeds"] == [truth[0][0], truth[0][1]]
    assert codes[0]["expanded"] and not set(codes[0]["expanded"]) & set(codes[0]["seeds"])
    table = invoke("codebook", "show", tmp_path / "codes.csv", "--corpus", corpus, "--expand", "3",
                   env={"COLUMNS": "250"})
    assert "expanded from the corpus" in table.output and codes[0]["expanded"][0] in table.output
    off = invoke("codebook", "show", tmp_path / "codes.csv", "--corpus", corpus, "--expand", "0", "--json")
    assert all(c.get("expanded") is None for c in json.loads(off.stdout)["codes"])
