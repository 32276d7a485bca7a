"""The run directory: what ``feedcare topics`` writes and ``feedcare themes`` reads.

``<corpus>/runs/<run-id>/`` holds:

- ``run.json``: configuration, seeds, fingerprints, versions, timings, measures, chosen model;
- ``topics.parquet``: per (model, topic), the terms in its top ``top_n`` by probability, by FREX
  or by relevance, each with its probability rank, weight and both distinctiveness scores;
- ``doc_topics.parquet``: the full unit × topic distribution of every model, in long form;
- ``sweep.parquet``: one row per fit with its measures (no timings: run.json has them);
- ``topic_measures.parquet``: per-topic coherence and spread of every fit;
- ``themes.parquet``: the chosen model's theme of every unit, with participant and label
  (written by ``feedcare themes``; see :mod:`feedcare.topics.themes.table`);
- ``models/<model>/``: the engine's native model files, for Python users only;
- ``fits/<model>/``: each fit's Parquet files and ``fit.json``, written as it finishes (resume
  checkpoints).

A model name is ``k{K}-s{SEED}`` (e.g. ``k8-s42``). Nothing downstream unpickles a model.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from feedcare.corpus import Corpus, open_corpus
from feedcare.corpus.base.errors import DataError, UsageError
from feedcare.topics.measures.distinctive import corpus_wide_terms, ranked_terms, stopword_hint
from feedcare.topics.runs.runjson import RUN_FILE, RUN_SCHEMA_VERSION, RunInfo

RUNS_DIR = "runs"
TOPICS_FILE = "topics.parquet"
DOC_TOPICS_FILE = "doc_topics.parquet"
SWEEP_FILE = "sweep.parquet"
TOPIC_MEASURES_FILE = "topic_measures.parquet"
THEMES_FILE = "themes.parquet"
MODELS_DIR = "models"

TOPICS = pa.schema(
    [
        pa.field("model", pa.string(), nullable=False),
        pa.field("topic", pa.int32(), nullable=False),  # 0-based
        pa.field("rank", pa.int32(), nullable=False),  # by probability: 0 = most probable term
        pa.field("term", pa.string(), nullable=False),
        pa.field("weight", pa.float64(), nullable=False),  # p(term | topic)
        # Distinctiveness (topics/measures/distinctive.py); null in runs made before they existed.
        pa.field("frex", pa.float64()),  # FREX, weight 0.5
        pa.field("relevance", pa.float64()),  # LDAvis relevance, lambda 0.6
    ]
)

DOC_TOPICS = pa.schema(
    [
        pa.field("model", pa.string(), nullable=False),
        pa.field("unit_id", pa.int64(), nullable=False),
        pa.field("doc_id", pa.string(), nullable=False),
        pa.field("seg_start", pa.int32(), nullable=False),
        pa.field("seg_end", pa.int32(), nullable=False),
        pa.field("topic", pa.int32(), nullable=False),
        pa.field("weight", pa.float64(), nullable=False),  # p(topic | unit); rows sum to 1
    ]
)

# One row per unit of the chosen model: its dominant theme, ready to join documents.parquet
# (document attributes) on doc_id. Nullable topic/weight: a unit the model gave no weights.
THEMES = pa.schema(
    [
        pa.field("run_id", pa.string(), nullable=False),
        pa.field("model", pa.string(), nullable=False),
        pa.field("unit_id", pa.int64(), nullable=False),
        pa.field("doc_id", pa.string(), nullable=False),
        pa.field("participant_id", pa.string()),  # null for an anonymous document (a comment)
        pa.field("seg_start", pa.int32(), nullable=False),  # first turn, 0-based
        pa.field("seg_end", pa.int32(), nullable=False),  # last turn, inclusive
        pa.field("char_start", pa.int64(), nullable=False),  # into documents.text (code points)
        pa.field("char_end", pa.int64(), nullable=False),
        pa.field("n_tokens", pa.int32(), nullable=False),
        pa.field("topic", pa.int32()),  # the dominant theme (highest weight; ties: lower topic)
        pa.field("weight", pa.float64()),  # its weight p(topic | unit)
        pa.field("label", pa.string()),  # from the labels file; null when unlabelled
        pa.field("theme", pa.string()),  # the label, or the topic's first three top terms
    ]
)

SWEEP = pa.schema(
    [
        pa.field("model", pa.string(), nullable=False),
        pa.field("k", pa.int32(), nullable=False),
        pa.field("seed", pa.int64(), nullable=False),
        pa.field("c_npmi", pa.float64()),
        pa.field("c_v", pa.float64()),
        pa.field("u_mass", pa.float64()),
        pa.field("diversity", pa.float64()),
        pa.field("stability", pa.float64()),  # mean matched Jaccard against the other seeds at this k
        # No fit_seconds: the file promises the same bytes on every rerun; timings are in run.json.
    ]
)

TOPIC_MEASURES = pa.schema(
    [
        pa.field("model", pa.string(), nullable=False),
        pa.field("topic", pa.int32(), nullable=False),
        pa.field("c_npmi", pa.float64()),
        pa.field("c_v", pa.float64()),
        pa.field("u_mass", pa.float64()),
        # Spread (topics/measures/spread.py); null in runs made before it was stored.
        pa.field("n_docs", pa.int64()),  # documents with a unit the topic dominates
        pa.field("n_participants", pa.int64()),  # their participants
        pa.field("narrow", pa.bool_()),  # carried by one or two documents: left out of the k decision
    ]
)


def model_name(k: int, seed: int) -> str:
    return f"k{k}-s{seed}"


def runs_root(corpus_dir: Path) -> Path:
    return Path(corpus_dir) / RUNS_DIR


def list_runs(corpus_dir: Path) -> list[Path]:
    """Run directories (those with a run.json), oldest first by their recorded creation time."""
    root = runs_root(corpus_dir)
    if not root.is_dir():
        return []
    runs = [p for p in root.iterdir() if (p / RUN_FILE).is_file()]

    def created(path: Path) -> str:
        try:
            return RunInfo.from_json(path / RUN_FILE).created
        except DataError:
            return ""

    return sorted(runs, key=lambda p: (created(p), p.name))


def resolve_run(corpus_dir: Path, run: str) -> Path:
    """A run given as an id under ``<corpus>/runs``, ``latest``, or a directory path."""
    candidate = Path(run)
    if (candidate / RUN_FILE).is_file():
        return candidate
    if run == "latest":
        runs = list_runs(corpus_dir)
        if not runs:
            raise UsageError(f"{runs_root(corpus_dir)}: no runs yet; run `feedcare topics` first")
        return runs[-1]
    path = runs_root(corpus_dir) / run
    if (path / RUN_FILE).is_file():
        return path
    known = ", ".join(p.name for p in list_runs(corpus_dir)[-5:]) or "none"
    raise UsageError(
        f"run '{run}' not found in {runs_root(corpus_dir)}; recent runs: {known} "
        "(see `feedcare runs list`)"
    )


@dataclass(frozen=True)
class Run:
    """A run directory and its run.json, read without unpickling anything.

    :func:`open_run` gives finished runs only; :func:`~.listing.show_run` any run;
    :func:`~.early.open_run_early` an unfinished one with ``early`` results: its finished fits,
    read from ``fits/<model>/``, and a provisional chosen model.
    """

    path: Path
    info: RunInfo
    early: Any = None  # EarlyResults of an unfinished run (see topics/runs/early.py)

    @property
    def run_id(self) -> str:
        return self.info.run_id

    @property
    def chosen_model(self) -> str:
        if self.early is not None:
            return str(self.early.chosen_model)
        if self.info.chosen_model is None:
            raise DataError(f"{self.path}: the run is unfinished; {resume_hint(self.path)}")
        return self.info.chosen_model

    @property
    def models(self) -> list[str]:
        """The run's models (of an unfinished run read early: the finished ones)."""
        if self.early is not None:
            return list(self.early.models)
        return [m.model for m in self.info.models]

    def check_chain(self, corpus: Corpus) -> str:
        """Check corpus → tokens → this run; returns the tokens fingerprint the run was fitted on.

        Every reader of a run calls this: text shown as a topic's evidence must come from the
        corpus the model saw. One-line DataErrors (exit 4) name the commands to re-run.
        """
        try:
            meta = corpus.check_tokens()
        except DataError as exc:
            if "the corpus changed after `feedcare tokens` ran" not in str(exc):
                raise
            raise DataError(
                f"{corpus.path}: the corpus changed after `feedcare tokens` ran, so run {self.run_id} "
                "no longer matches the documents it would quote; re-run `feedcare tokens`, then "
                "`feedcare topics`"
            ) from None
        fitted_on = (self.info.tokens_fingerprint, self.info.corpus_fingerprint)
        if fitted_on != (meta.fingerprint, corpus.fingerprint):
            raise DataError(
                f"{corpus.path}: the tokens changed since run {self.run_id} was fitted, so its units no "
                "longer match; re-run `feedcare topics`"
            )
        return meta.fingerprint

    def to_dict(self) -> dict[str, Any]:
        """run.json's content and the run's path (what ``runs show --json`` prints), plus, for a
        finished run, its distinctive and corpus-wide terms (derived, see :func:`term_summary`)."""
        data = {**self.info.to_dict(), "path": str(self.path)}
        if self.early is not None:
            data["early_results"] = {**self.early.to_dict(), "note": self.early.note(self)}
        if self.info.is_complete and self.info.chosen_model:
            data.update(term_summary(self.path, self.info.chosen_model, self.info.chosen_topics or []))
        return data

    def check_model(self, model: str | None) -> str:
        """The named model (``K/SEED``, ``kK-sSEED``) or the chosen one; a clear error otherwise."""
        if model is None:
            return self.chosen_model
        name = model
        if "/" in model:
            k, _, seed = model.partition("/")
            name = model_name(int(k), int(seed)) if k.isdigit() and seed.isdigit() else model
        if self.early is not None and name not in self.models and name in [m.model for m in self.info.models]:
            raise UsageError(
                f"model '{model}' has not finished yet in run {self.run_id}; finished so far: "
                f"{', '.join(self.models)}"
            )
        if name not in self.models:
            raise UsageError(
                f"model '{model}' is not in run {self.run_id}; it has: {', '.join(self.models)}"
            )
        return name

    def _file(self, filename: str, model: str | None) -> Path:
        """The run's file, or for early results the one model's file under fits/<model>/."""
        if self.early is not None and model is not None:
            return Path(self.early.fit_path(self, model, filename))
        return self.path / filename

    def table(self, filename: str, model: str | None = None, columns: list[str] | None = None) -> pa.Table:
        if self.early is not None and filename == SWEEP_FILE:
            table = self.early.sweep_table()
            return table.select(columns) if columns is not None else table
        path = self._file(filename, model)
        if not path.is_file():
            raise DataError(f"{path}: missing from the run directory; re-run `feedcare topics`")
        filters = [("model", "==", model)] if model is not None else None
        table = pq.read_table(path, columns=columns, filters=filters)
        return table

    def topics(self, model: str) -> pa.Table:
        table = self.table(TOPICS_FILE, model)
        return table.sort_by([("topic", "ascending"), ("rank", "ascending")])

    def doc_topics(self, model: str, columns: list[str] | None = None) -> pa.Table:
        return self.table(DOC_TOPICS_FILE, model, columns)

    def iter_doc_topics(
        self, model: str, columns: list[str] | None = None, batch_size: int = 65_536
    ) -> Iterator[pa.RecordBatch]:
        """One model's unit × topic rows in record batches (memory stays flat in the run's size).

        Read with ``ParquetFile`` and filtered batch by batch, skipping row groups whose ``model``
        statistics rule them out: a dataset scan reads ahead and peaks ~100 MB higher at 1M units.
        """
        path = self._file(DOC_TOPICS_FILE, model)
        if not path.is_file():
            raise DataError(f"{path}: missing from the run directory; re-run `feedcare topics`")
        parquet = pq.ParquetFile(path)
        names = columns if columns is not None else [n for n in parquet.schema_arrow.names if n != "model"]
        position = parquet.schema_arrow.get_field_index("model")

        def may_hold(group: int) -> bool:
            stats = parquet.metadata.row_group(group).column(position).statistics
            return stats is None or not stats.has_min_max or stats.min <= model <= stats.max

        groups = [g for g in range(parquet.num_row_groups) if may_hold(g)]
        for batch in parquet.iter_batches(batch_size, row_groups=groups, columns=["model", *names],
                                          use_threads=False):
            batch = batch.filter(pc.equal(batch.column(0), model))
            if batch.num_rows:
                yield batch.select(names)  # keeps the file's field types and nullability

    def sweep(self) -> pa.Table:
        return self.table(SWEEP_FILE)

    def topic_measures(self, model: str) -> pa.Table:
        return self.table(TOPIC_MEASURES_FILE, model)

    def n_topics(self, model: str) -> int:
        topics = self.table(TOPICS_FILE, model, ["topic"])
        return int(pc.max(topics["topic"]).as_py()) + 1 if topics.num_rows else 0


