"""`feedcare topics`: parallel sweep speed-up, per-fit overhead, and both engines' quality side by side.

1. Sweep: the same 12 fits (OSCE participant turns, k 6-17, one seed, gensim defaults: a few
   seconds each) run as a fresh ``feedcare topics`` process, as users run it, with ``--jobs 1``
   and ``--jobs 2``; best of 3 each (target: >= 1.8x on 2 cores). The outputs must be
   byte-identical.
2. Overhead: feedcare's gensim engine (bag of words streamed from Parquet per pass, then a
   batched inference pass for the unit-topic distribution) against a bare ``LdaModel`` call with
   the same parameters on an in-memory list plus the same inference (target: < 10%). The full
   ``fit_topics`` of one fit (with coherence measures and writing the run) is reported beside it.
3. Quality on the OSCE participant turns, gensim's bundled Lee corpus and the shared NHS
   comments (``feedcare tokens`` defaults), k = 10, 15, 20 x 3 seeds: fit seconds, c_npmi, c_v,
   diversity and stability across seeds of feedcare's gensim and tomotopy engines (defaults), a
   newcomer's gensim script (``LdaModel(corpus, num_topics, id2word)``), a bare tomotopy script
   with feedcare's tomotopy settings, and bare tomotopy with its own defaults; all on the same
   units and measured the same way (top-10 terms).
4. Engine vs bare script (issue 8's acceptance): on the OSCE turns, feedcare's tomotopy engine
   against a bare script with the same settings that feeds each unit's tokens in their original
   order, over more seeds, with the seed-to-seed noise of the difference.

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
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
OSCE = SHARED / "osce-interviews" / "transcripts"
NHS_CSV = SHARED / "nhs-feedback" / "text_data.csv"
SPEEDUP_TARGET = 1.8
OVERHEAD_TARGET = 0.10
OVERHEAD_K = 10
QUALITY_KS = (10, 15, 20)
SWEEP_KS = "6:17"  # 12 fits of one seed
REPEATS = 3  # best of 3: single timings are noisy on a shared machine

TopicTerm = Callable[[int, int], np.ndarray]  # (k, seed) -> k x V topic-term matrix


def _feedcare(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "feedcare", *args], check=True, capture_output=True)


# --- corpora -----------------------------------------------------------------------------------


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


def nhs_corpus(tmp: Path) -> Path:
    """The shared NHS Friends and Family Test comments."""
    corpus = tmp / "nhs"
    _feedcare("ingest", str(NHS_CSV), "--corpus", str(corpus), "--text-column", "feedback",
              "--id-column", "row_index")
    _feedcare("tokens", "--corpus", str(corpus), "--jobs", "1")
    return corpus


# --- 1. sweep -----------------------------------------------------------------------------------


def _hashes(run_dir: Path) -> list[str]:
    names = ("topics.parquet", "doc_topics.parquet")
    return [hashlib.sha256((run_dir / name).read_bytes()).hexdigest() for name in names]


def sweep(corpus: Path, quick: bool) -> dict[str, Any]:
    """Wall seconds of one ``feedcare topics`` process per --jobs value, best of REPEATS."""
    ks = "6:7" if quick else SWEEP_KS
    repeats = 1 if quick else REPEATS
    out: dict[str, Any] = {"ks": ks, "seeds": 1 if not quick else 2, "repeats": repeats,
                           "load_before": os.getloadavg()[0]}
    seeds = ["--seeds", "2"] if quick else ["--seed", "1"]
    for jobs in (1, 2):
        times, hashes = [], None
        for i in range(repeats):
            run_id = f"bench-sweep-j{jobs}-{i}"
            started = time.perf_counter()
            _feedcare("topics", "--corpus", str(corpus), "--k", ks, *seeds, "--jobs", str(jobs),
                      "--run-id", run_id)
            times.append(time.perf_counter() - started)
            hashes = _hashes(corpus / "runs" / run_id)
        out[f"jobs{jobs}_seconds"] = min(times)
        out[f"jobs{jobs}_all"] = times
        out[f"jobs{jobs}_hashes"] = hashes
    out["fits"] = len(range(*_span(ks))) * out["seeds"]
    out["speedup"] = out["jobs1_seconds"] / out["jobs2_seconds"]
    out["identical"] = out["jobs1_hashes"] == out["jobs2_hashes"]
    out["load_after"] = os.getloadavg()[0]
    return out


def _span(ks: str) -> tuple[int, int]:
    start, stop = (int(x) for x in ks.split(":"))
    return start, stop + 1


# --- 2. overhead --------------------------------------------------------------------------------


def overhead(corpus: Path, repeats: int) -> dict[str, Any]:
    """Best-of-``repeats`` seconds: feedcare engine vs bare gensim, same parameters and seed."""
    import pyarrow.parquet as pq
    from feedcare.topics import TopicsConfig, fit_topics
    from feedcare.topics import engine as gensim_engine
    from feedcare.topics.fit.bow import BowCorpus, load_terms
    from gensim.models import LdaModel

    config = TopicsConfig(k=OVERHEAD_K, seed=1, seeds=1)
    settings = gensim_engine.settings(config)
    terms = load_terms(pq.read_table(corpus / "vocabulary.parquet"))
    bow = BowCorpus(corpus / "tokens.parquet")
    in_memory = list(bow)
    id2word = dict(enumerate(terms))
    params = {k: settings[k] for k in ("passes", "iterations", "alpha", "eta", "chunksize", "update_every",
                                       "gamma_threshold", "decay", "offset")}

    def bare() -> None:
        model = LdaModel(in_memory, num_topics=OVERHEAD_K, id2word=id2word, random_state=1, eval_every=None,
                         **params)
        for start in range(0, len(in_memory), 4096):
            model.inference(in_memory[start : start + 4096])

    def ours() -> None:
        gensim_engine.fit(bow, terms, OVERHEAD_K, 1, settings)

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


# --- 3. quality ---------------------------------------------------------------------------------


class Measurer:
    """Measures any topic-term matrix on one corpus exactly as feedcare measures its own fits."""

    def __init__(self, corpus: Path) -> None:
        import pyarrow.parquet as pq
        from feedcare.topics.fit.bow import BowCorpus, TextCorpus, load_terms

        self.tokens = corpus / "tokens.parquet"
        self.terms = load_terms(pq.read_table(corpus / "vocabulary.parquet"))
        self.bows = list(BowCorpus(self.tokens))
        self.texts = list(TextCorpus(self.tokens))

    def measure(self, topic_term: np.ndarray) -> dict[str, Any]:
        from feedcare.topics.measures.coherence import measure_model, top_term_ids

        measured = measure_model(topic_term, self.terms, self.tokens)
        top = [[self.terms[i] for i in ids] for ids in top_term_ids(topic_term)]
        return {"diversity": measured.diversity, "top_terms": top,
                "c_npmi": measured.c_npmi or 0.0, "c_v": measured.c_v or 0.0}


def _script_fits(fit: TopicTerm, measurer: Measurer, ks: tuple[int, ...], seeds: list[int]) -> list[dict]:
    rows = []
    for k in ks:
        for seed in seeds:
            started = time.perf_counter()
            topic_term = fit(k, seed)
            seconds = time.perf_counter() - started
            rows.append({"k": k, "seed": seed, "seconds": seconds, **measurer.measure(topic_term)})
    return rows


def _engine_fits(corpus: Path, engine: str, ks: tuple[int, ...], seeds: list[int]) -> list[dict]:
    from feedcare.topics import TopicsConfig, fit_topics

    k_spec = ks[0] if len(ks) == 1 else f"{ks[0]}:{ks[-1]}:{ks[1] - ks[0]}"
    config = TopicsConfig(k=k_spec, seed=seeds[0], seeds=len(seeds), engine=engine)
    report = fit_topics(corpus, config, run_id=f"bench-quality-{engine}", jobs=1)
    stability = {row["k"]: row["mean"]["stability"] for row in report.by_k}
    return [{"k": fit["k"], "seed": fit["seed"], "seconds": fit["fit_seconds"], "c_npmi": fit["c_npmi"],
             "c_v": fit["c_v"], "diversity": fit["diversity"], "k_stability": stability[fit["k"]]}
            for fit in report.fits]


def summarise(rows: list[dict]) -> dict[str, float]:
    """Mean of each measure over all fits; stability = mean over k of the mean pair stability."""
    from feedcare.topics.measures.stability import k_stability, pairwise_stability

    out = {key: float(np.mean([r[key] for r in rows])) for key in ("c_npmi", "c_v", "diversity", "seconds")}
    out["c_npmi_sd"] = float(np.std([r["c_npmi"] for r in rows], ddof=1)) if len(rows) > 1 else 0.0
    per_k = []
    for k in sorted({r["k"] for r in rows}):
        group = [r for r in rows if r["k"] == k]
        if "k_stability" in group[0]:
            per_k.append(group[0]["k_stability"])
        elif len(group) > 1:
            per_k.append(k_stability(pairwise_stability([r["top_terms"] for r in group])))
    present = [v for v in per_k if v is not None]
    out["stability"] = float(np.mean(present)) if present else float("nan")
    out["fits"] = len(rows)
    return out


def quality(corpus: Path, ks: tuple[int, ...], seeds: list[int]) -> dict[str, Any]:
    """Every method's mean measures over ``ks`` x ``seeds`` on one corpus."""
    from feedcare.topics import TopicsConfig, engine_tomotopy

    measurer = Measurer(corpus)
    ours = engine_tomotopy.settings(TopicsConfig(engine="tomotopy"))
    bows, texts, terms = measurer.bows, measurer.texts, measurer.terms
    methods = {
        "feedcare, gensim engine (defaults)": _engine_fits(corpus, "gensim", ks, seeds),
        "feedcare, tomotopy engine (defaults)": _engine_fits(corpus, "tomotopy", ks, seeds),
        "newcomer gensim script (gensim defaults)": _script_fits(
            lambda k, seed: newcomer_gensim(bows, terms, k, seed), measurer, ks, seeds),
        "bare tomotopy script, feedcare's settings": _script_fits(
            lambda k, seed: bare_tomotopy(texts, terms, k, seed, ours), measurer, ks, seeds),
        "bare tomotopy script, tomotopy defaults, 1000 it.": _script_fits(
            lambda k, seed: bare_tomotopy(texts, terms, k, seed, {}), measurer, ks, seeds),
    }
    return {"units": len(measurer.bows), "terms": len(measurer.terms), "ks": list(ks), "seeds": seeds,
            "tomotopy_settings": ours,
            "methods": {name: summarise(rows) for name, rows in methods.items()}}


