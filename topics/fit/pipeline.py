"""``fit_topics``: check the inputs, run the sweep, assemble the run directory, report."""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import platform
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from feedcare.corpus import open_corpus
from feedcare.corpus.base.atomic import (
    BatchWriter,
    iter_batches,
    parquet_rows,
    remove_stale_temps,
    write_table,
)
from feedcare.corpus.base.errors import DataError, LockedError, UsageError
from feedcare.corpus.base.progress import ProgressCallback, report
from feedcare.corpus.base.settings import as_dict, fingerprint
from feedcare.corpus.store.lock import corpus_lock, reading_lock
from feedcare.corpus.store.schema import FINGERPRINT_KEY, is_own_leftover
from feedcare.topics.codebook.guidance import Guidance
from feedcare.topics.config import TopicsConfig
from feedcare.topics.engines import get_engine
from feedcare.topics.fit.bow import count_tokens
from feedcare.topics.fit.fitting import FITS_DIR, FitJob, finished_fit, finished_models, fit_fingerprint
from feedcare.topics.fit.plan import SweepPlan, build_plan
from feedcare.topics.fit.sweep import (
    STABILITY_TOLERANCE,
    KSummary,
    add_stability,
    default_jobs,
    plan_fits,
    recommend,
    run_fits,
    summarise_k,
)
from feedcare.topics.runs.listing import check_run_id, new_run_id, now_iso
from feedcare.topics.runs.rundir import (
    DOC_TOPICS,
    DOC_TOPICS_FILE,
    MODELS_DIR,
    RUN_FILE,
    SWEEP,
    SWEEP_FILE,
    TOPIC_MEASURES,
    TOPIC_MEASURES_FILE,
    TOPICS,
    TOPICS_FILE,
    read_run,
    runs_root,
    term_summary,
)
from feedcare.topics.runs.runjson import (
    RUN_SCHEMA_VERSION,
    EngineRecord,
    FitMeasures,
    Measures,
    ModelRef,
    Recommendation,
    RunInfo,
    Timings,
)


@dataclass(frozen=True)
class RunReport:
    """What a topics run produced, as plain data (``to_dict`` for JSON)."""

    run_id: str
    path: Path
    status: str
    engine: dict[str, Any]
    ks: list[int]
    seeds: list[int]
    n_units: int
    n_terms: int
    chosen_model: str
    chosen_reason: str
    by_k: list[dict[str, Any]]
    fits: list[dict[str, Any]]
    chosen_topics: list[list[str]]
    reused_fits: int = 0
    timings: dict[str, float] = field(default_factory=dict)
    # A guided run: each topic's code name, or None for a free topic (empty: not guided), and the
    # guidance as recorded (codes, effective seeds, codes not reached, boost, free topics)
    topic_codes: list[str | None] = field(default_factory=list)
    codebook: dict[str, Any] | None = None

    @property
    def chosen_k(self) -> int:
        return next(f["k"] for f in self.fits if f["model"] == self.chosen_model)

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.__dict__,
            "path": str(self.path),
            "chosen_k": self.chosen_k,
            **term_summary(self.path, self.chosen_model, self.chosen_topics),
        }

    @classmethod
    def from_run(cls, path: Path, info: RunInfo) -> RunReport:
        """The report of a finished run (``info.is_complete``)."""
        measures = info.measures or Measures(by_k=[], fits=[])
        return cls(
            run_id=info.run_id, path=Path(path), status=info.status,
            engine=info.engine.to_dict(), ks=list(info.ks), seeds=list(info.seeds),
            n_units=info.n_units, n_terms=info.n_terms,
            chosen_model=info.chosen_model or "", chosen_reason=info.chosen_reason or "",
            by_k=[k.to_dict() for k in measures.by_k], fits=[f.to_dict() for f in measures.fits],
            chosen_topics=info.chosen_topics or [], reused_fits=info.reused_fits or 0,
            timings=info.timings.to_dict() if info.timings else {},
            topic_codes=[getattr(info.codebook.code_of_topic(t), "name", None)
                         for t in range(info.codebook.k)] if info.codebook else [],
            codebook=info.codebook.to_dict() if info.codebook else None,
        )


