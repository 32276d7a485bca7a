"""The Spark engine: Spark MLlib's LDA (``online`` or ``em``) on the units of tokens.parquet.

Implements :class:`~feedcare.topics.engines.base.Engine` like the gensim and tomotopy engines, so
measures, stability, the run directory and themes are the same code. The vocabulary is feedcare's:
``CountVectorizerModel.from_vocabulary`` maps each unit's tokens to the ids of vocabulary.parquet,
nothing is tokenised again. The units are read by Spark from tokens.parquet and placed in
``spark_partitions`` partitions by unit_id (partition p holds one contiguous block of units,
sorted): the partitioning follows from the data and the settings alone, never from the cluster,
so the same seed gives the same model on local[2] and on a cluster (docs/spark.md says where
that stops). The unit-topic rows come from the model's ``transform``, streamed back in unit order.

A fit uses the whole cluster, so a run's fits go one after another (``FITS_IN_PARALLEL``).
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import math
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
from feedcare.corpus.base.errors import DataError
from feedcare.topics.config import TopicsConfig
from feedcare.topics.engines.base import FitResult, normalise_rows
from feedcare.topics.fit.bow import BowCorpus
from feedcare.topics.fit.doctopics import DocTopicsWriter

NAME = "spark"
PRELOAD: tuple[str, ...] = ()
FITS_IN_PARALLEL = False  # each fit is distributed already; fits run one after another
GUIDED = False  # MLlib's LDA takes one topic concentration: no per-topic seed-term priors
SPARK = True  # the run makes the session from [spark] / --spark-master before the first fit
UNITS_PER_PARTITION = 50_000
_BLOBS_DDL = "first long, n long, weights binary"


def check_available() -> None:
    from feedcare.corpus.spark.session import check_pyspark

    check_pyspark()


def package_versions() -> dict[str, str]:
    """pyspark, and where the fits ran: Spark's version and master (recorded in run.json)."""
    from importlib.metadata import version

    from feedcare.corpus.spark.session import session_info, spark_session

    info = session_info(spark_session())
    return {"pyspark": version("pyspark"), "spark": info.spark_version, "spark_master": info.master,
            "numpy": version("numpy")}


def settings(config: TopicsConfig) -> dict[str, Any]:
    return {
        "optimizer": config.spark_optimizer,
        "iterations": config.spark_iterations,
        "subsampling_rate": config.spark_subsampling_rate,
        "learning_offset": config.spark_learning_offset,
        "learning_decay": config.spark_learning_decay,
        "partitions": config.spark_partitions,
        "minimum_probability": config.minimum_probability,
        "doc_concentration": "MLlib default (online: 1/k, optimised; em: 50/k + 1)",
        "topic_concentration": "MLlib default (online: 1/k; em: 1.1)",
    }


def partitions_for(n_units: int, configured: int) -> int:
    """The configured partitions, or one per UNITS_PER_PARTITION units (at least 2)."""
    return configured or max(2, math.ceil(n_units / UNITS_PER_PARTITION))


