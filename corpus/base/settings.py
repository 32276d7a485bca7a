"""feedcare.toml: loading, discovery and validation.

Each part of the pipeline declares its settings as a frozen dataclass (``[ingest]`` and
``[tokens]`` here in ``corpus``, ``[topics]`` and ``[themes]`` in ``topics``). Field metadata
carries the limits: ``choices``, ``min``, ``max`` and ``help``. :func:`build_section` turns a
TOML table into that dataclass and rejects unknown keys and bad values with the key's name and
what it allows.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import tomllib
import types
import typing
from pathlib import Path
from typing import Any, TypeVar

from feedcare.corpus.base.errors import ConfigError

CONFIG_NAME = "feedcare.toml"
SECTIONS = ("ingest", "tokens", "topics", "themes")

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
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
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


def build_section(cls: type[T], values: dict[str, Any], section: str, source: str = "") -> T:
    """Validate ``values`` (a TOML table or CLI overrides) and build the dataclass ``cls``."""
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
    try:
        return cls(**kwargs)
    except (ValueError, TypeError) as exc:  # __post_init__ cross-field checks
        raise ConfigError(f"{where}[{section}] {exc}") from None


def _check_limits(where: str, section: str, key: str, value: Any, meta: Any) -> None:
    items = value if isinstance(value, tuple) else (value,)
    for item in items:
        if item is None:
            continue
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
