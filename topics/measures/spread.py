"""Per-topic spread: how many documents and participants carry a topic, and which topics are narrow.

A topic can be perfectly coherent because one document is: a transcript in another language,
or one long monologue on a side subject, gets a topic of its own whose top terms co-occur in
every one of its units. Such a topic says nothing about the corpus, and if it enters the mean
coherence it decides k. A topic is **narrow** when the units it dominates (highest weight; ties
to the lower topic) all come from at most :data:`NARROW_DOCS` documents, in a corpus of at
least :data:`MIN_DOCS_FOR_NARROW` documents (with fewer, every topic is carried by few).
A topic that dominates no unit at all is not narrow: it is weak everywhere, not one document's.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

NARROW_DOCS = 2
MIN_DOCS_FOR_NARROW = 10


@dataclass(frozen=True)
class TopicSpread:
    n_docs: list[int]  # per topic: documents with at least one unit it dominates
    n_participants: list[int]  # per topic: their distinct participants (the document when none)
    corpus_docs: int

    def narrow(self) -> list[int]:
        """Topics carried by one or two documents (see the module docstring)."""
        if self.corpus_docs < MIN_DOCS_FOR_NARROW:
            return []
        return [t for t, n in enumerate(self.n_docs) if 1 <= n <= NARROW_DOCS]


def topic_spread(blocks: Iterable[tuple[np.ndarray, pa.Table]], k: int) -> TopicSpread:
    """Spread from (weights block, units block with doc_id and participant_id) pairs in step."""
    docs: list[set[str]] = [set() for _ in range(k)]
    people: list[set[str]] = [set() for _ in range(k)]
    all_docs: set[str] = set()
    for weights, units in blocks:
        if not len(weights):
            continue
        dominant = pa.array(np.argmax(weights, axis=1).astype(np.int32))
        doc = units.column("doc_id")
        person = pc.coalesce(units.column("participant_id"), doc)
        pairs = pa.table({"topic": dominant, "doc": doc, "person": person})
        grouped = pairs.group_by(["topic", "doc", "person"]).aggregate([])
        columns = (grouped["topic"].to_pylist(), grouped["doc"].to_pylist(), grouped["person"].to_pylist())
        for topic, d, p in zip(*columns, strict=True):
            docs[topic].add(d)
            people[topic].add(p)
        all_docs.update(pc.unique(doc).to_pylist())
    return TopicSpread([len(s) for s in docs], [len(s) for s in people], len(all_docs))
