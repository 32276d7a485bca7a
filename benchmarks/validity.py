"""Helpers of the Validity studies (docs/performance.md, "Validity"; :mod:`benchmarks.bench_validity`).

:func:`nmi` compares two labelings (a unit's dominant topic with a human code) and
:func:`fft_corpus` builds the FFT comments corpus the FFT studies share, as
``feedcare ingest ../shared/data/nhs-feedback/text_data.csv --text-column feedback --id-column
row_index`` and ``feedcare tokens`` with default settings. The topics-against-human-coding
study that this module's script used to print is :mod:`benchmarks.validity_topics`.
"""

from __future__ import annotations

import math
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
FFT = ROOT.parent / "shared" / "data" / "nhs-feedback" / "text_data.csv"


def nmi(pairs: list[tuple[str, int]]) -> float:
    """Normalised mutual information (arithmetic-mean normalisation) of two labelings."""
    n = len(pairs)
    a, b, ab = Counter(x for x, _ in pairs), Counter(y for _, y in pairs), Counter(pairs)

    def entropy(counts: Counter) -> float:
        return -sum(v / n * math.log(v / n) for v in counts.values())

    mi = sum(v / n * math.log(v * n / (a[x] * b[y])) for (x, y), v in ab.items())
    h = entropy(a) + entropy(b)
    return 2 * mi / h if h > 0 else 0.0


def fft_corpus(corpus_dir: Path, attribute: str = "label") -> dict[str, Any]:
    """Ingest and tokenise the FFT table into ``corpus_dir`` (default settings); returns the
    number of documents and of distinct non-empty ``attribute`` values (the human categories)."""
    import pyarrow.parquet as pq
    from feedcare.corpus import IngestConfig, ingest, open_corpus
    from feedcare.corpus.tokens.build import build_tokens
    from feedcare.corpus.tokens.config import TokensConfig

    ingest([FFT], corpus_dir, IngestConfig(text_column="feedback", id_column="row_index"))
    corpus = open_corpus(corpus_dir)
    build_tokens(corpus, TokensConfig(), jobs=2)
    codes = pq.read_table(corpus.documents_path, columns=[attribute])[attribute].to_pylist()
    return {"documents": len(codes), "labels": len({c for c in codes if c})}
