"""`feedcare tokens` through the real CLI: outputs, configuration, rebuild rule, determinism."""

from __future__ import annotations

import json

import pyarrow.parquet as pq
import pytest
from feedcare.corpus import open_corpus
from feedcare.corpus.base.errors import ConfigError
from feedcare.corpus.base.settings import build_section
from feedcare.corpus.tokens.config import TokensConfig
from helpers import build_corpus

ANSWERS = [
    "Yeah, um, the nurses on the ward were really kind to me.",
    "The waiting time in A&E was long, you know, about four hours [inaudible 00:12:34].",
    "Erm, the doctor explained the scan results and the chest pain.",
    "I had chest pain at night and the nurses on the ward came quickly.",
    "The food on the ward was cold and the waiting time was long.",
]


def interviews(n: int = 12) -> dict:
    docs = {}
    for i in range(n):
        turns = []
        for j, answer in enumerate(ANSWERS[i % 2 :] + ANSWERS[: i % 2]):
            turns.append(("I", "interviewer", f"Question {j}: how did the consultant treat you?"))
            turns.append(("P", "participant", answer))
        docs[f"int{i:02d}"] = turns
    return docs


SMALL = (
    "[tokens]\nno_below = 1\nno_above = 1.0\nmin_tokens = 5\nbatch_size = 7\n"
    "phrases_min_count = 2\nphrases_threshold = 1.0\n"
)


@pytest.fixture
def corpus_dir(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "feedcare.toml").write_text(SMALL)
    return build_corpus(tmp_path / "corpus", interviews())


def test_writes_units_vocabulary_and_metadata(invoke, corpus_dir):
    result = invoke("tokens", "--corpus", corpus_dir, "--jobs", 1)
    assert result.exit_code == 0, result.output
    corpus = open_corpus(corpus_dir)
    tokens = pq.read_table(corpus.tokens_path)
    vocab = pq.read_table(corpus.vocabulary_path)
    meta = corpus.tokens_meta()
    assert set(json.loads((corpus_dir / "tokens.json").read_text())) == {
        "format_version",
        "fingerprint",
        "corpus_fingerprint",
        "config",
        "summary",
        "phrases",
        "pruned",
        "top_terms",
        "feedcare_version",
        "packages",
    }
    assert meta.packages is not None and sorted(meta.packages) == ["gensim", "nltk", "simplemma"]
    assert (
        pq.read_schema(corpus.tokens_path).metadata[b"feedcare.fingerprint"] == meta.fingerprint.encode()
    )
    assert tokens["unit_id"].to_pylist() == list(range(tokens.num_rows))
    terms = vocab["term"].to_pylist()
    assert vocab["token_id"].to_pylist() == list(range(len(terms)))
    for row in tokens.to_pylist():
        assert row["n_tokens"] == len(row["tokens"]) > 0
        assert [terms[i] for i in row["token_ids"]] == row["tokens"]
    everything = {t for row in tokens["tokens"].to_pylist() for t in row}
    assert {"nurse", "ward", "kind", "chest_pain"} <= everything
    # interviewer turns are left out by default; fillers and markers never become tokens
    assert not {"consultant", "question", "treat", "yeah", "um", "erm", "inaudible"} & everything
    assert "Top terms" in result.stdout and "chest_pain" in result.stdout


def test_vocabulary_ids_are_gensim_dictionary_ids(corpus_dir):
    from feedcare.corpus.tokens.build import build_tokens
    from gensim.corpora import Dictionary

    corpus = open_corpus(corpus_dir)
    config = TokensConfig(no_below=2, no_above=0.6, keep_n=6, min_tokens=5)
    report = build_tokens(corpus, config, jobs=1)
    # Rebuild the dictionary with gensim itself from the phrased units before pruning.
    unpruned = build_tokens(corpus, TokensConfig(no_below=1, no_above=1.0, keep_n=0, min_tokens=5), jobs=1)
    units = [row for row in pq.read_table(corpus.tokens_path)["tokens"].to_pylist()]
    reference = Dictionary(units)
    assert len(reference) == unpruned.pruned.after == report.pruned.before
    reference.filter_extremes(no_below=2, no_above=0.6, keep_n=6)
    build_tokens(corpus, config, jobs=1)
    vocab = pq.read_table(corpus.vocabulary_path).to_pylist()
    assert {row["term"]: row["token_id"] for row in vocab} == reference.token2id
    assert {row["token_id"]: row["doc_freq"] for row in vocab} == reference.dfs
    pruned = report.pruned
    assert (
        pruned.before - pruned.no_below - pruned.no_above - pruned.keep_n == pruned.after == 6
    )


