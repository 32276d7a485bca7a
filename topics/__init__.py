"""Topic models of the corpus tokens: reproducible LDA fits, k sweeps, coherence and stability.

Public API:

- :func:`fit_topics` (corpus dir, :class:`TopicsConfig`) → :class:`RunReport`, writing
  ``<corpus>/runs/<run-id>/`` (see :mod:`feedcare.topics.runs.rundir`);
- :func:`load_topics_config` reads ``[topics]`` from feedcare.toml with overrides;
- :func:`list_run_summaries` / :func:`show_run` for past runs, :func:`open_run` to read one
  (its ``run.json`` as :class:`RunInfo`);
- :func:`plan_sweep` → :class:`SweepPlan`: the fits a run will make, their settings for this
  corpus and an estimate of the time, without fitting (``feedcare topics --dry-run``);
- :func:`parse_k_spec` for "8", "4:16", "4:16:2";
- :func:`build_themes` (a run → :class:`ThemesResult`: labels, terms, prevalence, spread,
  excerpts) with :class:`ThemesConfig`; the exports live in :mod:`feedcare.topics.exports`.
"""

from feedcare.topics.config import TopicsConfig, load_topics_config
from feedcare.topics.fit.pipeline import RunReport, check_inputs, fit_topics, plan_sweep
from feedcare.topics.fit.plan import SweepPlan
from feedcare.topics.fit.sweep import parse_k_spec
from feedcare.topics.runs.listing import RunSummary, list_run_summaries, show_run
from feedcare.topics.runs.rundir import Run, open_run
from feedcare.topics.runs.runjson import RunInfo
from feedcare.topics.themes.build import ThemesResult, build_themes
from feedcare.topics.themes.config import ThemesConfig, load_labels

__all__ = [
    "Run",
    "RunInfo",
    "RunReport",
    "RunSummary",
    "SweepPlan",
    "ThemesConfig",
    "ThemesResult",
    "TopicsConfig",
    "build_themes",
    "check_inputs",
    "fit_topics",
    "list_run_summaries",
    "load_labels",
    "load_topics_config",
    "open_run",
    "parse_k_spec",
    "plan_sweep",
    "show_run",
]
