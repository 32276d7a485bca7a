"""How much of the corpus each topic covers, who voices it, and how that differs by group.

Definitions (also in docs/themes.md):

- a unit's **dominant topic** is its highest-weight topic (ties go to the lower topic number);
- **unit share**: the share of units whose dominant topic is this topic;
- **word share**: sum over units of weight × the unit's token count, over all tokens: the
  expected share of the (filtered) words the model assigns to the topic;
- **mean share**: the mean topic weight over all units (what the group table compares);
- **spread**: distinct participants with at least one unit dominated by the topic.
  A unit's participant is its ``participant_id``, or its document when that is missing.

Everything is accumulated from record batches, so memory holds a few numbers per unit and
per topic, never the unit × topic table.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class TopicPrevalence:
    topic: int
    n_units: int  # units whose dominant topic this is
    unit_share: float
    word_share: float
    mean_share: float
    spread: int  # distinct participants voicing it (in dominated units)


@dataclass(frozen=True)
class GroupCell:
    topic: int
    group: str
    mean_share: float  # mean topic weight over all the group's units
    n_units: int  # the group's units dominated by the topic
    n_participants: int  # distinct participants behind those units
    few_participants: bool  # n_participants < min_participants: too few to read anything into


@dataclass(frozen=True)
class GroupSummary:
    group: str
    n_units: int
    n_participants: int


@dataclass(frozen=True)
class GroupTable:
    """Topic × group table for one document attribute (``--by``)."""

    attribute: str
    min_participants: int
    groups: tuple[GroupSummary, ...]
    cells: tuple[GroupCell, ...]

    def cell(self, topic: int, group: str) -> GroupCell:
        for cell in self.cells:
            if cell.topic == topic and cell.group == group:
                return cell
        raise KeyError((topic, group))


MISSING_GROUP = "(missing)"


class PrevalenceAccumulator:
    """Feed it doc_topics batches; ask it for per-topic prevalence and the group table.

    ``participant_of``, ``n_tokens`` and ``group_of`` are per-unit arrays indexed by unit_id
    (``group_of`` may be None when no ``--by`` attribute was asked for).
    """

    def __init__(
        self,
        n_topics: int,
        participant_of: np.ndarray,
        n_tokens: np.ndarray,
        group_of: np.ndarray | None = None,
        group_names: list[str] | None = None,
    ) -> None:
        n_units = len(participant_of)
        self.k = n_topics
        self.participant_of = participant_of
        self.n_tokens = n_tokens  # integer counts: multiplied into float weights per batch
        self.group_of = group_of
        self.group_names = group_names or []
        self.best_weight = np.full(n_units, -1.0)
        self.best_topic = np.full(n_units, -1, dtype=np.int32)
        self.weight_sum = np.zeros(n_topics)
        self.word_sum = np.zeros(n_topics)
        n_groups = max(len(self.group_names), 1)
        self.group_weight_sum = np.zeros(n_topics * n_groups)

    def add(self, unit_ids: np.ndarray, topics: np.ndarray, weights: np.ndarray) -> None:
        self.weight_sum += np.bincount(topics, weights=weights, minlength=self.k)
        self.word_sum += np.bincount(topics, weights=weights * self.n_tokens[unit_ids], minlength=self.k)
        if self.group_of is not None:
            index = topics * len(self.group_names) + self.group_of[unit_ids]
            self.group_weight_sum += np.bincount(index, weights=weights, minlength=len(self.group_weight_sum))
        self._update_dominant(unit_ids, topics, weights)

    def _update_dominant(self, unit_ids: np.ndarray, topics: np.ndarray, weights: np.ndarray) -> None:
        # Best row per unit within the batch: sort by unit, then weight desc, then topic asc.
        order = np.lexsort((topics, -weights, unit_ids))
        units_sorted = unit_ids[order]
        first = np.ones(len(order), dtype=bool)
        first[1:] = units_sorted[1:] != units_sorted[:-1]
        pick = order[first]
        units, best_t, best_w = unit_ids[pick], topics[pick], weights[pick]
        current_w, current_t = self.best_weight[units], self.best_topic[units]
        better = (best_w > current_w) | ((best_w == current_w) & (best_t < current_t))
        self.best_weight[units[better]] = best_w[better]
        self.best_topic[units[better]] = best_t[better]

    @property
    def seen(self) -> np.ndarray:
        return self.best_topic >= 0

    def topics(self) -> list[TopicPrevalence]:
        seen = self.seen
        n_units = int(seen.sum())
        dominant = self.best_topic[seen]
        counts = np.bincount(dominant, minlength=self.k)
        spread = _distinct_per(dominant, self.participant_of[seen], self.k)
        total_words = float(self.n_tokens[seen].sum())
        return [
            TopicPrevalence(
                topic=t,
                n_units=int(counts[t]),
                unit_share=_ratio(counts[t], n_units),
                word_share=_ratio(self.word_sum[t], total_words),
                mean_share=_ratio(self.weight_sum[t], n_units),
                spread=int(spread[t]),
            )
            for t in range(self.k)
        ]

    def group_table(self, attribute: str, min_participants: int) -> GroupTable:
        if self.group_of is None:
            raise ValueError("no group attribute was given")
        seen = self.seen
        n_groups = len(self.group_names)
        groups = self.group_of[seen]
        people = self.participant_of[seen]
        dominant = self.best_topic[seen]
        group_units = np.bincount(groups, minlength=n_groups)
        group_people = _distinct_per(groups, people, n_groups)
        cell_index = dominant * n_groups + groups
        cell_units = np.bincount(cell_index, minlength=self.k * n_groups)
        cell_people = _distinct_per(cell_index, people, self.k * n_groups)
        summaries = tuple(
            GroupSummary(self.group_names[g], int(group_units[g]), int(group_people[g]))
            for g in range(n_groups)
            if group_units[g] > 0
        )
        cells = tuple(
            GroupCell(
                topic=t,
                group=self.group_names[g],
                mean_share=_ratio(self.group_weight_sum[t * n_groups + g], group_units[g]),
                n_units=int(cell_units[t * n_groups + g]),
                n_participants=int(cell_people[t * n_groups + g]),
                few_participants=int(cell_people[t * n_groups + g]) < min_participants,
            )
            for t in range(self.k)
            for g in range(n_groups)
            if group_units[g] > 0
        )
        return GroupTable(attribute, min_participants, summaries, cells)


def _distinct_per(keys: np.ndarray, people: np.ndarray, n_keys: int) -> np.ndarray:
    """For each key 0..n_keys-1, how many distinct people occur with it."""
    if len(keys) == 0:
        return np.zeros(n_keys, dtype=np.int64)
    pairs = np.unique(keys.astype(np.int64) * (int(people.max()) + 1) + people.astype(np.int64))
    return np.bincount(pairs // (int(people.max()) + 1), minlength=n_keys)


def _ratio(part: float, whole: float) -> float:
    return float(part) / float(whole) if whole else 0.0
