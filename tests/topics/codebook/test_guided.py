"""Guided topics on planted data: the codes' topics are found again, a code left out of the codebook
shows up among the free topics, and the run's .qdpx codes the data with the researcher's codes."""

from __future__ import annotations

import json
import zipfile

import numpy as np
import pytest
from conftest import REFI_XSD, needs
from feedcare.corpus import open_corpus
from feedcare.topics import TopicsConfig, build_themes, fit_topics, open_run
from feedcare.topics.codebook.readers import read_codebook
from feedcare.topics.codebook.seeds import plan_guidance
from feedcare.topics.exports.qdpx import write_qdpx
from topics_fixtures import jaccard

LEFT_OUT = 4  # the planted topic the codebook does not name


def _names_codebook(path, truth):
    """Codes named after two of their planted topic's words (no seed terms: derived from the names);
    planted topic 4 is left out; one code whose name the corpus never uses."""
    lines = ["code,description"]
    lines += [f'"Theme {t}: {truth[t][0]} and {truth[t][1]}",' for t in range(4)]
    lines.append('"Zebras",striped animals')
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return read_codebook(path)


@pytest.mark.parametrize("engine", ["tomotopy", "gensim"])
def test_guiding_with_the_planted_names_recovers_them_and_frees_the_one_left_out(tmp_path, planted, engine):
    corpus, truth = planted
    book = _names_codebook(tmp_path / "codes.csv", truth)
    guidance = plan_guidance(open_corpus(corpus), book, free=1)
    assert [c.seeds for c in guidance.guided] == [[truth[t][0], truth[t][1]] for t in range(4)]
    zebra = guidance.codes[-1]
    assert zebra.topic is None and "zebra" in (zebra.reason or "")
    assert zebra.missing == ["zebra", "stripe", "animal"]  # lemmas, as the corpus's tokens stage makes them
    report = fit_topics(corpus, TopicsConfig(engine=engine, seeds=1), run_id=engine, jobs=1,
                        guidance=guidance)
    topics = report.chosen_topics
    assert len(topics) == 5
    guided = [jaccard(topics[t], truth[t]) for t in range(4)]  # topic t is the code of planted topic t
    assert np.mean(guided) >= 0.8 and min(guided) >= 0.6, guided
    assert jaccard(topics[4], truth[LEFT_OUT]) >= 0.6, topics[4]  # the free topic found what was left out
    recorded = json.loads((corpus / "runs" / engine / "run.json").read_text())
    assert recorded["codebook"]["sha256"] == book.sha256
    assert recorded["codebook"]["codes"][0]["seeds"] == [truth[0][0], truth[0][1]]
    assert recorded["engine"]["settings"]["guidance"]["seed_topics"][3] == [truth[3][0], truth[3][1]]


def test_a_guided_run_is_byte_identical_on_rerun(tmp_path, planted):
    corpus, truth = planted
    guidance = plan_guidance(open_corpus(corpus), _names_codebook(tmp_path / "codes.csv", truth), free=1)
    for run_id in ("a", "b"):
        fit_topics(corpus, TopicsConfig(engine="tomotopy", seeds=1), run_id=run_id, jobs=1, guidance=guidance)
    for name in ("topics.parquet", "doc_topics.parquet", "topic_measures.parquet"):
        assert (corpus / "runs" / "a" / name).read_bytes() == (corpus / "runs" / "b" / name).read_bytes()


QDC = """<?xml version="1.0" encoding="utf-8"?>
<CodeBook xmlns="urn:QDA-XML:codebook:1.0" origin="test"><Codes>
<Code guid="{{6A0F3C2E-1B4D-4C5E-9F60-7A8B9C0D1E2F}}" name="Framework" isCodable="false">
  <Description>A parent code.</Description>
  <Code guid="7b1a4d3f-2c5e-4d6f-8a71-8b9cad0e1f3a" name="{a}" isCodable="true" color="#336699"/>
  <Code guid="8c2b5e4a-3d6f-4e7a-9b82-9cadbe1f2a4b" name="{b}" isCodable="true">
    <Description>Described.</Description>
  </Code>
</Code>
<Code guid="9d3c6f5b-4e7a-4f8b-8c93-adbecf2a3b5c" name="Unused code" isCodable="true"/>
</Codes></CodeBook>
"""


