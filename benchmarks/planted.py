"""Comment tables drawn from known topics by the LDA generative process, at any size.

The same process as ``tests/topics_fixtures.planted_units`` (each topic puts most of its mass on
its own words with Zipf-like weights, documents mix topics with a sparse Dirichlet), vectorised
so that 100,000 documents take seconds, and written as a comment table a user could ingest.
Words are made-up lower-case syllable strings ending in a vowel, so the tokenizer keeps them as
they are (run ``feedcare tokens --no-phrases --no-lemmatize``). A fit that works finds the
planted topics' top-10 terms again; :func:`recovery` measures how well.

    python -m benchmarks.planted 10000     # benchmarks/data/planted-10000.csv and its truth
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from .generate import DATA

N_TOPICS = 10
WORDS_PER_TOPIC = 20
BACKGROUND = 0.10  # share of each topic's mass spread over the whole vocabulary
DOC_ALPHA = 0.2
MIN_LEN, MAX_LEN = 10, 30  # tokens per comment: short, like feedback comments
_CONSONANTS = "bdfgklmnprtvz"
_VOWELS = "aeiou"


def _words(n: int, rng: np.random.Generator) -> list[str]:
    """``n`` distinct three-syllable pseudo-words (consonant-vowel syllables)."""
    seen: set[str] = set()
    out: list[str] = []
    while len(out) < n:
        word = "".join(rng.choice(list(_CONSONANTS)) + rng.choice(list(_VOWELS)) for _ in range(3))
        if word not in seen:
            seen.add(word)
            out.append(word)
    return out


def planted_table(n_docs: int, seed: int = 7, n_topics: int = N_TOPICS,
                  words_per_topic: int = WORDS_PER_TOPIC) -> tuple[pa.Table, list[list[str]]]:
    """A table (comment_id, topic = each comment's largest planted topic, text) and the truth."""
    rng = np.random.default_rng(seed)
    vocab = _words(n_topics * words_per_topic, rng)
    n_vocab = len(vocab)
    beta = np.full((n_topics, n_vocab), BACKGROUND / n_vocab)
    zipf = 1.0 / np.arange(1, words_per_topic + 1)
    for t in range(n_topics):
        beta[t, t * words_per_topic : (t + 1) * words_per_topic] += (1 - BACKGROUND) * zipf / zipf.sum()
    beta /= beta.sum(axis=1, keepdims=True)
    cdf = np.cumsum(beta, axis=1)
    cdf[:, -1] = 1.0
    theta = rng.dirichlet(np.full(n_topics, DOC_ALPHA), size=n_docs)
    lengths = rng.integers(MIN_LEN, MAX_LEN + 1, size=n_docs)
    doc = np.repeat(np.arange(n_docs), lengths)
    theta_cdf = np.cumsum(theta, axis=1)
    theta_cdf[:, -1] = 1.0
    z = (rng.random(len(doc))[:, None] > theta_cdf[doc]).sum(axis=1)
    u = rng.random(len(doc))
    w = np.empty(len(doc), dtype=np.int64)
    for t in range(n_topics):
        at = z == t
        w[at] = np.minimum(np.searchsorted(cdf[t], u[at], side="right"), n_vocab - 1)
    words = np.asarray(vocab, dtype=object)[w]
    bounds = np.concatenate([[0], np.cumsum(lengths)])
    texts = [" ".join(words[bounds[i] : bounds[i + 1]]) for i in range(n_docs)]
    truth = [[vocab[i] for i in np.argsort(-beta[t], kind="stable")[:10]] for t in range(n_topics)]
    table = pa.table({
        "comment_id": [f"p{i:07d}" for i in range(n_docs)],
        "topic": [f"t{t}" for t in theta.argmax(axis=1)],
        "text": texts,
    })
    return table, truth


def write_planted(n_docs: int, directory: Path = DATA, seed: int = 7) -> tuple[Path, list[list[str]]]:
    """Write (once) planted-<n>.csv and planted-<n>.json (the true topics); returns both."""
    directory.mkdir(parents=True, exist_ok=True)
    csv_path = directory / f"planted-{n_docs}.csv"
    truth_path = directory / f"planted-{n_docs}.json"
    if not (csv_path.is_file() and truth_path.is_file()):
        table, truth = planted_table(n_docs, seed)
        pacsv.write_csv(table, csv_path)
        truth_path.write_text(json.dumps(truth), encoding="utf-8")
    return csv_path, json.loads(truth_path.read_text(encoding="utf-8"))


def recovery(fitted: list[list[str]], truth: list[list[str]]) -> float:
    """Mean Jaccard similarity of the planted topics' top-10 terms with their matched fitted topic."""
    from feedcare.topics.measures.stability import match_topics

    _, sims = match_topics(truth, fitted)
    return float(np.sum(sims) / len(truth))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("docs", type=int, nargs="+")
    args = parser.parse_args()
    for n in args.docs:
        print(write_planted(n)[0])


if __name__ == "__main__":
    main()
