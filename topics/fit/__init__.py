"""Fitting topic models: the bag-of-words stream (``bow``), one fit (``fitting``), the k × seed
sweep across worker processes (``sweep``), the unit × topic matrix on disk (``doctopics``) and
``fit_topics`` (``pipeline``), which writes the run directory.
"""
