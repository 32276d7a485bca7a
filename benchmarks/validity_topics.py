"""Topics against human coding, and term rankings (issue 13, topics side).

The FFT comments in ../shared (``text_data.csv``) carry each comment's human category
(``label``, 9 categories). The table is ingested as ``feedcare ingest FILE --text-column feedback
--id-column row_index`` with default ``[tokens]`` settings, and ``feedcare topics --k 9 --seeds 1``
is fitted once per engine (gensim, tomotopy) with default settings. Measured per engine:

- NMI of each unit's dominant topic (highest weight, ties to the lower topic) with its ``label``
  (:func:`benchmarks.validity.nmi`, arithmetic-mean normalisation);
- mean c_npmi and mean c_npmi over the broad topics, as feedcare records them per fit;
- for each term ranking (probability, relevance λ = 0.6, FREX weight 0.5), the share of distinct
  terms among all topics' top-10 terms and the corpus-wide terms (in the top 10 of ≥ half the
  topics), with every listed term's count in the corpus (for the example and the rare terms).

``python -m benchmarks.validity_topics`` prints the Markdown section;
``FEEDCARE_BENCH_STUDIES=validity_topics python -m benchmarks.bench_validity`` does the same
through the Validity suite.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.validity import FFT, fft_corpus

K = 9
ENGINES = ("gensim", "tomotopy")
TOP_N = 10
RANKINGS = {  # results key → row label in the table
    "probability": "probability",
    "relevance": "relevance, λ = 0.6",
    "frex": "FREX, weight 0.5 (default)",
}
EXAMPLE_ENGINE = "tomotopy"
EXAMPLE_TERMS = 6


def measure_run(corpus_dir: Path, run_id: str, fit: dict[str, Any]) -> dict[str, Any]:
    """NMI with ``label``, the fit's coherence, and each ranking's top-10 lists of one fitted model
    (``fit``: its record in the run report)."""
    import pyarrow.parquet as pq
    from feedcare.corpus import open_corpus
    from feedcare.topics import open_run
    from feedcare.topics.measures.distinctive import corpus_wide_terms, ranked_terms

    from benchmarks.validity_codebook import dominant_nmi

    model = fit["model"]
    run = open_run(Path(corpus_dir), run_id)
    rows = run.topics(model).to_pylist()
    rankings: dict[str, Any] = {}
    listed: set[str] = set()
    for by in RANKINGS:
        ranked = ranked_terms(rows, by, TOP_N)
        lists = [[r["term"] for r in ranked[t]] for t in sorted(ranked)]
        terms = [t for topic in lists for t in topic]
        listed.update(terms)
        rankings[by] = {
            "lists": lists,
            "distinct_share": len(set(terms)) / len(terms) if terms else None,
            "corpus_wide": corpus_wide_terms(lists),
        }
    vocabulary = pq.read_table(open_corpus(corpus_dir).vocabulary_path, columns=["term", "coll_freq"])
    counts = {t: int(c) for t, c in zip(vocabulary["term"].to_pylist(), vocabulary["coll_freq"].to_pylist(),
                                         strict=True) if t in listed}
    # per topic, as the fit recorded it (the run report's fit records leave out the broad mean)
    per_topic = run.topic_measures(model).to_pylist()
    narrow = [r["topic"] for r in per_topic if r["narrow"]]
    broad = [r["c_npmi"] for r in per_topic if not r["narrow"] and r["c_npmi"] is not None]
    return {
        "model": model,
        "nmi": dominant_nmi(Path(corpus_dir), run_id, model),
        "c_npmi": fit.get("c_npmi"),
        "c_npmi_broad": sum(broad) / len(broad) if broad else None,
        "narrow_topics": narrow,
        "engine_info": fit.get("engine_info", {}),
        "rankings": rankings,
        "counts": counts,
    }


def run(quick: bool = False) -> dict[str, Any]:
    """One fit per engine at k = 9 with default settings (``quick`` changes nothing: two fits)."""
    from feedcare.topics import TopicsConfig, fit_topics

    if not FFT.is_file():
        return {"skipped": f"{FFT} not found (the FFT comments are read from ../shared)"}
    results: dict[str, Any] = {"k": K, "engines": {}}
    with tempfile.TemporaryDirectory() as tmp:
        corpus_dir = Path(tmp) / "fft"
        results["data"] = fft_corpus(corpus_dir)
        for engine in ENGINES:
            config = TopicsConfig(engine=engine, k=K, seeds=1)
            started = time.perf_counter()
            report = fit_topics(corpus_dir, config, run_id=engine, jobs=1)
            seconds = time.perf_counter() - started
            fit = next(f for f in report.fits if f["model"] == report.chosen_model)
            measured = measure_run(corpus_dir, engine, fit)
            results["seed"] = config.seed
            results["engines"][engine] = {**measured, "settings": report.engine, "seconds": seconds,
                                          "units": report.n_units, "terms": report.n_terms}
    return results


def _terms(terms: list[str]) -> str:
    return ", ".join(terms) if terms else "none"


def _engine_label(engine: str, r: dict[str, Any]) -> str:
    """The engine and what its default settings did (passes run, early stop), from the fit."""
    info = r.get("engine_info") or {}
    settings = (r.get("settings") or {}).get("settings", {})  # the run's engine record
    if engine == "gensim":
        passes = info.get("passes_run", settings.get("passes"))
        if passes is None:
            return "gensim (online VB)"
        stop = f" of at most {settings['passes']}, stopped at convergence" if info.get("converged") else ""
        return f"gensim (online VB, {passes} passes{stop})"
    if engine == "tomotopy":
        iterations = settings.get("iterations")
        return (f"tomotopy (collapsed Gibbs, {iterations} iterations)" if iterations is not None
                else "tomotopy (collapsed Gibbs)")
    return engine


def _example(results: dict[str, Any]) -> str:
    """The tomotopy topic whose FREX top terms differ most from its probability top terms."""
    r = results["engines"].get(EXAMPLE_ENGINE)
    if not r:
        return ""
    ranks = r["rankings"]
    n = EXAMPLE_TERMS
    prob, rel, frex = (ranks[by]["lists"] for by in ("probability", "relevance", "frex"))
    topic = min(range(len(prob)), key=lambda t: (len(set(prob[t][:n]) & set(frex[t][:n])), t))
    shared = [term for term in prob[topic][:n]
              if sum(term in other for i, other in enumerate(prob) if i != topic)]
    new = [term for term in frex[topic][:n] if term not in prob[topic][:TOP_N]]
    text = (f"For example, {EXAMPLE_ENGINE}'s topic {topic + 1} (the one whose first {n} FREX terms "
            f"share fewest with its first {n} by probability) is by probability "
            f"`{', '.join(prob[topic][:n])}`; by relevance `{', '.join(rel[topic][:n])}`; by FREX "
            f"`{', '.join(frex[topic][:n])}`.")
    if shared:
        text += (f" Of its probability terms, `{', '.join(shared)}` also appear in other topics' "
                 f"probability top {TOP_N}")
        text += (f"; FREX brings `{', '.join(new)}`, which its probability top {TOP_N} lacks."
                 if new else ".")
    elif new:
        text += f" FREX brings `{', '.join(new)}`, which its probability top {TOP_N} lacks."
    return text + "\n"


def markdown(results: dict[str, Any]) -> str:
    if "skipped" in results:
        return f"Skipped: {results['skipped']}.\n"
    engines = results["engines"]
    data = results["data"]
    some = next(iter(engines.values()))

    categories = (f"{results['k']} = the number of human-coded `label` categories"
                  if data["labels"] == results["k"] else f"the table has {data['labels']} `label` categories")

    def f(value: float | None, digits: int = 3) -> str:
        return "–" if value is None else f"{value:.{digits}f}"

    lines = [
        f"Data: the {data['documents']:,} NHS Friends and Family Test comments in "
        "`../shared/data/nhs-feedback/text_data.csv` (text column `feedback`), ingested with "
        "`--text-column feedback --id-column row_index` and default `[tokens]` settings (one unit per "
        f"comment; {some['units']:,} comments kept a token, {some['terms']:,} terms), "
        f"`feedcare topics --k {results['k']} --seeds 1` (seed {results['seed']}; {categories}), one fit "
        "per engine with default "
        "settings. Each comment's dominant topic (highest weight, ties to the lower topic) against its "
        "`label`: normalised mutual information with arithmetic-mean normalisation (0 = unrelated, "
        "1 = the same grouping). Measured by `benchmarks/validity_topics.py`.",
        "",
        "| engine | NMI(dominant topic, label) | mean c_npmi | mean c_npmi over broad topics | fit s |",
        "|---|---|---|---|---|",
    ]
    for engine, r in engines.items():
        narrow = r.get("narrow_topics") or []
        plural = "s" * (len(narrow) > 1)
        note = f"{len(narrow)} narrow topic{plural} left out" if narrow else "no narrow topic"
        lines.append(f"| {_engine_label(engine, r)} | {f(r['nmi'])} | {f(r['c_npmi'])} | "
                     f"{f(r['c_npmi_broad'])} ({note}) | {r['seconds']:.0f} |")

    by_nmi = sorted(engines, key=lambda e: engines[e]["nmi"], reverse=True)
    by_npmi = sorted(engines, key=lambda e: engines[e]["c_npmi"] or float("-inf"), reverse=True)
    best_nmi = max(r["nmi"] for r in engines.values())
    level = "low" if best_nmi < 0.2 else "modest" if best_nmi < 0.5 else "fair"
    if len(engines) > 1 and abs(engines[by_nmi[0]]["nmi"] - engines[by_nmi[-1]]["nmi"]) >= 0.01:
        agree = f"{by_nmi[0]} agrees with the coders somewhat more"
    else:
        agree = "the engines agree with the coders about equally"
    if len(engines) < 2:
        coherent = ""
    elif agree.startswith(by_npmi[0]):
        coherent = " and is the more coherent on these short texts"
    else:
        coherent = f"; {by_npmi[0]} is the more coherent on these short texts"
    lines += [
        "",
        f"NMI is {level} for {'both' if len(engines) == 2 else 'every engine'}: the human categories "
        "(`Care received`, `Staff`, `Couldn't be improved`, …) are about what a comment *judges*, while "
        "LDA groups comments by what they *mention*; a dominant topic is not a code. "
        f"{agree}{coherent}. The number of topics was not tuned to maximise "
        "NMI. NMI does not depend on how terms are ranked, so the term rankings were compared on what a "
        f"reader sees: the share of distinct terms among all topics' top-{TOP_N} terms (1 = no term "
        f"shared between topics) and the corpus-wide terms (in the top {TOP_N} of ≥ half the topics).",
        "",
        "| ranking | " + " | ".join(f"{e}: distinct share" for e in engines) + " | corpus-wide terms |",
        "|---|" + "---|" * len(engines) + "---|",
    ]
    for by, label in RANKINGS.items():
        shares = " | ".join(f(engines[e]["rankings"][by]["distinct_share"], 2) for e in engines)
        wide = [f"{e}: `{_terms(engines[e]['rankings'][by]['corpus_wide'])}`"
                for e in engines if engines[e]["rankings"][by]["corpus_wide"]]
        lines.append(f"| {label} | {shares} | {'; '.join(wide) or 'none'} |")

    example = _example(results)
    lines += ["", example] if example else [""]

    share = {by: min(engines[e]["rankings"][by]["distinct_share"] or 0 for e in engines) for by in RANKINGS}
    repeats = {}  # engine → (terms listed more than once, all listed terms) by relevance
    for e in engines:
        listed = [t for topic in engines[e]["rankings"]["relevance"]["lists"] for t in topic]
        repeats[e] = (len(listed) - len(set(listed)), len(listed))
    frex_all = {t for e in engines for topic in engines[e]["rankings"]["frex"]["lists"] for t in topic}
    counts = {t: c for e in engines for t, c in engines[e]["counts"].items()}
    rare = sorted((t for t in frex_all if t in counts), key=lambda t: (counts[t], t))[:3]
    rare_text = ", ".join(f"`{t}` ({counts[t]:,} occurrences)" for t in rare)
    if share["frex"] == share["relevance"]:
        why = (f"Here FREX's and relevance's lists are equally distinct (share {share['frex']:.2f} at the "
               "least), so the choice rests on FREX not depending on a λ.")
    elif share["frex"] > share["relevance"]:
        why = ("FREX adds the most information: its lists "
               + ("share no term between topics" if share["frex"] >= 1 else
                  f"have the highest distinct share (at least {share['frex']:.2f})")
               + (", while relevance at λ = 0.6 still spends "
                  + ", ".join(f"{n} of {total} list places ({e})" for e, (n, total) in repeats.items())
                  + " on a term another topic lists too." if any(n for n, _ in repeats.values())
                  else ", as do relevance's at λ = 0.6."))
    else:
        why = (f"In this measurement relevance at λ = 0.6 has the higher distinct share "
               f"({share['relevance']:.2f} against {share['frex']:.2f} for FREX): the choice of FREX "
               "rests on earlier measurements and should be re-read.")
    lines += [
        f"**Default: FREX beside probability.** FREX is shown *beside* the probability ranking (never "
        f"instead of it). {why} FREX can surface rarer words (the rarest in these lists: {rare_text}), "
        "which is why probability stays first and both are labelled. "
        "`[themes] distinctive = \"relevance\"` switches the second list. The units side of issue 13 "
        "is measured in \"Analysis units: answer or turn\".",
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(markdown(run(quick="--quick" in sys.argv)))
