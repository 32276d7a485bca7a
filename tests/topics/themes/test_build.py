"""`feedcare themes`: the theme table, excerpt selection, prevalence, labels and errors.

Built on the synthetic project of tests/themes_fixtures.py (a corpus, tokens and a finished
run with planted themes), so these tests do not depend on `feedcare tokens`/`topics`.
"""

from __future__ import annotations

import json
import math
import re
import statistics
from collections import Counter, defaultdict

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import OSCE, needs
from feedcare.corpus import open_corpus
from feedcare.corpus.base.atomic import read_json, write_json
from feedcare.topics.runs.rundir import open_run
from feedcare.topics.themes import build as themes_module
from feedcare.topics.themes.build import build_themes
from feedcare.topics.themes.config import ThemesConfig
from feedcare.topics.themes.excerpts import TermMatcher, trim
from themes_fixtures import AGE_BANDS, RUN_ID, build_project


@pytest.fixture
def project(tmp_path):
    return build_project(tmp_path)


def themes_json(invoke, project, *args):
    result = invoke("themes", "latest", "--corpus", project.corpus, "--format", "json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def reference_tables(project, model="k3-s1"):
    """doc_topics rows and unit → participant, read straight from the files."""
    doc_topics = pq.read_table(
        project.run / "doc_topics.parquet", filters=[("model", "==", model)]
    ).to_pylist()
    tokens = pq.read_table(project.corpus / "tokens.parquet").to_pylist()
    person = {u["unit_id"]: u["participant_id"] or u["doc_id"] for u in tokens}
    return doc_topics, person, {u["unit_id"]: u for u in tokens}


def reference_selection(doc_topics, person, topic, n, per_participant, min_weight=0.0, units=None):
    """The documented rule, done the slow obvious way: rank by weight × length typicality."""
    lengths = sorted(max(u["n_tokens"], 1) for u in (units or {}).values())
    median = statistics.median(lengths) if lengths else 1

    def score(r):
        if not units:
            return r["weight"]
        length = max(units[r["unit_id"]]["n_tokens"], 1)
        return r["weight"] * math.sqrt(min(length, median) / max(length, median))

    rows = sorted(
        (r for r in doc_topics if r["topic"] == topic and r["weight"] >= min_weight and r["weight"] > 0),
        key=lambda r: (-score(r), r["unit_id"]),
    )
    taken, per = [], defaultdict(int)
    for r in rows:
        if len(taken) < n and per[person[r["unit_id"]]] < per_participant:
            taken.append(r["unit_id"])
            per[person[r["unit_id"]]] += 1
    for r in rows:
        if len(taken) < n and r["unit_id"] not in taken:
            taken.append(r["unit_id"])
    return taken


# --- the table ---------------------------------------------------------------------------------


def test_table_shows_every_topic_with_terms_prevalence_spread_and_excerpts(invoke, project):
    result = invoke("themes", "latest", "--corpus", project.corpus)
    assert result.exit_code == 0, result.output
    text = result.stdout
    for topic, first_terms in ((0, "wait"), (1, "nurse"), (2, "ward")):
        assert f"Topic {topic}" in text
        assert first_terms in text
    assert "Prevalence:" in text and "of words" in text and "Spread:" in text
    assert "weight 0.9" in text  # excerpt attribution with its topic weight
    assert "turn " in text and "int01.txt" in text
    assert "0:30" in text  # the timestamp of turn 2 (30 s per turn in the fixture)


def test_run_can_be_given_by_id_or_path(invoke, project):
    by_id = invoke("themes", RUN_ID, "--corpus", project.corpus, "--format", "json")
    by_path = invoke("themes", project.run, "--format", "json")  # the corpus is implied by the path
    assert by_id.exit_code == 0 and by_path.exit_code == 0, by_path.output
    assert json.loads(by_id.stdout)["excerpts"] == json.loads(by_path.stdout)["excerpts"]


def test_every_excerpt_is_verbatim_at_its_stated_place(invoke, project):
    data = themes_json(invoke, project, "--excerpts", "8")
    corpus = open_corpus(project.corpus)
    texts = corpus.texts(sorted({e["doc_id"] for e in data["excerpts"]}))
    _, _, units = reference_tables(project)
    assert len(data["excerpts"]) == 24
    for e in data["excerpts"]:
        assert texts[e["doc_id"]][e["char_start"] : e["char_end"]] == e["text"]
        unit = units[e["unit_id"]]
        assert unit["doc_id"] == e["doc_id"]
        assert unit["char_start"] <= e["char_start"] <= e["char_end"] <= unit["char_end"]
        segments = corpus.segments(filters=[("doc_id", "==", e["doc_id"])]).to_pylist()
        first = next(s for s in segments if s["seg"] == e["seg_start"])
        last = next(s for s in segments if s["seg"] == e["seg_end"])
        assert first["char_start"] <= e["char_start"] and e["char_end"] <= last["char_end"]


def test_excerpts_are_diverse_by_default(invoke, project):
    data = themes_json(invoke, project)
    by_topic = defaultdict(list)
    for e in data["excerpts"]:
        by_topic[e["topic"]].append(e["participant_id"])
    for people in by_topic.values():
        assert len(people) == 5
        assert len(set(people)) == 5  # 10 participants: no one repeats
    # P01 only ever talks about waiting; without the diversity rule they would fill topic 0.
    assert by_topic[0].count("P01") == 1


@pytest.mark.parametrize(
    ("n", "per_participant", "min_weight"), [(5, 1, 0.0), (5, 3, 0.0), (14, 1, 0.0), (6, 2, 0.5)]
)
def test_selection_matches_the_documented_rule(project, n, per_participant, min_weight):
    doc_topics, person, units = reference_tables(project)
    config = ThemesConfig(excerpts=n, per_participant=per_participant, min_weight=min_weight)
    result = build_themes(project.corpus, open_run(project.corpus, "latest"), config=config)
    for theme in result.themes:
        expected = reference_selection(doc_topics, person, theme.topic, n, per_participant, min_weight, units)
        assert [e.unit_id for e in theme.excerpts] == expected


def test_streaming_in_small_batches_gives_the_same_result(project, monkeypatch):
    config = ThemesConfig(excerpts=6, per_participant=2)
    whole = build_themes(project.corpus, "latest", config=config, by="platform")
    monkeypatch.setattr(themes_module, "BATCH_ROWS", 7)
    batched = build_themes(project.corpus, "latest", config=config, by="platform")
    assert [t.excerpts for t in batched.themes] == [t.excerpts for t in whole.themes]
    for mine, theirs in zip(batched.themes, whole.themes, strict=True):
        assert mine.prevalence.n_units == theirs.prevalence.n_units
        assert mine.prevalence.spread == theirs.prevalence.spread
        assert mine.prevalence.word_share == pytest.approx(theirs.prevalence.word_share, rel=1e-12)
    assert [(c.n_units, c.n_participants) for c in batched.groups.cells] == [
        (c.n_units, c.n_participants) for c in whole.groups.cells
    ]


def test_per_participant_allows_repeats(invoke, project):
    data = themes_json(invoke, project, "--per-participant", "3", "--topic", "0")
    people = [e["participant_id"] for e in data["excerpts"]]
    assert people.count("P01") == 3


def test_prevalence_and_spread_follow_their_definitions(invoke, project):
    data = themes_json(invoke, project)
    doc_topics, person, units = reference_tables(project)
    weights = defaultdict(dict)
    for r in doc_topics:
        weights[r["unit_id"]][r["topic"]] = r["weight"]
    dominant = {u: min(w, key=lambda t: (-w[t], t)) for u, w in weights.items()}
    total_tokens = sum(units[u]["n_tokens"] for u in weights)
    topics = {t["topic"]: t for t in data["topics"]}
    assert sum(t["prevalence"] for t in topics.values()) == pytest.approx(1.0, abs=1e-5)
    for topic, row in topics.items():
        mine = [u for u, t in dominant.items() if t == topic]
        assert row["n_units"] == len(mine)
        assert row["prevalence"] == pytest.approx(len(mine) / len(weights), abs=1e-6)
        assert row["spread"] == len({person[u] for u in mine})
        words = sum(weights[u][topic] * units[u]["n_tokens"] for u in weights) / total_tokens
        assert row["word_share"] == pytest.approx(words, abs=1e-6)
        assert row["mean_weight"] == pytest.approx(
            sum(w[topic] for w in weights.values()) / len(weights), abs=1e-6
        )


def test_sort_orders(invoke, project):
    by_id = [t["topic"] for t in themes_json(invoke, project, "--sort", "id")["topics"]]
    by_coherence = [t["topic"] for t in themes_json(invoke, project, "--sort", "coherence")["topics"]]
    by_prevalence = themes_json(invoke, project)["topics"]
    assert by_id == [0, 1, 2]
    assert by_coherence == [2, 1, 0]  # fixture: c_npmi = 0.05 × (topic + 1)
    shares = [t["prevalence"] for t in by_prevalence]
    assert shares == sorted(shares, reverse=True)


def test_topic_option_and_model_option(invoke, project):
    one = themes_json(invoke, project, "--topic", "2")
    assert [t["topic"] for t in one["topics"]] == [2]
    assert {e["topic"] for e in one["excerpts"]} == {2}
    other = themes_json(invoke, project, "--model", "4/1")
    assert other["model"] == "k4-s1" and other["n_topics"] == 4


def test_min_weight_can_leave_a_topic_without_excerpts(invoke, project):
    result = invoke("themes", "latest", "--corpus", project.corpus, "--min-weight", "0.999")
    assert result.exit_code == 0
    assert "No excerpts" in result.stdout


def test_long_units_are_trimmed_around_the_densest_part(tmp_path):
    filler = "The corridor had paintings and a window over the car park. " * 12
    text = filler + "I had to wait hours in the queue, the delay and the wait were awful. " + filler
    matcher = TermMatcher.from_terms(["wait", "hours", "queue", "delay"])
    spans = matcher.spans(text)
    start, end = trim(text, 0, len(text), spans, 120)
    shown = text[start:end]
    assert len(shown) <= 120
    assert "wait hours in the queue, the delay and the wait" in shown
    assert not shown[0].isspace() and not shown[-1].isspace()
    assert start == 0 or text[start - 1].isspace()  # starts on a word
    assert end == len(text) or text[end].isspace()  # ends on a word


def test_phrase_terms_and_lemmas_are_highlighted():
    matcher = TermMatcher.from_terms(["waiting_time", "nurse"])
    text = "The waiting time was long but the nurses were great."
    found = [text[s:e] for s, e in matcher.spans(text)]
    assert found == ["waiting time", "nurses"]


def test_transcript_markup_is_not_interpreted_in_the_table(tmp_path, invoke):
    project = build_project(
        tmp_path,
        extra_docs={
            "odd": [("Q", "interviewer", "Hi"), ("A", "participant", "[bold red]nurse kind[/] staff")]
        },
    )
    result = invoke("themes", "latest", "--corpus", project.corpus, "--topic", "1", "--excerpts", "20")
    assert result.exit_code == 0
    assert "[bold red]nurse kind[/] staff" in result.stdout


# --- labels --------------------------------------------------------------------------------------


def write_labels(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def test_labels_name_topics_and_carry_memos(invoke, project, tmp_path):
    labels = write_labels(
        tmp_path / "themes.toml",
        f'[run]\nid = "{RUN_ID}"\n[topics]\n0 = "Waiting and delays"\n'
        '1 = { name = "Kind staff", memo = "Staff who listened." }\n',
    )
    data = themes_json(invoke, project, "--labels", labels)
    topics = {t["topic"]: t for t in data["topics"]}
    assert topics[0]["label"] == "Waiting and delays" and topics[0]["name"] == "Waiting and delays"
    assert topics[1]["memo"] == "Staff who listened."
    assert topics[2]["label"] == "" and topics[2]["name"] == "ward, food, meal"
    table = invoke("themes", "latest", "--corpus", project.corpus, "--labels", labels)
    assert "Topic 0: Waiting and delays" in table.stdout and "Staff who listened." in table.stdout


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            '[run]\nid = "other-run"\n[topics]\n0 = "x"\n',
            "written for run 'other-run' but showing run 'run-a'",
        ),
        (
            f'[run]\nid = "{RUN_ID}"\nmodel = "k4-s1"\n',
            "written for model 'k4-s1' but showing 'k3-s1'; pass --model k4-s1",
        ),
        (
            f'[run]\nid = "{RUN_ID}"\n[topics]\n7 = "x"\n',
            "topic 7 is not in model k3-s1 (topics 0–2); remove or renumber it",
        ),
        ('[topics]\n0 = "x"\n', f'names no run, so it could belong to any; add [run] id = "{RUN_ID}"'),
        ('[run]\nfingerprint = "abc"\n[topics]\n0 = "x"\n', "written for a run with fingerprint 'abc'"),
        ("[topics]\n1 = 3\n", '[topics] 1 must be a name or { name = "...", memo = "..." }, got 3'),
        ('[topics]\nwaiting = "x"\n', "[topics] key 'waiting' is not a topic number"),
        ('[topics]\n1 = { title = "x" }\n', "[topics] 1 has unknown key 'title'; allowed keys: name, memo"),
        ('[topic]\n1 = "x"\n', "unknown section [topic]; a labels file has [run] and [topics]"),
        ("[topics\n", "not valid TOML"),
    ],
)
def test_bad_labels_files_are_one_line_errors(invoke, project, tmp_path, content, message):
    labels = write_labels(tmp_path / "themes.toml", content)
    result = invoke("themes", "latest", "--corpus", project.corpus, "--labels", labels)
    assert result.exit_code == 2
    assert message in result.stderr
    assert result.stderr.startswith(f"Error: {labels}: ")
    assert result.stderr.count("\n") == 1


