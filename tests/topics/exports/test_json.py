"""`feedcare themes --format json` and `--json`: the whole result as tidy lists of rows."""

from __future__ import annotations

import json

import pandas as pd
import pytest
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


def test_json_has_topics_excerpts_groups_and_sweep(invoke, project):
    data = json.loads(run(invoke, project, "--json", "--by", "platform").stdout)
    assert data["run_id"] == RUN_ID and data["model"] == "k3-s1"
    assert [t["topic"] for t in data["topics"]] and all(t["terms"] for t in data["topics"])
    assert len(data["excerpts"]) == 15 and len(data["groups"]) == 12
    assert [p["model"] for p in data["sweep"]] == ["k2-s1", "k3-s1", "k3-s2", "k4-s1"]
    assert data["config"]["excerpts"] == 5 and "prevalence" in data["definitions"]
    frame = pd.DataFrame(data["excerpts"])
    assert set(frame["topic"]) == {0, 1, 2}


def test_highlights_mark_top_terms(invoke, project):
    data = json.loads(run(invoke, project, "--json", "--topic", "0").stdout)
    terms = {t["term"] for t in data["topics"][0]["terms"]}
    marked = {e["text"][start:end].lower() for e in data["excerpts"] for start, end in e["highlights"]}
    assert {"hours", "queue", "delay", "appointment"} <= marked
    assert marked <= terms  # only top terms (the fixture's words are their own lemmas)


def test_exports_are_reproducible_and_atomic(invoke, project, tmp_path):
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    run(invoke, project, "--out", first)
    run(invoke, project, "--out", second)
    assert first.read_bytes() == second.read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")) == []
