"""The one SparkSession of a feedcare process: found or made, checked, quiet, and its progress.

Every Spark backend asks :func:`spark_session` for its session. An active session (a notebook on
Databricks, a job under ``spark-submit``, the test suite's fixture) is used as it is; otherwise one
is made from ``[spark]`` (see :class:`~.config.SparkConfig`), with the settings a local run needs:
the executors' Python is this interpreter, the driver binds to 127.0.0.1, no web UI, one BLAS
thread per task and Spark's own logging quiet. A missing pyspark, a missing Java or a master that
cannot be reached is a one-line :class:`~feedcare.corpus.base.errors.UsageError` (exit 2) before
any work starts.

pyspark is imported only inside these functions: importing this module costs nothing.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import re
import shutil
import socket
import sys
import threading
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib import resources
from typing import Any
from urllib.parse import urlparse

from feedcare.corpus.base.errors import DataError, FeedcareError, MissingDependencyError, UsageError
from feedcare.corpus.base.progress import ProgressCallback, report
from feedcare.corpus.spark.config import SparkConfig

APP_NAME = "feedcare"
CONNECT_TIMEOUT = 5.0  # seconds to reach a spark:// or sc:// master before giving up
_FIX = "set [spark] master in feedcare.toml, --spark-master or $SPARK_MASTER"
_THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
_state: dict[str, Any] = {}


@dataclass(frozen=True)
class SparkInfo:
    """Where a result was computed (recorded in run.json and reports)."""

    spark_version: str
    master: str
    default_parallelism: int
    connect: bool

    def to_dict(self) -> dict[str, Any]:
        return {"spark": self.spark_version, "master": self.master,
                "default_parallelism": self.default_parallelism, "connect": self.connect}


def check_pyspark() -> None:
    """Raise a one-line error when the extra is not installed."""
    if importlib.util.find_spec("pyspark") is None:
        raise MissingDependencyError(
            "the Spark backend needs pyspark; install it with `pip install 'feedcare[spark]'` "
            "(and Java 17 or newer)"
        )


def check_java() -> None:
    """A local driver needs a JVM: JAVA_HOME/bin/java or java on PATH."""
    home = os.environ.get("JAVA_HOME")
    if home and os.access(os.path.join(home, "bin", "java"), os.X_OK):
        return
    if shutil.which("java"):
        return
    raise MissingDependencyError(
        "the Spark backend needs Java 17 or newer and none was found (no java on PATH, JAVA_HOME "
        "unset); install a JDK (e.g. `apt-get install openjdk-17-jre-headless`) or set JAVA_HOME"
    )


def java_available() -> bool:
    try:
        check_java()
    except MissingDependencyError:
        return False
    return True


def check_reachable(kind: str, url: str) -> None:
    """A spark:// or sc:// master must accept a TCP connection (fail in seconds, not minutes)."""
    if not url.startswith(("spark://", "sc://")):
        return
    for hostport in urlparse(url).netloc.split(","):  # spark://a:7077,b:7077 (standby masters)
        host, _, port = hostport.rpartition(":")
        try:
            with socket.create_connection((host or hostport, int(port or 15002)), CONNECT_TIMEOUT):
                return
        except (OSError, ValueError):
            continue
    what = "Spark Connect server" if kind == "remote" else "Spark master"
    raise UsageError(f"cannot reach the {what} at {url}; check that it is running, or {_FIX}")


def spark_session(config: SparkConfig | None = None) -> Any:
    """The process's SparkSession: the active one, else a new one made from ``config``."""
    check_pyspark()
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    if "session" in _state:
        return _state["session"]
    config = config or SparkConfig()
    kind, url = config.resolved_master()
    inside_submit = "PYSPARK_GATEWAY_PORT" in os.environ  # spark-submit started us with its conf
    if kind == "master" and not url and not inside_submit:
        url = "local[*]"
    if kind == "master":
        check_java()
    check_reachable(kind, url)
    builder = SparkSession.builder.appName(APP_NAME)
    if kind == "remote":
        builder = builder.remote(url)
    else:
        if url:
            builder = builder.master(url)
        for key, value in _defaults(url).items():
            builder = builder.config(key, value)
    with _quiet(), translate_errors(url):
        session = builder.getOrCreate()
    with contextlib.suppress(Exception):  # Spark Connect has no SparkContext
        session.sparkContext.setLogLevel("ERROR")
    _state["session"] = session
    return session


def _defaults(url: str) -> dict[str, str]:
    """Settings for a session feedcare starts itself (spark-defaults.conf may override them)."""
    conf = {
        "spark.ui.showConsoleProgress": "false",  # feedcare draws its own bars from the status tracker
        "spark.sql.execution.arrow.pyspark.enabled": "true",
        **{f"spark.executorEnv.{name}": "1" for name in _THREAD_VARS},
    }
    log4j = resources.files("feedcare.corpus.spark").joinpath("log4j2.properties")
    conf["spark.driver.extraJavaOptions"] = f"-Dlog4j2.configurationFile={log4j}"
    if url.startswith("local"):
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)  # executors run this interpreter
        cores = re.fullmatch(r"local\[(\d+)(?:,\d+)?\]", url)
        n = int(cores.group(1)) if cores else (os.cpu_count() or 1)
        conf.update({
            "spark.ui.enabled": "false",
            "spark.driver.host": "127.0.0.1",
            "spark.driver.bindAddress": "127.0.0.1",
            "spark.sql.shuffle.partitions": str(2 * n),  # Spark's 200 is for clusters
            # Adaptive execution re-plans after every shuffle: on one machine that costs more than
            # it saves (a tokens build of a few thousand units: 3.5 s without, 9 s with). The
            # files never depend on it (docs/spark.md); clusters keep Spark's default.
            "spark.sql.adaptive.enabled": "false",
        })
    return conf