def test_force_applies_labels_of_another_run_with_a_note(invoke, project, tmp_path):
    labels = write_labels(tmp_path / "themes.toml", '[run]\nid = "other-run"\n[topics]\n0 = "Waiting"\n')
    data = themes_json(invoke, project, "--labels", labels, "--force")
    assert data["topics"][0]["label"] == "Waiting" or any(t["label"] == "Waiting" for t in data["topics"])
    assert any("labels applied with --force" in note and "other-run" in note for note in data["notes"])
    fingerprint = json.loads((project.run / "run.json").read_text())["fingerprint"]
    text = f'[run]\nfingerprint = "{fingerprint}"\n[topics]\n0 = "W"\n'
    bound = write_labels(tmp_path / "bound.toml", text)
    assert themes_json(invoke, project, "--labels", bound)["labels"] == str(bound)


def test_missing_labels_file(invoke, project, tmp_path):
    result = invoke("themes", "latest", "--corpus", project.corpus, "--labels", tmp_path / "nope.toml")
    assert result.exit_code == 2
    assert "labels file not found; check the --labels path" in result.stderr


# --- configuration ------------------------------------------------------------------------------


def test_feedcare_toml_themes_section_and_command_line_override(invoke, project, tmp_path):
    config = tmp_path / "feedcare.toml"
    config.write_text('[themes]\nexcerpts = 2\nsort = "id"\n', encoding="utf-8")
    data = themes_json(invoke, project, "--config", config)
    assert [t["topic"] for t in data["topics"]] == [0, 1, 2]
    assert len(data["excerpts"]) == 6
    data = themes_json(invoke, project, "--config", config, "--excerpts", "1")
    assert len(data["excerpts"]) == 3


