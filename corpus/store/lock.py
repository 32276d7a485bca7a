"""The corpus lock: one writer at a time per corpus directory, and no writer while a reader works.

Writers (``ingest``, ``tokens``, a redacted copy) hold :func:`corpus_lock`. Long readers (a
``topics`` run reads the tokens for minutes) hold :func:`reading_lock`, which registers them in
``.feedcare-readers/``: a writer waits for (or refuses) a corpus that a reader is still reading,
so a run never sees the tokens change under it. Both are OS file locks taken through
``filelock`` (``flock`` on POSIX, ``msvcrt`` on Windows): they are released when their holder
dies, so neither can go stale, and the lock files left on disk mean nothing by themselves.
"""

from __future__ import annotations

import contextlib
import os
import re
import time
from collections.abc import Iterator
from pathlib import Path

from feedcare.corpus.base.errors import LockedError, UsageError
from feedcare.corpus.store.schema import HOLDER_FILE, LOCK_FILE, READERS_DIR

_POLL = 0.1


def _file_lock(path: Path):
    from filelock import FileLock  # imported late: the CLI starts without it for --help

    # thread_local=False: a lock taken in one thread may be released from another (Ctrl-C paths).
    return FileLock(str(path), thread_local=False)


def _try(lock) -> bool:
    from filelock import Timeout

    try:
        lock.acquire(timeout=0)
    except Timeout:
        return False
    return True


def _make_dir(directory: Path) -> None:
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"{directory}: cannot create the folder ({exc.strerror})") from None


@contextlib.contextmanager
def corpus_lock(directory: Path, wait: float = 0.0) -> Iterator[None]:
    """Hold the exclusive write lock of a corpus (or run) directory for the duration of a write.

    ``wait`` is how many seconds to wait for another writer, or for a reader registered with
    :func:`reading_lock`, before giving up with :class:`LockedError` (exit code 5).
    """
    directory = Path(directory)
    _make_dir(directory)
    lock = _file_lock(directory / LOCK_FILE)
    deadline = time.monotonic() + max(wait, 0.0)
    while not _try(lock):
        if time.monotonic() >= deadline:
            raise LockedError(
                f"{directory}: the corpus is being written by {_holder(directory)}; wait for it to "
                "finish, or pass --wait SECONDS to wait for it"
            )
        time.sleep(_POLL)
    try:
        reader = _wait_for_readers(directory, deadline)
        if reader is not None:
            raise LockedError(
                f"{directory}: a {reader} is reading this corpus; wait for it to finish, or pass "
                "--wait SECONDS to wait for it"
            )
        holder = directory / HOLDER_FILE
        with contextlib.suppress(OSError):
            holder.write_text(f"feedcare (pid {os.getpid()})", encoding="utf-8")
        try:
            yield
        finally:
            with contextlib.suppress(OSError):
                holder.unlink()
    finally:
        lock.release()


def _holder(directory: Path) -> str:
    try:
        text = (directory / HOLDER_FILE).read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        text = ""
    return text or "another feedcare process"


# --- readers --------------------------------------------------------------------------------

_READER_NAME = re.compile(r"^(?P<label>.*)\.(?P<pid>\d+)\.lock$")


def _wait_for_readers(directory: Path, deadline: float) -> str | None:
    """Sweep the registrations of dead readers; wait for live ones until ``deadline``.

    Returns the description of a reader still working at the deadline, or None.
    """
    readers = directory / READERS_DIR
    while True:
        busy = None
        for path in sorted(readers.glob("*.lock")) if readers.is_dir() else []:
            lock = _file_lock(path)
            if _try(lock):  # nobody holds it: a reader that finished or died
                with contextlib.suppress(OSError):
                    path.unlink()
                lock.release()
            else:
                match = _READER_NAME.match(path.name)
                label = match["label"].replace("_", " ") if match else "feedcare process"
                busy = f"{label} (pid {match['pid']})" if match else label
        if busy is None or time.monotonic() >= deadline:
            return busy
        time.sleep(_POLL)


@contextlib.contextmanager
def reading_lock(directory: Path, label: str, wait: float = 0.0) -> Iterator[None]:
    """Register this process as a reader of the corpus at ``directory`` while the block runs.

    Writers holding :func:`corpus_lock` are waited for (``wait`` seconds, then LockedError);
    while the block runs, writers wait for it or refuse. ``label`` names the reader in their
    message, e.g. "feedcare topics run 20240101-abc".
    """
    directory = Path(directory)
    safe = re.sub(r"[^A-Za-z0-9.-]+", "_", label).strip("_") or "reader"
    path = directory / READERS_DIR / f"{safe}.{os.getpid()}.lock"
    _make_dir(path.parent)
    lock = _file_lock(path)
    # Taken under the write lock, so a writer is never half-way through a commit when a reader
    # starts; writers check the readers after taking the write lock, so the two cannot cross.
    with corpus_lock(directory, wait):
        lock.acquire()
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            path.unlink()
        lock.release()


def is_locked(directory: Path) -> bool:
    """Whether a live process holds the write lock on ``directory`` (e.g. a run being fitted).

    A non-blocking try of the same OS lock, released at once: it never waits, and a lock whose
    holder died reads as free. A lock file that cannot be opened (a read-only copy of a run)
    reads as free too: nobody can be writing there.
    """
    lock_path = Path(directory) / LOCK_FILE
    if not lock_path.is_file():
        return False
    lock = _file_lock(lock_path)
    try:
        if not _try(lock):
            return True
    except OSError:
        return False
    lock.release()
    return False
