"""`feedcare init`: a commented feedcare.toml that loads back to the defaults."""

from __future__ import annotations

import dataclasses

from feedcare.cli.init import section_classes
from feedcare.corpus.base.settings import SECTIONS, Settings, load_toml, section_of
from feedcare.corpus.tokens.config import TokensConfig


def test_init_writes_a_file_that_loads_back_to_every_default(invoke, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = invoke("init")
    assert result.exit_code == 0, result.output
    path = tmp_path / "feedcare.toml"
    found = section_classes()
    assert TokensConfig in found
    assert list(load_toml(path)) == [section_of(cls) for cls in found] == list(SECTIONS)
    for cls in found:
        assert Settings.load(path).build(cls) == cls()
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
