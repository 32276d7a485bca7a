"""The one feedcare.toml loader: every section found and read once, one path rule, one error wording."""

from __future__ import annotations

import dataclasses
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

import pytest
from feedcare.corpus.base import settings as settings_module
from feedcare.corpus.base.errors import ConfigError
from feedcare.corpus.base.settings import (
    SECTIONS,
    Settings,
    build_section,
    render_section,
    section_of,
    toml_value,
)
from feedcare.corpus.ingest.config import IngestConfig, load_ingest_config
from feedcare.corpus.spark.config import SparkConfig, load_spark_config
from feedcare.corpus.tokens.config import TokensConfig, load_tokens_config
from feedcare.topics.config import TopicsConfig, load_topics_config
from feedcare.topics.themes.config import ThemesConfig, load_themes_config

CLASSES = (IngestConfig, TokensConfig, TopicsConfig, ThemesConfig, SparkConfig)
LOADERS = {  # the per-section functions of the public API: thin wrappers over Settings
    IngestConfig: lambda path, overrides: load_ingest_config(path, overrides),
    TokensConfig: load_tokens_config,
    TopicsConfig: load_topics_config,
    ThemesConfig: load_themes_config,
    SparkConfig: load_spark_config,
}


@dataclass(frozen=True)
class Toy:
    """A made-up section with a path and a list that adds up, to show the rules are the loader's."""

    SECTION: ClassVar[str] = "themes"
    template: str | None = field(default=None, metadata={"path": True})
    tags: tuple[str, ...] = field(default=(), metadata={"merge": "add"})
    size: int = field(default=1, metadata={"min": 1})


def path_fields() -> list[tuple[type, str]]:
    classes = (*CLASSES, Toy)
    return [(cls, f.name) for cls in classes for f in dataclasses.fields(cls) if f.metadata.get("path")]


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def as_toml(cls: type, name: str, value: str) -> str:
    is_list = isinstance(getattr(cls(), name), tuple)
    return f"[{section_of(cls)}]\n{name} = {toml_value([value] if is_list else value)}\n"


def loaded(config, name: str) -> str:
    value = getattr(config, name)
    return value[0] if isinstance(value, tuple) else value


# --- relative paths: one rule for every section -----------------------------------------------------


def test_every_path_setting_is_declared_as_one():
    assert {(section_of(cls), name) for cls, name in path_fields()} == {
        ("ingest", "meta"), ("ingest", "audit_names"), ("tokens", "stopwords_files"), ("themes", "template"),
    }


@pytest.mark.parametrize(("cls", "name"), path_fields(), ids=lambda p: getattr(p, "SECTION", p))
def test_relative_paths_are_read_from_the_folder_of_the_file(tmp_path, monkeypatch, cls, name):
    monkeypatch.chdir(tmp_path)
    target = write(tmp_path / "conf" / "list.txt", "x\n")
    config = write(tmp_path / "conf" / "feedcare.toml", as_toml(cls, name, "list.txt"))
    for given in (Path("conf/feedcare.toml"), config, Path("conf/../conf/feedcare.toml")):
        value = loaded(Settings.load(given).build(cls), name)
        assert Path(value).resolve() == target.resolve()
    assert loaded(Settings.load(Path("conf/feedcare.toml")).build(cls), name) == "conf/list.txt"


@pytest.mark.parametrize(("cls", "name"), path_fields(), ids=lambda p: getattr(p, "SECTION", p))
def test_paths_stay_as_written_when_the_file_is_in_the_working_folder(tmp_path, monkeypatch, cls, name):
    """So tokens.json and manifest.json do not record where the project folder lives."""
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "feedcare.toml", as_toml(cls, name, "list.txt"))
    assert loaded(Settings.load().build(cls), name) == "list.txt"
    assert loaded(Settings.load(Path("feedcare.toml")).build(cls), name) == "list.txt"
    assert loaded(Settings.load(tmp_path / "feedcare.toml").build(cls), name) == "list.txt"
    # found from another working folder: the same file, read from its own folder
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert loaded(Settings.load(Path("../feedcare.toml")).build(cls), name) == "../list.txt"


@pytest.mark.parametrize(("cls", "name"), path_fields(), ids=lambda p: getattr(p, "SECTION", p))
def test_absolute_paths_and_command_line_paths_are_kept(tmp_path, monkeypatch, cls, name):
    monkeypatch.chdir(tmp_path)
    absolute = str(tmp_path / "lists" / "a.txt")
    config = write(tmp_path / "conf" / "feedcare.toml", as_toml(cls, name, absolute))
    assert loaded(Settings.load(config).build(cls), name) == absolute
    given = ["mine.txt"] if isinstance(getattr(cls(), name), tuple) else "mine.txt"
    # a path typed on the command line is relative to the working folder, not to the file
    assert loaded(Settings.load(config).build(cls, {name: given}), name) == "mine.txt"


# --- errors: one wording (where, [section] key, what it must be, what it got) --------------------------


