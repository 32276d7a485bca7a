"""CITATION.cff: the file the methods statement cites stays in step with the package.

Validated against the CFF 1.2.0 schema with `cffconvert --validate` when written (not a test
dependency); this checks what can drift: the format line, the required keys and the version.
"""

from __future__ import annotations

import re

from conftest import ROOT


def test_citation_cff_names_the_installed_version():
    from feedcare import __version__

    text = (ROOT / "CITATION.cff").read_text(encoding="utf-8")
    assert text.startswith("cff-version: 1.2.0\n")
    for key in ("message", "title", "authors", "version", "type"):
        assert re.search(rf"^{key}:", text, re.M), key
    assert re.search(rf'^version: "{re.escape(__version__)}"$', text, re.M)
