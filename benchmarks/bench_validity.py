"""The "Validity" section of docs/performance.md: one sub-section per study, each its own module.

``STUDIES`` lists (module, sub-section title); each module has ``run(quick) -> dict`` and
``markdown(results) -> str``, like the suites of ``benchmarks.run``. Adding a study is one
module plus one line here.

``FEEDCARE_BENCH_STUDIES`` (comma-separated module names, with or without ``benchmarks.``)
runs only those studies, e.g. to re-measure one and paste its sub-section by hand::

    FEEDCARE_BENCH_STUDIES=validity_topics python -m benchmarks.bench_validity

Do not combine it with ``python -m benchmarks.run``: the runner writes the whole Validity
section, so the studies not run would be missing from it.
"""

from __future__ import annotations

import importlib
import os
import sys
from typing import Any

STUDIES = [
    ("benchmarks.validity_topics", "Topics against human coding, and term rankings (issue 13)"),
    ("benchmarks.validity_units", "Analysis units: answer or turn (issue 13)"),
    ("benchmarks.validity_codebook", "Deductive codebook guidance on the FFT categories (issue 17)"),
]
SELECT = "FEEDCARE_BENCH_STUDIES"


def selected() -> list[tuple[str, str]]:
    """The studies ``FEEDCARE_BENCH_STUDIES`` names (all when unset); an unknown name is an error."""
    names = [n.strip() for n in os.environ.get(SELECT, "").split(",") if n.strip()]
    if not names:
        return list(STUDIES)
    wanted = {n if n.startswith("benchmarks.") else f"benchmarks.{n}" for n in names}
    unknown = wanted - {module for module, _title in STUDIES}
    if unknown:
        raise ValueError(f"{SELECT}: no study {', '.join(sorted(unknown))}; "
                         f"known: {', '.join(m.split('.')[-1] for m, _t in STUDIES)}")
    return [(module, title) for module, title in STUDIES if module in wanted]


def run(quick: bool = False) -> dict[str, Any]:
    return {title: importlib.import_module(module).run(quick) for module, title in selected()}


def markdown(results: dict[str, Any]) -> str:
    parts = []
    for module, title in STUDIES:
        if title in results:
            parts.append(f"### {title}\n\n" + importlib.import_module(module).markdown(results[title]))
    return "\n".join(parts)


if __name__ == "__main__":
    print(markdown(run(quick="--quick" in sys.argv)))