@dataclass(frozen=True)
class _Inputs:
    corpus_fingerprint: str
    tokens_fingerprint: str
    tokens_path: Path
    vocabulary_path: Path
    n_units: int
    n_terms: int
    n_tokens: int = 0


def check_inputs(corpus_dir: Path, config: TopicsConfig) -> _Inputs:
    """Every reason the run cannot start, before any work, as one-line errors."""
    corpus = open_corpus(corpus_dir)
    meta = corpus.check_tokens()  # built from this corpus, files of one build
    n_units = parquet_rows(corpus.tokens_path)
    n_terms = parquet_rows(corpus.vocabulary_path)
    if n_units == 0 or n_terms == 0:
        raise DataError(
            f"{corpus.tokens_path}: no units with tokens left after filtering; loosen [tokens] "
            "settings and re-run `feedcare tokens`"
        )
    if max(config.ks) > n_terms:
        raise UsageError(
            f"k must be at most the vocabulary size ({n_terms} terms in {corpus.vocabulary_path.name}), "
            f"got k={max(config.ks)}"
        )
    return _Inputs(corpus.fingerprint, meta.fingerprint, corpus.tokens_path,
                   corpus.vocabulary_path, n_units, n_terms, count_tokens(corpus.tokens_path))


def fit_topics(
    corpus_dir: Path,
    config: TopicsConfig | None = None,
    *,
    run_id: str | None = None,
    jobs: int | None = None,
    wait: float = 0.0,
    progress: ProgressCallback | None = None,
    on_plan: Callable[[SweepPlan], None] | None = None,
    guidance: Guidance | None = None,
    backend: str = "local",
    spark: Any = None,
) -> RunReport:
    """Fit every (k, seed) of ``config`` on the corpus tokens and write ``runs/<run-id>/``.

    ``on_plan`` gets the :class:`SweepPlan` (the fits, their settings, the estimate and the fits
    a resumed run re-uses) once every check has passed, just before fitting starts.

    ``run_id`` names the run; an existing unfinished run with the same configuration is
    resumed (finished fits are re-used). ``jobs`` worker processes (default ``config.jobs``,
    else all cores) give byte-identical results whatever their number. ``backend="spark"`` runs
    the fits as Spark tasks instead (``spark``: a SparkConfig; docs/spark.md), with the same bytes.
    The run registers as a reader of the corpus while it works, so ``ingest`` and ``tokens`` wait
    for it (or refuse); ``wait`` is how many seconds it waits for one of them already writing.

    ``guidance`` (from :func:`feedcare.topics.codebook.seeds.plan_guidance`) makes a guided run:
    k is its guided codes plus its free topics, and it is recorded in run.json (``codebook``).
    """
    config = config or TopicsConfig()
    if guidance is not None:
        config = config.replace(k=guidance.k)
    started = time.perf_counter()
    jobs = jobs if jobs is not None else config.jobs
    if jobs is not None and jobs < 1:
        raise UsageError(f"--jobs must be at least 1, got {jobs}")
    inputs = check_inputs(Path(corpus_dir), config)
    engine = get_engine(config.engine)
    asked, config = config, config.for_corpus(inputs.n_units)  # "auto" → the values for this corpus
    runner = None
    if backend == "spark" and getattr(engine, "FITS_IN_PARALLEL", True):
        from feedcare.topics.fit.spark_sweep import run_fits_on_spark

        runner = functools.partial(run_fits_on_spark, spark_config=spark)
    elif backend not in ("local", "spark"):
        raise UsageError(f"backend must be 'local' or 'spark', got {backend!r}")
    if not getattr(engine, "FITS_IN_PARALLEL", True):  # each fit uses the whole cluster already
        jobs = 1
    if runner is not None or getattr(engine, "SPARK", False):
        from feedcare.corpus.spark.session import spark_session

        spark_session(spark)  # from [spark] / --spark-master, before an engine asks for one
    settings = engine.settings(config)
    if guidance is not None:
        _check_guided(engine, config.engine)
        settings = {**settings, "guidance": guidance.engine_settings()}
    fit_fp = fit_fingerprint(config.engine, settings, config.top_n, inputs.tokens_fingerprint)
    run_fp = fingerprint(fit_fp, config.ks, config.seed_list)
    run_dir = _run_dir(Path(corpus_dir), run_id, run_fp)
    with reading_lock(Path(corpus_dir), f"topics run {run_dir.name}", wait):
        # Checked again now that no writer can come in: the tokens may have changed meanwhile.
        if check_inputs(Path(corpus_dir), config).tokens_fingerprint != inputs.tokens_fingerprint:
            raise DataError(
                f"{corpus_dir}: the tokens changed while `feedcare topics` started; run it again"
            )
        with _run_lock(run_dir):
            return _run(run_dir, config, asked, inputs, engine, settings, fit_fp, run_fp,
                        jobs or default_jobs(), progress, started, on_plan, guidance, runner)


