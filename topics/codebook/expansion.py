"""Seed expansion: more seed terms for a code whose seeds come from its name, found in the corpus itself.

A code's name rarely holds the words its comments use ("Staff" is said as ``friendly``, ``nurse``,
``lovely``). Pseudo-relevance feedback gives them offline, with no external word list: the units
that contain one of the code's seed terms are taken as *its* units, and every vocabulary term is
scored by how much more often it occurs there than in the corpus as a whole::

    score(t, c) = p(t | units of c) × log( p(t | units of c) / p(t | corpus) )

(document frequencies; the term's contribution to the KL divergence of the code's units from the
corpus, so a term must be both frequent in the code's units and specific to them). A term is a
candidate only when it occurs in at least ``MIN_SUPPORT`` of the code's units, at least ``MIN_LIFT``
times as often as in the corpus, in no more than ``MAX_SHARE`` of all units (a word nearly every
unit has says nothing about any code), and is no code's seed already. The thresholds are relative,
so they hold for short comments (a topic word in 1% of units) and long answers (in 40%) alike. Each candidate
goes to the one code it scores highest for (ties: the earlier code), so no term is expanded into
two codes; each code keeps its ``expand`` best (ties broken by term). Deterministic: the same
corpus and codebook give the same terms in the same order.

Expanded terms are weaker evidence than the name's own terms, so the engines give them
``EXPANDED_WEIGHT`` × the boost (topics/engines/priors.py). Codes whose seeds were given in the
file are never expanded (the researcher chose them), and a code with no seed in the vocabulary
stays without a topic: there is nothing to expand from.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow.parquet as pq
from feedcare.corpus.store.reader import Corpus
from feedcare.topics.fit.bow import flatten_lists

# Off by default: on the FFT comments' nine category names, 8 expansion terms per code moved the
# dominant-topic NMI with the human coding by +0.002 (gensim) and -0.018 (tomotopy) against the
# unguided run, below the names alone (docs/performance.md, Validity). Opt in with --expand N.
DEFAULT_EXPAND = 0
MAX_EXPAND = 50
MIN_SUPPORT = 5  # units of the code that contain the term
MIN_LIFT = 1.5  # p(t | code's units) / p(t | corpus)
MAX_SHARE = 0.5  # a term in more than half of all units is too common to mark a code
EXPANDED_WEIGHT = 0.5  # an expanded term's boost, relative to a name term's
METHOD = "pseudo-relevance feedback (document-frequency KL score)"


def expand_seeds(corpus: Corpus, seeds: Sequence[Sequence[str] | None], n: int) -> list[list[str]]:
    """Per code (``None``: not to be expanded), up to ``n`` expansion terms, best first."""
    vocab = pq.read_table(corpus.vocabulary_path, columns=["token_id", "term"]).to_pydict()
    terms = dict(zip(vocab["token_id"], vocab["term"], strict=True))
    ids = {term: i for i, term in terms.items()}
    size = max(terms, default=-1) + 1
    active = [i for i, s in enumerate(seeds) if s and n > 0]
    if not active:
        return [[] for _ in seeds]
    seed_ids = [np.array(sorted(ids[t] for t in (seeds[i] or []) if t in ids), dtype=np.int64)
                for i in active]
    df = np.zeros(size, dtype=np.float64)
    df_in = np.zeros((len(active), size), dtype=np.float64)
    n_units = 0
    n_in = np.zeros(len(active), dtype=np.float64)
    for batch in corpus.iter_tokens(["token_ids"]):
        column = batch.column("token_ids")
        doc, flat = flatten_lists(column)
        rows = len(column)
        pairs = np.unique(doc * size + flat)  # each term once per unit
        doc, flat = pairs // size, pairs % size
        df += np.bincount(flat, minlength=size)
        n_units += rows
        for j, wanted in enumerate(seed_ids):
            has = np.zeros(rows, dtype=bool)
            has[doc[np.isin(flat, wanted)]] = True
            n_in[j] += has.sum()
            df_in[j] += np.bincount(flat[has[doc]], minlength=size)
    if n_units == 0:
        return [[] for _ in seeds]
    p_corpus = df / n_units
    with np.errstate(divide="ignore", invalid="ignore"):
        p_in = df_in / np.maximum(n_in, 1)[:, None]
        lift = p_in / p_corpus[None, :]
        score = np.where(p_in > 0, p_in * np.log(lift), -np.inf)
    ok = (df_in >= MIN_SUPPORT) & (lift >= MIN_LIFT) & (p_corpus <= MAX_SHARE)[None, :]
    for wanted in seed_ids:  # any code's seed is no other code's expansion
        ok[:, wanted] = False
    score = np.where(ok, score, -np.inf)
    owner = np.argmax(score, axis=0)  # ties: the earlier code
    out: list[list[str]] = [[] for _ in seeds]
    for j, code in enumerate(active):
        mine = [t for t in range(size) if owner[t] == j and np.isfinite(score[j, t]) and t in terms]
        mine.sort(key=lambda t: (-round(float(score[j, t]), 12), terms[t]))
        out[code] = [terms[t] for t in mine[:n]]
    return out
