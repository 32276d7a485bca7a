"""``[topics]``: engine-specific settings, and ``--iterations`` going to the chosen engine's key."""

from __future__ import annotations

import pytest
from feedcare.corpus.base.errors import ConfigError
from feedcare.topics.config import TopicsConfig, engine_key, load_topics_config


def test_engine_key_uses_the_engines_prefix_when_it_has_one():
    assert engine_key("tomotopy", "iterations") == "tomotopy_iterations"
    assert engine_key("gensim", "iterations") == "iterations"
    assert engine_key("tomotopy", "passes") == "passes"  # tomotopy has no passes of its own


@pytest.mark.parametrize(
    ("toml", "overrides", "expected"),
    [
        ("", {}, {"iterations": 50, "tomotopy_iterations": 1000}),
        ('engine = "tomotopy"\n', {}, {"iterations": 100, "tomotopy_iterations": 50}),
        ('engine = "tomotopy"\n', {"engine": "gensim"}, {"iterations": 50, "tomotopy_iterations": 1000}),
        ("", {"engine": "tomotopy"}, {"iterations": 100, "tomotopy_iterations": 50}),
    ],
)
def test_iterations_go_to_the_engine_the_file_or_the_overrides_choose(tmp_path, toml, overrides, expected):
    config = tmp_path / "feedcare.toml"
    config.write_text("[topics]\n" + toml)
    got = load_topics_config(config, overrides, engine_overrides={"iterations": 50})
    assert {"iterations": got.iterations, "tomotopy_iterations": got.tomotopy_iterations} == expected


def test_engine_overrides_win_over_the_file_and_none_is_ignored(tmp_path):
    config = tmp_path / "feedcare.toml"
    config.write_text('[topics]\nengine = "tomotopy"\ntomotopy_iterations = 400\nk = 5\n')
    assert load_topics_config(config, {}, engine_overrides={"iterations": None}).tomotopy_iterations == 400
    assert load_topics_config(config, {"k": 6}, engine_overrides={"iterations": 70}) == TopicsConfig(
        engine="tomotopy", tomotopy_iterations=70, k=6
    )


def test_a_bad_engine_override_names_the_engines_key(tmp_path):
    config = tmp_path / "feedcare.toml"
    config.write_text('[topics]\nengine = "tomotopy"\n')
    expected = r"^command line: \[topics\] tomotopy_iterations must be at least 1, got 0$"
    with pytest.raises(ConfigError, match=expected):
        load_topics_config(config, {}, engine_overrides={"iterations": 0})


@pytest.mark.parametrize(("key", "value"), [
    ("alpha", "inf"), ("eta", "inf"), ("eta", "1e308"), ("alpha", "nan"), ("alpha", "-1.0"),
    ("tomotopy_alpha", "inf"), ("tomotopy_eta", "1e308"),
])
def test_priors_must_be_finite_positive_numbers_within_reach(invoke, tmp_path, key, value):
    """alpha = inf, eta = inf and eta = 1e308 gave a "complete" run of NaN weights (issue 14, #8)."""
    from topics_fixtures import planted_corpus

    corpus, _ = planted_corpus(tmp_path / "c", n_docs=20)
    config = tmp_path / "feedcare.toml"
    config.write_text(f"[topics]\n{key} = {value}\n")
    result = invoke("topics", "--corpus", corpus, "--config", config, "--k", "2", "--jobs", "1")
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(f"Error: {config}: [topics] {key} must be ")
    assert not (corpus / "runs").exists() or not any((corpus / "runs").iterdir())


# --- settings that follow the corpus ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("n_units", "seeds", "passes", "convergence"),
    [(86, 3, 20, 0.0), (1_397, 3, 20, 0.0), (4_999, 3, 20, 0.0), (5_000, 2, 20, 0.01), (9_049, 2, 20, 0.01),
     (30_000, 2, 10, 0.01), (90_889, 2, 4, 0.01), (100_000, 2, 3, 0.01), (150_000, 2, 2, 0.01),
     (1_000_000, 2, 2, 0.01)],
)
def test_auto_settings_follow_the_number_of_units(n_units, seeds, passes, convergence):
    from feedcare.topics.config import auto_schedule

    schedule = auto_schedule(n_units)
    assert (schedule.seeds, schedule.passes, schedule.convergence) == (seeds, passes, convergence)
    resolved = TopicsConfig().for_corpus(n_units)
    assert (resolved.seeds, resolved.passes, resolved.convergence) == (seeds, passes, convergence)
    assert len(resolved.seed_list) == seeds


def test_below_5000_units_the_auto_settings_are_the_old_defaults():
    """Small corpora keep what the defaults were chosen on: the same fits, byte for byte."""
    old = TopicsConfig(seeds=3, passes=20, chunksize=2000).for_corpus(1_397)
    new = TopicsConfig().for_corpus(1_397)
    assert (new.seeds, new.passes, new.chunksize, new.convergence) == (
        old.seeds, old.passes, old.chunksize, old.convergence)


def test_explicit_settings_win_over_auto():
    resolved = TopicsConfig(seeds=5, passes=7).for_corpus(100_000)
    assert (resolved.seeds, resolved.passes, resolved.convergence) == (5, 7, 0.0)  # every pass runs
    resolved = TopicsConfig(passes=30, convergence=0.02).for_corpus(100_000)
    assert (resolved.passes, resolved.convergence) == (30, 0.02)  # an explicit tolerance applies
    assert TopicsConfig(convergence=0).for_corpus(1_000).convergence == 0.0


def test_auto_seeds_need_the_corpus():
    with pytest.raises(ValueError, match="for_corpus"):
        TopicsConfig().seed_list  # noqa: B018


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [("passes", 0, 'passes must be "auto" or a number from 1 to 1000, got 0'),
     ("seeds", "many", "seeds must be an integer or one of 'auto', got 'many'"),
     ("convergence", 1.5, 'convergence must be "auto" or a number from 0 to 1, got 1.5')],
)
def test_auto_settings_are_checked(key, value, message):
    with pytest.raises(ConfigError, match=message):
        load_topics_config(None, {key: value})
