"""`--level`: a hierarchical codebook guided at one level, its sub-codes' names seeding their ancestor.

A framework of a few themes with many sub-codes is the usual shape of a deductive codebook (the FFT
framework: 9 categories, 45 sub-categories). A researcher wants one topic per theme, and the
sub-codes' names say what each theme means far better than its own name does.
"""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest
from conftest import NHS_CSV, needs
from feedcare.corpus import open_corpus
from feedcare.corpus.base.errors import UsageError
from feedcare.topics import TopicsConfig, fit_topics, open_run
from feedcare.topics.codebook.readers import read_codebook
from feedcare.topics.codebook.seeds import plan_guidance
from feedcare.topics.reporting.methods import methods_statement
from feedcare.topics.reporting.record import load_record
from topics_fixtures import jaccard


def _framework(path, truth):
    """Four themes whose own names the corpus never uses ("Zebras 0"), each with two sub-codes named
    after one of its planted topic's words; planted topic 4 is left out."""
    rows = [["code", "description", "parent"]]
    for t in range(4):
        rows.append([f"Zebras {t}", "", ""])
        rows += [[f"About {truth[t][0]}", "", f"Zebras {t}"], [f"Also {truth[t][1]}", "", f"Zebras {t}"]]
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return read_codebook(path)


def test_without_a_level_every_sub_code_is_its_own_topic_and_the_themes_get_none(tmp_path, planted):
    corpus, truth = planted
    guidance = plan_guidance(open_corpus(corpus), _framework(tmp_path / "f.csv", truth), free=1)
    assert guidance.n_guided == 8 and guidance.level is None
    assert [c.seeds for c in guidance.guided][:2] == [[truth[0][0]], [truth[0][1]]]


@pytest.mark.parametrize("engine", ["tomotopy", "gensim"])
def test_level_1_fits_one_topic_per_theme_seeded_by_its_sub_codes_and_recovers_them(tmp_path, planted,
                                                                                   engine):
    corpus, truth = planted
    book = _framework(tmp_path / "f.csv", truth)
    guidance = plan_guidance(open_corpus(corpus), book, free=1, level=1)
    assert guidance.level == 1 and guidance.k == 5
    assert [(c.name, c.seeds) for c in guidance.guided] == [
        (f"Zebras {t}", [truth[t][0], truth[t][1]]) for t in range(4)]
    themes = {c.name: c for c in guidance.codes if c.parent is None}
    for code in guidance.codes:
        if code.parent is not None:  # a sub-code: no topic of its own, not reported as unreached
            assert code.topic is None and code.reason is None
            assert code.folded_into == code.parent == themes[code.path.split(" > ")[0]].guid
    assert guidance.unreached == []
    assert all(c.missing == ["zebra"] for c in guidance.guided)  # the themes' own names, reported
    report = fit_topics(corpus, TopicsConfig(engine=engine, seeds=1), run_id=engine, jobs=1,
                        guidance=guidance)
    topics = report.chosen_topics
    guided = [jaccard(topics[t], truth[t]) for t in range(4)]
    assert np.mean(guided) >= 0.8 and min(guided) >= 0.6, guided
    assert jaccard(topics[4], truth[4]) >= 0.6, topics[4]  # the left-out topic is free
    recorded = json.loads((corpus / "runs" / engine / "run.json").read_text())["codebook"]
    assert recorded["level"] == 1
    assert sum(1 for c in recorded["codes"] if c.get("folded_into")) == 8
    assert open_run(corpus, engine).info.codebook == guidance  # the record reads back whole
    statement = methods_statement(load_record(engine, corpus))
    assert "guided at level 1 of the codebook's hierarchy" in statement
    assert "8 codes below that level" in statement


def test_level_2_guides_the_sub_codes_and_a_theme_without_any_as_itself(tmp_path, planted):
    corpus, truth = planted
    path = tmp_path / "f.csv"
    path.write_text(f"code,description,parent\nTheme,,\n{truth[0][0]},,Theme\n{truth[1][0]},,Theme\n"
                    f"{truth[2][0]} {truth[2][1]},,\n", encoding="utf-8")
    guidance = plan_guidance(open_corpus(corpus), read_codebook(path), free=1, level=2)
    assert [(c.path, c.seeds) for c in guidance.guided] == [
        (f"Theme > {truth[0][0]}", [truth[0][0]]), (f"Theme > {truth[1][0]}", [truth[1][0]]),
        (f"{truth[2][0]} {truth[2][1]}", [truth[2][0], truth[2][1]])]
    theme = guidance.codes[0]
    assert theme.topic is None and theme.reason is None  # its children carry it, as without a level


def test_a_theme_that_cannot_be_coded_says_to_choose_a_deeper_level(tmp_path, planted):
    corpus, truth = planted
    path = tmp_path / "f.toml"
    path.write_text(f'[[code]]\nname = "Folder"\n\n[[code]]\nname = "{truth[0][0]}"\nparent = "Folder"\n\n'
                    f'[[code]]\nname = "{truth[1][0]}"\n', encoding="utf-8")
    book = read_codebook(path)
    folder = book.codes[0]
    book = type(book)(**{**book.__dict__, "codes": (type(folder)(**{**folder.__dict__, "codable": False}),
                                                    *book.codes[1:])})
    guidance = plan_guidance(open_corpus(corpus), book, free=1, level=1)
    assert [c.name for c in guidance.guided] == [truth[1][0]]
    assert "choose a deeper --level" in (guidance.codes[0].reason or "")


