"""When `feedcare tokens` needs a sentence splitter, and the text it learns from.

Turn units split turns longer than ``max_tokens`` at sentence boundaries, with NLTK Punkt trained
on the corpus itself. Both questions are answered by reading the corpus on the driver (the main
process), for the local and the Spark backend alike.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import pyarrow as pa
import pyarrow.compute as pc
from feedcare.corpus.readers.registry import table_formats
from feedcare.corpus.store.reader import Corpus
from feedcare.corpus.tokens.config import TokensConfig
from feedcare.corpus.tokens.tokenizer import BLOCK_CHARS, StopLists, Tokenizer, blocks


def _rows(batches: Iterable[pa.RecordBatch]) -> Iterator[tuple]:
    for batch in batches:
        yield from zip(*(column.to_pylist() for column in batch.columns), strict=True)


def needs_sentences(corpus: Corpus, config: TokensConfig, stoplists: StopLists) -> bool:
    """Whether any selected turn has more than max_tokens tokens (Punkt training is costly)."""
    if config.unit not in ("auto", "turn", "answer"):
        return False
    split_docs = None  # every document splits its turns
    if config.unit == "auto":
        # Transcripts are few even in a large mixed corpus; comment-table rows are not kept.
        tables = pa.array(sorted(table_formats()), pa.string())
        split_docs = set()
        for batch in corpus.iter_documents(["doc_id", "format"], 65_536):
            is_transcript = pc.invert(pc.is_in(batch.column(1), value_set=tables))
            split_docs.update(batch.column(0).filter(is_transcript).to_pylist())
        if not split_docs:
            return False
    roles = set(config.roles)
    tokenizer = Tokenizer(config, stoplists)
    for batch in corpus.iter_segments(["doc_id", "role", "n_words", "text"], 65_536):
        # A turn has at most as many tokens as words: only long turns need tokenising here.
        long_turns = batch.filter(pc.greater(batch.column(2), config.max_tokens))
        for doc_id, role, _n, text in _rows([long_turns]):
            if role in roles and (split_docs is None or doc_id in split_docs):
                if sum(map(len, tokenizer.chunks(text))) > config.max_tokens:
                    return True
    return False


def punkt_sample(corpus: Corpus, config: TokensConfig) -> list[str]:
    """An evenly spread, deterministic sample of the selected turns, about punkt_sample_chars long."""
    words = corpus.manifest.counts.words
    stride = max(1, (words * 6) // config.punkt_sample_chars)  # ~6 characters per word
    roles = set(config.roles)
    sample, size, index = [], 0, 0
    for role, text in _rows(corpus.iter_segments(["role", "text"], 8192)):
        if role not in roles:
            continue
        if index % stride == 0:
            # A huge turn gives its first block only: Punkt trains on a bounded text.
            sample.append(text if len(text) <= BLOCK_CHARS else text[: blocks(text)[0][1]])
            size += len(text)
            if size >= config.punkt_sample_chars:
                break
        index += 1
    return sample
