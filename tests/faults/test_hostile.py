"""A hostile-input corpus through every command and every export (issue 14, acceptance).

One source folder holds every case of the issue: escape sequences and bidi overrides in the
text, identifiers in file names and Word's non-breaking spaces in numbers, a zip bomb with a
falsified header, a .docx with an external entity, a file name that is not UTF-8, a broken
link, an empty and a binary file, a 600 KB transcript on one line; feedcare.toml is saved with a
byte-order mark. Every command and export runs on it as a user would (a subprocess, output not
a terminal) and must: exit with a documented code, print no traceback and at most one "Error:"
line, and let no control character reach the terminal or a rendered file.
"""

from __future__ import annotations

import json
import os
import subprocess
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import pytest
from fault_tools import Ours, write_interviews
from hostile_files import falsified_bomb, with_external_entity

pytestmark = pytest.mark.slow

DOCUMENTED = {0, 1, 2, 3, 4, 5}
CONTROLS = {chr(c) for c in [*range(0x00, 0x09), *range(0x0B, 0x20), 0x7F, *range(0x80, 0xA0)]}
BIDI = {chr(c) for c in [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]}
ESCAPES = "\x1b[2J\x1b]0;pwned\x07"
TOML = """\ufeff# saved by Notepad as "UTF-8 with BOM"
[ingest]
participants = ["Jen"]
[tokens]
no_below = 2
[topics]
k = "2:3"
seeds = 2
passes = 2
"""


