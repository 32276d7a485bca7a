"""The ``[spark]`` section of feedcare.toml: where Spark runs and which steps use it.

Only settings live here; the session itself is made in :mod:`.session`. Nothing in this module
imports pyspark, so reading a feedcare.toml never needs the extra.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from feedcare.corpus.base.settings import Settings

BACKENDS = ("local", "spark")


@dataclass(frozen=True)
class SparkConfig:
    """Settings of the Spark backends (the ``[spark]`` table)."""

    SECTION: ClassVar[str] = "spark"

    master: str = field(
        default="",
        metadata={
            "help": "Spark master URL: local[*], local[4], spark://host:7077, yarn, k8s://... "
            "Empty: $SPARK_MASTER, else the master spark-submit was given, else local[*]."
        },
    )
    remote: str = field(
        default="",
        metadata={
            "help": "Spark Connect URL (sc://host:15002) used instead of master; empty: $SPARK_REMOTE."
        },
    )
    tokens: bool = field(
        default=False,
        metadata={"help": "Run `feedcare tokens` on Spark (same files as the local backend)."},
    )
    sweeps: bool = field(
        default=False,
        metadata={
            "help": "Run the (k, seed) fits of a gensim or tomotopy sweep as Spark tasks, one fit "
            "per task (the corpus folder must be on storage every executor can read and write)."
        },
    )
    partitions: int = field(
        default=0,
        metadata={
            "help": "Partitions of the data Spark works on; 0 = from the data size. The MLlib engine's "
            "results depend on it (see docs/spark.md), the tokens and sweep files never do.",
            "min": 0,
            "max": 100_000,
        },
    )

    def resolved_master(self, environ: dict[str, str] | None = None) -> tuple[str, str]:
        """``("remote", url)`` or ``("master", url)``; ``("master", "")`` means Spark's own default.

        Precedence: this section's values (already overridden by --spark-master) come after the
        environment only when they are empty: command line > SPARK_REMOTE/SPARK_MASTER > file.
        """
        env = os.environ if environ is None else environ
        if self.remote:
            return "remote", self.remote
        if self.master:
            return "master", self.master
        if env.get("SPARK_REMOTE"):
            return "remote", env["SPARK_REMOTE"]
        if env.get("SPARK_MASTER"):
            return "master", env["SPARK_MASTER"]
        return "master", ""


def load_spark_config(
    config_path: Path | None = None, overrides: dict[str, Any] | None = None, cwd: Path | None = None
) -> SparkConfig:
    """``[spark]`` from feedcare.toml (``config_path`` or ./feedcare.toml), then ``overrides``.

    ``--spark-master sc://...`` is a Spark Connect URL and replaces ``remote``; any other
    ``--spark-master`` replaces ``master`` and clears a ``remote`` from the file. The
    environment fills in only what neither the file nor the command line set; see
    :meth:`SparkConfig.resolved_master`.
    """
    given = {k: v for k, v in (overrides or {}).items() if v is not None}
    url = given.pop("master", None)
    if url is not None:
        connect = url.startswith("sc://")
        given.update({"remote": url, "master": ""} if connect else {"master": url, "remote": ""})
    return Settings.load(config_path, cwd).build(SparkConfig, given)


def spark_settings_for(
    step: str, backend: str | None = None, master: str | None = None, config_path: Path | None = None
) -> SparkConfig | None:
    """The ``[spark]`` settings when ``step`` ("tokens" or "sweeps") runs on Spark, else None.

    ``backend`` (``--backend``) decides; when it is None, the ``[spark]`` key named ``step`` does.
    """
    from feedcare.corpus.base.errors import UsageError

    if backend is not None and backend not in BACKENDS:
        raise UsageError(f"--backend must be one of {', '.join(BACKENDS)}, got {backend!r}")
    spark = load_spark_config(config_path, {"master": master})
    on_spark = backend == "spark" if backend is not None else bool(getattr(spark, step))
    return spark if on_spark else None
