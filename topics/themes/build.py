"""Themes: what each topic of a finished run is about, who voices it, and in whose words.

:func:`build_themes` reads only the run directory's Parquet/JSON files and the corpus (through
:class:`~feedcare.corpus.Corpus`); it never unpickles a model. It streams doc_topics once,
accumulating prevalence (:mod:`.prevalence`) and the excerpt candidates (:mod:`.excerpts`) in
bounded memory, then fetches the texts of the few units it shows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from feedcare.corpus import Corpus, open_corpus
from feedcare.corpus.base.errors import DataError, UsageError
from feedcare.corpus.base.progress import ProgressCallback, report
from feedcare.topics.codebook.guidance import Guidance
from feedcare.topics.codebook.labels import guided_label
from feedcare.topics.measures.distinctive import corpus_wide_terms, ranked_terms, stopword_hint
from feedcare.topics.runs.early import open_run_early
from feedcare.topics.runs.rundir import DOC_TOPICS_FILE, Run
from feedcare.topics.themes.association import Association, strong_associations
from feedcare.topics.themes.config import Labels, ThemesConfig, TopicLabel, check_labels, load_labels
from feedcare.topics.themes.excerpts import (
    Excerpt,
    ExcerptCandidates,
    TermMatcher,
    build_excerpts,
    length_typicality,
)
from feedcare.topics.themes.prevalence import (
    MISSING_GROUP,
    GroupTable,
    PrevalenceAccumulator,
    TopicPrevalence,
)
from feedcare.topics.themes.units import OtherThemes, UnitThemes

BATCH_ROWS = 65_536


@dataclass(frozen=True)
class Term:
    term: str
    weight: float  # p(term | topic)
    score: float | None = None  # the distinctiveness score, for distinctive terms


@dataclass(frozen=True)
class Theme:
    topic: int
    label: str | None  # from the labels file; None when unlabelled
    memo: str
    terms: tuple[Term, ...]  # by probability
    prevalence: TopicPrevalence
    coherence: float | None  # per-topic coherence (ThemesConfig.coherence), when the run has it
    excerpts: tuple[Excerpt, ...]
    distinctive: tuple[Term, ...] = ()  # by ThemesConfig.distinctive; empty for runs without scores

    @property
    def name(self) -> str:
        """The label, or the first three top terms."""
        return self.label or ", ".join(t.term for t in self.terms[:3])


@dataclass(frozen=True)
class SweepPoint:
    model: str
    k: int
    seed: int
    c_npmi: float | None
    c_v: float | None
    u_mass: float | None
    diversity: float | None
    stability: float | None


@dataclass(frozen=True)
class ThemesResult:
    run_id: str
    run_path: Path
    corpus_path: Path
    model: str
    chosen_model: str
    n_topics: int
    n_units: int
    n_participants: int
    created: str  # the run's creation time (used for reproducible exports)
    config: ThemesConfig
    themes: tuple[Theme, ...]
    sweep: tuple[SweepPoint, ...] = ()
    groups: GroupTable | None = None
    labels_path: Path | None = None
    notes: tuple[str, ...] = field(default=())
    # Every document is one turn (comments): turn numbers and participant spread mean nothing.
    single_turn: bool = False
    # Terms in the probability top terms of at least half the topics: stopword candidates.
    corpus_wide: tuple[str, ...] = ()
    # With --by: the grouping attribute's strong associations with other attributes (also in notes).
    group_notes: tuple[str, ...] = ()
    # With --by and excerpts_per_group: group → topic → that group's excerpts for the topic.
    group_excerpts: dict[str, dict[int, tuple[Excerpt, ...]]] = field(default_factory=dict)
    # The run is unfinished: these themes come from its finished fits (the note says so).
    early: str | None = None

    @property
    def stopword_hint(self) -> str:
        return stopword_hint(self.corpus_wide)
    units: UnitThemes | None = field(default=None, repr=False, compare=False)  # per-unit themes
    # A guided run's codebook (run.json "codebook"): exports code with the researcher's own codes.
    codebook: Guidance | None = field(default=None, repr=False)

    def theme(self, topic: int) -> Theme:
        for theme in self.themes:
            if theme.topic == topic:
                return theme
        raise KeyError(topic)


@dataclass(frozen=True)
class _Units:
    """Per-unit facts from tokens.parquet, as arrays indexed by unit_id."""

    participant_of: np.ndarray
    participant_names: pa.Array  # of strings, indexed by participant code
    doc_of: np.ndarray  # empty (and doc_names too) unless read for --by
    doc_names: pa.Array
    n_tokens: np.ndarray


def build_themes(
    corpus_dir: Path,
    run: Run | str | Path,
    *,
    model: str | None = None,
    config: ThemesConfig | None = None,
    labels: Labels | Path | None = None,
    topic: int | None = None,
    by: str | None = None,
    progress: ProgressCallback | None = None,
    force: bool = False,
) -> ThemesResult:
    """Themes of one model of ``run`` (default: the run's chosen model).

    ``run`` is a :class:`Run` or what :func:`open_run` accepts (an id, ``latest``, a path); a
    running or interrupted run gives the themes of its finished fits, with a note saying so;
    ``labels`` a parsed labels file or its path. ``topic`` restricts the themes (not the
    prevalence denominators) to one topic; ``by`` adds a topic × group table for a document
    attribute (``source`` finds ``source_1``, a table's column stored under a new name at
    ingest: see :meth:`Corpus.resolve_attribute`). ``force`` applies labels written for another
    run (with a note).
    """
    config = config or ThemesConfig()
    corpus = open_corpus(corpus_dir)
    by = corpus.resolve_attribute(by) if by is not None else None  # before any slow work
    if not isinstance(run, Run):
        run = open_run_early(corpus.path, str(run))  # an unfinished run: its finished fits, noted
    tokens_fingerprint = run.check_chain(corpus)  # corpus → tokens → run, before reading anything
    if labels is not None and not isinstance(labels, Labels):
        labels = load_labels(Path(labels))
    model_id = run.check_model(model)
    n_topics = run.n_topics(model_id)
    if topic is not None and not 0 <= topic < n_topics:
        raise UsageError(f"--topic {topic} is not in model {model_id}; it has topics 0–{n_topics - 1}")
    label_notes: tuple[str, ...] = ()
    if labels is not None:
        label_notes = check_labels(
            labels, run.run_id, model_id, n_topics, fingerprint=_run_fingerprint(run), force=force
        )
    units = _read_units(corpus, progress, with_documents=by is not None)
    groups = _group_codes(corpus, units, by) if by else None
    accumulator = PrevalenceAccumulator(
        n_topics, units.participant_of, units.n_tokens, *(groups or (None, None))
    )
    candidates = ExcerptCandidates(
        n_topics,
        config.excerpts,
        config.per_participant,
        config.min_weight,
        units.participant_of,
        topic,
        typicality=length_typicality(units.n_tokens),
    )
    typicality = length_typicality(units.n_tokens)
    per_group = []
    if groups is not None and config.excerpts_per_group:
        group_of, group_names = groups
        per_group = [
            (
                name,
                ExcerptCandidates(
                    n_topics,
                    config.excerpts_per_group,
                    config.per_participant,
                    config.min_weight,
                    units.participant_of,
                    topic,
                    typicality=typicality * (group_of == g),
                ),
            )
            for g, name in enumerate(group_names)
        ]
    others = OtherThemes(config.other_weight)
    sinks = (accumulator, candidates, others, *(c for _, c in per_group))
    _scan_doc_topics(run, model_id, len(units.n_tokens), n_topics, sinks, progress)
    if not accumulator.seen.any():
        raise DataError(f"{run.path / DOC_TOPICS_FILE}: no topic weights for model {model_id}; re-run it")
    terms, distinctive = _terms(run, model_id, config.top_terms, config.distinctive)
    corpus_wide = tuple(corpus_wide_terms([[t.term for t in v] for v in terms.values()]))
    notes: tuple[str, ...] = ()
    if terms and not distinctive:
        notes += ("the run has no distinctiveness scores (fitted before FREX/relevance were stored): "
                  "only probability-ranked terms are shown",)
    if corpus_wide:
        notes += (
            f"corpus-wide terms (in the top terms of at least half the topics): {', '.join(corpus_wide)}; "
            f"they say little about any one topic. To drop them, {stopword_hint(corpus_wide)}",
        )
    tokens_config = corpus.tokens_meta().config
    lemmatize = _lemmatize(corpus)
    # Highlight what the reader is shown: the probable and the distinctive terms.
    matchers = {
        t: TermMatcher.from_terms([x.term for x in (*v, *distinctive.get(t, ()))], lemmatize)
        for t, v in terms.items()
    }
    excerpts = build_excerpts(
        corpus,
        lambda unit: units.participant_names[int(units.participant_of[unit])].as_py(),
        candidates.select(),
        matchers,
        config.excerpt_chars,
        roles=tuple(tokens_config.get("roles") or ("participant",)),
    )
    group_excerpts = {
        name: build_excerpts(
            corpus,
            lambda unit: units.participant_names[int(units.participant_of[unit])].as_py(),
            group_candidates.select(),
            matchers,
            config.excerpt_chars,
            roles=tuple(tokens_config.get("roles") or ("participant",)),
        )
        for name, group_candidates in per_group
    }
    # ... and after: an ingest or tokens run in the meantime would mix two corpora in one table.
    now = open_corpus(corpus_dir)
    if now.fingerprint != corpus.fingerprint or run.check_chain(now) != tokens_fingerprint:
        raise DataError(f"{corpus.path}: the corpus changed while `feedcare themes` read it; run it again")
    coherence, coherence_notes = _coherence(run, model_id, config.coherence)
    notes = label_notes + coherence_notes + notes
    if run.early is not None:
        notes = (run.early.note(run),) + notes
    group_notes = tuple(a.note() for a in _associations(corpus, by)) if by else ()
    notes += group_notes
    if config.sort == "coherence" and not coherence:
        raise DataError(f"{run.path}: the run has no per-topic coherence; use --sort prevalence or id")
    guidance = run.info.codebook
    if guidance is not None and labels is None:  # a guided run: the codes name their topics
        named = {t: guided_label(guidance, t, [x.term for x in terms.get(t, ())]) for t in range(n_topics)}
        labels = Labels(topics={t: TopicLabel(name, memo) for t, (name, memo) in named.items()})
    themes = [
        Theme(
            topic=p.topic,
            label=labels.name(p.topic) if labels else None,
            memo=labels.memo(p.topic) if labels else "",
            terms=terms.get(p.topic, ()),
            prevalence=p,
            coherence=coherence.get(p.topic),
            excerpts=tuple(excerpts.get(p.topic, ())),
            distinctive=distinctive.get(p.topic, ()),
        )
        for p in accumulator.topics()
        if topic is None or p.topic == topic
    ]
    return ThemesResult(
        run_id=run.run_id,
        run_path=run.path,
        corpus_path=corpus.path,
        model=model_id,
        chosen_model=run.chosen_model,
        n_topics=n_topics,
        n_units=int(accumulator.seen.sum()),
        n_participants=len(np.unique(units.participant_of[accumulator.seen])),
        created=run.info.created,
        config=config,
        themes=tuple(_sorted(themes, config.sort)),
        sweep=_sweep(run),
        groups=accumulator.group_table(by, config.min_participants) if by else None,
        labels_path=labels.path if labels else None,
        notes=notes,
        single_turn=_single_turn(corpus),
        corpus_wide=corpus_wide,
        group_notes=group_notes,
        group_excerpts={
            g: {t: tuple(v) for t, v in by_topic.items()} for g, by_topic in group_excerpts.items()
        },
        units=UnitThemes.collect(accumulator.best_topic, accumulator.best_weight, others),
        early=run.early.note(run) if run.early is not None else None,
        codebook=guidance,
    )


def _sorted(themes: list[Theme], key: str) -> list[Theme]:
    if key == "id":
        return sorted(themes, key=lambda t: t.topic)
    if key == "coherence":
        return sorted(themes, key=lambda t: (t.coherence is None, -(t.coherence or 0.0), t.topic))
    return sorted(themes, key=lambda t: (-t.prevalence.unit_share, -t.prevalence.word_share, t.topic))


def _read_units(corpus: Corpus, progress: ProgressCallback | None, with_documents: bool = False) -> _Units:
    """Per-unit participant codes and token counts (and document codes, for ``--by``)."""
    columns = ["unit_id", "doc_id", "participant_id", "n_tokens"]
    ids, counts, people, docs = [], [], [], []
    for batch in corpus.iter_tokens(columns, BATCH_ROWS):
        ids.append(batch.column("unit_id").to_numpy())
        counts.append(batch.column("n_tokens").to_numpy())
        people.append(pc.coalesce(batch.column("participant_id"), batch.column("doc_id")))
        if with_documents:
            docs.append(batch.column("doc_id"))
        report(progress, "Reading units", sum(len(i) for i in ids), None)
    if not ids:
        raise DataError(f"{corpus.tokens_path}: no units; re-run `feedcare tokens`")
    unit_ids = np.concatenate(ids)
    n = len(unit_ids)
    present = np.zeros(n, dtype=bool)  # a byte per unit, where np.unique would sort a copy
    if unit_ids.min() < 0 or unit_ids.max() >= n or not _marks_all(present, unit_ids):
        raise DataError(f"{corpus.tokens_path}: unit ids are not 0..{n - 1}; re-run `feedcare tokens`")
    in_order = bool(np.all(unit_ids[1:] > unit_ids[:-1]))  # tokens writes them so: no scatter

    def scatter(values: np.ndarray) -> np.ndarray:
        if in_order:
            return values
        out = np.zeros(n, dtype=values.dtype)
        out[unit_ids] = values
        return out

    participant_of, participant_names = _encode(people)
    doc_of, doc_names = _encode(docs)  # empty unless with_documents
    return _Units(
        participant_of=scatter(participant_of),
        participant_names=participant_names,
        doc_of=scatter(doc_of) if with_documents else doc_of,
        doc_names=doc_names,
        n_tokens=scatter(np.concatenate(counts)),
    )


def _marks_all(present: np.ndarray, unit_ids: np.ndarray) -> bool:
    """Whether ``unit_ids`` (all in range) hit every position, i.e. hold no repeat."""
    present[unit_ids] = True
    return bool(present.all())


def _encode(parts: list[pa.Array]) -> tuple[np.ndarray, pa.Array]:
    """Strings → stable integer codes (first seen, first numbered) and the names by code.

    Arrow's dictionary encoding of a chunked array shares one dictionary across chunks, so a
    million participant ids never become a million Python strings.
    """
    encoded = pc.dictionary_encode(pa.chunked_array(parts, pa.string()))
    if not encoded.num_chunks:
        return np.zeros(0, np.int32), pa.array([], pa.string())
    codes = np.concatenate([chunk.indices.to_numpy(zero_copy_only=False) for chunk in encoded.chunks])
    return codes, encoded.chunks[0].dictionary  # int32 codes: half the memory of int64 per unit


def _group_codes(corpus: Corpus, units: _Units, attribute: str) -> tuple[np.ndarray, list[str]]:
    table = corpus.documents(columns=["doc_id", attribute])
    positions = pc.index_in(units.doc_names, value_set=table["doc_id"].combine_chunks())
    values = table[attribute].combine_chunks().cast(pa.string()).take(positions)  # null: no value
    blank = pc.fill_null(pc.or_(pc.equal(values, ""), pc.equal(values, MISSING_GROUP)), False)
    values = pc.if_else(blank, pa.scalar(None, pa.string()), values)
    names = sorted(pc.unique(pc.drop_null(values)).to_pylist())
    code = pc.index_in(values, value_set=pa.array(names, pa.string()))
    if values.null_count:
        names.append(MISSING_GROUP)
    doc_group = pc.fill_null(code, len(names) - 1).to_numpy(zero_copy_only=False).astype(np.int64)
    return doc_group[units.doc_of], names


def _scan_doc_topics(run, model, n_units, n_topics, sinks, progress) -> None:
    path = run.path / DOC_TOPICS_FILE
    done = 0
    for batch in run.iter_doc_topics(model, ["unit_id", "topic", "weight"], BATCH_ROWS):
        if batch.num_rows == 0:
            continue
        unit_ids = batch.column("unit_id").to_numpy()
        topics = batch.column("topic").to_numpy().astype(np.int64)
        weights = batch.column("weight").to_numpy()
        if unit_ids.min() < 0 or unit_ids.max() >= n_units or topics.min() < 0 or topics.max() >= n_topics:
            raise DataError(
                f"{path}: refers to units or topics that the corpus tokens and topics.parquet do not "
                "have (the tokens changed since the run?); re-run `feedcare topics`"
            )
        for sink in sinks:
            sink.add(unit_ids, topics, weights)
        done += batch.num_rows
        report(progress, "Reading topic weights", done, n_units * n_topics)


def _terms(
    run: Run, model: str, top: int, measure: str
) -> tuple[dict[int, tuple[Term, ...]], dict[int, tuple[Term, ...]]]:
    """Per topic its top terms by probability, and by the distinctiveness ``measure``."""
    rows = run.topics(model).to_pylist()
    by_probability = ranked_terms(rows, "probability", top)
    by_measure = ranked_terms(rows, measure, top)
    return (
        {t: tuple(Term(r["term"], r["weight"]) for r in v) for t, v in by_probability.items()},
        {t: tuple(Term(r["term"], r["weight"], r[measure]) for r in v) for t, v in by_measure.items()},
    )


def _associations(corpus: Corpus, attribute: str) -> list[Association]:
    """Other document attributes strongly associated with the ``--by`` attribute."""
    names = list(corpus.attribute_columns)
    if len(names) < 2:
        return []
    table = corpus.documents(columns=names)
    columns = {n: table[n].combine_chunks().cast(pa.string()).to_pylist() for n in names}
    return strong_associations(columns, attribute)


def _run_fingerprint(run: Run) -> str | None:
    info = run.info
    value = info.get("fingerprint") if isinstance(info, dict) else getattr(info, "fingerprint", None)
    return str(value) if value else None


def _single_turn(corpus: Corpus) -> bool:
    """Whether every document is one turn (a comment table): each comment is its own voice."""
    for batch in corpus.iter_documents(["n_segments"]):
        if pc.max(batch.column("n_segments")).as_py() not in (None, 0, 1):
            return False
    return True


def _lemmatize(corpus: Corpus) -> bool:
    config = corpus.tokens_meta().config
    return bool(config.get("lemmatize", config.get("lemmatise", True)))


def _coherence(run: Run, model: str, measure: str) -> tuple[dict[int, float], tuple[str, ...]]:
    try:
        table = run.topic_measures(model)
    except DataError:
        return {}, ("the run has no topic_measures.parquet: per-topic coherence is not shown",)
    if measure not in table.column_names:
        return {}, (f"the run has no per-topic {measure}",)
    values = {
        int(t): float(v)
        for t, v in zip(table["topic"].to_pylist(), table[measure].to_pylist(), strict=True)
        if v is not None and not math.isnan(v)
    }
    return values, ()


def _sweep(run: Run) -> tuple[SweepPoint, ...]:
    try:
        rows = run.sweep().to_pylist()
    except DataError:
        return ()

    def number(row: dict, key: str) -> float | None:
        value = row.get(key)
        return None if value is None or math.isnan(value) else float(value)

    return tuple(
        SweepPoint(
            str(r["model"]),
            int(r["k"]),
            int(r["seed"]),
            *(number(r, key) for key in ("c_npmi", "c_v", "u_mass", "diversity", "stability")),
        )
        for r in sorted(rows, key=lambda r: (r["k"], r["seed"]))
    )