@pytest.mark.parametrize("level", [0, -1, 21])
def test_a_level_out_of_range_is_a_usage_error(tmp_path, planted, level):
    corpus, truth = planted
    with pytest.raises(UsageError, match="--level must be between 1"):
        plan_guidance(open_corpus(corpus), _framework(tmp_path / "f.csv", truth), level=level)


def test_the_cli_shows_a_level_and_refuses_one_without_a_codebook(tmp_path, planted, invoke):
    corpus, truth = planted
    _framework(tmp_path / "f.csv", truth)
    shown = invoke("codebook", "show", tmp_path / "f.csv", "--corpus", corpus, "--level", "1", "--json")
    assert shown.exit_code == 0, shown.output
    data = json.loads(shown.stdout)
    assert data["level"] == 1 and sum(1 for c in data["codes"] if c.get("folded_into")) == 8
    table = invoke("codebook", "show", tmp_path / "f.csv", "--corpus", corpus, "--level", "1")
    assert "(in 0)" in table.output and "level 1" in table.output
    refused = invoke("topics", "--corpus", corpus, "--level", "1")
    assert refused.exit_code == 2
    assert "need --codebook FILE" in refused.output and "Traceback" not in refused.output
    refused = invoke("codebook", "align", "latest", "--corpus", corpus, "--level", "1")
    assert refused.exit_code == 2 and "--level need --codebook FILE" in refused.output


@needs(NHS_CSV)
def test_on_the_fft_framework_the_sub_categories_names_beat_the_unguided_run(tmp_path):
    """The FFT comments with their two-level human coding: a codebook of the category and
    sub-category names (no seed terms) guided at level 1 agrees with the human categories clearly
    better than an unguided run at the same k (benchmarks/validity_codebook.py has both engines)."""
    from feedcare.corpus import IngestConfig, ingest
    from feedcare.corpus.tokens.build import build_tokens
    from feedcare.corpus.tokens.config import TokensConfig

    from benchmarks.validity_codebook import K, _write_codebook, dominant_nmi, fft_framework

    corpus = tmp_path / "fft"
    ingest([NHS_CSV], corpus, IngestConfig(text_column="feedback", id_column="row_index"))
    build_tokens(open_corpus(corpus), TokensConfig(), jobs=2)
    framework = fft_framework(NHS_CSV)
    _write_codebook(tmp_path / "f.csv", framework, with_seeds=False, two_level=True)
    guidance = plan_guidance(open_corpus(corpus), read_codebook(tmp_path / "f.csv"), free=0, level=1)
    assert guidance.k == K == len(framework)  # every category reached through its own or its sub-codes' names
    scores = {}
    for name, plan in (("unguided", None), ("level-1", guidance)):
        report = fit_topics(corpus, TopicsConfig(engine="tomotopy", k=K, seed=42, seeds=1), run_id=name,
                            jobs=1, guidance=plan)
        scores[name] = dominant_nmi(corpus, name, report.chosen_model)
    assert scores["level-1"] >= 1.15 * scores["unguided"], scores


def test_an_unguided_run_aligns_with_the_themes_at_a_level(tmp_path, planted):
    from feedcare.topics.codebook.alignment import align

    corpus, truth = planted
    book = _framework(tmp_path / "f.csv", truth)
    fit_topics(corpus, TopicsConfig(engine="tomotopy", k=5, seeds=1), run_id="plain-levels", jobs=1)
    themes = align(corpus, "plain-levels", book, level=1)
    rows = {c["code"]: c for c in themes.codes}
    assert sorted(rows) == [f"Zebras {t}" for t in range(4)]  # the sub-codes count for their themes
    assert all(rows[f"Zebras {t}"]["seeds"] == [truth[t][0], truth[t][1]] for t in range(4))
    assert all(row["verdict"] == "reached" for row in rows.values()), rows
    per_sub_code = align(corpus, "plain-levels", book)
    assert len(per_sub_code.codes) == 8


def test_a_theme_with_seeds_given_for_a_sub_code_is_never_expanded(tmp_path, planted):
    corpus, truth = planted
    path = tmp_path / "f.toml"
    path.write_text(f'[[code]]\nname = "Zebras"\n\n[[code]]\nname = "{truth[0][0]}"\nparent = "Zebras"\n'
                    f'seeds = ["{truth[0][1]}"]\n', encoding="utf-8")
    guidance = plan_guidance(open_corpus(corpus), read_codebook(path), free=1, level=1, expand=5)
    theme = guidance.guided[0]
    assert theme.seeds == [truth[0][1]]  # the sub-code's given seed, not its name
    assert theme.seeds_from == "name, with 1 sub-code; seeds from the file" and theme.expanded is None
