"""Runs on disk: the run directory a sweep writes and themes reads (``rundir``), run ids and
listing past runs (``listing``).
"""
