"""Coherence: feedcare's streamed counts give exactly gensim's CoherenceModel values."""

from __future__ import annotations

import shutil

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import OSCE, needs
from feedcare.topics.fit.bow import TextCorpus, load_dictionary, load_terms
from feedcare.topics.measures.coherence import COHERENCES, coherence, count_cooccurrences, top_term_ids
from feedcare.topics.measures.cooccurrence import WINDOWS, CoOccurrenceCounter
from topics_fixtures import corpus_with_tokens


def _texts(seed: int = 0, n: int = 300) -> list[list[str]]:
    """Units of every length that matters for windows (empty, shorter than, equal to, longer
    than 10 and 110 tokens), with words repeating inside windows (Zipf-distributed)."""
    rng = np.random.default_rng(seed)
    lengths = rng.choice([0, 1, 3, 9, 10, 11, 25, 110, 111, 140, 400], size=n)
    return [[f"w{j % 30}" for j in rng.zipf(1.3, int(length))] for length in lengths]


def _gensim_accumulators(texts, dictionary, relevant):
    from gensim.topic_coherence import text_analysis

    windows = {name: text_analysis.WordOccurrenceAccumulator(relevant, dictionary).accumulate(texts, size)
               for name, size in WINDOWS.items() if size}
    corpus = [dictionary.doc2bow(t) for t in texts]
    return {**windows, "u_mass": text_analysis.CorpusAccumulator(relevant).accumulate(corpus)}


def test_counts_equal_gensims_accumulators_in_batches_that_cut_across_units():
    from gensim.corpora import Dictionary

    texts = _texts()
    dictionary = Dictionary(texts)
    terms = [dictionary[i] for i in range(len(dictionary))]
    top = [[dictionary.token2id[f"w{i}"] for i in (1, 2, 3, 5, 8)],
           [dictionary.token2id[f"w{i}"] for i in (2, 7, 11, 29)]]
    counter = CoOccurrenceCounter(top, terms)
    for start in range(0, len(texts), 37):
        part = texts[start : start + 37]
        counter.add(pa.array(part, pa.list_(pa.string())),
                    pa.array([[dictionary.token2id[w] for w in t] for t in part], pa.list_(pa.int32())))
    relevant = {int(i) for i in counter.ids}
    reference = _gensim_accumulators(texts, dictionary, relevant)
    for name in WINDOWS:
        ours, theirs = counter.counts(name), reference[name]
        assert ours.num_docs == theirs.num_docs, name
        for a in relevant:
            assert ours[a] == theirs[a], (name, a)
            for b in relevant:
                assert ours[a, b] == theirs[a, b], (name, a, b)


def test_window_counts_follow_gensims_sliding_window_rule_not_a_plain_window():
    """gensim drops a word when one of its occurrences leaves the window, even if another is
    still inside; matching gensim's numbers means matching that, so this case must differ
    from a plain count of windows holding the word."""
    from gensim.corpora import Dictionary

    text = ["a", "x", "a"] + ["z"] * 9  # 12 tokens, window 10: three windows, "a" in all of them
    dictionary = Dictionary([text])
    ids = [dictionary.token2id["a"], dictionary.token2id["x"]]
    counter = CoOccurrenceCounter([ids], [dictionary[i] for i in range(len(dictionary))])
    counter.add(pa.array([text], pa.list_(pa.string())),
                pa.array([[dictionary.token2id[w] for w in text]], pa.list_(pa.int32())))
    counts = counter.counts("c_npmi")
    reference = _gensim_accumulators([text], dictionary, set(ids))["c_npmi"]
    assert counts.num_docs == 3
    assert counts[ids[0]] == reference[ids[0]] == 1  # a plain window count would be 3


def test_unknown_measure_is_refused():
    with pytest.raises(ValueError, match="measure must be one of"):
        coherence([[0, 1]], None, "c_uci")


@needs(OSCE)
def test_osce_coherence_equals_gensims_coherence_model(tmp_path, invoke):
    """Real transcripts, real topics: every per-topic value is CoherenceModel's."""
    from gensim.models import CoherenceModel

    sample = tmp_path / "sample"
    sample.mkdir()
    for path in sorted(OSCE.glob("*.txt"))[:30]:
        shutil.copy(path, sample / path.name)
    corpus = tmp_path / "osce"
    assert invoke("ingest", sample, "--corpus", corpus).exit_code in (0, 3)
    assert invoke("tokens", "--corpus", corpus, "--jobs", "1").exit_code == 0
    tokens = corpus / "tokens.parquet"
    vocabulary = pq.read_table(corpus / "vocabulary.parquet")
    terms = load_terms(vocabulary)
    texts = list(TextCorpus(tokens))
    dictionary = load_dictionary(vocabulary, len(texts))
    rng = np.random.default_rng(7)  # topics of frequent and rare terms alike
    top_ids = top_term_ids(rng.dirichlet(np.full(len(terms), 0.05), size=6))
    counter = count_cooccurrences(top_ids, terms, tokens, batch_size=50)
    bow = [dictionary.doc2bow(t) for t in texts]
    for measure in COHERENCES:
        reference = CoherenceModel(
            topics=[[terms[i] for i in ids] for ids in top_ids], dictionary=dictionary, coherence=measure,
            topn=10, processes=1, **({"corpus": bow} if measure == "u_mass" else {"texts": texts}),
        ).get_coherence_per_topic()
        ours = coherence(top_ids, counter.counts(measure), measure)
        expected = [float(v) if np.isfinite(v) else None for v in reference]
        assert ours == pytest.approx(expected, rel=1e-12, abs=1e-12), measure


def test_planted_units_coherence_equals_gensims(tmp_path):
    from gensim.models import CoherenceModel

    texts = _texts(seed=3, n=120)
    corpus = corpus_with_tokens(tmp_path / "c", texts)
    vocabulary = pq.read_table(corpus / "vocabulary.parquet")
    terms = load_terms(vocabulary)
    dictionary = load_dictionary(vocabulary, len(texts))
    top_ids = [[terms.index(f"w{i}") for i in range(a, a + 6)] for a in (0, 6, 12, 20)]
    counter = count_cooccurrences(top_ids, terms, corpus / "tokens.parquet", batch_size=16)
    for measure in COHERENCES:
        bow = [dictionary.doc2bow(t) for t in texts]
        kwargs = {"corpus": bow} if measure == "u_mass" else {"texts": texts}
        reference = CoherenceModel(topics=[[terms[i] for i in ids] for ids in top_ids], dictionary=dictionary,
                                   coherence=measure, topn=6, processes=1, **kwargs).get_coherence_per_topic()
        assert coherence(top_ids, counter.counts(measure), measure) == pytest.approx(
            [float(v) for v in reference], rel=1e-12), measure
