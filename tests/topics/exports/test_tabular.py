"""`feedcare themes --format csv|md|json`: tidy tables and the Markdown report section."""

from __future__ import annotations

import csv
import io
import json

import pandas as pd
import pytest
from feedcare.corpus import open_corpus
from themes_fixtures import RUN_ID, build_project

EVIL = "<script>alert(1)</script> the *nurse* & [staff](http://x) were kind, caring | `staff`"


@pytest.fixture
def project(tmp_path):
    return build_project(
        tmp_path, extra_docs={"evil": [("Interviewer", "interviewer", "Hi"), ("E1", "participant", EVIL)]}
    )


def run(invoke, project, *args):
    result = invoke("themes", "latest", "--corpus", project.corpus, *args)
    assert result.exit_code == 0, result.output
    return result


def test_csv_on_stdout_has_one_row_per_topic_and_excerpt(invoke, project):
    result = run(invoke, project, "--format", "csv", "--excerpts", "3")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 3 * 3
    assert {
        "topic",
        "label",
        "top_terms",
        "unit_share",
        "word_share",
        "spread",
        "excerpt_rank",
        "weight",
        "participant_id",
        "doc_id",
        "seg_start",
        "seg_end",
        "start_s",
        "char_start",
        "char_end",
        "text",
    } <= set(rows[0])
    texts = open_corpus(project.corpus).texts(sorted({r["doc_id"] for r in rows}))
    for row in rows:
        assert texts[row["doc_id"]][int(row["char_start"]) : int(row["char_end"])] == row["text"]
    frame = pd.read_csv(io.StringIO(result.stdout))  # ready for pandas / R
    assert frame.groupby("topic").size().tolist() == [3, 3, 3]


def test_topic_without_excerpts_still_has_a_csv_row(invoke, project):
    rows = list(
        csv.DictReader(io.StringIO(run(invoke, project, "--format", "csv", "--min-weight", "0.999").stdout))
    )
    assert sorted(int(r["topic"]) for r in rows) == [0, 1, 2]
    assert all(r["excerpt_rank"] == "" and r["text"] == "" for r in rows)


def test_csv_with_by_is_the_group_table(invoke, project, tmp_path):
    out = tmp_path / "groups.csv"
    result = run(invoke, project, "--by", "age_band", "--out", out)
    assert f"Wrote {out}" in result.stderr
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert len(rows) == 3 * 3
    assert set(rows[0]) >= {
        "attribute",
        "topic",
        "group",
        "mean_share",
        "n_units",
        "n_participants",
        "few_participants",
        "group_units",
        "group_participants",
    }
    assert {r["group"] for r in rows} == {"18-34", "35-64", "65+"}


def test_json_has_topics_excerpts_groups_and_sweep(invoke, project):
    data = json.loads(run(invoke, project, "--json", "--by", "platform").stdout)
    assert data["run_id"] == RUN_ID and data["model"] == "k3-s1"
    assert [t["topic"] for t in data["topics"]] and all(t["terms"] for t in data["topics"])
    assert len(data["excerpts"]) == 15 and len(data["groups"]) == 12
    assert [p["model"] for p in data["sweep"]] == ["k2-s1", "k3-s1", "k3-s2", "k4-s1"]
    assert data["config"]["excerpts"] == 5 and "unit_share" in data["definitions"]
    frame = pd.DataFrame(data["excerpts"])
    assert set(frame["topic"]) == {0, 1, 2}


def test_highlights_mark_top_terms(invoke, project):
    data = json.loads(run(invoke, project, "--json", "--topic", "0").stdout)
    terms = {t["term"] for t in data["topics"][0]["terms"]}
    marked = {e["text"][start:end].lower() for e in data["excerpts"] for start, end in e["highlights"]}
    assert {"hours", "queue", "delay", "appointment"} <= marked
    assert marked <= terms  # only top terms (the fixture's words are their own lemmas)


def test_markdown_section_escapes_transcript_text(invoke, project, tmp_path):
    out = tmp_path / "appendix.md"
    run(invoke, project, "--out", out, "--topic", "1", "--excerpts", "20")
    text = out.read_text(encoding="utf-8")
    assert text.startswith(f"## Themes (run {RUN_ID}, model k3-s1)")
    assert "### Topic 1: nurse, kind, caring" in text
    assert "*Prevalence:*" in text and "participants" in text
    assert "<script>" not in text  # escaped: \<script\>
    assert "\\<script\\>alert(1)\\</script\\>" in text
    assert "\\[**staff**\\](http://x)" in text  # no live link
    assert "evil, evil.txt, turn 2" in text
    quotes = [line for line in text.splitlines() if line.startswith("> ") and not line.startswith("> —")]
    assert len(quotes) >= 10


def test_markdown_includes_the_group_table(invoke, project):
    text = run(invoke, project, "--format", "md", "--by", "platform").stdout
    assert "### Prevalence by platform" in text
    assert "| Topic | paper (n=" in text
    assert "†" in text


def test_exports_are_reproducible_and_atomic(invoke, project, tmp_path):
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    run(invoke, project, "--out", first)
    run(invoke, project, "--out", second)
    assert first.read_bytes() == second.read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")) == []


def test_out_in_a_new_directory_is_created(invoke, project, tmp_path):
    out = tmp_path / "reports" / "themes.csv"
    run(invoke, project, "--out", out)
    assert out.read_text(encoding="utf-8").startswith("run_id,model,topic,")
