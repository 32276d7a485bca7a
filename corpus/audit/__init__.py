"""Residual identifiers: the detectors (``identifiers``), ``feedcare audit`` over a corpus or
source files (``scan``) and the redacted copy with its key file (``redact``).
"""
