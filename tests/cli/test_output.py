"""The one output helper: --json or the human rendering, NO_COLOR and non-terminals respected."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest
from feedcare.cli.output import jsonable, show


@dataclass
class Result:
    n: int

    def to_dict(self):
        return {"n": self.n, "kind": "result"}


def red(console, data) -> None:
    console.print(f"[red]{data.n} found[/] and [bold]noted[/]")


@pytest.fixture
def terminal(monkeypatch):
    """rich's own switch for 'stdout is a terminal' (capsys is not one)."""
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.delenv("TERM", raising=False)


def test_json_prints_the_data_and_never_the_rendering(capsys):
    show([Result(2), {"x": (1, Result(3))}], red, as_json=True)
    out = capsys.readouterr()
    assert json.loads(out.out) == [{"n": 2, "kind": "result"}, {"x": [1, {"n": 3, "kind": "result"}]}]
    assert "found" not in out.out and out.err == ""


def test_people_get_the_rendering_on_stdout_or_stderr(capsys, monkeypatch):
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    show(Result(2), red, as_json=False)
    assert capsys.readouterr().out == "2 found and noted\n"  # not a terminal: no escape codes
    show(Result(2), red, as_json=False, stderr=True)
    out = capsys.readouterr()
    assert (out.out, out.err) == ("", "2 found and noted\n")


def test_colours_on_a_terminal_and_none_with_no_color(capsys, monkeypatch, terminal):
    show(Result(2), red, as_json=False)
    assert "\x1b[31m" in capsys.readouterr().out
    monkeypatch.setenv("NO_COLOR", "1")
    show(Result(2), red, as_json=False)
    text = capsys.readouterr().out
    assert "2 found" in text and "\x1b[31m" not in text and "\x1b[3" not in text


def test_jsonable_plain_dataclasses():
    @dataclass
    class Plain:
        a: int
        b: tuple[str, ...]

    assert jsonable(Plain(1, ("x",))) == {"a": 1, "b": ("x",)}
    assert json.loads(json.dumps(jsonable({"p": Plain(1, ("x",))}))) == {"p": {"a": 1, "b": ["x"]}}


def test_progress_counts_and_percentages():
    from types import SimpleNamespace

    from feedcare.cli.output import _Count

    assert _Count().render(SimpleNamespace(total=40, completed=12)).plain == "12/40"
    assert _Count().render(SimpleNamespace(total=100, completed=45.4)).plain == " 45%"
    assert _Count().render(SimpleNamespace(total=None, completed=3)).plain == "3/?"