def test_jobs_1_and_2_give_byte_identical_tokens(invoke, corpus_dir, tmp_path):
    assert invoke("tokens", "-c", corpus_dir, "--jobs", 1).exit_code == 0
    one = (corpus_dir / "tokens.parquet").read_bytes(), (corpus_dir / "vocabulary.parquet").read_bytes()
    assert invoke("tokens", "-c", corpus_dir, "--jobs", 2, "--force").exit_code == 0
    two = (corpus_dir / "tokens.parquet").read_bytes(), (corpus_dir / "vocabulary.parquet").read_bytes()
    assert open_corpus(corpus_dir).tokens_meta().summary.jobs == 2
    assert one == two


def test_rebuilds_only_when_corpus_or_config_changed(invoke, corpus_dir, tmp_path):
    assert invoke("tokens", "-c", corpus_dir, "-j", 1).exit_code == 0
    path = corpus_dir / "tokens.parquet"
    stamp = path.stat().st_mtime_ns
    result = invoke("tokens", "-c", corpus_dir, "-j", 1)
    assert result.exit_code == 0 and "up to date" in result.stderr
    assert path.stat().st_mtime_ns == stamp
    # batch_size changes the work split, not the output: still up to date
    (tmp_path / "feedcare.toml").write_text(SMALL.replace("batch_size = 7", "batch_size = 3"))
    assert "up to date" in invoke("tokens", "-c", corpus_dir, "-j", 1).stderr
    # a setting that changes the tokens rebuilds
    result = invoke("tokens", "-c", corpus_dir, "-j", 1, "--no-lemmatize")
    assert "Tokenised" in result.stderr and path.stat().st_mtime_ns != stamp
    assert "nurses" in {t for row in pq.read_table(path)["tokens"].to_pylist() for t in row}
    stamp = path.stat().st_mtime_ns
    assert "Tokenised" in invoke("tokens", "-c", corpus_dir, "-j", 1, "--no-lemmatize", "--force").stderr
    assert path.stat().st_mtime_ns != stamp
    # a changed corpus rebuilds
    build_corpus(corpus_dir, interviews(3))
    assert "Tokenised" in invoke("tokens", "-c", corpus_dir, "-j", 1).stderr
    assert set(pq.read_table(path)["doc_id"].to_pylist()) == {"int00", "int01", "int02"}


def test_a_changed_stopwords_file_triggers_a_rebuild(invoke, corpus_dir, tmp_path):
    (tmp_path / "mine.txt").write_text("ward\n")
    (tmp_path / "feedcare.toml").write_text(SMALL + 'stopwords_files = ["mine.txt"]\n')
    assert invoke("tokens", "-c", corpus_dir, "-j", 1).exit_code == 0
    assert "ward" not in {
        t for r in pq.read_table(corpus_dir / "tokens.parquet")["tokens"].to_pylist() for t in r
    }
    (tmp_path / "mine.txt").write_text("nurse\n")
    assert "Tokenised" in invoke("tokens", "-c", corpus_dir, "-j", 1).stderr
    words = {t for r in pq.read_table(corpus_dir / "tokens.parquet")["tokens"].to_pylist() for t in r}
    assert "ward" in words and "nurse" not in words


def test_roles_override_includes_interviewer_turns(invoke, corpus_dir):
    result = invoke("tokens", "-c", corpus_dir, "-j", 1, "--roles", "participant,interviewer", "--json")
    data = json.loads(result.stdout)
    assert data["summary"]["turns_excluded"] == {}
    assert "consultant" in [t["term"] for t in data["top_terms"]]


