"""Plumbing every layer uses: errors and their exit codes, progress events, atomic file writes,
and the feedcare.toml settings loader.

Owns: ``errors`` (FeedcareError and its subclasses, each with an exit code), ``progress``
(callbacks without a UI), ``atomic`` (temp file + fsync + rename for Parquet, JSON, text),
``settings`` (finding, reading and validating feedcare.toml sections). Imports nothing else of
feedcare: everything else may import it.
"""