@contextlib.contextmanager
def _run_lock(run_dir: Path) -> Iterator[None]:
    """The run directory's write lock: one process per run."""
    stack = contextlib.ExitStack()
    try:
        stack.enter_context(corpus_lock(run_dir))
    except LockedError:
        raise LockedError(
            f"{run_dir}: another feedcare process is writing this run; wait for it to finish"
        ) from None
    with stack:
        yield


def _check_guided(engine: Any, name: str) -> None:
    if not getattr(engine, "GUIDED", True):
        raise UsageError(f"--codebook needs the gensim or tomotopy engine; the {name} engine has no "
                         "seed-term priors (use --engine gensim)")


def plan_sweep(corpus_dir: Path, config: TopicsConfig | None = None, *, jobs: int | None = None,
               run_id: str | None = None, guidance: Guidance | None = None) -> SweepPlan:
    """The plan of ``fit_topics(corpus_dir, config, jobs=jobs, run_id=run_id)``, fitting nothing.

    Raises the same one-line errors as ``fit_topics`` for missing or stale tokens and bad
    settings. With ``run_id`` of an interrupted run with the same settings, its finished fits
    are listed in ``reused`` and cost nothing.
    """
    config = config or TopicsConfig()
    if guidance is not None:
        config = config.replace(k=guidance.k)
    inputs = check_inputs(Path(corpus_dir), config)
    engine = get_engine(config.engine)
    config = config.for_corpus(inputs.n_units)
    settings = engine.settings(config)
    if guidance is not None:
        _check_guided(engine, config.engine)
        settings = {**settings, "guidance": guidance.engine_settings()}
    reused: list[str] = []
    if run_id is not None:
        fit_fp = fit_fingerprint(config.engine, settings, config.top_n, inputs.tokens_fingerprint)
        run_dir = runs_root(Path(corpus_dir)) / check_run_id(run_id)
        reused = finished_models(run_dir, [(k, s) for k in config.ks for s in config.seed_list], fit_fp)
    n_jobs = jobs if jobs is not None else config.jobs or default_jobs()
    if not getattr(engine, "FITS_IN_PARALLEL", True):  # as fit_topics: one distributed fit at a time
        n_jobs = 1
    return build_plan(inputs.n_units, inputs.n_terms, inputs.n_tokens, engine, config, settings, n_jobs,
                      reused)


