"""Progress reporting without a UI dependency.

Library functions take ``progress: ProgressCallback | None`` and call it as
``progress(stage, done, total)``; the CLI turns the calls into rich progress bars on stderr.
A stage with ``total`` 100 is a percentage: ``done`` may then be fractional (``45.3``), which
gives a smooth estimate of the time left for long weighted work such as a k sweep.
"""

from __future__ import annotations

from collections.abc import Callable

ProgressCallback = Callable[[str, float, "int | None"], None]


def report(progress: ProgressCallback | None, stage: str, done: float, total: int | None) -> None:
    if progress is not None:
        progress(stage, done, total)
