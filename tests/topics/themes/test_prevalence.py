"""topics/themes/prevalence.py: unit share, word share, mean share, spread and the group table, by hand.

Four units, two topics; participants P0, P0, P1, P2; 10, 20, 30, 40 tokens; a fifth unit has no
rows (not in the model) and must not count. Unit 1 is a tie, which goes to the lower topic.
"""

from __future__ import annotations

import numpy as np
import pytest
from feedcare.topics.themes.prevalence import PrevalenceAccumulator

WEIGHTS = {0: (0.8, 0.2), 1: (0.5, 0.5), 2: (0.3, 0.7), 3: (0.6, 0.4)}
PARTICIPANT = np.array([0, 0, 1, 2, 3])
N_TOKENS = np.array([10, 20, 30, 40, 50])
GROUP = np.array([0, 1, 0, 2, 0])
GROUPS = ["web", "phone", "paper", "post"]  # nobody answered by post


def long_rows() -> list[tuple[int, int, float]]:
    return [(unit, topic, w) for unit, ws in WEIGHTS.items() for topic, w in enumerate(ws)]


def accumulate(batches, groups: bool = False) -> PrevalenceAccumulator:
    if groups:
        acc = PrevalenceAccumulator(2, PARTICIPANT, N_TOKENS, GROUP, GROUPS)
    else:
        acc = PrevalenceAccumulator(2, PARTICIPANT, N_TOKENS)
    for batch in batches:
        units, topics, weights = (np.array(column) for column in zip(*batch, strict=True))
        acc.add(units, topics.astype(np.int32), weights)
    return acc


def test_prevalence_follows_its_definitions():
    t0, t1 = accumulate([long_rows()]).topics()
    assert (t0.n_units, t1.n_units) == (3, 1)  # units 0, 1 (tie → topic 0) and 3
    assert (t0.unit_share, t1.unit_share) == (0.75, 0.25)
    assert t0.word_share == pytest.approx((0.8 * 10 + 0.5 * 20 + 0.3 * 30 + 0.6 * 40) / 100)
    assert t1.word_share == pytest.approx(1 - t0.word_share)
    assert (t0.mean_share, t1.mean_share) == (pytest.approx(0.55), pytest.approx(0.45))
    assert (t0.spread, t1.spread) == (2, 1)  # P0 (twice) and P2; P1


@pytest.mark.parametrize("cut", [1, 3, 5])
def test_batches_cut_anywhere_and_in_any_order_give_the_same_numbers(cut):
    rows = long_rows()
    whole = [pytest.approx(vars(t)) for t in accumulate([rows]).topics()]
    # cut = 3 puts the tied unit's two rows in different batches, in both orders.
    assert [vars(t) for t in accumulate([rows[:cut], rows[cut:]]).topics()] == whole
    assert [vars(t) for t in accumulate([rows[cut:], rows[:cut]]).topics()] == whole


def test_the_group_table_compares_mean_shares_and_marks_thin_cells():
    table = accumulate([long_rows()], groups=True).group_table("platform", min_participants=2)
    assert [(g.group, g.n_units, g.n_participants) for g in table.groups] == [
        ("web", 2, 2), ("phone", 1, 1), ("paper", 1, 1),  # "post" has no units: not a column
    ]
    web0, web1 = table.cell(0, "web"), table.cell(1, "web")
    assert (web0.mean_share, web1.mean_share) == (pytest.approx(0.55), pytest.approx(0.45))
    assert (web0.n_units, web0.n_participants, web0.few_participants) == (1, 1, True)
    assert table.cell(1, "phone").n_units == 0 and table.cell(0, "phone").mean_share == 0.5
    assert len(table.cells) == 2 * 3
    with pytest.raises(KeyError):
        table.cell(0, "post")


def test_a_group_table_needs_a_group_attribute():
    with pytest.raises(ValueError, match="no group attribute"):
        accumulate([long_rows()]).group_table("platform", 3)
