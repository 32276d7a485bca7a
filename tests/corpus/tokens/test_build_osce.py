"""Acceptance on the real OSCE transcripts (272 doctor–patient interviews, D:/P: turns)."""

from __future__ import annotations

import re

import pyarrow.parquet as pq
import pytest
from conftest import OSCE, needs
from feedcare.corpus import open_corpus
from feedcare.corpus.tokens.build import build_tokens
from feedcare.corpus.tokens.config import TokensConfig
from feedcare.corpus.tokens.tokenizer import load_stoplists
from helpers import build_corpus

pytestmark = needs(OSCE)

# Fillers named in the issue and common in these transcripts, whatever our lists say.
FILLERS = {
    "um",
    "umm",
    "uh",
    "uhm",
    "erm",
    "er",
    "mm",
    "mhm",
    "hmm",
    "yeah",
    "yep",
    "okay",
    "ok",
    "oh",
    "ah",
    "like",
    "alright",
    "right",
    "really",
    "just",
    "actually",
    "basically",
    "gonna",
    "cos",
    "innit",
    "mean",
    "guess",
    "kinda",
    "sorta",
    "well",
    "so",
    "yes",
    "no",
    "sure",
}
COLLOCATIONS = {
    "chest_pain",
    "blood_pressure",
    "shortness_breath",
    "sore_throat",
    "runny_nose",
    "heart_attack",
}


def _read(path):
    raw = path.read_bytes()
    text = raw.decode("utf-16") if raw[:2] in (b"\xff\xfe", b"\xfe\xff") else raw.decode("utf-8-sig")
    turns = []
    for line in text.replace("\r\n", "\n").split("\n"):
        match = re.match(r"\s*([DP]):\s*(.*)", line)
        if match:
            role = "interviewer" if match.group(1) == "D" else "participant"
            turns.append((match.group(1), role, match.group(2).strip()))
    return turns


def _osce_corpus(path, files):
    """Through `feedcare ingest` when it works, else a small local D:/P: parser."""
    try:
        from feedcare.corpus.ingest.pipeline import ingest

        source = path.parent / "src"
        source.mkdir()
        for file in files:
            (source / file.name).symlink_to(file)
        ingest([source], path)
        return open_corpus(path)
    except Exception:  # ingest is developed alongside; the parser keeps this test independent
        return open_corpus(build_corpus(path, {f.stem: _read(f) for f in files}))


@pytest.fixture(scope="module")
def osce(tmp_path_factory):
    corpus = _osce_corpus(tmp_path_factory.mktemp("osce") / "corpus", sorted(OSCE.glob("*.txt")))
    report = build_tokens(corpus, TokensConfig(), jobs=2)
    return corpus, report


def test_doctor_turns_are_excluded(osce):
    corpus, report = osce
    segments = corpus.segments(columns=["doc_id", "seg", "role"]).to_pylist()
    role = {(s["doc_id"], s["seg"]): s["role"] for s in segments}
    units = pq.read_table(corpus.tokens_path, columns=["doc_id", "seg_start", "seg_end"]).to_pylist()
    assert units
    assert all(role[(u["doc_id"], u["seg_start"])] == "participant" for u in units)
    assert all(role[(u["doc_id"], u["seg_end"])] == "participant" for u in units)
    assert report.summary.turns_excluded["interviewer"] > 10_000


def test_no_filler_or_stopword_among_the_50_most_frequent_tokens(osce):
    _corpus, report = osce
    top = [t.term for t in report.top_terms[:50]]
    assert len(top) == 50
    stop = load_stoplists(TokensConfig()).words
    assert not (set(top) & (stop | FILLERS)), set(top) & (stop | FILLERS)


def test_phrases_are_real_collocations(osce):
    _corpus, report = osce
    phrases = {p.phrase for p in report.phrases}
    assert len(phrases & COLLOCATIONS) >= 4, sorted(phrases)[:40]


def test_units_have_sensible_sizes(osce):
    _corpus, report = osce
    summary = report.summary
    assert summary.units_merged > 0.5 * summary.units  # one-line answers are merged
    sizes = pq.read_table(_corpus.tokens_path, columns=["n_tokens"])["n_tokens"].to_pylist()
    assert max(sizes) <= TokensConfig().max_tokens
    assert sorted(sizes)[len(sizes) // 2] >= 10


def test_jobs_1_and_2_identical_on_a_slice(tmp_path):
    files = sorted(OSCE.glob("*.txt"))[::12]  # includes the UTF-16 files' neighbours; ~23 interviews
    corpus = _osce_corpus(tmp_path / "corpus", files)
    config = TokensConfig(batch_size=300, max_tokens=20, min_tokens=5)  # many batches, real splits
    one = build_tokens(corpus, config, jobs=1)
    first = corpus.tokens_path.read_bytes()
    two = build_tokens(corpus, config, jobs=2, force=True)
    assert two.summary.jobs == 2 and one.summary.turns_split > 0
    assert corpus.tokens_path.read_bytes() == first
