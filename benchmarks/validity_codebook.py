"""Deductive guidance on the FFT comments: does a codebook of the human categories help? (issue 17)

The FFT table in ../shared carries each comment's human category (``label``, 9 categories) and
sub-category (``subcategory``). Codebooks are built from those names (CSVs without seed terms or
descriptions: the category names alone; the same expanded from the corpus; the categories with
their sub-categories as sub-codes, guided at level 1), so every seed term is derived from the
names through the corpus's own tokenisation; a fourth adds seed terms a researcher wrote. For
each engine, a guided run (one topic per code with a seed in the vocabulary,
plus free topics up to k = 9, the number of categories) and an unguided run at the same k are
fitted with the same seeds, and each unit's dominant topic is compared with the human category
by normalised mutual information (NMI, arithmetic normalisation; :func:`benchmarks.validity.nmi`).

``python -m benchmarks.validity_codebook [--quick]`` prints the Markdown section.
"""

from __future__ import annotations

import csv
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
FFT = ROOT.parent / "shared" / "data" / "nhs-feedback" / "text_data.csv"
K = 9
ENGINES = ("gensim", "tomotopy")


def dominant_nmi(corpus_dir: Path, run_id: str, model: str, attribute: str = "label") -> float:
    import numpy as np
    import pyarrow.parquet as pq
    from feedcare.topics import open_run

    from benchmarks.validity import nmi

    codes = pq.read_table(Path(corpus_dir) / "documents.parquet", columns=["doc_id", attribute]).to_pydict()
    code = dict(zip(codes["doc_id"], codes[attribute], strict=True))
    run = open_run(Path(corpus_dir), run_id)
    table = run.doc_topics(model, ["unit_id", "doc_id", "topic", "weight"]).sort_by(
        [("unit_id", "ascending"), ("topic", "ascending")])
    k = run.n_topics(model)
    weights = table["weight"].to_numpy().reshape(-1, k)
    docs = table["doc_id"].to_pylist()[::k]
    dominant = np.argmax(weights, axis=1)  # ties: the lower topic, as themes does
    return nmi([(code[d], int(t)) for d, t in zip(docs, dominant, strict=True) if code.get(d)])


# Seed terms a researcher might write for each category from its name alone (written without the
# comments' labels; the second codebook of the study). Terms not in the vocabulary are reported.
RESEARCHER_SEEDS = {
    "Access": "access; appointment; wait; referral; book",
    "Care received": "care; treatment; receive; support; therapy",
    "Communication": "communication; information; explain; listen; inform; update",
    "Couldn't be improved": "improve; nothing; perfect; fault",
    "Dignity": "dignity; respect; privacy; safe",
    "Environment/ facilities": "environment; facility; clean; food; room; parking; equipment",
    "Staff": "staff; friendly; nurse; doctor; polite; kind; attitude",
    "Transition/coordination": "discharge; transfer; coordination; continuity; follow",
}
# (seed terms written by a researcher, expansion terms per code found in the corpus (0 = off),
#  the framework's second level (``subcategory``) as sub-codes, guided at level 1)
CODEBOOKS = {"names only": (False, 0, False), "names + corpus expansion": (False, 8, False),
             "two-level names, --level 1": (False, 0, True),
             "names + researcher seed terms": (True, 0, False)}


def fft_framework(path: Path = FFT) -> dict[str, list[str]]:
    """The FFT table's human coding framework: each category (``label``) with its sub-categories."""
    subs: dict[str, set[str]] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["label"]:
                subs.setdefault(row["label"], set()).add(row["subcategory"].strip())
    return {label: sorted(s for s in subs[label] if s) for label in sorted(subs)}


