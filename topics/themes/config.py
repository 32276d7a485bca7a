"""The ``[themes]`` settings of feedcare.toml, and the theme labels file (``themes.toml``).

A labels file names the topics of one run so tables and exports show the researcher's theme
names instead of term lists::

    [run]
    id = "2024-05-01T10-00-00-ab12cd"   # the run these labels were written for (or fingerprint)
    model = "k8-s42"                     # optional: the model within that run

    [topics]
    3 = "Feedback as care for other patients"
    5 = { name = "Waiting", memo = "Waiting times and not being told why." }

Topic numbers are the ones ``feedcare topics`` and ``feedcare themes`` print (0-based, as in
``topics.parquet``). Topic numbers are arbitrary for every fit, so labels written for another
run or model would silently mislabel themes: a mismatch is an error, not a warning. A labels
file must name its run — ``id``, or ``fingerprint`` (run.json's ``fingerprint``, which survives
renaming the run directory); ``--force`` applies it to another run anyway, with a note.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Literal

from feedcare.corpus.base.errors import ConfigError
from feedcare.corpus.base.settings import Settings

SortKey = Literal["prevalence", "coherence", "id"]
CoherenceMeasure = Literal["c_npmi", "c_v", "u_mass"]
Distinctiveness = Literal["frex", "relevance"]
QdpxCoding = Literal["units", "excerpts"]


@dataclass(frozen=True)
class ThemesConfig:
    """How ``feedcare themes`` selects and shows excerpts ([themes] in feedcare.toml)."""

    SECTION: ClassVar[str] = "themes"

    excerpts: int = field(default=5, metadata={"min": 0, "max": 100, "help": "Excerpts shown per topic."})
    per_participant: int = field(
        default=1,
        metadata={
            "min": 1,
            "help": "Excerpts per participant per topic before a participant is repeated.",
        },
    )
    min_weight: float = field(
        default=0.0,
        metadata={"min": 0.0, "max": 1.0, "help": "Smallest topic weight a unit needs to be an excerpt."},
    )
    excerpts_per_group: int = field(
        default=0,
        metadata={"min": 0, "max": 20, "help": "With --by: excerpts per topic for each group (0: none)."},
    )
    sort: SortKey = field(
        default="prevalence",
        metadata={"choices": ("prevalence", "coherence", "id"), "help": "Order of the topics."},
    )
    excerpt_chars: int = field(
        default=320,
        metadata={"min": 40, "max": 5000, "help": "Longest excerpt shown, in characters."},
    )
    top_terms: int = field(
        default=10, metadata={"min": 1, "max": 50, "help": "Top terms shown (and highlighted) per topic."}
    )
    min_participants: int = field(
        default=3,
        metadata={
            "min": 1,
            "help": "Group cells voiced by fewer participants than this are flagged.",
        },
    )
    distinctive: Distinctiveness = field(
        default="frex",
        metadata={
            "choices": ("frex", "relevance"),
            "help": "How distinctive terms are ranked beside probability: FREX (stm, weight 0.5) or "
            "relevance (LDAvis, lambda 0.6).",
        },
    )
    coherence: CoherenceMeasure = field(
        default="c_npmi",
        metadata={"choices": ("c_npmi", "c_v", "u_mass"), "help": "Per-topic coherence measure shown."},
    )
    qdpx_coding: QdpxCoding = field(
        default="units",
        metadata={
            "choices": ("units", "excerpts"),
            "help": "What a .qdpx codes: every unit's participant speech with its theme(s) ('units'), "
            "or only the chosen excerpts ('excerpts').",
        },
    )
    other_weight: float = field(
        default=0.3,
        metadata={
            "min": 0.0,
            "max": 1.0,
            "help": "A unit is also coded with (and themes.parquet lists) every non-dominant theme "
            "of at least this weight.",
        },
    )


def load_themes_config(config: Path | None = None, overrides: dict[str, Any] | None = None) -> ThemesConfig:
    """[themes] from ``config`` (or ./feedcare.toml), then command-line ``overrides`` on top."""
    return Settings.load(config).build(ThemesConfig, overrides)


@dataclass(frozen=True)
class TopicLabel:
    name: str
    memo: str = ""


@dataclass(frozen=True)
class Labels:
    """A parsed labels file: topic number → label, and the run/model it was written for."""

    path: Path | None = None
    run_id: str | None = None
    model: str | None = None
    topics: dict[int, TopicLabel] = field(default_factory=dict)
    fingerprint: str | None = None

    def name(self, topic: int) -> str | None:
        label = self.topics.get(topic)
        return label.name if label else None

    def memo(self, topic: int) -> str:
        label = self.topics.get(topic)
        return label.memo if label else ""


def load_labels(path: Path) -> Labels:
    """Read and type-check a labels file; run/topic checks happen in :func:`check_labels`."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: labels file not found; check the --labels path") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc}); fix the syntax") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the labels file ({exc})") from None
    for key in data:
        if key not in ("run", "topics"):
            raise ConfigError(f"{path}: unknown section [{key}]; a labels file has [run] and [topics]")
    run = data.get("run", {})
    if not isinstance(run, dict):
        raise ConfigError(f"{path}: 'run' must be a table ([run])")
    for key, value in run.items():
        if key not in ("id", "model", "fingerprint"):
            raise ConfigError(f"{path}: unknown key '{key}' in [run]; allowed keys: id, fingerprint, model")
        if not isinstance(value, str):
            raise ConfigError(f"{path}: [run] {key} must be a string, got {value!r}")
    table = data.get("topics", {})
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: 'topics' must be a table ([topics])")
    topics = {_topic_number(path, key): _topic_label(path, key, value) for key, value in table.items()}
    return Labels(
        path=path,
        run_id=run.get("id"),
        model=run.get("model"),
        topics=topics,
        fingerprint=run.get("fingerprint"),
    )


