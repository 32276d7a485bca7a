"""A codebook as plain data: :class:`Code` and :class:`Codebook`, whatever file it came from.

Every reader (:mod:`.readers`) returns a :class:`Codebook`; GUIDs and the hierarchy are kept as
the file gave them (a CSV or TOML codebook gets stable uuid5 GUIDs from its code names), so a
guided run's ``.qdpx`` codes the data with the researcher's own codes.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from feedcare.corpus.base.errors import ConfigError

# What feedcare appends to a code's description when it exports a guided run; readers drop it, so a
# codebook exported by feedcare guides a new run exactly as the original did.
RUN_FACTS_MARKER = "\n\n[feedcare run] "
# REFI-QDA codes have no seed terms: a code whose seeds came from its file carries them in its
# description after this marker, on one line, so a codebook feedcare exported keeps them.
SEEDS_MARKER = "\n\n[feedcare seeds] "


def split_description(text: str) -> tuple[str, tuple[str, ...]]:
    """(the researcher's description, seed terms feedcare stored in it) of an exported description."""
    text = text.split(RUN_FACTS_MARKER.strip())[0]
    described, _, seeds = text.partition(SEEDS_MARKER.strip())
    line = seeds.splitlines()[0] if seeds.strip() else ""
    return described.strip(), tuple(s.strip() for s in line.split(";") if s.strip())

# The namespace of GUIDs feedcare gives codes that came without one (CSV, TOML).
CODE_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "feedcare:codebook")


@dataclass(frozen=True)
class Code:
    guid: str
    name: str
    description: str = ""
    parent: str | None = None  # the parent code's GUID
    seeds: tuple[str, ...] = ()  # seed terms given by the file (empty: derive from name/description)
    color: str | None = None  # "#RRGGBB" as the file gave it
    codable: bool = True


@dataclass(frozen=True)
class Codebook:
    path: Path
    format: str  # qdc, qdpx, csv, toml
    sha256: str  # of the file's bytes: what the run records
    codes: tuple[Code, ...]  # in file order, parents before their children
    origin: str | None = None  # the software that wrote it (REFI-QDA "origin")
    notes: tuple[str, ...] = field(default=())

    def code(self, guid: str) -> Code:
        return next(c for c in self.codes if c.guid == guid)

    def children(self, guid: str | None) -> list[Code]:
        return [c for c in self.codes if c.parent == guid]

    def depth(self, code: Code) -> int:
        depth, parent = 0, code.parent
        while parent is not None:
            depth, parent = depth + 1, self.code(parent).parent
        return depth

    def path_of(self, code: Code) -> str:
        """The code's name with its ancestors': "Staff > Attitude"."""
        names = [code.name]
        parent = code.parent
        while parent is not None:
            up = self.code(parent)
            names.append(up.name)
            parent = up.parent
        return " > ".join(reversed(names))


def file_sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def name_guid(path_of_names: str) -> str:
    """A stable GUID for a code that came without one, from its place in the hierarchy."""
    return str(uuid.uuid5(CODE_NAMESPACE, path_of_names))


def check_codes(path: Path, codes: list[Code]) -> None:
    """Every codebook: at least one code, unique GUIDs, parents that exist, names not empty."""
    if not codes:
        raise ConfigError(f"{path}: the codebook has no codes; add at least one code")
    seen: set[str] = set()
    for code in codes:
        if not code.name.strip():
            raise ConfigError(f"{path}: code {code.guid} has an empty name; give every code a name")
        if code.guid.lower() in seen:
            raise ConfigError(f"{path}: GUID {code.guid} is used by two codes; give each code its own GUID")
        seen.add(code.guid.lower())
    known = {c.guid for c in codes}
    for code in codes:
        if code.parent is not None and code.parent not in known:
            raise ConfigError(
                f"{path}: code '{code.name}' names parent '{code.parent}', which is not a code of the "
                "file; add the parent or remove the reference"
            )
