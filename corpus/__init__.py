"""Corpus layer: ingest transcripts and comment tables, read the corpus, tokenise, audit.

Knows nothing of topics or the command line. Public API: :func:`open_corpus`,
:class:`Corpus`, the error classes, and the functions re-exported below as they land.
"""

from .corpus import Corpus, open_corpus
from .errors import (
    ConfigError,
    DataError,
    FeedcareError,
    InputError,
    LockedError,
    MissingDependencyError,
    UsageError,
)

__all__ = [
    "ConfigError",
    "Corpus",
    "DataError",
    "FeedcareError",
    "InputError",
    "LockedError",
    "MissingDependencyError",
    "UsageError",
    "open_corpus",
]
