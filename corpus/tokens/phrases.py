"""Collocations as single tokens (``chest_pain``, ``nhs_choices``) with gensim ``Phrases``.

Counting is split from scoring so it can run in worker processes: each batch of chunks is
counted with :func:`count_pairs` (the same unigram and bigram counts gensim's
``Phrases._learn_vocab`` collects), the main process merges the counts in corpus order
(:class:`PhraseCounter`), and gensim scores them and exports the phrases. Applying the phrases
(:func:`apply_phrases`) is gensim's greedy left-to-right joining without connector words.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from feedcare.corpus.tokens.config import TokensConfig

DELIMITER = "_"
# gensim prunes its pair counts above this size to bound memory (its default is 40M).
MAX_VOCAB_SIZE = 20_000_000


def count_pairs(chunks: Iterable[list[str]], vocab: dict[str, int]) -> int:
    """Add unigram and adjacent-pair counts of ``chunks`` to ``vocab``; return the words seen."""
    words = 0
    get = vocab.get
    for chunk in chunks:
        previous = None
        for word in chunk:
            vocab[word] = get(word, 0) + 1
            if previous is not None:
                pair = previous + DELIMITER + word
                vocab[pair] = get(pair, 0) + 1
            previous = word
        words += len(chunk)
    return words


@dataclass(frozen=True)
class Phrase:
    phrase: str
    count: int
    score: float

    def as_dict(self) -> dict[str, object]:
        return {"phrase": self.phrase, "count": self.count, "score": round(self.score, 4)}


class PhraseCounter:
    """Merges per-batch counts (in corpus order) and scores them with gensim ``Phrases``."""

    def __init__(self, config: TokensConfig) -> None:
        self.config = config
        self.vocab: dict[str, int] = {}
        self.words = 0
        self._min_reduce = 1

    def add(self, vocab: dict[str, int], words: int) -> None:
        merged = self.vocab
        get = merged.get
        for key, count in vocab.items():
            merged[key] = get(key, 0) + count
        self.words += words
        if len(merged) > MAX_VOCAB_SIZE:
            from gensim import utils

            utils.prune_vocab(merged, self._min_reduce)
            self._min_reduce += 1

    def phrases(self) -> list[Phrase]:
        """The phrases found, most frequent first (ties by score, then alphabetically)."""
        from gensim.models.phrases import Phrases

        model = Phrases(
            min_count=self.config.phrases_min_count,
            threshold=self.config.phrases_threshold,
            scoring=self.config.phrases_scoring,
            delimiter=DELIMITER,
            max_vocab_size=MAX_VOCAB_SIZE,
        )
        model.vocab = self.vocab
        model.corpus_word_count = self.words
        found = model.export_phrases()
        phrases = [Phrase(p, self.vocab[p], float(score)) for p, score in found.items()]
        phrases.sort(key=lambda p: (-p.count, -p.score, p.phrase))
        return phrases


def apply_phrases(chunks: Iterable[list[str]], table: frozenset[str] | set[str]) -> list[str]:
    """Flatten ``chunks`` into one token list, joining known pairs greedily left to right.

    ``table`` holds the joined phrases (``"chest_pain"``); tokens never contain the delimiter,
    so a joined pair is unambiguous. Gives the same tokens as gensim's ``FrozenPhrases[chunk]``
    (without connector words), chunk by chunk, so phrases never cross a chunk boundary.
    """
    out: list[str] = []
    if not table:
        for chunk in chunks:
            out.extend(chunk)
        return out
    for chunk in chunks:
        n = len(chunk)
        i = 0
        while i < n:
            word = chunk[i]
            if i + 1 < n:
                joined = word + DELIMITER + chunk[i + 1]
                if joined in table:
                    out.append(joined)
                    i += 2
                    continue
            out.append(word)
            i += 1
    return out
