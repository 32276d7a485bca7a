"""Fingerprint every output of the pipeline on fixed inputs, to prove a refactoring changed nothing.

    python -m benchmarks.golden OUTDIR > before.txt     # on the old code
    python -m benchmarks.golden OUTDIR > after.txt      # on the new code
    diff before.txt after.txt                           # empty: byte-identical outputs

It runs the installed `feedcare` command (ingest → tokens → topics → themes in every export
format) on the OSCE transcripts and the FFT comment table from ../shared/data (each left out
with a note when absent) and on the fictional examples, then prints `sha256  path` for every
file written. Files that hold wall-clock times by design are listed with `(time)` in place of
the hash: run.json's `created`/`seconds`, sweep.parquet's `fit_seconds` and the manifest's
timestamps are normalised first, so only their time fields are excluded.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
TIME_KEYS = {"created", "seconds", "fit_seconds", "started", "finished", "updated", "ingested_at",
             "created_at", "elapsed_s", "wall_seconds"}

THEMES_FORMATS = [("table", None), ("csv", "themes.csv"), ("md", "themes.md"), ("json", "themes.json"),
                  (None, "report.html"), (None, "project.qdpx")]


def _cases() -> list[tuple[str, list[str], list[str], list[str]]]:
    cases = []
    osce = SHARED / "osce-interviews" / "transcripts"
    if osce.is_dir():
        cases.append(("osce", [str(osce), "--participant", "P", "--interviewer", "D"], ["--k", "4:5", "--seeds", "2"],
                      []))
    fft = SHARED / "nhs-feedback" / "text_data.csv"
    if fft.is_file():
        cases.append(("fft", [str(fft), "--text-column", "feedback"], ["--k", "6", "--seeds", "2", "--passes", "2"],
                      ["--by", "label"]))
    # the example analysis with its own feedcare.toml (meta, tokens and topics settings) and labels
    cases.append(("examples", [str(ROOT / "examples" / "transcripts")], [], ["--by", "age_band"]))
    return cases


def _run(args: list[str], cwd: Path) -> str:
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "120"}
    proc = subprocess.run(["feedcare", *args], cwd=cwd, capture_output=True, text=True, env=env)
    if proc.returncode not in (0, 3):
        sys.exit(f"feedcare {' '.join(args)} exited {proc.returncode}:\n{proc.stderr}")
    return proc.stdout


def _scrub(obj):
    if isinstance(obj, dict):
        return {k: ("(time)" if k in TIME_KEYS else _scrub(v)) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_scrub(v) for v in obj]
    return obj


def _digest(path: Path) -> str:
    if path.suffix == ".json":
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError):
            return hashlib.sha256(path.read_bytes()).hexdigest()
        return hashlib.sha256(json.dumps(_scrub(data), sort_keys=True).encode()).hexdigest() + " (json, times scrubbed)"
    if path.name == "sweep.parquet":
        import pyarrow.parquet as pq

        table = pq.read_table(path)
        table = table.drop([c for c in table.column_names if c in TIME_KEYS])
        return hashlib.sha256(str(table.to_pylist()).encode()).hexdigest() + " (rows, times dropped)"
    if path.suffix == ".qdpx":
        import zipfile

        with zipfile.ZipFile(path) as zf:
            parts = [(i.filename, zf.read(i.filename)) for i in sorted(zf.infolist(), key=lambda i: i.filename)]
        h = hashlib.sha256()
        for name, data in parts:
            h.update(name.encode() + b"\0" + data)
        return h.hexdigest() + " (zip members)"
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main(out: Path) -> None:
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    for name, ingest_args, topics_args, by_args in _cases():
        work = out / name
        work.mkdir()
        if name == "examples":
            for f in ("feedcare.toml", "participants.csv", "themes.toml"):
                shutil.copy(ROOT / "examples" / f, work / f)
        corpus = ["--corpus", str(work / "corpus")]
        _run(["ingest", *ingest_args, *corpus], work)
        _run(["tokens", *corpus], work)
        _run(["topics", *topics_args, "--run-id", "golden", *corpus], work)
        for fmt, target in THEMES_FORMATS:
            args = ["themes", "golden", *corpus, *(["--labels", "themes.toml"] if name == "examples" else [])]
            if fmt:
                args += ["--format", fmt]
            if target:
                _run([*args, "--out", str(work / target)], work)
            else:
                (work / "themes.txt").write_text(_run(args, work), encoding="utf-8")
        if by_args:
            _run(["themes", "golden", *corpus, *by_args, "--format", "csv", "--out", str(work / "by.csv")], work)
    for path in sorted(p for p in out.rglob("*") if p.is_file()):
        if path.name.endswith(".lock"):
            continue
        print(f"{_digest(path)}  {path.relative_to(out)}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("/tmp/feedcare-golden"))
