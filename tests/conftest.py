"""Shared fixtures: the CLI runner and the location of the shared third-party data."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
OSCE = SHARED / "osce-interviews" / "transcripts"
NHS_CSV = SHARED / "nhs-feedback" / "text_data.csv"
REFI_XSD = SHARED / "refi-qda" / "Project-mrt2019.xsd"
EXAMPLES = ROOT / "examples"


def needs(path: Path):
    """Skip a test with a clear reason when a shared data set is absent."""
    return pytest.mark.skipif(
        not path.exists(), reason=f"shared data not found at {path} (../shared/data is not checked out)"
    )


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def invoke(runner):
    """Run the real feedcare CLI: invoke("ingest", "x", "--corpus", "c")."""
    from feedcare.cli import app

    def _invoke(*args, **kwargs):
        return runner.invoke(app, [str(a) for a in args], catch_exceptions=False, **kwargs)

    return _invoke


@pytest.fixture(scope="session")
def spark():
    """One local[2] SparkSession for every Spark test; they skip, saying why, without pyspark or Java."""
    pytest.importorskip("pyspark", reason="pyspark is not installed (pip install 'feedcare[spark]')")
    from feedcare.corpus.spark.config import SparkConfig
    from feedcare.corpus.spark.session import java_available, spark_session, stop_session

    if not java_available():
        pytest.skip("Spark needs Java 17 or newer: no java on PATH and JAVA_HOME unset")
    session = spark_session(SparkConfig(master="local[2]"))
    yield session
    stop_session()
