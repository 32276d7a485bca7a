"""feedcare methods: every non-default setting is named, and the same run gives the same bytes."""

from __future__ import annotations

import copy
import dataclasses

import pytest
from feedcare.corpus.ingest.config import IngestConfig
from feedcare.corpus.tokens.config import TokensConfig
from feedcare.topics.config import TopicsConfig
from feedcare.topics.reporting.methods import FORMATS, changed_settings, methods_statement
from feedcare.topics.reporting.record import load_record


def _other(value):
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    if isinstance(value, float):
        return round(value / 2 + 0.013, 6)
    if isinstance(value, str):
        return value + "x"
    if isinstance(value, list | tuple):
        return [*value, "zzz"]
    return 7  # None


def _fields(cls, step):
    return [(step, f.name) for f in dataclasses.fields(cls)]


SETTINGS = _fields(IngestConfig, "ingest") + _fields(TokensConfig, "tokens") + _fields(TopicsConfig, "topics")
WHERE = {
    "ingest": lambda r: r.manifest["config"],
    "tokens": lambda r: r.tokens["config"],
    "topics": lambda r: r.info["config"],
}


@pytest.mark.parametrize(("step", "key"), SETTINGS, ids=[f"{s}.{k}" for s, k in SETTINGS])
def test_changing_any_one_setting_changes_the_statement(project, step, key):
    _, corpus, _, run = project
    record = load_record(run, corpus)
    before = methods_statement(record)
    changed = copy.deepcopy(record)
    recorded = WHERE[step](changed)
    if key not in recorded:
        pytest.skip(f"{step}.{key} is not recorded by this run")
    recorded[key] = _other(recorded[key])
    after = methods_statement(changed)
    assert after != before
    if key not in ("jobs", "batch_size"):  # these never change a result: listed, not flagged
        default = dict(
            dataclasses.asdict(
                {"ingest": IngestConfig, "tokens": TokensConfig, "topics": TopicsConfig}[step]()
            )
        )[key]
        if recorded[key] != default and list(
            recorded[key] if isinstance(recorded[key], tuple) else [recorded[key]]
        ) != list(default if isinstance(default, tuple) else [default]):
            assert f"{step}.{key}" in changed_settings(changed)
            assert f"{step}.{key} = " in after  # named in the "changed from the defaults" line


def test_the_run_s_own_changes_are_named(project):
    _, corpus, _, run = project
    text = methods_statement(load_record(run, corpus))
    for name in (
        "tokens.no_below = 2",
        "tokens.min_tokens = 8",
        "tokens.phrases = false",
        "topics.passes = 2",
    ):
        assert name in text
    assert "Blei" in text and "Hoffman" in text and "Röder" in text and "CITATION.cff" in text


@pytest.mark.parametrize("fmt", FORMATS)
def test_same_run_same_bytes(project, fmt, invoke, tmp_path):
    _, corpus, _, run = project
    first = methods_statement(load_record(run, corpus), fmt)
    result = invoke("methods", run, "--corpus", corpus, "--format", fmt, "--out", tmp_path / f"m.{fmt}")
    assert result.exit_code == 0, result.output
    assert (tmp_path / f"m.{fmt}").read_text(encoding="utf-8") == first


def test_versions_come_from_the_record_not_the_environment(project):
    _, corpus, _, run = project
    record = load_record(run, corpus)
    record.info["packages"]["gensim"] = "0.0.1-recorded"
    assert "gensim 0.0.1-recorded" in methods_statement(record)


def test_redaction_and_codebook_are_described_when_recorded(project):
    _, corpus, _, run = project
    record = copy.deepcopy(load_record(run, corpus))
    plain = methods_statement(record)
    assert "redaction markers by" not in plain and "codebook" not in plain
    record.manifest.setdefault("options", {})["redaction"] = {"replacements": 3, "counts": {"phone": 3}}
    record.info["codebook"] = {  # as `feedcare topics --codebook` records it (topics/codebook/guidance.py)
        "path": "codebook.toml", "format": "toml", "sha256": "ab" * 32, "boost": 1.0, "free": 2,
        "codes": [
            {"guid": "g1", "name": "Access", "path": "Access", "topic": 0, "seeds": ["wait", "appointment"],
             "seeds_from": "file"},
            {"guid": "g2", "name": "Dignity", "path": "Dignity", "seeds_from": "name",
             "reason": "no term of its name is in the vocabulary (dignity); add seed terms"},
        ],
    }
    text = methods_statement(record)
    assert "3 replacements: 3 phone" in text
    assert "deductive codebook (codebook.toml, SHA-256 abababababababab…) of 2 codes" in text
    assert "Access: wait, appointment" in text and "2 free topics" in text and "eta + 1.0" in text
    assert "1 code had no seed term in the vocabulary and guided no topic: Dignity" in text


def test_bad_format_and_unknown_run_exit_2(project, invoke):
    _, corpus, _, run = project
    assert invoke("methods", run, "--corpus", corpus, "--format", "docx").exit_code == 2
    assert invoke("methods", "nope", "--corpus", corpus).exit_code == 2


def test_a_damaged_run_json_is_one_line_and_exit_4(project, tmp_path, invoke):
    from reporting_fixtures import copy_project

    _, corpus, _, run = copy_project(project, tmp_path)
    path = corpus / "runs" / run / "run.json"
    path.write_text(path.read_text().replace('"n_units":', '"n_units": "many", "_was":'))
    result = invoke("methods", run, "--corpus", corpus)
    assert result.exit_code == 4
    assert "run.json is damaged" in result.output and "n_units" in result.output


def test_the_tokenisation_packages_versions_are_recorded_and_named(project):
    """tokens.json records the versions the tokens depend on, so the statement can cite them."""
    from importlib.metadata import version

    _, corpus, _, run = project
    record = load_record(run, corpus)
    assert record.tokens["packages"] == {name: version(name) for name in ("nltk", "gensim", "simplemma")}
    text = methods_statement(record)
    assert f"nltk {version('nltk')}" in text and f"simplemma {version('simplemma')}" in text
    assert "were not recorded" not in text
    older = copy.deepcopy(record)
    del older.tokens["packages"]  # a tokens.json written before the versions were recorded
    assert "simplemma used for tokenisation were not recorded" in methods_statement(older)