def session_info(spark: Any) -> SparkInfo:
    """Spark's version and master (Spark Connect: the remote URL)."""
    try:
        sc = spark.sparkContext
        return SparkInfo(spark.version, sc.master, int(sc.defaultParallelism), False)
    except Exception:  # Spark Connect
        remote = spark.conf.get("spark.remote", None) or os.environ.get("SPARK_REMOTE", "")
        parallelism = int(spark.conf.get("spark.default.parallelism", "0") or 0)
        return SparkInfo(spark.version, str(remote), parallelism, True)


def stop_session() -> None:
    """Stop the session feedcare made (tests and benchmarks; a CLI process just exits)."""
    session = _state.pop("session", None)
    if session is not None:
        session.stop()


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    with warnings.catch_warnings():
        # pyspark warns about pandas versions it has not certified; feedcare uses Arrow, not pandas.
        warnings.filterwarnings("ignore", category=FutureWarning, module=r"pyspark\..*")
        warnings.filterwarnings("ignore", category=UserWarning, module=r"pyspark\..*")
        yield


_ERROR_LINE = re.compile(r"(feedcare\.[\w.]+\.(\w+Error)): (.+)")


@contextlib.contextmanager
def translate_errors(master: str = "") -> Iterator[None]:
    """Spark's exceptions as feedcare's one-line errors.

    An error a feedcare function raised inside an executor comes back wrapped in Spark's
    PythonException: its class and message are recovered. A JVM that cannot start is a missing
    or too old Java.
    """
    try:
        with _quiet():
            yield
    except FeedcareError:
        raise
    except Exception as exc:
        raise _translated(exc, master) from None


def _translated(exc: Exception, master: str) -> Exception:
    text = str(exc)
    found = _ERROR_LINE.findall(text)
    if found:
        _path, name, message = found[-1]
        from feedcare.corpus.base import errors

        cls = getattr(errors, name, DataError)
        return cls(message.strip())
    name = type(exc).__name__
    if "JAVA_GATEWAY_EXITED" in text or "Java gateway process exited" in text:
        return MissingDependencyError(
            "Spark could not start its Java process; Spark needs Java 17 or newer (check `java "
            "-version` and JAVA_HOME)"
        )
    if "Could not parse Master URL" in text or "Master URL" in text and "parse" in text:
        return UsageError(f"Spark does not understand the master URL {master!r}; {_FIX}")
    if isinstance(exc, (ConnectionError, OSError)) or "UNAVAILABLE" in text or "Connection refused" in text:
        return UsageError(f"cannot reach Spark at {master or 'the configured master'} ({name}); {_FIX}")
    if "PATH_NOT_FOUND" in text or "FileNotFoundException" in text or "does not exist" in text:
        first = next((line for line in text.splitlines() if "ath" in line), text.splitlines()[0])
        return DataError(
            f"Spark cannot read the corpus files ({first.strip()[:200]}); on a cluster the corpus "
            "folder must be on storage every executor can read"
        )
    first_line = text.strip().splitlines()[0] if text.strip() else name
    return DataError(f"Spark failed: {name}: {first_line[:300]}")


# --- progress from Spark's status tracker -------------------------------------------------


@contextlib.contextmanager
def polled_group(spark: Any, description: str, poll: Callable[[Any, str], None],
                 every: float = 0.5) -> Iterator[bool]:
    """Run the block's Spark jobs under a job group of their own and call ``poll(tracker, group)``
    from a thread every ``every`` seconds; yields False (and polls nothing) with Spark Connect,
    which has no status tracker."""
    try:
        sc = spark.sparkContext
    except Exception:  # Spark Connect
        yield False
        return
    group = f"feedcare-{id(poll)}-{threading.get_ident()}"
    sc.setJobGroup(group, description, interruptOnCancel=True)
    tracker = sc.statusTracker()
    stop = threading.Event()

    def loop() -> None:
        while not stop.wait(every):
            poll(tracker, group)

    thread = threading.Thread(target=loop, name="feedcare-spark-progress", daemon=True)
    thread.start()
    try:
        yield True
    finally:
        stop.set()
        thread.join()
        sc.setLocalProperty("spark.jobGroup.id", None)
        sc.setLocalProperty("spark.job.description", None)


@contextlib.contextmanager
def tracked(spark: Any, stage: str, progress: ProgressCallback | None, every: float = 0.5) -> Iterator[None]:
    """Report the tasks of the Spark jobs started inside the block as ``progress(stage, done, total)``.

    With Spark Connect (no status tracker) the stage is reported only at its start and end.
    """
    if progress is None:
        yield
        return

    def poll(tracker: Any, group: str) -> None:
        done = total = 0
        for job_id in tracker.getJobIdsForGroup(group):
            job = tracker.getJobInfo(job_id)
            for stage_id in job.stageIds if job else ():
                info = tracker.getStageInfo(stage_id)
                if info is not None:
                    done += info.numCompletedTasks
                    total += info.numTasks
        if total:
            report(progress, stage, done, total)

    with polled_group(spark, stage, poll, every) as polling:
        if not polling:
            report(progress, stage, 0, None)
        yield
    if not polling:
        report(progress, stage, 1, 1)
