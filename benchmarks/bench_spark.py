"""Spark against the local path: tokens and one k = 20 fit on local[1], local[2] and locally.

    python -m benchmarks.run --only spark          # measures, writes its docs/performance.md section
    python -m benchmarks.bench_spark 100000        # one size; prints JSON (kept for the report)

A comment table of N generated comments (benchmarks/generate.py, from the shared NHS data) is
ingested once; then each configuration runs in a fresh process (a Spark master is fixed for the
life of a JVM): ``feedcare tokens`` locally with --jobs 2 and with --backend spark (the files are
compared byte for byte), and one k = 20 fit, seed 42, of one pass over the units: the gensim
engine locally with ``passes = 1`` (as the scale suite), the spark engine with MLlib's own
defaults (20 iterations on 5% of the units each). Sizes up to SCALING_MAX_ROWS run on local[1]
and local[2] (the measured scaling); larger ones on local[2] only, against the local path. Wall
times exclude starting Spark (reported apart) and include Python; the load average is recorded
before and after each measurement, because a shared machine's load moves these numbers more than
anything else.

Each size's results are kept in benchmarks/out/spark/<rows>.json with their own date and load,
so sizes measured at different times (the 1M runs take most of an hour on 2 cores) are reported
together, each with when and under what load it ran. ``FEEDCARE_BENCH_SPARK_ROWS`` (e.g.
``100000,1000000``; ``0`` for none) chooses the sizes the suite measures; the others are taken
from earlier runs, and the report says which.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "benchmarks" / "data" / "spark"
KEPT = ROOT / "benchmarks" / "out" / "spark"
FILES = ("tokens.parquet", "vocabulary.parquet", "tokens.json")
RUN_FILES = ("topics.parquet", "doc_topics.parquet", "topic_measures.parquet")
SIZES = (100_000, 1_000_000)
QUICK_SIZES = (10_000,)
SCALING_MAX_ROWS = 200_000
CLUSTER_REASONING = """**What a cluster of N workers should give** (reasoning from these measurements, not a
cluster measurement). Spark's cost on one machine is mostly *fixed*: starting the JVM and the
Python workers, the workers' first imports and some 50 small jobs per tokens build (the cost
line above separates it from the per-comment cost). The per-comment work is feedcare's own
tokeniser in the executors — embarrassingly parallel over partitions of whole documents — and
ordinary Spark aggregations (phrase candidates, term statistics: shuffles of a few million small
rows at 1M comments), so it divides by the number of executor cores. What does not divide is
the driver's share: training Punkt for transcripts (comment tables need none), collecting the
kept vocabulary (at most `keep_n` terms) and writing tokens.parquet from the executors' Arrow
blobs through one writer (about 30 MB at 1M comments, a few seconds). So for N cores, tokens
should take about *fixed + driver + per-comment × rows / N*: with the per-comment cost measured
here, a 32-core cluster should take 1M comments in well under a minute after start-up and 100M
in under an hour — to be confirmed on a real cluster. The local[1] → local[2] step is the only
scaling this 2-core machine can show, and other workers' jobs share those two cores (see the
load), so it understates what a free core gives. On one machine `--jobs 2` stays the better
choice; Spark is for corpora beyond one machine's disk or time. A sweep as Spark tasks scales
with the number of fits (one per task) up to the number of executor cores, less start-up,
because each fit is single-process and independent. The MLlib engine's iterations are
distributed jobs with a fixed scheduling cost each (0.1–0.5 s here), so it scales only when a
pass over the units costs much more than that: it is the engine for a corpus too large for one
machine's memory, not for a local fit that is merely slow. Its one pass (20 iterations on 5% of
the units each, as here) is 20 mini-batches of 5,000 units at 100k comments and of 45,000 at 1M:
compare c_npmi with gensim's one pass in the tables above. What is byte-identical across cluster
sizes and what is not: docs/spark.md."""


def _worker(args: argparse.Namespace) -> None:
    """One configuration, in this process; prints one JSON line."""
    from feedcare.corpus import open_corpus
    from feedcare.corpus.spark.config import SparkConfig
    from feedcare.corpus.tokens.build import build_tokens
    from feedcare.corpus.tokens.config import TokensConfig
    from feedcare.topics import TopicsConfig, fit_topics

    out: dict = {"load_before": os.getloadavg()[0],
                 "started": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")}
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
        raise RuntimeError(f"{label} {step} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _name(label: str) -> str:
    return label.replace("[", "").replace("]", "")


def _labels(rows: int, scaling: bool = True) -> list[tuple[str, str | None]]:
    labels = [("local", None), ("local[1]", "local[1]"), ("local[2]", "local[2]")]
    return labels if scaling and rows <= SCALING_MAX_ROWS else [labels[0], labels[2]]


def measure(rows: int, fits: bool = True, fits_only: bool = False, keep: Path = KEPT,
            scaling: bool = True) -> dict:
    """Tokens (and fits) of ``rows`` comments locally and on Spark; kept in ``keep/<rows>.json``."""
    from feedcare.corpus.ingest.config import IngestConfig
    from feedcare.corpus.ingest.pipeline import ingest

    from benchmarks.generate import write_inputs
    from benchmarks.machine import describe

    csv_path, _ = write_inputs(rows)
    base = WORK / f"corpus-{rows}"
    if not (base / "manifest.json").is_file():
        ingest([csv_path], base, IngestConfig(text_column="feedback", id_column="comment_id"))
    path = keep / f"{rows}.json"
    previous = json.loads(path.read_text()) if fits_only and path.is_file() else {}
    results: dict = {"rows": rows, "machine": describe(), "tokens": previous.get("tokens", {}), "fit": {}}
    corpora = {}
    for label, master in _labels(rows, scaling):
        corpus = WORK / f"tokens-{rows}-{_name(label)}"
        corpora[label] = corpus
        if fits_only:
            continue
        shutil.rmtree(corpus, ignore_errors=True)
        shutil.copytree(base, corpus, ignore=shutil.ignore_patterns("tokens.*", "vocabulary.*", "runs"))
        results["tokens"][label] = _run("tokens", corpus, label, master)
        print(rows, label, "tokens", results["tokens"][label], flush=True)
    spark_labels = [label for label, master in _labels(rows, scaling) if master]
    meta = json.loads((corpora["local"] / "tokens.json").read_text())
    results["units"], results["terms"] = meta["summary"]["units"], meta["summary"]["vocabulary"]
    results["tokens_identical"] = {
        label: [name for name in FILES
                if (corpora["local"] / name).read_bytes() == (corpora[label] / name).read_bytes()]
        for label in spark_labels
    }
    if fits:
        for label, master in _labels(rows, scaling):
            name = _name(label)
            shutil.rmtree(corpora["local"] / "runs" / f"bench-{name}", ignore_errors=True)
            results["fit"][label] = _run("fit", corpora["local"], name, master)
            print(rows, label, "fit", results["fit"][label], flush=True)
        runs = corpora["local"] / "runs"
        if len(spark_labels) > 1:
            one, two = (runs / f"bench-{_name(label)}" for label in spark_labels)
            results["fit_identical_local1_local2"] = all(
                (one / n).read_bytes() == (two / n).read_bytes() for n in RUN_FILES)
    keep.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2), encoding="utf-8")
    return results


def run(quick: bool = False) -> dict:
    """The registered suite (benchmarks/run.py): measure the chosen sizes, report every kept one."""
    keep = KEPT.with_name("spark-quick") if quick else KEPT
    chosen = os.environ.get("FEEDCARE_BENCH_SPARK_ROWS")
    # "0" measures nothing and reports the kept sizes (e.g. after measuring them one by one)
    sizes = ([int(n) for n in chosen.split(",") if int(n) > 0] if chosen
             else list(QUICK_SIZES if quick else SIZES))
    for rows in sizes:
        # quick: a smoke test of the backend (tokens, local[2] against local), not a measurement
        measure(rows, keep=keep, fits=not quick, scaling=not quick)
    kept = sorted(keep.glob("*.json"), key=lambda p: int(p.stem)) if keep.is_dir() else []
    return {"sizes": [json.loads(p.read_text()) for p in kept], "measured_now": sizes}


def _when(m: dict) -> str:
    return f"{m.get('started', '?')}, load {m['load_before']:.1f}→{m['load_after']:.1f}"


def _marginal(sizes: list[dict]) -> list[str]:
    """Fixed and per-comment cost of each tokens path, from the smallest and largest size."""
    measured = [size for size in sizes if "local" in size["tokens"] and "local[2]" in size["tokens"]]
    if len(measured) < 2:
        return []
    small, big = measured[0], measured[-1]
    parts = []
    for label, title in (("local", "local `--jobs 2`"), ("local[2]", "Spark `local[2]`")):
        t1, t2 = small["tokens"][label]["seconds"], big["tokens"][label]["seconds"]
        per = (t2 - t1) / (big["rows"] - small["rows"])
        fixed = t1 - per * small["rows"]
        shown = f"{fixed:.0f} s" if fixed >= 0 else f"≈ 0 s ({fixed:.0f} s on the line: the load moved)"
        parts.append(f"{title} {per * 1e5:.1f} s per 100,000 comments + {shown} fixed")
    return [f"Tokens, per-comment and fixed cost (straight line through {small['rows']:,} and "
            f"{big['rows']:,} comments, loads as in the tables): " + "; ".join(parts) + ".", ""]


def markdown(results: dict) -> str:
    lines = ["## Spark (issue 19)", ""]
    lines.append(
        "Each configuration is a fresh process; Spark's session start is reported apart; every "
        "measurement gives its start time and the 1-minute load average before → after it (2 cores "
        "shared with other work: a load above 2 means the measurement waited for the CPU)."
    )
    now = results.get("measured_now")
    if now is not None:
        kept = [f"{size['rows']:,}" for size in results["sizes"] if size["rows"] not in now]
        lines.append("")
        done = (f"Measured by this run: {', '.join(f'{n:,}' for n in now)} comments" if now
                else "Nothing measured by this run")
        lines.append(done + (f"; kept from earlier runs of this suite: {', '.join(kept)} comments (each "
                             "measurement's time and load are in its table)." if kept else "."))
    lines.append("")
    for size in results["sizes"]:
        rows, tokens, fit = size["rows"], size["tokens"], size.get("fit", {})
        labels = [label for label in ("local", "local[1]", "local[2]") if label in tokens]
        lines += [f"### {rows:,} generated comments ({size.get('units', 0):,} units, "
                  f"{size.get('terms', 0):,} terms)", ""]
        lines.append("| step | " + " | ".join(
            "local (`--jobs 2`)" if label == "local" else f"Spark `{label}`" for label in labels) + " |")
        lines.append("|---|" + "---:|" * len(labels))

        def row(title, values, lines=lines):
            lines.append(f"| {title} | " + " | ".join(values) + " |")

        row("Spark session start", ["–" if label == "local" else
                                    f"{tokens[label].get('spark_start_s', 0):.0f} s" for label in labels])
        row("`feedcare tokens` (wall, after start)",
            [f"{tokens[label]['seconds']:.0f} s" for label in labels])
        row("measured at", [_when(tokens[label]) for label in labels])
        row("files byte-identical to local", ["–" if label == "local" else
                                              (", ".join(size["tokens_identical"].get(label, [])) or "none")
                                              for label in labels])
        if fit:
            row("k = 20 fit + inference + measures (`fit_seconds`)",
                [f"{fit[label]['fit_seconds']:.0f} s" if label in fit else "–" for label in labels])
            row("fit process wall (after start)",
                [f"{fit[label]['seconds']:.0f} s" if label in fit else "–" for label in labels])
            row("fit measured at", [_when(fit[label]) if label in fit else "–" for label in labels])
            row("c_npmi", [f"{fit[label]['c_npmi']:.4f}" if label in fit else "–" for label in labels])
        lines.append("")
        if "local[1]" in tokens and "local[2]" in tokens:
            t1, t2 = tokens["local[1]"]["seconds"], tokens["local[2]"]["seconds"]
            text = f"Scaling local[1] → local[2]: tokens {t1 / t2:.2f} ×"
            if "local[1]" in fit and "local[2]" in fit:
                f1, f2 = fit["local[1]"]["fit_seconds"], fit["local[2]"]["fit_seconds"]
                text += f", fit {f1 / f2:.2f} ×"
            if "fit_identical_local1_local2" in size:
                same = "byte-identical" if size["fit_identical_local1_local2"] else "NOT identical"
                text += f"; the MLlib run files on local[1] and local[2] are {same}"
            lines += [text + ".", ""]
    lines += _marginal(results["sizes"]) + [CLUSTER_REASONING, ""]
    return "\n".join(lines)


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
    print(json.dumps(measure(args.rows, fits=not args.skip_fits, fits_only=args.fits_only), indent=2))


if __name__ == "__main__":
    main()
