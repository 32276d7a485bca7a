"""kill -9 at random points of ingest, tokens and topics (issue 14, acceptance).

After each kill: no process of the command survives (workers included), the files are the
previous state or the new complete one (never a mix), and a rerun gives the bytes of an
uninterrupted run and leaves no temporary file behind. The kill points are drawn from the
duration of the uninterrupted run with a seeded generator (FEEDCARE_FAULT_SEED, default 14);
a failure message names the point.
"""

from __future__ import annotations

import os
import random
import shutil
from pathlib import Path

import pytest
from fault_tools import Ours, leftovers, manifest_without_times, snapshot, write_interviews

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("proc_available")]

SEED = int(os.environ.get("FEEDCARE_FAULT_SEED", "14"))
KILLS = 2  # kill points per command
CORPUS_FILES = ("documents.parquet", "segments.parquet")
TOKEN_FILES = ("tokens.parquet", "vocabulary.parquet", "tokens.json")
RUN_FILES = ("topics.parquet", "doc_topics.parquet", "topic_measures.parquet", "sweep.parquet")
TOPICS_ARGS = ("--k", "2", "--seeds", "2", "--passes", "2", "--jobs", "2", "--run-id", "r1")
TOKENS_B = "[tokens]\nmin_tokens = 30\nno_below = 3\n"  # the rebuild that gets killed


class State:
    """The reference: every stage run once, uninterrupted, with copies to start the kills from."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.v1 = write_interviews(root / "v1", 120, seed=1)
        self.v2 = root / "v2"
        shutil.copytree(self.v1, self.v2)
        write_interviews(root / "changed", 30, seed=2)  # 30 files re-written with other words
        for path in sorted((root / "changed").iterdir())[:20]:
            shutil.copy(path, self.v2 / path.name)
        for path in sorted((root / "changed").iterdir())[20:]:
            shutil.copy(path, self.v2 / f"N{path.name}")
        (root / "tokens-b.toml").write_text(TOKENS_B, encoding="utf-8")
        work = root / "ref"
        work.mkdir()
        ours = Ours(work)
        self.seconds = {}
        first = ours.run("ingest", self.v1, "--corpus", "c").seconds
        shutil.copytree(work / "c", root / "after-v1")
        self.seconds["ingest"] = max(first, ours.run("ingest", self.v2, "--corpus", "c").seconds)
        self.corpus_v1 = snapshot(root / "after-v1", CORPUS_FILES)
        self.corpus_v2 = snapshot(work / "c", CORPUS_FILES)
        self.manifest_v2 = manifest_without_times(work / "c")
        ours.run("tokens", "--corpus", "c", "--jobs", "2")
        shutil.copytree(work / "c", root / "after-tokens-a")
        self.tokens_a = snapshot(work / "c", TOKEN_FILES)
        self.seconds["tokens"] = ours.run("tokens", "--corpus", "c", "--jobs", "2", "--config",
                                          root / "tokens-b.toml").seconds
        self.tokens_b = snapshot(work / "c", TOKEN_FILES)
        shutil.copytree(work / "c", root / "after-tokens-b")
        self.seconds["topics"] = ours.run("topics", "--corpus", "c", *TOPICS_ARGS).seconds
        self.run = snapshot(work / "c" / "runs" / "r1", RUN_FILES)

    def start_from(self, name: str, target: Path) -> Path:
        shutil.copytree(self.root / name, target / "c")
        return target


@pytest.fixture(scope="module")
def state(tmp_path_factory, proc_available):
    return State(tmp_path_factory.mktemp("faults"))


def kill_points(name: str, seconds: float) -> list[float]:
    rng = random.Random(f"{SEED}-{name}")
    return sorted(round(rng.uniform(0.15, 0.9) * seconds, 2) for _ in range(KILLS))


def _check_after_kill(ours: Ours, where: str) -> None:
    survivors = ours.wait_none_alive(10)
    assert not survivors, f"{where}: processes outlived the kill: {survivors}"


def _listing(folder: Path) -> list[tuple[str, int]]:
    return sorted((str(p.relative_to(folder)), p.stat().st_size) for p in folder.rglob("*") if p.is_file())


def test_kill_9_during_ingest(state, tmp_path):
    for point in kill_points("ingest", state.seconds["ingest"]):
        work = state.start_from("after-v1", tmp_path / f"at-{point}")
        ours = Ours(work)
        ended = ours.kill_after(point, "ingest", state.v2, "--corpus", "c")
        where = f"ingest killed at {point}s (seed {SEED}, ended: {ended})"
        _check_after_kill(ours, where)
        now = snapshot(work / "c", CORPUS_FILES)
        assert now in (state.corpus_v1, state.corpus_v2), f"{where}: a mix of two corpora"
        ours.run("corpus", "info", "--corpus", "c")  # the corpus opens: exit 0, no "damaged"
        ours.run("ingest", state.v2, "--corpus", "c")
        assert snapshot(work / "c", CORPUS_FILES) == state.corpus_v2, where
        assert manifest_without_times(work / "c") == state.manifest_v2, where
        assert leftovers(work) == [], where


def test_kill_9_during_tokens(state, tmp_path):
    for point in kill_points("tokens", state.seconds["tokens"]):
        work = state.start_from("after-tokens-a", tmp_path / f"at-{point}")
        ours = Ours(work)
        ended = ours.kill_after(point, "tokens", "--corpus", "c", "--jobs", "2", "--config",
                                state.root / "tokens-b.toml")
        where = f"tokens killed at {point}s (seed {SEED}, ended: {ended})"
        _check_after_kill(ours, where)
        now = snapshot(work / "c", TOKEN_FILES)
        assert now in (state.tokens_a, state.tokens_b), f"{where}: old tokens lost or mixed with new"
        ours.run("tokens", "--corpus", "c", "--jobs", "2", "--config", state.root / "tokens-b.toml")
        assert snapshot(work / "c", TOKEN_FILES) == state.tokens_b, where
        assert leftovers(work) == [], where


def test_kill_9_during_topics(state, tmp_path):
    for point in kill_points("topics", state.seconds["topics"]):
        work = state.start_from("after-tokens-b", tmp_path / f"at-{point}")
        ours = Ours(work)
        ended = ours.kill_after(point, "topics", "--corpus", "c", *TOPICS_ARGS)
        where = f"topics killed at {point}s (seed {SEED}, ended: {ended})"
        _check_after_kill(ours, where)
        run_dir = work / "c" / "runs" / "r1"
        before = _listing(run_dir)
        ours.run("corpus", "info", "--corpus", "c")  # a second or two later
        assert _listing(run_dir) == before, f"{where}: something still writes into the run"
        ours.run("topics", "--corpus", "c", *TOPICS_ARGS)  # resumes the run
        assert snapshot(run_dir, RUN_FILES) == state.run, where
        assert leftovers(work) == [], where
