"""`feedcare audit` over the 272 OSCE interview transcripts (real data), with reviewed findings.

Review (by hand, November 2025, on all 272 files, 26,613 turns):

- Without --names the audit finds NOTHING, and that is right. The transcripts are mock
  clinical interviews with standardised patients; they hold no e-mails, phones, NHS or NI
  numbers, postcodes, URLs or handles. The number-like text they do hold is exactly the kind
  of look-alike the detectors must leave alone, and they do: temperatures ("38.5", "100.1"),
  fractions and ranges ("1/2", "3/4", "15-20", "2-3"), clock times ("10:00", "1:00"),
  "A1C"/"O2"/"LT2", "1010", "COVID-19". No redaction markers are present.
- The simulated patients' first names are spoken in the interviews. With the names a team
  would know (Jen, Rob, Jessica, Scott) the audit reports 11 findings, all true: the doctor
  addressing the patient ("how old are you, J**?") or the patient introducing themselves
  ("my name is S****"). Each is listed in REVIEWED_NAMES below.
"""

from __future__ import annotations

import json

from conftest import OSCE, needs
from feedcare.corpus.base.errors import EXIT_FINDINGS, EXIT_OK

pytestmark = needs(OSCE)

NAMES = ("Jen", "Rob", "Jessica", "Scott")
# (document, turn, masked name) for every reviewed finding; all are genuine names.
REVIEWED_NAMES = [
    ("RES0001.txt", 2, "J**"),  # D: how old are you, Jen?
    ("RES0004.txt", 1, "S****"),  # P: my name is Scott
    ("RES0004.txt", 2, "S****"),  # D: Alright, um so Scott.
    ("RES0012.txt", 22, "J******"),  # D: Um, Jessica, so have you had any fevers
    ("RES0012.txt", 98, "J******"),  # D: do you smoke Jessica?
    ("RES0012.txt", 116, "J******"),  # D: what kind of work do you do Jessica?
    ("RES0013.txt", 0, "R**"),  # P: Hi, I'm Rob
    ("RES0013.txt", 1, "R**"),  # D: how old are you Rob?
    ("RES0013.txt", 73, "R**"),  # D: OK so Rob, is there anything
    ("RES0211.txt", 116, "J******"),  # D: thanks Jessica. So just to summarize
    ("RES0211.txt", 120, "J******"),  # D: Sounds good, thanks Jessica.
]


def test_osce_files_audit_clean(invoke):
    result = invoke("audit", OSCE, "--json")
    assert result.exit_code == EXIT_OK
    data = json.loads(result.stdout)
    assert (data["documents"], data["findings"], data["skipped"]) == (272, [], [])
    assert data["turns"] > 20_000


def test_osce_names_found_are_the_reviewed_ones(invoke, tmp_path):
    names = tmp_path / "names.txt"
    names.write_text("\n".join(NAMES) + "\n", encoding="utf-8")
    result = invoke("audit", OSCE, "--names", names, "--json")
    assert result.exit_code == EXIT_FINDINGS
    found = [(f["doc_id"], f["seg"], f["masked"]) for f in json.loads(result.stdout)["findings"]]
    assert found == REVIEWED_NAMES
    for name in NAMES:
        assert f" {name}" not in result.stdout  # masked everywhere, contexts included


def _osce_corpus(path):
    """The OSCE corpus, built by `feedcare ingest` when it exists, else by a small parser."""
    try:
        from feedcare.corpus.ingest.pipeline import ingest
    except ImportError:
        ingest = None
    if ingest is not None:
        ingest([OSCE], path)
        return path
    from feedcare.corpus.readers import read_transcript
    from helpers import build_corpus

    docs = {}
    for file in sorted(OSCE.glob("*.txt")):
        turns = read_transcript(file).turns
        docs[file.stem] = [(t.speaker, "participant" if t.speaker == "P" else "interviewer", t.text)
                           for t in turns]
    return build_corpus(path, docs)


def test_osce_corpus_audits_clean(invoke, tmp_path):
    corpus = _osce_corpus(tmp_path / "osce")
    result = invoke("audit", "--corpus", corpus)
    assert result.exit_code == EXIT_OK
    assert "No residual identifiers found in 272 documents." in result.stderr
