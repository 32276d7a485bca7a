"""feedcare: reproducible thematic analysis of interview transcripts and free-text feedback.

The library lives in three sub-packages: :mod:`feedcare.corpus` (ingest, tokens, audit),
:mod:`feedcare.topics` (LDA runs, measures, themes and exports) and :mod:`feedcare.cli`.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("feedcare")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"
