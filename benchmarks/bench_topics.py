"""`feedcare topics`: parallel sweep speed-up, per-fit overhead, and topic quality side by side.

1. Sweep: the same 12 fits (k 6-11 × 2 seeds) with ``--jobs 1`` and ``--jobs 2``
   (target: >= 1.8x on 2 cores), and the outputs must be byte-identical.
2. Overhead: feedcare's gensim engine (bag of words streamed from Parquet per pass, then a
   batched inference pass for the unit-topic distribution) against a bare ``LdaModel`` call with
   the same parameters on an in-memory list plus the same inference (target: < 10%). The full
   ``fit_topics`` of one fit (with coherence measures and writing the run) is reported beside it.
3. Quality on the OSCE participant turns (``feedcare tokens`` defaults) and gensim's bundled Lee
   corpus (documents as units): c_npmi, c_v, diversity and fit time of feedcare's defaults
   (gensim and tomotopy engines), a newcomer's gensim script (``LdaModel(corpus, num_topics,
   id2word)`` with gensim's defaults) and a bare tomotopy LDA with 1000 iterations, all on the
   same bag of words and measured the same way (top-10 terms, same units).

``run(quick)`` returns the numbers; ``markdown(results)`` renders the docs/performance.md section;
``python -m benchmarks.bench_topics [--quick]`` prints both.
"""

from __future__ import annotations

import csv
import hashlib
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
OSCE = ROOT.parent / "shared" / "data" / "osce-interviews" / "transcripts"
SPEEDUP_TARGET = 1.8
OVERHEAD_TARGET = 0.10
QUALITY_K = 10


def _feedcare(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "feedcare", *args], check=True, capture_output=True)


def osce_corpus(tmp: Path, quick: bool) -> Path:
    """OSCE transcripts (the first 60 when quick) ingested and tokenised with the defaults."""
    source = tmp / "osce-src"
    source.mkdir()
    files = sorted(OSCE.glob("*.txt"))
    for path in files[:60] if quick else files:
        (source / path.name).symlink_to(path)
    corpus = tmp / "osce"
    _feedcare("ingest", str(source), "--corpus", str(corpus))
    _feedcare("tokens", "--corpus", str(corpus), "--jobs", "1")
    return corpus


def lee_corpus(tmp: Path) -> Path:
    """gensim's Lee background corpus (300 news articles), one unit per article."""
    from gensim.test.utils import datapath

    table = tmp / "lee.csv"
    lines = Path(datapath("lee_background.cor")).read_text(encoding="latin-1").splitlines()
    with open(table, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "text"])
        writer.writerows([f"lee{i:03d}", line] for i, line in enumerate(lines) if line.strip())
    corpus = tmp / "lee"
    _feedcare("ingest", str(table), "--corpus", str(corpus), "--text-column", "text", "--id-column", "id")
    _feedcare("tokens", "--corpus", str(corpus), "--unit", "document", "--jobs", "1")
    return corpus


def _hashes(run_dir: Path) -> list[str]:
    names = ("topics.parquet", "doc_topics.parquet")
    return [hashlib.sha256((run_dir / name).read_bytes()).hexdigest() for name in names]


def sweep(corpus: Path, quick: bool) -> dict[str, Any]:
    from feedcare.topics import TopicsConfig, fit_topics

    config = TopicsConfig(k="6:11", seeds=2, passes=3 if quick else 10)
    out: dict[str, Any] = {"fits": 12, "passes": config.passes}
    for jobs in (1, 2):
        started = time.perf_counter()
        report = fit_topics(corpus, config, run_id=f"bench-sweep-j{jobs}", jobs=jobs)
        out[f"jobs{jobs}_seconds"] = time.perf_counter() - started
        out[f"jobs{jobs}_hashes"] = _hashes(report.path)
    out["speedup"] = out["jobs1_seconds"] / out["jobs2_seconds"]
    out["identical"] = out["jobs1_hashes"] == out["jobs2_hashes"]
    return out


