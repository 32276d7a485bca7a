"""End-to-end scale benchmark: ingest → tokens → topics (k=20, one seed) → themes (JSON, .qdpx).

Each stage runs as its own `feedcare` process, exactly as a user would type it; wall time and
peak RSS come from the kernel's resource accounting for that process tree (ru_maxrss of
RUSAGE_CHILDREN is the largest resident set of the stage process or any of its workers).

The topics stage is one seed (``--seed 1``) and one training pass (``--passes 1``) at k = 20 with
the shipped defaults otherwise; it also runs the unit-topic inference pass and the coherence
measures, which the LDA rate below leaves out (it uses the fit time feedcare records).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from .generate import DATA, write_inputs

SIZES_FULL = (10_000, 100_000, 1_000_000)
SIZES_QUICK = (10_000,)
TARGETS = {
    "end_to_end_seconds_1m": 15 * 60,
    "peak_rss_mib_1m": 2048,
    "peak_ratio_1m_100k": 1.5,
    "ingest_per_s": 50_000,
    "lda_docs_per_s_per_core": 1_000,
}
FEEDCARE = [sys.executable, "-m", "feedcare"]


def run_stage(args: list[str], cwd: Path) -> dict:
    """Run one feedcare command; return wall seconds, peak RSS (MiB), exit code, JSON output."""
    start = time.perf_counter()
    proc = subprocess.Popen([*FEEDCARE, *args], cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    stdout, stderr = proc.communicate()
    wall = time.perf_counter() - start
    rss_mib = _children_maxrss_mib()  # the child is reaped: its rusage is in RUSAGE_CHILDREN
    if proc.returncode not in (0, 3):
        raise RuntimeError(f"feedcare {' '.join(args)} failed ({proc.returncode}): {stderr.decode()[-2000:]}")
    try:
        payload = json.loads(stdout) if stdout.strip().startswith(b"{") else None
    except json.JSONDecodeError:
        payload = None
    return {"seconds": wall, "peak_rss_mib": rss_mib, "exit_code": proc.returncode, "json": payload}


def _children_maxrss_mib() -> float:
    """Largest resident set of any reaped descendant (ru_maxrss is in KiB on Linux).

    RUSAGE_CHILDREN is a running maximum over all children, so each stage is run from a fresh
    helper interpreter (:func:`_isolated`) that has no other children.
    """
    import resource

    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def pipeline(n_rows: int, workdir: Path) -> dict:
    csv_path, _ = write_inputs(n_rows)
    corpus = workdir / f"corpus-{n_rows}"
    shutil.rmtree(corpus, ignore_errors=True)
    stages = {
        "ingest": [
            "ingest",
            str(csv_path),
            "--text-column",
            "feedback",
            "--id-column",
            "comment_id",
            "--corpus",
            str(corpus),
            "--json",
        ],
        "tokens": ["tokens", "--corpus", str(corpus), "--json"],
        "topics": [
            "topics",
            "--corpus",
            str(corpus),
            "--k",
            "20",
            "--seed",
            "1",
            "--passes",
            "1",
            "--run-id",
            "bench",
            "--json",
        ],
        "themes": [
            "themes",
            "bench",
            "--corpus",
            str(corpus),
            "--format",
            "json",
            "--out",
            str(workdir / f"themes-{n_rows}.json"),
        ],
        # Every comment coded with its theme(s): the REFI-QDA project is streamed (issue 15).
        "qdpx": [
            "themes",
            "bench",
            "--corpus",
            str(corpus),
            "--out",
            str(workdir / f"project-{n_rows}.qdpx"),
        ],
    }
    results = {}
    for name, args in stages.items():
        results[name] = _isolated(args, workdir)
    shutil.rmtree(corpus, ignore_errors=True)
    return results


def _isolated(args: list[str], cwd: Path) -> dict:
    """Run a stage from a fresh helper interpreter so RUSAGE_CHILDREN holds only that stage."""
    code = (
        "import json,sys;from benchmarks.bench_scale import run_stage;from pathlib import Path;"
        "print(json.dumps(run_stage(json.loads(sys.argv[1]), Path(sys.argv[2]))))"
    )
    root = Path(__file__).resolve().parents[1]
    out = subprocess.run(
        [sys.executable, "-c", code, json.dumps(args), str(cwd)],
        cwd=root,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(root)},
    )
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-3000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def run(quick: bool) -> dict:
    workdir = DATA / "work"
    workdir.mkdir(parents=True, exist_ok=True)
    sizes = SIZES_QUICK if quick else SIZES_FULL
    results: dict = {"load_average_before": os.getloadavg()[0], "sizes": {}}
    for n in sizes:
        results["sizes"][str(n)] = pipeline(n, workdir)
    results["load_average_after"] = os.getloadavg()[0]
    return results


def _lda_rate(stage: dict) -> tuple[float, int] | None:
    """(units per second of the fit — one training pass plus the inference pass —, units)."""
    payload = stage.get("json") or {}
    fits = payload.get("fits") or []
    units = payload.get("n_units")
    if not fits or not units or not fits[0].get("fit_seconds"):
        return None
    return units / fits[0]["fit_seconds"], units


def _rate(name: str, n: int, stage: dict) -> str:
    payload = stage.get("json") or {}
    if name == "ingest":
        return f"{n / stage['seconds']:,.0f} comments/s"
    if name == "tokens":
        tokens = (payload.get("summary") or {}).get("tokens")
        return f"{tokens / stage['seconds']:,.0f} tokens/s" if tokens else ""
    if name == "topics":
        lda = _lda_rate(stage)
        return f"LDA fit {lda[0]:,.0f} units/s on 1 core ({lda[1]:,} units)" if lda else ""
    return ""


def markdown(results: dict) -> str:
    sizes = results["sizes"]
    lines = [
        "Comment tables generated from the NHS FFT comments (`benchmarks/generate.py`); each stage is "
        "one `feedcare` process (`ingest --json`, `tokens --json`, `topics --k 20 --seed 1 --passes 1`, "
        "`themes --format json`, `themes --out project.qdpx`: every comment coded). "
        "Wall time includes process start-up (~1 s). Peak RSS is the largest "
        "resident set of the stage's process tree.",
        "",
        "| comments | stage | wall (s) | peak RSS (MiB) | rate |",
        "|---:|---|---:|---:|---|",
    ]
    for size, stages in sizes.items():
        n = int(size)
        for name, r in stages.items():
            rate = _rate(name, n, r)
            lines.append(f"| {n:,} | {name} | {r['seconds']:.1f} | {r['peak_rss_mib']:.0f} | {rate} |")
        total = sum(r["seconds"] for r in stages.values())
        peak = max(r["peak_rss_mib"] for r in stages.values())
        lines.append(f"| {n:,} | **end to end** | **{total:.1f}** | **{peak:.0f}** | |")
    return "\n".join(lines) + "\n\n" + targets_markdown(sizes) + "\n"


NAMES = ("1M comments end to end < 15 min", "peak RSS at 1M < 2 GiB", "peak RSS at 1M ≤ 1.5 × at 100k")


def targets_markdown(sizes: dict) -> str:
    """Each target of the scale issue with the measured value and met / NOT met."""
    rows = ["| target | measured | |", "|---|---:|---|"]

    def row(name: str, value: str, ok: bool | None) -> None:
        verdict = "met" if ok else ("**NOT met**" if ok is False else "not measured")
        rows.append(f"| {name} | {value} | {verdict} |")

    def peak(size: str) -> float | None:
        stages = sizes.get(size)
        return max(r["peak_rss_mib"] for r in stages.values()) if stages else None

    big = sizes.get("1000000")
    if big:
        total = sum(r["seconds"] for r in big.values())
        top = peak("1000000") or 0.0
        row(NAMES[0], f"{total / 60:.1f} min", total < TARGETS["end_to_end_seconds_1m"])
        row(NAMES[1], f"{top:,.0f} MiB", top < TARGETS["peak_rss_mib_1m"])
        if "100000" in sizes:
            ratio = top / (peak("100000") or 1.0)
            row(NAMES[2], f"{ratio:.2f} ×", ratio <= TARGETS["peak_ratio_1m_100k"])
    else:
        for name in NAMES:
            row(name, "-", None)
    largest = max(sizes, key=int)
    stages = sizes[largest]
    ingest = int(largest) / stages["ingest"]["seconds"]
    judged = int(largest) >= 100_000  # at 10k the ~1 s of start-up is most of the time
    row(
        f"ingest ≥ 50,000 comments/s ({int(largest):,}, incl. start-up"
        f"{'' if judged else '; judged from 100k up'})",
        f"{ingest:,.0f}/s",
        ingest >= TARGETS["ingest_per_s"] if judged else None,
    )
    lda = _lda_rate(stages["topics"])
    if lda:
        row(
            f"LDA ≥ 1,000 docs/s per core at k = 20 ({lda[1]:,} units, one fit = one core)",
            f"{lda[0]:,.0f}/s",
            lda[0] >= TARGETS["lda_docs_per_s_per_core"],
        )
    rows.append("")
    rows.append("Tokenisation against the naive NLTK pipeline: see the tokens section.")
    return "\n".join(rows)
