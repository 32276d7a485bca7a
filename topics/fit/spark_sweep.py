"""The fits of a sweep as Spark tasks: one (k, seed) fit per task, the same files as a local run.

Each fit is :func:`~feedcare.topics.fit.fitting.run_fit`, the function a local worker process
runs, called inside a Spark task: it reads tokens.parquet and vocabulary.parquet and writes
``fits/<model>/`` and ``models/<model>/`` itself, so the corpus folder must be on storage that
every executor reads and writes at the same path (a shared or fuse-mounted file system such as
NFS, ``/dbfs`` or ``/Volumes`` on Databricks). A fit is single-process and seeded, so where it
runs changes nothing: the files are byte-identical to ``--jobs N`` locally, and the driver
assembles the run directory exactly as a local sweep does. Spark runs the fits as one job of
N tasks (``spark.range(N, numPartitions=N)``: one id, hence one fit, per task); progress comes
from the ``fit.json`` files the tasks write when each fit is finished.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
from feedcare.corpus.base.errors import UsageError
from feedcare.topics.fit.fitting import FIT_FILE, FitJob, run_fit

_RECORDS_DDL = "index long, record string"


def run_fits_on_spark(todo: list[FitJob], on_fit=None, spark_config: Any = None) -> dict[str, dict[str, Any]]:
    """Run ``todo`` as Spark tasks; the fit records by model name."""
    from feedcare.corpus.spark.session import session_info, spark_session, translate_errors

    if any(job.engine == "spark" for job in todo):
        raise UsageError("the spark engine distributes each fit itself; "
                         "run its sweep without --backend spark")
    spark = spark_session(spark_config)
    # Executors may start in another folder: every path they use is absolute.
    jobs = [dataclasses.replace(job, tokens_path=Path(job.tokens_path).resolve(),
                                vocabulary_path=Path(job.vocabulary_path).resolve(),
                                run_dir=Path(job.run_dir).resolve()) for job in todo]
    task = functools.partial(_fit_partition, jobs)
    stop = threading.Event()
    watcher = threading.Thread(target=_watch, args=(jobs, on_fit, stop), daemon=True,
                               name="feedcare-spark-fits")
    watcher.start()
    try:
        with translate_errors(session_info(spark).master):
            rows = spark.range(0, len(jobs), 1, len(jobs)).mapInArrow(task, _RECORDS_DDL).collect()
    finally:
        stop.set()
        watcher.join()
    records = {jobs[row[0]].model: json.loads(row[1]) for row in rows}
    if on_fit is not None:
        for job in jobs:
            on_fit(job.model, 1.0)
    return records


def _fit_partition(jobs: list[FitJob], batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """Executor: the fits whose plan index is in this partition (one, by construction)."""
    schema = pa.schema([("index", pa.int64()), ("record", pa.string())])
    for batch in batches:
        for index in batch.column(0).to_pylist():
            record = run_fit(jobs[index])
            yield pa.RecordBatch.from_pydict({"index": [index], "record": [json.dumps(record)]},
                                             schema=schema)


def _watch(jobs: list[FitJob], on_fit, stop: threading.Event, every: float = 0.5) -> None:
    """Report each fit as finished when its fit.json appears (written last by run_fit)."""
    if on_fit is None:
        return
    pending = {job.model: job.fit_dir / FIT_FILE for job in jobs}
    while pending and not stop.wait(every):
        for model, path in list(pending.items()):
            if path.is_file():
                on_fit(model, 1.0)
                del pending[model]
