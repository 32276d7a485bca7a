"""Fingerprint every output of the pipeline on fixed inputs, to prove a refactoring changed nothing.

    python -m benchmarks.golden OUTDIR > before.txt     # on the old code
    python -m benchmarks.golden OUTDIR > after.txt      # on the new code
    diff before.txt after.txt                           # empty: byte-identical outputs

It runs the installed `feedcare` command (ingest → tokens → topics → themes in every export
format) on the OSCE transcripts and the FFT comment table from ../shared/data (each left out
with a note when absent) and on the fictional examples, then prints `sha256  path` for every
file written. What legitimately differs between two runs is normalised before hashing, and
only that: wall-clock fields (run.json's `created`/`completed`/`timings`, `fit_seconds`,
`measure_seconds`, the manifest's `created`/`updated` and source `mtime_ns`, the `.qdpx` creation
times), absolute paths (the output folder and the repository root become placeholders), and
gensim's own model pickles, which carry gensim's lifecycle timestamps
(`models/*/model.gensim*` are listed, not hashed).

    python -m benchmarks.golden --digest-only OUTDIR     # re-hash an existing output folder
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("FEEDCARE_SHARED_DATA", ROOT.parent / "shared" / "data"))
TIME_KEYS = {"created", "updated", "completed", "seconds", "mtime_ns", "timings", "fit_seconds",
             "measure_seconds"}
_PATHS: list[tuple[str, str]] = []  # (absolute prefix, placeholder), set by main()

THEMES_FORMATS = [("table", None), ("csv", "themes.csv"), ("md", "themes.md"), ("json", "themes.json"),
                  (None, "report.html"), (None, "project.qdpx")]


def _cases() -> list[tuple[str, list[str], list[str], list[str]]]:
    cases = []
    osce = SHARED / "osce-interviews" / "transcripts"
    if osce.is_dir():
        cases.append(("osce", [str(osce), "--participant", "P", "--interviewer", "D"],
                      ["--k", "4:5", "--seeds", "2"], []))
    fft = SHARED / "nhs-feedback" / "text_data.csv"
    if fft.is_file():
        cases.append(("fft", [str(fft), "--text-column", "feedback"],
                      ["--k", "6", "--seeds", "2", "--passes", "2"], ["--by", "label"]))
    # the example analysis with its own feedcare.toml (meta, tokens and topics settings) and labels
    cases.append(("examples", [str(ROOT / "examples" / "transcripts")], [], ["--by", "age_band"]))
    return cases


def _run(args: list[str], cwd: Path) -> str:
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "120"}
    proc = subprocess.run(["feedcare", *args], cwd=cwd, capture_output=True, text=True, env=env)
    if proc.returncode not in (0, 3):
        sys.exit(f"feedcare {' '.join(args)} exited {proc.returncode}:\n{proc.stderr}")
    return proc.stdout


def _unpath(text: str) -> str:
    for prefix, placeholder in _PATHS:
        text = text.replace(prefix, placeholder)
    return text


def _scrub(obj):
    if isinstance(obj, dict):
        return {_unpath(k): ("(time)" if k in TIME_KEYS else _scrub(v)) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_scrub(v) for v in obj]
    if isinstance(obj, str):
        return _unpath(obj)
    return obj


def _digest(path: Path) -> str:
    if path.suffix == ".json":
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError):
            return hashlib.sha256(path.read_bytes()).hexdigest()
        digest = hashlib.sha256(json.dumps(_scrub(data), sort_keys=True).encode()).hexdigest()
        return digest + " (json, times scrubbed)"
    if path.name == "sweep.parquet":
        import pyarrow.parquet as pq

        table = pq.read_table(path)
        table = table.drop([c for c in table.column_names if c in TIME_KEYS])
        return hashlib.sha256(str(table.to_pylist()).encode()).hexdigest() + " (rows, times dropped)"
    if path.suffix == ".qdpx":
        import zipfile

        with zipfile.ZipFile(path) as zf:
            parts = [(name, zf.read(name)) for name in sorted(zf.namelist())]
        h = hashlib.sha256()
        for name, data in parts:
            if name.endswith(".qde"):
                data = re.sub(rb'creationDateTime="[^"]*"', b'creationDateTime="(time)"', data)
            h.update(name.encode() + b"\0" + data)
        return h.hexdigest() + " (zip members, creation times scrubbed)"
    if path.parent.parent.name == "models" and path.name.startswith("model.gensim"):
        return "(gensim pickle with lifecycle timestamps: not compared)"
    return hashlib.sha256(path.read_bytes()).hexdigest()


def digest_all(out: Path) -> None:
    _PATHS[:] = [(str(out.resolve()), "<out>"), (str(ROOT), "<repo>")]
    for path in sorted(p for p in out.rglob("*") if p.is_file()):
        if path.name.endswith(".lock"):
            continue
        print(f"{_digest(path)}  {path.relative_to(out)}")


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
        _run(["topics", *topics_args, "--run-id", "example", *corpus], work)
        for fmt, target in THEMES_FORMATS:
            labels = ["--labels", "themes.toml"] if name == "examples" else []
            args = ["themes", "example", *corpus, *labels]
            if fmt:
                args += ["--format", fmt]
            if target:
                _run([*args, "--out", str(work / target)], work)
            else:
                (work / "themes.txt").write_text(_run(args, work), encoding="utf-8")
        if by_args:
            by_csv = ["--format", "csv", "--out", str(work / "by.csv")]
            _run(["themes", "example", *corpus, *by_args, *by_csv], work)
    digest_all(out)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--digest-only":
        digest_all(Path(sys.argv[2]))
    else:
        main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("/tmp/feedcare-golden"))
