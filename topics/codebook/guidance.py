"""The guided configuration of a run, declared once: which topic is which code, with what seeds.

:class:`Guidance` is what ``feedcare topics --codebook`` records in run.json (key ``codebook``):
the codebook file's path and SHA-256, every code (GUID, name, parent, description, colour),
each guided topic's code and its *effective* seed terms (the ones in the vocabulary, the ones
the engines were given), the codes no seed reached, the boost and the number of free topics.
``reproduce`` refits from this record alone, so it never needs the codebook file again.

Topics 0 .. n_guided-1 are the guided codes in codebook order; topics n_guided .. k-1 are free.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from feedcare.corpus.base.sidecar import Record

# The prior a seed term gets in its code's topic, per occurrence of the term in the corpus.
# 1.0: as if each occurrence of the term had been assigned to its code once more before fitting.
# Measured on the FFT comments and planted topics (docs/deductive.md, "How strong is the boost").
DEFAULT_BOOST = 1.0
DEFAULT_FREE = 2
MAX_BOOST = 100.0
MAX_LEVEL = 20  # deeper than any codebook we have seen; a bound so a typo is named, not looped on
# How the engines turn seeds into priors (topics/engines/priors.py); part of every fit fingerprint.
PRIOR = "seed terms exclusive to their codes, boosted"


@dataclass(frozen=True)
class CodeRecord(Record):
    guid: str
    name: str
    path: str  # "Parent > Child"
    parent: str | None = None  # GUID
    description: str | None = None
    color: str | None = None
    codable: bool = True
    topic: int | None = None  # the code's guided topic; None: not guided (see reason)
    seeds: list[str] | None = None  # the effective seed terms (in the vocabulary)
    seeds_from: str | None = None  # "file", "name" or "name and description"
    expanded: list[str] | None = None  # terms the corpus added to name-derived seeds (expansion.py)
    missing: list[str] | None = None  # seed terms asked for that are not in the vocabulary
    reason: str | None = None  # why a code has no topic
    folded_into: str | None = None  # GUID of the ancestor (at the run's --level) its seeds guide


@dataclass(frozen=True)
class Guidance(Record):
    path: str
    format: str
    sha256: str
    boost: float
    free: int
    codes: list[CodeRecord]
    expand: int = 0  # expansion terms asked for per code with name-derived seeds (0: none)
    expanded_weight: float | None = None  # an expanded term's boost relative to a name term's
    level: int | None = None  # guided at this level of the hierarchy (1: top); None: every seeded code

    @property
    def guided(self) -> list[CodeRecord]:
        return sorted((c for c in self.codes if c.topic is not None), key=lambda c: c.topic or 0)

    @property
    def n_guided(self) -> int:
        return len(self.guided)

    @property
    def k(self) -> int:
        return self.n_guided + self.free

    @property
    def unreached(self) -> list[CodeRecord]:
        return [c for c in self.codes if c.topic is None and c.reason is not None]

    def engine_settings(self) -> dict[str, Any]:
        """What an engine needs (JSON-ready, part of the fit fingerprint): seeds per guided topic."""
        seeds = [list(c.seeds or []) for c in self.guided]
        settings: dict[str, Any] = {"prior": PRIOR, "boost": self.boost, "seed_topics": seeds}
        if any(c.expanded for c in self.guided):  # absent otherwise: unexpanded fingerprints unchanged
            settings["expanded_topics"] = [list(c.expanded or []) for c in self.guided]
            settings["expanded_weight"] = self.expanded_weight
        return settings

    def code_of_topic(self, topic: int) -> CodeRecord | None:
        return next((c for c in self.codes if c.topic == topic), None)
