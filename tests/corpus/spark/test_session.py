"""Where Spark runs and what happens when it cannot (issue 19): settings, one-line errors, exit 2."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import pytest
from feedcare.corpus.base.errors import ConfigError, MissingDependencyError, UsageError
from feedcare.corpus.spark.config import SparkConfig, load_spark_config, spark_settings_for
from feedcare.corpus.spark.session import check_reachable
from helpers import build_corpus


def test_master_comes_from_the_command_line_then_the_environment_then_the_file(tmp_path):
    toml = tmp_path / "feedcare.toml"
    toml.write_text('[spark]\nmaster = "spark://head:7077"\ntokens = true\n')
    from_file = load_spark_config(toml)
    assert from_file.resolved_master({}) == ("master", "spark://head:7077") and from_file.tokens
    assert load_spark_config(toml, {"master": "local[3]"}).resolved_master({}) == ("master", "local[3]")
    connect = load_spark_config(toml, {"master": "sc://gw:15002"})
    assert connect.resolved_master({}) == ("remote", "sc://gw:15002")
    empty = SparkConfig()
    assert empty.resolved_master({"SPARK_MASTER": "yarn"}) == ("master", "yarn")
    assert empty.resolved_master({"SPARK_REMOTE": "sc://x:1", "SPARK_MASTER": "yarn"}) == ("remote", "sc://x:1")
    assert empty.resolved_master({}) == ("master", "")  # local[*] unless spark-submit set one


def test_which_steps_run_on_spark(tmp_path):
    toml = tmp_path / "feedcare.toml"
    toml.write_text("[spark]\nsweeps = true\n")
    assert spark_settings_for("tokens", None, None, toml) is None
    assert spark_settings_for("sweeps", None, None, toml) is not None
    assert spark_settings_for("sweeps", "local", None, toml) is None
    assert spark_settings_for("tokens", "spark", "local[2]", toml).master == "local[2]"
    with pytest.raises(UsageError, match="--backend must be one of local, spark"):
        spark_settings_for("tokens", "dask")


def test_bad_spark_settings_name_the_file_and_key(tmp_path):
    toml = tmp_path / "feedcare.toml"
    toml.write_text("[spark]\npartitions = -1\n")
    with pytest.raises(ConfigError, match=r"feedcare.toml: \[spark\] partitions must be at least 0"):
        load_spark_config(toml)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # free once the socket closes: nothing listens there


def test_an_unreachable_master_fails_in_seconds():
    url = f"spark://127.0.0.1:{_closed_port()}"
    with pytest.raises(UsageError, match=f"cannot reach the Spark master at {url}"):
        check_reachable("master", url)


def _feedcare(*args, env=None, cwd=None):
    return subprocess.run([sys.executable, "-m", "feedcare", *map(str, args)], capture_output=True,
                          text=True, env=env, cwd=cwd, timeout=120)


@pytest.mark.slow
def test_cli_errors_for_an_unreachable_master_and_a_missing_java(tmp_path):
    """Fresh processes (no SparkSession yet): one line on stderr, exit 2, nothing written."""
    corpus = build_corpus(tmp_path / "c", {"d1": [("P", "participant", "the nurse was kind")]})
    url = f"spark://127.0.0.1:{_closed_port()}"
    result = _feedcare("tokens", "--corpus", corpus, "--backend", "spark", "--spark-master", url)
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip().splitlines() == [
        f"Error: cannot reach the Spark master at {url}; check that it is running, or set [spark] "
        "master in feedcare.toml, --spark-master or $SPARK_MASTER"]
    env = {k: v for k, v in os.environ.items() if k != "JAVA_HOME"}
    env["PATH"] = os.path.dirname(sys.executable)  # python, but no java
    result = _feedcare("tokens", "--corpus", corpus, "--backend", "spark", env=env)
    assert result.returncode == 2
    assert result.stderr.startswith("Error: the Spark backend needs Java 17 or newer")
    assert not (corpus / "tokens.parquet").exists()


def test_missing_pyspark_is_a_one_line_usage_error(tmp_path, invoke, monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "pyspark" else real(name, *a))
    corpus = build_corpus(tmp_path / "c", {"d1": [("P", "participant", "the nurse was kind")]})
    result = invoke("tokens", "--corpus", corpus, "--backend", "spark")
    assert result.exit_code == 2
    assert result.stderr == ("Error: the Spark backend needs pyspark; install it with `pip install "
                             "'feedcare[spark]'` (and Java 17 or newer)\n")
    with pytest.raises(MissingDependencyError):
        from feedcare.corpus.spark.session import check_pyspark

        check_pyspark()


@pytest.mark.parametrize("command", ["tokens", "topics"])
def test_help_shows_the_extra_and_the_section_in_brackets(invoke, command):
    """Rich markup would swallow an unescaped [spark] (the help said `pip install 'feedcare'`)."""
    result = invoke(command, "--help", env={"COLUMNS": "250"})
    assert result.exit_code == 0
    assert "pip install 'feedcare[spark]'" in result.stdout
    assert "from [spark] in feedcare.toml" in result.stdout


@pytest.mark.slow
def test_tracked_reports_the_tasks_of_its_jobs_and_releases_the_job_group(spark):
    import time

    from feedcare.corpus.spark.session import tracked

    seen: list[tuple[str, float, int | None]] = []

    def slow(rows):  # long enough for the poller (every 0.05 s) to see the stage
        time.sleep(0.3)
        return rows

    with tracked(spark, "count", lambda *args: seen.append(args), every=0.05):
        spark.sparkContext.parallelize(range(100), 4).mapPartitions(slow).count()
        time.sleep(0.2)
    assert seen and {stage for stage, _, _ in seen} == {"count"}
    assert seen[-1][1] == seen[-1][2] == 4  # the last poll saw every task of the job finished
    assert spark.sparkContext.getLocalProperty("spark.jobGroup.id") is None
