"""`feedcare init`: write a commented feedcare.toml with every setting at its default.

The file is rendered by the library (:func:`feedcare.corpus.base.settings.render_config`) from
the section dataclasses, so it can never drift from what the loader accepts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from feedcare.cli.output import message


def section_classes() -> list[type]:
    """The settings dataclass of every feedcare.toml section, in pipeline order."""
    from feedcare.corpus.ingest.config import IngestConfig
    from feedcare.corpus.spark.config import SparkConfig
    from feedcare.corpus.tokens.config import TokensConfig
    from feedcare.topics.config import TopicsConfig
    from feedcare.topics.themes.config import ThemesConfig

    return [IngestConfig, TokensConfig, TopicsConfig, ThemesConfig, SparkConfig]


def register(app: typer.Typer) -> None:
    """Add ``feedcare init``."""

    @app.command(
        "init",
        epilog="Example: [bold]feedcare init[/] then edit feedcare.toml and run [bold]feedcare tokens[/].",
    )
    def init(
        path: Annotated[
            Path, typer.Argument(help="File to write, or a directory for feedcare.toml.", show_default=True)
        ] = Path("feedcare.toml"),
        force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
    ) -> None:
        """Write a commented feedcare.toml with every setting at its documented default."""
        from feedcare.corpus.base.settings import write_config

        written = write_config(path, section_classes(), force=force)
        message(f"Wrote {written}")
