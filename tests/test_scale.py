"""The streamed paths give exactly what the in-memory paths give.

Large inputs go through ingest, tokens and topics in record batches (comment tables parked on
disk, Parquet re-cut into fixed row groups, the bag of words re-read per pass). These tests
run the same small inputs both ways, and with different batch sizes, and compare the outputs.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from feedcare.corpus import IngestConfig, ingest, open_corpus
from feedcare.corpus.base.atomic import _PARQUET_OPTIONS
from feedcare.corpus.base.settings import fingerprint
from feedcare.corpus.readers import tables as tablefiles
from feedcare.corpus.store import spill as spill_module
from feedcare.corpus.store.schema import documents_schema
from feedcare.corpus.store.streamwrite import RowGroupWriter
from feedcare.corpus.store.writer import corpus_fingerprint

WORDS = (
    "nurse doctor kind waiting time appointment parking staff friendly rude ward food clean "
    "pain medication discharge reception phone booking helpful caring listened explained"
).split()


def _comments(path: Path, n: int, seed: int = 3, first: int = 0) -> Path:
    rng = np.random.default_rng(seed)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["comment_id", "ward", "feedback"])
        for i in range(first, first + n):
            words = rng.choice(WORDS, size=int(rng.integers(3, 14)))
            text = " ".join(words).capitalize() + ". Très bien, merci!" * int(i % 7 == 0)
            writer.writerow([f"c{i:05d}", f"ward {i % 5}", text if i % 50 else ""])
    return path


def _files(corpus: Path) -> dict[str, bytes]:
    return {name: (corpus / name).read_bytes() for name in ("documents.parquet", "segments.parquet")}


def _manifest(corpus: Path) -> dict:
    manifest = json.loads((corpus / "manifest.json").read_text())
    return {k: v for k, v in manifest.items() if k not in ("created", "updated")}


# --- ingest -------------------------------------------------------------------------------------


def test_ingest_output_does_not_depend_on_the_read_batch_size(tmp_path, monkeypatch):
    table = _comments(tmp_path / "comments.csv", 3000)
    config = IngestConfig(text_column="feedback", id_column="comment_id")
    ingest([table], tmp_path / "default", config)
    monkeypatch.setattr(tablefiles, "_CSV_BLOCK_BYTES", 4096)  # ~100 rows per batch
    monkeypatch.setattr(spill_module, "READ_BATCH_ROWS", 333)
    ingest([table], tmp_path / "small", config)
    assert _files(tmp_path / "small") == _files(tmp_path / "default")
    assert _manifest(tmp_path / "small") == _manifest(tmp_path / "default")
    assert open_corpus(tmp_path / "small").manifest.counts.documents == 3000 - 60  # blanks skipped
    assert not list((tmp_path / "small").glob(".ingest-*"))  # the parked rows are gone


def test_streamed_ingest_writes_the_bytes_of_the_whole_table_writer(tmp_path):
    """Mixed sources interleaved by name: each table streams in at its place in source order."""
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a-interview.txt").write_text("I: Hello?\nP1: The ward was clean.\n", encoding="utf-8")
    _comments(folder / "b-comments.csv", 700)
    (folder / "c-interview.txt").write_text("I: And the food?\nP2: Cold, always cold.\n", encoding="utf-8")
    _comments(folder / "d-comments.csv", 400, seed=5, first=5000)
    corpus = tmp_path / "c"
    ingest([folder], corpus, IngestConfig(text_column="feedback", id_column="comment_id"))
    documents = pq.read_table(corpus / "documents.parquet")
    segments = pq.read_table(corpus / "segments.parquet")
    sources = documents["source"].to_pylist()
    assert sources == sorted(sources) and len(set(sources)) == 4
    rank = {doc_id: i for i, doc_id in enumerate(documents["doc_id"].to_pylist())}
    pairs = zip(segments["doc_id"].to_pylist(), segments["seg"].to_pylist(), strict=True)
    order = [(rank[doc_id], seg) for doc_id, seg in pairs]
    assert order == sorted(order) and len(order) == documents.num_rows + 2  # two 2-turn transcripts

    from feedcare.corpus.store.writer import write_corpus

    manifest = json.loads((corpus / "manifest.json").read_text())
    write_corpus(tmp_path / "whole", documents, segments, options=manifest["options"])
    assert _files(tmp_path / "whole") == _files(corpus)
    whole = json.loads((tmp_path / "whole" / "manifest.json").read_text())
    assert whole["fingerprint"] == manifest["fingerprint"]


def test_an_incremental_ingest_of_tables_equals_a_fresh_one(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    _comments(folder / "a.csv", 500)
    _comments(folder / "b.csv", 300, seed=9, first=1000)
    config = IngestConfig(text_column="feedback", id_column="comment_id")
    ingest([folder], tmp_path / "inc", config)
    _comments(folder / "b.csv", 350, seed=10, first=1000)  # changed: re-read; a.csv is kept
    report = ingest([folder], tmp_path / "inc", config)
    assert report.written and report.files_unchanged == 1
    ingest([folder], tmp_path / "fresh", config)
    assert _files(tmp_path / "inc") == _files(tmp_path / "fresh")
    assert _manifest(tmp_path / "inc")["fingerprint"] == _manifest(tmp_path / "fresh")["fingerprint"]


def test_the_vectorised_fingerprint_equals_hashing_the_sorted_pairs():
    ids = ["b2", "a1", "é3", "a1", "Z9", "😀", 'q"uote\\']  # a repeat, non-ASCII, JSON escapes
    shas = ["ff", "00", "ab", "0a", "ff", "c3", "00"]
    schema = documents_schema(["ward"])
    columns = {name: pa.nulls(len(ids), schema.field(name).type) for name in schema.names}
    columns.update(doc_id=pa.array(ids), sha256=pa.array(shas))
    table = pa.table(columns)
    options = {"parsing": {"text_column": "feedback", "é": None}, "reader_version": "1"}
    expected = fingerprint(sorted(zip(ids, shas, strict=True)), ["ward"], options)
    assert corpus_fingerprint(table, options) == expected


def test_row_group_writer_matches_write_table_whatever_the_batches(tmp_path):
    rng = np.random.default_rng(0)
    n = 1000
    table = pa.table({"id": [f"u{i}" for i in range(n)], "x": rng.integers(0, 9, n),
                      "text": pa.array(["w" * int(k) for k in rng.integers(0, 40, n)], pa.large_string())})
    pq.write_table(table, tmp_path / "whole.parquet", row_group_size=128, **_PARQUET_OPTIONS)
    with RowGroupWriter(tmp_path / "streamed.parquet", table.schema, row_group_rows=128) as writer:
        start = 0
        for size in (1, 300, 7, 0, 129, 563):
            writer.write(table.slice(start, size))
            start += size
    assert (tmp_path / "streamed.parquet").read_bytes() == (tmp_path / "whole.parquet").read_bytes()


# --- topics: the streamed bag of words against an in-memory list ---------------------------------


@pytest.fixture(scope="module")
def tokenised(tmp_path_factory) -> Path:
    from feedcare.corpus.tokens.build import build_tokens
    from feedcare.corpus.tokens.config import TokensConfig

    tmp = tmp_path_factory.mktemp("scale")
    table = _comments(tmp / "comments.csv", 1500, seed=11)
    ingest([table], tmp / "c", IngestConfig(text_column="feedback", id_column="comment_id"))
    build_tokens(open_corpus(tmp / "c"), TokensConfig(no_below=2, phrases=False), jobs=1)
    return tmp / "c"


@pytest.mark.slow
def test_streamed_bag_of_words_gives_the_topics_of_an_in_memory_corpus(tokenised):
    from feedcare.topics import TopicsConfig
    from feedcare.topics.engines import gensim_lda as gensim_engine
    from feedcare.topics.fit.bow import BowCorpus, load_terms
    from gensim.corpora import Dictionary
    from gensim.models import LdaModel

    terms = load_terms(pq.read_table(tokenised / "vocabulary.parquet"))
    settings = gensim_engine.settings(TopicsConfig(k=4, seed=7, seeds=1, passes=2, chunksize=300))
    streamed = BowCorpus(tokenised / "tokens.parquet", batch_size=97)  # batches unlike gensim's chunks
    result = gensim_engine.fit(streamed, terms, 4, 7, settings)

    # The in-memory path a gensim user would write: token lists → doc2bow → a list.
    dictionary = Dictionary()
    dictionary.token2id = {term: i for i, term in enumerate(terms)}
    token_lists = pq.read_table(tokenised / "tokens.parquet", columns=["tokens"])["tokens"].to_pylist()
    in_memory = [dictionary.doc2bow(tokens) for tokens in token_lists]
    assert list(streamed) == in_memory
    params = ("passes", "iterations", "alpha", "eta", "chunksize", "update_every", "gamma_threshold",
              "decay", "offset")
    model = LdaModel(in_memory, num_topics=4, id2word=dict(enumerate(terms)), random_state=7,
                     eval_every=None, **{name: settings[name] for name in params})
    topic_term = model.state.get_lambda().astype(np.float64)  # feedcare normalises in float64
    np.testing.assert_array_equal(result.topic_term, topic_term / topic_term.sum(axis=1, keepdims=True))
    gamma = model.inference(in_memory)[0].astype(np.float64)
    np.testing.assert_array_equal(result.doc_topic.to_array(), gamma / gamma.sum(axis=1, keepdims=True))
    assert result.doc_topic.shape == (len(in_memory), 4)
    blocks = list(result.doc_topic.batches(rows=50))  # read back in other blocks: the same rows
    np.testing.assert_array_equal(np.concatenate(blocks), result.doc_topic.to_array())


# --- tokens: vectorised phrase joining ------------------------------------------------------------


def test_vectorised_phrase_joining_equals_gensims_greedy_rule():
    from feedcare.corpus.tokens.phrases import apply_phrases
    from feedcare.corpus.tokens.vocabulary import _flat_tokens

    rng = np.random.default_rng(4)
    vocab = ["a", "b", "c", "d", "chest", "pain"]
    table = frozenset({"a_b", "b_c", "c_a", "chest_pain", "a_a"})  # overlapping runs: a b c a a b

    def chunk() -> list[str]:
        return [str(w) for w in rng.choice(vocab, size=int(rng.integers(0, 7)))]

    units = [[chunk() for _ in range(int(rng.integers(0, 4)))] for _ in range(400)]
    chunks = pa.array(units, pa.list_(pa.list_(pa.string())))
    expected = [apply_phrases(unit, table) for unit in units]
    assert _flat_tokens(chunks, table).to_pylist() == expected
    assert _flat_tokens(chunks, frozenset()).to_pylist() == [apply_phrases(u, frozenset()) for u in units]
    assert any("a_b" in e for e in expected) and any(e.count("a") and "b_c" in e for e in expected)
