"""feedcare reproduce: identical on an untouched run; the right reason when an input, a setting or a
recorded package version differs."""

from __future__ import annotations

import json
import shutil

from feedcare.topics.reporting.reproduce import reproduce
from reporting_fixtures import copy_project


def test_untouched_run_is_identical_and_exits_0(project, invoke):
    _, corpus, _, run = project
    result = invoke("reproduce", run, "--corpus", corpus, "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["identical"] and report["source"].startswith("re-ingested")
    checked = {c["what"].split(" ")[0] for c in report["checks"]}
    assert {
        "input",
        "corpus",
        "tokens",
        "tokens.parquet",
        "vocabulary.parquet",
        "topics.parquet",
        "doc_topics.parquet",
        "topic_measures.parquet",
        "sweep.parquet",
        "package",
    } <= checked


def test_whole_sweep_with_all(project):
    _, corpus, _, run = project
    result = reproduce(run, corpus, all_models=True)
    assert result.identical, result.to_dict()
    assert any(c.what == "run fingerprint" and c.ok for c in result.checks)


def test_an_edited_input_file_is_named(project, tmp_path, invoke):
    sources, corpus, _, run = project
    edited = tmp_path / "inputs"
    shutil.copytree(sources, edited)
    path = edited / "P03.txt"
    path.write_text(path.read_text().replace("Well the", "Honestly the", 1))
    result = invoke("reproduce", run, "--corpus", corpus, "--inputs", edited)
    assert result.exit_code == 1
    assert "a changed input file" in result.stdout and "P03.txt" in result.stdout
    report = reproduce(run, corpus, inputs=edited)
    assert {c.what for c in report.checks if not c.ok} >= {"input files", "corpus fingerprint"}


def test_a_changed_setting_in_the_config_is_named(project, tmp_path, invoke):
    _, corpus, config, run = project
    changed = tmp_path / "feedcare.toml"
    changed.write_text(config.read_text().replace("no_below = 2", "no_below = 3"))
    result = invoke("reproduce", run, "--corpus", corpus, "--config", changed)
    assert result.exit_code == 1
    assert "a changed setting: [tokens] no_below is 3" in " ".join(result.stdout.split())


def test_a_setting_edited_in_the_record_is_caught(project, tmp_path):
    _, corpus, _, run = copy_project(project, tmp_path)
    meta = json.loads((corpus / "tokens.json").read_text())
    meta["config"]["min_length"] = 3
    (corpus / "tokens.json").write_text(json.dumps(meta))
    result = reproduce(run, corpus)
    assert not result.identical
    assert any(c.what == "tokens fingerprint" and not c.ok for c in result.checks)
    assert any("a changed setting or package" in r for r in result.reasons)


def test_tokens_json_from_before_the_package_versions_were_recorded_still_reproduces(project, tmp_path):
    _, corpus, _, run = copy_project(project, tmp_path)
    meta = json.loads((corpus / "tokens.json").read_text())
    del meta["packages"]  # as feedcare wrote it before tokens.json recorded them
    (corpus / "tokens.json").write_text(json.dumps(meta))
    result = reproduce(run, corpus)
    assert result.identical, [(c.what, c.detail) for c in result.checks if not c.ok]
    meta["packages"] = {"nltk": "3.0.0", "gensim": "4.4.0", "simplemma": "1.0.0"}  # recorded, and other
    (corpus / "tokens.json").write_text(json.dumps(meta))
    checks = {c.what: c for c in reproduce(run, corpus).checks}
    assert not checks["tokens.json"].ok and "packages" in checks["tokens.json"].detail


def test_a_recorded_package_version_that_differs_is_named(project, tmp_path, invoke):
    _, corpus, _, run = copy_project(project, tmp_path)
    path = corpus / "runs" / run / "run.json"
    info = json.loads(path.read_text())
    info["packages"]["gensim"] = "3.8.3"
    path.write_text(json.dumps(info))
    result = invoke("reproduce", run, "--corpus", corpus)
    assert result.exit_code == 1
    assert "a package version: gensim 3.8.3 recorded" in " ".join(result.stdout.split())


def test_missing_sources_fall_back_to_the_corpus(project, tmp_path):
    _, corpus, _, run = copy_project(project, tmp_path)
    manifest = json.loads((corpus / "manifest.json").read_text())
    manifest["sources"] = {
        str(tmp_path / "gone" / k.rsplit("/", 1)[-1]): {**v, "root": str(tmp_path / "gone")}
        for k, v in manifest["sources"].items()
    }
    (corpus / "manifest.json").write_text(json.dumps(manifest))
    result = reproduce(run, corpus)
    assert result.source.startswith("copied from the corpus")
    assert all(c.ok for c in result.checks if c.what != "corpus fingerprint")


def test_a_file_added_to_the_inputs_folder_since_does_not_join(project, tmp_path):
    sources, corpus, _, run = project
    moved = tmp_path / "moved"
    shutil.copytree(sources, moved)
    (moved / "P99.txt").write_text("Interviewer: Hello?\nP99: A transcript added after the analysis.\n")
    result = reproduce(run, corpus, inputs=moved)
    assert result.identical, result.to_dict()


def test_a_guided_run_reproduces_from_its_record_without_the_codebook_file(project, tmp_path):
    """run.json carries the codes and their effective seeds (expanded ones included): reproduce refits the
    guided run from them (the codebook file is deleted first) and gets the same tables; the methods
    statement names it."""
    from feedcare.corpus import open_corpus
    from feedcare.topics import TopicsConfig, fit_topics
    from feedcare.topics.codebook.readers import read_codebook
    from feedcare.topics.codebook.seeds import plan_guidance
    from feedcare.topics.reporting.methods import methods_statement
    from feedcare.topics.reporting.record import load_record

    _, corpus, _, _ = copy_project(project, tmp_path)
    book = tmp_path / "codes.csv"
    book.write_text("code,description,seeds\nWaiting,,appointment; queue\nStaff,Kind nurses and doctors,\n",
                    encoding="utf-8")
    guidance = plan_guidance(open_corpus(corpus), read_codebook(book), free=1, expand=8)
    fit_topics(corpus, TopicsConfig(k=3, seeds=1, passes=2, iterations=20), run_id="guided", jobs=1,
               guidance=guidance)
    book.unlink()
    result = reproduce("guided", corpus)
    assert result.identical, result.to_dict()
    text = " ".join(methods_statement(load_record("guided", corpus), "txt").split())
    staff = guidance.guided[1]  # seeds from its description: expanded from the corpus
    assert staff.expanded, staff
    assert ("Waiting: appointment, queue; Staff: kind, nurse, doctor (expanded from the corpus: "
            f"{', '.join(staff.expanded)}).") in text and "1 free topic" in text
