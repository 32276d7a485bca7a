"""`feedcare tokens --backend spark` (issue 19): the very same files as the local backend.

Byte-identical tokens.parquet, vocabulary.parquet and tokens.json on a generated comment table
(document units, phrases, every pruning bound at work) and on the real OSCE transcripts (turn
units, Punkt splitting, interviewer turns left out); and the corpus files read as Spark tables.
"""

from __future__ import annotations

import csv
import json
import random
import shutil

import pyarrow.parquet as pq
import pytest
from conftest import OSCE, needs
from feedcare.corpus import open_corpus
from feedcare.corpus.tokens.build import build_tokens
from feedcare.corpus.tokens.config import TokensConfig

pytestmark = pytest.mark.slow  # a local[2] Spark session: seconds to start, seconds per job
FILES = ("tokens.parquet", "vocabulary.parquet", "tokens.json")
PHRASES = ["car park", "chest pain", "blood test", "mental health", "night shift"]
SYLLABLES = "ka lo mi ne ru sa te vo bi da fe gu ho ji ko lu ma no pi re si to".split()


def _comments(n: int, seed: int = 19) -> list[str]:
    """Fictional feedback: Zipf-distributed made-up words, planted collocations, numbers and
    fillers, and a few empty rows."""
    rng = random.Random(seed)
    words = sorted({"".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))) for _ in range(900)})
    rng.shuffle(words)
    weights = [1 / rank for rank in range(1, len(words) + 1)]
    rows = []
    for i in range(n):
        text = rng.choices(words, weights, k=rng.randint(0, 25)) if i % 50 else []
        for _ in range(rng.randint(0, 2) if text else 0):
            text.insert(rng.randint(0, len(text)), rng.choice(PHRASES))
        if i % 7 == 0:
            text.insert(0, "um, yeah, 12:30 on ward 7 -")
        rows.append(" ".join(text).capitalize() + ("." if text else ""))
    return rows


@pytest.fixture(scope="module")
def comments(tmp_path_factory):
    """A comment table ingested into a corpus (document units)."""
    root = tmp_path_factory.mktemp("comments")
    table = root / "feedback.csv"
    with table.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "ward", "comment"])
        for i, text in enumerate(_comments(800)):
            writer.writerow([f"c{i:05d}", f"w{i % 5}", text])
    from feedcare.corpus.ingest.config import IngestConfig
    from feedcare.corpus.ingest.pipeline import ingest

    ingest([table], root / "corpus", IngestConfig(text_column="comment", id_column="id"))
    return root / "corpus"


def _twin(corpus, where):
    """A copy of the corpus without tokens: the same input for the other backend."""
    shutil.copytree(corpus, where, ignore=shutil.ignore_patterns("tokens.*", "vocabulary.*", "runs"))
    return where


def _assert_same_files(a, b):
    for name in FILES:
        assert (a / name).read_bytes() == (b / name).read_bytes(), f"{name} differs"


def test_comment_table_tokens_are_byte_identical(comments, tmp_path, spark, invoke):
    config = TokensConfig(no_below=3, no_above=0.3, keep_n=40, phrases_min_count=3)
    local, remote = _twin(comments, tmp_path / "local"), _twin(comments, tmp_path / "spark")
    build_tokens(open_corpus(local), config, jobs=2)
    options = ("--no-below", "3", "--no-above", "0.3")
    toml = tmp_path / "feedcare.toml"
    toml.write_text("[tokens]\nkeep_n = 40\nphrases_min_count = 3\n")
    result = invoke("tokens", "--corpus", remote, "--config", toml, *options, "--backend", "spark", "--json")
    assert result.exit_code == 0, result.output
    _assert_same_files(local, remote)
    meta = json.loads((remote / "tokens.json").read_text())
    # the comparison means something: every step that could go wrong did work here
    assert meta["summary"]["unit_modes"] == {"document": meta["summary"]["documents"]} != {}
    assert {p["phrase"] for p in meta["phrases"]} >= {"car_park", "chest_pain", "blood_test"}
    assert meta["pruned"]["no_below"] and meta["pruned"]["no_above"] and meta["pruned"]["keep_n"]
    assert meta["summary"]["units_dropped_empty"] > 0
    assert json.loads(result.stdout)["summary"] == meta["summary"]


def test_up_to_date_tokens_are_not_rebuilt_on_spark(comments, tmp_path, spark, invoke):
    corpus = _twin(comments, tmp_path / "c")
    build_tokens(open_corpus(corpus), TokensConfig(), jobs=1)
    before = (corpus / "tokens.parquet").stat().st_mtime_ns
    result = invoke("tokens", "--corpus", corpus, "--backend", "spark")
    assert result.exit_code == 0, result.output
    assert "up to date" in result.stderr
    assert (corpus / "tokens.parquet").stat().st_mtime_ns == before


@needs(OSCE)
def test_osce_transcript_tokens_are_byte_identical(tmp_path, spark):
    from feedcare.corpus.ingest.pipeline import ingest

    source = tmp_path / "src"
    source.mkdir()
    for file in sorted(OSCE.glob("*.txt")):
        (source / file.name).symlink_to(file)
    ingest([source], tmp_path / "local")
    remote = _twin(tmp_path / "local", tmp_path / "spark")
    local_report = build_tokens(open_corpus(tmp_path / "local"), TokensConfig(), jobs=2)
    spark_report = build_tokens(open_corpus(remote), TokensConfig(), backend="spark")
    _assert_same_files(tmp_path / "local", remote)
    assert spark_report.summary.unit_modes == {"turn": 272}
    assert spark_report.summary.units_merged > 1000  # short turns merged in the executors
    assert spark_report.summary.turns_excluded["interviewer"] > 10_000
    assert local_report.phrases == spark_report.phrases and len(spark_report.phrases) > 10


def test_corpus_and_tokens_read_as_spark_tables(comments, tmp_path, spark):
    """Every Parquet file of a corpus is a Spark table as it is, with the declared columns."""
    corpus = _twin(comments, tmp_path / "c")
    build_tokens(open_corpus(corpus), TokensConfig(), jobs=1)
    expected = {
        "documents.parquet": {"doc_id": "string", "n_segments": "int", "text": "string", "ward": "string"},
        "segments.parquet": {"doc_id": "string", "seg": "int", "char_start": "bigint", "start_s": "double"},
        "tokens.parquet": {"unit_id": "bigint", "tokens": "array<string>", "token_ids": "array<int>",
                           "n_tokens": "int"},
        "vocabulary.parquet": {"token_id": "int", "term": "string", "doc_freq": "bigint"},
    }
    for name, columns in expected.items():
        frame = spark.read.parquet(str(corpus / name))
        types = dict(frame.dtypes)
        assert frame.columns == pq.read_schema(corpus / name).names
        assert {column: types[column] for column in columns} == columns, name
        assert frame.count() == pq.ParquetFile(corpus / name).metadata.num_rows
    ids = spark.read.parquet(str(corpus / "tokens.parquet")).selectExpr("max(unit_id)").first()[0]
    assert ids == pq.ParquetFile(corpus / "tokens.parquet").metadata.num_rows - 1