def test_json_output(invoke, corpus_dir):
    result = invoke("tokens", "-c", corpus_dir, "-j", 1, "--json")
    data = json.loads(result.stdout)
    assert data["status"] == "built"
    assert data["summary"]["turns_excluded"] == {"interviewer": 60}
    assert {"no_below", "no_above", "keep_n", "before", "after"} <= set(data["pruned"])
    assert data["config"]["no_below"] == 1
    assert json.loads(invoke("tokens", "-c", corpus_dir, "--json").stdout)["status"] == "up to date"


def test_show_config_prints_effective_settings_as_toml(invoke, corpus_dir):
    import tomllib

    result = invoke("tokens", "-c", corpus_dir, "--show-config", "--unit", "window", "--no-phrases")
    assert result.exit_code == 0
    table = tomllib.loads(result.stdout)["tokens"]
    config = build_section(TokensConfig, table, "tokens")
    assert (config.unit, config.phrases, config.no_below, config.batch_size) == ("window", False, 1, 7)
    assert not (corpus_dir / "tokens.parquet").exists()


def test_unknown_key_names_the_key_and_the_allowed_keys(invoke, corpus_dir, tmp_path):
    (tmp_path / "feedcare.toml").write_text("[tokens]\nmin_token = 5\n")
    result = invoke("tokens", "-c", corpus_dir)
    assert result.exit_code == 2
    line = result.stderr.strip()
    assert line.startswith("Error: ") and "feedcare.toml: unknown key 'min_token' in [tokens]" in line
    assert "allowed keys: unit, languages, roles, min_tokens, max_tokens" in line
    assert "\n" not in line


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        (
            'unit = "sentence"',
            "[tokens] unit must be one of 'auto', 'answer', 'turn', 'document', 'window', got 'sentence'",
        ),
        (
            'roles = ["doctor"]',
            "[tokens] roles must be one of 'interviewer', 'participant', 'other', got 'doctor'",
        ),
        ("no_above = 1.5", "[tokens] no_above must be at most 1.0, got 1.5"),
        ("min_tokens = 0", "[tokens] min_tokens must be at least 1, got 0"),
        ("lemmatize = 1", "[tokens] lemmatize must be true or false, got 1"),
        ("min_tokens = 300", "[tokens] min_tokens (300) must not exceed max_tokens (200)"),
        (
            'phrases_scoring = "npmi"',
            "phrases_threshold must be between -1 and 1 when phrases_scoring = 'npmi'",
        ),
    ],
)
def test_bad_values_name_the_allowed_values(invoke, corpus_dir, tmp_path, toml, message):
    (tmp_path / "feedcare.toml").write_text(f"[tokens]\n{toml}\n")
    result = invoke("tokens", "-c", corpus_dir)
    assert result.exit_code == 2
    assert message in result.stderr


def test_bad_override_and_missing_stopwords_file(invoke, corpus_dir, tmp_path):
    result = invoke("tokens", "-c", corpus_dir, "--unit", "sentences")
    assert result.exit_code == 2 and "unit must be one of" in result.stderr
    (tmp_path / "feedcare.toml").write_text('[tokens]\nstopwords_files = ["nope.txt"]\n')
    result = invoke("tokens", "-c", corpus_dir)
    assert result.exit_code == 2
    assert "nope.txt: stopwords file cannot be read" in result.stderr and "stopwords_files" in result.stderr


