"""Typed, versioned JSON sidecar files, each declared once as a frozen dataclass.

The JSON files next to the Parquet tables (``manifest.json``, ``tokens.json``, a run's
``run.json``) are :class:`Sidecar` classes whose fields are the file's keys with their types;
nested objects are :class:`Record` classes. Modelled on pyiceberg's table metadata:

- a file says which declaration wrote it (``format_version``); a file without the key was
  written before versioning, in what is format version 1;
- reading checks the version first, then every key and type, so a damaged file gives one
  line naming the file, the key and the fix (:class:`DataError`, exit 4), not a ``KeyError``
  three modules later;
- a file from a newer feedcare is refused with both versions and the fix; an older one is
  brought forward by the class's ``UPGRADES`` steps when it has them, else refused with the
  command that writes it anew.

Types understood in a declaration: ``str``, ``int``, ``float`` (an integer is accepted and kept
as written, so bytes survive a round trip), ``bool``, ``Any`` (any JSON value), ``X | None``,
``list[X]``, ``tuple[X, Y]``, ``dict[str, X]``, ``Literal[...]`` and Record classes. A field
whose default is None is an optional key, left out of the file while None; a field declared
with ``metadata=FLATTEN`` keeps its record's keys at the top level. Unknown keys are ignored
(and dropped when the file is written again).
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar, Literal, Self, Union, get_args, get_origin

from feedcare.corpus.base.atomic import write_json
from feedcare.corpus.base.errors import DataError

FORMAT_KEY = "format_version"
UNVERSIONED = 1  # the format of files written before they carried FORMAT_KEY
FLATTEN = {"flatten": True}  # field metadata: the record's keys sit at the top level

_NONE = type(None)


class RecordError(ValueError):
    """A value that does not match its declaration: ``where`` is the key path, e.g. counts.words."""

    def __init__(self, where: str, problem: str) -> None:
        super().__init__(f"{where}: {problem}" if where else problem)
        self.where, self.problem = where, problem


class FormatVersionError(DataError):
    """A sidecar written in a format version this feedcare does not read."""

    def __init__(self, message: str, found: int, supported: int) -> None:
        super().__init__(message)
        self.found, self.supported = found, supported

    @property
    def newer(self) -> bool:
        return self.found > self.supported


def _show(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 40 else text[:37] + "..."


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    names = {bool: "true/false", int: "an integer", float: "a number", str: "a string",
             list: "a list", dict: "an object"}
    return f"{names.get(type(value), type(value).__name__)} {_show(value)}"


def _expected(tp: Any) -> str:
    if tp is Any:
        return "a JSON value"
    origin, args = get_origin(tp), get_args(tp)
    if origin in (Union, types.UnionType):
        return " or ".join(_expected(a) for a in args)
    if origin is Literal:
        return "one of " + ", ".join(_show(a) for a in args)
    if origin is list:
        return "a list"
    if origin is tuple:
        return f"a list of {len(args)}"
    if origin is dict:
        return "an object"
    if isinstance(tp, type) and issubclass(tp, Record):
        return "an object"
    return {_NONE: "null", bool: "true/false", int: "an integer", float: "a number", str: "a string"}.get(
        tp, getattr(tp, "__name__", str(tp))
    )


def _parse(tp: Any, value: Any, where: str) -> Any:
    """``value`` (plain JSON data) checked against the annotation ``tp``; records built."""
    origin, args = get_origin(tp), get_args(tp)
    if tp is Any:
        return value
    if origin in (Union, types.UnionType):
        if value is None and _NONE in args:
            return None
        for option in (a for a in args if a is not _NONE):
            try:
                return _parse(option, value, where)
            except RecordError as exc:
                if exc.where != where:  # the value has the option's shape; a part inside is wrong
                    raise
    elif origin is Literal:
        if any(value == a and type(value) is type(a) for a in args):
            return value
    elif tp is bool or tp is str:
        if isinstance(value, tp):
            return value
    elif tp is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    elif tp is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return value  # an integer stays an integer: the bytes written back are the same
    elif tp is _NONE:
        if value is None:
            return None
    elif origin is list:
        if type(value) is list:
            return [_parse(args[0], v, f"{where}[{i}]") for i, v in enumerate(value)]
    elif origin is tuple:
        if type(value) in (list, tuple) and len(value) == len(args):
            pairs = enumerate(zip(args, value, strict=True))
            return tuple(_parse(a, v, f"{where}[{i}]") for i, (a, v) in pairs)
    elif origin is dict:
        if type(value) is dict and all(type(k) is str for k in value):
            return {k: _parse(args[1], v, f"{where}[{_show(k)}]") for k, v in value.items()}
    elif isinstance(tp, type) and issubclass(tp, Record):
        return tp._parse_dict(value, where)
    else:
        raise TypeError(f"{where}: unsupported annotation {tp!r}")  # a declaration bug, not a file's
    raise RecordError(where, f"expected {_expected(tp)}, got {_kind(value)}")


def _dump(value: Any) -> Any:
    if isinstance(value, Record):
        return value.to_dict()
    if isinstance(value, (list, tuple)):
        return [_dump(v) for v in value]
    if isinstance(value, dict):
        return {k: _dump(v) for k, v in value.items()}
    return value


_HINTS: dict[type, list[tuple[dataclasses.Field, Any]]] = {}


def _declared(cls: type) -> list[tuple[dataclasses.Field, Any]]:
    """The dataclass fields of ``cls`` with their resolved annotations (cached)."""
    if cls not in _HINTS:
        hints = typing.get_type_hints(cls)
        _HINTS[cls] = [(f, hints[f.name]) for f in dataclasses.fields(cls)]
    return _HINTS[cls]


def _record_type(tp: Any) -> type[Record]:
    options = [a for a in get_args(tp) if a is not _NONE] if get_args(tp) else [tp]
    return options[0]


class Record:
    """A frozen dataclass that converts to and from plain JSON data, checking every type.

    Subclasses are ``@dataclass(frozen=True)``; :meth:`problem` may add checks that span
    fields.
    """

    @classmethod
    def from_dict(cls, data: Any) -> Self:
        """Build from plain data; :class:`RecordError` names the first key that is wrong."""
        return cls._parse_dict(data, "")

    @classmethod
    def _parse_dict(cls, data: Any, where: str) -> Self:
        if type(data) is not dict:
            raise RecordError(where, f"expected an object, got {_kind(data)}")
        values: dict[str, Any] = {}
        for f, tp in _declared(cls):
            if f.metadata.get("flatten"):
                child = _record_type(tp)
                present = {f2.name: data[f2.name] for f2, _ in _declared(child) if f2.name in data}
                values[f.name] = child._parse_dict(present, where) if present else None
                continue
            key = f"{where}.{f.name}" if where else f.name
            if f.name in data:
                values[f.name] = _parse(tp, data[f.name], key)
            elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                raise RecordError(key, "missing")
        record = cls(**values)
        problem = record.problem()
        if problem:
            raise RecordError(where, problem)
        return record

    def problem(self) -> str | None:
        """What is inconsistent across fields (None: nothing); a file with a problem is damaged."""
        return None

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON data: optional keys left out while None, flattened records merged in."""
        data: dict[str, Any] = {}
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            value = getattr(self, f.name)
            if f.metadata.get("flatten"):
                data.update(value.to_dict() if value is not None else {})
            elif value is not None or f.default is not None:
                data[f.name] = _dump(value)
        return data


