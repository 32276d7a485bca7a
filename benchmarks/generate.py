"""Realistic comment tables of any size, made from the real NHS Friends and Family Test comments.

Each synthetic comment takes a real comment as its base (its label, trust and question come
along as attributes) and, with some probability, swaps or adds sentences drawn from other real
comments with the same label, so the vocabulary, length distribution and theme mix stay those of
real feedback. A fixed seed gives the same table every time. Nothing generated is committed:
files go to benchmarks/data/ (git-ignored).

    python -m benchmarks.generate 100000            # CSV and Parquet with 100,000 rows
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT.parent / "shared" / "data" / "nhs-feedback" / "text_data.csv"
DATA = ROOT / "benchmarks" / "data"
ATTRIBUTES = ("label", "subcategory", "criticality", "organization", "question")
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")


def load_source(path: Path = SOURCE) -> pa.Table:
    if not path.is_file():
        sys.exit(f"benchmarks: {path} not found; the shared NHS feedback data is needed to generate inputs")
    return pacsv.read_csv(
        path, convert_options=pacsv.ConvertOptions(column_types={"criticality": pa.string()})
    )


def generate(n_rows: int, seed: int = 20261125, source: pa.Table | None = None) -> pa.Table:
    """A table of ``n_rows`` comments: comment_id, the attribute columns, feedback."""
    source = source if source is not None else load_source()
    rng = np.random.default_rng(seed)
    texts = source["feedback"].to_pylist()
    labels = source["label"].to_pylist()
    sentences_by_label: dict[str, list[str]] = defaultdict(list)
    for text, label in zip(texts, labels, strict=True):
        for sentence in _SENTENCE.split(text or ""):
            if sentence.strip():
                sentences_by_label[label].append(sentence.strip())
    pools = {label: np.array(pool, dtype=object) for label, pool in sentences_by_label.items()}
    base = rng.integers(0, len(texts), size=n_rows)
    action = rng.random(n_rows)  # < 0.5 keep as is, < 0.8 add a sentence, else swap in two
    picks = rng.random((n_rows, 2))
    out = []
    for i, row in enumerate(base):
        text, pool = texts[row] or "", pools[labels[row]]
        if action[i] >= 0.5:
            extra = pool[int(picks[i, 0] * len(pool))]
            if action[i] < 0.8:
                text = f"{text} {extra}"
            else:
                text = f"{extra} {pool[int(picks[i, 1] * len(pool))]}"
        out.append(text)
    columns = {"comment_id": [f"c{i:07d}" for i in range(n_rows)]}
    for name in ATTRIBUTES:
        columns[name] = source[name].take(pa.array(base)).cast(pa.string())
    columns["feedback"] = out
    return pa.table(columns)


def write_inputs(n_rows: int, directory: Path = DATA, seed: int = 20261125) -> tuple[Path, Path]:
    """Write (once) comments-<n>.csv and comments-<n>.parquet; returns their paths."""
    directory.mkdir(parents=True, exist_ok=True)
    csv_path = directory / f"comments-{n_rows}.csv"
    parquet_path = directory / f"comments-{n_rows}.parquet"
    if not (csv_path.is_file() and parquet_path.is_file()):
        table = generate(n_rows, seed)
        pacsv.write_csv(table, csv_path)
        pq.write_table(table, parquet_path, compression="zstd")
    return csv_path, parquet_path


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("rows", type=int, nargs="+", help="table sizes, e.g. 10000 100000 1000000")
    parser.add_argument("--seed", type=int, default=20261125)
    parser.add_argument("--out", type=Path, default=DATA)
    args = parser.parse_args()
    for n in args.rows:
        for path in write_inputs(n, args.out, args.seed):
            print(path)


if __name__ == "__main__":
    main()