def overhead(corpus: Path, repeats: int) -> dict[str, Any]:
    """Best-of-``repeats`` seconds: feedcare engine vs bare gensim, same parameters and seed."""
    import pyarrow.parquet as pq
    from feedcare.topics import TopicsConfig, fit_topics
    from feedcare.topics import engine as gensim_engine
    from feedcare.topics.bow import BowCorpus, load_terms
    from gensim.models import LdaModel

    config = TopicsConfig(k=QUALITY_K, seed=1, seeds=1)
    settings = gensim_engine.settings(config)
    terms = load_terms(pq.read_table(corpus / "vocabulary.parquet"))
    bow = BowCorpus(corpus / "tokens.parquet")
    in_memory = list(bow)
    id2word = dict(enumerate(terms))
    params = {k: settings[k] for k in ("passes", "iterations", "alpha", "eta", "chunksize", "update_every",
                                       "gamma_threshold", "decay", "offset")}

    def bare() -> None:
        model = LdaModel(in_memory, num_topics=QUALITY_K, id2word=id2word, random_state=1, eval_every=None,
                         **params)
        for start in range(0, len(in_memory), 4096):
            model.inference(in_memory[start : start + 4096])

    def ours() -> None:
        gensim_engine.fit(bow, terms, QUALITY_K, 1, settings)

    times: dict[str, list[float]] = {"bare": [], "engine": [], "fit_topics": []}
    for i in range(repeats):
        for name, func in (("bare", bare), ("engine", ours)):
            started = time.perf_counter()
            func()
            times[name].append(time.perf_counter() - started)
        started = time.perf_counter()
        fit_topics(corpus, config, run_id=f"bench-overhead-{i}", jobs=1)
        times["fit_topics"].append(time.perf_counter() - started)
    best = {name: min(values) for name, values in times.items()}
    return {**{f"{k}_seconds": v for k, v in best.items()}, "overhead": best["engine"] / best["bare"] - 1,
            "repeats": repeats}


def quality(corpus: Path, seeds: list[int]) -> dict[str, Any]:
    """Mean c_npmi, c_v, diversity and fit seconds per method over ``seeds`` at k = QUALITY_K."""
    import pyarrow.parquet as pq
    from feedcare.topics import TopicsConfig, fit_topics
    from feedcare.topics.bow import BowCorpus, TextCorpus, load_dictionary, load_terms
    from feedcare.topics.measures import measure_model

    vocabulary = pq.read_table(corpus / "vocabulary.parquet")
    terms = load_terms(vocabulary)
    bow = BowCorpus(corpus / "tokens.parquet")
    dictionary = load_dictionary(vocabulary, len(bow))
    texts = TextCorpus(corpus / "tokens.parquet")
    in_memory = list(bow)
    methods: dict[str, list[dict[str, float]]] = {}

    def add(name: str, topic_term: np.ndarray, seconds: float) -> None:
        m = measure_model(topic_term, terms, texts, dictionary, bow)
        methods.setdefault(name, []).append(
            {"c_npmi": m.c_npmi or 0.0, "c_v": m.c_v or 0.0, "diversity": m.diversity, "seconds": seconds})

    for engine in ("gensim", "tomotopy"):
        report = fit_topics(corpus, TopicsConfig(k=QUALITY_K, seed=seeds[0], seeds=len(seeds), engine=engine),
                            run_id=f"bench-quality-{engine}", jobs=1)
        for fit in report.fits:
            methods.setdefault(f"feedcare {engine} defaults", []).append(
                {"c_npmi": fit["c_npmi"], "c_v": fit["c_v"], "diversity": fit["diversity"],
                 "seconds": fit["fit_seconds"]})
    for seed in seeds:
        started = time.perf_counter()
        topic_term = _newcomer_gensim(in_memory, terms, seed)
        add("newcomer gensim script", topic_term, time.perf_counter() - started)
        started = time.perf_counter()
        topic_term = _bare_tomotopy(in_memory, terms, seed)
        add("tomotopy LDA, 1000 iterations", topic_term, time.perf_counter() - started)
    return {
        "units": len(bow), "terms": len(terms), "k": QUALITY_K, "seeds": seeds,
        "methods": {name: {key: float(np.mean([r[key] for r in rows])) for key in rows[0]}
                    for name, rows in methods.items()},
    }