def fit(
    bow: BowCorpus,
    terms: list[str],
    k: int,
    seed: int,
    settings: dict[str, Any],
    progress: Callable[[float], None] | None = None,
) -> FitResult:
    """Fit one MLlib LDA model on ``bow``'s tokens.parquet; ``terms[i]`` is the term of id ``i``."""
    from feedcare.corpus.spark.session import session_info, spark_session, translate_errors
    from pyspark.ml.clustering import LDA

    spark = spark_session()
    n_units = len(bow)
    partitions = partitions_for(n_units, settings["partitions"])
    with translate_errors(session_info(spark).master), _checkpoints(spark, settings["optimizer"]):
        data = _units(spark, Path(bow.path), terms, n_units, partitions).cache()
        try:
            lda = LDA(k=k, seed=seed, maxIter=settings["iterations"], optimizer=settings["optimizer"],
                      featuresCol="features", topicDistributionCol="topics")
            if settings["optimizer"] == "online":
                lda.setSubsamplingRate(settings["subsampling_rate"])
                lda.setLearningOffset(settings["learning_offset"])
                lda.setLearningDecay(settings["learning_decay"])
            with _iterations(spark, settings["iterations"], progress):
                model = lda.fit(data)
            topic_term = normalise_rows(np.asarray(model.topicsMatrix().toArray(), dtype=np.float64).T)
            doc_topic = _doc_topics(model, data, n_units, k, settings["minimum_probability"])
            info: dict[str, Any] = {"partitions": partitions}
            with contextlib.suppress(Exception):  # EM models have no docConcentration estimate to read
                info["doc_concentration"] = [float(a) for a in model.estimatedDocConcentration().toArray()]
        finally:
            data.unpersist()

    def save(directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        model.write().overwrite().save((directory / "model.spark").resolve().as_uri())

    if progress is not None:
        progress(1.0)
    return FitResult(topic_term=topic_term, doc_topic=doc_topic, save=save, info=info)


def _units(spark, path: Path, terms: list[str], n_units: int, partitions: int):
    """(unit_id, features) in ``partitions`` contiguous blocks of unit_id, each sorted."""
    from pyspark.ml.feature import CountVectorizerModel
    from pyspark.sql import functions as F

    # A key per block that Spark's hash partitioning sends to partition p exactly, so block p is
    # partition p whatever the cluster (repartitionByRange would sample, and its bounds would
    # depend on how the file was split).
    keys = _partition_keys(spark, partitions)
    block = F.floor(F.col("unit_id") * F.lit(partitions) / F.lit(max(n_units, 1))).cast("int")
    units = (
        spark.read.parquet(path.resolve().as_uri())
        .select("unit_id", "tokens")
        .withColumn("key", F.element_at(F.array(*[F.lit(key) for key in keys]), block + 1))
        .repartition(partitions, "key")
        .sortWithinPartitions("unit_id")
        .drop("key")
    )
    vectorizer = CountVectorizerModel.from_vocabulary(terms, inputCol="tokens", outputCol="features")
    return vectorizer.transform(units).select("unit_id", "features")


def _partition_keys(spark, partitions: int) -> list[int]:
    """For each partition p, the smallest integer that Spark's hash partitioning sends to p."""
    from pyspark.sql import functions as F

    keys: dict[int, int] = {}
    limit = partitions * 8
    while len(keys) < partitions:
        part = F.pmod(F.hash(F.col("id").cast("int")), F.lit(partitions)).alias("part")
        rows = spark.range(0, limit).select("id", part).groupBy("part").agg(F.min("id")).collect()
        keys = {int(row[0]): int(row[1]) for row in rows}
        limit *= 4
    return [keys[p] for p in range(partitions)]


def _doc_topics(model, data, n_units: int, k: int, minimum: float):
    """The model's ``transform`` of every unit, streamed to the driver in unit order."""
    from pyspark.ml.functions import vector_to_array
    from pyspark.sql import functions as F

    rows = model.transform(data).select("unit_id", vector_to_array(F.col("topics")).alias("weights"))
    blobs = rows.mapInArrow(functools.partial(_pack, k), _BLOBS_DDL)
    writer = DocTopicsWriter(n_units, k)
    expected = 0
    for first, n, data_bytes in blobs.toLocalIterator(prefetchPartitions=True):
        if not n:
            continue
        if first != expected:
            raise DataError(f"tokens.parquet: unit {expected} expected from Spark, got {first}; "
                            "re-run `feedcare tokens`")
        weights = np.frombuffer(bytes(data_bytes), dtype=np.float64).reshape(n, k)
        writer.add(normalise_rows(weights, minimum))
        expected += n
    return writer.finish()


def _pack(k: int, batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """Executor: a batch of (unit_id, weights) as one row of float64 bytes, ids checked contiguous."""
    schema = pa.schema([("first", pa.int64()), ("n", pa.int64()), ("weights", pa.binary())])
    for batch in batches:
        if not batch.num_rows:
            continue
        ids = batch.column("unit_id").to_numpy()
        if not np.array_equal(ids, np.arange(ids[0], ids[0] + len(ids))):
            raise DataError("tokens.parquet: unit_id values are not 0..n-1 in order; "
                            "re-run `feedcare tokens`")
        weights = batch.column("weights")
        values = np.asarray(weights.flatten().to_numpy(zero_copy_only=False), dtype=np.float64)
        yield pa.RecordBatch.from_pydict(
            {"first": [int(ids[0])], "n": [len(ids)], "weights": [values.reshape(len(ids), k).tobytes()]},
            schema=schema,
        )


@contextlib.contextmanager
def _checkpoints(spark, optimizer: str) -> Iterator[None]:
    """EM keeps a growing graph lineage: a local run checkpoints it to a temporary folder.

    The folder lives as long as the process: the fitted model still reads its last checkpoint
    when run_fit saves it.
    """
    sc = spark.sparkContext
    if optimizer == "em" and sc.getCheckpointDir() is None and sc.master.startswith("local"):
        folder = tempfile.mkdtemp(prefix="feedcare-spark-checkpoints-")
        atexit.register(shutil.rmtree, folder, True)
        sc.setCheckpointDir(folder)
    yield


@contextlib.contextmanager
def _iterations(spark, iterations: int, progress: Callable[[float], None] | None,
                every: float = 0.5) -> Iterator[None]:
    """Progress as Spark jobs finished of about one per MLlib iteration (the status tracker's view)."""
    if progress is None:
        yield
        return
    from feedcare.corpus.spark.session import polled_group

    def poll(tracker: Any, group: str) -> None:
        done = sum(1 for job in tracker.getJobIdsForGroup(group)
                   if (info := tracker.getJobInfo(job)) is not None and info.status == "SUCCEEDED")
        progress(min(0.99, done / (iterations + 2)))

    with polled_group(spark, "feedcare fit", poll, every):
        yield
