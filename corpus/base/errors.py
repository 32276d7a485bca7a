"""Exceptions raised by the feedcare library.

Every error a user can cause carries a one-line message that names the file or option and
says how to fix it, and the process exit code the CLI uses for it. The CLI prints
``str(error)`` and exits with ``error.exit_code``; Python callers can catch the classes.
"""

from __future__ import annotations

# Documented exit codes (README, "Exit codes"); the CLI and tests use these names.
EXIT_OK = 0
EXIT_FINDINGS = 1  # audit found residual identifiers
EXIT_USAGE = 2  # bad option, missing file, bad configuration
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
