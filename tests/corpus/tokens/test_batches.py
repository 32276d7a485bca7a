"""corpus/tokens/batches.py: whole documents with exactly their turns, in batches for the workers."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from feedcare.corpus import open_corpus
from feedcare.corpus.base.errors import DataError
from feedcare.corpus.store.schema import SEGMENTS
from feedcare.corpus.store.writer import write_corpus
from feedcare.corpus.tokens.batches import Reading, doc_batches, resolve_mode
from feedcare.corpus.tokens.config import TokensConfig
from helpers import build_corpus


def interviews(n_docs: int, turns_per_doc: int) -> dict[str, list[tuple[str, str, str]]]:
    docs = {}
    for d in range(n_docs):
        turns = []
        for t in range(turns_per_doc):
            role = "interviewer" if t % 2 == 0 else "participant"
            turns.append(("I" if role == "interviewer" else f"P{d}", role, f"doc {d} turn {t} words"))
        docs[f"d{d:02d}"] = turns
    return docs


@pytest.fixture
def corpus(tmp_path):
    docs = interviews(7, 4)
    docs["d03"] = []  # a document without turns
    docs["d05"] = interviews(1, 9)["d00"]  # a long one
    return open_corpus(build_corpus(tmp_path / "c", docs))


def test_batches_hold_whole_documents_with_exactly_their_turns(corpus):
    reading = Reading()
    batches = list(doc_batches(corpus, TokensConfig(batch_size=5), reading))
    assert len(batches) > 2
    seen = []
    for batch in batches:
        doc_ids = batch.documents["doc_id"].to_pylist()
        seen += doc_ids
        expected = [d for d, n in zip(doc_ids, batch.documents["n_segments"].to_pylist(), strict=True)
                    for _ in range(n)]
        assert batch.segments["doc_id"].to_pylist() == expected
    assert seen == [f"d{d:02d}" for d in range(7)]  # corpus order, each document once


def test_a_batch_holds_about_batch_size_turns(corpus):
    # Documents are grouped by the batch_size window their last turn falls in: after its first
    # document, a batch adds fewer than batch_size turns.
    for batch in doc_batches(corpus, TokensConfig(batch_size=5), Reading()):
        first = batch.documents["n_segments"][0].as_py()
        assert batch.segments.num_rows - first < 5
    sizes = [b.documents.num_rows for b in doc_batches(corpus, TokensConfig(batch_size=1000), Reading())]
    assert sizes == [7]


def test_workers_get_only_the_modelled_roles(corpus):
    batch = next(doc_batches(corpus, TokensConfig(batch_size=1000), Reading()))
    turns = {doc.doc_id: doc for doc in batch.doc_turns()}
    assert [t.speaker for t in turns["d00"].turns] == ["P0", "P0"]  # interviewer turns left out
    assert [t.seg for t in turns["d00"].turns] == [1, 3]
    assert turns["d03"].turns == () and turns["d00"].mode == "turn"
    everyone = next(doc_batches(corpus, TokensConfig(batch_size=1000, roles=("interviewer", "participant")),
                                Reading()))
    assert len(everyone.doc_turns()[0].turns) == 4


def test_reading_counts_documents_turns_roles_and_unit_modes(corpus):
    reading = Reading()
    for _ in doc_batches(corpus, TokensConfig(batch_size=3), reading):
        pass
    assert (reading.documents, reading.turns) == (7, 5 * 4 + 9)
    assert reading.selected == 2 * 5 + 4  # participant turns
    assert dict(reading.excluded) == {"interviewer": 2 * 5 + 5}
    assert dict(reading.modes) == {"turn": 7}


def test_auto_mode_is_whole_documents_for_table_rows():
    assert resolve_mode("auto", "csv") == "document" and resolve_mode("auto", "parquet") == "document"
    assert resolve_mode("auto", "docx") == "turn" and resolve_mode("window", "csv") == "window"


def test_turns_out_of_document_order_are_a_data_error(corpus):
    segments = pq.read_table(corpus.segments_path)
    swapped = pa.concat_tables([segments.slice(4), segments.slice(0, 4)]).cast(SEGMENTS)
    # Through the writer: a file written past it is caught earlier, by open_corpus.
    write_corpus(corpus.path, corpus.documents(), swapped, options=corpus.manifest.options)
    with pytest.raises(DataError, match="turns are not in document order at 'd00'; re-run `feedcare ingest`"):
        list(doc_batches(open_corpus(corpus.path), TokensConfig(batch_size=1000), Reading()))
