"""`feedcare tokens --backend spark` (issue 19): the very same files as the local backend.

Byte-identical tokens.parquet, vocabulary.parquet and tokens.json for every tokens option, on one
small mixed corpus (a generated comment table with markers and rows in other languages, and
labelled interview transcripts: questions, continuers, long answers, one interview in French),
and on the real OSCE transcripts (turn units, Punkt splitting, interviewer turns left out); and
the corpus files read as Spark tables.
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
from language_samples import ANSWERS, interview_folder

pytestmark = pytest.mark.slow  # uses the suite's one local[2] Spark session
FILES = ("tokens.parquet", "vocabulary.parquet", "tokens.json")
PHRASES = ["car park", "chest pain", "blood test", "mental health", "night shift"]
SYLLABLES = "ka lo mi ne ru sa te vo bi da fe gu ho ji ko lu ma no pi re si to".split()
MARKERS = ["[NAME]", "XXXX", "<name>", "PATIENT_12", "***"]


def _comments(n: int, seed: int = 19) -> list[str]:
    """Fictional feedback: Zipf-distributed made-up words, planted collocations, markers, numbers
    and fillers, a few empty rows and a few rows in other languages."""
    rng = random.Random(seed)
    words = sorted({"".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))) for _ in range(900)})
    rng.shuffle(words)
    weights = [1 / rank for rank in range(1, len(words) + 1)]
    other = [ANSWERS[code] for code in sorted(ANSWERS)]
    rows = []
    for i in range(n):
        if i % 97 == 13:
            rows.append(other[i % len(other)])
            continue
        text = rng.choices(words, weights, k=rng.randint(0, 25)) if i % 50 else []
        for _ in range(rng.randint(0, 2) if text else 0):
            text.insert(rng.randint(0, len(text)), rng.choice(PHRASES))
        if text and i % 5 == 0:
            text.insert(rng.randint(0, len(text)), rng.choice(MARKERS))
        if i % 7 == 0:
            text.insert(0, "um, yeah, like, 12:30 on ward 7 -")
        rows.append(" ".join(text).capitalize() + ("." if text else ""))
    return rows


LONG_ANSWER = (
    "I went to the walk-in centre on a Sunday. The receptionist was lovely and the nurse saw me "
    "quickly. Then they sent me to A&E for a blood test and an X-ray. I waited there for five hours "
    "and nobody told me why. [NAME] on the night shift brought me a cup of tea. Later the doctor "
    "said the chest pain was muscular. I wrote about it online because the car park charges were "
    "outrageous. "
)


def _transcripts(folder):
    """English interviews (questions, continuers, long answers, markers) and one in French."""
    interview_folder(folder, n_english=3, other="fr")
    for i in range(4):
        lines = []
        for q in range(3):
            lines += [f"Interviewer: Question {q}: what happened when you went to the hospital?",
                      f"Participant: {LONG_ANSWER * (1 + (i + q) % 3)}",
                      "Interviewer: Mm-hm.",
                      f"Participant: Yeah. And the car park, um, XXXX said it was 12 pounds. {LONG_ANSWER}"]
        (folder / f"L{i:02d}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.fixture(scope="module")
def mixed(tmp_path_factory):
    """One corpus of both kinds: a comment table (document units) and transcripts (turn units)."""
    from feedcare.corpus.ingest.config import IngestConfig
    from feedcare.corpus.ingest.pipeline import ingest

    root = tmp_path_factory.mktemp("mixed")
    source = root / "source"
    _transcripts(source)
    with (source / "feedback.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "ward", "comment"])
        for i, text in enumerate(_comments(400)):
            writer.writerow([f"c{i:05d}", f"w{i % 5}", text])
    (root / "stop.txt").write_text("# ward words\nward\nreceptionist\n", encoding="utf-8")
    ingest([source], root / "corpus", IngestConfig(text_column="comment", id_column="id"))
    return root / "corpus"


def _twin(corpus, where):
    """A copy of the corpus without tokens: the same input for the other backend."""
    shutil.copytree(corpus, where, ignore=shutil.ignore_patterns("tokens.*", "vocabulary.*", "runs"))
    return where


def _assert_same_files(a, b):
    for name in FILES:
        assert (a / name).read_bytes() == (b / name).read_bytes(), f"{name} differs"


# Every option of [tokens] in five settings, each with a check that its options were at work (so the
# comparison means something).
OPTIONS = {
    "defaults": ({}, lambda s, m: s["unit_modes"].keys() == {"document", "turn"}
                 and s["documents_left_out_language"] >= 2 and s["units_dropped_empty"] > 0
                 and s["removed"]["markers"] > 0 and m["phrases"] and m["pruned"]["no_below"]),
    "answers-en-fr": ({"unit": "answer", "min_tokens": 5, "languages": ("en", "fr")},
                      lambda s, m: s["questions"] > 0 and s["units_across_questions"] == 0
                      and 0 < s["documents_left_out_language"] < 15 and s["unit_modes"].get("answer")),
    "answers-strict-words-markers": (
        {"unit": "answer", "question_min_tokens": 0, "min_tokens": 5, "max_tokens": 12,
         "lowercase": False, "min_length": 3, "remove_numbers": False, "stopwords": False,
         "spoken_stopwords": False, "stopwords_files": ("STOP",), "extra_stopwords": ("car park",),
         "keep_words": ("like",), "markers": (r"\[[A-Z]+\]",), "extra_markers": (r"PATIENT_\d+",),
         "lemmatize": False, "phrases_scoring": "npmi", "phrases_threshold": 0.3, "phrases_min_count": 2},
        lambda s, m: s["questions"] == s["interviewer_turns"] > 0 and s["turns_split"] > 0
        and s["removed"]["stopwords"] > 0 and s["removed"]["numbers"] == 0 and m["phrases"]),
    "turns-split": ({"unit": "turn", "min_tokens": 3, "max_tokens": 10, "punkt_sample_chars": 5000},
                    lambda s, m: s["turns_split"] > 0 and s["unit_modes"] == {"turn": s["documents"]}),
    "windows-all-languages-both-roles-pruned": (
        {"unit": "window", "window_size": 12, "window_step": 5, "languages": ("all",),
         "roles": ("participant", "interviewer"), "phrases": False, "no_below": 3, "no_above": 0.3,
         "keep_n": 40},
        lambda s, m: s["unit_modes"].get("window") and s["documents_left_out_language"] == 0
        and s["turns_excluded"].get("interviewer", 0) == 0 and not m["phrases"]
        and m["pruned"]["no_below"] and m["pruned"]["no_above"] and m["pruned"]["keep_n"]),
}


@pytest.mark.parametrize("name", list(OPTIONS))
def test_tokens_are_byte_identical_for_every_option(name, mixed, tmp_path, spark, invoke):
    settings, changed = OPTIONS[name]
    if "stopwords_files" in settings:
        settings = {**settings, "stopwords_files": (str(mixed.parent / "stop.txt"),)}
    config = TokensConfig(**settings)
    local, remote = _twin(mixed, tmp_path / "local"), _twin(mixed, tmp_path / "spark")
    build_tokens(open_corpus(local), config, jobs=2)
    if name == "defaults":  # once through the command line, as a user runs it
        result = invoke("tokens", "--corpus", remote, "--backend", "spark", "--json")
        assert result.exit_code == 0, result.output
        written = json.loads((remote / "tokens.json").read_text())
        assert json.loads(result.stdout)["summary"] == written["summary"]
    else:
        build_tokens(open_corpus(remote), config, backend="spark")
    _assert_same_files(local, remote)
    meta = json.loads((remote / "tokens.json").read_text())
    assert changed(meta["summary"], meta), meta["summary"]  # the option was at work
    assert not list(remote.glob(".*tmp*")) and not list(remote.glob("*.tmp*"))  # staging committed


def test_up_to_date_tokens_are_not_rebuilt_on_spark(mixed, tmp_path, spark, invoke):
    corpus = _twin(mixed, tmp_path / "c")
    build_tokens(open_corpus(corpus), TokensConfig(), jobs=1)
    before = (corpus / "tokens.parquet").stat().st_mtime_ns
    result = invoke("tokens", "--corpus", corpus, "--backend", "spark")
    assert result.exit_code == 0, result.output
    assert "up to date" in result.stderr
    assert (corpus / "tokens.parquet").stat().st_mtime_ns == before


def test_a_failed_spark_build_keeps_the_previous_tokens(mixed, tmp_path, spark, monkeypatch):
    """The Spark backend writes into the same staging folder as the local one: a failure midway
    leaves the previous tokens whole and valid, and no staging folder behind."""
    from feedcare.corpus.base.errors import DataError
    from feedcare.corpus.tokens import spark_backend

    corpus = _twin(mixed, tmp_path / "c")
    build_tokens(open_corpus(corpus), TokensConfig(), jobs=1)
    before = {name: (corpus / name).read_bytes() for name in FILES}

    def broken(*args, **kwargs):
        raise DataError("Spark failed: the executor was lost")

    monkeypatch.setattr(spark_backend, "write_vocabulary", broken)
    with pytest.raises(DataError, match="executor was lost"):
        build_tokens(open_corpus(corpus), TokensConfig(no_below=2), backend="spark")
    assert {name: (corpus / name).read_bytes() for name in FILES} == before
    assert sorted(p.name for p in corpus.iterdir() if p.name.startswith(".")) == \
        sorted(p.name for p in mixed.iterdir() if p.name.startswith("."))
    assert open_corpus(corpus).tokens_meta().fingerprint  # still readable, still current


def test_spark_tokens_wait_for_a_topics_run_reading_the_corpus(mixed, tmp_path, spark, invoke):
    """The Spark backend takes the corpus write lock like the local one: while a topics run
    reads the corpus it refuses with exit 5, before starting any Spark job, and writes nothing."""
    import subprocess
    import sys

    corpus = _twin(mixed, tmp_path / "c")
    hold = ("import sys; from pathlib import Path; from feedcare.corpus.store.lock import reading_lock\n"
            "with reading_lock(Path(sys.argv[1]), 'topics run r9'):\n"
            "    print('ready', flush=True); sys.stdin.readline()")
    reader = subprocess.Popen([sys.executable, "-c", hold, str(corpus)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert reader.stdout.readline().strip() == "ready"
        result = invoke("tokens", "--corpus", corpus, "--backend", "spark")
        assert result.exit_code == 5, result.output
        assert "topics run r9" in result.stderr and "is reading this corpus" in result.stderr
        assert not (corpus / "tokens.parquet").exists()
    finally:
        reader.communicate("\n", timeout=30)


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


def test_corpus_and_tokens_read_as_spark_tables(mixed, tmp_path, spark):
    """Every Parquet file of a corpus is a Spark table as it is, with the declared columns."""
    corpus = _twin(mixed, tmp_path / "c")
    build_tokens(open_corpus(corpus), TokensConfig(), jobs=1)
    expected = {
        "documents.parquet": {"doc_id": "string", "n_segments": "int", "text": "string", "ward": "string"},
        "segments.parquet": {"doc_id": "string", "seg": "int", "char_start": "bigint", "start_s": "double"},
        "tokens.parquet": {"unit_id": "bigint", "tokens": "array<string>", "token_ids": "array<int>",
                           "n_tokens": "int", "question_seg": "int"},
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