class Sidecar(Record):
    """A versioned JSON file: :meth:`from_json` reads and checks it, :meth:`to_json` writes it.

    Subclasses set ``FILE`` (its name), ``FORMAT_VERSION`` (bump it when a key is renamed,
    removed or changes meaning, and add an ``UPGRADES`` step from the previous version when
    old files can be read forward), ``REWRITE`` (how to write the file anew: the fix for a
    damaged or older file) and ``NEWER_FIX`` (what to do with a file from a newer feedcare).
    """

    FILE: ClassVar[str]
    FORMAT_VERSION: ClassVar[int] = 1
    REWRITE: ClassVar[str]
    NEWER_FIX: ClassVar[str] = "upgrade feedcare (pip install -U feedcare)"
    UPGRADES: ClassVar[dict[int, Callable[[dict[str, Any]], dict[str, Any]]]] = {}

    def to_dict(self) -> dict[str, Any]:
        return {FORMAT_KEY: self.FORMAT_VERSION, **super().to_dict()}

    def to_json(self, path: Path) -> None:
        """Write atomically, key-sorted; checked first, so no file is written that would not read."""
        data = self.to_dict()
        try:
            type(self).from_dict(data)
        except RecordError as exc:
            raise DataError(f"internal error: {path} would not be a valid {self.FILE} ({exc})") from None
        write_json(path, data)

    @classmethod
    def from_json(cls, path: Path) -> Self:
        """Read ``path``; a one-line :class:`DataError` (exit 4) if missing, damaged or of another version."""
        path = Path(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise DataError(f"{path}: {cls.FILE} not found; {cls.REWRITE}") from None
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise DataError(f"{path}: {cls.FILE} is damaged ({exc}); {cls.REWRITE}") from None
        return cls.from_data(data, path)

    @classmethod
    def from_data(cls, data: Any, path: Path | str) -> Self:
        """Check the version, upgrade older data where a step exists, then every key and type."""
        if type(data) is not dict:
            raise DataError(f"{path}: {cls.FILE} is damaged (not a JSON object); {cls.REWRITE}")
        version = data.get(FORMAT_KEY, UNVERSIONED)
        if type(version) is not int:
            raise DataError(
                f"{path}: {cls.FILE} is damaged ({FORMAT_KEY}: expected an integer, got {_kind(version)}); "
                f"{cls.REWRITE}"
            )
        while version < cls.FORMAT_VERSION and version in cls.UPGRADES:
            data, version = {**cls.UPGRADES[version](data), FORMAT_KEY: version + 1}, version + 1
        if version != cls.FORMAT_VERSION:
            raise cls._version_error(path, version)
        try:
            return cls.from_dict(data)
        except RecordError as exc:
            raise DataError(f"{path}: {cls.FILE} is damaged ({exc}); {cls.REWRITE}") from None

    @classmethod
    def _version_error(cls, path: Path | str, found: int) -> FormatVersionError:
        from feedcare import __version__

        newer = found > cls.FORMAT_VERSION
        return FormatVersionError(
            f"{path}: {cls.FILE} format version {found} is {'newer' if newer else 'older'} than "
            f"feedcare {__version__} reads (version {cls.FORMAT_VERSION}); "
            + (cls.NEWER_FIX if newer else cls.REWRITE),
            found,
            cls.FORMAT_VERSION,
        )