def _write_codebook(path: Path, labels: dict[str, list[str]], with_seeds: bool, two_level: bool) -> None:
    """``labels``: each category's sub-categories. A sub-category named as its category adds nothing
    and is left out (the CSV's parent column names codes by name)."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["code", "description", "parent", "seeds"])
        for label, subs in labels.items():
            writer.writerow([label, "", "", RESEARCHER_SEEDS.get(label, "") if with_seeds else ""])
            for sub in subs if two_level else []:
                if sub != label:
                    writer.writerow([sub, "", label, ""])


def seed_rule_nmi(corpus_dir: Path, guidance: Any, attribute: str = "label") -> float:
    """No model: each unit goes to the code whose seed terms it contains most often (else "none")."""
    from collections import Counter

    import pyarrow.parquet as pq

    from benchmarks.validity import nmi

    codes = pq.read_table(Path(corpus_dir) / "documents.parquet", columns=["doc_id", attribute]).to_pydict()
    code = dict(zip(codes["doc_id"], codes[attribute], strict=True))
    units = pq.read_table(Path(corpus_dir) / "tokens.parquet", columns=["doc_id", "tokens"]).to_pydict()
    pairs = []
    for doc, tokens in zip(units["doc_id"], units["tokens"], strict=True):
        counts = Counter(tokens)
        hits = Counter({c.topic: sum(counts[t] for t in [*(c.seeds or []), *(c.expanded or [])])
                        for c in guidance.guided})
        best = max(hits.items(), key=lambda kv: (kv[1], -kv[0]), default=(-1, 0))
        pairs.append((code[doc], best[0] if best[1] else -1))
    return nmi([(c, t) for c, t in pairs if c])


def run(quick: bool = False, n_seeds: int = 3) -> dict[str, Any]:
    from feedcare.corpus import IngestConfig, ingest, open_corpus
    from feedcare.corpus.tokens.build import build_tokens
    from feedcare.corpus.tokens.config import TokensConfig
    from feedcare.topics import TopicsConfig, fit_topics
    from feedcare.topics.codebook.readers import read_codebook
    from feedcare.topics.codebook.seeds import plan_guidance

    if not FFT.is_file():
        return {"skipped": f"{FFT} not found"}
    seeds = (42,) if quick else tuple(range(42, 42 + n_seeds))
    results: dict[str, Any] = {"k": K, "seeds": list(seeds), "engines": {}, "codebooks": {}}
    with tempfile.TemporaryDirectory() as tmp:
        corpus_dir = Path(tmp) / "fft"
        ingest([FFT], corpus_dir, IngestConfig(text_column="feedback", id_column="row_index"))
        build_tokens(open_corpus(corpus_dir), TokensConfig(), jobs=2)
        labels = fft_framework()
        plans = {}
        for name, (with_seeds, expand, two_level) in CODEBOOKS.items():
            book = Path(tmp) / f"categories-{int(with_seeds)}-{int(two_level)}.csv"
            _write_codebook(book, labels, with_seeds, two_level)
            codebook = read_codebook(book)
            level = 1 if two_level else None
            probe = plan_guidance(open_corpus(corpus_dir), codebook, free=0, expand=expand, level=level)
            plans[name] = guidance = plan_guidance(open_corpus(corpus_dir), codebook, free=K - probe.n_guided,
                                                   expand=expand, level=level)
            results["codebooks"][name] = {
                "codes": [{"name": c.name, "seeds": c.seeds or [], "topic": c.topic,
                           "expanded": c.expanded or [], "missing": c.missing or []}
                          for c in guidance.codes if c.folded_into is None],
                "rule_nmi": seed_rule_nmi(corpus_dir, guidance),
            }
        for engine in ENGINES:
            rows: dict[str, Any] = {}
            for kind in ("unguided", *CODEBOOKS):
                nmis, seconds = [], []
                for seed in seeds:
                    run_id = f"{engine}-{len(rows)}-{seed}"
                    config = TopicsConfig(engine=engine, k=K, seed=seed, seeds=1)
                    started = time.perf_counter()
                    report = fit_topics(corpus_dir, config, run_id=run_id, jobs=1, guidance=plans.get(kind))
                    seconds.append(time.perf_counter() - started)
                    nmis.append(dominant_nmi(corpus_dir, run_id, report.chosen_model))
                rows[kind] = {"nmi": nmis, "mean": statistics.fmean(nmis),
                              "seconds": statistics.fmean(seconds)}
            results["engines"][engine] = rows
    return results


# Written from the measurements of 2026-11-29 22:49-22:55 UTC (docs/performance.md); re-read it when the
# numbers move.
OUTCOME = """
**Outcome.** A codebook of the FFT framework's *names at both levels* (the 9 categories and their
41 sub-categories, no seed terms, no descriptions) guided at the top level (`--level 1`) clearly
beats the unguided run at the same k with both engines: gensim 0.081 → 0.118 (+46%), tomotopy
0.116 → 0.142 (+22%), every seed of the guided runs above every seed of the unguided ones. The
sub-categories' names give the categories the everyday words their own names lack ("Time spent
waiting for first appt/referral/service" gives `wait, appointment, referral`; "Attitude Of Staff"
gives `attitude`; "Food" gives `food`), and every category gets a topic, where the top-level names
leave `Miscellaneous` and `Transition/coordination` without one. With tomotopy it even beats the
seed terms a researcher wrote (0.119).

