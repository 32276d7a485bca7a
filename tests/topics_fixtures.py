"""Corpora with tokens for the topics tests, written directly (no `feedcare tokens` needed).

:func:`planted_corpus` draws documents from known topics by the LDA generative process with a
fixed numpy seed, so a correct fit must find those topics again.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pyarrow as pa
from feedcare.corpus.base.atomic import write_table
from feedcare.corpus.store.schema import TOKENS, TOKENS_FILE, VOCABULARY, VOCABULARY_FILE
from feedcare.topics.runs.runjson import RUN_FILE, RunInfo
from helpers import build_corpus, write_tokens_meta

TOKENS_FINGERPRINT = "tok-test-0001"


def write_tokens(corpus_dir: Path, units: list[list[str]], fingerprint: str = TOKENS_FINGERPRINT) -> None:
    """tokens.parquet, vocabulary.parquet and tokens.json for a corpus of one turn per unit."""
    terms = sorted({t for unit in units for t in unit})
    ids = {t: i for i, t in enumerate(terms)}
    doc_freq = {t: 0 for t in terms}
    coll_freq = {t: 0 for t in terms}
    for unit in units:
        for t in unit:
            coll_freq[t] += 1
        for t in set(unit):
            doc_freq[t] += 1
    rows: dict[str, list] = {name: [] for name in TOKENS.names}
    for i, unit in enumerate(units):
        text_len = len(" ".join(unit))
        for key, value in (
            ("unit_id", i), ("doc_id", f"d{i:04d}"), ("seg_start", 0), ("seg_end", 0), ("question_seg", None),
            ("char_start", len("P: ")), ("char_end", len("P: ") + text_len), ("participant_id", f"d{i:04d}"),
            ("tokens", unit), ("token_ids", [ids[t] for t in unit]), ("n_tokens", len(unit)),
        ):
            rows[key].append(value)
    meta = {"feedcare.fingerprint": fingerprint}
    write_table(corpus_dir / TOKENS_FILE, pa.Table.from_pydict(rows, schema=TOKENS), TOKENS,
                metadata=meta)
    vocab = pa.Table.from_pydict(
        {"token_id": list(range(len(terms))), "term": terms,
         "doc_freq": [doc_freq[t] for t in terms], "coll_freq": [coll_freq[t] for t in terms]},
        schema=VOCABULARY,
    )
    write_table(corpus_dir / VOCABULARY_FILE, vocab, VOCABULARY, metadata=meta)
    write_tokens_meta(corpus_dir, fingerprint, units, {"built_by": "tests.topics_fixtures"})


def corpus_with_tokens(path: Path, units: list[list[str]]) -> Path:
    """A corpus of one document per unit (one participant turn), with its tokens."""
    build_corpus(path, {f"d{i:04d}": [("P", "participant", " ".join(u))] for i, u in enumerate(units)})
    write_tokens(path, units)
    return path


def jaccard(a: list[str], b: list[str]) -> float:
    """Overlap of two term lists (a found topic's top terms and a planted topic's)."""
    return len(set(a) & set(b)) / len(set(a) | set(b))


def planted_units(
    n_docs: int = 300, n_topics: int = 5, words_per_topic: int = 15, seed: int = 7
) -> tuple[list[list[str]], list[list[str]]]:
    """Documents from the LDA generative process and the planted topics' top-10 terms.

    Each topic puts 95% of its mass on its own words (Zipf-like weights) and 5% on all words,
    documents mix topics with a sparse Dirichlet(0.2) and have 20-40 tokens.
    """
    rng = np.random.default_rng(seed)
    vocab = [f"t{t}w{j:02d}" for t in range(n_topics) for j in range(words_per_topic)]
    beta = np.full((n_topics, len(vocab)), 0.05 / len(vocab))
    zipf = 1.0 / np.arange(1, words_per_topic + 1)
    for t in range(n_topics):
        beta[t, t * words_per_topic : (t + 1) * words_per_topic] += 0.95 * zipf / zipf.sum()
    beta /= beta.sum(axis=1, keepdims=True)
    units = []
    for _ in range(n_docs):
        theta = rng.dirichlet(np.full(n_topics, 0.2))
        length = int(rng.integers(20, 41))
        topics = rng.choice(n_topics, size=length, p=theta)
        units.append([vocab[rng.choice(len(vocab), p=beta[z])] for z in topics])
    planted = [[vocab[i] for i in np.argsort(-beta[t], kind="stable")[:10]] for t in range(n_topics)]
    return units, planted


def planted_corpus(path: Path, **kwargs) -> tuple[Path, list[list[str]]]:
    units, planted = planted_units(**kwargs)
    return corpus_with_tokens(path, units), planted


def set_run_status(run_dir: Path, status: str) -> None:
    """Mark a run as, e.g., interrupted ("running")."""
    info = RunInfo.from_json(run_dir / RUN_FILE)
    dataclasses.replace(info, status=status).to_json(run_dir / RUN_FILE)



CONTINUERS = ("Mm-hm.", "Okay.", "Right.", "I see.", "Go on?", "Yeah.")
_FILLERS = ("well", "um", "so", "I think", "you know", "and", "the", "it was", "yeah")


def planted_transcripts(
    folder: Path,
    n_docs: int = 60,
    n_topics: int = 5,
    words_per_topic: int = 15,
    seed: int = 11,
    design: str = "guide",
) -> list[list[str]]:
    """Interview transcripts whose answers are drawn from planted topics; the topics' top-10 terms.

    ``design="guide"`` follows a topic guide, as semi-structured interviews do: every interview
    goes through all topics in its own order, one to three questions each. ``design="mixture"``
    draws each of 10 questions' topic from the interview's sparse Dirichlet(0.3) mixture (LDA's
    own assumption: most interviews are about one or two topics). The participant's answer draws
    its content words from the question's topic (as :func:`planted_units`: 95% of a topic's
    mass on its own words). Answers come as
    qualitative interviews have them: a short opener, an "Mm-hm." and the rest (40%); one turn
    (30%); or a few words only before the next question (30%). Filler words are added for the
    stopword filters to remove. ``folder`` gets I:/P: labelled .txt files.
    """
    rng = np.random.default_rng(seed)
    vocab = [f"t{t}w{j:02d}" for t in range(n_topics) for j in range(words_per_topic)]
    beta = np.full((n_topics, len(vocab)), 0.05 / len(vocab))
    zipf = 1.0 / np.arange(1, words_per_topic + 1)
    for t in range(n_topics):
        beta[t, t * words_per_topic : (t + 1) * words_per_topic] += 0.95 * zipf / zipf.sum()
    beta /= beta.sum(axis=1, keepdims=True)

    def speech(topic: int, n: int) -> str:
        words = []
        for w in rng.choice(len(vocab), size=n, p=beta[topic]):
            if rng.random() < 0.4:
                words.append(_FILLERS[int(rng.integers(len(_FILLERS)))])
            words.append(vocab[w])
        return " ".join(words).capitalize() + "."

    folder.mkdir(parents=True, exist_ok=True)
    for d in range(n_docs):
        if design == "guide":
            order = [int(t) for t in rng.permutation(n_topics) for _ in range(int(rng.integers(1, 4)))]
        else:
            theta = rng.dirichlet(np.full(n_topics, 0.3))
            order = [int(rng.choice(n_topics, p=theta)) for _ in range(10)]
        lines = []
        for q, topic in enumerate(order):
            lines.append(f"I: Question {q + 1}, tell me about q{topic}x{q}?")
            kind = rng.random()
            if kind < 0.4:
                lines.append(f"P: {speech(topic, int(rng.integers(1, 5)))}")
                lines.append(f"I: {CONTINUERS[int(rng.integers(len(CONTINUERS)))]}")
                lines.append(f"P: {speech(topic, int(rng.integers(10, 31)))}")
            elif kind < 0.7:
                lines.append(f"P: {speech(topic, int(rng.integers(10, 31)))}")
            else:
                lines.append(f"P: {speech(topic, int(rng.integers(1, 6)))}")
        (folder / f"P{d + 1:03d}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return [[vocab[i] for i in np.argsort(-beta[t], kind="stable")[:10]] for t in range(n_topics)]
