"""manifest.json and tokens.json through their classes and through the real CLI.

Round trips keep the bytes; a file written before versioning opens; another format version
or a damaged key is one line naming the file and the fix, exit 4, and nothing is overwritten.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from feedcare.corpus import open_corpus
from feedcare.corpus.store.sidecars import Manifest, TokensMeta

PEOPLE = "participant_id,age_band\nP01,45-54\nP02,18-24\nP09,65+\n"
INTERVIEW = (
    "Interviewer: How did you find the ward?\n{p}: The ward was noisy at night and the nurse was kind.\n"
    "Interviewer: And the food?\n{p}: The food was cold, the nurse said the kitchen was short staffed.\n"
)
COMMENTS = (
    "id,comment,site\nc1,The nurse was kind and the ward was clean,North\nc2,Long wait for the nurse,South\n"
)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """A corpus from two transcripts, a comment table and a participants file, with tokens."""
    from feedcare.cli import app
    from typer.testing import CliRunner

    root = tmp_path_factory.mktemp("sidecars")
    sources = root / "sources"
    sources.mkdir()
    for p in ("P01", "P02"):
        (sources / f"{p}.txt").write_text(INTERVIEW.format(p=p))
    (sources / "comments.csv").write_text(COMMENTS)
    (root / "people.csv").write_text(PEOPLE)
    corpus = root / "corpus"
    args = ["--participant", "P01", "--participant", "P02", "--text-column", "comment", "--id-column", "id"]
    meta = ["--meta", str(root / "people.csv")]
    for command in (["ingest", str(sources), "--corpus", str(corpus), *meta, *args],
                    ["tokens", "--corpus", str(corpus), "--no-below", "1", "--jobs", "1"]):
        result = CliRunner().invoke(app, command, catch_exceptions=False)
        assert result.exit_code == 0, result.output
    return root


@pytest.fixture
def corpus_dir(built, tmp_path):
    """A fresh copy of the built corpus (its manifest names the sources, which stay in place)."""
    (tmp_path / "sources").symlink_to(built / "sources")
    return Path(shutil.copytree(built / "corpus", tmp_path / "corpus"))


def edit(path, change) -> bytes:
    """Apply ``change`` to the JSON in ``path``; returns the new bytes."""
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(json.dumps(data, indent=2, sort_keys=True), encoding="utf-8")
    return path.read_bytes()


def one_line_error(result, *words) -> str:
    """The CLI failed with exit 4 and one line on stderr holding ``words``, no traceback."""
    assert result.exit_code == 4, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    assert all(w in lines[0] for w in words), lines[0]
    return lines[0]


def test_reading_and_writing_again_gives_the_same_bytes(corpus_dir, tmp_path):
    for cls, name in ((Manifest, "manifest.json"), (TokensMeta, "tokens.json")):
        path = corpus_dir / name
        record = cls.from_json(path)
        assert record.to_dict() == json.loads(path.read_text(encoding="utf-8"))
        record.to_json(tmp_path / name)
        assert (tmp_path / name).read_bytes() == path.read_bytes()


def test_the_manifest_holds_every_part_typed(corpus_dir):
    manifest = open_corpus(corpus_dir).manifest
    written = json.loads((corpus_dir / "manifest.json").read_text())
    assert written["format_version"] == Manifest.FORMAT_VERSION == 1
    assert (manifest.counts.documents, manifest.counts.segments) == (4, 10)
    by_source = {entry.source: entry for entry in manifest.sources.values()}
    assert by_source["P01.txt"].doc_ids == ["P01"] and by_source["P01.txt"].attributes is None
    assert by_source["comments.csv"].doc_ids is None and by_source["comments.csv"].attributes == ["site"]
    assert manifest.ingest is not None and manifest.ingest.meta is not None
    assert manifest.ingest.meta.metadata_without_documents == ["P09"]
    assert {(r.speaker, r.role) for r in manifest.ingest.roles} >= {("P01", "participant")}
    tokens = open_corpus(corpus_dir).tokens_meta()
    assert tokens.corpus_fingerprint == manifest.fingerprint and tokens.summary.documents == 4
    assert tokens.pruned.after == tokens.summary.vocabulary > 0


def test_files_written_before_versioning_still_open_and_stay_up_to_date(corpus_dir, invoke):
    before = invoke("corpus", "info", "--corpus", corpus_dir, "--json").stdout
    tokens_mtime = (corpus_dir / "tokens.parquet").stat().st_mtime_ns
    for name in ("manifest.json", "tokens.json"):
        edit(corpus_dir / name, lambda data: data.pop("format_version"))
    assert invoke("corpus", "info", "--corpus", corpus_dir, "--json").stdout == before
    # The tokens fingerprint hashes the corpus fingerprint, not the manifest's bytes: no rebuild.
    result = invoke("tokens", "--corpus", corpus_dir, "--no-below", 1, "--jobs", 1)
    assert result.exit_code == 0 and "Tokens are up to date" in result.stderr
    assert (corpus_dir / "tokens.parquet").stat().st_mtime_ns == tokens_mtime


def test_a_manifest_from_a_newer_feedcare_is_refused_and_kept(corpus_dir, invoke, tmp_path):
    kept = edit(corpus_dir / "manifest.json", lambda data: data.update(format_version=2))
    words = (f"{corpus_dir / 'manifest.json'}: manifest.json format version 2 is newer than feedcare",
             "reads (version 1)", "upgrade feedcare")
    one_line_error(invoke("corpus", "info", "--corpus", corpus_dir), *words)
    one_line_error(invoke("tokens", "--corpus", corpus_dir), *words)
    one_line_error(invoke("themes", "latest", "--corpus", corpus_dir), *words)
    # ingest does not rebuild it: that would drop documents whose sources were not given again
    one_file = tmp_path / "sources" / "P01.txt"
    result = invoke("ingest", one_file, "--corpus", corpus_dir, "--participant", "P01")
    one_line_error(result, *words)
    assert (corpus_dir / "manifest.json").read_bytes() == kept


def test_a_manifest_from_an_older_format_is_refused_and_ingest_rewrites_it(corpus_dir, invoke, tmp_path):
    edit(corpus_dir / "manifest.json", lambda data: data.update(format_version=0))
    one_line_error(invoke("corpus", "info", "--corpus", corpus_dir),
                   "manifest.json format version 0 is older than feedcare", "re-run `feedcare ingest`")
    result = invoke("ingest", tmp_path / "sources", "--corpus", corpus_dir, "--participant", "P01",
                    "--participant", "P02", "--text-column", "comment", "--id-column", "id", "--json")
    assert result.exit_code == 0, result.output
    assert "has an older manifest format (0)" in json.loads(result.stdout)["reread_reason"]
    assert Manifest.from_json(corpus_dir / "manifest.json").counts.documents == 4


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d["counts"].update(documents="4"),
         'counts.documents: expected an integer, got a string "4"'),
        (lambda d: d.pop("fingerprint"), "fingerprint: missing"),
        (lambda d: next(iter(d["sources"].values())).update(size=None),
         "].size: expected an integer, got null"),
        (lambda d: d["roles"][0].update(turns=[1]), "roles[0].turns: expected an integer, got a list [1]"),
        (lambda d: d.update(meta="people.csv"),
         'meta: expected an object or null, got a string "people.csv"'),
    ],
)
def test_a_damaged_manifest_key_is_named_and_ingest_rebuilds(corpus_dir, invoke, tmp_path, change, expected):
    edit(corpus_dir / "manifest.json", change)
    line = one_line_error(invoke("corpus", "info", "--corpus", corpus_dir),
                          "manifest.json is damaged (", expected, "re-run `feedcare ingest`")
    assert "Traceback" not in line
    result = invoke("ingest", tmp_path / "sources", "--corpus", corpus_dir, "--participant", "P01",
                    "--participant", "P02", "--text-column", "comment", "--id-column", "id", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["reread_reason"].startswith("the previous corpus was damaged")
    assert open_corpus(corpus_dir).manifest.counts.documents == 4


def test_tokens_json_of_another_version_or_damaged(corpus_dir, invoke):
    tokens = corpus_dir / "tokens.json"
    edit(tokens, lambda data: data.update(format_version=7))
    one_line_error(invoke("topics", "--corpus", corpus_dir, "--k", "2"),
                   f"{tokens}: tokens.json format version 7 is newer than feedcare", "reads (version 1)",
                   "upgrade feedcare", "re-run `feedcare tokens --force`")
    edit(tokens, lambda data: data.update(format_version=1, pruned={"before": 3}))
    one_line_error(invoke("topics", "--corpus", corpus_dir, "--k", "2"),
                   f"{tokens}: tokens.json is damaged (pruned.after: missing); "
                   "re-run `feedcare tokens --force`")
    # `feedcare tokens` rebuilds a tokens.json it cannot read, as the message says
    result = invoke("tokens", "--corpus", corpus_dir, "--no-below", 1, "--jobs", 1)
    assert result.exit_code == 0 and "Tokenised" in result.stderr
    assert TokensMeta.from_json(tokens).pruned.after > 0
