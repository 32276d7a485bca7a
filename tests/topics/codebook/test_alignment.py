"""Where codes and topics meet: the per-code report of a guided run and the alignment table."""

from __future__ import annotations

import json

import pytest
from feedcare.corpus import open_corpus
from feedcare.topics import TopicsConfig, fit_topics
from feedcare.topics.codebook.alignment import CodeRow, align, code_report
from feedcare.topics.codebook.readers import read_codebook
from feedcare.topics.codebook.seeds import plan_guidance
from topics_fixtures import corpus_with_tokens, planted_units


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    """A planted corpus with an unguided run (k=5) and a guided run (codes for planted topics 0-2)."""
    root = tmp_path_factory.mktemp("align")
    units, truth = planted_units(n_docs=300, n_topics=5, words_per_topic=15, seed=7)
    corpus = corpus_with_tokens(root / "c", units)
    fit_topics(corpus, TopicsConfig(engine="tomotopy", k=5, seeds=1), run_id="plain", jobs=1)
    book = root / "codes.csv"
    rows = [f"Theme {t},,{truth[t][0]}; {truth[t][1]}" for t in range(3)]
    rows.append(f"Merged,,{truth[0][2]}")  # shares planted topic 0 with Theme 0
    rows.append("Unknown,,zebra")
    book.write_text("code,description,seeds\n" + "\n".join(rows) + "\n", encoding="utf-8")
    guidance = plan_guidance(open_corpus(corpus), read_codebook(book), free=2)
    fit_topics(corpus, TopicsConfig(engine="tomotopy", seeds=1), run_id="guided", jobs=1, guidance=guidance)
    return corpus, truth, book


def test_a_guided_runs_codes_report_units_seed_weight_and_what_the_data_added(fitted):
    corpus, truth, _ = fitted
    rows = {r.code: r for r in code_report(corpus, "guided")}
    theme = rows["Theme 1"]
    assert theme.topic == 1 and theme.seeds == [truth[1][0], truth[1][1]]
    assert theme.units > 20 and theme.seed_weight > 0.1 and theme.followed
    assert set(theme.added_terms) & set(truth[1][2:])  # the data added the topic's other planted words
    assert theme.excerpts and theme.excerpts[0]["text"]
    assert rows["Unknown"].topic is None and "zebra" in (rows["Unknown"].reason or "")


def test_alignment_names_each_topics_nearest_codes_and_what_the_data_did(fitted):
    corpus, truth, book = fitted
    table = align(corpus, "plain", read_codebook(book))
    verdicts = {c["code"]: c["verdict"] for c in table.codes}
    assert verdicts["Theme 1"] == "reached" and verdicts["Theme 2"] == "reached"
    assert verdicts["Theme 0"] == "merged with Merged" and verdicts["Merged"] == "merged with Theme 0"
    assert verdicts["Unknown"] == "no seed in the vocabulary"
    nearest = {t.by_terms[0][0] for t in table.topics if t.by_terms}
    assert {"Theme 1", "Theme 2"} <= nearest
    json.dumps(table.to_dict())  # plain data for --json


def test_the_cli_shows_and_aligns_and_refuses_what_it_cannot(fitted, invoke, tmp_path):
    corpus, _, book = fitted
    shown = invoke("codebook", "show", book, "--corpus", corpus, "--json")
    assert shown.exit_code == 0, shown.output
    assert [c["name"] for c in json.loads(shown.stdout)["codes"]][:3] == ["Theme 0", "Theme 1", "Theme 2"]
    table = invoke("codebook", "align", "plain", "--codebook", book, "--corpus", corpus)
    assert table.exit_code == 0 and "What the data did with each code" in table.stdout
    report = invoke("codebook", "align", "guided", "--corpus", corpus)
    assert report.exit_code == 0 and "Theme 1" in report.stdout
    unguided = invoke("codebook", "align", "plain", "--corpus", corpus)
    assert unguided.exit_code == 2 and "was not guided" in unguided.stderr
    assert "Traceback" not in unguided.output
    bad = tmp_path / "bad.qdc"
    bad.write_text("<CodeBook", encoding="utf-8")
    refused = invoke("topics", "--corpus", corpus, "--codebook", bad)
    assert refused.exit_code == 2 and "not well-formed XML" in refused.stderr
    both = invoke("topics", "--corpus", corpus, "--codebook", book, "--k", "5")
    assert both.exit_code == 2 and "drop --k" in both.stderr
    lonely = invoke("topics", "--corpus", corpus, "--free", "3")
    assert lonely.exit_code == 2 and "need --codebook" in lonely.stderr


def test_control_characters_in_code_names_never_reach_the_terminal(fitted, invoke, tmp_path):
    corpus, truth, _ = fitted
    book = tmp_path / "hostile.csv"
    book.write_text(f'code,seeds\n"Theme [red]x[/] \x1b[2J\u202e evil",{truth[0][0]}\n', encoding="utf-8")
    shown = invoke("codebook", "show", book, "--corpus", corpus)
    assert shown.exit_code == 0, shown.output
    assert "\x1b" not in shown.stdout and "\u202e" not in shown.stdout
    assert "Theme [red]x[/]" in shown.stdout  # markup shown as written, not applied


def test_a_guided_topic_that_left_its_seeds_is_named_not_followed():
    from feedcare.cli.codebook.commands import _render_codes
    from rich.console import Console

    console = Console(record=True, width=200, no_color=True)
    rows = [CodeRow("Dignity", "g1", 4, ["dignity"], units=300, followed=False),
            CodeRow("Staff", "g2", 5, ["staff"], units=900, seed_weight=0.2)]
    _render_codes(console, rows)
    text = console.export_text()
    assert "Not followed: Dignity (topic 4): none of its seed terms" in text
    assert "Staff (topic" not in text