def test_bad_themes_config_names_the_key(invoke, project, tmp_path):
    config = tmp_path / "feedcare.toml"
    config.write_text('[themes]\nsort = "alphabetical"\n', encoding="utf-8")
    result = invoke("themes", "latest", "--corpus", project.corpus, "--config", config)
    assert result.exit_code == 2
    assert "[themes] sort must be one of 'prevalence', 'coherence', 'id', got 'alphabetical'" in result.stderr


# --- prevalence by group ------------------------------------------------------------------------


def test_group_table_by_attribute(invoke, project):
    data = themes_json(invoke, project, "--by", "platform")
    rows = data["groups"]
    assert data["group_attribute"] == "platform"
    assert {r["group"] for r in rows} == {"web", "phone", "paper", "(missing)"}
    assert len(rows) == 3 * 4
    doc_topics, person, units = reference_tables(project)
    platform = {
        d["doc_id"]: d["platform"] or "(missing)"
        for d in open_corpus(project.corpus).documents(columns=["doc_id", "platform"]).to_pylist()
    }
    for row in rows:
        mine = [u for u in units if platform[units[u]["doc_id"]] == row["group"]]
        share = sum(r["weight"] for r in doc_topics if r["topic"] == row["topic"] and r["unit_id"] in mine)
        assert row["mean_weight"] == pytest.approx(share / len(mine), abs=1e-6)
        assert row["group_units"] == len(mine)
        assert row["prevalence"] == pytest.approx(row["n_units"] / len(mine), abs=1e-6)
        assert row["few_participants"] == (row["n_participants"] < 3)
    assert any(r["few_participants"] for r in rows) and not all(r["few_participants"] for r in rows)
    table = invoke("themes", "latest", "--corpus", project.corpus, "--by", "platform")
    assert table.exit_code == 0
    assert "Mean weight by platform" in table.stdout and "†" in table.stdout


