"""A full disk (ENOSPC) in ingest, tokens, topics and on stdout: one line, exit 2, nothing lost.

For real on a small tmpfs where the machine allows mounting one (root on Linux); everywhere with
a write failure injected into the one place feedcare writes files.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest
from fault_tools import Ours, leftovers, snapshot, write_interviews

pytestmark = pytest.mark.slow

CORPUS_FILES = ("documents.parquet", "segments.parquet", "manifest.json")
TOKEN_FILES = ("tokens.parquet", "vocabulary.parquet", "tokens.json")
EXIT_USAGE = 2


@contextlib.contextmanager
def small_disk(base: Path, size: str):
    """A tmpfs of ``size`` mounted in ``base``; skips with the reason when that is not possible."""
    mount = base / f"disk-{uuid.uuid4().hex[:8]}"
    mount.mkdir()
    if os.name != "posix" or not shutil.which("mount"):
        pytest.skip("mounting a small tmpfs needs a POSIX system with mount(8)")
    proc = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mount)],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({proc.stderr.strip() or 'not root?'}); "
                    "the injected write failure below still runs")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)


def fill(disk: Path, leave: int = 0) -> None:
    """Fill the disk up, leaving about ``leave`` bytes free."""
    stat = os.statvfs(disk)
    free = stat.f_bavail * stat.f_frsize
    with open(disk / "filler", "wb") as handle:
        with contextlib.suppress(OSError):
            handle.write(b"\0" * max(0, free - leave))


def assert_one_line_no_traceback(result, what: str) -> None:
    assert result.returncode == EXIT_USAGE, f"{what}: exit {result.returncode}\n{result.stderr}"
    assert "Traceback" not in result.stderr, f"{what}: {result.stderr}"
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: "), f"{what}: {result.stderr}"
    assert "no space left" in lines[0].lower() and "free some space" in lines[0], lines[0]


def test_a_full_disk_in_every_writing_command(tmp_path):
    src = write_interviews(tmp_path / "src", 40, seed=3)
    more = write_interviews(tmp_path / "more", 80, seed=4)
    with small_disk(tmp_path, "8m") as disk:
        ours = Ours(disk)
        ours.run("ingest", src, "--corpus", "c")
        ours.run("tokens", "--corpus", "c", "--jobs", "1")
        before = snapshot(disk / "c", CORPUS_FILES + TOKEN_FILES)

        fill(disk, leave=4096)
        result = ours.run("ingest", src, more, "--corpus", "c", check=False)
        assert_one_line_no_traceback(result, "ingest")
        result = ours.run("tokens", "--corpus", "c", "--jobs", "1", "--force", check=False)
        assert_one_line_no_traceback(result, "tokens")
        result = ours.run("topics", "--corpus", "c", "--k", "2", "--seeds", "1", "--passes", "1",
                          "--jobs", "1", "--run-id", "full", check=False)
        assert_one_line_no_traceback(result, "topics")
        assert snapshot(disk / "c", CORPUS_FILES + TOKEN_FILES) == before  # nothing lost or half-written
        assert [p for p in leftovers(disk / "c") if not p.startswith("runs")] == []

        with open(disk / "out.txt", "w") as out:  # stdout itself on the full disk
            proc = subprocess.run([*ours.command("corpus", "info", "--corpus", "c")], cwd=disk, env=ours.env,
                                  stdout=out, stderr=subprocess.PIPE, text=True)
        assert_one_line_no_traceback(proc, "stdout")

        (disk / "filler").unlink()  # space again: everything works and leaves nothing behind
        ours.run("ingest", src, more, "--corpus", "c")
        ours.run("tokens", "--corpus", "c", "--jobs", "1")
        ours.run("topics", "--corpus", "c", "--k", "2", "--seeds", "1", "--passes", "1", "--jobs", "1",
                 "--run-id", "full")
        assert leftovers(disk / "c") == []


def test_an_injected_write_failure_is_one_line_and_keeps_the_corpus(tmp_path, invoke, monkeypatch):
    """The same without a tmpfs: every write goes through atomic_path, so fail it there."""
    from feedcare.corpus.base import atomic

    src = write_interviews(tmp_path / "src", 10, seed=5)
    corpus = tmp_path / "c"
    assert invoke("ingest", src, "--corpus", corpus).exit_code == 0
    before = snapshot(corpus, CORPUS_FILES)
    real = atomic.atomic_path

    @contextlib.contextmanager
    def full(path):
        with real(path) as tmp:
            yield tmp
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(tmp))

    monkeypatch.setattr(atomic, "atomic_path", full)
    write_interviews(src, 12, seed=6)  # changed and new files: the ingest must write
    result = invoke("ingest", src, "--corpus", corpus)
    assert result.exit_code == EXIT_USAGE
    assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1
    assert "no space left on the device" in result.stderr
    assert snapshot(corpus, CORPUS_FILES) == before
    assert leftovers(corpus) == []


def test_a_closed_stdout_ends_quietly(tmp_path):
    """`feedcare ... | head`: the reader stops early; no traceback, exit 0."""
    src = write_interviews(tmp_path / "src", 30, seed=7)
    ours = Ours(tmp_path)
    ours.run("ingest", src, "--corpus", "c")
    proc = subprocess.Popen([*ours.command("kwic", "nurse", "--corpus", "c")], cwd=tmp_path, env=ours.env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.read(10)
    proc.stdout.close()  # like head after its lines
    stderr = proc.stderr.read().decode()
    assert proc.wait(60) == 0, stderr
    assert "Traceback" not in stderr and "Exception ignored" not in stderr, stderr
