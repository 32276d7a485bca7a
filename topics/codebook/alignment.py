"""Where codes and topics meet.

- :func:`code_report` (a guided run): per code, its topic's units and participants, the seed terms'
  weight in the topic, the terms the data added, and the topic's excerpts;
- :func:`align` (any run and a codebook): each topic's nearest codes by term overlap (the code's
  seed terms' weight in the topic) and by shared units (units the topic dominates that mention
  one of the code's seed terms), and per code what the data did with it: ``reached`` (one topic
  holds at least a quarter of the units mentioning it), ``split`` (several topics do), ``merged``
  (its main topic is also another code's main topic) or ``not reached`` (no topic does).

Both read the run through :func:`~feedcare.topics.themes.build.build_themes` and the corpus tokens,
never a pickled model.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from feedcare.corpus import open_corpus
from feedcare.corpus.base.errors import UsageError
from feedcare.topics.codebook.guidance import CodeRecord, Guidance
from feedcare.topics.codebook.model import Codebook
from feedcare.topics.codebook.seeds import plan_guidance
from feedcare.topics.runs.rundir import Run, open_run
from feedcare.topics.themes.build import ThemesResult, build_themes
from feedcare.topics.themes.config import ThemesConfig

NEAREST = 2  # codes listed per topic
MIN_SHARED = 0.25  # a topic meets a code when it dominates this share of the units mentioning the code


@dataclass(frozen=True)
class CodeRow:
    """One code of a guided run: what its topic found."""

    code: str  # path, "Parent > Child"
    guid: str
    topic: int | None
    seeds: list[str]
    units: int = 0  # units whose dominant topic is the code's
    unit_share: float = 0.0
    participants: int = 0
    seed_weight: float = 0.0  # sum of p(seed | topic) over the seeds among the topic's stored terms
    added_terms: list[str] = field(default_factory=list)  # the topic's top terms that are not seeds
    excerpts: list[dict[str, Any]] = field(default_factory=list)
    reason: str | None = None  # why the code has no topic
    expanded: list[str] = field(default_factory=list)  # seed terms the corpus added (expansion.py)
    # False: none of its seed terms is among the topic's stored top terms (topics.parquet, top_n):
    # the fit gave the topic to other words, so its code name says nothing about its units
    followed: bool = True


@dataclass(frozen=True)
class TopicRow:
    topic: int
    label: str
    units: int
    top_terms: list[str]
    by_terms: list[tuple[str, float]]  # (code, seed weight in the topic), nearest first
    by_units: list[tuple[str, float]]  # (code, share of the topic's units mentioning its seeds)


@dataclass(frozen=True)
class Alignment:
    run_id: str
    model: str
    codebook: str
    topics: list[TopicRow]
    codes: list[dict[str, Any]]  # code, seeds, units mentioning a seed, topics meeting it, verdict

    def to_dict(self) -> dict[str, Any]:
        return {"run_id": self.run_id, "model": self.model, "codebook": self.codebook,
                "topics": [t.__dict__ for t in self.topics], "codes": self.codes}


def _weights(run: Run, model: str) -> dict[int, dict[str, float]]:
    out: dict[int, dict[str, float]] = {}
    for row in run.topics(model).to_pylist():
        out.setdefault(int(row["topic"]), {})[row["term"]] = float(row["weight"])
    return out


def code_report(corpus_dir: Path, run: str, model: str | None = None, excerpts: int = 3) -> list[CodeRow]:
    """Per code of a guided run (the run's own codebook, as recorded)."""
    opened = open_run(Path(corpus_dir), run)
    guidance = opened.info.codebook
    if guidance is None:
        raise UsageError(f"run {opened.run_id} was not guided by a codebook; align it with one: "
                         f"`feedcare codebook align {opened.run_id} --codebook FILE`")
    result = build_themes(corpus_dir, opened, model=model, config=ThemesConfig(excerpts=excerpts))
    weights = _weights(opened, result.model)
    themes = {t.topic: t for t in result.themes}
    rows = []
    for code in guidance.codes:
        if code.topic is None:
            if code.reason:
                rows.append(CodeRow(code.path, code.guid, None, code.seeds or [], reason=code.reason))
            continue
        theme = themes[code.topic]
        seeds = code.seeds or []
        expanded = code.expanded or []
        stored = weights.get(code.topic, {})
        rows.append(CodeRow(
            code=code.path, guid=code.guid, topic=code.topic, seeds=seeds,
            units=theme.prevalence.n_units, unit_share=theme.prevalence.unit_share,
            participants=theme.prevalence.spread,
            seed_weight=sum(stored.get(s, 0.0) for s in seeds),
            followed=any(s in stored for s in [*seeds, *expanded]),
            added_terms=[t.term for t in theme.terms if t.term not in seeds and t.term not in expanded][:8],
            excerpts=[{"participant": e.participant_id, "doc_id": e.doc_id, "weight": e.weight,
                       "text": e.text} for e in theme.excerpts],
            expanded=list(expanded),
        ))
    return rows


def align(corpus_dir: Path, run: str, codebook: Codebook, model: str | None = None,
          expand: int | None = None, level: int | None = None) -> Alignment:
    """The alignment table of a run's topics and a codebook's codes (seeds in this corpus's terms).

    A code is matched through its seed terms and, with ``expand`` (default as ``topics --expand``),
    the terms the corpus adds to name-derived seeds (:mod:`feedcare.topics.codebook.expansion`).
    With ``level``, the codes at that level of the hierarchy are aligned, each matched through its
    own and its sub-codes' seeds (as ``topics --level``).
    """
    corpus = open_corpus(Path(corpus_dir))
    # for the codes' effective seeds only
    planned = plan_guidance(corpus, codebook, free=1, expand=expand, level=level)
    guidance = dataclasses.replace(planned, codes=[
        dataclasses.replace(c, seeds=[*(c.seeds or []), *(c.expanded or [])]) if c.expanded else c
        for c in planned.codes])
    opened = open_run(Path(corpus_dir), run)
    result = build_themes(corpus_dir, opened, model=model, config=ThemesConfig(excerpts=0))
    codes = [c for c in guidance.codes if c.topic is not None]
    mentions = _mentions(corpus, codes, len(result.units.dominant) if result.units is not None else 0)
    dominant = result.units.dominant if result.units is not None else np.zeros(0, dtype=np.int64)
    weights = _weights(opened, result.model)
    topic_rows = []
    meets: dict[str, list[int]] = {c.path: [] for c in codes}
    held: dict[str, list[tuple[float, int]]] = {c.path: [] for c in codes}  # (share of its units, topic)
    for theme in sorted(result.themes, key=lambda t: t.topic):
        in_topic = dominant == theme.topic
        n = int(in_topic.sum())
        by_terms = sorted(((c.path, sum(weights.get(theme.topic, {}).get(s, 0.0) for s in c.seeds or []))
                           for c in codes), key=lambda x: -x[1])
        by_units = sorted(((c.path, float(mentions[i][in_topic].sum()) / n if n else 0.0)
                           for i, c in enumerate(codes)), key=lambda x: -x[1])
        for i, c in enumerate(codes):
            total = int(mentions[i].sum())
            share = float(mentions[i][in_topic].sum()) / total if total else 0.0
            held[c.path].append((share, theme.topic))
            if share >= MIN_SHARED:
                meets[c.path].append(theme.topic)
        topic_rows.append(TopicRow(theme.topic, theme.name, n, [t.term for t in theme.terms[:8]],
                                   [x for x in by_terms[:NEAREST] if x[1] > 0],
                                   [x for x in by_units[:NEAREST] if x[1] > 0]))
    main = {path: max(shares)[1] for path, shares in held.items() if meets[path]}
    code_rows = []
    for i, c in enumerate(codes):
        topics = meets[c.path]
        merged = [other for other, t in main.items() if other != c.path and t == main.get(c.path)]
        verdict = ("not reached" if not topics else "split" if len(topics) > 1
                   else f"merged with {', '.join(merged)}" if merged else "reached")
        own = planned.codes[[p.guid for p in planned.codes].index(c.guid)]
        code_rows.append({"code": c.path, "guid": c.guid, "seeds": own.seeds or [],
                          "expanded": own.expanded or [],
                          "units_mentioning": int(mentions[i].sum()), "topics": topics, "verdict": verdict})
    for c in guidance.unreached:
        code_rows.append({"code": c.path, "guid": c.guid, "seeds": [], "expanded": [],
                          "units_mentioning": 0, "topics": [],
                          "verdict": "no seed in the vocabulary"})
    return Alignment(opened.run_id, result.model, str(codebook.path), topic_rows, code_rows)


def _mentions(corpus, codes: list[CodeRecord], n_units: int) -> list[np.ndarray]:
    """Per code, a boolean per unit: the unit contains one of the code's seed terms."""
    out = [np.zeros(n_units, dtype=bool) for _ in codes]
    seed_sets = [set(c.seeds or []) for c in codes]
    for batch in corpus.iter_tokens(["unit_id", "tokens"], 65_536):
        ids = batch.column("unit_id").to_numpy()
        for unit, tokens in zip(ids.tolist(), batch.column("tokens").to_pylist(), strict=True):
            present = set(tokens)
            for i, seeds in enumerate(seed_sets):
                if seeds & present:
                    out[i][unit] = True
    return out


__all__ = ["Alignment", "CodeRow", "Guidance", "ThemesResult", "TopicRow", "align", "code_report"]
