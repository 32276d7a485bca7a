"""Validity of topics against human coding (docs/performance.md, "Validity").

For each run given, each unit's dominant topic (highest weight, ties to the lower topic) is
compared with a document attribute holding a human code (FFT: ``label``) by normalised mutual
information, and the top-10 term lists by probability, FREX and relevance are compared by their
share of distinct terms and their corpus-wide terms::

    feedcare ingest ../shared/data/nhs-feedback/text_data.csv --text-column feedback \\
        --id-column row_index --corpus /tmp/fft
    feedcare tokens --corpus /tmp/fft
    feedcare topics --corpus /tmp/fft --k 9 --seeds 1 --run-id gensim
    feedcare topics --corpus /tmp/fft --k 9 --seeds 1 --engine tomotopy --run-id tomotopy
    python -m benchmarks.validity /tmp/fft label gensim tomotopy
"""

from __future__ import annotations

import math
import sys
from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq
from feedcare.topics.measures.distinctive import corpus_wide_terms, ranked_terms
from feedcare.topics.runs.rundir import open_run


def nmi(pairs: list[tuple[str, int]]) -> float:
    """Normalised mutual information (arithmetic-mean normalisation) of two labelings."""
    n = len(pairs)
    a, b, ab = Counter(x for x, _ in pairs), Counter(y for _, y in pairs), Counter(pairs)

    def entropy(counts: Counter) -> float:
        return -sum(v / n * math.log(v / n) for v in counts.values())

    mi = sum(v / n * math.log(v * n / (a[x] * b[y])) for (x, y), v in ab.items())
    return 2 * mi / (entropy(a) + entropy(b))


def main(corpus: str, attribute: str, *runs: str) -> None:
    codes = pq.read_table(Path(corpus) / "documents.parquet", columns=["doc_id", attribute]).to_pylist()
    code = {d["doc_id"]: d[attribute] for d in codes}
    for run_id in runs:
        run = open_run(Path(corpus), run_id)
        model = run.chosen_model
        best: dict[int, tuple[int, float, str]] = {}
        for row in run.doc_topics(model, ["unit_id", "doc_id", "topic", "weight"]).to_pylist():
            current = best.get(row["unit_id"])
            if current is None or row["weight"] > current[1]:
                best[row["unit_id"]] = (row["topic"], row["weight"], row["doc_id"])
        pairs = [(code[d], topic) for topic, _, d in best.values() if code.get(d)]
        print(f"{run_id} ({model}): {len(pairs)} units, NMI(dominant topic, {attribute}) = {nmi(pairs):.3f}")
        rows = run.topics(model).to_pylist()
        for by in ("probability", "frex", "relevance"):
            ranked = ranked_terms(rows, by, 10)
            lists = [[r["term"] for r in ranked[t]] for t in sorted(ranked)]
            terms = [t for terms in lists for t in terms]
            share = len(set(terms)) / len(terms) if terms else float("nan")
            wide = ", ".join(corpus_wide_terms(lists))
            print(f"  {by:<11} distinct share {share:.2f}  corpus-wide: {wide}")


if __name__ == "__main__":
    main(*sys.argv[1:])
