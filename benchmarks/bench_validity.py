"""The "Validity" section of docs/performance.md: one sub-section per study, each its own module.

``STUDIES`` lists (module, sub-section title); each module has ``run(quick) -> dict`` and
``markdown(results) -> str``, like the suites of ``benchmarks.run``. Adding a study is one
module plus one line here.
"""

from __future__ import annotations

import importlib
from typing import Any

STUDIES = [
    ("benchmarks.validity_units", "Analysis units: answer or turn (issue 13)"),
    ("benchmarks.validity_codebook", "Deductive codebook guidance on the FFT categories (issue 17)"),
]


def run(quick: bool = False) -> dict[str, Any]:
    return {title: importlib.import_module(module).run(quick) for module, title in STUDIES}


def markdown(results: dict[str, Any]) -> str:
    parts = []
    for module, title in STUDIES:
        if title in results:
            parts.append(f"### {title}\n\n" + importlib.import_module(module).markdown(results[title]))
    return "\n".join(parts)
