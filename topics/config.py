"""``[topics]`` in feedcare.toml: the settings of a topic-model run.

Defaults were chosen by measurement on the OSCE participant turns (see docs/topics.md,
"Why these defaults"). Engine-specific settings carry the engine's name as a prefix
(``tomotopy_iterations``) so one flat TOML table configures either engine; a setting named
without the prefix in ``engine_overrides`` (``--iterations``) goes to the chosen engine's key.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

from feedcare.corpus.base.settings import Settings
from feedcare.topics.engines import ENGINES as _ENGINE_REGISTRY

ENGINES = tuple(_ENGINE_REGISTRY)  # the registry decides; config only validates the name
MAX_TOPICS = 1000
GENSIM_PRIORS = ("symmetric", "asymmetric", "auto")
GENSIM_ETA_PRIORS = ("symmetric", "auto")
SPARK_OPTIMIZERS = ("online", "em")

# Coherence, diversity and stability are always measured on this many top terms per topic,
# the convention in the topic-model literature, whatever ``top_n`` stores.
MEASURE_TOP_N = 10


def _meta(help: str, **limits: Any) -> dict[str, Any]:
    return {"help": help, **limits}


@dataclass(frozen=True)
class TopicsConfig:
    """Settings of ``feedcare topics``; every field is a key of ``[topics]``."""

    SECTION: ClassVar[str] = "topics"

    engine: str = field(
        default="gensim",
        metadata=_meta("LDA implementation: gensim (online variational Bayes), tomotopy (Gibbs) or "
                       "spark (Spark MLlib).",
                       choices=ENGINES),
    )
    k: int | str = field(
        default=10,
        metadata=_meta('Number of topics: 8, or a sweep "4:16" (step 1) or "4:16:2".'),
    )
    seed: int = field(default=42, metadata=_meta("First random seed.", min=0, max=2**31 - 1))
    seeds: int | Literal["auto"] = field(
        default="auto",
        metadata=_meta('Fits per k with seeds seed, seed+1, ...; 2 or more measure stability. "auto": 3 '
                       "below 5,000 units, 2 from 5,000 (see docs/topics.md)."),
    )
    top_n: int = field(default=10, metadata=_meta("Terms stored per topic in topics.parquet.",
                                                  min=1, max=100))
    jobs: int | None = field(default=None, metadata=_meta("Worker processes (default: all cores).",
                                                           min=1, max=256))
    # --- gensim LdaModel ------------------------------------------------------------------
    passes: int | Literal["auto"] = field(
        default="auto",
        metadata=_meta('gensim: passes over the corpus, or "auto": 20 below 5,000 units; from 5,000, at '
                       "most 300,000 / units (2 to 20), stopping earlier at convergence."),
    )
    convergence: float | Literal["auto"] = field(
        default="auto",
        metadata=_meta("gensim: stop after a pass in which no topic's term distribution moved by more "
                       'than this (total variation, 0-1); "auto": 0.01 from 5,000 units with passes = '
                       '"auto", else off; 0: off.'),
    )
    iterations: int = field(
        default=100, metadata=_meta("gensim: E-step iterations per unit.", min=1, max=100_000)
    )
    alpha: str | float = field(
        default="symmetric",
        metadata=_meta("gensim: document-topic prior: symmetric, asymmetric, auto or a number > 0."),
    )
    eta: str | float = field(
        default="symmetric",
        metadata=_meta("gensim: topic-term prior: symmetric, auto or a number > 0."),
    )
    chunksize: int = field(default=2000, metadata=_meta("gensim: documents per update.", min=1))
    update_every: int = field(
        default=1, metadata=_meta("gensim: chunks per M-step (0 = batch learning).", min=0)
    )
    gamma_threshold: float = field(
        default=0.001, metadata=_meta("gensim: E-step convergence threshold.", min=0.0, max=1.0)
    )
    minimum_probability: float = field(
        default=0.0,
        metadata=_meta("Unit-topic weights below this are set to 0 and the rest renormalised.",
                       min=0.0, max=0.5),
    )
    # --- tomotopy LDAModel (engine = "tomotopy") -------------------------------------------
    tomotopy_iterations: int = field(
        default=1000, metadata=_meta("tomotopy: Gibbs sampling iterations.", min=1, max=1_000_000)
    )
    tomotopy_burn_in: int = field(
        default=100, metadata=_meta("tomotopy: iterations before priors are optimised.", min=0)
    )
    tomotopy_alpha: float = field(
        default=0.1, metadata=_meta("tomotopy: initial document-topic prior.", min=1e-6, max=1000.0)
    )
    tomotopy_eta: float = field(
        default=0.01, metadata=_meta("tomotopy: topic-term prior.", min=1e-6, max=1000.0)
    )
    tomotopy_optim_interval: int = field(
        default=10, metadata=_meta("tomotopy: iterations between alpha optimisations (0 = fixed).", min=0)
    )
    tomotopy_rm_top: int = field(
        default=0, metadata=_meta("tomotopy: drop this many most frequent terms.", min=0)
    )
    # --- Spark MLlib LDA (engine = "spark", pip install feedcare[spark]) -----------------------
    spark_optimizer: str = field(
        default="online", metadata=_meta("spark: MLlib LDA optimizer: online (variational Bayes on "
                                         "mini-batches) or em (expectation-maximisation).",
                                         choices=SPARK_OPTIMIZERS)
    )
    spark_iterations: int = field(
        default=60, metadata=_meta("spark: MLlib LDA iterations (maxIter).", min=1, max=100_000)
    )
    spark_subsampling_rate: float = field(
        default=0.5, metadata=_meta("spark: online: fraction of the units in each mini-batch; "
                                    "iterations × rate = passes over the corpus.", min=1e-6, max=1.0)
    )
    spark_learning_offset: float = field(
        default=10.0, metadata=_meta("spark: online: learning offset tau0 (MLlib's default 1024 learns "
                                     "too slowly for a few dozen iterations).", min=0.0)
    )
    spark_learning_decay: float = field(
        default=0.51, metadata=_meta("spark: online: learning rate decay kappa, in (0.5, 1].",
                                     min=0.5, max=1.0)
    )
    spark_partitions: int = field(
        default=0, metadata=_meta("spark: partitions of the units the fit runs on; the model depends "
                                  "on it, never on the cluster. 0 = one per 50,000 units (at least 2).",
                                  min=0, max=100_000)
    )

    def __post_init__(self) -> None:
        parse_k_spec(self.k)  # raises ValueError with the key's name
        _check_auto("seeds", self.seeds, 1, 100)
        _check_auto("passes", self.passes, 1, 1000)
        _check_auto("convergence", self.convergence, 0.0, 1.0)
        _check_prior("alpha", self.alpha, GENSIM_PRIORS)
        _check_prior("eta", self.eta, GENSIM_ETA_PRIORS)

    @property
    def ks(self) -> tuple[int, ...]:
        return parse_k_spec(self.k)

    @property
    def seed_list(self) -> tuple[int, ...]:
        if self.seeds == "auto":
            raise ValueError('seeds = "auto" depends on the corpus: use config.for_corpus(n_units)')
        return tuple(range(self.seed, self.seed + self.seeds))

    def for_corpus(self, n_units: int) -> TopicsConfig:
        """A copy with every "auto" setting replaced by its value for ``n_units`` units.

        What the fits run with (run.json records both); see :func:`auto_schedule` for the rule.
        """
        schedule = auto_schedule(n_units)
        convergence = self.convergence
        if convergence == "auto":
            convergence = schedule.convergence if self.passes == "auto" else 0.0
        return dataclasses.replace(
            self,
            seeds=schedule.seeds if self.seeds == "auto" else self.seeds,
            passes=schedule.passes if self.passes == "auto" else self.passes,
            convergence=float(convergence),
        )

    def replace(self, **changes: Any) -> TopicsConfig:
        """A copy with ``changes`` applied (``None`` values are ignored), validated again."""
        return dataclasses.replace(self, **{k: v for k, v in changes.items() if v is not None})


# A prior above this means nothing for LDA, and gensim computes in float32: 1e308 gave NaN weights.
PRIOR_MAX = 1000.0


@dataclass(frozen=True)
class Schedule:
    """The "auto" settings for a corpus of a given size (see :func:`auto_schedule`)."""

    seeds: int  # fits per k
    passes: int  # the most passes a gensim fit makes
    convergence: float  # stop after a pass whose largest topic change is below this


# The measurements behind these are in docs/topics.md, "Settings that follow the corpus".
AUTO_LARGE_FROM = 5_000  # units: below, the defaults chosen on 1,400 interview turns, unchanged
AUTO_UNITS_SEEN = 300_000  # passes x units a gensim fit needs at most (quality flat beyond)
AUTO_MAX_PASSES = 20  # a corpus of a few thousand units still gains up to 20 passes
AUTO_MIN_PASSES = 2
AUTO_CONVERGENCE = 0.01  # total variation; the FFT comments' quality is flat once below it


def auto_schedule(n_units: int) -> Schedule:
    """The "auto" seeds, passes and convergence tolerance for a corpus of ``n_units`` units.

    Below 5,000 units: 3 seeds, 20 passes, no early stop, exactly as before these settings
    followed the corpus. There a fit takes seconds, quality still rises up to pass 20, a fit can
    land in a poor local optimum (3 seeds), and the topics move so little per pass on a tiny
    corpus that an early stop would cut fits short (86 units settled below 0.01 after 6-10
    passes, less coherent). From 5,000 units: 2 seeds (still one pair for stability); at most
    ``AUTO_UNITS_SEEN / n_units`` passes (2 to 20), since a large corpus gets dozens of updates
    per pass (chunks of 2,000 units) and reaches the same quality in a few; and a fit stops once
    no topic moved by ``AUTO_CONVERGENCE`` in a pass.
    """
    if n_units < AUTO_LARGE_FROM:
        return Schedule(seeds=3, passes=AUTO_MAX_PASSES, convergence=0.0)
    passes = math.ceil(AUTO_UNITS_SEEN / n_units)
    return Schedule(
        seeds=2,
        passes=min(AUTO_MAX_PASSES, max(AUTO_MIN_PASSES, passes)),
        convergence=AUTO_CONVERGENCE,
    )


def _check_auto(name: str, value: Any, low: float, high: float) -> None:
    if value == "auto":
        return
    if isinstance(value, str) or not low <= value <= high:
        raise ValueError(f'{name} must be "auto" or a number from {low:g} to {high:g}, got {value!r}')


def _check_prior(name: str, value: str | float, allowed: tuple[str, ...]) -> None:
    what = f"{name} must be one of {', '.join(allowed)} or a number > 0 and at most {PRIOR_MAX:g}"
    if isinstance(value, str):
        if value not in allowed:
            raise ValueError(f"{what}, got {value!r}")
    elif not (math.isfinite(value) and 0 < value <= PRIOR_MAX):
        raise ValueError(f"{what}, got {value!r}")


def load_topics_config(
    path: Any = None,
    overrides: dict[str, Any] | None = None,
    engine_overrides: dict[str, Any] | None = None,
) -> TopicsConfig:
    """``[topics]`` from feedcare.toml (``path`` or ./feedcare.toml), then CLI ``overrides``.

    ``engine_overrides`` are settings named as for any engine (``{"iterations": 500}``, from
    ``--iterations``): each goes to the key of the engine the overrides or the file choose,
    ``tomotopy_iterations`` for tomotopy and ``iterations`` for gensim (see :func:`engine_key`).
    """
    settings = Settings.load(path)
    config = settings.build(TopicsConfig, overrides)
    given = {k: v for k, v in (engine_overrides or {}).items() if v is not None}
    if given:
        keyed = {engine_key(config.engine, name): value for name, value in given.items()}
        config = settings.build(TopicsConfig, {**(overrides or {}), **keyed})
    return config


def engine_key(engine: str, name: str) -> str:
    """The ``[topics]`` key of setting ``name`` for ``engine``: ``<engine>_<name>`` when the
    engine has its own (``tomotopy_iterations``), else the plain key (gensim's ``iterations``)."""
    prefixed = f"{engine}_{name}"
    return prefixed if prefixed in {f.name for f in dataclasses.fields(TopicsConfig)} else name


def parse_k_spec(spec: int | str) -> tuple[int, ...]:
    """``8`` → (8,); ``"4:16"`` → 4..16; ``"4:16:2"`` → 4, 6, ..., 16. ValueError naming k."""
    what = f"k must be a number of topics (8) or a range START:STOP[:STEP] (4:16:2), got {spec!r}"
    if isinstance(spec, bool):
        raise ValueError(what)
    if isinstance(spec, int):
        parts = [spec]
    else:
        try:
            parts = [int(p) for p in str(spec).strip().split(":")]
        except ValueError:
            raise ValueError(what) from None
    if len(parts) == 1:
        ks = (parts[0],)
    elif len(parts) in (2, 3):
        start, stop, step = parts[0], parts[1], parts[2] if len(parts) == 3 else 1
        if step < 1 or stop < start:
            raise ValueError(f"{what}: STOP must be >= START and STEP >= 1")
        ks = tuple(range(start, stop + 1, step))
    else:
        raise ValueError(what)
    if ks[0] < 2 or ks[-1] > MAX_TOPICS:
        raise ValueError(f"k must be between 2 and {MAX_TOPICS} topics, got {spec!r}")
    return ks
