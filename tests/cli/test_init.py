"""`feedcare init`: a commented feedcare.toml that loads back to the defaults."""

from __future__ import annotations

import dataclasses
import tomllib

from feedcare.cli.init import render_section, section_classes, toml_value
from feedcare.corpus.base.settings import build_section, load_toml
from feedcare.corpus.tokens.config import TokensConfig


def test_init_writes_a_file_that_loads_back_to_every_default(invoke, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = invoke("init")
    assert result.exit_code == 0, result.output
    path = tmp_path / "feedcare.toml"
    sections = load_toml(path)
    found = section_classes()
    assert ("tokens", TokensConfig) in found
    assert set(sections) == {name for name, _cls in found}
    for name, cls in found:
        assert build_section(cls, sections[name], name, str(path)) == cls()
    text = path.read_text()
    assert "# Analysis unit:" in text and '\nunit = "auto"\n' in text


def test_every_tokens_setting_is_documented_in_the_file(invoke, tmp_path):
    invoke("init", tmp_path)
    text = (tmp_path / "feedcare.toml").read_text()
    for field in dataclasses.fields(TokensConfig):
        assert f"\n{field.name} = " in text
        assert field.metadata["help"]


def test_refuses_to_overwrite_without_force(invoke, tmp_path):
    path = tmp_path / "feedcare.toml"
    path.write_text("# mine\n")
    result = invoke("init", path)
    assert result.exit_code == 2
    assert result.stderr.strip() == f"Error: {path}: already exists; pass --force to overwrite it"
    assert path.read_text() == "# mine\n"
    assert invoke("init", path, "--force").exit_code == 0
    assert "[tokens]" in path.read_text()


def test_missing_parent_directory_is_a_usage_error(invoke, tmp_path):
    result = invoke("init", tmp_path / "no" / "feedcare.toml")
    assert result.exit_code == 2 and "no such directory" in result.stderr


def test_rendered_values_round_trip_through_toml():
    config = TokensConfig(
        roles=("participant", "interviewer"), extra_stopwords=('say "hi"', "ok"), no_above=0.25
    )
    loaded = tomllib.loads(render_section("tokens", config))["tokens"]
    assert build_section(TokensConfig, loaded, "tokens") == config
    assert toml_value({"a": [1, 2.5, True]}) == '{ "a" = [1, 2.5, true] }'
