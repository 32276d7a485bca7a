"""feedcare.toml: one loader for every section, its validation, and the commented file.

Each part of the pipeline declares its settings as a frozen dataclass (``[ingest]`` and
``[tokens]`` here in ``corpus``, ``[topics]`` and ``[themes]`` in ``topics``) whose ``SECTION``
class attribute names its table. Field metadata carries what the loader needs to know:

- ``help``, ``choices``, ``min``, ``max``: the documentation and limits; every error names the
  key, what it allows and where the value came from (the file, or the command line);
- ``path``: the value is a path (or a list of paths) read from the folder of the feedcare.toml
  that names it, like a Makefile's paths;
- ``merge = "add"``: command-line values add to the file's list instead of replacing it.

:class:`Settings` finds the file once, reads it once and builds any section from it with the
command-line overrides on top; the ``load_*_config`` functions of each part are thin wrappers.
:func:`render_config` writes the commented file of ``feedcare init`` from the same dataclasses,
so the file can never drift from what the loader accepts.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import textwrap
import tomllib
import types
import typing
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from feedcare.corpus.base.errors import ConfigError, UsageError

CONFIG_NAME = "feedcare.toml"
SECTIONS = ("ingest", "tokens", "topics", "themes", "spark")
COMMAND_LINE = "command line"  # where override values come from, in error messages

T = TypeVar("T")


def find_config(explicit: Path | None = None, cwd: Path | None = None) -> Path | None:
    """``--config FILE`` if given (it must exist), else ./feedcare.toml if present, else None."""
    if explicit is not None:
        explicit = Path(explicit)
        if not explicit.is_file():
            raise ConfigError(f"{explicit}: configuration file not found; check the --config path")
        return explicit
    candidate = (cwd or Path.cwd()) / CONFIG_NAME
    return candidate if candidate.is_file() else None


def load_toml(path: Path | None) -> dict[str, Any]:
    """Read a feedcare.toml into a dict of sections; unknown sections are rejected."""
    if path is None:
        return {}
    try:
        # utf-8-sig: Notepad and Excel save "UTF-8" with a byte-order mark, which TOML refuses.
        data = tomllib.loads(Path(path).read_text(encoding="utf-8-sig"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc}); fix the syntax") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the configuration ({exc})") from None
    for key, value in data.items():
        if key not in SECTIONS:
            raise ConfigError(
                f"{path}: unknown section [{key}]; allowed sections are "
                + ", ".join(f"[{s}]" for s in SECTIONS)
            )
        if not isinstance(value, dict):
            raise ConfigError(f"{path}: '{key}' must be a table ([{key}])")
    return data


@dataclass(frozen=True)
class Settings:
    """One feedcare.toml, found and read once; :meth:`build` makes any section's dataclass.

    ``path`` is the file (None: there is none and the defaults apply), ``tables`` its sections,
    ``cwd`` the working folder that command-line paths and ./feedcare.toml are relative to.

    >>> settings = Settings.load()                        # ./feedcare.toml, if there is one
    >>> tokens = settings.build(TokensConfig, {"unit": "document"})  # doctest: +SKIP
    """

    path: Path | None = None
    tables: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    cwd: Path = field(default_factory=Path.cwd)

    @classmethod
    def load(cls, config: Path | None = None, cwd: Path | None = None) -> Settings:
        """``config`` (``--config``; it must exist), else ./feedcare.toml in ``cwd`` if present."""
        cwd = Path(cwd) if cwd is not None else Path.cwd()
        path = find_config(config, cwd)
        return cls(path=path, tables=load_toml(path), cwd=cwd)

    @property
    def source(self) -> str:
        """The file's name as errors show it ('' when there is no file)."""
        return str(self.path) if self.path is not None else ""

    def table(self, section: str) -> dict[str, Any]:
        """A copy of the raw ``[section]`` table (empty when the file has none)."""
        return dict(self.tables.get(section, {}))

    def build(self, cls: type[T], overrides: Mapping[str, Any] | None = None,
              source: str = COMMAND_LINE) -> T:
        """``cls``'s section: defaults < the file < ``overrides`` (``None`` values are ignored).

        Every key of the file is checked first, so its mistakes name the file even where an
        override replaces the value; the overrides' mistakes name ``source``. A cross-field
        check (``min_tokens`` ≤ ``max_tokens``) that fails names the file when the file alone
        fails it too, else ``source``. Relative paths in the file are read from the file's
        folder (:meth:`resolve`); ``merge = "add"`` fields add the overrides to the file's list.
        """
        section = section_of(cls)
        table = self.table(section)
        check_values(cls, table, section, self.source)
        fields = {f.name: f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
        for name, value in table.items():
            if fields[name].metadata.get("path"):
                table[name] = self._resolve_all(value)
        given = {key: value for key, value in (overrides or {}).items() if value is not None}
        check_values(cls, given, section, source)
        if not given:
            return build_section(cls, table, section, self.source)
        for name, value in given.items():
            if fields[name].metadata.get("merge") == "add" and name in table:
                existing = list(table[name])
                given[name] = existing + [item for item in value if item not in existing]
        try:
            return build_section(cls, {**table, **given}, section, source)
        except ConfigError:
            try:
                build_section(cls, table, section, self.source)
            except ConfigError:  # wrong without the overrides too: the file is the one to fix
                return build_section(cls, {**table, **given}, section, self.source)
            raise

    def _resolve_all(self, value: str | list[str]) -> str | list[str]:
        return [self.resolve(v) for v in value] if isinstance(value, list) else self.resolve(value)

    def resolve(self, value: str) -> str:
        """A path written in the file, as seen from the working folder.

        A relative path is read from the file's folder. When that folder is the working folder
        the path is kept as written, so what the outputs record (tokens.json, manifest.json)
        does not depend on where the project folder lives.
        """
        if self.path is None or Path(value).is_absolute():
            return value
        folder = self.path.parent
        if (self.cwd / folder).resolve() == self.cwd.resolve():
            return value
        return str(folder / value)


def section_of(cls: type) -> str:
    """The ``[section]`` a settings dataclass is read from (its ``SECTION`` attribute)."""
    section = getattr(cls, "SECTION", None)
    if section not in SECTIONS:
        raise TypeError(f"{cls.__name__}.SECTION must be one of {', '.join(SECTIONS)}, got {section!r}")
    return section


def _describe(tp: Any) -> str:
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_describe(a) for a in typing.get_args(tp) if a is not type(None))
    if origin is typing.Literal:
        return "one of " + ", ".join(repr(a) for a in typing.get_args(tp))
    if origin in (tuple, list):
        return "a list of " + _describe(typing.get_args(tp)[0])
    return {str: "a string", int: "an integer", float: "a number", bool: "true or false"}.get(
        tp, getattr(tp, "__name__", str(tp))
    )


