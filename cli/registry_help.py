"""Help that lists what a registry holds when --help is shown, not when the CLI was imported.

A command's help, epilog, and its parameters' help and metavar may contain ``{placeholders}``;
the command class made by :func:`registry_help` fills them just before its --help is rendered.
So a reader or an export registered before the app runs shows in --help, and the registries
(whose packages can be slow to import) are read only when someone asks for help. Keep the first
paragraph of a command's help free of placeholders: ``feedcare --help`` lists it unfilled.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from typer.core import TyperCommand


def registry_help(values: Callable[[], Mapping[str, str]]) -> type[TyperCommand]:
    """A command class filling ``{key}`` with ``values()[key]`` in its help texts."""

    class RegistryHelpCommand(TyperCommand):
        def format_help(self, ctx, formatter) -> None:  # type: ignore[override]
            filled = values()
            self.help = fill(self.help, filled)
            self.epilog = fill(self.epilog, filled)
            for param in self.params:
                if getattr(param, "help", None):  # options and Typer's arguments carry help
                    param.help = fill(param.help, filled)  # type: ignore[attr-defined]
                param.metavar = fill(param.metavar, filled)
            super().format_help(ctx, formatter)

    return RegistryHelpCommand


def fill(text: str | None, values: Mapping[str, str]) -> str | None:
    """``text`` with each ``{key}`` of ``values`` replaced (other braces are left alone)."""
    if text is None:
        return None
    for key, value in values.items():
        text = text.replace("{" + key + "}", value)
    return text


def spoken_list(items: list[str] | tuple[str, ...], last: str = "or") -> str:
    """"a, b or c" (one item: "a")."""
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + f" {last} " + items[-1]
