"""feedcare's command line: a thin Typer layer over :mod:`feedcare.corpus` and :mod:`feedcare.topics`."""

from feedcare.cli.app import app


def main() -> None:
    import sys

    from feedcare.cli.app import quiet_stdout
    from feedcare.corpus.base.errors import EXIT_USAGE, os_error_message

    try:
        app(prog_name="feedcare")
        code = 0
    except SystemExit as exc:
        code = exc.code
    # Output still buffered is written now: a full disk or a closed pipe must not end in a traceback.
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        quiet_stdout()
    except OSError as exc:
        quiet_stdout()
        sys.stderr.write(f"Error: {os_error_message(exc, 'standard output')}\n")
        code = EXIT_USAGE
    sys.exit(code)


__all__ = ["app", "main"]