def _newcomer_gensim(bows: list, terms: list[str], seed: int) -> np.ndarray:
    from gensim.models import LdaModel

    # What a tutorial writes: gensim's defaults (1 pass, 50 iterations, perplexity every 10 chunks).
    model = LdaModel(bows, num_topics=QUALITY_K, id2word=dict(enumerate(terms)), random_state=seed)
    return model.get_topics()


def _bare_tomotopy(bows: list, terms: list[str], seed: int) -> np.ndarray:
    import tomotopy as tp

    model = tp.LDAModel(k=QUALITY_K, seed=seed)
    for doc in bows:
        model.add_doc([terms[i] for i, c in doc for _ in range(c)])
    model.train(1000, workers=1)
    ids = {t: i for i, t in enumerate(terms)}
    out = np.zeros((QUALITY_K, len(terms)))
    cols = [ids[w] for w in model.used_vocabs]
    for topic in range(QUALITY_K):
        out[topic, cols] = model.get_topic_word_dist(topic)
    return out


def run(quick: bool = False) -> dict[str, Any]:
    if not OSCE.is_dir():
        return {"skipped": f"shared data not found at {OSCE}"}
    try:
        import tomotopy  # noqa: F401
    except ImportError:
        return {"skipped": "tomotopy is not installed (pip install -e '.[bench]')"}
    results: dict[str, Any] = {"quick": quick, "cpu_count": os.cpu_count(),
                               "load_average": os.getloadavg()[0]}
    seeds = [1] if quick else [1, 2, 3]
    with tempfile.TemporaryDirectory() as tmp:
        osce = osce_corpus(Path(tmp), quick)
        lee = lee_corpus(Path(tmp))
        results["sweep"] = sweep(osce, quick)
        results["overhead"] = overhead(osce, 3)  # best of 3: single timings are noisy on a shared machine
        results["quality"] = {
            "OSCE participant turns": quality(osce, seeds),
            "Lee corpus": quality(lee, seeds),
        }
    results["load_average_after"] = os.getloadavg()[0]
    return results


def markdown(results: dict[str, Any]) -> str:
    lines = ["## Topic models (`feedcare topics`)", ""]
    if "skipped" in results:
        return "\n".join([*lines, f"Skipped: {results['skipped']}.", ""])
    s, o = results["sweep"], results["overhead"]
    lines += [
        f"Machine: {results['cpu_count']} cores; 1-minute load average {results['load_average']:.1f} "
        f"before and {results['load_average_after']:.1f} after (other work on the machine slows the "
        "parallel run).",
        "",
        f"- **Sweep of {s['fits']} fits** (k 6–11 × 2 seeds, {s['passes']} passes, OSCE participant turns): "
        f"{s['jobs1_seconds']:.1f} s with `--jobs 1`, {s['jobs2_seconds']:.1f} s with `--jobs 2`: "
        f"**{s['speedup']:.2f}×** (target ≥ {SPEEDUP_TARGET}×); topics and doc_topics byte-identical: "
        f"{'yes' if s['identical'] else '**NO**'}.",
        f"- **One fit's overhead** over a bare gensim `LdaModel` + inference with the same parameters: "
        f"{o['engine_seconds']:.2f} s vs {o['bare_seconds']:.2f} s = **{o['overhead'] * 100:+.1f}%** "
        f"(target < {OVERHEAD_TARGET * 100:.0f}%). The whole `fit_topics` call for that fit (coherence "
        f"c_npmi/c_v/u_mass, writing the run directory) took {o['fit_topics_seconds']:.2f} s.",
        "",
    ]
    for name, q in results["quality"].items():
        lines += [
            f"### Quality: {name} ({q['units']:,} units, {q['terms']:,} terms, k = {q['k']}, "
            f"mean over seeds {', '.join(map(str, q['seeds']))})",
            "",
            "| method | c_npmi | c_v | diversity | fit s |",
            "|---|---:|---:|---:|---:|",
        ]
        for method, m in q["methods"].items():
            lines.append(f"| {method} | {m['c_npmi']:.3f} | {m['c_v']:.3f} | {m['diversity']:.2f} | "
                         f"{m['seconds']:.2f} |")
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    import json

    quick_run = "--quick" in sys.argv
    measured = run(quick_run)
    print(json.dumps(measured, indent=2, default=str))
    print(markdown(measured))