The category names alone do *not* beat it: gensim +0.007, tomotopy −0.010, both inside the spread
between seeds. The names carry too little: two of the nine give no term in the vocabulary, four
give one rare term (`access` 40 occurrences, `dignity` 15, `environment` 22, `facility` 17 in
48,212 tokens), and the names' terms occur in only 35% of the units — the seed rule built from
them reaches NMI 0.092 with no model at all, about what the unguided models reach. *Expanding*
the names from the corpus (`--expand 8`, docs/deductive.md) does not rescue them (gensim 0.083,
tomotopy 0.098): what co-occurs with a rare name term is what those few comments discuss, not
what the category means (`improve` drew `health, mobility, condition, exercise` from
physiotherapy comments). With 4–7 seed terms per category written from the names, gensim rises
to 0.123 and tomotopy stays within noise (0.119); all guided runs stay below the seed rule of the
researcher's terms (0.177): a dominant topic follows everything a comment says, not only its
seed words. On planted topics the same guidance recovers every code's topic
(`tests/topics/codebook/test_guided.py`, `test_levels.py`), so what limits the names-only
codebook is what the FFT names and comments share, not the mechanism.
"""


def markdown(results: dict[str, Any]) -> str:
    if "skipped" in results:
        return f"Skipped: {results['skipped']}.\n"
    seeds = ", ".join(str(s) for s in results["seeds"])
    lines = [
        "Four codebooks of the FFT table's 9 human categories (`label`) guide runs: the category names "
        "only (seed terms derived from the names by the corpus's own tokenisation: the acceptance test "
        "of issue 17), the same names expanded from the corpus (`--expand 8`, docs/deductive.md), the "
        "category names with the sub-category names (`subcategory`) as their sub-codes, guided at "
        "level 1 (`--level 1`: each category's topic seeded by its own and its sub-codes' names; "
        "sub-codes named as their category are left out), and "
        "the names with 4-7 seed terms per category such as a researcher would write "
        "from the names (`RESEARCHER_SEEDS`). Guided runs have one topic per code with a seed in the "
        f"vocabulary plus free topics up to k = {results['k']}; the unguided run has the same k and "
        f"seeds ({seeds}); default boost. Measured: NMI of each unit's dominant topic with its human "
        "category (0 = unrelated). *Seed rule* is no model at all: each unit goes to the code whose "
        "seed terms it contains most often. `benchmarks/validity_codebook.py`; docs/deductive.md.",
        "",
        "| codebook | code | effective seed terms | added by corpus expansion | not in the vocabulary |",
        "|---|---|---|---|---|",
    ]
    for book, data in results["codebooks"].items():
        for code in data["codes"]:
            seeds_text = ", ".join(code["seeds"]) or "– (no topic)"
            added = ", ".join(code.get("expanded") or [])
            missing = ", ".join(code["missing"])
            lines.append(f"| {book} | {code['name']} | {seeds_text} | {added} | {missing} |")
    head = " | ".join(f"{book} NMI (per seed)" for book in results["codebooks"])
    lines += ["", f"| engine | unguided NMI (per seed) | {head} | seconds per fit |",
              "|---|---|" + "---|" * len(results["codebooks"]) + "---|"]
    for engine, rows in results["engines"].items():
        cells = [f"{r['mean']:.3f} ({', '.join(f'{v:.3f}' for v in r['nmi'])})" for r in rows.values()]
        times = " / ".join(f"{r['seconds']:.0f}" for r in rows.values())
        lines.append(f"| {engine} | {' | '.join(cells)} | {times} |")
    rules = ", ".join(f"{book}: {data['rule_nmi']:.3f}" for book, data in results["codebooks"].items())
    lines += ["", f"Seed rule (no model) NMI: {rules}.", OUTCOME]
    return "\n".join(lines)


if __name__ == "__main__":
    n = int(sys.argv[sys.argv.index("--seeds") + 1]) if "--seeds" in sys.argv else 3
    print(markdown(run(quick="--quick" in sys.argv, n_seeds=n)))