def newcomer_gensim(bows: list, terms: list[str], k: int, seed: int) -> np.ndarray:
    from gensim.models import LdaModel

    # What a tutorial writes: gensim's defaults (1 pass, 50 iterations, perplexity every 10 chunks).
    model = LdaModel(bows, num_topics=k, id2word=dict(enumerate(terms)), random_state=seed)
    return model.get_topics()


def bare_tomotopy(texts: list[list[str]], terms: list[str], k: int, seed: int,
                  settings: dict[str, Any]) -> np.ndarray:
    """What a tomotopy user writes: each unit's tokens in their order, one ``train`` call."""
    import tomotopy as tp

    model = tp.LDAModel(k=k, seed=seed, alpha=settings.get("alpha", 0.1), eta=settings.get("eta", 0.01),
                        rm_top=settings.get("rm_top", 0))
    for tokens in texts:
        model.add_doc(tokens)
    model.burn_in = settings.get("burn_in", 0)
    model.optim_interval = settings.get("optim_interval", 10)
    model.train(settings.get("iterations", 1000), workers=1)
    ids = {t: i for i, t in enumerate(terms)}
    out = np.zeros((k, len(terms)))
    cols = [ids[w] for w in model.used_vocabs]
    for topic in range(k):
        out[topic, cols] = model.get_topic_word_dist(topic)
    return out