def test_group_attribute_named_as_the_table_named_it(invoke, project):
    """--by finds an attribute by another spelling when only one can be meant (see ingest's renames)."""
    data = themes_json(invoke, project, "--by", "Platform")
    assert data["group_attribute"] == "platform"
    assert {r["group"] for r in data["groups"]} == {"web", "phone", "paper", "(missing)"}


def test_unknown_group_attribute_lists_the_available_ones(invoke, project):
    result = invoke("themes", "latest", "--corpus", project.corpus, "--by", "trust")
    assert result.exit_code == 2
    assert (
        result.stderr == "Error: --by trust: no such document attribute; the corpus has: platform, age_band\n"
    )


# --- errors -------------------------------------------------------------------------------------


def test_unknown_run_and_model_and_topic(invoke, project):
    result = invoke("themes", "nope", "--corpus", project.corpus)
    assert result.exit_code == 2 and "run 'nope' not found" in result.stderr
    result = invoke("themes", "latest", "--corpus", project.corpus, "--model", "9/9")
    assert result.exit_code == 2
    assert "model '9/9' is not in run run-a; it has: k3-s1, k3-s2, k2-s1, k4-s1" in result.stderr
    result = invoke("themes", "latest", "--corpus", project.corpus, "--topic", "5")
    assert result.exit_code == 2
    assert result.stderr == "Error: --topic 5 is not in model k3-s1; it has topics 0–2\n"


