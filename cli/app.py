"""The Typer application: global options, error mapping, and the command modules."""

from __future__ import annotations

import os
import traceback
from typing import Annotated

import typer
from feedcare.corpus.base.errors import EXIT_INTERRUPTED, EXIT_USAGE, FeedcareError, os_error_message
from typer.core import TyperGroup


class FeedcareGroup(TyperGroup):
    """Turns library errors into one line on stderr and a documented exit code.

    The traceback is shown only with ``feedcare --debug`` (or FEEDCARE_DEBUG=1).
    """

    def invoke(self, ctx):  # type: ignore[override]
        try:
            return super().invoke(ctx)
        except FeedcareError as exc:
            if _debug(ctx):
                traceback.print_exc()
            typer.echo(f"Error: {exc}", err=True)
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            typer.echo("Interrupted: finished files were kept, nothing half-written.", err=True)
            raise typer.Exit(EXIT_INTERRUPTED) from None
        except BrokenPipeError:
            quiet_stdout()  # the reader stopped early (| head): not an error
            raise typer.Exit(0) from None
        except OSError as exc:  # a full disk, a folder not writable: the system's refusal, one line
            if _debug(ctx):
                traceback.print_exc()
            typer.echo(f"Error: {os_error_message(exc)}", err=True)
            raise typer.Exit(EXIT_USAGE) from None


def quiet_stdout() -> None:
    """Point stdout at the null device, so nothing more is written (or flushed) into a closed
    pipe or a full disk when Python exits."""
    import sys

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass


def _debug(ctx) -> bool:
    root = ctx.find_root()
    return bool(root.params.get("debug")) or os.environ.get("FEEDCARE_DEBUG") == "1"


app = typer.Typer(
    name="feedcare",
    cls=FeedcareGroup,
    help=(
        "Reproducible thematic analysis of interview transcripts and free-text feedback.\n\n"
        "Pipeline: [bold]ingest[/] → [bold]tokens[/] → [bold]topics[/] → [bold]themes[/]."
    ),
    epilog="Docs: README.md and docs/cli.md. Exit codes: 0 ok, 1 findings, 2 usage, "
    "3 inputs skipped, 4 data, 5 busy, 130 interrupted.",
    rich_markup_mode="rich",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        from feedcare import __version__

        typer.echo(f"feedcare {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit."),
    ] = False,
    debug: Annotated[
        bool, typer.Option("--debug", help="Show the Python traceback for errors.")
    ] = False,
) -> None:
    """Reproducible thematic analysis of interview transcripts and free-text feedback."""


def _register_commands() -> None:
    from feedcare.cli import audit, corpus_cmd, ingest, init, kwic, runs, themes, tokens, topics
    from feedcare.cli.codebook import commands as codebook
    from feedcare.cli.reporting import commands as reporting

    for module in (ingest, corpus_cmd, init, tokens, topics, runs, themes, audit, kwic, reporting, codebook):
        module.register(app)


_register_commands()
