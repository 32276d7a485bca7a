"""Seed terms: from the codebook file, or derived from each code's name and description.

Derived seeds go through the corpus's own tokenisation (:func:`feedcare.corpus.tokens.terms.text_chunks`:
the same stopwords, normalisation and lemmas), so "Staff manner & personal attributes" gives
``staff``, ``manner``, ``personal``, ``attribute``; adjacent words that the corpus joined into a
phrase (``mental_health``) are used as the phrase. Only terms in the vocabulary count; a code
none of whose seeds is in the vocabulary gets no topic and is reported.

Which codes get a topic: every codable code with an effective seed, except a parent whose
children have topics of their own (the children's topics roll up to it in the reports). With a
``level`` (``--level``), the hierarchy is cut there first: a code deeper than the level gets no topic
of its own and lends its seeds to its ancestor at the level, so the sub-codes' names describe the
theme the researcher wants one topic for.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pyarrow.parquet as pq
from feedcare.corpus.base.errors import UsageError
from feedcare.corpus.store.reader import Corpus
from feedcare.corpus.tokens.terms import text_chunks
from feedcare.topics.codebook.expansion import DEFAULT_EXPAND, EXPANDED_WEIGHT, MAX_EXPAND, expand_seeds
from feedcare.topics.codebook.guidance import (
    DEFAULT_BOOST,
    DEFAULT_FREE,
    MAX_BOOST,
    MAX_LEVEL,
    CodeRecord,
    Guidance,
)
from feedcare.topics.codebook.model import Codebook
from feedcare.topics.config import MAX_TOPICS


def vocabulary_terms(corpus: Corpus) -> set[str]:
    return set(pq.read_table(corpus.vocabulary_path, columns=["term"])["term"].to_pylist())


def chunk_terms(chunks: list[list[str]], vocabulary: set[str]) -> tuple[list[str], list[str]]:
    """(terms in the vocabulary, terms not in it) of tokenised text; phrases joined as the corpus did."""
    found: list[str] = []
    missing: list[str] = []
    for chunk in chunks:
        i = 0
        while i < len(chunk):
            pair = "_".join(chunk[i : i + 2]) if i + 1 < len(chunk) else None
            if pair is not None and pair in vocabulary:
                term, i = pair, i + 2
            else:
                term, i = chunk[i], i + 1
            target = found if term in vocabulary else missing
            if term not in target:
                target.append(term)
    return found, missing


def plan_guidance(corpus: Corpus, codebook: Codebook, free: int | None = None,
                  boost: float | None = None, use_descriptions: bool = True,
                  expand: int | None = None, level: int | None = None) -> Guidance:
    """The codes' effective seeds in this corpus, the topic of each guided code, k = guided + free.

    ``expand``: up to this many terms found in the corpus are added to each guided code whose
    seeds were derived from its name (not given in the file); see
    :mod:`feedcare.topics.codebook.expansion`. 0 turns expansion off.

    ``level``: guide one topic per code at this level of the hierarchy (1: the top-level codes);
    each code below it lends its seeds (given, or derived from its name and description) to its
    ancestor at that level, so a framework of 9 themes and 45 sub-codes fits 9 guided topics,
    each seeded by its sub-codes' names. None: every code with seeds of its own is guided.
    """
    free = DEFAULT_FREE if free is None else free
    if level is not None and not 1 <= level <= MAX_LEVEL:
        raise UsageError(f"--level must be between 1 (the top-level codes) and {MAX_LEVEL}, got {level}")
    expand = DEFAULT_EXPAND if expand is None else expand
    if not 0 <= expand <= MAX_EXPAND:
        raise UsageError(f"--expand must be between 0 and {MAX_EXPAND}, got {expand}")
    boost = DEFAULT_BOOST if boost is None else boost
    if not 0 <= free <= MAX_TOPICS:
        raise UsageError(f"--free must be between 0 and {MAX_TOPICS}, got {free}")
    if not 0 < boost <= MAX_BOOST:
        raise UsageError(f"seed boost must be a number > 0 and at most {MAX_BOOST:g}, got {boost}")
    vocabulary = vocabulary_terms(corpus)
    texts = []
    for code in codebook.codes:
        if code.seeds:
            texts.append("\n".join(code.seeds))  # one seed per line: a phrase never spans two seeds
        else:
            described = use_descriptions and code.description
            texts.append(code.name + ("\n" + code.description if described else ""))
    chunked = text_chunks(corpus, texts)
    derived: dict[str, tuple[list[str], list[str], str]] = {}
    for code, chunks in zip(codebook.codes, chunked, strict=True):
        found, missing = chunk_terms(chunks, vocabulary)
        source = "file" if code.seeds else ("name and description" if use_descriptions and code.description
                                            else "name")
        if code.seeds:  # a seed that is a phrase in the corpus ("waiting time" → waiting_time)
            found, missing = _given_seeds(code.seeds, chunks, vocabulary)
        derived[code.guid] = (found, missing, source)
    anchors = _anchors(codebook, level)
    members: dict[str, list[str]] = {}
    for code in codebook.codes:
        members.setdefault(anchors[code.guid], []).append(code.guid)
    merged = {guid: _merge([derived[m] for m in group]) for guid, group in members.items()}
    has_guided_child: set[str] = set()
    for code in codebook.codes:
        if anchors[code.guid] != code.guid:
            continue
        if code.codable and merged[code.guid][0] and code.parent is not None:
            parent = code.parent
            while parent is not None:
                has_guided_child.add(parent)
                parent = codebook.code(parent).parent
    records = []
    topic = 0
    for code in codebook.codes:
        anchor = anchors[code.guid]
        if anchor != code.guid:  # below the guided level: its terms guide its ancestor's topic
            found, missing, source = derived[code.guid]
            records.append(CodeRecord(
                guid=code.guid, name=code.name, path=codebook.path_of(code), parent=code.parent,
                description=code.description or None, color=code.color, codable=code.codable,
                seeds=found or None, seeds_from=source, missing=missing or None, folded_into=anchor,
            ))
            continue
        found, missing, source = merged[code.guid]
        reason = None
        assigned = None
        if not code.codable:
            reason = None if code.guid in has_guided_child else (
                "not codable (isCodable = false)" + ("; choose a deeper --level" if level is not None
                                                     and len(members[code.guid]) > 1 else ""))
        elif code.guid in has_guided_child:
            reason = None  # its children carry it
        elif not found:
            where = "its sub-codes' " if len(members[code.guid]) > 1 else "its "
            reason = (f"none of {where}seed terms is in the vocabulary "
                      f"({', '.join(missing) or 'no terms left'})" if source == "file" else
                      f"no term of {where}{source} is in the vocabulary "
                      f"({', '.join(missing) or 'only stopwords'}); add seed terms")
        else:
            assigned, topic = topic, topic + 1
        folded = len(members[code.guid]) - 1
        if folded:  # "file" in it keeps expansion off: some seeds were chosen by the researcher
            given = source != "file" and any(derived[m][2] == "file" for m in members[code.guid])
            source += f", with {folded} sub-code{'s' * (folded > 1)}" + ("; seeds from the file" * given)
        records.append(CodeRecord(
            guid=code.guid, name=code.name, path=codebook.path_of(code), parent=code.parent,
            description=code.description or None, color=code.color, codable=code.codable,
            topic=assigned, seeds=found if assigned is not None else (found or None),
            seeds_from=source, missing=missing or None, reason=reason,
        ))
    expandable = [list(r.seeds or []) if r.topic is not None and "file" not in (r.seeds_from or "") else None
                  for r in records]
    if expand and any(expandable):
        added = expand_seeds(corpus, expandable, expand)
        records = [dataclasses.replace(r, expanded=terms or None) if terms else r
                   for r, terms in zip(records, added, strict=True)]
    guidance = Guidance(path=str(Path(codebook.path)), format=codebook.format, sha256=codebook.sha256,
                        boost=float(boost), free=free, codes=records, expand=expand,
                        expanded_weight=EXPANDED_WEIGHT if expand else None, level=level)
    if guidance.n_guided == 0:
        raise UsageError(
            f"{codebook.path}: no code has a seed term in the corpus vocabulary, so nothing can be guided; "
            "add seed terms (a 'seeds' column or [[code]] seeds) that occur in the corpus"
        )
    if guidance.k < 2:
        raise UsageError(f"{codebook.path}: one guided code and no free topic make one topic; add --free 1")
    if guidance.k > MAX_TOPICS:
        raise UsageError(f"{codebook.path}: {guidance.k} topics is more than {MAX_TOPICS}; use fewer codes")
    return guidance


def _anchors(codebook: Codebook, level: int | None) -> dict[str, str]:
    """Each code's GUID → the GUID of the code whose topic it guides: itself, or with ``level`` its
    ancestor at that level when it lies deeper."""
    if level is None:
        return {c.guid: c.guid for c in codebook.codes}
    anchors = {}
    for code in codebook.codes:
        anchor = code
        while codebook.depth(anchor) >= level:
            anchor = codebook.code(anchor.parent)  # depth > 0: it has a parent
        anchors[code.guid] = anchor.guid
    return anchors


def _merge(parts: list[tuple[list[str], list[str], str]]) -> tuple[list[str], list[str], str]:
    """One code's and its folded sub-codes' seeds as one: terms in codebook order, each once; the
    source is the code's own (the first part)."""
    found: list[str] = []
    missing: list[str] = []
    for part_found, part_missing, _ in parts:
        found += [t for t in part_found if t not in found]
        missing += [t for t in part_missing if t not in missing]
    missing = [t for t in missing if t not in found]
    return found, missing, parts[0][2]


def _given_seeds(seeds: tuple[str, ...], chunks: list[list[str]], vocabulary: set[str]
                 ) -> tuple[list[str], list[str]]:
    """Seeds from the file: each line tokenised; a multi-word seed that is a corpus phrase is kept
    whole, and a seed spelled exactly as a vocabulary term is taken as it is."""
    found, missing = chunk_terms(chunks, vocabulary)
    for seed in seeds:
        exact = seed.strip().lower().replace(" ", "_")
        if exact in vocabulary and exact not in found:
            found.append(exact)
            if exact in missing:
                missing.remove(exact)
    return found, missing
