"""Where output goes: data on stdout, progress, messages and errors on stderr.

Every command hands its result to :func:`show` with a renderer for people; :func:`show` alone
decides between that rendering and ``--json``. Consoles are created per call, not at import, so
they bind to the streams of the moment (tests capture them). rich honours ``NO_COLOR`` (no
colours) and writes no colours or progress bars when the stream is not a terminal.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import sys
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from feedcare.corpus.base.printable import json_escaped
from feedcare.corpus.base.progress import ProgressCallback
from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    ProgressColumn,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

T = TypeVar("T")
Renderer = Callable[[Console, T], None]


def show(data: T, render: Renderer[T], *, as_json: bool, stderr: bool = False) -> None:
    """A command's result: one JSON document on stdout with ``--json``, else ``render(console, data)``.

    ``data`` is a result object with ``to_dict()``, a dataclass, a dict or a list of these.
    ``stderr`` sends the human rendering to stderr (a report that accompanies an error).
    """
    if as_json:
        print_json(jsonable(data))
    else:
        render(err() if stderr else out(), data)


def jsonable(data: Any) -> Any:
    """Result objects as plain JSON-ready data: ``to_dict()`` where they have one."""
    if hasattr(data, "to_dict"):
        return data.to_dict()
    if dataclasses.is_dataclass(data) and not isinstance(data, type):
        return dataclasses.asdict(data)
    if isinstance(data, dict):
        return {key: jsonable(value) for key, value in data.items()}
    if isinstance(data, (list, tuple)):
        return [jsonable(item) for item in data]
    return data


def out() -> Console:
    """The data console (stdout). Wide when not a terminal so tables are not squeezed."""
    console = Console(highlight=False)
    if not console.is_terminal:
        console = Console(highlight=False, width=max(console.width, 160))
    return console


def err() -> Console:
    return Console(stderr=True, highlight=False)


def print_json(data: Any) -> None:
    """Machine-readable output: one JSON document on stdout, no colour, no wrapping."""
    sys.stdout.write(json_escaped(json.dumps(data, indent=2, ensure_ascii=False, default=str)) + "\n")
    sys.stdout.flush()


def message(text: str) -> None:
    """A status line on stderr (never mixed into data)."""
    err().print(text, soft_wrap=True)


@contextlib.contextmanager
def progress_bar(enabled: bool = True) -> Iterator[ProgressCallback]:
    """A rich progress display on stderr, handed to library code as a plain callback.

    Each distinct stage name gets its own bar, shown as "done/total", or as a percentage when the
    total is 100 (see :mod:`feedcare.corpus.base.progress`). A finished stage other than the
    first is hidden, so a sweep of many fits shows the running ones, not every one so far. The
    time left comes from the speed observed over the last 30 seconds. Nothing is drawn when
    stderr is not a terminal.
    """
    console = err()
    if not enabled or not console.is_terminal:
        yield lambda stage, done, total: None
        return
    progress = Progress(
        SpinnerColumn(),
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        _Count(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    )
    tasks: dict[str, Any] = {}

    def callback(stage: str, done: float, total: int | None) -> None:
        if stage not in tasks:
            tasks[stage] = progress.add_task(stage, total=total)
        first = tasks[stage] == min(tasks.values())
        finished = total is not None and done >= total and not first
        progress.update(tasks[stage], completed=done, total=total, visible=not finished)

    with progress:
        yield callback


class _Count(ProgressColumn):
    """``12/40``, or ``45%`` for a stage whose total is 100."""

    def render(self, task: Any) -> Text:
        if task.total == 100:
            return Text(f"{task.completed:3.0f}%", style="progress.percentage")
        total = "?" if task.total is None else f"{int(task.total)}"
        return Text(f"{int(task.completed)}/{total}", style="progress.download")
