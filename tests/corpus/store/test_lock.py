"""The corpus lock: cross-platform (filelock), never left behind in a way that confuses later commands,
and the reader registration that keeps writers away from a corpus a `topics` run is reading."""

from __future__ import annotations

import multiprocessing
import subprocess
import sys

import pytest
from feedcare.corpus import IngestConfig, ingest, open_corpus
from feedcare.corpus.base.errors import DataError, LockedError
from feedcare.corpus.store.lock import corpus_lock, is_locked, reading_lock


def test_the_cli_imports_where_fcntl_does_not_exist():
    """`import fcntl` at module level stopped the whole CLI on Windows (issue 14, #16)."""
    code = (
        "import sys; sys.modules['fcntl'] = None\n"
        "from feedcare.cli import app\n"
        "from feedcare.corpus.store import lock\n"
        "print('ok')\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "ok"


def test_a_failed_first_ingest_leaves_no_lock_that_hides_the_fix(tmp_path):
    """After a first ingest that wrote nothing, commands say "run ingest", not "not a corpus"."""
    source = tmp_path / "src"
    source.mkdir()
    (source / "empty.txt").write_text("")
    corpus = tmp_path / "c"
    report = ingest([source], corpus, IngestConfig())
    assert not report.written and report.skipped
    with pytest.raises(DataError, match="no corpus here; create one with `feedcare ingest"):
        open_corpus(corpus)


def test_leftover_lock_and_staging_files_do_not_make_a_folder_foreign(tmp_path):
    corpus = tmp_path / "c"
    with corpus_lock(corpus):
        (corpus / ".ingest-99999999").mkdir()
    with pytest.raises(DataError, match="no corpus here"):
        open_corpus(corpus)


def _hold_reader(path, ready, release):
    with reading_lock(path, "topics run r1"):
        ready.set()
        release.wait(30)


def test_a_writer_refuses_while_a_reader_holds_the_corpus_and_waits_with_wait(tmp_path):
    corpus = tmp_path / "c"
    corpus.mkdir()
    ctx = multiprocessing.get_context("spawn")
    ready, release = ctx.Event(), ctx.Event()
    reader = ctx.Process(target=_hold_reader, args=(corpus, ready, release))
    reader.start()
    try:
        assert ready.wait(60)
        with pytest.raises(LockedError, match=r"topics run r1 \(pid \d+\) is reading this corpus"):
            with corpus_lock(corpus):
                pass
    finally:
        release.set()
        reader.join(30)
    with corpus_lock(corpus, wait=5):  # the reader is gone: its registration is not in the way
        pass
    assert not list((corpus / ".feedcare-readers").glob("*.lock"))


def test_a_killed_reader_does_not_block_writers(tmp_path):
    corpus = tmp_path / "c"
    corpus.mkdir()
    ctx = multiprocessing.get_context("spawn")
    ready, release = ctx.Event(), ctx.Event()
    reader = ctx.Process(target=_hold_reader, args=(corpus, ready, release))
    reader.start()
    assert ready.wait(60)
    reader.kill()
    reader.join(30)
    with corpus_lock(corpus):  # the OS released the dead reader's lock; its file is swept
        pass
    assert not list((corpus / ".feedcare-readers").glob("*.lock"))


def _hold_writer(directory, ready, release):
    with corpus_lock(directory):
        ready.set()
        release.wait(60)


def test_is_locked_sees_a_live_writer_only_and_takes_nothing(tmp_path):
    """`runs list` says "running" only while a process holds the run's lock (a killed one: not)."""
    run = tmp_path / "run"
    run.mkdir()
    assert not is_locked(run)  # never locked: no lock file
    ctx = multiprocessing.get_context("spawn")
    for stop in ("release", "kill"):
        ready, release = ctx.Event(), ctx.Event()
        holder = ctx.Process(target=_hold_writer, args=(run, ready, release))
        holder.start()
        assert ready.wait(60)
        assert is_locked(run) and is_locked(run)  # probing twice takes nothing
        if stop == "release":
            release.set()
        else:
            holder.kill()
        holder.join(30)
        assert not is_locked(run), stop
    with corpus_lock(run):  # the probes left the lock free for a writer
        pass