# --- 4. engine vs bare script -------------------------------------------------------------------


def engine_vs_script(corpus: Path, ks: tuple[int, ...], seeds: list[int]) -> dict[str, Any]:
    """Mean c_npmi of the tomotopy engine and of a bare script with the same settings, and the noise.

    The script feeds token lists in their original order, feedcare the stored bags of words, so
    the two follow different sampling paths even with the same seed: the fits are independent
    draws, and the difference is judged against its standard error over (k, seed) pairs.
    """
    from feedcare.topics import TopicsConfig, engine_tomotopy
    from feedcare.topics.fit.bow import BowCorpus

    measurer = Measurer(corpus)
    settings = engine_tomotopy.settings(TopicsConfig(engine="tomotopy"))
    bow = BowCorpus(corpus / "tokens.parquet")
    terms = measurer.terms
    engine = _script_fits(lambda k, seed: engine_tomotopy.fit(bow, terms, k, seed, settings).topic_term,
                          measurer, ks, seeds)
    script = _script_fits(lambda k, seed: bare_tomotopy(measurer.texts, terms, k, seed, settings),
                          measurer, ks, seeds)
    a = np.array([r["c_npmi"] for r in engine])
    b = np.array([r["c_npmi"] for r in script])
    diff = a - b  # paired by (k, seed): removes the differences between ks
    se = float(np.std(diff, ddof=1) / np.sqrt(len(diff))) if len(diff) > 1 else float("nan")
    return {"ks": list(ks), "seeds": seeds, "settings": settings, "fits": len(a),
            "engine_c_npmi": float(a.mean()), "script_c_npmi": float(b.mean()),
            "engine_sd": float(a.std(ddof=1)) if len(a) > 1 else 0.0,
            "script_sd": float(b.std(ddof=1)) if len(b) > 1 else 0.0,
            "difference": float(diff.mean()), "difference_se": se,
            "engine_seconds": float(np.mean([r["seconds"] for r in engine])),
            "script_seconds": float(np.mean([r["seconds"] for r in script])),
            "passes": bool(diff.mean() >= -2 * se) if np.isfinite(se) else None}


