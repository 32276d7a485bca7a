"""Progress reporting without a UI dependency.

Library functions take ``progress: ProgressCallback | None`` and call it as
``progress(stage, done, total)``; the CLI turns the calls into rich progress bars on stderr.
"""

from __future__ import annotations

from collections.abc import Callable

ProgressCallback = Callable[[str, int, "int | None"], None]


def report(progress: ProgressCallback | None, stage: str, done: int, total: int | None) -> None:
    if progress is not None:
        progress(stage, done, total)
