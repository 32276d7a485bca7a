"""Acceptance on the real NHS Friends and Family Test comments (10,334 rows, `feedback` column)."""

from __future__ import annotations

import re

import pyarrow.parquet as pq
import pytest
from conftest import NHS_CSV, needs
from feedcare.corpus import IngestConfig, ingest, open_corpus
from feedcare.corpus.tokens.build import build_tokens

pytestmark = needs(NHS_CSV)


@pytest.fixture(scope="module")
def fft(tmp_path_factory):
    corpus_dir = tmp_path_factory.mktemp("fft") / "corpus"
    ingest([NHS_CSV], corpus_dir, IngestConfig(text_column="feedback"))
    corpus = open_corpus(corpus_dir)
    return corpus, build_tokens(corpus, jobs=2)


def test_the_xxxx_redaction_marker_is_no_longer_a_term(fft):
    corpus, report = fft
    # Before issue 13 'xxxx' was the 17th most frequent term (398 times).
    vocabulary = pq.read_table(corpus.vocabulary_path, columns=["term"])["term"].to_pylist()
    assert not [t for t in vocabulary if re.fullmatch(r"x{3,}\w*|redacted", t)]
    assert report.summary.removed["markers"] >= 400
    tokens = pq.read_table(corpus.tokens_path, columns=["tokens"])["tokens"].to_pylist()
    assert not [t for unit in tokens for t in unit if "xxx" in t]


def test_no_comment_is_left_out_for_its_language(fft):
    _, report = fft
    assert report.summary.documents_left_out_language == 0
    assert set(report.summary.languages) == {"en", "und"}
