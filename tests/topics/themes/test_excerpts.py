"""topics/themes/excerpts.py: participant-only excerpts, whole sentences, the question as context.

The project of tests/themes_fixtures.py is built with ``across_questions``: interviewers ask
leading questions full of the planted terms, and each unit merges two answers around such a
question, so an excerpt window over the unit's span would quote (and highlight) the question.
"""

from __future__ import annotations

import html
import json
import re
import xml.etree.ElementTree as ET
import zipfile

import pytest
from feedcare.corpus import open_corpus
from feedcare.topics.themes.excerpts import question_context, sentences, trim_sentences
from themes_fixtures import LEADING_QUESTIONS, build_project

SENTENCE_END = re.compile(r"[.!?…][\"'”’)\]]*$")


@pytest.fixture
def project(tmp_path):
    return build_project(tmp_path, across_questions=True)


def _turns(corpus_dir):
    segments = open_corpus(corpus_dir).segments().to_pylist()
    participant = [s for s in segments if s["role"] == "participant"]
    interviewer = [s for s in segments if s["role"] == "interviewer"]
    return participant, interviewer


def _in_participant_turn(text: str, participant) -> bool:
    text = " ".join(text.split())
    return any(text in " ".join(s["text"].split()) for s in participant)


def test_units_in_the_fixture_really_span_questions(project):
    units = [
        r for b in open_corpus(project.corpus).iter_tokens(["seg_start", "seg_end"]) for r in b.to_pylist()
    ]
    assert any(u["seg_end"] - u["seg_start"] >= 2 for u in units)


def test_json_excerpts_are_participant_speech_in_whole_sentences(invoke, project):
    data = json.loads(
        invoke("themes", "latest", "--corpus", project.corpus, "--json", "--excerpts", "8").stdout
    )
    participant, interviewer = _turns(project.corpus)
    texts = open_corpus(project.corpus).texts(sorted({e["doc_id"] for e in data["excerpts"]}))
    assert len(data["excerpts"]) == 24
    for e in data["excerpts"]:
        text = texts[e["doc_id"]]
        assert text[e["char_start"] : e["char_end"]] == e["text"]
        for s in interviewer:  # not one character from an interviewer turn
            if s["doc_id"] == e["doc_id"]:
                assert e["char_end"] <= s["char_start"] or e["char_start"] >= s["char_end"], e
        turn = next(s for s in participant if s["doc_id"] == e["doc_id"] and s["seg"] == e["seg_start"])
        assert turn["char_start"] <= e["char_start"] <= e["char_end"] <= turn["char_end"]
        # Sentence boundaries: the turn's start or a sentence end before; the turn's end or a sentence end.
        before = text[turn["char_start"] : e["char_start"]].rstrip()
        assert not before or SENTENCE_END.search(before), e["text"]
        assert e["char_end"] == turn["char_end"] or SENTENCE_END.search(e["text"]), e["text"]
        # The question is the interviewer turn before it, as context.
        asked = [s for s in interviewer if s["doc_id"] == e["doc_id"] and s["seg"] < e["seg_start"]]
        assert e["question"] == asked[-1]["text"] and e["question_seg"] == asked[-1]["seg"]
        assert e["question"] not in e["text"]


