"""The package installs under the feedcare namespace and the CLI answers."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import feedcare

ROOT = Path(__file__).resolve().parents[1]


def test_version_flag(invoke):
    result = invoke("--version")
    assert result.exit_code == 0
    assert result.output.strip() == f"feedcare {feedcare.__version__}"


def test_python_dash_m_feedcare_runs_the_cli():
    proc = subprocess.run(
        [sys.executable, "-m", "feedcare", "--version"], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("feedcare ")


def test_help_lists_the_pipeline(invoke):
    result = invoke("--help")
    assert result.exit_code == 0
    assert "ingest" in result.output


def test_wheel_installs_only_the_feedcare_namespace(tmp_path):
    """cli/, corpus/ and topics/ must land as feedcare.cli etc., never as bare packages."""
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "--no-build-isolation",
         "-q", "-w", str(tmp_path)],
        capture_output=True, text=True, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    (wheel,) = tmp_path.glob("feedcare-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    top_levels = {name.split("/")[0] for name in names}
    assert top_levels == {"feedcare", f"{wheel.name.split('-')[0]}-{wheel.name.split('-')[1]}.dist-info"}
    assert "feedcare/cli/__init__.py" in names
    # every source module and data file of the tree, so a sub-package left out of pyproject fails here
    expected = {
        "feedcare/" + str(path.relative_to(ROOT))
        for folder in ("cli", "corpus", "topics")
        for path in (ROOT / folder).rglob("*")
        if path.is_file() and path.suffix in (".py", ".txt") and "__pycache__" not in path.parts
    }
    assert expected <= set(names), sorted(expected - set(names))


PROBE = "import importlib.util as u; print([u.find_spec(m) for m in ('cli', 'corpus', 'topics')])"


def test_bare_module_names_are_not_importable():
    proc = subprocess.run(
        [sys.executable, "-c", PROBE],
        capture_output=True, text=True, check=True, cwd="/",
    )
    assert proc.stdout.strip() == "[None, None, None]"