def test_missing_corpus_is_a_data_error(invoke, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = invoke("tokens", "-c", tmp_path / "nothing")
    assert result.exit_code == 4
    assert "feedcare ingest" in result.stderr


def test_config_dataclass_validates_in_python():
    with pytest.raises(ConfigError, match="allowed keys"):
        build_section(TokensConfig, {"stopword": True}, "tokens")
    assert TokensConfig(window_step=0, window_size=50).step == 50


def test_comment_tables_use_whole_documents_by_default(tmp_path):
    from feedcare.corpus.tokens.build import build_tokens, resolve_mode

    assert resolve_mode("auto", "csv") == "document" and resolve_mode("auto", "txt") == "turn"
    comments = {f"c{i}": [(None, "participant", ANSWERS[i % 5])] for i in range(10)}
    build_corpus(tmp_path / "c", comments)
    corpus = open_corpus(tmp_path / "c")
    report = build_tokens(corpus, TokensConfig(unit="document", no_below=1, no_above=1.0), jobs=1)
    assert report.summary.unit_modes == {"document": 10}
    assert report.summary.units == 10


# --- languages (issue 13) ---------------------------------------------------------------------


@pytest.fixture
def mixed_languages(tmp_path, monkeypatch):
    """Ingested interviews: four English, one French (P90), one too short to tell (P95)."""
    from feedcare.corpus import ingest
    from language_samples import interview_folder

    monkeypatch.chdir(tmp_path)
    (tmp_path / "feedcare.toml").write_text("[tokens]\nno_below = 1\nno_above = 1.0\nphrases = false\n")
    source = interview_folder(tmp_path / "interviews", n_english=4, other="fr")
    (source / "P95.txt").write_text("Interviewer: And the nurses?\nParticipant: Kind.\n", encoding="utf-8")
    ingest([source], tmp_path / "corpus")
    return tmp_path / "corpus"


def _modelled_documents(corpus_dir) -> set[str]:
    return set(pq.read_table(corpus_dir / "tokens.parquet", columns=["doc_id"])["doc_id"].to_pylist())


def test_a_document_in_another_language_is_warned_about_and_left_out(invoke, mixed_languages):
    result = invoke("tokens", "--corpus", mixed_languages, "--jobs", 1)
    assert result.exit_code == 0, result.output
    assert (
        "Warning: 1 document is not in English: P90 (fr); they are left out of the tokens; keep them "
        'with --keep-languages or [tokens] languages = ["en", "fr"].'
    ) in result.stderr
    assert _modelled_documents(mixed_languages) == {"P01", "P02", "P03", "P04", "P95"}  # und is kept
    vocabulary = set(pq.read_table(mixed_languages / "vocabulary.parquet")["term"].to_pylist())
    assert {"infirmière", "urgence", "hôpital"}.isdisjoint(vocabulary) and "nurse" in vocabulary
    summary = open_corpus(mixed_languages).tokens_meta().summary
    assert summary.languages == {"en": 4, "fr": 1, "und": 1}
    assert summary.documents_left_out_language == 1 and summary.turns_left_out_language == 6
    french = {"doc_id": "P90", "participant_id": "P90", "language": "fr"}
    assert [e.to_dict() for e in summary.left_out_language_examples] == [french]
    assert summary.turns_selected == 5 * 3 - 2  # P95 answered once; P90's turns are not counted


@pytest.mark.parametrize("option", [["--keep-languages"], ["--languages", "en,fr"]])
def test_other_languages_are_kept_on_request_and_the_fingerprint_changes(invoke, mixed_languages, option):
    invoke("tokens", "--corpus", mixed_languages, "--jobs", 1)
    before = open_corpus(mixed_languages).tokens_meta().fingerprint
    result = invoke("tokens", "--corpus", mixed_languages, "--jobs", 1, *option)
    assert result.exit_code == 0, result.output
    assert "not in English" not in result.stderr
    assert "P90" in _modelled_documents(mixed_languages)
    assert open_corpus(mixed_languages).tokens_meta().fingerprint != before


def test_languages_in_feedcare_toml_and_bad_codes(invoke, mixed_languages, tmp_path):
    (tmp_path / "feedcare.toml").write_text('[tokens]\nno_below = 1\nlanguages = ["fr"]\n')
    assert invoke("tokens", "--corpus", mixed_languages, "--jobs", 1).exit_code == 0
    assert _modelled_documents(mixed_languages) == {"P90", "P95"}
    (tmp_path / "feedcare.toml").write_text('[tokens]\nlanguages = ["English"]\n')
    result = invoke("tokens", "--corpus", mixed_languages)
    assert result.exit_code == 2 and "'English' is not a language code" in result.stderr


# --- crash safety (issue 14, #3 and #9) --------------------------------------------------------


def _token_files(corpus_dir):
    return {name: (corpus_dir / name).read_bytes()
            for name in ("tokens.parquet", "vocabulary.parquet", "tokens.json")}


@pytest.mark.parametrize("failure", [KeyboardInterrupt(), OSError(28, "No space left on device")])
def test_an_interrupted_rebuild_keeps_the_previous_tokens_valid(corpus_dir, monkeypatch, failure):
    """tokens.json was deleted before the rebuild: Ctrl-C or a full disk lost the old tokens."""
    from feedcare.corpus.tokens import build, vocabulary
    from feedcare.topics.config import TopicsConfig
    from feedcare.topics.fit.pipeline import check_inputs

    corpus = open_corpus(corpus_dir)
    build.build_tokens(corpus, build_section(TokensConfig, {"no_below": 1, "min_tokens": 5}, "tokens"),
                       jobs=1)
    before = _token_files(corpus_dir)

    def fail(*args, **kwargs):
        raise failure

    monkeypatch.setattr(vocabulary, "write_vocabulary", fail)
    monkeypatch.setattr(build, "write_vocabulary", fail)
    with pytest.raises(type(failure)):
        build.build_tokens(corpus, build_section(TokensConfig, {"no_below": 2, "min_tokens": 5}, "tokens"),
                           jobs=1)
    assert _token_files(corpus_dir) == before
    assert check_inputs(corpus_dir, TopicsConfig(k=2)).n_units > 0  # topics still runs on them
    leftovers = [p.name for p in corpus_dir.iterdir() if p.name.endswith(".tmp") or "tokens-" in p.name]
    assert leftovers == []


def test_temp_files_of_dead_processes_are_removed_and_live_ones_kept(corpus_dir):
    import subprocess
    import sys

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    dead_pid = int(dead.stdout)
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        stale_file = corpus_dir / f"..tokens-units.tmp.parquet.{dead_pid}.tmp"  # what kill -9 left
        stale_file.write_bytes(b"PAR1 half-written")
        stale_dir = corpus_dir / f".tokens.{dead_pid}.tmp"
        (stale_dir / "x").mkdir(parents=True)
        in_use = corpus_dir / f".tokens.parquet.{live.pid}.tmp"
        in_use.write_bytes(b"another process is writing this")
        build_tokens_cli = open_corpus(corpus_dir)
        from feedcare.corpus.tokens.build import build_tokens

        build_tokens(build_tokens_cli, build_section(TokensConfig, {"no_below": 1}, "tokens"), jobs=1)
        assert not stale_file.exists() and not stale_dir.exists()
        assert in_use.exists()
    finally:
        live.kill()
        live.wait()


def test_nltk_never_sees_more_than_a_bounded_block_of_a_huge_single_line_turn(tmp_path, monkeypatch):
    """A 20 MB one-line transcript ingested fine, then tokens died in Punkt with NLTK's 5-second
    regex timeout, so the result depended on machine load (issue 14, #7): every regular
    expression NLTK runs now sees at most one bounded block of text."""
    from feedcare.corpus.tokens.build import build_tokens
    from nltk import redos

    seen = [0]
    for name in ("search", "match", "fullmatch", "findall", "finditer", "split", "sub", "subn"):
        original = getattr(redos.TimedPattern, name)

        def spy(self, string, *args, _original=original, **kwargs):
            if isinstance(string, str):
                seen[0] = max(seen[0], len(string))
            return _original(self, string, *args, **kwargs)

        monkeypatch.setattr(redos.TimedPattern, name, spy)
    sentence = "The zebrafish nurse explained the scan results to me very kindly and slowly today. "
    huge = sentence * 15_000  # ~1.2 MB, one line, one turn
    docs = interviews(6)
    docs["huge"] = [("I", "interviewer", "Tell me everything?"), ("P", "participant", huge)]
    corpus_dir = build_corpus(tmp_path / "c", docs)
    config = build_section(TokensConfig, {"no_below": 1, "no_above": 1.0, "max_tokens": 200}, "tokens")
    build_tokens(open_corpus(corpus_dir), config, jobs=1)
    assert 0 < seen[0] <= 120_000, f"NLTK saw {seen[0]:,} characters at once"
    tokens = pq.read_table(corpus_dir / "tokens.parquet", columns=["doc_id", "tokens"]).to_pylist()
    zebrafish = sum(row["tokens"].count("zebrafish") for row in tokens if row["doc_id"] == "huge")
    assert zebrafish == 15_000  # every word of the huge turn was tokenised, none lost at a block edge