def _coerce(tp: Any, value: Any) -> Any:
    """Return ``value`` converted to ``tp`` or raise TypeError."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = typing.get_args(tp)
        if value is None and type(None) in args:
            return None
        for arg in args:
            if arg is type(None):
                continue
            try:
                return _coerce(arg, value)
            except TypeError:
                continue
        raise TypeError
    if origin is typing.Literal:
        if value in typing.get_args(tp):
            return value
        raise TypeError
    if origin in (tuple, list):
        if not isinstance(value, (list, tuple)):
            raise TypeError
        (inner, *_rest) = typing.get_args(tp)
        return tuple(_coerce(inner, v) for v in value)
    if tp is bool:
        if isinstance(value, bool):
            return value
        raise TypeError
    if tp is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise TypeError
    if tp is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        raise TypeError
    if tp is str:
        if isinstance(value, str):
            return value
        raise TypeError
    return value


def build_section(cls: type[T], values: Mapping[str, Any], section: str, source: str = "") -> T:
    """Validate ``values`` (a TOML table or CLI overrides) and build the dataclass ``cls``."""
    kwargs = check_values(cls, values, section, source)
    try:
        return cls(**kwargs)
    except (ValueError, TypeError) as exc:  # __post_init__ cross-field checks
        where = f"{source}: " if source else ""
        raise ConfigError(f"{where}[{section}] {exc}") from None


def check_values(cls: type, values: Mapping[str, Any], section: str, source: str = "") -> dict[str, Any]:
    """Each of ``values`` checked on its own (key, type, limits) and coerced; no cross-field checks."""
    where = f"{source}: " if source else ""
    fields = {f.name: f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    hints = typing.get_type_hints(cls)
    kwargs: dict[str, Any] = {}
    for key, value in values.items():
        if key not in fields:
            raise ConfigError(
                f"{where}unknown key '{key}' in [{section}]; allowed keys: " + ", ".join(fields)
            )
        tp = hints[key]
        try:
            coerced = _coerce(tp, value)
        except TypeError:
            raise ConfigError(
                f"{where}[{section}] {key} must be {_describe(tp)}, got {value!r}"
            ) from None
        meta = fields[key].metadata
        _check_limits(where, section, key, coerced, meta)
        kwargs[key] = coerced
    return kwargs


def _check_limits(where: str, section: str, key: str, value: Any, meta: Any) -> None:
    items = value if isinstance(value, tuple) else (value,)
    for item in items:
        if item is None:
            continue
        if isinstance(item, float) and not math.isfinite(item):  # TOML allows inf and nan
            raise ConfigError(f"{where}[{section}] {key} must be a finite number, got {item!r}")
        if "choices" in meta and item not in meta["choices"]:
            allowed = ", ".join(repr(c) for c in meta["choices"])
            raise ConfigError(f"{where}[{section}] {key} must be one of {allowed}, got {item!r}")
        if "min" in meta and item < meta["min"]:
            raise ConfigError(f"{where}[{section}] {key} must be at least {meta['min']}, got {item!r}")
        if "max" in meta and item > meta["max"]:
            raise ConfigError(f"{where}[{section}] {key} must be at most {meta['max']}, got {item!r}")


def as_dict(config: Any) -> dict[str, Any]:
    """A dataclass config as plain JSON-ready data (tuples become lists)."""
    return json.loads(json.dumps(dataclasses.asdict(config), default=str))


def fingerprint(*parts: Any) -> str:
    """A short stable hash of JSON-serialisable parts (configs, corpus hashes)."""
    text = json.dumps(parts, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


# --- the commented file of `feedcare init` ---------------------------------------------------------

HEADER = """\
# feedcare.toml: settings of the feedcare pipeline for this analysis.
# Every key is shown with its default; change what you need and delete the rest if you like.
# Command-line options override these values; `feedcare tokens --show-config` prints the result.
# Reference: docs/configuration.md.
"""


def toml_value(value: Any) -> str:
    """A Python value as a TOML literal."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isinf(value) or math.isnan(value):
            return ("-" if value < 0 else "") + ("inf" if math.isinf(value) else "nan")
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # JSON strings are valid TOML basic strings
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{json.dumps(str(k))} = {toml_value(v)}" for k, v in value.items()) + " }"
    if isinstance(value, Path):
        return json.dumps(str(value))
    raise TypeError(f"cannot write {value!r} as TOML")


