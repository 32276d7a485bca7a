"""The corpus write lock: one writer at a time per corpus directory."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import time
from collections.abc import Iterator
from pathlib import Path

from feedcare.corpus.base.errors import LockedError, UsageError
from feedcare.corpus.store.schema import LOCK_FILE


@contextlib.contextmanager
def corpus_lock(directory: Path, wait: float = 0.0) -> Iterator[None]:
    """Hold an exclusive lock on a corpus directory for the duration of a write.

    ``wait`` is how many seconds to wait for another writer before giving up. The lock is an
    OS-level ``flock``: it is released automatically if the holder dies, so it never goes stale.
    """
    directory = Path(directory)
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"{directory}: cannot create the corpus directory ({exc.strerror})") from None
    lock_path = directory / LOCK_FILE
    handle = open(lock_path, "a+")
    deadline = time.monotonic() + max(wait, 0.0)
    try:
        while True:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES):
                    raise
                if time.monotonic() >= deadline:
                    handle.seek(0)
                    holder = handle.read().strip() or "another process"
                    raise LockedError(
                        f"{directory}: the corpus is being written by {holder}; wait for it to "
                        "finish, or pass --wait SECONDS to wait for it"
                    ) from None
                time.sleep(0.1)
        handle.seek(0)
        handle.truncate()
        handle.write(f"feedcare (pid {os.getpid()})")
        handle.flush()
        yield
    finally:
        handle.close()  # closing releases the flock