def _run_dir(corpus_dir: Path, run_id: str | None, run_fp: str) -> Path:
    root = runs_root(corpus_dir)
    if run_id is None:
        base = new_run_id(run_fp)
        path, n = root / base, 1
        while path.exists():
            n += 1
            path = root / f"{base}-{n}"
        return path
    path = root / check_run_id(run_id)
    if (path / RUN_FILE).is_file():
        info = read_run(path).info
        if info.fingerprint != run_fp:
            raise UsageError(
                f"{path}: run '{run_id}' exists with another configuration or other tokens; "
                "choose a new --run-id (or delete that directory)"
            )
    elif path.exists() and any(not is_own_leftover(p.name) for p in path.iterdir()):
        raise UsageError(f"{path}: exists and is not a feedcare run; choose another --run-id")
    return path


def _run(run_dir: Path, config: TopicsConfig, asked: TopicsConfig, inputs: _Inputs, engine: Any,
         settings: dict[str, Any], fit_fp: str, run_fp: str, jobs: int, progress: ProgressCallback | None,
         started: float, on_plan: Callable[[SweepPlan], None] | None = None,
         guidance: Guidance | None = None, runner: Any = None) -> RunReport:
    """The sweep under the run's lock; ``config`` resolved for the corpus, ``asked`` as given."""
    created = read_run(run_dir).info.created if (run_dir / RUN_FILE).is_file() else now_iso()
    for folder in (run_dir, run_dir / MODELS_DIR, *sorted((run_dir / FITS_DIR).glob("*"))):
        remove_stale_temps(folder)  # what a killed run (or its workers) left half-written
    plan = plan_fits(config.ks, config.seed_list)
    info = RunInfo(
        schema_version=RUN_SCHEMA_VERSION,
        run_id=run_dir.name,
        created=created,
        status="running",
        fingerprint=run_fp,
        engine=EngineRecord(name=config.engine, settings=settings, packages=engine.package_versions()),
        config={**as_dict(asked), "jobs": jobs},  # as asked ("auto"); resolved: seeds, engine
        ks=list(config.ks),
        seeds=list(config.seed_list),
        corpus_fingerprint=inputs.corpus_fingerprint,
        tokens_fingerprint=inputs.tokens_fingerprint,
        packages=_packages(engine),
        n_units=inputs.n_units,
        n_terms=inputs.n_terms,
        models=[
            ModelRef(model=job_name, k=k, seed=seed, path=f"{MODELS_DIR}/{job_name}")
            for k, seed in plan for job_name in [f"k{k}-s{seed}"]
        ],
        codebook=guidance,
    )
    info.to_json(run_dir / RUN_FILE)
    fit_jobs = [
        FitJob(inputs.tokens_path, inputs.vocabulary_path, run_dir, fit_fp, config.engine, settings,
               k, seed, config.top_n)
        for k, seed in plan
    ]
    sweep_plan = build_plan(inputs.n_units, inputs.n_terms, inputs.n_tokens, engine, config, settings, jobs,
                            [job.model for job in fit_jobs if finished_fit(job) is not None])
    if on_plan is not None:
        on_plan(sweep_plan)
    weights = sweep_plan.fit_seconds or {job.model: 1.0 for job in fit_jobs}  # an engine with no estimate
    records, reused = run_fits(fit_jobs, jobs, _fit_progress(progress, weights), runner)
    fits_done = time.perf_counter()

    stability = add_stability(records)
    by_k = summarise_k(records, stability)
    chosen, reason = recommend(by_k, records)
    _assemble(run_dir, [job.fit_dir for job in fit_jobs], records)
    _check_tokens_unchanged(inputs)
    chosen_topics = _chosen_topics(run_dir, chosen, config.top_n)
    fits = [FitMeasures(**{f.name: r.get(f.name) for f in dataclasses.fields(FitMeasures)}) for r in records]
    info = dataclasses.replace(
        info,
        status="complete",
        completed=now_iso(),
        chosen_model=chosen,
        chosen_reason=reason,
        chosen_topics=chosen_topics,
        recommendation=Recommendation(
            rule="max mean c_npmi among ks with mean stability >= best - tolerance; "
                 "seed = highest c_npmi at that k",
            stability_tolerance=STABILITY_TOLERANCE),
        measures=Measures(by_k=by_k, fits=fits),
        reused_fits=reused,
        timings=Timings(
            fits_seconds=round(fits_done - started, 3),
            total_seconds=round(time.perf_counter() - started, 3),
            fit_seconds_sum=round(sum(r["fit_seconds"] for r in records), 3),
        ),
    )
    info.to_json(run_dir / RUN_FILE)  # last: the run is complete only now
    return RunReport.from_run(run_dir, info)