def _topic_number(path: Path, key: str) -> int:
    text = key.strip()
    if not text.isdigit():
        raise ConfigError(
            f"{path}: [topics] key '{key}' is not a topic number; write e.g. 3 = \"Waiting times\""
        )
    return int(text)


def _topic_label(path: Path, key: str, value: Any) -> TopicLabel:
    if isinstance(value, str):
        name, memo = value, ""
    elif isinstance(value, dict):
        unknown = sorted(set(value) - {"name", "memo"})
        if unknown:
            raise ConfigError(
                f"{path}: [topics] {key} has unknown key '{unknown[0]}'; allowed keys: name, memo"
            )
        name, memo = value.get("name"), value.get("memo", "")
        if not isinstance(name, str):
            raise ConfigError(f'{path}: [topics] {key} needs name = "..." (a string), got {name!r}')
        if not isinstance(memo, str):
            raise ConfigError(f"{path}: [topics] {key} memo must be a string, got {memo!r}")
    else:
        raise ConfigError(
            f'{path}: [topics] {key} must be a name or {{ name = "...", memo = "..." }}, got {value!r}'
        )
    if not name.strip():
        raise ConfigError(f"{path}: [topics] {key} has an empty name; write a name or delete the line")
    return TopicLabel(name=name.strip(), memo=memo.strip())


def check_labels(
    labels: Labels,
    run_id: str,
    model: str,
    n_topics: int,
    fingerprint: str | None = None,
    force: bool = False,
) -> tuple[str, ...]:
    """Refuse labels written for another run or model, naming no run, or naming topics the model
    lacks. With ``force``, a run or model mismatch (or no [run]) is a note instead; returns notes.
    """
    where = labels.path or "labels"
    fix = f'add [run] id = "{run_id}" if they are for this run, or pass --force'
    problem = None
    if labels.run_id is None and labels.fingerprint is None:
        problem = f"{where}: names no run, so it could belong to any; {fix}"
    elif labels.fingerprint is not None and fingerprint is not None and labels.fingerprint != fingerprint:
        problem = (
            f"{where}: written for a run with fingerprint '{labels.fingerprint}' but run '{run_id}' has "
            f"'{fingerprint}'; topic numbers differ between runs, so relabel for this run or pass --force"
        )
    elif labels.run_id is not None and labels.run_id != run_id:
        problem = (
            f"{where}: written for run '{labels.run_id}' but showing run '{run_id}'; topic numbers "
            "differ between runs, so relabel for this run, change [run] id, or pass --force"
        )
    elif labels.model is not None and labels.model != model:
        problem = (
            f"{where}: written for model '{labels.model}' but showing '{model}'; pass "
            f"--model {labels.model}, change [run] model, or pass --force"
        )
    notes: tuple[str, ...] = ()
    if problem is not None:
        if not force:
            raise ConfigError(problem)
        notes = (f"labels applied with --force: {problem.split(': ', 1)[1].split(';')[0]}",)
    for topic in sorted(labels.topics):
        if topic >= n_topics:
            raise ConfigError(
                f"{where}: topic {topic} is not in model {model} (topics 0–{n_topics - 1}); "
                "remove or renumber it"
            )
    return notes
