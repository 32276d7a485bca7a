"""Is the ``--by`` attribute confounded with another? Cramér's V between document attributes.

Prevalence by group is read as "group A talks about X more than group B". If the groups were
also asked different questions, recruited at different sites or in different years, the
difference may come from that other attribute instead. A strong association (Cramér's V ≥
:data:`STRONG`) between the grouping attribute and another attribute is reported with the table,
so differences are not over-read. Attributes that identify documents (more levels than half the
documents, or more than :data:`MAX_LEVELS`) are skipped: they are associated with everything.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

STRONG = 0.5
MAX_LEVELS = 200


@dataclass(frozen=True)
class Association:
    attribute: str
    other: str
    cramers_v: float
    n_documents: int

    def note(self) -> str:
        return (
            f"{self.attribute} is strongly associated with {self.other} (Cramér's V {self.cramers_v:.2f} "
            f"over {self.n_documents} documents): differences between {self.attribute} groups may "
            f"come from {self.other}; compare with `--by {self.other}` before reading them as findings"
        )


def cramers_v(pairs: list[tuple[str, str]]) -> float | None:
    """Cramér's V of two categorical variables given as (a, b) pairs; None when undefined."""
    n = len(pairs)
    rows, cols, cells = Counter(a for a, _ in pairs), Counter(b for _, b in pairs), Counter(pairs)
    r, c = len(rows), len(cols)
    if n == 0 or r < 2 or c < 2:
        return None
    chi2 = 0.0
    for a, na in rows.items():
        for b, nb in cols.items():
            expected = na * nb / n
            chi2 += (cells.get((a, b), 0) - expected) ** 2 / expected
    return math.sqrt(chi2 / (n * (min(r, c) - 1)))


def strong_associations(
    columns: dict[str, list[str | None]], attribute: str, threshold: float = STRONG
) -> list[Association]:
    """Other attributes strongly associated with ``attribute`` (documents with both values)."""
    found = []
    base = columns[attribute]
    for other, values in columns.items():
        if other == attribute:
            continue
        pairs = [(a, b) for a, b in zip(base, values, strict=True) if a and b]
        levels = len({b for _, b in pairs})
        if levels > MAX_LEVELS or levels > len(pairs) / 2 or len({a for a, _ in pairs}) > len(pairs) / 2:
            continue
        v = cramers_v(pairs)
        if v is not None and v >= threshold:
            found.append(Association(attribute, other, v, len(pairs)))
    return sorted(found, key=lambda a: (-a.cramers_v, a.other))
