"""feedcare's command line: a thin Typer layer over :mod:`feedcare.corpus` and :mod:`feedcare.topics`."""

from feedcare.cli.app import app


def main() -> None:
    app(prog_name="feedcare")


__all__ = ["app", "main"]
