"""tokens.json: what `feedcare tokens` counted, assembled once for the local and the Spark backend."""

from __future__ import annotations

from typing import Any

from feedcare.corpus.base.settings import as_dict
from feedcare.corpus.store.reader import Corpus
from feedcare.corpus.store.sidecars import (
    LanguageExample,
    PhraseCount,
    Pruning,
    TermCount,
    TokensMeta,
    TokensSummary,
)
from feedcare.corpus.tokens.batches import Reading
from feedcare.corpus.tokens.config import TokensConfig
from feedcare.corpus.tokens.units import UnitStats

TOP_TERMS = 50
# The packages whose versions the tokens depend on: part of the tokens fingerprint, and recorded in
# tokens.json so a methods statement can name them.
TOKEN_PACKAGES = ("nltk", "gensim", "simplemma")


def package_versions() -> dict[str, str]:
    from importlib.metadata import version

    return {name: version(name) for name in TOKEN_PACKAGES}


def tokens_meta(corpus: Corpus, config: TokensConfig, tokens_fp: str, *, reading: Reading, units_built: int,
                stats: UnitStats, filters: dict[str, int], phrases: list, n_before: int,
                pruned: dict[str, Any], written: dict[str, int], vocabulary: list[dict[str, Any]],
                jobs: int) -> TokensMeta:
    """tokens.json from what the passes counted (shared by the local and the Spark backend)."""
    from feedcare import __version__

    summary = TokensSummary(
        documents=reading.documents,
        unit_modes=dict(sorted(reading.modes.items())),
        turns=reading.turns,
        turns_selected=reading.selected,
        turns_excluded=dict(sorted(reading.excluded.items())),
        units_built=units_built,
        units_merged=stats.merged_units,
        turns_split=stats.split_turns,
        units=written["units"],
        units_dropped_empty=units_built - written["units"],
        words=filters["words"],
        removed={k: v for k, v in filters.items() if k not in ("words", "kept")},
        tokens_before_filter=n_before,
        tokens=written["tokens"],
        vocabulary_before=pruned["before"],
        vocabulary=pruned["after"],
        phrases_found=len(phrases),
        jobs=jobs,
        units_across_questions=stats.across_questions,
        interviewer_turns=stats.interviewer_turns,
        questions=stats.questions,
        languages=dict(sorted(reading.languages.items(), key=lambda kv: (-kv[1], kv[0]))),
        documents_left_out_language=reading.language_documents,
        turns_left_out_language=reading.language_turns,
        left_out_language_examples=[LanguageExample(**e) for e in reading.language_examples],
    )
    return TokensMeta(
        fingerprint=tokens_fp,
        corpus_fingerprint=corpus.fingerprint,
        config=as_dict(config),
        summary=summary,
        phrases=[PhraseCount.from_dict(p.as_dict()) for p in phrases],
        pruned=Pruning(**pruned),
        top_terms=[TermCount(**t) for t in vocabulary[:TOP_TERMS]],
        feedcare_version=__version__,
        packages=package_versions(),
    )
