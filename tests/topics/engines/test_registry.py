"""The engines registry (topics/engines/__init__.py): every row names a module that is an Engine."""

from __future__ import annotations

import importlib
import inspect

import pytest
from feedcare.topics.engines import ENGINES, get_engine, preload_modules
from feedcare.topics.engines.base import Engine

PROTOCOL_FUNCTIONS = ("check_available", "package_versions", "settings", "fit")


@pytest.mark.parametrize("name", list(ENGINES))
def test_every_registered_module_implements_the_engine_protocol(name):
    spec = ENGINES[name]
    module = importlib.import_module(spec.module)  # importing must not need the engine's package
    assert module.NAME == name
    assert isinstance(module.PRELOAD, tuple) and all(isinstance(m, str) for m in module.PRELOAD)
    for function in PROTOCOL_FUNCTIONS:
        wanted = [p for p in inspect.signature(getattr(Engine, function)).parameters if p != "self"]
        assert list(inspect.signature(getattr(module, function)).parameters) == wanted, (name, function)


def test_an_unknown_engine_lists_the_registered_ones():
    with pytest.raises(ValueError, match="engine must be one of gensim, tomotopy, spark, got 'mallet'"):
        get_engine("mallet")


def test_get_engine_returns_the_module_once_its_package_is_there():
    module = get_engine("gensim")
    assert module.NAME == "gensim" and callable(module.fit)


def test_preloads_are_the_modules_the_fits_import():
    assert preload_modules(["gensim"]) == ["gensim.models.ldamodel"]
    assert preload_modules(["gensim", "tomotopy"]) == ["gensim.models.ldamodel", "tomotopy"]


def test_topics_help_names_every_engine_and_its_extra(invoke):
    output = invoke("topics", "--help", env={"COLUMNS": "200"}).output
    for spec in ENGINES.values():
        assert spec.name in output
        if spec.extra:
            assert f"pip install feedcare[{spec.extra}]" in output