def test_unfinished_run_with_no_finished_fit_is_a_data_error(invoke, project):
    """(With finished fits, themes shows their early results: tests/topics/runs/test_early.py.)"""
    info = read_json(project.run / "run.json", "run.json")
    write_json(project.run / "run.json", {**info, "status": "running"})
    result = invoke("themes", "latest", "--corpus", project.corpus)
    assert result.exit_code == 4
    assert "the run is interrupted and no fit has finished yet; resume it with" in result.stderr


def test_tokens_rebuilt_after_the_run_is_a_data_error(invoke, project):
    meta = read_json(project.corpus / "tokens.json", "tokens.json")
    write_json(project.corpus / "tokens.json", {**meta, "fingerprint": "something-else"})
    for name in ("tokens.parquet", "vocabulary.parquet"):  # a consistent rebuild stamps both files
        table = pq.read_table(project.corpus / name)
        pq.write_table(table.replace_schema_metadata({"feedcare.fingerprint": "something-else"}),
                       project.corpus / name)
    result = invoke("themes", "latest", "--corpus", project.corpus)
    assert result.exit_code == 4
    assert "the tokens changed since run run-a was fitted" in result.stderr
    assert "re-run `feedcare topics`" in result.stderr


def test_missing_corpus(invoke, tmp_path):
    result = invoke("themes", "latest", "--corpus", tmp_path / "none")
    assert result.exit_code == 4
    assert "no corpus here; create one with `feedcare ingest SOURCE" in result.stderr


