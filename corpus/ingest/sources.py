"""Finding source files, hashing them, and deciding which ones need reading again.

A source file is identified by its absolute path. The manifest records, per source file,
its size, mtime, sha256, format and the documents it gave; on a re-run a file whose size and
mtime are unchanged is trusted without hashing, a file whose mtime changed is hashed, and
only a file whose hash changed is read again.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from feedcare.corpus.base.errors import UsageError
from feedcare.corpus.base.progress import ProgressCallback, report
from feedcare.corpus.readers.registry import table_formats, transcript_formats
from feedcare.corpus.store.sidecars import SourceEntry


def supported_formats() -> tuple[str, ...]:
    return transcript_formats() + table_formats()


_HASH_CHUNK = 1 << 20


@dataclass(frozen=True)
class SourceFile:
    """One file found under a SOURCE argument."""

    path: Path  # absolute
    root: Path  # the SOURCE folder it was found in (a file given directly: its folder)
    source: str  # path relative to the root, POSIX; unique within one ingest
    format: str  # a suffix of the readers registry
    size: int
    mtime_ns: int

    @property
    def key(self) -> str:
        """How the manifest names this file."""
        return self.path.as_posix()

    @property
    def base_id(self) -> str:
        """The document id a transcript gets: its source path without the suffix."""
        return str(PurePosixPath(self.source).with_suffix(""))

    @property
    def is_table(self) -> bool:
        return self.format in table_formats()


@dataclass
class Scan:
    files: list[SourceFile]
    ignored: Counter[str] = field(default_factory=Counter)  # suffix → files skipped silently
    # Folders and files that exist but cannot be read (permissions, broken links, names that are
    # not UTF-8): skipped inputs, reported by name. What an earlier ingest read from them stays.
    unreadable: list[tuple[Path, str]] = field(default_factory=list)

    def hides(self, key: str) -> bool:
        """Whether the manifest entry ``key`` (a file path) lies in an unreadable folder or is one."""
        return any(key == p.as_posix() or key.startswith(p.as_posix().rstrip("/") + "/")
                   for p, _ in self.unreadable)

    def ignored_summary(self) -> str:
        """'3 files with other suffixes: .jpg, .pdf' (empty when nothing was ignored)."""
        total = sum(self.ignored.values())
        if not total:
            return ""
        noun = "file" if total == 1 else "files"
        return f"{total} {noun} with other suffixes: " + ", ".join(sorted(self.ignored))


def file_format(path: Path) -> str | None:
    suffix = path.suffix.lower().lstrip(".")
    return suffix if suffix in supported_formats() else None


def _is_hidden(name: str) -> bool:
    # Dot files (.DS_Store, .git) and Word's "~$name.docx" lock files are never transcripts.
    return name.startswith(".") or name.startswith("~$")


def _utf8_name(path: Path) -> bool:
    """File names reach Parquet and JSON as UTF-8; on Linux a name can be any bytes."""
    try:
        path.name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _walk(root: Path, exclude: Path | None, unreadable: list[tuple[Path, str]]) -> list[Path]:
    found: list[Path] = []

    def skipped(error: OSError) -> None:
        # os.walk passes over a folder it cannot list unless told: that was silent data loss.
        where = Path(error.filename) if error.filename else root
        unreadable.append((where, f"cannot read the folder ({error.strerror or error}); its files were "
                                  "left as they were"))

    for folder, dirs, names in os.walk(root, onerror=skipped):
        here = Path(folder)
        dirs[:] = sorted(
            d for d in dirs if not _is_hidden(d) and (exclude is None or (here / d).resolve() != exclude)
        )
        found.extend(here / name for name in sorted(names) if not _is_hidden(name))
    return found


def scan_sources(sources: list[Path], exclude: Path | None = None) -> Scan:
    """Every supported file under ``sources`` (files and folders, recursively), in a fixed order.

    ``exclude`` (the corpus directory) is never scanned, so ``ingest . --corpus corpus`` does
    not read its own output. Raises UsageError for a missing path, an explicit file with an
    unsupported suffix, or when nothing readable is found.
    """
    if not sources:
        raise UsageError("no SOURCE given; name the transcript folders or comment tables to ingest")
    exclude = exclude.resolve() if exclude is not None else None
    scan = Scan(files=[])
    seen_paths: set[Path] = set()
    for given in sources:
        given = Path(given)
        if not given.exists():
            raise UsageError(f"{given}: no such file or folder; check the SOURCE path")
        if given.is_file():
            if file_format(given) is None:
                raise UsageError(
                    f"{given}: unsupported file type '{given.suffix or '(none)'}'; feedcare reads "
                    + ", ".join(f".{f}" for f in supported_formats())
                )
            root, paths = given.resolve().parent, [given.resolve()]
        else:
            root = given.resolve()
            paths = _walk(root, exclude, scan.unreadable)
        for path in paths:
            if not _utf8_name(path):
                scan.unreadable.append((path, "file name is not valid UTF-8; rename the file"))
                continue
            fmt = file_format(path)
            if fmt is None:
                scan.ignored[path.suffix.lower() or "(no suffix)"] += 1
                continue
            if path in seen_paths:
                continue  # the same file named twice (e.g. a folder and a file inside it)
            seen_paths.add(path)
            try:
                stat = path.stat()
            except OSError as exc:  # a broken link, a file removed while we looked
                scan.unreadable.append((path, f"cannot read the file ({exc.strerror or exc})"))
                continue
            source = path.relative_to(root).as_posix()
            scan.files.append(SourceFile(path, root, source, fmt, stat.st_size, stat.st_mtime_ns))
    if not scan.files and not scan.unreadable:
        names = ", ".join(str(s) for s in sources)
        ignored = scan.ignored_summary()
        raise UsageError(
            f"{names}: no supported files found"
            + (f" (ignored {ignored})" if ignored else "")
            + "; feedcare reads "
            + ", ".join(f".{f}" for f in supported_formats())
        )
    return scan


def name_sources(files: list[SourceFile], previous: dict[str, SourceEntry]) -> list[SourceFile]:
    """Give every file a ``source`` name no other file has, in this run or in the manifest.

    A file keeps the name the manifest gave it; a new file whose relative path is already
    taken (two folders each with a P01.txt) is prefixed with its folder's name.
    """
    taken: dict[str, str] = {entry.source: key for key, entry in previous.items()}
    named: list[SourceFile] = []
    for file in files:
        old = previous[file.key].source if file.key in previous else None
        if old is not None and taken.get(old) == file.key:
            named.append(file)
            if old != file.source:
                named[-1] = dataclasses.replace(file, source=old)
            continue
        candidates = (file.source, f"{file.root.name}/{file.source}", file.path.as_posix())
        source = next((c for c in candidates if taken.get(c, file.key) == file.key), file.path.as_posix())
        taken[source] = file.key
        named.append(dataclasses.replace(file, source=source) if source != file.source else file)
    return named


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(_HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass
class Plan:
    """What an ingest run does with each source file."""

    new: list[tuple[SourceFile, str]] = field(default_factory=list)  # (file, sha256)
    changed: list[tuple[SourceFile, str]] = field(default_factory=list)
    unchanged: list[tuple[SourceFile, SourceEntry]] = field(default_factory=list)  # updated entry
    gone: dict[str, SourceEntry] = field(default_factory=dict)  # key → previous entry
    # Previous entries in folders that cannot be read now: not gone, kept as they were.
    held: dict[str, SourceEntry] = field(default_factory=dict)
    rehashed: int = 0  # unchanged files whose mtime moved, so they were hashed
    unreadable: list[tuple[SourceFile, str]] = field(default_factory=list)  # (file, reason)

    @property
    def to_read(self) -> list[tuple[SourceFile, str, str]]:
        """(file, sha256, "new"|"changed") in scan order."""
        items = [(f, sha, "new") for f, sha in self.new] + [(f, sha, "changed") for f, sha in self.changed]
        order = {f.key: i for i, (f, _, _) in enumerate(items)}
        return sorted(items, key=lambda item: order[item[0].key])


def plan_sources(
    files: list[SourceFile],
    previous: dict[str, SourceEntry],
    *,
    reread: bool = False,
    progress: ProgressCallback | None = None,
    hidden: Callable[[str], bool] | None = None,
) -> Plan:
    """Compare ``files`` with the manifest's ``previous`` sources.

    ``reread`` (the parsing options changed) sends every file to be read again, but still
    trusts the recorded hash of a file whose size and mtime have not moved. ``hidden(key)`` says
    whether a previous file lies where the scan could not look (:meth:`Scan.hides`): such files
    are held, not gone.
    """
    plan = Plan()
    current = {f.key for f in files}
    for done, file in enumerate(files, 1):
        entry = previous.get(file.key)
        same_stat = entry is not None and entry.size == file.size and entry.mtime_ns == file.mtime_ns
        if entry is not None and same_stat and not reread:
            plan.unchanged.append((file, entry))
        else:
            try:
                sha = entry.sha256 if entry is not None and same_stat else sha256_file(file.path)
            except OSError as exc:
                plan.unreadable.append((file, f"cannot read the file ({exc.strerror})"))
                continue
            if entry is not None and entry.sha256 == sha and not reread:
                plan.rehashed += 1
                moved = dataclasses.replace(entry, size=file.size, mtime_ns=file.mtime_ns)
                plan.unchanged.append((file, moved))
            elif entry is not None:
                plan.changed.append((file, sha))
            else:
                plan.new.append((file, sha))
        report(progress, "Checking files", done, len(files))
    for key, entry in previous.items():
        if key not in current:
            if hidden is not None and hidden(key):
                plan.held[key] = entry
            else:
                plan.gone[key] = entry
    return plan


def source_entry(
    file: SourceFile,
    sha256: str,
    doc_ids: list[str] | None,
    n_documents: int,
    attributes: list[str] | None = None,
) -> SourceEntry:
    """The manifest record of one ingested source file.

    Tables record their row-document count but not every id (a million ids do not belong
    in a JSON manifest); their documents are found by the ``source`` column instead.
    """
    return SourceEntry(
        source=file.source,
        root=file.root.as_posix(),
        sha256=sha256,
        size=file.size,
        mtime_ns=file.mtime_ns,
        format=file.format,
        n_documents=n_documents,
        doc_ids=doc_ids,
        attributes=attributes or None,
    )
