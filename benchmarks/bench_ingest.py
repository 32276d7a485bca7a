"""Throughput of `feedcare ingest` on comment tables and transcript folders.

Tables: the NHS FFT export from ../shared/data (10,334 rows), and the same rows repeated to
100,000 and 1,000,000 (written once to a temporary CSV; ids stay unique because the default
id is the row number). Target: at least 50,000 rows/s for a comment table, end to end
(reading, decoding, word counts, duplicate ids, writing the corpus).

Transcripts: the 272 OSCE interviews; reported as files/s. A re-run with nothing changed is
timed too (it must not rewrite the corpus).

``run(quick)`` returns the measurements; ``markdown(results)`` renders the section for
docs/performance.md; ``python benchmarks/bench_ingest.py [--quick]`` prints both.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
OSCE = SHARED / "osce-interviews" / "transcripts"
NHS_CSV = SHARED / "nhs-feedback" / "text_data.csv"
TARGET_ROWS_PER_S = 50_000


def _repeat_csv(rows: int, out: Path) -> Path:
    lines = NHS_CSV.read_bytes().split(b"\n", 1)
    header, body = lines[0], lines[1].rstrip(b"\n")
    import pyarrow.csv as pcsv

    n = pcsv.read_csv(NHS_CSV).num_rows
    with open(out, "wb") as handle:
        handle.write(header + b"\n")
        for _ in range(rows // n + 1):
            handle.write(body + b"\n")
    return out


def _time_ingest(sources: list[Path], corpus: Path, **config: Any) -> tuple[float, Any]:
    from feedcare.corpus import IngestConfig, ingest

    start = time.perf_counter()
    report = ingest(sources, corpus, IngestConfig(**config))
    return time.perf_counter() - start, report


def run(quick: bool = False) -> list[dict[str, Any]]:
    results: list[dict[str, Any]] = []
    sizes = [None] if quick else [None, 100_000, 1_000_000]
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        if NHS_CSV.exists():
            for size in sizes:
                table = NHS_CSV if size is None else _repeat_csv(size, tmp_path / f"fft-{size}.csv")
                seconds, report = _time_ingest([table], tmp_path / f"c-{size}", text_column="feedback")
                results.append(
                    {
                        "input": f"comment table, {report.documents:,} rows",
                        "seconds": seconds,
                        "rate": report.documents / seconds,
                        "unit": "rows/s",
                    }
                )
                again, _ = _time_ingest([table], tmp_path / f"c-{size}", text_column="feedback")
                results.append(
                    {
                        "input": f"  re-run, unchanged ({report.documents:,} rows)",
                        "seconds": again,
                        "rate": None,
                        "unit": "",
                    }
                )
        if OSCE.exists():
            seconds, report = _time_ingest([OSCE], tmp_path / "osce")
            results.append(
                {
                    "input": f"transcripts, {report.documents} files",
                    "seconds": seconds,
                    "rate": report.documents / seconds,
                    "unit": "files/s",
                }
            )
    return results


def markdown(results: list[dict[str, Any]]) -> str:
    lines = [
        "## feedcare ingest",
        "",
        f"Target: at least {TARGET_ROWS_PER_S:,} comment-table rows per second, end to end.",
        "",
        "| input | seconds | throughput |",
        "|---|---:|---:|",
    ]
    for r in results:
        rate = f"{r['rate']:,.0f} {r['unit']}" if r["rate"] else "-"
        lines.append(f"| {r['input']} | {r['seconds']:.2f} | {rate} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(markdown(run(quick="--quick" in sys.argv)))
