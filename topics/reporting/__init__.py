"""Reporting on a run: the methods statement, ``reproduce`` and the review archive (issue 18)."""