def test_every_export_quotes_participants_only_and_shows_the_question_apart(invoke, project, tmp_path):
    participant, _ = _turns(project.corpus)
    corpus = ("--corpus", project.corpus, "--excerpts", "8")
    questions = set(LEADING_QUESTIONS)

    csv_out = invoke("themes", "latest", *corpus, "--format", "csv").stdout
    import csv
    import io

    rows = list(csv.DictReader(io.StringIO(csv_out)))
    assert rows and all(_in_participant_turn(r["text"], participant) for r in rows)
    assert {r["question"] for r in rows} <= questions

    md = invoke("themes", "latest", *corpus, "--format", "md").stdout
    quoted = [line[2:] for line in md.splitlines() if line.startswith("> ") and not line.startswith("> —")]
    assert len(quoted) == 24
    for line in quoted:
        plain = re.sub(r"\\(.)", r"\1", line.replace("**", "")).removeprefix("… ").removesuffix(" …")
        assert _in_participant_turn(plain, participant), line
    assert md.count("*Interviewer (turn ") == 24

    page = tmp_path / "report.html"
    assert invoke("themes", "latest", *corpus, "--out", page).exit_code == 0
    source = page.read_text(encoding="utf-8")
    blocks = re.findall(r"<blockquote[^>]*>(.*?)<footer>", source, re.S)
    assert len(blocks) == 24
    for block in blocks:
        plain = html.unescape(re.sub(r"<[^>]+>", "", block)).removeprefix("… ").removesuffix(" …")
        assert _in_participant_turn(plain, participant), block
    assert len(re.findall(r'<p class="question">', source)) == 24

    archive = tmp_path / "project.qdpx"
    assert invoke("themes", "latest", *corpus, "--out", archive).exit_code == 0
    with zipfile.ZipFile(archive) as z:
        root = ET.fromstring(z.read("project.qde"))
        ns = {"q": "urn:QDA-XML:project:1.0"}
        cuts = 0
        for src in root.iterfind("q:Sources/q:TextSource", ns):
            text = z.read(f"sources/{src.get('guid')}.txt").decode("utf-8")
            for sel in src.iterfind("q:PlainTextSelection", ns):
                cut = text[int(sel.get("startPosition")) : int(sel.get("endPosition"))]
                assert _in_participant_turn(cut, participant), cut
                cuts += 1
        assert cuts >= 24

    table = invoke("themes", "latest", *corpus, env={"COLUMNS": "2000"}).stdout
    quotes = re.findall(r"“(.*?)”", table)
    assert len(quotes) == 24
    for quote in quotes:
        assert _in_participant_turn(quote.removeprefix("… ").removesuffix(" …"), participant), quote
    assert table.count("Interviewer (turn ") == 24


def test_comments_show_no_turns_and_no_spread(invoke, tmp_path):
    from themes_fixtures import SENTENCES

    comments = {f"c{i:02d}": [(None, "participant", SENTENCES[i % 3][i % 3])] for i in range(12)}
    project = build_project(tmp_path, extra_docs=comments, n_participants=0)
    md = invoke("themes", "latest", "--corpus", project.corpus, "--format", "md").stdout
    assert "turn" not in md and "spread" not in md
    table = invoke("themes", "latest", "--corpus", project.corpus).stdout
    assert "turn 1" not in table and "Spread" not in table


def test_trim_sentences_keeps_whole_sentences_with_most_matches():
    text = "It was fine. The nurse was kind and the nurse listened. We left at noon. The end."
    matches = [(m.start(), m.end()) for m in re.finditer("nurse", text)]
    start, end = trim_sentences(text, 0, len(text), matches, 45)
    assert text[start:end] == "The nurse was kind and the nurse listened."
    start, end = trim_sentences(text, 0, len(text), matches, 60)
    # Ties in matches go to the longer window: more context for the reader.
    assert text[start:end] == "The nurse was kind and the nurse listened. We left at noon."
    assert trim_sentences(text, 0, len(text), [], 500) == (0, len(text))


def test_one_long_sentence_falls_back_to_word_boundaries():
    text = "word " * 40 + "nurse " + "word " * 40
    start, end = trim_sentences(text, 0, len(text), [(200, 205)], 60)
    assert end - start <= 60 and "nurse" in text[start:end]
    assert text[start - 1] == " " and text[end] == " "


def test_sentences_split_on_ends_and_line_breaks():
    text = 'She said "Wait." Then\nwe left! Did we? Yes'
    assert [text[s:e] for s, e in sentences(text, 0, len(text))] == [
        'She said "Wait."',
        "Then",
        "we left!",
        "Did we?",
        "Yes",
    ]


def test_long_questions_keep_their_last_sentences():
    question = "Thanks for coming today, it is lovely to see you. " * 6 + "How was the wait?"
    shown = question_context(question, 80)
    assert shown.startswith("… ") and shown.endswith("How was the wait?") and len(shown) <= 82
    assert question_context("How was it?", 80) == "How was it?"
