"""A small synthetic project for the themes tests: corpus, tokens and a finished run.

Participants answer an interviewer with sentences drawn from three planted themes (waiting,
staff kindness, the ward). Units are participant turns (consecutive turns by the same speaker
are merged into one unit, as `feedcare tokens` may do), with correct character offsets into
documents.text. The run's topic weights are computed from how many words of each planted
theme a unit contains, so the expected excerpts are known without fitting anything.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
from feedcare.corpus import open_corpus
from feedcare.corpus.base.atomic import write_table
from feedcare.corpus.store.schema import TOKENS, VOCABULARY
from feedcare.corpus.store.writer import write_corpus
from feedcare.topics.runs.rundir import (
    DOC_TOPICS,
    DOC_TOPICS_FILE,
    RUN_FILE,
    SWEEP,
    SWEEP_FILE,
    TOPIC_MEASURES,
    TOPIC_MEASURES_FILE,
    TOPICS,
    TOPICS_FILE,
    model_name,
    runs_root,
)
from feedcare.topics.runs.runjson import (
    RUN_SCHEMA_VERSION,
    EngineRecord,
    FitMeasures,
    KSummary,
    Measures,
    ModelRef,
    Recommendation,
    RunInfo,
    Timings,
)
from helpers import build_corpus, write_tokens_meta

PLANTED = {
    0: ["wait", "waited", "hours", "appointment", "delay", "queue", "late"],
    1: ["nurse", "kind", "caring", "friendly", "staff", "listened"],
    2: ["ward", "food", "meal", "clean", "noisy", "bed"],
}
SENTENCES = {
    0: [
        "I had to wait four hours in the queue before anyone saw me.",
        "The appointment was late again and nobody explained the delay.",
        "We waited hours, the delay for the appointment was ridiculous.",
        "The queue was long and the wait felt like hours.",
    ],
    1: [
        "The nurse was so kind and caring, she really listened to me.",
        "Staff were friendly and the nurse listened when I was scared.",
        "Every nurse on shift was kind, the staff were caring people.",
    ],
    2: [
        "The ward was noisy at night and the bed was not clean.",
        "The food was cold and the meal times on the ward were chaotic.",
        "My bed was clean but the ward food was awful.",
    ],
}
STOPWORDS = frozenset(
    "i had to in the before anyone me was and nobody we for felt like so she really when were "
    "every on at not my but again of a it is".split()
)
QUESTIONS = ["How was your visit?", "Tell me more.", "Anything else?", "What about the staff?"]
# Questions full of the planted terms: an excerpt window that strays into them would show it.
LEADING_QUESTIONS = [
    "Did you wait hours in the queue? Was the appointment late?",
    "Was the nurse kind and caring? Were the staff friendly?",
    "What about the ward, the food, the meal and the bed?",
    "Tell me about the delay and the nurse.",
]
PLATFORMS = ["web", "phone", "paper"]
AGE_BANDS = ["18-34", "35-64", "65+"]
RUN_ID = "run-a"
TOKENS_FINGERPRINT = "tokens-fp-1"


@dataclass(frozen=True)
class Project:
    corpus: Path
    run: Path


def interview_docs(
    n_participants: int = 9, seed: int = 7, questions: list[str] = QUESTIONS
) -> dict[str, list[tuple[str | None, str, str]]]:
    """Interview transcripts: P01 talks about waiting in every answer (to test diversity)."""
    rng = random.Random(seed)
    docs: dict[str, list[tuple[str | None, str, str]]] = {}
    for p in range(1, n_participants + 1):
        turns: list[tuple[str | None, str, str]] = []
        for q in range(4):
            theme = 0 if p == 1 else (p + q) % 3
            second = 0 if p == 1 else rng.randrange(3)
            answer = rng.choice(SENTENCES[theme]) + " " + rng.choice(SENTENCES[second])
            turns.append(("Interviewer", "interviewer", questions[q]))
            turns.append((f"P{p:02d}", "participant", answer))
        # Two consecutive participant turns, merged into one unit below.
        turns.append((f"P{p:02d}", "participant", rng.choice(SENTENCES[p % 3])))
        docs[f"int{p:02d}"] = turns
    return docs


def build_project(
    root: Path,
    extra_docs: dict[str, list[tuple[str | None, str, str]]] | None = None,
    n_participants: int = 9,
    timestamps: bool = True,
    extra_attributes: dict[str, dict[str, str]] | None = None,
    across_questions: bool = False,
) -> Project:
    """Corpus (with attributes platform/age_band), tokens, and a complete run ``run-a``.

    ``extra_attributes`` overrides attribute values of given documents. ``across_questions``
    asks leading questions full of planted terms and merges each pair of answers into one unit
    whose span holds the question between them (as `feedcare tokens` turn units can).
    """
    docs = interview_docs(n_participants, questions=LEADING_QUESTIONS if across_questions else QUESTIONS)
    docs.update(extra_docs or {})
    attributes = {}
    participants = {}
    for i, doc_id in enumerate(docs):
        attrs = {"platform": PLATFORMS[i % 3], "age_band": AGE_BANDS[(i // 3) % 3]}
        if doc_id == "int09":
            attrs["platform"] = ""  # missing value → "(missing)" group
        attributes[doc_id] = {**attrs, **(extra_attributes or {}).get(doc_id, {})}
        participants[doc_id] = doc_id.replace("int", "P") if doc_id.startswith("int") else doc_id
    corpus_dir = build_corpus(root / "corpus", docs, attributes, participants)
    if timestamps:
        add_timestamps(corpus_dir)
    units = write_tokens(corpus_dir, across_questions)
    run = write_run(corpus_dir, units)
    return Project(corpus=corpus_dir, run=run)


def add_timestamps(corpus_dir: Path) -> None:
    """Give every turn a start time of 30 s × its turn number (as vtt/srt ingest would)."""
    corpus = open_corpus(corpus_dir)
    segments = corpus.segments()
    starts = [30.0 * s for s in segments["seg"].to_pylist()]
    segments = segments.set_column(segments.schema.get_field_index("start_s"), "start_s", pa.array(starts))
    # Through the writer, so the manifest records the new file (readers check it).
    write_corpus(corpus_dir, corpus.documents(), segments, options=corpus.manifest.options)


def words(text: str) -> list[str]:
    return [w for w in re.findall(r"[a-z]+", text.lower()) if w not in STOPWORDS]


def write_tokens(corpus_dir: Path, across_questions: bool = False) -> list[dict]:
    """tokens.parquet / vocabulary.parquet / tokens.json with participant-turn units."""
    corpus = open_corpus(corpus_dir)
    segments = corpus.segments().to_pylist()
    documents = {d["doc_id"]: d for d in corpus.documents(columns=["doc_id", "participant_id"]).to_pylist()}
    units: list[dict] = []
    for seg in segments:
        if seg["role"] != "participant":
            continue
        previous = units[-1] if units else None
        gap = 2 if across_questions and previous and previous["seg_start"] == previous["seg_end"] else 1
        if previous and previous["doc_id"] == seg["doc_id"] and seg["seg"] - previous["seg_end"] <= gap:
            previous["seg_end"] = seg["seg"]
            previous["char_end"] = seg["char_end"]
            previous["tokens"] += words(seg["text"])
            continue
        units.append(
            {
                "doc_id": seg["doc_id"],
                "seg_start": seg["seg"],
                "seg_end": seg["seg"],
                "char_start": seg["char_start"],
                "char_end": seg["char_end"],
                "participant_id": documents[seg["doc_id"]]["participant_id"],
                "tokens": words(seg["text"]),
            }
        )
    units = [u for u in units if u["tokens"]]
    vocab: dict[str, int] = {}
    for unit in units:
        for token in unit["tokens"]:
            vocab.setdefault(token, len(vocab))
    for i, unit in enumerate(units):
        unit["unit_id"] = i
        unit["token_ids"] = [vocab[t] for t in unit["tokens"]]
        unit["n_tokens"] = len(unit["tokens"])
    # Stamped as `feedcare tokens` stamps them: readers check both carry tokens.json's fingerprint.
    stamp = {"feedcare.fingerprint": TOKENS_FINGERPRINT}
    table = pa.Table.from_pylist(units, schema=TOKENS)
    write_table(corpus_dir / "tokens.parquet", table, TOKENS, metadata=stamp)
    vocabulary = pa.Table.from_pydict(
        {
            "token_id": list(vocab.values()),
            "term": list(vocab),
            "doc_freq": [1] * len(vocab),
            "coll_freq": [1] * len(vocab),
        },
        schema=VOCABULARY,
    )
    write_table(corpus_dir / "vocabulary.parquet", vocabulary, VOCABULARY, metadata=stamp)
    write_tokens_meta(corpus_dir, TOKENS_FINGERPRINT, [u["tokens"] for u in units],
                      {"lemmatize": True, "unit": "turn"})
    return units


def unit_weights(tokens: list[str], k: int) -> list[float]:
    """p(topic | unit): planted-theme word counts (theme t → topic t mod k), smoothed."""
    counts = [0.0] * k
    for token in tokens:
        for theme, vocab in PLANTED.items():
            if token in vocab:
                counts[theme % k] += 1
    total = sum(counts) + 0.1 * k
    return [(c + 0.1) / total for c in counts]


def write_run(
    corpus_dir: Path,
    units: list[dict],
    run_id: str = RUN_ID,
    fits: tuple[tuple[int, int], ...] = ((3, 1), (3, 2), (2, 1), (4, 1)),
    status: str = "complete",
) -> Path:
    run_dir = runs_root(corpus_dir) / run_id
    topic_rows, doc_rows, sweep_rows, measure_rows = [], [], [], []
    for k, seed in fits:
        name = model_name(k, seed)
        for unit in units:
            for topic, weight in enumerate(unit_weights(unit["tokens"], k)):
                doc_rows.append(
                    {
                        "model": name,
                        "unit_id": unit["unit_id"],
                        "doc_id": unit["doc_id"],
                        "seg_start": unit["seg_start"],
                        "seg_end": unit["seg_end"],
                        "topic": topic,
                        "weight": weight,
                    }
                )
        for topic in range(k):
            vocab = [w for theme, ws in PLANTED.items() if theme % k == topic for w in ws]
            if not vocab:  # more topics than planted themes: a weak filler topic
                vocab = ["visit", "time"]
            for rank, term in enumerate(vocab):
                topic_rows.append(
                    {
                        "model": name,
                        "topic": topic,
                        "rank": rank,
                        "term": term,
                        "weight": 0.2 / (rank + 1),
                        # Distinctiveness that reverses the order, so the two lists differ.
                        "frex": 0.1 * (rank + 1),
                        "relevance": float(rank),
                    }
                )
            measure_rows.append(
                {"model": name, "topic": topic, "c_npmi": 0.05 * (topic + 1), "c_v": 0.4, "u_mass": -2.0}
            )
        sweep_rows.append(
            {
                "model": name,
                "k": k,
                "seed": seed,
                "c_npmi": 0.02 * k + 0.001 * seed,
                "c_v": 0.3 + 0.01 * k,
                "u_mass": -3.0 + 0.1 * k,
                "diversity": 0.9,
                "stability": 0.5 + 0.1 * (k == 3),
            }
        )
    write_table(run_dir / TOPICS_FILE, pa.Table.from_pylist(topic_rows, schema=TOPICS), TOPICS)
    write_table(run_dir / DOC_TOPICS_FILE, pa.Table.from_pylist(doc_rows, schema=DOC_TOPICS), DOC_TOPICS)
    write_table(run_dir / SWEEP_FILE, pa.Table.from_pylist(sweep_rows, schema=SWEEP), SWEEP)
    write_table(
        run_dir / TOPIC_MEASURES_FILE,
        pa.Table.from_pylist(measure_rows, schema=TOPIC_MEASURES),
        TOPIC_MEASURES,
    )
    run_info(
        run_id=run_id,
        status=status,
        corpus_fingerprint=open_corpus(corpus_dir).fingerprint,
        fits=fits,
        sweep_rows=sweep_rows,
        n_units=len(units),
        n_terms=len({t for u in units for t in u["tokens"]}),
    ).to_json(run_dir / RUN_FILE)
    return run_dir


def run_info(run_id: str, status: str, corpus_fingerprint: str, fits: tuple[tuple[int, int], ...],
             sweep_rows: list[dict], n_units: int, n_terms: int) -> RunInfo:
    """run.json of the fixture run: the first fit is the chosen model."""
    measures = ("c_npmi", "c_v", "u_mass", "diversity", "stability")
    complete = status == "complete"
    return RunInfo(
        schema_version=RUN_SCHEMA_VERSION,
        run_id=run_id,
        created="2024-05-01T10:00:00+00:00",
        status=status,
        fingerprint="run-test-0001",
        engine=EngineRecord(name="gensim", settings={}, packages={}),
        config={},
        ks=sorted({k for k, _ in fits}),
        seeds=sorted({s for _, s in fits}),
        corpus_fingerprint=corpus_fingerprint,
        tokens_fingerprint=TOKENS_FINGERPRINT,
        packages={},
        n_units=n_units,
        n_terms=n_terms,
        models=[ModelRef(model=model_name(k, s), k=k, seed=s, path=f"models/{model_name(k, s)}")
                for k, s in fits],
        completed="2024-05-01T10:01:00+00:00" if complete else None,
        chosen_model=model_name(*fits[0]) if complete else None,
        chosen_reason="first fit (test fixture)" if complete else None,
        chosen_topics=[] if complete else None,
        recommendation=(Recommendation(rule="first fit (test fixture)", stability_tolerance=0.1)
                        if complete else None),
        measures=Measures(
            by_k=[KSummary(k=k, n_fits=len(rows), sd={},
                           mean={m: sum(r[m] for r in rows) / len(rows) for m in measures})
                  for k in sorted({r["k"] for r in sweep_rows})
                  for rows in [[r for r in sweep_rows if r["k"] == k]]],
            fits=[FitMeasures(**{key: row[key] for key in ("model", "k", "seed", *measures)}, fit_seconds=0.1,
                              engine_info={})
                  for row in sweep_rows],
        ) if complete else None,
        reused_fits=0 if complete else None,
        timings=Timings(fits_seconds=0.1, total_seconds=0.1, fit_seconds_sum=0.1) if complete else None,
    )
