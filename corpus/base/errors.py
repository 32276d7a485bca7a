"""Exceptions raised by the feedcare library.

Every error a user can cause carries a one-line message that names the file or option and
says how to fix it, and the process exit code the CLI uses for it. The CLI prints
``str(error)`` and exits with ``error.exit_code``; Python callers can catch the classes.
"""

from __future__ import annotations

import errno

# Documented exit codes (README, "Exit codes"); the CLI and tests use these names.
EXIT_OK = 0
EXIT_FINDINGS = 1  # audit found residual identifiers
EXIT_USAGE = 2  # bad option, missing file, bad configuration; a disk full or a path not writable
EXIT_SKIPPED = 3  # ingest: some inputs were skipped, the rest was ingested
EXIT_DATA = 4  # a corpus, tokens or run directory is missing, stale or damaged
EXIT_BUSY = 5  # another feedcare process holds the corpus lock
EXIT_INTERRUPTED = 130


class FeedcareError(Exception):
    """Base class: a problem the user can fix; the message says how."""

    exit_code = EXIT_USAGE

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class UsageError(FeedcareError):
    """A bad option value, path or combination of options."""

    exit_code = EXIT_USAGE


class ConfigError(UsageError):
    """A bad key or value in feedcare.toml (or a themes/labels file)."""


class InputError(FeedcareError):
    """An input file that cannot be read (reported per file by ingest)."""

    exit_code = EXIT_USAGE


class DataError(FeedcareError):
    """A corpus, tokens file or run directory that is missing, stale or damaged."""

    exit_code = EXIT_DATA


class LockedError(FeedcareError):
    """Another feedcare process is writing the same corpus."""

    exit_code = EXIT_BUSY


class MissingDependencyError(UsageError):
    """An optional package is needed for the requested feature."""


_FIXES = {
    errno.ENOSPC: "no space left on the device; free some space and run the command again (the "
                  "previous files were kept)",
    errno.EDQUOT: "disk quota exceeded; free some space and run the command again (the previous "
                  "files were kept)",
    errno.EACCES: "permission denied; check the permissions of the file and its folder",
    errno.EPERM: "operation not permitted; check the permissions of the file and its folder",
    errno.EROFS: "read-only file system; choose a folder you can write to",
    errno.ENAMETOOLONG: "file name too long; choose a shorter path",
    errno.EMFILE: "too many open files; raise the limit (ulimit -n) and run the command again",
}


def os_errno(exc: OSError) -> int | None:
    """The error number, also when only the message has it (pyarrow's "[errno 28] ...")."""
    if exc.errno is not None:
        return exc.errno
    text = str(exc).lower()
    return next((known for known in _FIXES if f"errno {known}]" in text), None)


def os_error_message(exc: OSError, where: str | None = None) -> str:
    """One line for an error of the operating system: the path, what happened, the fix."""
    code = os_errno(exc)
    what = _FIXES.get(code) if code is not None else None
    if what is None:
        what = (exc.strerror or str(exc) or type(exc).__name__).splitlines()[0]
    where = exc.filename if isinstance(exc.filename, str) else where
    return f"{where or 'cannot write the output'}: {what}"