# --- end to end on the real OSCE transcripts ---------------------------------------------------


def _missing_commands(*names: str) -> list[str]:
    import typer.main
    from feedcare.cli import app

    return [name for name in names if name not in typer.main.get_command(app).commands]


def _source_text(path) -> str:
    raw = path.read_bytes()
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = raw.decode("utf-16")
    else:
        text = raw.decode("utf-8-sig")
    return text.replace("\r\n", "\n").replace("\r", "\n")


@pytest.mark.slow
@needs(OSCE)
@pytest.mark.skipif(
    bool(_missing_commands("ingest", "tokens", "topics")),
    reason="needs `feedcare "
    + " / ".join(_missing_commands("ingest", "tokens", "topics"))
    + "` (not built yet)",
)
def test_osce_every_excerpt_is_verbatim_in_its_source_transcript(invoke, tmp_path):
    corpus = tmp_path / "osce"
    config = tmp_path / "feedcare.toml"
    config.write_text("[topics]\nk = 4\nseed = 1\nseeds = 1\npasses = 2\niterations = 20\n", encoding="utf-8")
    for args in (
        ("ingest", OSCE, "--participant", "P", "--interviewer", "D"),
        ("tokens",),
        ("topics", "--config", config),
    ):
        result = invoke(*args, "--corpus", corpus)
        assert result.exit_code in (0, 3), result.output
    result = invoke("themes", "latest", "--corpus", corpus, "--json", "--excerpts", "8")
    assert result.exit_code == 0, result.output
    excerpts = json.loads(result.stdout)["excerpts"]
    assert len(excerpts) == 4 * 8
    segments = (
        open_corpus(corpus)
        .segments_where(
            sorted({e["doc_id"] for e in excerpts}), ["doc_id", "seg", "role", "char_start", "char_end"]
        )
        .to_pylist()
    )
    for e in excerpts:
        source = _source_text(OSCE / e["source"])
        assert e["text"] and e["text"] in source
        assert source[e["char_start"] : e["char_end"]] == e["text"], e["source"]
        # Participant speech only: no character from an interviewer (doctor) turn.
        for s in segments:
            if s["doc_id"] == e["doc_id"] and s["role"] != "participant":
                assert e["char_end"] <= s["char_start"] or e["char_start"] >= s["char_end"], e
        if e["question"] is not None:
            assert e["question"].removeprefix("… ") not in e["text"]
    table = invoke("themes", "latest", "--corpus", corpus, "--excerpts", "8")
    assert table.exit_code == 0


# --- distinctive and corpus-wide terms ------------------------------------------------------------


def test_distinctive_terms_are_shown_beside_probability_in_every_export(invoke, project, tmp_path):
    data = themes_json(invoke, project)
    topic = data["topics"][0]
    probable = [t["term"] for t in topic["terms"]]
    distinctive = [t["term"] for t in topic["distinctive"]]
    # The fixture's FREX reverses the probability order.
    assert distinctive == sorted(probable, key=probable.index, reverse=True)
    assert topic["distinctive_by"] == "frex" and "frex" in topic["distinctive"][0]
    assert "FREX" in data["definitions"]["distinctive_terms"]
    relevance = themes_json(invoke, project, "--config", _toml(tmp_path, 'distinctive = "relevance"'))
    assert relevance["topics"][0]["distinctive_by"] == "relevance"
    table = invoke("themes", "latest", "--corpus", project.corpus).stdout
    assert "Top terms by probability" in table and "Distinctive terms by FREX" in table
    md = invoke("themes", "latest", "--corpus", project.corpus, "--format", "md").stdout
    assert "*Distinctive terms by FREX:*" in md and "*Top terms by probability:*" in md
    csv_text = invoke("themes", "latest", "--corpus", project.corpus, "--format", "csv").stdout
    assert "distinctive_terms" in csv_text.splitlines()[0]
    page = tmp_path / "r.html"
    assert invoke("themes", "latest", "--corpus", project.corpus, "--out", page).exit_code == 0
    assert "Distinctive terms by FREX:" in page.read_text(encoding="utf-8")