def limited_field(cls: type) -> tuple[str, object, str]:
    """A field with a lower limit, a value below it, and the message every section words the same."""
    f = next(f for f in dataclasses.fields(cls) if "min" in f.metadata)
    bad = f.metadata["min"] - 1
    return f.name, bad, f"[{section_of(cls)}] {f.name} must be at least {f.metadata['min']}, got {bad!r}"


@pytest.mark.parametrize("cls", (*CLASSES, Toy), ids=section_of)
def test_a_bad_value_names_the_file_or_the_command_line(tmp_path, cls):
    name, bad, message = limited_field(cls)
    config = write(tmp_path / "feedcare.toml", f"[{section_of(cls)}]\n{name} = {toml_value(bad)}\n")
    with pytest.raises(ConfigError) as in_file:
        Settings.load(config).build(cls)
    assert str(in_file.value) == f"{config}: {message}"
    with pytest.raises(ConfigError) as on_command_line:
        Settings.load(None, cwd=tmp_path / "nowhere").build(cls, {name: bad})
    assert str(on_command_line.value) == f"command line: {message}"


@pytest.mark.parametrize("cls", CLASSES, ids=section_of)
def test_every_section_loader_words_errors_the_same(tmp_path, cls):
    section = section_of(cls)
    config = write(tmp_path / "feedcare.toml", f"[{section}]\nnope = 1\n")
    allowed = ", ".join(f.name for f in dataclasses.fields(cls))
    with pytest.raises(ConfigError) as unknown:
        LOADERS[cls](config, {})
    assert str(unknown.value) == f"{config}: unknown key 'nope' in [{section}]; allowed keys: {allowed}"
    config.write_text("")
    name, bad, message = limited_field(cls)
    with pytest.raises(ConfigError) as override:
        LOADERS[cls](config, {name: bad})
    assert str(override.value) == f"command line: {message}"


def test_a_file_error_is_blamed_on_the_file_even_with_overrides(tmp_path):
    config = write(tmp_path / "feedcare.toml", '[tokens]\nunit = "sentence"\n')
    for overrides in ({"no_below": 2}, {"unit": "window"}):  # a broken file is never silently ignored
        with pytest.raises(ConfigError, match="^" + re.escape(f"{config}: [tokens] unit must be one of")):
            load_tokens_config(config, overrides)


def test_a_cross_field_check_blames_the_side_that_gets_it_wrong(tmp_path):
    config = write(tmp_path / "feedcare.toml", "[tokens]\nmin_tokens = 300\n")
    # the file relies on the command line for max_tokens: fine together
    assert load_tokens_config(config, {"max_tokens": 400}).min_tokens == 300
    with pytest.raises(ConfigError) as alone:
        load_tokens_config(config, {"unit": "turn"})
    assert str(alone.value) == f"{config}: [tokens] min_tokens (300) must not exceed max_tokens (200)"
    with pytest.raises(ConfigError) as both:
        load_tokens_config(config, {"max_tokens": 100})
    assert str(both.value) == f"{config}: [tokens] min_tokens (300) must not exceed max_tokens (100)"
    config.write_text("[tokens]\nmin_tokens = 50\n")
    with pytest.raises(ConfigError) as override:
        load_tokens_config(config, {"max_tokens": 40})
    assert str(override.value) == "command line: [tokens] min_tokens (50) must not exceed max_tokens (40)"


def test_wrong_type_and_unknown_section(tmp_path):
    config = write(tmp_path / "feedcare.toml", '[themes]\nexcerpts = "five"\n')
    with pytest.raises(ConfigError, match=r"\[themes\] excerpts must be an integer, got 'five'$"):
        Settings.load(config).build(ThemesConfig)
    config.write_text("[plots]\n")
    with pytest.raises(ConfigError, match=r"unknown section \[plots\]; allowed sections are \[ingest\], "):
        Settings.load(config)


def test_a_missing_config_file_is_an_error_but_no_file_means_defaults(tmp_path):
    with pytest.raises(ConfigError, match="configuration file not found; check the --config path"):
        Settings.load(tmp_path / "missing.toml")
    assert Settings.load(cwd=tmp_path).build(TokensConfig) == TokensConfig()


# --- read once, overrides ------------------------------------------------------------------------------


@pytest.fixture
def reads(monkeypatch):
    """Every feedcare.toml read, by path."""
    seen: list[Path] = []
    real = settings_module.load_toml

    def counting(path):
        if path is not None:
            seen.append(Path(path))
        return real(path)

    monkeypatch.setattr(settings_module, "load_toml", counting)
    return seen


@pytest.mark.parametrize("cls", CLASSES, ids=section_of)
def test_each_section_loader_reads_the_file_once(tmp_path, reads, cls):
    config = write(tmp_path / "feedcare.toml", "[tokens]\n[topics]\n[themes]\n[ingest]\n")
    LOADERS[cls](config, {})
    assert reads == [config]


def test_one_settings_object_builds_every_section_from_one_read(tmp_path, reads):
    config = write(tmp_path / "feedcare.toml", '[tokens]\nno_below = 2\n[topics]\nk = "4:6"\n')
    settings = Settings.load(config)
    built = [settings.build(cls) for cls in CLASSES]
    assert reads == [config]
    assert built[1].no_below == 2 and built[2].ks == (4, 5, 6) and built[3] == ThemesConfig()


