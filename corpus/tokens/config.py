"""The ``[tokens]`` section of feedcare.toml: how the corpus becomes analysis units and tokens.

Every field has a documented default and its limits in the field metadata (``help``,
``choices``, ``min``, ``max``); :func:`feedcare.corpus.base.settings.build_section` validates TOML
tables and command-line overrides against them, and ``feedcare init`` renders them as a
commented feedcare.toml.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from feedcare.corpus.base.errors import ConfigError
from feedcare.corpus.base.settings import Settings
from feedcare.corpus.store.schema import ROLES, UNDETERMINED

UNITS = ("auto", "answer", "turn", "document", "window")
SCORINGS = ("default", "npmi")
ALL_LANGUAGES = "all"

# Redaction and transcription markers, by family (docs/tokens.md, "Redaction markers"). The
# plain-text families are also what `feedcare audit` counts as already redacted.
MARKER_FAMILIES = {
    "square": r"\[[^\[\]\n]{0,200}\]",  # [NAME], [REDACTED], [name], [inaudible 00:12:34], [laughs]
    "angle": r"<[^<>\n]{0,100}>",  # <name>, <redacted>, <COMMENT TRUNCATED>
    "curly": r"\{[^{}\n]{0,100}\}",  # {name}, {HOSPITAL}
    "xxxx": r"[Xx](?<![^\W_][Xx])[Xx]{2,}(?:['’]?s)?(?![^\W_])",  # XXXX, xxx, XXXX's (not XXL, Xbox)
    "asterisks": r"\*{2,}",  # ***, ******
    "redacted": r"R(?<!\wR)EDACTED\b",  # capitals only: "the letter was redacted" is a word
}
# (Each pattern starts with a literal character, the look-behind after it: Python's re then
# skips positions that cannot start a marker, which halves the cost of the search.)
PLAIN_MARKER_FAMILIES = ("xxxx", "asterisks", "redacted")
_LANGUAGE_CODE = re.compile(r"[a-z]{2,3}")


@dataclass(frozen=True)
class TokensConfig:
    """Settings of ``feedcare tokens`` (the ``[tokens]`` table)."""

    SECTION: ClassVar[str] = "tokens"

    unit: str = field(
        default="auto",
        metadata={
            "help": "Analysis unit: 'answer' is the speech between two interviewer questions, short "
            "pieces merged up to min_tokens only within the answer and long turns split at sentence "
            "boundaries into pieces of at most max_tokens; 'turn' merges short turns of one speaker "
            "up to min_tokens, also across questions; 'document' uses each document whole; 'window' "
            "cuts fixed windows of window_size tokens; 'auto' is 'document' for rows of a comment "
            "table (csv, tsv, parquet) and 'turn' for transcripts.",
            "choices": UNITS,
        },
    )
    languages: tuple[str, ...] = field(
        default=("en",),
        metadata={
            "help": "Languages whose documents are modelled (codes as in documents.language, "
            "detected at ingest); documents in other languages are left out and listed, those "
            "too short to tell ('und') are kept. [\"all\"] models every document.",
        },
    )
    roles: tuple[str, ...] = field(
        default=("participant",),
        metadata={
            "help": "Speaker roles whose turns are modelled; interviewer turns are left out by default.",
            "choices": ROLES,
        },
    )
    min_tokens: int = field(
        default=20,
        metadata={
            "help": "answer and turn units: short pieces are merged until a unit has this many "
            "tokens (counted after stopword removal).",
            "min": 1,
        },
    )
    max_tokens: int = field(
        default=200,
        metadata={
            "help": "answer and turn units: longer turns are split at sentence boundaries into pieces "
            "of at most this many tokens; a single longer sentence is cut into equal parts.",
            "min": 2,
        },
    )
    question_min_tokens: int = field(
        default=1,
        metadata={
            "help": "answer units: an interviewer turn with fewer content tokens than this "
            "(Mm-hm, Okay, Go on?) is a continuer, not a question, and the answer goes on across "
            "it; 0 makes every interviewer turn end an answer.",
            "min": 0,
        },
    )
    window_size: int = field(default=100, metadata={"help": "window units: tokens per window.", "min": 2})
    window_step: int = field(
        default=0,
        metadata={
            "help": "window units: tokens between window starts; 0 means window_size (no overlap).",
            "min": 0,
        },
    )
    lowercase: bool = field(default=True, metadata={"help": "Lower-case every token."})
    min_length: int = field(
        default=2, metadata={"help": "Drop tokens shorter than this many characters.", "min": 1}
    )
    remove_numbers: bool = field(
        default=True,
        metadata={"help": "Drop tokens without a letter (39, 3.5, 12:30); 'covid-19' is kept."},
    )
    stopwords: bool = field(default=True, metadata={"help": "Drop gensim's English stopwords."})
    spoken_stopwords: bool = field(
        default=True,
        metadata={
            "help": "Drop feedcare's spoken-English list: fillers (um, erm, yeah, like), hedges "
            "(kind of, sort of, you know, I mean), contractions and UK forms (innit, cos)."
        },
    )
    stopwords_files: tuple[str, ...] = field(
        default=(),
        metadata={
            "help": "Extra stopword files: one word or phrase per line, '#' starts a comment; "
            "relative paths are read from the directory of this feedcare.toml.",
            "path": True,
        },
    )
    extra_stopwords: tuple[str, ...] = field(
        default=(), metadata={"help": "Extra stopwords or multi-word phrases to drop."}
    )
    keep_words: tuple[str, ...] = field(
        default=(),
        metadata={"help": "Words never dropped as stopwords (e.g. 'like' for comment tables)."},
    )
    markers: tuple[str, ...] = field(
        default=tuple(MARKER_FAMILIES.values()),
        metadata={
            "help": "Regular expressions for redaction and transcription markers: a match is never "
            "a token and phrases never cross it. The default covers [NAME]/[REDACTED]/[laughs], "
            "<name>, {name}, XXXX/xxx and *** (2+), and REDACTED.",
        },
    )
    extra_markers: tuple[str, ...] = field(
        default=(),
        metadata={"help": "More marker patterns, added to markers (e.g. 'PARTICIPANT_\\d+')."},
    )
    lemmatize: bool = field(
        default=True,
        metadata={"help": "Reduce words to their dictionary form with simplemma (felt -> feel)."},
    )
    phrases: bool = field(
        default=True,
        metadata={"help": "Join collocations into single tokens with gensim Phrases (chest_pain)."},
    )
    phrases_min_count: int = field(
        default=5, metadata={"help": "Phrases: ignore word pairs seen fewer times.", "min": 1}
    )
    phrases_threshold: float = field(
        default=10.0,
        metadata={
            "help": "Phrases: score a pair must exceed to become a phrase; higher means fewer "
            "phrases (for scoring = 'npmi' use a value between -1 and 1, e.g. 0.5)."
        },
    )
    phrases_scoring: str = field(
        default="default",
        metadata={"help": "Phrases scoring function (gensim).", "choices": SCORINGS},
    )
    no_below: int = field(
        default=5,
        metadata={"help": "Drop terms that occur in fewer than this many units.", "min": 1},
    )
    no_above: float = field(
        default=0.5,
        metadata={
            "help": "Drop terms that occur in more than this fraction of units.",
            "min": 0.0,
            "max": 1.0,
        },
    )
    keep_n: int = field(
        default=100_000,
        metadata={"help": "Keep at most this many of the most frequent terms; 0 = no limit.", "min": 0},
    )
    batch_size: int = field(
        default=2000,
        metadata={
            "help": "Turns per work batch sent to a worker process (memory and progress "
            "granularity; the output does not depend on it).",
            "min": 1,
        },
    )
    punkt_sample_chars: int = field(
        default=200_000,
        metadata={
            "help": "Characters of corpus text (an evenly spread, deterministic sample) used to "
            "train the Punkt sentence splitter.",
            "min": 1000,
        },
    )

    def __post_init__(self) -> None:
        if not self.languages:
            raise ValueError('languages must name at least one language code, or be ["all"]')
        for code in self.languages:
            if code != ALL_LANGUAGES and not _LANGUAGE_CODE.fullmatch(code):
                raise ValueError(
                    f"languages: {code!r} is not a language code such as 'en' or 'fr' (or 'all')"
                )
        for pattern in (*self.markers, *self.extra_markers):
            try:
                compiled = re.compile(pattern)
            except re.error as exc:
                raise ValueError(
                    f"marker pattern {pattern!r} is not a valid regular expression ({exc})"
                ) from None
            if compiled.fullmatch(""):
                raise ValueError(f"marker pattern {pattern!r} matches empty text; it must match a marker")
        if not self.roles:
            raise ValueError("roles must name at least one of " + ", ".join(repr(r) for r in ROLES))
        if self.min_tokens > self.max_tokens:
            raise ValueError(f"min_tokens ({self.min_tokens}) must not exceed max_tokens ({self.max_tokens})")
        if self.window_step > self.window_size:
            raise ValueError(
                f"window_step ({self.window_step}) must not exceed window_size ({self.window_size})"
            )
        if not 0.0 < self.no_above <= 1.0:
            raise ValueError(f"no_above must be more than 0 and at most 1, got {self.no_above!r}")
        if self.phrases_scoring == "npmi" and not -1.0 <= self.phrases_threshold <= 1.0:
            raise ValueError(
                "phrases_threshold must be between -1 and 1 when phrases_scoring = 'npmi', "
                f"got {self.phrases_threshold!r}"
            )

    @property
    def kept_languages(self) -> frozenset[str] | None:
        """The document languages modelled (``und`` always among them); None for all."""
        if ALL_LANGUAGES in self.languages:
            return None
        return frozenset(self.languages) | {UNDETERMINED}

    @property
    def step(self) -> int:
        """The effective window step."""
        return self.window_step or self.window_size


def load_tokens_config(
    config_path: Path | None = None,
    overrides: dict[str, Any] | None = None,
    cwd: Path | None = None,
) -> TokensConfig:
    """The effective ``[tokens]`` settings: defaults < feedcare.toml < command-line overrides.

    ``config_path`` is an explicit ``--config`` file (it must exist); otherwise ./feedcare.toml
    in ``cwd`` is used when present. Relative ``stopwords_files`` are read from the directory
    of the file that names them. See :meth:`Settings.build`.
    """
    return Settings.load(config_path, cwd).build(TokensConfig, overrides)


def stopword_file_hashes(config: TokensConfig) -> dict[str, str]:
    """sha256 of each stopwords file, so editing a list triggers a rebuild; clear error if absent."""
    hashes = {}
    for name in config.stopwords_files:
        try:
            hashes[name] = hashlib.sha256(Path(name).read_bytes()).hexdigest()
        except OSError as exc:
            raise ConfigError(
                f"{name}: stopwords file cannot be read ({exc.strerror}); fix [tokens] stopwords_files"
            ) from None
    return hashes
