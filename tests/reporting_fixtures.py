"""A tiny real project for the reporting tests: transcripts on disk → ingest → tokens → topics."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

THEMES = {
    "waiting": "waiting appointment weeks receptionist phone queue delay booking",
    "staff": "nurse doctor kind listened caring explained friendly respect",
    "online": "website review online feedback comment rating form anonymous",
    "pain": "pain medication prescription pharmacy tablets dose chemist relief",
}
TOKENS_TOML = "[tokens]\nno_below = 2\nmin_tokens = 8\nphrases = false\n"


def sentences(participant: int) -> list[str]:
    rng = random.Random(participant)
    out = []
    for theme in rng.sample(sorted(THEMES), 2):
        words = THEMES[theme].split()
        for n in range(4):
            picked = rng.sample(words, 5)
            out.append(
                f"Well the {picked[0]} and the {picked[1]} were {picked[2]}, then {picked[3]} {picked[4]} "
                f"came up on day {n} for participant {participant}."
            )
    return out


def write_transcripts(folder: Path, n: int = 8) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for p in range(1, n + 1):
        lines = []
        for sentence in sentences(p):
            lines += ["Interviewer: Can you tell me more about that?", f"P{p:02d}: {sentence}"]
        (folder / f"P{p:02d}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def build_project(root: Path) -> tuple[Path, Path, Path, str]:
    """(sources, corpus, config file, run id) of a finished two-k, two-seed run."""
    from feedcare.corpus import open_corpus
    from feedcare.corpus.base.settings import Settings
    from feedcare.corpus.ingest.pipeline import ingest
    from feedcare.corpus.tokens.build import build_tokens
    from feedcare.corpus.tokens.config import TokensConfig
    from feedcare.topics import TopicsConfig, fit_topics

    sources = write_transcripts(root / "transcripts")
    corpus = root / "corpus"
    config = root / "feedcare.toml"
    config.write_text(TOKENS_TOML + '[topics]\nk = "2:3"\nseeds = 2\npasses = 2\niterations = 20\n')
    ingest([sources], corpus)
    settings = Settings.load(config)
    build_tokens(open_corpus(corpus), settings.build(TokensConfig), jobs=1)
    fit_topics(corpus, settings.build(TopicsConfig), run_id="r1", jobs=1)
    return sources, corpus, config, "r1"


def copy_project(project: tuple[Path, Path, Path, str], dest: Path) -> tuple[Path, Path, Path, str]:
    """A copy whose recorded source paths still point at the original transcripts."""
    sources, corpus, config, run = project
    shutil.copytree(corpus, dest / "corpus")
    return sources, dest / "corpus", config, run
