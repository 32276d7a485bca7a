"""Quality and topic change after every gensim pass: the evidence behind the passes defaults.

gensim's learning rate depends on the pass number and the documents seen so far, never on the
total number of passes, so the model after pass p of a 20-pass fit *is* the model a p-pass fit
gives. One 20-pass fit per (corpus, k, seed) therefore shows the whole quality-against-passes
curve: after every pass this records the change of the topic-term matrix (total variation
distance per topic between consecutive passes) and, at checkpoint passes, c_npmi, c_v, the
dominant-topic NMI against a human label column, planted-topic recovery and the top terms (for
stability across seeds). Checkpoint inference restores gensim's random state, so it does not
perturb the training.

    python -m benchmarks.passes_curve CORPUS_DIR --k 10 20 --seeds 1 2 3 [--label label]
        [--truth planted.json] [--chunksize 2000] [--passes 20] --out curves.json
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.compute as pc
import pyarrow.parquet as pq

from benchmarks.validity import nmi

CHECKPOINTS = (1, 2, 3, 4, 5, 6, 8, 10, 12, 15, 20)


def unit_labels(corpus: Path, column: str) -> np.ndarray | None:
    """The ``column`` attribute of each unit's document, in unit order (None when absent)."""
    documents = pq.read_table(corpus / "documents.parquet")
    if column not in documents.column_names:
        return None
    units = pq.read_table(corpus / "tokens.parquet", columns=["doc_id"])
    index = pc.index_in(units["doc_id"], value_set=documents["doc_id"])
    labels = documents[column].take(index)
    return np.asarray(labels.to_pylist(), dtype=object)


def dominant_topics(model: Any, bows: list, batch: int = 4096) -> np.ndarray:
    state = model.random_state.get_state()
    out = []
    for start in range(0, len(bows), batch):
        gamma, _ = model.inference(bows[start : start + batch])
        out.append(gamma.argmax(axis=1))
    model.random_state.set_state(state)
    return np.concatenate(out)


def curve(corpus: Path, k: int, seed: int, chunksize: int, passes: int, labels: np.ndarray | None,
          truth: list[list[str]] | None, checkpoints: tuple[int, ...]) -> dict[str, Any]:
    from feedcare.topics.fit.bow import BowCorpus, load_terms
    from feedcare.topics.measures.coherence import measure_model, top_term_ids
    from gensim.models import LdaModel
    from gensim.models.callbacks import Metric

    from .planted import recovery

    tokens = corpus / "tokens.parquet"
    terms = load_terms(pq.read_table(corpus / "vocabulary.parquet"))
    bows = list(BowCorpus(tokens))
    rows: list[dict[str, Any]] = []
    clock = {"last": 0.0}

    def topic_term(model: Any) -> np.ndarray:
        lam = model.state.get_lambda()
        return lam / lam.sum(axis=1, keepdims=True)

    class Recorder(Metric):
        logger = None
        title = "recorder"

        def __init__(self) -> None:
            self.previous: np.ndarray | None = None
            self.pass_ = 0

        def get_value(self, **kwargs: Any) -> float:
            model = kwargs["model"]
            self.pass_ += 1
            now = time.perf_counter()
            row: dict[str, Any] = {"pass": self.pass_, "seconds": now - clock["last"]}
            current = topic_term(model)
            if self.previous is not None:
                tv = 0.5 * np.abs(current - self.previous).sum(axis=1)
                row.update(tv_mean=float(tv.mean()), tv_max=float(tv.max()))
            self.previous = current
            if self.pass_ in checkpoints:
                measured = measure_model(current, terms, tokens)
                top = [[terms[i] for i in ids] for ids in top_term_ids(current)]
                row.update(c_npmi=measured.c_npmi, c_v=measured.c_v, diversity=measured.diversity,
                           top_terms=top)
                if labels is not None:
                    t0 = time.perf_counter()
                    topics = dominant_topics(model, bows).tolist()
                    row["nmi"] = nmi(list(zip(labels.tolist(), topics, strict=True)))
                    row["inference_seconds"] = time.perf_counter() - t0
                if truth is not None:
                    row["recovery"] = recovery(top, truth)
            rows.append(row)
            clock["last"] = time.perf_counter()
            return 0.0

    recorder = Recorder()
    model = LdaModel(None, num_topics=k, id2word=dict(enumerate(terms)), random_state=seed, passes=passes,
                     iterations=100, alpha="symmetric", eta="symmetric", chunksize=chunksize,
                     update_every=1, gamma_threshold=0.001, decay=0.5, offset=1.0, eval_every=None,
                     callbacks=[recorder])
    recorder.previous = topic_term(model)
    clock["last"] = time.perf_counter()
    started = clock["last"]
    model.update(bows)
    return {"k": k, "seed": seed, "chunksize": chunksize, "passes": passes, "units": len(bows),
            "terms": len(terms), "seconds": time.perf_counter() - started, "rows": rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--k", type=int, nargs="+", required=True)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--chunksize", type=int, nargs="+", default=[2000])
    parser.add_argument("--passes", type=int, default=20)
    parser.add_argument("--checkpoints", type=int, nargs="*", default=list(CHECKPOINTS))
    parser.add_argument("--label", default=None)
    parser.add_argument("--truth", type=Path, default=None)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    labels = unit_labels(args.corpus, args.label) if args.label else None
    truth = json.loads(args.truth.read_text()) if args.truth else None
    results = json.loads(args.out.read_text()) if args.out.is_file() else []
    done = {(r["k"], r["seed"], r["chunksize"]) for r in results}
    for chunksize in args.chunksize:
        for k in args.k:
            for seed in args.seeds:
                if (k, seed, chunksize) in done:
                    continue
                load = os.getloadavg()[0]
                result = curve(args.corpus, k, seed, chunksize, args.passes, labels, truth,
                               tuple(args.checkpoints))
                result.update(load_start=load, load_end=os.getloadavg()[0])
                results.append(result)
                args.out.write_text(json.dumps(results))  # after every fit: partial results survive
                last = result["rows"][-1]
                print(f"{args.corpus.name} k={k} seed={seed} chunk={chunksize}: {result['seconds']:.0f} s, "
                      f"load {load:.1f}, last c_npmi {last.get('c_npmi')}", flush=True)


if __name__ == "__main__":
    main()