def _fit_progress(progress: ProgressCallback | None,
                  weights: dict[str, float]) -> Callable[[str, float], None] | None:
    """Each fit's own bar (percent), and the sweep's: the share of the estimated work done.

    A fit's weight is its estimated seconds (:func:`~feedcare.topics.fit.plan.plan_sweep`), so
    the sweep's percentage grows at a steady pace when fits of different k run side by side, and
    the time left the progress bar shows (from the observed pace) is the estimate, refined by
    what the finished work really took.
    """
    if progress is None:
        return None
    total = sum(weights.values()) or 1.0
    done: dict[str, float] = {}
    stage = f"Fitting {len(weights)} model{'s' if len(weights) > 1 else ''}"
    report(progress, stage, 0.0, 100)

    def on_fit(model: str, fraction: float) -> None:
        report(progress, f"fit {model}", round(fraction * 100, 1), 100)
        done[model] = fraction
        report(progress, stage, 100 * sum(weights[m] * f for m, f in done.items()) / total, 100)

    return on_fit


def _assemble(run_dir: Path, fit_dirs: list[Path], records: list[dict[str, Any]]) -> None:
    """Concatenate the per-fit files in plan order (so bytes never depend on --jobs)."""
    for name, schema in ((TOPICS_FILE, TOPICS), (TOPIC_MEASURES_FILE, TOPIC_MEASURES)):
        table = pa.concat_tables([pq.read_table(d / name) for d in fit_dirs])
        write_table(run_dir / name, table.cast(schema), schema)
    with BatchWriter(run_dir / DOC_TOPICS_FILE, DOC_TOPICS) as writer:
        for fit_dir in fit_dirs:
            for batch in iter_batches(fit_dir / DOC_TOPICS_FILE, batch_size=262_144):
                writer.write(batch)
    rows = {name: [r.get(name) for r in records] for name in SWEEP.names}
    write_table(run_dir / SWEEP_FILE, pa.Table.from_pydict(rows, schema=SWEEP), SWEEP)


def _check_tokens_unchanged(inputs: _Inputs) -> None:
    stored = (pq.read_schema(inputs.tokens_path).metadata or {}).get(FINGERPRINT_KEY.encode(), b"").decode()
    if stored != inputs.tokens_fingerprint:
        raise DataError(
            f"{inputs.tokens_path}: the tokens changed while topics were fitted; run `feedcare topics` again"
        )


def _chosen_topics(run_dir: Path, model: str, top_n: int) -> list[list[str]]:
    """The chosen model's top ``top_n`` terms by probability (topics.parquet also holds the
    distinctive terms, beyond that rank)."""
    table = pq.read_table(run_dir / TOPICS_FILE, filters=[("model", "==", model), ("rank", "<", top_n)])
    table = table.sort_by([("topic", "ascending"), ("rank", "ascending")])
    topics: dict[int, list[str]] = {}
    for topic, term in zip(table["topic"].to_pylist(), table["term"].to_pylist(), strict=True):
        topics.setdefault(topic, []).append(term)
    return [topics[t] for t in sorted(topics)]


def _packages(engine: Any) -> dict[str, str]:
    import pyarrow
    from feedcare import __version__

    return {"feedcare": __version__, "python": platform.python_version(), "pyarrow": pyarrow.__version__,
            **engine.package_versions()}


__all__ = ["KSummary", "RunReport", "check_inputs", "fit_topics", "plan_sweep"]
