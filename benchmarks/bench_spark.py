"""Spark against the local path: tokens and one k = 20 fit on local[1], local[2] and locally.

    python -m benchmarks.bench_spark 100000          # prints JSON and a markdown table

A comment table of N generated comments (benchmarks/generate.py, from the shared NHS data) is
ingested once; then each configuration runs in a fresh process (a Spark master is fixed for the
life of a JVM): ``feedcare tokens`` locally with --jobs 2 and with --backend spark on local[1] and
local[2] (the files are compared byte for byte), and one k = 20 fit, seed 42, of one pass over the
units: the gensim engine locally with ``passes = 1`` (as the scale suite), the spark engine on
local[1] and local[2] with MLlib's own defaults (20 iterations on 5% of the units each). Wall
times include starting Spark (reported separately) and Python; the machine's load is recorded
before and after, because a shared machine's load moves these numbers more than anything else.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "benchmarks" / "data" / "spark"
FILES = ("tokens.parquet", "vocabulary.parquet", "tokens.json")


def _worker(args: argparse.Namespace) -> None:
    """One configuration, in this process; prints one JSON line."""
    from feedcare.corpus import open_corpus
    from feedcare.corpus.spark.config import SparkConfig
    from feedcare.corpus.tokens.build import build_tokens
    from feedcare.corpus.tokens.config import TokensConfig
    from feedcare.topics import TopicsConfig, fit_topics

    out: dict = {"load_before": os.getloadavg()[0]}
    spark = None
    if args.master:
        from feedcare.corpus.spark.session import spark_session

        started = time.perf_counter()
        spark = SparkConfig(master=args.master)
        spark_session(spark)
        out["spark_start_s"] = round(time.perf_counter() - started, 1)
    started = time.perf_counter()
    if args.worker == "tokens":
        build_tokens(open_corpus(args.corpus), TokensConfig(), jobs=2, force=True,
                     backend="spark" if spark else "local", spark=spark)
    else:
        one_pass = {"spark_iterations": 20, "spark_subsampling_rate": 0.05}
        config = (TopicsConfig(k=20, seeds=1, engine="spark", **one_pass) if spark
                  else TopicsConfig(k=20, seeds=1, passes=1))
        report = fit_topics(args.corpus, config, run_id=f"bench-{args.label}", jobs=1, spark=spark)
        out["fit_seconds"] = report.fits[0]["fit_seconds"]
        out["c_npmi"] = report.fits[0]["c_npmi"]
    out["seconds"] = round(time.perf_counter() - started, 1)
    out["load_after"] = os.getloadavg()[0]
    print(json.dumps(out))


def _run(step: str, corpus: Path, label: str, master: str | None) -> dict:
    command = [sys.executable, "-m", "benchmarks.bench_spark", "--worker", step, "--corpus", str(corpus),
               "--label", label]
    if master:
        command += ["--master", master]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"{label} {step} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("rows", type=int, nargs="?", default=100_000)
    parser.add_argument("--worker", choices=("tokens", "fit"))
    parser.add_argument("--corpus", type=Path)
    parser.add_argument("--label", default="")
    parser.add_argument("--master")
    parser.add_argument("--skip-fits", action="store_true")
    parser.add_argument("--fits-only", action="store_true", help="re-use the tokens of an earlier run")
    args = parser.parse_args()
    if args.worker:
        _worker(args)
        return
    from feedcare.corpus.ingest.config import IngestConfig
    from feedcare.corpus.ingest.pipeline import ingest

    from benchmarks.generate import write_inputs
    from benchmarks.machine import describe

    info = describe()
    csv_path, _ = write_inputs(args.rows)
    base = WORK / f"corpus-{args.rows}"
    if not (base / "manifest.json").is_file():
        ingest([csv_path], base, IngestConfig(text_column="feedback", id_column="comment_id"))
    results: dict = {"rows": args.rows, "machine": info, "tokens": {}, "fit": {}}
    corpora = {}
    for label, master in (("local", None), ("local[1]", "local[1]"), ("local[2]", "local[2]")):
        corpus = WORK / f"tokens-{args.rows}-{label.replace('[', '').replace(']', '')}"
        corpora[label] = corpus
        if args.fits_only:
            continue
        shutil.rmtree(corpus, ignore_errors=True)
        shutil.copytree(base, corpus, ignore=shutil.ignore_patterns("tokens.*", "vocabulary.*", "runs"))
        results["tokens"][label] = _run("tokens", corpus, label, master)
        print(label, "tokens", results["tokens"][label], flush=True)
    results["tokens_identical"] = all(
        (corpora["local"] / name).read_bytes() == (corpora[label] / name).read_bytes()
        for label in ("local[1]", "local[2]") for name in FILES
    )
    if not args.skip_fits:
        for label, master in (("local", None), ("local[1]", "local[1]"), ("local[2]", "local[2]")):
            name = label.replace("[", "").replace("]", "")
            results["fit"][label] = _run("fit", corpora["local"], name, master)
            print(label, "fit", results["fit"][label], flush=True)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