def test_ingest_reads_feedcare_toml_once_and_labels_add_up(invoke, tmp_path, monkeypatch, reads):
    write(tmp_path / "t" / "g1.txt", "Host: Thoughts?\nAmir: Good.\nGuide: More?\nAmir: Fine.\n")
    write(tmp_path / "feedcare.toml", '[ingest]\ninterviewers = ["Host"]\n')
    monkeypatch.chdir(tmp_path)
    result = invoke("ingest", "t", "--corpus", "c", "--interviewer", "Guide", "--interviewer", "Host")
    assert result.exit_code == 0, result.output
    assert reads == [tmp_path / "feedcare.toml"]


def test_labels_on_the_command_line_add_to_the_file_and_other_lists_replace(tmp_path):
    config = write(
        tmp_path / "feedcare.toml",
        '[ingest]\ninterviewers = ["Host", "Guide"]\n[tokens]\nroles = ["participant", "other"]\n',
    )
    ingest = load_ingest_config(config, {"interviewers": ["Moderator", "Host"], "participants": ["Amir"]})
    assert ingest.interviewers == ("Host", "Guide", "Moderator")
    assert ingest.participants == ("Amir",)
    assert load_ingest_config(config, {"interviewers": None}).interviewers == ("Host", "Guide")
    assert load_tokens_config(config, {"roles": ["interviewer"]}).roles == ("interviewer",)
    toy = write(tmp_path / "toy.toml", '[themes]\ntags = ["a"]\n')
    assert Settings.load(toy).build(Toy, {"tags": ["b", "a"]}).tags == ("a", "b")


def test_none_overrides_keep_the_file_values(tmp_path):
    config = write(tmp_path / "feedcare.toml", "[themes]\nexcerpts = 2\n")
    assert load_themes_config(config, {"excerpts": None, "sort": "id"}) == ThemesConfig(excerpts=2, sort="id")


def test_every_section_class_names_its_section():
    assert [section_of(cls) for cls in CLASSES] == list(SECTIONS)

    class Nameless:
        pass

    with pytest.raises(TypeError, match="SECTION must be one of ingest, tokens, topics, themes, spark"):
        section_of(Nameless)


# --- the commented file -----------------------------------------------------------------------------------


def test_rendered_values_round_trip_through_toml():
    config = TokensConfig(
        roles=("participant", "interviewer"), extra_stopwords=('say "hi"', "ok"), no_above=0.25
    )
    loaded_back = tomllib.loads(render_section("tokens", config))["tokens"]
    assert build_section(TokensConfig, loaded_back, "tokens") == config
    assert toml_value({"a": [1, 2.5, True]}) == '{ "a" = [1, 2.5, true] }'


def test_the_rendered_file_loads_back_to_the_defaults(tmp_path):
    path = settings_module.write_config(tmp_path, CLASSES)
    assert path == tmp_path / "feedcare.toml"
    settings = Settings.load(path)
    assert [settings.build(cls) for cls in CLASSES] == [cls() for cls in CLASSES]
    text = path.read_text()
    assert "# with audit: a file of names to flag, one per line\n# audit_names =   (not set)" in text


# --- issue 14: a BOM, and numbers that are not finite ------------------------------------------


def test_a_file_saved_with_a_utf8_byte_order_mark_is_read(tmp_path):
    """Notepad and Excel save UTF-8 with a BOM; the file was rejected as not valid TOML (#14)."""
    from feedcare.corpus.tokens.config import TokensConfig

    path = tmp_path / "feedcare.toml"
    path.write_bytes("\ufeff[tokens]\nno_below = 3\n".encode())
    assert Settings.load(path).build(TokensConfig).no_below == 3


@pytest.mark.parametrize("value", ["inf", "-inf", "nan", "+inf"])
def test_a_number_that_is_not_finite_is_refused_by_name(tmp_path, value):
    from feedcare.corpus.tokens.config import TokensConfig

    path = tmp_path / "feedcare.toml"
    path.write_text(f"[tokens]\nno_above = {value}\n")
    expected = rf"\[tokens\] no_above must be a finite number, got {value.lstrip('+')}"
    with pytest.raises(ConfigError, match=expected):
        Settings.load(path).build(TokensConfig)


@pytest.mark.parametrize(("toml", "message"), [
    ("max_file_mb = 1e308", "[ingest] max_file_mb must be at most"),
    ("max_file_mb = inf", "[ingest] max_file_mb must be a finite number"),
])
def test_max_file_mb_too_large_is_one_line_not_an_overflow(invoke, tmp_path, toml, message):
    """max_file_mb = 1e308 overflowed into a traceback (#7)."""
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "a.txt").write_text("Interviewer: hi?\nP01: fine.\n")
    config = tmp_path / "feedcare.toml"
    config.write_text(f"[ingest]\n{toml}\n")
    result = invoke("ingest", tmp_path / "src", "--corpus", tmp_path / "c", "--config", config)
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(f"Error: {config}: {message}")
