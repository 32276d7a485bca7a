"""run.json through :class:`RunInfo` and through the real CLI (runs show, runs list, themes, topics)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from feedcare.topics import TopicsConfig, fit_topics
from feedcare.topics.runs.runjson import RunInfo
from themes_fixtures import build_project
from topics_fixtures import planted_corpus

FAST = TopicsConfig(k=3, seeds=2, passes=1, iterations=20)


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    """A real corpus and a finished run "real"."""
    corpus, _ = planted_corpus(tmp_path_factory.mktemp("runjson") / "c", n_docs=40)
    report = fit_topics(corpus, FAST, run_id="real", jobs=1)
    return corpus, report


@pytest.fixture
def project(tmp_path):
    return build_project(tmp_path)


def edit(path: Path, change) -> bytes:
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(json.dumps(data, indent=2, sort_keys=True), encoding="utf-8")
    return path.read_bytes()


def one_line_error(result, *words) -> str:
    assert result.exit_code == 4, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    assert all(w in lines[0] for w in words), lines[0]
    return lines[0]


def test_round_trip_keeps_the_bytes_and_says_the_version(fitted, tmp_path):
    _, report = fitted
    path = report.path / "run.json"
    info = RunInfo.from_json(path)
    assert json.loads(path.read_text())["format_version"] == RunInfo.FORMAT_VERSION == 1
    assert info.is_complete and info.chosen_model == report.chosen_model
    assert [k.k for k in info.measures.by_k] == [3] and len(info.measures.fits) == 2
    assert info.to_dict() == json.loads(path.read_text())
    info.to_json(tmp_path / "run.json")
    assert (tmp_path / "run.json").read_bytes() == path.read_bytes()


def test_a_run_written_before_versioning_opens_and_resumes_unchanged(fitted, invoke, tmp_path):
    corpus, report = fitted
    corpus = Path(shutil.copytree(corpus, tmp_path / "c"))
    run_json = corpus / "runs" / "real" / "run.json"
    edit(run_json, lambda data: data.pop("format_version"))
    shown = json.loads(invoke("runs", "show", "real", "--corpus", corpus, "--json").stdout)
    assert shown["chosen_model"] == report.chosen_model and shown["format_version"] == 1
    assert invoke("themes", "real", "--corpus", corpus).exit_code == 0
    # The run fingerprint hashes settings and tokens, never run.json's bytes: the same --run-id
    # with the same settings is the same run, and its finished fits are re-used.
    again = fit_topics(corpus, FAST, run_id="real", jobs=1)
    assert again.reused_fits == 2 and again.chosen_model == report.chosen_model
    assert RunInfo.from_json(run_json).fingerprint == shown["fingerprint"]


@pytest.mark.parametrize(
    ("version", "words"),
    [
        (2, ["run.json format version 2 is newer than feedcare", "reads (version 1)", "upgrade feedcare"]),
        (0, ["run.json format version 0 is older than feedcare", "reads (version 1)",
             "delete the run directory and run `feedcare topics` again"]),
    ],
)
def test_another_format_version_is_one_line_in_every_command(project, invoke, version, words):
    run_json = project.run / "run.json"
    edit(run_json, lambda data: data.update(format_version=version))
    one_line_error(invoke("runs", "show", "run-a", "--corpus", project.corpus), f"{run_json}: ", *words)
    one_line_error(invoke("themes", "run-a", "--corpus", project.corpus), f"{run_json}: ", *words)
    one_line_error(invoke("themes", "latest", "--corpus", project.corpus), f"{run_json}: ", *words)
    listed = json.loads(invoke("runs", "list", "--corpus", project.corpus, "--json").stdout)
    newer = "newer" if version == 2 else "older"
    assert [(r["run_id"], r["status"]) for r in listed] == [("run-a", f"format {version} ({newer} feedcare)")]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d.update(status="finished"),
         'status: expected one of "running", "complete", got a string'),
        (lambda d: d["models"][0].update(k="3"), 'models[0].k: expected an integer, got a string "3"'),
        (lambda d: d["engine"].pop("settings"), "engine.settings: missing"),
        (lambda d: d.pop("measures"), "status is complete but measures is missing"),
        (lambda d: d.update(chosen_model="k9-s9"), "chosen_model 'k9-s9' is not one of the run's models"),
        (lambda d: d["measures"]["fits"][0].update(c_npmi="high"),
         "measures.fits[0].c_npmi: expected a number"),
    ],
)
def test_a_damaged_key_is_named_in_one_line(project, invoke, change, expected):
    run_json = project.run / "run.json"
    edit(run_json, change)
    for args in (("runs", "show", "run-a"), ("themes", "run-a")):
        line = one_line_error(invoke(*args, "--corpus", project.corpus),
                              f"{run_json}: run.json is damaged (", expected)
        assert line.endswith("; delete the run directory and run `feedcare topics` again")
    listed = json.loads(invoke("runs", "list", "--corpus", project.corpus, "--json").stdout)
    assert listed[0]["status"] == "damaged"


def test_themes_refuses_a_tokens_json_from_a_newer_feedcare(project, invoke):
    tokens = project.corpus / "tokens.json"
    edit(tokens, lambda data: data.update(format_version=3))
    one_line_error(invoke("themes", "run-a", "--corpus", project.corpus),
                   f"{tokens}: tokens.json format version 3 is newer than feedcare", "upgrade feedcare")


def test_runs_show_renders_the_typed_fields(fitted, invoke):
    corpus, report = fitted
    result = invoke("runs", "show", "real", "--corpus", corpus)
    assert result.exit_code == 0, result.output
    info = RunInfo.from_json(report.path / "run.json")
    for text in (f"Run {info.run_id}", "gensim", f"gensim {info.engine.packages['gensim']}", "passes=1",
                 f"{info.n_units:,} × {info.n_terms:,}", info.tokens_fingerprint,
                 f"fits_seconds {info.timings.fits_seconds}", f"Topics of {info.chosen_model}"):
        assert text in result.stdout, text