# --- the suite ----------------------------------------------------------------------------------


def run(quick: bool = False) -> dict[str, Any]:
    if not OSCE.is_dir():
        return {"skipped": f"shared data not found at {OSCE}"}
    try:
        import tomotopy
    except ImportError:
        return {"skipped": "tomotopy is not installed (pip install -e '.[bench]')"}
    results: dict[str, Any] = {"quick": quick, "cpu_count": os.cpu_count(),
                               "load_average": os.getloadavg()[0], "tomotopy": tomotopy.__version__,
                               "tomotopy_isa": tomotopy.isa}
    ks = (10,) if quick else QUALITY_KS
    seeds = [1, 2] if quick else [1, 2, 3]
    with tempfile.TemporaryDirectory() as tmp:
        osce = osce_corpus(Path(tmp), quick)
        results["sweep"] = sweep(osce, quick)
        results["overhead"] = overhead(osce, 1 if quick else REPEATS)
        corpora = {"OSCE participant turns": osce}
        if not quick:  # the quick run is a smoke test: one corpus shows the methods side by side
            corpora["Lee corpus"] = lee_corpus(Path(tmp))
        if NHS_CSV.is_file() and not quick:
            corpora["NHS comments"] = nhs_corpus(Path(tmp))
        results["quality"] = {name: quality(path, ks, seeds) for name, path in corpora.items()}
        results["engine_vs_script"] = engine_vs_script(osce, ks, seeds if quick else [1, 2, 3, 4, 5, 6])
    results["load_average_after"] = os.getloadavg()[0]
    return results


