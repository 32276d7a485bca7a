"""Themes of a finished run: labels and ``[themes]`` settings (``config``), excerpts,
prevalence and spread, assembled by ``build``. The exports are in :mod:`feedcare.topics.exports`.
"""
