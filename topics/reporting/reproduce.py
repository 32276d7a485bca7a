"""``feedcare reproduce``: re-run a recorded analysis in a scratch folder and compare it with the original.

What is re-run, from the settings the run recorded (never the current feedcare.toml, unless
``config`` is given to ask "what if"):

1. **inputs**: every source file the manifest lists is looked for at its recorded path, or by
   its relative name under ``inputs``; its SHA-256 is compared with the recorded one.
2. **ingest**: when every source file (and the participants file, if one was joined) is found,
   the corpus is re-ingested from them with the recorded ``[ingest]`` settings, so an edited
   transcript shows up as a different corpus fingerprint. When they are not all found, the
   original corpus's documents, segments and manifest are copied instead (this checks tokens
   and model, not ingest) — and the report says so.
3. **tokens** with the recorded ``[tokens]`` settings, compared by fingerprint and by the bytes
   of tokens.parquet and vocabulary.parquet (and tokens.json, which holds no time).
4. **topics**: the chosen model only (k and seed of ``chosen_model``), or with ``all_models`` the
   whole sweep, with the recorded ``[topics]`` settings and one process. Compared: the chosen
   model's rows of topics.parquet, topic_measures.parquet, doc_topics.parquet (when the original
   is at hand) and sweep.parquet (without ``fit_seconds``, which older runs stored there); with
   ``all_models`` the whole files and
   the run fingerprint. Not compared: wall-clock fields (created, completed, timings,
   fit_seconds) and ``models/`` (gensim's pickles carry its own timestamps; nothing reads them).
5. **run.json**'s recorded package versions against those installed now (they are part of what
   ``feedcare topics`` would write into run.json, so a difference is a difference).

The result lists each comparison as ``match`` or ``differs`` with the likely reason.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from feedcare.corpus.base.atomic import read_json
from feedcare.corpus.base.errors import DataError
from feedcare.corpus.base.progress import ProgressCallback, report
from feedcare.corpus.base.settings import Settings, as_dict, build_section
from feedcare.corpus.store.schema import (
    DOCUMENTS_FILE,
    MANIFEST_FILE,
    SEGMENTS_FILE,
    TOKENS_FILE,
    TOKENS_META_FILE,
    VOCABULARY_FILE,
)
from feedcare.corpus.tokens.config import TokensConfig
from feedcare.topics.config import TopicsConfig
from feedcare.topics.reporting.record import RunRecord, load_record
from feedcare.topics.runs.rundir import (
    DOC_TOPICS_FILE,
    RUN_FILE,
    SWEEP_FILE,
    TOPIC_MEASURES_FILE,
    TOPICS_FILE,
    model_name,
)

# Settings that cannot change an output; never reported as a reason.
NO_EFFECT = {"jobs", "batch_size"}


@dataclass
class Check:
    what: str
    ok: bool
    detail: str = ""


@dataclass
class ReproduceResult:
    run_id: str
    scope: str  # "chosen model" or "all models"
    source: str  # how the corpus was rebuilt
    checks: list[Check] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)

    @property
    def identical(self) -> bool:
        return all(c.ok for c in self.checks)

    @property
    def exit_code(self) -> int:
        return 0 if self.identical else 1

    def to_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "scope": self.scope,
            "source": self.source,
            "identical": self.identical,
            "checks": [c.__dict__ for c in self.checks],
            "reasons": self.reasons,
        }


def reproduce(
    run: str | Path,
    corpus_dir: Path | None = None,
    *,
    inputs: Path | None = None,
    config: Path | None = None,
    all_models: bool = False,
    scratch: Path | None = None,
    progress: ProgressCallback | None = None,
) -> ReproduceResult:
    """Re-run ``run`` (id, 'latest', run directory or archive zip) and compare with what it recorded."""
    with tempfile.TemporaryDirectory(prefix="feedcare-reproduce-", dir=scratch) as tmp:
        tmp_path = Path(tmp)
        record = load_record(run, corpus_dir, scratch=tmp_path / "bundle")
        result = ReproduceResult(record.run_id, "all models" if all_models else "chosen model", "")
        tokens_config, topics_config = _settings(record, config, result)
        work = tmp_path / "corpus"
        work.mkdir()
        report(progress, "reproduce: ingest", 0, 3)
        _rebuild_corpus(record, work, inputs, result, progress)
        _check_packages(record, result)
        report(progress, "reproduce: tokens", 1, 3)
        _run_tokens(record, work, tokens_config, result, progress)
        report(progress, "reproduce: topics", 2, 3)
        _run_topics(record, work, topics_config, all_models, result, progress)
        return result


# ---- settings -----------------------------------------------------------------------------------


def _settings(
    record: RunRecord, config: Path | None, result: ReproduceResult
) -> tuple[TokensConfig, TopicsConfig]:
    if not record.tokens.get("config"):
        raise DataError(
            f"{record.sidecar_dir / TOKENS_META_FILE}: missing or without settings; the run's tokens "
            "cannot be rebuilt (run `feedcare tokens` with the run's settings, or use its archive)"
        )
    recorded_tokens = dict(record.tokens["config"])
    recorded_topics = {k: v for k, v in record.info.get("config", {}).items() if k != "jobs"}
    tokens = build_section(TokensConfig, recorded_tokens, "tokens", "tokens.json")
    topics = build_section(TopicsConfig, recorded_topics, "topics", "run.json")
    if config is None:
        return tokens, topics
    settings = Settings.load(config)
    new_tokens = settings.build(TokensConfig)
    new_topics = settings.build(TopicsConfig)
    for step, old, new in (("tokens", tokens, new_tokens), ("topics", topics, new_topics)):
        old_d, new_d = as_dict(old), as_dict(new)
        for key in sorted(old_d):
            if key not in NO_EFFECT and _norm(old_d[key]) != _norm(new_d.get(key)):
                result.reasons.append(
                    f"a changed setting: [{step}] {key} is {_norm(new_d.get(key))!r} in "
                    f"{config}, the run recorded {_norm(old_d[key])!r}"
                )
    return new_tokens, new_topics


def _norm(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


# ---- inputs and ingest --------------------------------------------------------------------------


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _find(recorded: str, relative: str, roots: list[Path]) -> Path | None:
    # --inputs first: it says where the files are now
    candidates = [root / relative for root in roots] + [Path(recorded)]
    return next((p for p in candidates if p.is_file()), None)


def _rebuild_corpus(
    record: RunRecord,
    work: Path,
    inputs: Path | None,
    result: ReproduceResult,
    progress: ProgressCallback | None,
) -> None:
    manifest = record.manifest
    sources = manifest.get("sources", {})
    roots = [inputs] if inputs else []
    found: dict[str, Path] = {}
    changed = missing = 0
    for key, entry in sorted(sources.items()):
        path = _find(key, str(entry.get("source", Path(key).name)), roots)
        if path is None:
            missing += 1
            continue
        found[key] = path
        if entry.get("sha256") and _sha256(path) != entry["sha256"]:
            changed += 1
            result.reasons.append(
                f"a changed input file: {path} (sha256 differs from the one recorded at ingest)"
            )
    meta_path = _meta_file(record, found, roots)
    if sources and missing == 0 and meta_path is not False:
        result.source = "re-ingested from the recorded source files"
        result.checks.append(
            Check(
                "input files",
                changed == 0,
                f"{len(found)} files, {changed} changed" if changed else f"{len(found)} files, same bytes",
            )
        )
        _ingest(record, found, meta_path, work, progress)
        got = read_json(work / MANIFEST_FILE, MANIFEST_FILE).get("fingerprint")
        want = manifest.get("fingerprint")
        result.checks.append(Check("corpus fingerprint", got == want, f"{want} recorded, {got} now"))
        return
    if record.corpus_dir is None or not (record.corpus_dir / DOCUMENTS_FILE).is_file():
        raise DataError(
            f"{missing} of {len(sources)} source files of run {record.run_id} were not found; "
            "pass the folder "
            "holding them with --inputs (or the corpus with --corpus)"
        )
    result.source = (
        f"copied from the corpus at {record.corpus_dir} ({missing} of {len(sources)} source "
        "files not found, so ingest was not re-run)"
    )
    for name in (DOCUMENTS_FILE, SEGMENTS_FILE, MANIFEST_FILE):
        shutil.copy2(record.corpus_dir / name, work / name)


def _meta_file(record: RunRecord, found: dict[str, Path], roots: list[Path]) -> Path | None | bool:
    """The participants file to join, None when none was, False when it was but is not found."""
    meta = record.manifest.get("meta") or {}
    name = meta.get("path") or record.manifest.get("config", {}).get("meta")
    if not name:
        return None
    want = record.manifest.get("options", {}).get("meta_sha256")
    bases = list(roots)
    for entry_key, path in found.items():
        root = Path(record.manifest["sources"][entry_key].get("root", path.parent))
        bases += [root, root.parent]
    for base in [Path("."), *bases]:
        candidate = Path(name) if Path(name).is_absolute() else base / name
        if candidate.is_file() and (not want or _sha256(candidate) == want):
            return candidate
    return False


def _ingest(
    record: RunRecord,
    found: dict[str, Path],
    meta: Path | None,
    work: Path,
    progress: ProgressCallback | None,
) -> None:
    from feedcare.corpus.ingest.config import IngestConfig
    from feedcare.corpus.ingest.pipeline import ingest

    recorded = dict(record.manifest.get("config", {}))
    recorded["meta"] = str(meta) if meta else None
    config = build_section(IngestConfig, recorded, "ingest", "manifest.json")
    # The recorded files only, laid out under their recorded roots by their relative names: ids
    # and the corpus fingerprint depend on those names, and a file added to the folder since the
    # analysis must not join the re-run.
    staging = work.parent / "inputs"
    roots: dict[str, Path] = {}
    for key, path in sorted(found.items()):
        entry = record.manifest["sources"][key]
        root = roots.setdefault(str(entry.get("root", Path(key).parent)), staging / f"root{len(roots)}")
        target = root / str(entry.get("source", path.name))
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    ingest(sorted(roots.values()), work, config, progress=progress)


# ---- packages -----------------------------------------------------------------------------------


def installed_versions(names: list[str]) -> dict[str, str | None]:
    import platform
    from importlib import metadata

    out: dict[str, str | None] = {}
    for name in names:
        if name == "python":
            out[name] = platform.python_version()
            continue
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def _check_packages(record: RunRecord, result: ReproduceResult) -> None:
    recorded = {k: str(v) for k, v in record.info.get("packages", {}).items() if not k.endswith("_isa")}
    now = installed_versions(sorted(recorded))
    differ = [
        f"{name} {recorded[name]} recorded, {now[name] or 'not installed'} now"
        for name in sorted(recorded)
        if now[name] != recorded[name]
    ]
    result.checks.append(
        Check(
            "package versions",
            not differ,
            "; ".join(differ) or ", ".join(f"{k} {v}" for k, v in sorted(recorded.items())),
        )
    )
    for line in differ:
        result.reasons.append(f"a package version: {line}")


# ---- tokens -------------------------------------------------------------------------------------


def _run_tokens(
    record: RunRecord,
    work: Path,
    config: TokensConfig,
    result: ReproduceResult,
    progress: ProgressCallback | None,
) -> None:
    from feedcare.corpus import open_corpus
    from feedcare.corpus.tokens.build import build_tokens

    build_tokens(open_corpus(work), config, jobs=1, force=True, progress=progress)
    new = read_json(work / TOKENS_META_FILE, "tokens.json")
    want = record.tokens.get("fingerprint")
    result.checks.append(
        Check(
            "tokens fingerprint",
            new.get("fingerprint") == want,
            f"{want} recorded, {new.get('fingerprint')} now",
        )
    )
    old_meta, new_meta = _without_jobs(record.tokens), _without_jobs(new)
    for key in ADDED_TOKENS_KEYS:  # a tokens.json from before feedcare recorded them
        if key not in old_meta:
            new_meta.pop(key, None)
    result.checks.append(Check("tokens.json", old_meta == new_meta, _dict_diff(old_meta, new_meta)))
    for name in (VOCABULARY_FILE, TOKENS_FILE):
        original = record.sidecar_dir / name
        if original.is_file():
            same = original.read_bytes() == (work / name).read_bytes()
            result.checks.append(Check(name, same, "same bytes" if same else "bytes differ"))
    if new.get("fingerprint") != want and not any("setting" in r or "input" in r for r in result.reasons):
        if new.get("corpus_fingerprint") == record.tokens.get("corpus_fingerprint"):
            result.reasons.append(
                "a changed setting or package: the recorded [tokens] settings on the same corpus "
                "give another fingerprint (tokens.json was edited, or nltk/gensim/simplemma "
                "differ from the run's)"
            )


# tokens.json keys later feedcare versions added; they describe the build, never change a result
ADDED_TOKENS_KEYS = ("packages",)


def _without_jobs(meta: dict) -> dict:
    # summary.jobs says how many processes ran, which never changes a result
    return {**meta, "summary": {k: v for k, v in meta.get("summary", {}).items() if k != "jobs"}}


def _dict_diff(old: dict, new: dict) -> str:
    keys = sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))
    return "same" if not keys else "differs in " + ", ".join(keys)


# ---- topics -------------------------------------------------------------------------------------


def _run_topics(
    record: RunRecord,
    work: Path,
    config: TopicsConfig,
    all_models: bool,
    result: ReproduceResult,
    progress: ProgressCallback | None,
) -> None:
    import dataclasses

    from feedcare.topics.fit.pipeline import fit_topics

    chosen = record.chosen_model
    model = next((m for m in record.info.get("models", []) if m.get("model") == chosen), None)
    if model is None:
        raise DataError(f"{record.run_dir / RUN_FILE}: the chosen model {chosen} is not among its models")
    if not all_models:
        config = dataclasses.replace(config, k=int(model["k"]), seed=int(model["seed"]), seeds=1)
    # A guided run is refitted from its recorded codes and effective seeds: the codebook file is not needed.
    guidance = record.run_info.codebook if record.run_info is not None else None
    fit_topics(work, config, run_id="reproduce", jobs=1, progress=progress, guidance=guidance)
    new_dir = work / "runs" / "reproduce"
    new_info = read_json(new_dir / RUN_FILE, "run.json")
    if all_models:
        result.checks.append(
            Check(
                "run fingerprint",
                new_info.get("fingerprint") == record.info.get("fingerprint"),
                f"{record.info.get('fingerprint')} recorded, {new_info.get('fingerprint')} now",
            )
        )
        result.checks.append(
            Check(
                "chosen model",
                new_info.get("chosen_model") == chosen,
                f"{chosen} recorded, {new_info.get('chosen_model')} now",
            )
        )
    name = model_name(int(model["k"]), int(model["seed"]))
    only = None if all_models else name
    for filename in (TOPICS_FILE, TOPIC_MEASURES_FILE, DOC_TOPICS_FILE, SWEEP_FILE):
        original = record.run_dir / filename
        if not original.is_file():
            continue
        old, new = _table(original, only), _table(new_dir / filename, only)
        if filename == SWEEP_FILE:
            # Runs before issue 14 stored each fit's wall-clock time in sweep.parquet; now only run.json does.
            old, new = (t.drop_columns([c for c in ("fit_seconds",) if c in t.column_names])
                        for t in (old, new))
            if not all_models:  # stability is measured against the other seeds: not reproducible alone
                old, new = old.drop_columns(["stability"]), new.drop_columns(["stability"])
        same = old.equals(new)
        what = filename if all_models else f"{filename} ({name})"
        result.checks.append(Check(what, same, f"{old.num_rows} rows, equal" if same else "values differ"))
    if not result.identical and not result.reasons:
        result.reasons.append(
            "no input, setting or recorded version differs: the difference comes from the "
            "machine (e.g. another BLAS or tomotopy instruction-set build)"
        )


def _table(path: Path, model: str | None) -> pa.Table:
    table = pq.read_table(path)
    if model is not None:
        table = table.filter(pc.equal(table["model"], model))
    return table
