"""End-to-end scale benchmark: ingest → tokens → topics (k=20, one seed) → themes on comment tables.

Each stage runs as its own `feedcare` process; wall time and peak RSS come from the kernel's
resource accounting for that process tree (os.wait4: ru_maxrss is the largest resident set of
the stage process or any of its worker processes).
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
    return {str(n): pipeline(n, workdir) for n in sizes}


def markdown(results: dict) -> str:
    lines = [
        "| comments | stage | wall (s) | peak RSS (MiB) | rate |",
        "|---:|---|---:|---:|---|",
    ]
    for size, stages in results.items():
        n = int(size)
        for name, r in stages.items():
            rate = ""
            if name == "ingest":
                rate = f"{n / r['seconds']:,.0f} comments/s"
            elif name == "tokens" and r.get("json"):
                tokens = r["json"].get("summary", r["json"]).get("tokens") or r["json"].get("n_tokens")
                if tokens:
                    rate = f"{tokens / r['seconds']:,.0f} tokens/s"
            elif name == "topics" and r.get("json"):
                units = r["json"].get("n_units")
                if units:
                    rate = f"{units / r['seconds']:,.0f} docs/s (whole stage)"
            lines.append(f"| {n:,} | {name} | {r['seconds']:.1f} | {r['peak_rss_mib']:.0f} | {rate} |")
        total = sum(r["seconds"] for r in stages.values())
        peak = max(r["peak_rss_mib"] for r in stages.values())
        lines.append(f"| {n:,} | **end to end** | **{total:.1f}** | **{peak:.0f}** | |")
    return "\n".join(lines) + "\n"
