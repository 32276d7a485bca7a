"""topics/fit/doctopics.py: the unit × topic rows parked on disk and read back in blocks."""

from __future__ import annotations

import numpy as np
import pytest
from feedcare.topics.fit.doctopics import DocTopics, DocTopicsWriter


def rows(n: int, k: int, seed: int = 0) -> np.ndarray:
    matrix = np.random.default_rng(seed).random((n, k))
    return matrix / matrix.sum(axis=1, keepdims=True)


def test_rows_written_in_batches_come_back_in_any_block_size_as_often_as_asked():
    expected = rows(10, 3)
    writer = DocTopicsWriter(10, 3)
    for start in (0, 4, 5):
        writer.add(expected[start : {0: 4, 4: 5, 5: 10}[start]])
    doc_topics = writer.finish()
    assert doc_topics.shape == (10, 3)
    assert [len(b) for b in doc_topics.batches(rows=4)] == [4, 4, 2]
    np.testing.assert_array_equal(np.concatenate(list(doc_topics.batches(rows=4))), expected)
    np.testing.assert_array_equal(doc_topics.to_array(), expected)  # read again: same rows


def test_an_in_memory_matrix_reads_the_same_way():
    expected = rows(7, 2)
    doc_topics = DocTopics.from_array(expected)
    assert doc_topics.shape == (7, 2)
    np.testing.assert_array_equal(np.concatenate(list(doc_topics.batches(rows=3))), expected)


def test_too_few_rows_mean_the_tokens_changed_while_read():
    writer = DocTopicsWriter(5, 2)
    writer.add(rows(4, 2))
    with pytest.raises(ValueError, match=r"tokens.parquet changed while it was read \(4 units, expected 5\)"):
        writer.finish()


def test_rows_of_another_width_are_refused():
    with pytest.raises(ValueError, match="must have 3 columns"):
        DocTopicsWriter(5, 3).add(rows(2, 4))


def test_an_empty_result_has_no_blocks():
    doc_topics = DocTopicsWriter(0, 4).finish()
    assert list(doc_topics.batches()) == [] and doc_topics.to_array().shape == (0, 4)
