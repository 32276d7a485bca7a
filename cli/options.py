"""Options shared by several commands, defined once so every command spells them the same."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

CorpusOpt = Annotated[
    Path,
    typer.Option(
        "--corpus",
        "-c",
        help="Corpus directory (created by [bold]feedcare ingest[/]).",
        envvar="FEEDCARE_CORPUS",
        show_default=True,
    ),
]
ConfigOpt = Annotated[
    Path | None,
    typer.Option(
        "--config",
        help="Configuration file (default: ./feedcare.toml when present).",
        envvar="FEEDCARE_CONFIG",
        show_default=False,
    ),
]
JsonOpt = Annotated[
    bool, typer.Option("--json", help="Print machine-readable JSON on stdout instead of tables.")
]
JobsOpt = Annotated[
    int | None,
    typer.Option("--jobs", "-j", min=1, help="Worker processes (default: all cores).", show_default=False),
]
SeedOpt = Annotated[
    int | None,
    typer.Option("--seed", help="Random seed (default: from feedcare.toml, else 42).", show_default=False),
]
WaitOpt = Annotated[
    float,
    typer.Option(
        "--wait",
        min=0,
        help="Seconds to wait for another feedcare process writing the same corpus.",
    ),
]

LevelOpt = Annotated[
    int | None,
    typer.Option("--level", min=1, help="With a codebook: one topic per code at this level of its hierarchy "
                 "(1: the top-level codes); the codes below lend their names and seeds to it. Default: "
                 "every code with seeds of its own.", show_default=False),
]

BackendOpt = Annotated[
    str | None,
    typer.Option("--backend", help="Where the work runs: local (processes on this machine) or spark "
                 "(pip install 'feedcare\\[spark]'; default from \\[spark] in feedcare.toml). "
                 "Same files either way.",
                 show_default=False),
]
SparkMasterOpt = Annotated[
    str | None,
    typer.Option("--spark-master", help="Spark master URL (local[4], spark://host:7077, yarn) or Spark "
                 "Connect URL (sc://host:15002); default: \\[spark] in feedcare.toml, $SPARK_REMOTE, "
                 "$SPARK_MASTER, local[*].", show_default=False),
]

DEFAULT_CORPUS = Path("corpus")
