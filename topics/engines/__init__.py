"""Topic engines: the registry of LDA implementations a run can use.

One row per engine: its name (``--engine``, ``[topics] engine``), the module that implements
:class:`~feedcare.topics.engines.base.Engine`, and the extra that installs its package. The CLI's
choices, the configuration's validation and the worker preloads all read this table, so a new
engine is one module plus one line here (see docs/extending.md). Importing this package loads no
engine: a module is imported only when a run uses it.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from dataclasses import dataclass
from types import ModuleType


@dataclass(frozen=True)
class EngineSpec:
    name: str
    module: str
    description: str
    extra: str | None = None  # pip install feedcare[EXTRA]


ENGINES: dict[str, EngineSpec] = {}


def register_engine(spec: EngineSpec) -> EngineSpec:
    ENGINES[spec.name] = spec
    return spec


_E = "feedcare.topics.engines."
register_engine(EngineSpec("gensim", _E + "gensim_lda", "online variational Bayes (gensim LdaModel)"))
register_engine(EngineSpec("tomotopy", _E + "tomotopy_lda", "collapsed Gibbs sampling (tomotopy)",
                           extra="tomotopy"))
register_engine(EngineSpec("spark", _E + "spark_lda", "Spark MLlib LDA, online or EM", extra="spark"))


def get_engine(name: str) -> ModuleType:
    """The engine module for ``name``; a one-line error when its package is missing."""
    if name not in ENGINES:
        raise ValueError(f"engine must be one of {', '.join(ENGINES)}, got {name!r}")
    module = importlib.import_module(ENGINES[name].module)
    module.check_available()
    return module


def preload_modules(names: Iterable[str]) -> list[str]:
    """The modules the fits of engines ``names`` import (for a worker forkserver)."""
    return [module for name in names for module in importlib.import_module(ENGINES[name].module).PRELOAD]
