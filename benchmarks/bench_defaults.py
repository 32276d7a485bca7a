"""Defaults that scale (issue 16): today's `feedcare topics` defaults against the ones before, side by side.

Every run is one `feedcare topics` process as a user types it, once with the shipped defaults
("new") and once with the defaults before issue 16 ("old": 20 passes, chunks of 2,000 units,
3 seeds, written to a feedcare.toml), on the same corpora in the same benchmark run:

1. Time (the issue's acceptance): `feedcare topics --k 4:12` on the shared NHS FFT table, and
   the whole pipeline (`ingest`, `tokens`, `topics --k 20`, `themes`) on 100,000 generated
   comments. Targets: <= 3 minutes each on 2 cores.
2. Quality, old against new, at ~1k, ~10k and ~100k units: c_npmi and c_v (mean over fits),
   stability (matched top-10 Jaccard across seeds, mean over k), the NMI between each unit's
   dominant topic and a human label (FFT `label`; the generated tables carry it along), and on
   planted corpora (:mod:`benchmarks.planted`) the recovery of the true topics. "Within noise"
   means the new mean is at least the old mean minus twice the standard error of the paired
   (k, seed) differences.

The machine is usually shared: each timing carries the load average before and after it and
the busiest other processes at its start. Quality does not depend on the load.

``run(quick)`` returns the numbers; ``markdown(results)`` renders the docs/performance.md section;
``python -m benchmarks.run --only defaults`` runs it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from .generate import write_inputs
from .planted import recovery, write_planted
from .validity import nmi

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
NHS_CSV = SHARED / "nhs-feedback" / "text_data.csv"
OSCE = SHARED / "osce-interviews" / "transcripts"
FEEDCARE = [sys.executable, "-m", "feedcare"]
TARGET_SECONDS = 180
STAGES = ("ingest", "tokens", "topics", "themes")
# The [topics] defaults before issue 16, as a user would pin them in feedcare.toml.
OLD_DEFAULTS = "[topics]\npasses = 20\nchunksize = 2000\nseeds = 3\n"


# --- running feedcare -----------------------------------------------------------------------------


def others() -> list[str]:
    """The busiest processes not started by this benchmark (name and %CPU), for the load note."""
    mine = {os.getpid()}
    try:
        out = subprocess.run(["ps", "-eo", "pid,ppid,pcpu,comm", "--sort=-pcpu"], capture_output=True,
                             text=True, check=True).stdout.splitlines()[1:]
    except (OSError, subprocess.CalledProcessError):
        return []
    busy = []
    for line in out:
        pid, ppid, cpu, name = line.split(None, 3)
        if int(pid) in mine or int(ppid) in mine or float(cpu) < 5:
            continue
        busy.append(f"{name} {float(cpu):.0f}%")
    return busy[:6]


def feedcare(*args: str | Path, cwd: Path | None = None) -> dict[str, Any]:
    """One feedcare process: wall seconds, load average before/after, its JSON output."""
    load = os.getloadavg()[0]
    busy = others()
    started = time.perf_counter()
    proc = subprocess.run([*FEEDCARE, *map(str, args)], cwd=cwd, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if proc.returncode not in (0, 3):
        command = " ".join(map(str, args))
        raise RuntimeError(f"feedcare {command} exited {proc.returncode}: {proc.stderr[-2000:]}")
    payload = json.loads(proc.stdout) if proc.stdout.lstrip().startswith("{") else None
    return {"seconds": seconds, "load_before": load, "load_after": os.getloadavg()[0], "others": busy,
            "json": payload}


# --- corpora ------------------------------------------------------------------------------------


def comment_corpus(table: Path, corpus: Path, text: str, ident: str, *tokens: str) -> dict[str, Any]:
    shutil.rmtree(corpus, ignore_errors=True)
    ingest = feedcare("ingest", table, "--text-column", text, "--id-column", ident, "--corpus", corpus,
                      "--json")
    tokenised = feedcare("tokens", "--corpus", corpus, "--json", *tokens)
    return {"ingest": ingest, "tokens": tokenised}


def osce_corpus(tmp: Path) -> Path:
    source = tmp / "osce-src"
    source.mkdir(exist_ok=True)
    for path in sorted(OSCE.glob("*.txt")):
        (source / path.name).symlink_to(path)
    corpus = tmp / "osce"
    feedcare("ingest", source, "--corpus", corpus, "--json")
    feedcare("tokens", "--corpus", corpus, "--json")
    return corpus


PLANTED_TOKENS = ("--no-phrases", "--no-lemmatize", "--no-above", "1.0", "--no-below", "1")


# --- one topics run and its quality ---------------------------------------------------------------


def unit_labels(corpus: Path, column: str) -> np.ndarray | None:
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    documents = pq.read_table(corpus / "documents.parquet")
    if column not in documents.column_names:
        return None
    units = pq.read_table(corpus / "tokens.parquet", columns=["doc_id"])
    labels = documents[column].take(pc.index_in(units["doc_id"], value_set=documents["doc_id"]))
    return np.asarray(labels.to_pylist(), dtype=object)


def dominant_topics(run: Any, model: str, n_units: int, k: int) -> np.ndarray:
    weights = np.zeros((n_units, k))
    for batch in run.iter_doc_topics(model, ["unit_id", "topic", "weight"]):
        weights[batch.column(0).to_numpy(), batch.column(1).to_numpy()] = batch.column(2).to_numpy()
    return weights.argmax(axis=1)


def topics_run(corpus: Path, k: str, defaults: str, workdir: Path, label: str | None = None,
               truth: list[list[str]] | None = None) -> dict[str, Any]:
    """`feedcare topics --k K` with the new or old defaults; its time, settings and quality per fit."""
    from feedcare.topics import open_run

    cwd = workdir / f"cwd-{defaults}"
    cwd.mkdir(parents=True, exist_ok=True)
    if defaults == "old":
        (cwd / "feedcare.toml").write_text(OLD_DEFAULTS, encoding="utf-8")
    run_id = f"bench-{defaults}-{k.replace(':', '-')}"
    shutil.rmtree(corpus / "runs" / run_id, ignore_errors=True)
    timed = feedcare("topics", "--corpus", corpus.resolve(), "--k", k, "--run-id", run_id, "--json", cwd=cwd)
    report = timed.pop("json")
    run = open_run(corpus, run_id)
    labels = unit_labels(corpus, label) if label else None
    fits = []
    for fit in report["fits"]:
        row = {key: fit.get(key) for key in ("model", "k", "seed", "c_npmi", "c_v", "fit_seconds")}
        row.update({key: fit["engine_info"].get(key) for key in ("passes_run", "converged")})
        if labels is not None:
            dominant = dominant_topics(run, fit["model"], report["n_units"], fit["k"]).tolist()
            row["nmi"] = nmi(list(zip(labels.tolist(), dominant, strict=True)))
        if truth is not None:
            topics = run.topics(fit["model"])
            terms: dict[int, list[str]] = {}
            for t, term in zip(topics["topic"].to_pylist(), topics["term"].to_pylist(), strict=True):
                terms.setdefault(t, []).append(term)
            row["recovery"] = recovery([terms[t][:10] for t in sorted(terms)], truth)
        fits.append(row)
    settings = report["engine"]["settings"]
    return {**timed, "defaults": defaults, "k": k, "n_units": report["n_units"], "fits": fits,
            "stability": {str(r["k"]): r["mean"]["stability"] for r in report["by_k"]},
            "settings": {key: settings.get(key) for key in ("passes", "chunksize", "convergence")},
            "seeds": report["seeds"], "chosen_model": report["chosen_model"]}


def seed_sd(fits: list[dict[str, Any]], measure: str) -> float:
    """Seed-to-seed standard deviation of ``measure`` within k, pooled over the ks."""
    variances = []
    for k in sorted({f["k"] for f in fits}):
        values = [f[measure] for f in fits if f["k"] == k and f.get(measure) is not None]
        if len(values) > 1:
            variances.append(float(np.var(values, ddof=1)))
    return float(np.sqrt(np.mean(variances))) if variances else float("nan")


def compare(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """Each measure's mean per side, and new − old over the (k, seed) pairs both fitted.

    The new defaults' fits share seeds with the old ones and often *are* a prefix of them (the
    same fit stopped after fewer passes), so the paired difference shows the systematic effect
    with little noise. "Within noise" asks whether that effect is smaller than what re-running
    the old defaults with other seeds would change: twice the standard error of the difference
    of two such runs, 2·sd·√(2/n), with sd the seed-to-seed standard deviation within k.
    """
    out: dict[str, Any] = {}
    pairs = {(f["k"], f["seed"]): f for f in old["fits"]}
    for measure in ("c_npmi", "c_v", "nmi", "recovery"):
        if measure not in new["fits"][0]:
            continue
        diffs = [f[measure] - pairs[(f["k"], f["seed"])][measure] for f in new["fits"]
                 if (f["k"], f["seed"]) in pairs and f[measure] is not None]
        diff = float(np.mean(diffs)) if diffs else float("nan")
        sd = seed_sd(old["fits"], measure)
        bound = 2 * sd * np.sqrt(2 / len(diffs)) if diffs and np.isfinite(sd) else float("nan")
        out[measure] = {
            "old": float(np.mean([f[measure] for f in old["fits"]])),
            "new": float(np.mean([f[measure] for f in new["fits"]])),
            "diff": diff, "pairs": len(diffs), "seed_sd": sd, "noise": float(bound),
            "within_noise": bool(diff >= -bound) if np.isfinite(bound) else None,
        }
    stab = {side: [v for v in run["stability"].values() if v is not None] for side, run in
            (("old", old), ("new", new))}
    out["stability"] = {side: float(np.mean(v)) if v else None for side, v in stab.items()}
    chosen = {side: next(f for f in run["fits"] if f["model"] == run["chosen_model"]) for side, run in
              (("old", old), ("new", new))}
    out["chosen"] = {side: {"model": f["model"], "c_npmi": f["c_npmi"], "nmi": f.get("nmi"),
                            "recovery": f.get("recovery")} for side, f in chosen.items()}
    return out


# --- the suite ----------------------------------------------------------------------------------


def run(quick: bool = False) -> dict[str, Any]:
    if not NHS_CSV.is_file():
        return {"skipped": f"shared data not found at {NHS_CSV}"}
    results: dict[str, Any] = {"quick": quick, "cpu_count": os.cpu_count(), "cases": {}, "pipeline": {}}
    with tempfile.TemporaryDirectory(prefix="feedcare-defaults-") as tmp_name:
        tmp = Path(tmp_name)
        cases = results["cases"]

        def case(name: str, corpus: Path, k: str, **kw: Any) -> None:
            print(f"[defaults] {name} k={k}", flush=True)
            runs = {d: topics_run(corpus, k, d, tmp / name, **kw) for d in ("new", "old")}
            cases[name] = {"k": k, **runs, "compare": compare(runs["old"], runs["new"])}

        # ~1k units
        gen1k, _ = write_inputs(1_000)
        comment_corpus(gen1k, tmp / "gen1k", "feedback", "comment_id")
        case("generated 1,000 comments", tmp / "gen1k", "10:20:10", label="label")
        planted_csv, truth = write_planted(1_000)
        comment_corpus(planted_csv, tmp / "planted1k", "text", "comment_id", *PLANTED_TOKENS)
        case("planted 1,000", tmp / "planted1k", "10", label="topic", truth=truth)
        if OSCE.is_dir() and not quick:
            case("OSCE participant turns", osce_corpus(tmp), "10:20:10")
        # ~10k units: the acceptance sweep on the real FFT comments
        comment_corpus(NHS_CSV, tmp / "fft", "feedback", "row_index")
        case("NHS FFT comments", tmp / "fft", "4:6" if quick else "4:12", label="label")
        if not quick:
            planted_csv, truth = write_planted(10_000)
            comment_corpus(planted_csv, tmp / "planted10k", "text", "comment_id", *PLANTED_TOKENS)
            case("planted 10,000", tmp / "planted10k", "10", label="topic", truth=truth)
            # ~100k units: the acceptance pipeline, then the old defaults' topics stage on it
            gen100k, _ = write_inputs(100_000)
            corpus = tmp / "gen100k"
            stages = comment_corpus(gen100k, corpus, "feedback", "comment_id")
            print("[defaults] generated 100,000 comments k=20", flush=True)
            new = topics_run(corpus, "20", "new", tmp / "gen100k-runs", label="label")
            themes = feedcare("themes", new_run_id(new), "--corpus", corpus, "--format", "json",
                              "--out", tmp / "themes.json")
            results["pipeline"] = {"ingest": stages["ingest"], "tokens": stages["tokens"],
                                   "topics": {k: v for k, v in new.items() if k != "fits"}, "themes": themes}
            old = topics_run(corpus, "20", "old", tmp / "gen100k-runs", label="label")
            cases["generated 100,000 comments"] = {"k": "20", "new": new, "old": old,
                                                   "compare": compare(old, new)}
            planted_csv, truth = write_planted(100_000)
            comment_corpus(planted_csv, tmp / "planted100k", "text", "comment_id", *PLANTED_TOKENS)
            case("planted 100,000", tmp / "planted100k", "10", label="topic", truth=truth)
    return results


def new_run_id(run: dict[str, Any]) -> str:
    return f"bench-{run['defaults']}-{run['k'].replace(':', '-')}"


# --- the report ---------------------------------------------------------------------------------


def _load(r: dict[str, Any]) -> str:
    return f"{r['load_before']:.1f} → {r['load_after']:.1f}"


def _verdict(seconds: float) -> str:
    return "met" if seconds <= TARGET_SECONDS else "**not met**"


def _settings(run: dict[str, Any]) -> str:
    s = run["settings"]
    passes = [f["passes_run"] for f in run["fits"]]
    ran = f"{min(passes)}" if min(passes) == max(passes) else f"{min(passes)}–{max(passes)}"
    stop = f", stop < {s['convergence']:g}" if s.get("convergence") else ""
    return f"{len(run['seeds'])} seeds, ≤ {s['passes']} passes{stop}, chunks {s['chunksize']:,}; ran {ran}"


def _chosen(fit: dict[str, Any]) -> str:
    extra = "".join(f", {name} {fit[key]:.3f}" for key, name in (("nmi", "NMI"), ("recovery", "recovery"))
                    if fit.get(key) is not None)
    return f"{fit['model']} (c_npmi {fit['c_npmi']:.3f}{extra})"


def markdown(results: dict[str, Any]) -> str:
    if "skipped" in results:
        return f"Skipped: {results['skipped']}.\n"
    cases = results["cases"]
    lines = [
        "Old defaults: 20 passes, chunks of 2,000 units, 3 seeds (before issue 16). New defaults: what "
        "`feedcare topics` does today without options (settings that follow the corpus; see "
        "docs/topics.md). Each run is one `feedcare topics` process, as a user types it, in this one "
        "benchmark run. Load: the 1-minute load average before → after the run (2 cores: above 2 "
        "means other work was queued); busy: the busiest other processes when it started.",
        "",
        "### Time (the issue's acceptance)",
        "",
        "| command | old defaults | new defaults | target | | load (new run) |",
        "|---|---:|---:|---:|---|---|",
    ]
    fft = cases.get("NHS FFT comments")
    if fft:
        lines.append(
            f"| `feedcare topics --k {fft['k']}`, NHS FFT ({fft['new']['n_units']:,} units; "
            f"{len(fft['old']['fits'])} vs {len(fft['new']['fits'])} fits) | {fft['old']['seconds']:.0f} s | "
            f"**{fft['new']['seconds']:.0f} s** | {TARGET_SECONDS} s | {_verdict(fft['new']['seconds'])} | "
            f"{_load(fft['new'])} |")
    pipe = results.get("pipeline")
    if pipe:
        total = sum(pipe[s]["seconds"] for s in STAGES)
        old = cases["generated 100,000 comments"]["old"]
        old_total = total - pipe["topics"]["seconds"] + old["seconds"]
        stages = ", ".join(f"{s} {pipe[s]['seconds']:.0f} s" for s in STAGES)
        lines.append(
            f"| ingest → tokens → `topics --k 20` → themes, 100,000 generated comments ({stages}) | "
            f"{old_total:.0f} s (topics {old['seconds']:.0f} s) | **{total:.0f} s** | {TARGET_SECONDS} s | "
            f"{_verdict(total)} | {_load(pipe['topics'])} |")
    timed = (("FFT sweep", fft and fft["new"]), ("100k topics", pipe and pipe["topics"]))
    busy = [(name, r) for name, r in timed if r]
    lines += ["", *[f"Busy at the start of the {name} (new defaults): "
                    f"{', '.join(r['others']) or 'nothing above 5% CPU'}." for name, r in busy], ""]
    lines += [
        "### Quality, old against new defaults",
        "",
        "Means over every fit (k × seeds); in brackets Δ = new − old over the (k, seed) pairs both "
        "fitted, and the noise: twice the standard error of the difference between two runs of the "
        "old defaults with other seeds, 2·sd·√(2/n) (sd: seed-to-seed standard deviation within k, n: "
        "pairs). ✓ = within noise or better (Δ ≥ −noise). Chosen: the recommended model of each run "
        "(its c_npmi, and NMI or recovery). Stability: mean over k of the mean matched "
        "top-10 Jaccard between seeds. NMI: each unit's dominant topic against the label column "
        "(FFT `label`; planted: the comment's largest planted topic). Recovery: mean matched top-10 "
        "Jaccard of the planted topics with the fitted ones.",
        "",
        "| corpus | units | k | old: settings | new: settings | c_npmi old → new (Δ, noise) | "
        "c_v old → new | stability old → new | NMI old → new | recovery old → new | chosen old → new | "
        "fit s old → new |",
        "|---|---:|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, c in cases.items():
        cmp_ = c["compare"]

        def cell(measure: str, cmp_: dict = cmp_) -> str:
            m = cmp_.get(measure)
            if not m:
                return "–"
            mark = {True: " ✓", False: " **✗**", None: ""}[m["within_noise"]]
            noise = f", noise {m['noise']:.3f}" if np.isfinite(m["noise"]) else ""
            return f"{m['old']:.3f} → {m['new']:.3f} ({m['diff']:+.3f}{noise}){mark}"

        st = cmp_["stability"]
        stab = "–" if st["old"] is None or st["new"] is None else f"{st['old']:.2f} → {st['new']:.2f}"
        secs = " → ".join(f"{np.mean([f['fit_seconds'] for f in c[d]['fits']]):.1f}" for d in ("old", "new"))
        chosen = " → ".join(_chosen(cmp_["chosen"][d]) for d in ("old", "new"))
        lines.append(
            f"| {name} | {c['new']['n_units']:,} | {c['k'].replace(':', '–', 1).replace(':', ' step ')} | "
            f"{_settings(c['old'])} | {_settings(c['new'])} | {cell('c_npmi')} | {cell('c_v')} | {stab} | "
            f"{cell('nmi')} | {cell('recovery')} | {chosen} | {secs} |")
    lines.append("")
    return "\n".join(lines)


def acceptance_times() -> dict[str, Any]:
    """Only the issue's two timed commands with the new defaults (to re-measure on a quieter machine)."""
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="feedcare-defaults-") as tmp_name:
        tmp = Path(tmp_name)
        comment_corpus(NHS_CSV, tmp / "fft", "feedback", "row_index")
        out["fft_sweep"] = {k: v for k, v in topics_run(tmp / "fft", "4:12", "new", tmp / "fft-runs").items()
                            if k != "fits"}
        gen100k, _ = write_inputs(100_000)
        stages = comment_corpus(gen100k, tmp / "gen100k", "feedback", "comment_id")
        topics = topics_run(tmp / "gen100k", "20", "new", tmp / "gen100k-runs")
        themes = feedcare("themes", new_run_id(topics), "--corpus", tmp / "gen100k", "--format", "json",
                          "--out", tmp / "themes.json")
        out["pipeline"] = {"ingest": stages["ingest"], "tokens": stages["tokens"],
                           "topics": {k: v for k, v in topics.items() if k != "fits"}, "themes": themes}
    for stage in out["pipeline"].values():
        stage.pop("json", None)
    return out


if __name__ == "__main__":
    if "--time" in sys.argv:  # python -m benchmarks.bench_defaults --time
        timed = acceptance_times()
        pipe = timed["pipeline"]
        print(json.dumps(timed, indent=2, default=str))
        sweep = timed["fft_sweep"]
        print(f"FFT sweep {sweep['seconds']:.0f} s (load {_load(sweep)}); 100k pipeline "
              f"{sum(pipe[s]['seconds'] for s in STAGES):.0f} s ("
              + ", ".join(f"{s} {pipe[s]['seconds']:.0f} s, load {_load(pipe[s])}" for s in STAGES) + ")")
    else:
        quick_run = "--quick" in sys.argv
        measured = run(quick_run)
        print(json.dumps(measured, indent=2, default=str))
        print(markdown(measured))