def read_run(path: Path) -> Run:
    """The run in directory ``path``, finished or not (DataError: damaged or of another version)."""
    path = Path(path)
    info = RunInfo.from_json(path / RUN_FILE)
    if info.schema_version != RUN_SCHEMA_VERSION:
        raise DataError(
            f"{path}: run schema version {info.schema_version} is not supported by this feedcare "
            f"(needs {RUN_SCHEMA_VERSION}); fit a new run with `feedcare topics`"
        )
    return Run(path=path, info=info)


def resume_hint(path: Path) -> str:
    return f"resume it with `feedcare topics --run-id {Path(path).name}`"


def open_run(corpus_dir: Path, run: str, *, check: bool = True) -> Run:
    """A finished run given as an id, ``latest`` or a path.

    With ``check`` (the default) the chain corpus → tokens → run is checked too
    (:meth:`Run.check_chain`), so a run is never read against documents it was not fitted on.
    """
    opened = read_run(resolve_run(corpus_dir, run))
    if not opened.info.is_complete:
        raise DataError(f"{opened.path}: the run is unfinished; {resume_hint(opened.path)}")
    if check:
        opened.check_chain(open_corpus(corpus_dir))
    return opened


def term_summary(run_dir: Path, model: str, chosen_topics: list[list[str]]) -> dict[str, Any]:
    """The chosen model's distinctive terms (FREX) and its corpus-wide terms, with the hint.

    Derived from topics.parquet and run.json's top terms, so runs show it too; a run made
    before distinctiveness scores were stored has no distinctive terms.
    """
    distinctive: list[list[str]] = []
    try:
        rows = pq.read_table(run_dir / TOPICS_FILE, filters=[("model", "==", model)]).to_pylist()
        by_frex = ranked_terms(rows, "frex", max((len(t) for t in chosen_topics), default=10))
        distinctive = [[r["term"] for r in by_frex[t]] for t in sorted(by_frex)]
    except (OSError, pa.ArrowException):
        pass
    wide = corpus_wide_terms(chosen_topics)
    return {
        "distinctive_by": "frex",
        "distinctive_topics": distinctive,
        "corpus_wide_terms": wide,
        "stopword_hint": stopword_hint(wide) or None,
    }