def _docx(path: Path, paragraphs: list[str]) -> Path:
    import docx

    document = docx.Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    document.save(path)
    return path


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    src = write_interviews(root / "src", 24, seed=9)  # enough ordinary text to fit topics on
    # A few escape sequences in an ordinary transcript (a file made mostly of them is "binary").
    ordinary = (src / "P000.txt").read_text(encoding="utf-8")
    (src / "P900 esc.txt").write_text(
        f"Interviewer: {ESCAPES}How was the ward?\n"
        f"Jen: The nurse\x1b[31m was kind \u202eand the\u202c waiting queue was long\x9b1m. "
        "Call me on 07700\u00a0900123 or NHS:943 476 5919.\x08\x08\n" + ordinary, encoding="utf-8")
    (src / "P901 07700 900456.txt").write_text(
        "Interviewer: And you?\nP901: The parking ticket machine was broken again.\n", encoding="utf-8")
    (src / "P902 one line.txt").write_text(
        "P902: " + "The pharmacy dose of my tablets was late and the nurse explained it. " * 8_000,
        encoding="utf-8")
    seed = _docx(root / "seed.docx", ["Interviewer: hi", "P903: the meal tray was cold"])
    falsified_bomb(seed, src / "P903 bomb.docx", 300 * 1024 * 1024, crc_of_prefix=False)
    with_external_entity(_docx(root / "good.docx", ["P904: secret XXE end"]), src / "P904 entity.docx", "XXE")
    (src / "P905 empty.txt").write_text("")
    (src / "P906 image.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(200))
    (src / "P907 gone.txt").symlink_to(root / "nowhere.txt")
    try:
        with open(os.fsencode(src) + b"/P908 P\xe9rez.txt", "w", encoding="utf-8") as handle:
            handle.write("Interviewer: hi\nP908: fine.\n")
    except (OSError, ValueError):
        pass  # a file system that refuses such names: the case cannot arise there
    (root / "feedcare.toml").write_text(TOML, encoding="utf-8")
    (root / "names.txt").write_text("Jen\n", encoding="utf-8")
    return root


def _check(run, what: str, files: tuple[Path, ...] = ()) -> None:
    assert run.returncode in DOCUMENTED, f"{what}: exit {run.returncode}\n{run.stderr}"
    assert "Traceback" not in run.stderr and "Exception ignored" not in run.stderr, f"{what}: {run.stderr}"
    errors = [line for line in run.stderr.splitlines() if line.startswith("Error")]
    assert len(errors) <= 1, f"{what}: {run.stderr}"
    forbidden = CONTROLS | BIDI  # JSON output too: it writes them as \uXXXX escapes
    for name, text in [("stdout", run.stdout), ("stderr", run.stderr),
                       *((str(f), f.read_text(encoding="utf-8")) for f in files)]:
        found = sorted({repr(ch) for ch in text if ch in forbidden})
        assert not found, f"{what}: {name} carries control characters {found}"


def test_every_command_and_export_on_a_hostile_corpus(hostile):
    ours = Ours(hostile)
    out = hostile / "out"
    out.mkdir()

    run = ours.run("ingest", "src", "--corpus", "c", check=False)
    _check(run, "ingest")
    assert run.returncode == 3  # skipped inputs, named; the rest ingested
    for name in ("P903 bomb.docx", "P904 entity.docx", "P905 empty.txt", "P906 image.txt", "P907 gone.txt"):
        assert name in run.stdout, name
    assert "does not match its header" in run.stdout and "declares XML entities" in run.stdout

    # --limit 300: past the escapes of P900 and into P902's one line (its 8,000 matches are in --json)
    for args in (("corpus", "info"), ("audit",), ("kwic", "nurse", "--limit", "300"),
                 ("kwic", "queue", "--by", "speaker"),
                 ("runs", "list")):
        _check(ours.run(*args, "--corpus", "c", check=False), " ".join(args))
    _check(ours.run("audit", "src", check=False), "audit SOURCE")
    audit = ours.run("audit", "--corpus", "c", "--names", "names.txt", "--json", check=False)
    _check(audit, "audit --json")
    kinds = {(f["field"], f["kind"]) for f in json.loads(audit.stdout)["findings"]}
    assert {("text", "phone"), ("text", "nhs_number"), ("doc_id", "phone"), ("text", "name")} <= kinds

    run = ours.run("kwic", "nurse", "--corpus", "c", "--limit", "300", "--csv", out / "kwic.csv", check=False)
    _check(run, "kwic --csv", files=(out / "kwic.csv",))
    _check(ours.run("kwic", "nurse", "--corpus", "c", "--json", check=False), "kwic --json")

    run = ours.run("audit", "--corpus", "c", "--names", "names.txt", "--redact", "redacted",
                   "--key", hostile / "key.json", check=False)
    _check(run, "audit --redact")
    assert ours.run("audit", "--corpus", "redacted", "--names", "names.txt", check=False).returncode == 0

    run = ours.run("tokens", "--corpus", "c", "--jobs", "2", check=False)  # the 600 KB line included
    _check(run, "tokens")
    assert run.returncode == 0
    run = ours.run("topics", "--corpus", "c", "--jobs", "2", "--run-id", "h1", check=False)
    _check(run, "topics")
    assert run.returncode == 0
    views = (("runs", "list"), ("runs", "show", "h1"), ("themes", "h1"), ("themes", "h1", "--by", "source"))
    for args in views:
        _check(ours.run(*args, "--corpus", "c", check=False), " ".join(args))
    for fmt in ("csv", "md", "html"):
        target = out / f"themes.{fmt}"
        run = ours.run("themes", "h1", "--corpus", "c", "--excerpts", "10", "--out", target, check=False)
        _check(run, f"themes --out .{fmt}", files=(target,))
    run = ours.run("themes", "h1", "--corpus", "c", "--format", "json", check=False)
    _check(run, "themes --format json")
    for target, extra in ((out / "project.qdpx", ()), (out / "codes.qdc", ("--codebook",))):
        run = ours.run("themes", "h1", "--corpus", "c", "--out", target, *extra, check=False)
        _check(run, f"themes --out {target.name}")
        assert run.returncode == 0
    with zipfile.ZipFile(out / "project.qdpx") as archive:
        for name in archive.namelist():
            if name.endswith((".qde", ".xml")):
                ElementTree.fromstring(archive.read(name))  # well-formed XML, whatever the input held
    ElementTree.fromstring((out / "codes.qdc").read_bytes())
    run = ours.run("themes", "h1", "--corpus", "c", "--out", out / "x.qdpx", "--format", "csv", check=False)
    _check(run, "themes --out x.qdpx --format csv")
    assert run.returncode == 2 and not (out / "x.qdpx").exists()


@pytest.mark.parametrize(("toml", "message"), [
    ("[topics]\nalpha = inf\n", "[topics] alpha must be a finite number"),
    ("[topics]\neta = 1e308\n", "[topics] eta must be one of"),
    ("[ingest]\nmax_file_mb = 1e308\n", "[ingest] max_file_mb must be at most"),
    ("[tokens]\nno_above = nan\n", "[tokens] no_above must be a finite number"),
])
def test_hostile_settings_are_one_line_errors(tmp_path, toml, message):
    write_interviews(tmp_path / "src", 3, seed=1)
    (tmp_path / "feedcare.toml").write_text(toml, encoding="utf-8")
    ours = Ours(tmp_path)
    command = "ingest" if "[ingest]" in toml else "tokens" if "[tokens]" in toml else "topics"
    args = ("ingest", "src") if command == "ingest" else (command,)
    run = ours.run(*args, "--corpus", "c", check=False)
    _check(run, toml)
    assert run.returncode == 2 and message in run.stderr, run.stderr


def test_the_cli_runs_without_a_terminal_and_without_fcntl(tmp_path):
    """The whole CLI starts where fcntl does not exist (Windows), and reports, not crashes."""
    code = "import sys; sys.modules['fcntl'] = None; from feedcare.cli import main; main()"
    python = Ours(tmp_path).command()[0]
    proc = subprocess.run([python, "-c", code, "corpus", "info", "--corpus", "nowhere"],
                          capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 4 and proc.stderr.startswith("Error: nowhere: no corpus here"), proc.stderr
