"""Every reader of a run checks the whole chain corpus → tokens → run (issue 14, #1).

After `topics`, re-ingesting changed comments and running `themes` exited 0 and printed the new
text as excerpts of the old model: themes checked the run against the tokens, not the tokens
against the corpus. And ingest or tokens while a `topics` run reads the corpus must wait or
refuse.
"""

from __future__ import annotations

import multiprocessing

import pytest
from feedcare.corpus import IngestConfig, ingest, open_corpus
from feedcare.corpus.base.errors import DataError, LockedError
from feedcare.corpus.store.lock import reading_lock

ANSWERS = [
    "The nurse on the ward was kind and the waiting time was short.",
    "My chest pain got worse at night and the doctor changed my medication.",
    "Parking at the hospital was expensive and the car park was full.",
    "The food on the ward was cold and the parking was a nightmare.",
]
TOKENS = ("--no-below", "1", "--no-above", "1.0", "--jobs", "1")
FAST = ("--k", "2", "--seeds", "1", "--passes", "1", "--iterations", "20", "--jobs", "1", "--run-id", "r1")


def write_sources(folder, replace: str | None = None):
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(12):
        lines = []
        for j in range(4):
            answer = ANSWERS[(i + j) % 4]
            if replace is not None:
                answer = answer.replace("nurse", replace)
            lines += [f"Interviewer: Question {j}?", f"P{i:02d}: {answer}"]
        (folder / f"P{i:02d}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


@pytest.fixture
def fitted(invoke, tmp_path):
    src = write_sources(tmp_path / "src")
    corpus = tmp_path / "c"
    assert invoke("ingest", src, "--corpus", corpus).exit_code == 0
    assert invoke("tokens", "--corpus", corpus, *TOKENS).exit_code == 0
    assert invoke("topics", "--corpus", corpus, *FAST).exit_code == 0
    return src, corpus


@pytest.mark.parametrize("out", [None, "report.html"])
def test_themes_refuses_a_run_whose_corpus_changed_since(invoke, fitted, tmp_path, out):
    src, corpus = fitted
    write_sources(src, replace="SECRETWORD")  # the comments change, their ids do not
    assert invoke("ingest", src, "--corpus", corpus).exit_code == 0
    args = ["--out", tmp_path / out] if out else []
    result = invoke("themes", "latest", "--corpus", corpus, *args)
    assert result.exit_code == 4, result.output
    assert "SECRETWORD" not in result.output
    assert "the corpus changed after `feedcare tokens` ran" in result.stderr
    assert "re-run `feedcare tokens`, then `feedcare topics`" in result.stderr
    assert not (tmp_path / "report.html").exists()


def test_themes_refuses_a_run_whose_tokens_were_rebuilt(invoke, fitted):
    _, corpus = fitted
    assert invoke("tokens", "--corpus", corpus, *TOKENS, "--no-below", "2").exit_code == 0
    result = invoke("themes", "r1", "--corpus", corpus)
    assert result.exit_code == 4
    assert "the tokens changed since run r1 was fitted" in result.stderr
    assert "re-run `feedcare topics`" in result.stderr


def test_a_tokens_file_from_another_build_is_caught(invoke, fitted, tmp_path):
    """vocabulary.parquet of another build next to the right tokens.json (a crash between renames)."""
    import shutil

    _, corpus = fitted
    other = tmp_path / "other"
    shutil.copytree(corpus, other)
    assert invoke("tokens", "--corpus", other, *TOKENS, "--no-below", "2").exit_code == 0
    shutil.copy(other / "vocabulary.parquet", corpus / "vocabulary.parquet")
    result = invoke("themes", "r1", "--corpus", corpus)
    assert result.exit_code == 4
    assert "vocabulary.parquet: does not match tokens.json" in result.stderr


def _hold_reader(path, ready, release):
    with reading_lock(path, "topics run r9"):
        ready.set()
        release.wait(60)


def test_ingest_and_tokens_refuse_while_a_topics_run_reads_the_corpus(invoke, fitted):
    src, corpus = fitted
    ctx = multiprocessing.get_context("spawn")
    ready, release = ctx.Event(), ctx.Event()
    reader = ctx.Process(target=_hold_reader, args=(corpus, ready, release))
    reader.start()
    try:
        assert ready.wait(60)
        write_sources(src, replace="changed")
        for args in (("ingest", src), ("tokens", "--force")):
            result = invoke(*args, "--corpus", corpus)
            assert result.exit_code == 5, result.output
            assert "topics run r9" in result.stderr and "is reading this corpus" in result.stderr
    finally:
        release.set()
        reader.join(30)
    assert invoke("ingest", src, "--corpus", corpus).exit_code == 0  # free again


def test_topics_holds_a_reading_lock_while_it_fits(fitted, monkeypatch):
    """The run itself registers as a reader (so the test above is what a real run gives)."""
    from feedcare.topics import fit as fit_package  # noqa: F401
    from feedcare.topics.config import TopicsConfig
    from feedcare.topics.fit import pipeline

    _, corpus = fitted
    seen = []

    def spy(*args, **kwargs):
        try:
            ingest([fitted[0]], corpus, IngestConfig())
        except LockedError as exc:
            seen.append(str(exc))
        return real(*args, **kwargs)

    real = pipeline.run_fits
    monkeypatch.setattr(pipeline, "run_fits", spy)
    pipeline.fit_topics(corpus, TopicsConfig(k=2, seeds=1, passes=1, iterations=20), run_id="r2", jobs=1)
    assert seen and "is reading this corpus" in seen[0]


def test_open_corpus_catches_a_data_file_of_another_commit(tmp_path):
    """A crash between the renames of a commit, leaving equal row counts (issue 14, #13)."""
    import shutil

    a, b = tmp_path / "a", tmp_path / "b"
    ingest([write_sources(tmp_path / "src-a")], a, IngestConfig())
    ingest([write_sources(tmp_path / "src-b", replace="doctor")], b, IngestConfig())
    assert open_corpus(a).manifest.counts == open_corpus(b).manifest.counts
    shutil.copy(b / "documents.parquet", a / "documents.parquet")  # new documents, old segments
    with pytest.raises(DataError, match=r"documents.parquet: does not match manifest.json .* re-run "
                                        r"`feedcare ingest`"):
        open_corpus(a)
