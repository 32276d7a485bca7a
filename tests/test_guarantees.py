"""docs/guarantees.md and the README's promises, checked as written.

Each guarantee in docs/guarantees.md names the tests that check it; the first test here fails
when a named test does not exist, so the page cannot promise what nothing checks. The README's
reproducibility sentences are tested word for word by the last test.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from fault_tools import write_interviews
from feedcare.corpus.base import errors

ROOT = Path(__file__).resolve().parents[1]
GUARANTEES = ROOT / "docs" / "guarantees.md"
README = ROOT / "README.md"


def _guarantees() -> dict[str, str]:
    """G-number → its paragraph."""
    text = GUARANTEES.read_text(encoding="utf-8")
    parts = re.split(r"^- \*\*(G\d+)\.", text, flags=re.M)
    return {parts[i]: parts[i + 1].split("\n- **")[0].split("\n## ")[0] for i in range(1, len(parts), 2)}


def _functions(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)}


def test_every_guarantee_names_tests_that_exist():
    guarantees = _guarantees()
    assert len(guarantees) >= 13
    for number, paragraph in guarantees.items():
        named = re.findall(r"`(tests/[\w/]+\.py)::(\w+)`", paragraph)
        assert named, f"{number} names no test"
        for file, function in named:
            assert (ROOT / file).is_file(), f"{number}: {file} does not exist"
            assert function in _functions(ROOT / file), f"{number}: {file}::{function} does not exist"


def _exit_codes(text: str, heading: str) -> set[int]:
    """The codes of the first table after ``heading``."""
    rows: list[str] = []
    for line in text.split(heading, 1)[1].splitlines():
        if line.lstrip().startswith("|"):
            rows.append(line)
        elif rows:
            break
    return {int(m[1]) for row in rows if (m := re.match(r"\s*\|\s*(\d+)\s*\|", row))}


def test_the_exit_code_tables_agree_with_the_code():
    constants = {value for name, value in vars(errors).items() if name.startswith("EXIT_")}
    documented = _exit_codes(GUARANTEES.read_text(encoding="utf-8"), "## Exit codes\n")
    in_readme = _exit_codes(README.read_text(encoding="utf-8"), "- **Exit codes**\n")
    assert documented == in_readme == constants


def _parquet(corpus: Path) -> dict[str, bytes]:
    return {str(p.relative_to(corpus)): p.read_bytes() for p in sorted(corpus.rglob("*.parquet"))}


@pytest.mark.slow
def test_the_readme_reproducibility_promise(invoke, tmp_path, monkeypatch):
    """README: "the same inputs, settings and seed give byte-identical data files: every Parquet
    file of the corpus, its tokens and its topic runs, whatever `--jobs` is", and "`--jobs 1`
    and `--jobs 8` give byte-identical Parquet files". docs/guarantees.md G12 and G13."""
    readme = " ".join(README.read_text(encoding="utf-8").split())
    assert ("the same inputs, settings and seed give byte-identical data files: every Parquet file of "
            "the corpus, its tokens and its topic runs, whatever `--jobs` is") in readme
    assert "so `--jobs 1` and `--jobs 8` give byte-identical Parquet files" in readme

    exports = ("csv", "md", "json", "html", "qdpx")
    results = {}
    for name, jobs in (("one", "1"), ("eight", "8")):
        folder = tmp_path / name
        write_interviews(folder / "src", 30, seed=11)  # the same inputs in each folder
        monkeypatch.chdir(folder)
        assert invoke("ingest", "src", "--corpus", "c").exit_code == 0
        assert invoke("tokens", "--corpus", "c", "--jobs", jobs).exit_code == 0
        topics = ("--k", "2:3", "--seeds", "2", "--passes", "2", "--run-id", "readme", "--jobs", jobs)
        assert invoke("topics", "--corpus", "c", *topics).exit_code == 0
        files = {}
        for fmt in exports:
            first, second = folder / f"a.{fmt}", folder / f"b.{fmt}"
            for out in (first, second):
                assert invoke("themes", "readme", "--corpus", "c", "--out", out).exit_code == 0
            assert first.read_bytes() == second.read_bytes(), f"exporting one run twice: {fmt} differs"
            files[fmt] = first.read_bytes()
        results[name] = (_parquet(folder / "c"), files)

    (parquet_one, exports_one), (parquet_eight, exports_eight) = results["one"], results["eight"]
    # documents, segments; tokens, vocabulary; the run's four files, three per fit (2 k × 2 seeds),
    # and the themes.parquet `feedcare themes` writes into the run
    assert len(parquet_one) == 2 + 2 + 4 + 4 * 3 + 1
    assert parquet_one.keys() == parquet_eight.keys()
    different = [name for name in parquet_one if parquet_one[name] != parquet_eight[name]]
    assert different == [], f"--jobs 1 and --jobs 8 differ in {different}"
    for fmt in ("csv", "md", "json", "html"):
        assert exports_one[fmt] == exports_eight[fmt], f"{fmt} of two runs with the same --run-id differ"
