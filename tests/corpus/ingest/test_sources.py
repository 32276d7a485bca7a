"""corpus/ingest/sources.py: which files an ingest finds, what it calls them, and which it reads again.

Unreadable files and folders are skipped inputs, never "gone" (issue 14, #2). Root reads
everything whatever its permissions, so a folder is made unreadable either by an injected
PermissionError in the scan, or for real as an unprivileged user (setpriv, when the suite runs
as root and it exists; directly when the suite does not run as root).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from feedcare.corpus import IngestConfig, ingest, open_corpus
from feedcare.corpus.base.errors import UsageError
from feedcare.corpus.ingest.sources import (
    name_sources,
    plan_sources,
    scan_sources,
    sha256_file,
    source_entry,
)

INTERVIEW = "Interviewer: How did you find the ward?\nP01: Honestly, um, it was fine.\n"


def write(path, text, encoding="utf-8"):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))
    return path


def as_json(result):
    assert result.stdout.strip(), result.output
    return json.loads(result.stdout)


@pytest.fixture
def folder(tmp_path):
    """Three interviews in three formats, one in a sub-folder."""
    root = tmp_path / "transcripts"
    write(root / "P01.txt", INTERVIEW)
    write(root / "P02.md", INTERVIEW.replace("P01", "P02"))
    write(
        root / "online" / "P03.vtt",
        "WEBVTT\n\n00:00:01.000 --> 00:00:04.000\n<v Interviewer>Why online?\n\n"
        "00:00:04.500 --> 00:00:09.000\n<v P03>It felt anonymous.\n",
    )
    return root


def test_scan_is_in_a_fixed_order_and_passes_over_hidden_and_lock_files(folder):
    write(folder / "~$P02.docx", "Word's lock file")
    write(folder / ".notes.txt", "hidden")
    write(folder / ".git" / "x.txt", "hidden folder")
    write(folder / "consent.PDF", "%PDF")
    scan = scan_sources([folder])
    assert [(f.source, f.format, f.base_id) for f in scan.files] == [
        ("P01.txt", "txt", "P01"),
        ("P02.md", "md", "P02"),
        ("online/P03.vtt", "vtt", "online/P03"),
    ]
    assert dict(scan.ignored) == {".pdf": 1}
    assert scan.ignored_summary() == "1 file with other suffixes: .pdf"
    assert all(f.root == folder.resolve() and f.size == f.path.stat().st_size for f in scan.files)


def test_a_file_named_twice_is_found_once_and_suffixes_ignore_case(folder):
    upper = write(folder / "P04.TXT", INTERVIEW)
    scan = scan_sources([folder, upper])
    assert [f.source for f in scan.files].count("P04.TXT") == 1
    assert next(f for f in scan.files if f.source == "P04.TXT").format == "txt"


def test_the_excluded_corpus_folder_is_not_scanned(folder):
    write(folder / "corpus" / "notes.txt", "not a transcript")
    excluded = scan_sources([folder], exclude=folder / "corpus").files
    assert "corpus/notes.txt" not in [f.source for f in excluded]
    assert "corpus/notes.txt" in [f.source for f in scan_sources([folder]).files]


def test_an_empty_source_list_is_a_usage_error():
    with pytest.raises(UsageError, match="no SOURCE given"):
        scan_sources([])


def test_two_folders_with_the_same_file_names_get_distinct_sources(tmp_path):
    write(tmp_path / "site-a" / "P01.txt", INTERVIEW)
    write(tmp_path / "site-b" / "P01.txt", INTERVIEW)
    files = name_sources(scan_sources([tmp_path / "site-a", tmp_path / "site-b"]).files, {})
    assert [f.source for f in files] == ["P01.txt", "site-b/P01.txt"]
    # A file keeps the name an earlier ingest gave it, even when sources are given in another order.
    previous = {f.key: source_entry(f, "sha", ["x"], 1) for f in files}
    again = name_sources(scan_sources([tmp_path / "site-b", tmp_path / "site-a"]).files, previous)
    assert {f.key: f.source for f in again} == {f.key: f.source for f in files}


def test_plan_reads_only_new_and_changed_files_and_hashes_only_touched_ones(folder):
    files = scan_sources([folder]).files
    first = plan_sources(files, {})
    assert [f.source for f, _, how in first.to_read] == ["P01.txt", "P02.md", "online/P03.vtt"]
    assert {how for _, _, how in first.to_read} == {"new"}
    previous = {f.key: source_entry(f, sha, [f.base_id], 1) for f, sha in first.new}

    p01, p02, p03 = (f.path for f in files)
    stat = p01.stat()
    os.utime(p01, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10_000_000_000))  # touched, same bytes
    write(p02, INTERVIEW.replace("fine", "awful"))  # changed
    p03.unlink()  # gone
    files = scan_sources([folder]).files
    plan = plan_sources(files, previous)
    assert [f.source for f, _, how in plan.to_read] == ["P02.md"] and plan.changed[0][1] == sha256_file(p02)
    assert plan.rehashed == 1 and [f.source for f, _ in plan.unchanged] == ["P01.txt"]
    assert plan.unchanged[0][1].mtime_ns == p01.stat().st_mtime_ns  # the manifest learns the new mtime
    assert [entry.source for entry in plan.gone.values()] == ["online/P03.vtt"]


def test_reread_sends_every_file_to_be_read_without_hashing_untouched_ones(folder, monkeypatch):
    files = scan_sources([folder]).files
    previous = {f.key: source_entry(f, sha, [f.base_id], 1) for f, sha in plan_sources(files, {}).new}
    from feedcare.corpus.ingest import sources

    def no_hashing(path: Path) -> str:
        raise AssertionError(f"{path} was hashed")

    monkeypatch.setattr(sources, "sha256_file", no_hashing)
    plan = plan_sources(files, previous, reread=True)
    assert [how for _, _, how in plan.to_read] == ["changed"] * 3 and not plan.unchanged


def test_a_table_entry_records_its_count_not_its_ids(tmp_path):
    table = write(tmp_path / "fft.csv", "comment\none\ntwo\n")
    file = scan_sources([table]).files[0]
    assert file.is_table
    entry = source_entry(file, "abc", None, 2, attributes=["ward"])
    assert entry.doc_ids is None and entry.n_documents == 2 and entry.attributes == ["ward"]
    assert "doc_ids" not in entry.to_dict()  # the manifest leaves the key out


# --- through `feedcare ingest` ----------------------------------------------------------------------


def test_usage_errors_for_sources(invoke, tmp_path):
    result = invoke("ingest", tmp_path / "missing", "--corpus", tmp_path / "c")
    assert result.exit_code == 2
    assert f"Error: {tmp_path / 'missing'}: no such file or folder; check the SOURCE path" in result.stderr
    write(tmp_path / "only" / "notes.pdf", "x")
    write(tmp_path / "only" / "photo.jpg", "x")
    result = invoke("ingest", tmp_path / "only", "--corpus", tmp_path / "c")
    assert result.exit_code == 2
    assert "no supported files found (ignored 2 files with other suffixes: .jpg, .pdf)" in result.stderr
    result = invoke("ingest", tmp_path / "only" / "notes.pdf", "--corpus", tmp_path / "c")
    assert result.exit_code == 2 and "unsupported file type '.pdf'" in result.stderr
    assert not (tmp_path / "c").exists()


def test_other_suffixes_in_a_folder_are_counted_not_read(invoke, folder, tmp_path):
    write(folder / "consent.pdf", "%PDF")
    write(folder / ".DS_Store", "x")
    write(folder / "~$P02.docx", "lock")
    data = as_json(invoke("ingest", folder, "--corpus", tmp_path / "c", "--json"))
    assert data["ignored"] == {".pdf": 1} and data["exit_code"] == 0


def test_the_corpus_folder_inside_the_source_is_not_read(invoke, folder, monkeypatch):
    monkeypatch.chdir(folder)
    assert invoke("ingest", ".", "--corpus", "corpus").exit_code == 0
    data = as_json(invoke("ingest", ".", "--corpus", "corpus", "--json"))
    assert (data["documents"], data["status"]) == (3, "up to date")


# --- unreadable inputs (issue 14) ------------------------------------------------------------


@pytest.fixture
def sites(tmp_path):
    data = tmp_path / "data"
    write(data / "siteA" / "A01.txt", INTERVIEW)
    write(data / "siteA" / "A02.txt", INTERVIEW.replace("fine", "good"))
    write(data / "siteB" / "B01.txt", INTERVIEW.replace("fine", "slow"))
    write(data / "siteB" / "B02.txt", INTERVIEW.replace("fine", "kind"))
    return data


@pytest.fixture
def unreadable(monkeypatch):
    """Make folders unreadable for the scan, as chmod 000 does for a non-root user."""
    blocked: set[str] = set()
    real_scandir = os.scandir

    def scandir(path="."):
        if not isinstance(path, int) and os.fspath(path) in blocked:
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    return lambda path: blocked.add(os.fspath(Path(path).resolve()))


def doc_ids(corpus):
    return open_corpus(corpus).documents(columns=["doc_id"])["doc_id"].to_pylist()


@pytest.mark.parametrize("prune", [True, False])
def test_an_unreadable_folder_is_skipped_and_named_never_gone(sites, tmp_path, unreadable, prune):
    corpus = tmp_path / "c"
    ingest([sites], corpus, IngestConfig())
    unreadable(sites / "siteB")
    report = ingest([sites], corpus, IngestConfig(), prune=prune)
    assert report.exit_code == 3
    assert [path for path, _ in report.skipped] == [(sites / "siteB").as_posix()]
    assert "cannot read the folder (Permission denied)" in report.skipped[0][1]
    assert report.files_gone == 0 and report.removed == 0 and report.gone_kept == []
    assert doc_ids(corpus) == ["siteA/A01", "siteA/A02", "siteB/B01", "siteB/B02"]


def test_strict_writes_nothing_when_a_folder_cannot_be_read(sites, tmp_path, unreadable):
    corpus = tmp_path / "c"
    unreadable(sites / "siteB")
    from feedcare.corpus.ingest.report import IngestAborted

    with pytest.raises(IngestAborted, match="siteB: cannot read the folder"):
        ingest([sites], corpus, IngestConfig(), strict=True)
    assert not (corpus / "manifest.json").exists()


def test_an_unreadable_source_folder_alone_is_a_skipped_input(sites, tmp_path, unreadable):
    corpus = tmp_path / "c"
    ingest([sites / "siteB"], corpus, IngestConfig())
    unreadable(sites / "siteB")
    report = ingest([sites / "siteB"], corpus, IngestConfig(), prune=True)
    assert report.exit_code == 3 and report.removed == 0
    assert doc_ids(corpus) == ["B01", "B02"]


def test_audit_lists_the_folder_it_could_not_read(sites, unreadable):
    from feedcare.corpus.audit.scan import audit_paths

    unreadable(sites / "siteB")
    result = audit_paths([sites])
    assert result.exit_code == 3
    assert [s for s, _ in result.skipped] == [(sites / "siteB").as_posix()]


def test_a_broken_link_and_a_file_name_that_is_not_utf8_are_skipped_not_fatal(sites, tmp_path):
    (sites / "siteA" / "gone.txt").symlink_to(tmp_path / "nowhere.txt")
    bad = os.fsencode(sites / "siteA") + b"/P\xe9rez.txt"  # Latin-1 bytes in a Linux file name
    try:
        with open(bad, "w", encoding="utf-8") as handle:
            handle.write(INTERVIEW)
    except (OSError, ValueError):
        pytest.skip("this file system refuses file names that are not UTF-8")
    scan = scan_sources([sites])
    reasons = {Path(p).name: r for p, r in scan.unreadable}
    assert "cannot read the file" in reasons["gone.txt"]
    assert "file name is not valid UTF-8" in next(r for n, r in reasons.items() if n.startswith("P"))
    report = ingest([sites], tmp_path / "c", IngestConfig())
    assert report.exit_code == 3 and report.written
    assert len(report.skipped) == 2
    assert doc_ids(tmp_path / "c") == ["siteA/A01", "siteA/A02", "siteB/B01", "siteB/B02"]


# --- for real, as a user root's permissions do not override ----------------------------------


def _unprivileged_prefix() -> list[str] | None:
    if os.name != "posix":
        return None
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        return None
    return [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"]


@pytest.mark.skipif(_unprivileged_prefix() is None,
                    reason="needs POSIX and either a non-root user or setpriv to drop root's rights")
def test_chmod_000_folder_with_prune_keeps_its_documents_for_real():
    prefix = _unprivileged_prefix()
    base = Path(tempfile.mkdtemp(prefix="feedcare-perm-"))
    try:
        os.chmod(base, 0o777)
        data = base / "data"
        write(data / "siteA" / "A01.txt", INTERVIEW)
        write(data / "siteB" / "B01.txt", INTERVIEW.replace("fine", "slow"))
        corpus = base / "c"
        ingest([data], corpus, IngestConfig())
        if os.geteuid() == 0:
            for path in [base, *base.rglob("*")]:
                os.chown(path, 65534, 65534)
        os.chmod(data / "siteB", 0)
        env = {**os.environ, "HOME": str(base), "NO_COLOR": "1"}
        probe = subprocess.run([*prefix, sys.executable, "-c", "import feedcare.cli"], capture_output=True,
                               env=env, cwd=base, timeout=120)
        if probe.returncode != 0:  # e.g. a checkout under a private (0700) folder such as mktemp -d's
            pytest.skip("the unprivileged user (uid 65534) cannot read this checkout or its venv; "
                        "the simulated test above covers the same defect")
        proc = subprocess.run(
            [*prefix, sys.executable, "-m", "feedcare", "ingest", str(data), "--prune",
             "--corpus", str(corpus)],
            capture_output=True, text=True, env=env, cwd=base, timeout=300,
        )
        assert proc.returncode == 3, proc.stderr
        shown = proc.stdout + proc.stderr
        assert "siteB" in shown and "cannot read the folder" in shown
        os.chmod(data / "siteB", 0o755)
        assert doc_ids(corpus) == ["siteA/A01", "siteB/B01"]
    finally:
        shutil.rmtree(base, ignore_errors=True)