def _toml(tmp_path, line):
    path = tmp_path / "feedcare.toml"
    path.write_text(f"[themes]\n{line}\n", encoding="utf-8")
    return path


def test_terms_in_half_the_topics_are_flagged_with_a_way_to_drop_them(invoke, project):
    path = project.run / "topics.parquet"
    rows = pq.read_table(path).to_pylist()
    extra = []
    for r in rows:
        r["rank"] += 1
    for model, topic in sorted({(r["model"], r["topic"]) for r in rows}):
        extra.append({"model": model, "topic": topic, "rank": 0, "term": "people", "weight": 0.3,
                      "frex": 0.0, "relevance": -9.0})
    from feedcare.corpus.base.atomic import write_table
    from feedcare.topics.runs.rundir import TOPICS

    write_table(path, pa.Table.from_pylist(rows + extra, schema=TOPICS), TOPICS)
    data = themes_json(invoke, project)
    assert data["corpus_wide_terms"] == ["people"]
    assert '[tokens] extra_stopwords = ["people"]' in data["stopword_hint"]
    assert all("people" not in [t["term"] for t in topic["distinctive"][:3]] for topic in data["topics"])
    table = invoke("themes", "latest", "--corpus", project.corpus).stdout
    assert "corpus-wide terms" in table and "extra_stopwords" in table


def test_a_grouping_attribute_confounded_with_another_is_noted(invoke, tmp_path):
    from themes_fixtures import PLATFORMS, interview_docs

    # Each platform was asked its own question: platform differences may be question differences.
    docs = list(interview_docs())
    extra = {d: {"question": f"Q{PLATFORMS.index(PLATFORMS[i % 3])}"} for i, d in enumerate(docs)}
    project = build_project(tmp_path, extra_attributes=extra)
    data = themes_json(invoke, project, "--by", "platform")
    notes = [n for n in data["notes"] if "strongly associated" in n]
    assert len(notes) == 1 and "platform is strongly associated with question (Cramér's V 1.00" in notes[0]
    md = invoke("themes", "latest", "--corpus", project.corpus, "--by", "platform", "--format", "md").stdout
    assert "strongly associated with question" in md
    assert not [n for n in themes_json(invoke, project, "--by", "age_band")["notes"] if "associated" in n]


def test_comment_groups_show_one_count_not_the_same_number_twice(invoke, tmp_path):
    from themes_fixtures import SENTENCES

    comments = {f"c{i:02d}": [(None, "participant", SENTENCES[i % 3][i % 3])] for i in range(12)}
    project = build_project(tmp_path, extra_docs=comments, n_participants=0)
    table = invoke("themes", "latest", "--corpus", project.corpus, "--by", "platform").stdout
    assert "part." not in table and not re.search(r"\b(\d+) / \1\b", table)


def test_excerpts_per_group_come_from_their_group(invoke, project):
    data = themes_json(invoke, project, "--by", "age_band", "--excerpts-per-group", "2")
    rows = data["group_excerpts"]
    documents = open_corpus(project.corpus).documents(columns=["doc_id", "age_band"]).to_pylist()
    band = {d["doc_id"]: d["age_band"] for d in documents}
    assert rows and {r["group"] for r in rows} == set(AGE_BANDS)
    for r in rows:
        assert band[r["doc_id"]] == r["group"]
    per_cell = Counter((r["group"], r["topic"]) for r in rows)
    assert max(per_cell.values()) == 2
    args = ("themes", "latest", "--corpus", project.corpus, "--by", "age_band", "--excerpts-per-group", "1")
    table = invoke(*args)
    assert "excerpts by age_band" in table.stdout and "age_band = 18-34" in table.stdout
    md = invoke(*args, "--format", "md").stdout
    assert "### Excerpts by age\\_band" in md