@needs(REFI_XSD)
def test_a_guided_qdpx_keeps_the_codebook_guids_and_hierarchy_and_validates(tmp_path, planted):
    import xmlschema

    corpus, truth = planted
    qdc = tmp_path / "framework.qdc"
    qdc.write_text(QDC.format(a=truth[0][0], b=truth[1][0]), encoding="utf-8")
    original = read_codebook(qdc)
    guidance = plan_guidance(open_corpus(corpus), original, free=2)
    assert [c.name for c in guidance.guided] == [truth[0][0], truth[1][0]]
    config = TopicsConfig(engine="tomotopy", seeds=1)
    fit_topics(corpus, config, run_id="framework", jobs=1, guidance=guidance)
    result = build_themes(corpus, open_run(corpus, "framework"))
    labels = {t.topic: t.label for t in result.themes}
    assert labels[0] == truth[0][0] and labels[1] == truth[1][0]
    assert labels[2].startswith("Free topic 1: ") and labels[3].startswith("Free topic 2: ")
    out = tmp_path / "guided.qdpx"
    write_qdpx(result, out)
    raw = zipfile.ZipFile(out).read("project.qde").decode("utf-8")
    xmlschema.XMLSchema(str(REFI_XSD)).validate(raw)
    back = read_codebook(out)
    kept = {c.guid: c for c in back.codes}
    for code in original.codes:  # every code of the framework, with its GUID, parent and description
        assert kept[code.guid].name == code.name and kept[code.guid].parent == code.parent
        assert kept[code.guid].description == code.description and kept[code.guid].codable == code.codable
    free_parent = next(c for c in back.codes if c.name == "feedcare free topics")
    assert [c.name for c in back.children(free_parent.guid)] == [labels[2], labels[3]]
    assert raw.count("Described.") == 1  # the researcher's description once, not again in the run's facts
    # the units are coded with the researcher's codes (their GUIDs), not new ones
    assert raw.count('targetGUID="7b1a4d3f-2c5e-4d6f-8a71-8b9cad0e1f3a"') > 10
    # and the researcher's codes in it guide a new run with the same seeds as the original did (the run's
    # facts appended to a description are not read as seed words)
    again = plan_guidance(open_corpus(corpus), back, free=2)
    ours = {c.guid for c in original.codes}
    assert [(c.guid, c.seeds) for c in again.guided if c.guid in ours] == [
        (c.guid, c.seeds) for c in guidance.guided]


def test_seed_terms_from_a_csv_survive_the_export_and_free_topics_come_back_named_by_their_terms(tmp_path,
                                                                                                  planted):
    corpus, truth = planted
    book = tmp_path / "codes.csv"
    book.write_text(f"code,description,seeds\nWaits,About waiting.,{truth[0][0]}; {truth[0][1]}; zebra\n",
                    encoding="utf-8")
    guidance = plan_guidance(open_corpus(corpus), read_codebook(book), free=1)
    fit_topics(corpus, TopicsConfig(engine="tomotopy", seeds=1), run_id="csv", jobs=1, guidance=guidance)
    out = tmp_path / "codes.qdpx"
    write_qdpx(build_themes(corpus, open_run(corpus, "csv")), out)
    back = read_codebook(out)
    waits = next(c for c in back.codes if c.name == "Waits")
    assert waits.description == "About waiting." and waits.seeds == (truth[0][0], truth[0][1], "zebra")
    free = [c for c in back.codes if c.name.startswith("Free topic 1: ")]
    assert len(free) == 1 and free[0].description == "" and free[0].seeds == ()