def markdown(results: dict[str, Any]) -> str:
    lines = ["## Topic models (`feedcare topics`)", ""]
    if "skipped" in results:
        return "\n".join([*lines, f"Skipped: {results['skipped']}.", ""])
    s, o = results["sweep"], results["overhead"]
    lines += [
        f"tomotopy {results['tomotopy']} ({results['tomotopy_isa']} build).",
        "",
        f"- **Sweep of {s['fits']} fits** (OSCE participant turns, k {s['ks'].replace(':', '–')}, gensim "
        f"defaults; one fresh `feedcare topics` process each, best of {s['repeats']}): "
        f"{s['jobs1_seconds']:.1f} s with `--jobs 1`, {s['jobs2_seconds']:.1f} s with `--jobs 2`: "
        f"**{s['speedup']:.2f}×** (target ≥ {SPEEDUP_TARGET}×); topics and doc_topics byte-identical: "
        f"{'yes' if s['identical'] else '**NO**'}. Load average {s['load_before']:.1f} before, "
        f"{s['load_after']:.1f} after.",
        f"- **One fit's overhead** over a bare gensim `LdaModel` + inference with the same parameters: "
        f"{o['engine_seconds']:.2f} s vs {o['bare_seconds']:.2f} s = **{o['overhead'] * 100:+.1f}%** "
        f"(target < {OVERHEAD_TARGET * 100:.0f}%). The whole `fit_topics` call for that fit (coherence "
        f"c_npmi/c_v/u_mass, writing the run directory) took {o['fit_topics_seconds']:.2f} s.",
        "",
    ]
    for name, q in results["quality"].items():
        lines += [
            f"### Quality: {name} ({q['units']:,} units, {q['terms']:,} terms; k = "
            f"{', '.join(map(str, q['ks']))} × seeds {', '.join(map(str, q['seeds']))}; means over the fits)",
            "",
            "| method | c_npmi (± sd) | c_v | diversity | stability | fit s |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for method, m in q["methods"].items():
            lines.append(f"| {method} | {m['c_npmi']:.3f} ± {m['c_npmi_sd']:.3f} | {m['c_v']:.3f} | "
                         f"{m['diversity']:.2f} | {m['stability']:.2f} | {m['seconds']:.2f} |")
        lines.append("")
    e = results["engine_vs_script"]
    verdict = {True: "met", False: "**not met**", None: "not measured (one fit)"}[e["passes"]]
    lines += [
        "### tomotopy engine vs a bare tomotopy script with the same settings (OSCE participant turns)",
        "",
        f"k = {', '.join(map(str, e['ks']))} × seeds {', '.join(map(str, e['seeds']))} "
        f"({e['fits']} fits each); "
        f"settings {_settings_text(e['settings'])}. The script feeds each unit's tokens in their original "
        "order, feedcare the stored bag of words, so the two are independent draws for the same seed.",
        "",
        "| | mean c_npmi | sd over fits | fit s |",
        "|---|---:|---:|---:|",
        f"| feedcare tomotopy engine | {e['engine_c_npmi']:.4f} | {e['engine_sd']:.4f} | "
        f"{e['engine_seconds']:.2f} |",
        f"| bare tomotopy script | {e['script_c_npmi']:.4f} | {e['script_sd']:.4f} | "
        f"{e['script_seconds']:.2f} |",
        "",
        f"Difference (engine − script, paired by k and seed): {e['difference']:+.4f} ± "
        f"{e['difference_se']:.4f} "
        f"(standard error). Acceptance (engine ≥ script within noise, i.e. difference ≥ −2 SE): {verdict}.",
        "",
    ]
    return "\n".join(lines)


def _settings_text(settings: dict[str, Any]) -> str:
    keys = ("iterations", "burn_in", "alpha", "eta", "optim_interval", "rm_top")
    return ", ".join(f"{key} {settings[key]}" for key in keys if key in settings)


if __name__ == "__main__":
    import json

    quick_run = "--quick" in sys.argv
    measured = run(quick_run)
    print(json.dumps(measured, indent=2, default=str))
    print(markdown(measured))
