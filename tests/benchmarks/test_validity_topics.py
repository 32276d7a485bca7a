"""The topics-against-human-coding study renders from its results, and the report keeps it (no fits)."""

from __future__ import annotations

import sys

import pytest
from conftest import ROOT

sys.path.insert(0, str(ROOT))  # the benchmarks package sits at the repository root (see test_run.py)
try:
    run = pytest.importorskip("benchmarks.run")
    bench_validity = pytest.importorskip("benchmarks.bench_validity")
    study = pytest.importorskip("benchmarks.validity_topics")
    for _module, _title in bench_validity.STUDIES:  # markdown() imports them by name later
        pytest.importorskip(_module)
finally:
    sys.path.remove(str(ROOT))

TITLE = "Topics against human coding, and term rankings (issue 13)"
INFO = {"date": "2026-11-29 21:00 UTC", "cores": 2, "cpu": "Test CPU", "memory_gib": 1.0,
        "platform": "test", "python": "3.11", "packages": {"feedcare": "0"}}


def _engine(nmi: float, npmi: float, prob: list[list[str]], rel: list[list[str]], frex: list[list[str]],
            narrow: list[int]) -> dict:
    def ranking(lists):
        terms = [t for topic in lists for t in topic]
        wide = [t for t in set(terms) if sum(t in topic for topic in lists) >= 2]
        return {"lists": lists, "distinct_share": len(set(terms)) / len(terms), "corpus_wide": sorted(wide)}

    listed = {t for lists in (prob, rel, frex) for topic in lists for t in topic}
    return {"model": "k9_s42", "nmi": nmi, "c_npmi": npmi, "c_npmi_broad": npmi + 0.001,
            "narrow_topics": narrow, "engine_info": {"passes_run": 12, "converged": True},
            "settings": {"name": "x", "settings": {"passes": 20, "iterations": 1000}},
            "seconds": 12.3, "units": 9049, "terms": 1243,
            "rankings": {"probability": ranking(prob), "relevance": ranking(rel), "frex": ranking(frex)},
            "counts": {t: 100 + len(t) for t in listed} | {"ring_pt": 7}}


RESULTS = {
    "k": 3, "seed": 42, "data": {"documents": 10334, "labels": 9},
    "engines": {
        "gensim": _engine(0.0851, 0.0221, [["good", "staff"], ["good", "wait"], ["good", "visit"]],
                          [["staff", "kind"], ["good", "wait"], ["good", "visit"]],
                          [["staff", "kind"], ["wait", "appointment"], ["visit", "ring_pt"]], []),
        "tomotopy": _engine(0.1093, 0.0584, [["good", "nurse"], ["good", "patient"], ["care", "patient"]],
                            [["nurse", "kind"], ["patient", "husband"], ["care", "home"]],
                            [["nurse", "kind"], ["husband", "respect"], ["home", "carer"]], [2]),
    },
}


def test_the_study_is_registered_first_under_its_title():
    assert bench_validity.STUDIES[0] == ("benchmarks.validity_topics", TITLE)


def test_markdown_takes_every_figure_and_the_example_from_the_results():
    text = study.markdown(RESULTS)
    assert ("| gensim (online VB, 12 passes of at most 20, stopped at convergence) | 0.085 | 0.022 | "
            "0.023 (no narrow topic) | 12 |") in text
    assert "| tomotopy (collapsed Gibbs, 1000 iterations) | 0.109 | 0.058 | 0.059 (1 narrow topic" in text
    assert "| probability | 0.67 | 0.67 | gensim: `good`; tomotopy: `good, patient` |" in text
    assert "| FREX, weight 0.5 (default) | 1.00 | 1.00 | none |" in text
    assert "tomotopy agrees with the coders somewhat more and is the more coherent" in text
    assert "10,334 NHS" in text and "9,049 comments kept a token" in text
    # the example: tomotopy's topic whose FREX terms differ most from its probability terms
    assert "tomotopy's topic 2" in text and "by FREX `husband, respect`" in text
    assert "`good, patient` also appear in other topics' probability top 10" in text
    assert "`ring_pt` (7 occurrences)" in text
    assert "its lists share no term between topics" in text


def test_markdown_words_follow_the_numbers():
    flipped = {**RESULTS, "engines": {
        "gensim": {**RESULTS["engines"]["gensim"], "nmi": 0.2},
        "tomotopy": RESULTS["engines"]["tomotopy"]}}
    text = study.markdown(flipped)
    assert "gensim agrees with the coders somewhat more; tomotopy is the more coherent" in text
    assert "NMI is modest for both" in text


def test_a_missing_data_set_is_a_clear_skip():
    assert study.markdown({"skipped": "x not found"}) == "Skipped: x not found.\n"


def test_compose_keeps_the_study_and_drops_the_old_hand_written_section():
    validity = run.SUITES["validity"][1]
    section = f"## {validity}\n\n_Measured …_\n\n" + bench_validity.markdown({TITLE: RESULTS})
    old = "## Validity: topics against human coding, and term rankings (issue 13, topics side)\n\nold\n"
    previous = run.split_sections(run.compose(INFO, {validity: section}, {}) + old)
    text = run.compose(INFO, {}, previous)
    assert f"### {TITLE}" in text and "| 0.109 | 0.058 |" in text
    assert "topics side)" not in text
    kept = run.split_sections(text)[validity]
    assert kept.startswith(f"## {validity}\n") and kept.count("### ") == 1  # under the suite, once


def test_the_environment_variable_selects_studies(monkeypatch):
    monkeypatch.setenv(bench_validity.SELECT, "validity_topics")
    assert bench_validity.selected() == [("benchmarks.validity_topics", TITLE)]
    monkeypatch.setenv(bench_validity.SELECT, "benchmarks.validity_units, validity_topics")
    assert [m for m, _t in bench_validity.selected()] == ["benchmarks.validity_topics",
                                                          "benchmarks.validity_units"]
    monkeypatch.setenv(bench_validity.SELECT, "nope")
    with pytest.raises(ValueError, match="no study benchmarks.nope"):
        bench_validity.selected()
    monkeypatch.delenv(bench_validity.SELECT)
    assert bench_validity.selected() == bench_validity.STUDIES
