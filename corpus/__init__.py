"""Corpus layer: ingest transcripts and comment tables, read the corpus, tokenise, audit.

Knows nothing of topics or the command line. Public API: :func:`open_corpus`,
:class:`Corpus`, the error classes, the JSON files' classes (:class:`Manifest`,
:class:`TokensMeta`), and the functions re-exported below as they land.
"""

from feedcare.corpus.base.errors import (
    ConfigError,
    DataError,
    FeedcareError,
    InputError,
    LockedError,
    MissingDependencyError,
    UsageError,
)
from feedcare.corpus.base.settings import Settings
from feedcare.corpus.ingest.config import IngestConfig
from feedcare.corpus.ingest.pipeline import IngestAborted, IngestReport, ingest
from feedcare.corpus.store.info import CorpusInfo, corpus_info
from feedcare.corpus.store.reader import Corpus, open_corpus
from feedcare.corpus.store.sidecars import Manifest, TokensMeta
from feedcare.corpus.tokens.config import TokensConfig

__all__ = [
    "ConfigError",
    "Corpus",
    "CorpusInfo",
    "DataError",
    "FeedcareError",
    "IngestAborted",
    "IngestConfig",
    "IngestReport",
    "InputError",
    "LockedError",
    "Manifest",
    "MissingDependencyError",
    "Settings",
    "UsageError",
    "corpus_info",
    "ingest",
    "open_corpus",
    "build_tokens",
    "TokensConfig",
    "TokensMeta",
    "TokensReport",
]


def __getattr__(name: str):
    # build_tokens pulls in NLTK and gensim: import it on first use so `feedcare --help` stays fast.
    if name in ("build_tokens", "TokensReport"):
        from feedcare.corpus.tokens import build as tokens

        return getattr(tokens, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
