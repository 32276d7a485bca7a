"""The planted corpus the guided-topic tests share (one per test module)."""

from __future__ import annotations

import pytest
from topics_fixtures import corpus_with_tokens, planted_units


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    """(corpus directory, planted topics' top-10 terms): 300 units from 5 planted topics."""
    units, truth = planted_units(n_docs=300, n_topics=5, words_per_topic=15, seed=7)
    return corpus_with_tokens(tmp_path_factory.mktemp("planted") / "c", units), truth