def _comment(meta: Any) -> list[str]:
    text = str(meta.get("help", "")).strip()
    limits = []
    if "choices" in meta:
        limits.append("one of " + ", ".join(toml_value(c) for c in meta["choices"]))
    if "min" in meta:
        limits.append(f"min {meta['min']}")
    if "max" in meta:
        limits.append(f"max {meta['max']}")
    if limits:
        text = f"{text} ({'; '.join(limits)})" if text else "; ".join(limits).capitalize()
    return ["# " + line for line in textwrap.wrap(text, 96)] if text else []


def render_section(section: str, config: Any, comments: bool = True) -> str:
    """One ``[section]`` table of a dataclass instance (or class, for its defaults)."""
    instance = config() if isinstance(config, type) else config
    lines = [f"[{section}]"]
    for item in dataclasses.fields(instance):
        if comments:
            lines.extend(_comment(item.metadata))
        value = getattr(instance, item.name)
        if value is None:  # TOML has no null: leave the key out, so the default applies
            lines.append(f"# {item.name} =   (not set)")
        else:
            lines.append(f"{item.name} = {toml_value(value)}")
        if comments:
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def render_config(classes: Iterable[type]) -> str:
    """The whole commented feedcare.toml: every field of ``classes`` at its default."""
    return HEADER + "".join("\n" + render_section(section_of(cls), cls) for cls in classes)


def write_config(path: Path, classes: Iterable[type], force: bool = False) -> Path:
    """Write :func:`render_config` to ``path`` (a file, or a directory to put feedcare.toml in)."""
    from feedcare.corpus.base.atomic import write_text  # pyarrow: only when a file is written

    path = Path(path)
    if path.is_dir():
        path = path / CONFIG_NAME
    if path.exists() and not force:
        raise UsageError(f"{path}: already exists; pass --force to overwrite it")
    if not path.parent.is_dir():
        raise UsageError(f"{path.parent}: no such directory; create it first or choose another PATH")
    write_text(path, render_config(classes))
    return path
