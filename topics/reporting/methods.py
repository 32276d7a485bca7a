"""The methods statement: a paragraph a researcher pastes into a paper, written from a run's records.

Everything comes from what the run recorded (run.json, tokens.json, manifest.json, sweep.parquet,
topic_measures.parquet), never from the current environment, so the same run gives the same bytes
on any machine. A setting that differs from feedcare's default is named in the prose; every
setting is in the table at the end.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

from feedcare.corpus.base.errors import UsageError
from feedcare.corpus.ingest.config import IngestConfig
from feedcare.corpus.tokens.config import TokensConfig
from feedcare.topics.config import TopicsConfig
from feedcare.topics.reporting.record import RunRecord

FORMATS = ("md", "tex", "txt")

REFERENCES = {
    "blei": "Blei, D. M., Ng, A. Y., & Jordan, M. I. (2003). Latent Dirichlet allocation. "
    "Journal of Machine Learning Research, 3, 993–1022.",
    "hoffman": "Hoffman, M., Bach, F., & Blei, D. (2010). Online learning for latent Dirichlet "
    "allocation. Advances in Neural Information Processing Systems, 23, 856–864.",
    "griffiths": "Griffiths, T. L., & Steyvers, M. (2004). Finding scientific topics. Proceedings of "
    "the National Academy of Sciences, 101(suppl. 1), 5228–5235.",
    "roder": "Röder, M., Both, A., & Hinneburg, A. (2015). Exploring the space of topic coherence "
    "measures. Proceedings of the Eighth ACM International Conference on Web Search and "
    "Data Mining (WSDM '15), 399–408.",
    "rehurek": "Řehůřek, R., & Sojka, P. (2010). Software framework for topic modelling with large "
    "corpora. Proceedings of the LREC 2010 Workshop on New Challenges for NLP Frameworks, 45–50.",
    "kuhn": "Kuhn, H. W. (1955). The Hungarian method for the assignment problem. Naval Research "
    "Logistics Quarterly, 2(1–2), 83–97.",
}
# Known term-ranking methods, by the name a run records under "term_ranking" (when it does).
TERM_RANKING_REFERENCES = {
    "relevance": "Sievert, C., & Shirley, K. (2014). LDAvis: A method for visualizing and interpreting "
    "topics. Proceedings of the Workshop on Interactive Language Learning, Visualization, "
    "and Interfaces, 63–70.",
    "frex": "Bischof, J. M., & Airoldi, E. M. (2012). Summarizing topical content with word frequency "
    "and exclusivity. Proceedings of the 29th International Conference on Machine Learning, 201–208.",
}

# Settings that never change a result (how much work runs at once, how big a read batch is).
NO_EFFECT = {"jobs", "batch_size"}


@dataclass(frozen=True)
class Block:
    kind: str  # "h" heading, "p" paragraph, "table", "list"
    text: str = ""
    rows: tuple[tuple[str, ...], ...] = ()


def methods_statement(record: RunRecord, fmt: str = "md") -> str:
    """The statement for a run, rendered as Markdown, LaTeX or plain text."""
    if fmt not in FORMATS:
        raise UsageError(f"--format must be one of {', '.join(FORMATS)}; got {fmt!r}")
    return RENDERERS[fmt](build_blocks(record))


def build_blocks(record: RunRecord) -> list[Block]:
    info, tokens, manifest = record.info, record.tokens, record.manifest
    summary = tokens.get("summary", {})
    blocks = [Block("h", f"Methods: topic modelling of run {record.run_id}")]
    data = _data_paragraph(manifest, summary, tokens.get("config", {}), record.participants)
    blocks.append(Block("p", data))
    redaction = manifest.get("options", {}).get("redaction")
    if redaction:
        blocks.append(Block("p", _redaction_paragraph(redaction)))
    if tokens:
        blocks.append(Block("p", _preparation_paragraph(tokens)))
    blocks.append(Block("p", _model_paragraph(info)))
    blocks.append(Block("p", _selection_paragraph(record)))
    codebook = info.get("codebook") or info.get("guided")
    if codebook:
        blocks.append(Block("p", _codebook_paragraph(codebook)))
    blocks.append(Block("p", _software_paragraph(info, tokens, manifest)))
    blocks.append(Block("h", "Settings"))
    blocks.append(Block("table", rows=(("step", "setting", "value", "default"), *_settings_rows(record))))
    blocks.append(Block("h", "References"))
    blocks.append(Block("list", rows=tuple((ref,) for ref in _references(info))))
    return blocks


# ---- prose ------------------------------------------------------------------------------------


def _n(value: Any) -> str:
    return f"{value:,}" if isinstance(value, int) else str(value)


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{_n(n)} {one if n == 1 else (many or one + 's')}"


def _data_paragraph(manifest: dict, summary: dict, tconfig: dict, participants: int | None) -> str:
    counts = manifest.get("counts", {})
    docs = counts.get("documents", summary.get("documents", 0))
    formats = sorted({str(s.get("format")) for s in manifest.get("sources", {}).values() if s.get("format")})
    parts = [
        f"The corpus held {_plural(int(docs), 'document')}"
        + (f" ({', '.join(formats)} files)" if formats else "")
        + f" with {_plural(int(counts.get('segments', 0)), 'speaker turn')} and "
        f"{_n(counts.get('words', 0))} words."
    ]
    if participants:
        parts.append(f"Documents were linked to {_plural(participants, 'participant')}.")
    skipped = manifest.get("skipped") or []
    if skipped:
        parts.append(
            f"{_plural(len(skipped), 'input file')} could not be read and "
            f"{'was' if len(skipped) == 1 else 'were'} left out."
        )
    if summary:
        roles = ", ".join(tconfig.get("roles", [])) or "all"
        parts.append(
            f"Turns by {roles} speakers were modelled ({_n(summary.get('turns_selected', 0))} "
            f"of {_n(summary.get('turns', 0))} turns)"
        )
        excluded = summary.get("turns_excluded") or {}
        if excluded:
            parts[-1] += (
                "; "
                + ", ".join(f"{_n(n)} {role} turns" for role, n in sorted(excluded.items()))
                + " were left out"
            )
        parts[-1] += "."
        left_out = summary.get("documents_left_out_language")
        languages = summary.get("languages") or {}
        if left_out:
            kept = ", ".join(tconfig.get("languages", [])) or "the configured languages"
            parts.append(
                f"{_plural(int(left_out), 'document')} not in {kept} "
                f"{'was' if left_out == 1 else 'were'} left out"
                + (
                    f" (detected: {', '.join(f'{k} {_n(v)}' for k, v in sorted(languages.items()))})"
                    if languages
                    else ""
                )
                + "."
            )
        parts.append(_unit_sentence(summary, tconfig))
    return " ".join(parts)


def _unit_sentence(summary: dict, tconfig: dict) -> str:
    unit = tconfig.get("unit", "auto")
    modes = summary.get("unit_modes") or {}
    rule = {
        "turn": (
            f"consecutive turns of the same speaker were merged until a unit held at least "
            f"{tconfig.get('min_tokens')} tokens, and turns longer than {tconfig.get('max_tokens')} "
            "tokens were split at sentence boundaries"
        ),
        "document": "each document's selected turns formed one unit",
        "window": (
            f"windows of {tconfig.get('window_size')} tokens every "
            f"{tconfig.get('window_step') or tconfig.get('window_size')} tokens formed the units"
        ),
    }
    used = sorted(modes) if modes else ([unit] if unit != "auto" else [])
    how = "; ".join(rule[m] for m in used if m in rule) or "units were cut by feedcare's default rule"
    chosen = " (chosen per document from its format)" if unit == "auto" else ""
    text = (
        f"The analysis units were {_n(summary.get('units', 0))} "
        f"{'/'.join(used) or unit}-based units{chosen}: {how}"
    )
    extra = []
    if summary.get("units_merged"):
        extra.append(f"{_n(summary['units_merged'])} units merged several turns")
    if summary.get("turns_split"):
        extra.append(f"{_n(summary['turns_split'])} long turns were split")
    if summary.get("units_dropped_empty"):
        extra.append(f"{_n(summary['units_dropped_empty'])} units left without tokens were dropped")
    return text + (f" ({'; '.join(extra)})" if extra else "") + "."


def _redaction_paragraph(redaction: dict) -> str:
    counts = redaction.get("counts") or {}
    kinds = ", ".join(f"{_n(n)} {kind}" for kind, n in sorted(counts.items()))
    return (
        f"Before analysis, residual identifiers were replaced with redaction markers by "
        f"`feedcare audit --redact` ({_plural(int(redaction.get('replacements', 0)), 'replacement')}"
        + (f": {kinds}" if kinds else "")
        + "); markers are never tokens."
    )


def _preparation_paragraph(tokens: dict) -> str:
    c, s, pruned = tokens.get("config", {}), tokens.get("summary", {}), tokens.get("pruned", {})
    lists = []
    if c.get("stopwords"):
        lists.append("gensim's English stopword list")
    if c.get("spoken_stopwords"):
        lists.append("feedcare's spoken-English filler list")
    for path in c.get("stopwords_files", []):
        lists.append(f"the stopword file {path}")
    if c.get("extra_stopwords"):
        lists.append(
            f"{_plural(len(c['extra_stopwords']), 'study-specific stopword')} "
            f"({', '.join(c['extra_stopwords'])})"
        )
    sentences = [
        "Text was tokenised offline with an NLTK regular-expression tokenizer for speech and feedback"
        + (", lower-cased" if c.get("lowercase") else "")
        + (", with tokens without a letter removed" if c.get("remove_numbers") else "")
        + (
            f" and tokens shorter than {c.get('min_length')} characters removed"
            if c.get("min_length")
            else ""
        )
        + "; redaction and transcription markers were never tokens."
    ]
    if lists:
        sentence = f"Stopwords were removed using {_join(lists)}"
        if c.get("keep_words"):
            sentence += f", keeping {', '.join(c['keep_words'])}"
        sentences.append(sentence + ".")
    removed = s.get("removed") or {}
    if removed:
        names = {
            "fillers": "filler words",
            "markers": "marker tokens",
            "numbers": "tokens without a letter",
            "short": "too-short tokens",
            "stopwords": "stopwords",
        }
        kept = [f"{_n(n)} {names.get(what, what)}" for what, n in sorted(removed.items()) if n]
        sentences.append(
            f"Of {_n(s.get('words', 0))} words read, filtering removed {_join(kept) if kept else 'none'}."
        )
    if c.get("markers") or c.get("extra_markers"):
        sentences.append(
            f"Redaction markers were recognised by {_plural(len(c.get('markers', [])), 'pattern')}"
            + (f" plus {len(c['extra_markers'])} study-specific ones" if c.get("extra_markers") else "")
            + "."
        )
    sentences.append(
        "Words were lemmatised with simplemma." if c.get("lemmatize") else "Words were not lemmatised."
    )
    if c.get("phrases"):
        sentences.append(
            f"Collocations were joined with gensim Phrases (minimum count {c.get('phrases_min_count')}, "
            f"threshold {c.get('phrases_threshold')}, {c.get('phrases_scoring')} scoring), "
            f"finding {_plural(int(s.get('phrases_found', len(tokens.get('phrases', [])))), 'phrase')}."
        )
    else:
        sentences.append("Collocations were not joined.")
    sentences.append(
        f"The vocabulary was pruned of terms in fewer than {c.get('no_below')} units "
        f"({_n(pruned.get('no_below', 0))} terms) and in more than {_pct(c.get('no_above'))} of units "
        f"({_n(pruned.get('no_above', 0))} terms)"
        + (
            f", keeping at most {_n(c.get('keep_n'))} terms ({_n(pruned.get('keep_n', 0))} removed)"
            if c.get("keep_n")
            else ""
        )
        + f": {_n(pruned.get('before', s.get('vocabulary_before', 0)))} terms before, "
        f"{_n(pruned.get('after', s.get('vocabulary', 0)))} after, "
        f"leaving {_n(s.get('tokens', 0))} tokens in {_n(s.get('units', 0))} units."
    )
    return " ".join(sentences)


def _pct(value: Any) -> str:
    return f"{value * 100:g}%" if isinstance(value, int | float) else str(value)


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _model_paragraph(info: dict) -> str:
    engine = info.get("engine", {})
    name = engine.get("name", info.get("config", {}).get("engine", "gensim"))
    settings = engine.get("settings", {})
    shown = ", ".join(f"{k} = {_value(v)}" for k, v in sorted(settings.items()))
    if name == "tomotopy":
        method = (
            "latent Dirichlet allocation (LDA; Blei et al., 2003) fitted by collapsed Gibbs sampling "
            "(Griffiths & Steyvers, 2004) with tomotopy"
        )
    else:
        method = (
            "latent Dirichlet allocation (LDA; Blei et al., 2003) fitted by online variational Bayes "
            "(Hoffman et al., 2010) with gensim's LdaModel (Řehůřek & Sojka, 2010)"
        )
    ks, seeds = info.get("ks", []), info.get("seeds", [])
    return (
        f"Topics were modelled with {method}, settings: {shown}. "
        f"We fitted {_plural(len(ks), 'value')} of the number of topics (k = {_ks(ks)}) with "
        f"{_plural(len(seeds), 'random seed')} each ({_ks(seeds)}), {_plural(len(ks) * len(seeds), 'model')} "
        f"on {_n(info.get('n_units', 0))} units and {_n(info.get('n_terms', 0))} terms, each in one process "
        "so that every fit is reproducible from its seed."
    )


def _ks(values: list) -> str:
    values = list(values)
    if len(values) > 2 and all(
        b - a == values[1] - values[0] for a, b in zip(values, values[1:], strict=False)
    ):
        step = values[1] - values[0]
        return f"{values[0]}–{values[-1]}" + (f" in steps of {step}" if step != 1 else "")
    return ", ".join(str(v) for v in values)


def _value(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}" if math.isfinite(value) else str(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _selection_paragraph(record: RunRecord) -> str:
    info = record.info
    chosen = record.chosen_model
    rec = info.get("recommendation", {})
    text = (
        "Every model was measured by topic coherence on its top-10 terms (c_npmi, c_v and u_mass; "
        "Röder et al., 2015), topic diversity (unique top-10 terms ÷ 10k) and stability across seeds "
        "(topics of two seeds paired by the Hungarian algorithm (Kuhn, 1955) on the Jaccard similarity "
        "of their top-10 terms). "
    )
    by_k = info.get("measures", {}).get("by_k", [])
    if by_k:
        text += (
            "Mean c_npmi and stability by k: "
            + "; ".join(
                f"k = {row['k']}: {_f(row['mean'].get('c_npmi'))} and {_f(row['mean'].get('stability'))}"
                for row in by_k
            )
            + ". "
        )
    if rec.get("rule"):
        text += (
            f"The model was chosen by the rule: {rec['rule']}"
            + (
                f" (tolerance {_value(rec.get('stability_tolerance'))})"
                if "stability_tolerance" in rec
                else ""
            )
            + ". "
        )
    if info.get("chosen_reason"):
        text += f"Here: {info['chosen_reason']}. "
    sweep = record.sweep()
    row = None
    if sweep is not None:
        rows = [r for r in sweep.to_pylist() if r["model"] == chosen]
        row = rows[0] if rows else None
    text += f"The chosen model, {chosen}"
    if row:
        text += (
            f", has c_npmi {_f(row['c_npmi'])}, c_v {_f(row['c_v'])}, u_mass {_f(row['u_mass'])}, "
            f"diversity {_f(row['diversity'])} and stability {_f(row['stability'])}"
        )
    measures = record.topic_measures()
    if measures is not None:
        values = [
            r["c_npmi"] for r in measures.to_pylist() if r["model"] == chosen and r["c_npmi"] is not None
        ]
        if values:
            text += f"; its topics' c_npmi ranges from {_f(min(values))} to {_f(max(values))}"
    text += "."
    ranking = info.get("term_ranking") or info.get("config", {}).get("term_ranking")
    if ranking:
        text += f" Topic terms were ranked by {ranking}."
    return text


def _f(value: Any) -> str:
    return (
        "n/a" if value is None or (isinstance(value, float) and not math.isfinite(value)) else f"{value:.3f}"
    )


def _codebook_paragraph(codebook: Any) -> str:
    """A guided run (run.json "codebook", written by ``feedcare topics --codebook``)."""
    if not isinstance(codebook, dict):
        return f"The model was guided by a deductive codebook ({codebook})."
    codes = [c for c in codebook.get("codes") or [] if isinstance(c, dict)]
    guided = [c for c in codes if c.get("topic") is not None]
    unreached = [c for c in codes if c.get("topic") is None and c.get("reason")]
    path, digest = codebook.get("path"), codebook.get("sha256")
    where = f" ({path}" + (f", SHA-256 {str(digest)[:16]}…" if digest else "") + ")" if path else ""
    # "name, with 4 sub-codes" (--level): the sentence on the level says where sub-codes went
    sources = sorted({str(c.get("seeds_from")).split(",")[0] for c in guided if c.get("seeds_from")})
    text = (
        f"The topics were guided by a deductive codebook{where} of {_plural(len(codes), 'code')}: "
        f"{_plural(len(guided), 'code')} each guided one topic through seed terms "
        f"({' or '.join(sources) or 'as recorded'}; derived terms passed through the same tokenisation as "
        "the corpus, and only terms in its vocabulary were used). A seed term's topic-term prior was "
        f"eta + {codebook.get('boost')} in its code's topic and eta × 0.001 in every other topic, so "
        f"each seed term belongs to its code; {_plural(int(codebook.get('free', 0)), 'free topic')} "
        "without seeds took what the codebook does not cover."
    )
    folded = [c for c in codes if c.get("folded_into")]
    if codebook.get("level"):
        level = codebook["level"]
        text += (f" Topics were guided at level {level} of the codebook's hierarchy: each of "
                 f"{_plural(len(folded), 'code')} below that level lent its seed terms (given, or derived "
                 f"from its name and description) to its ancestor at level {level}, which guided one topic.")
    expanded = [c for c in guided if c.get("expanded")]
    if expanded:
        text += (
            " Each code whose seeds came from its name was given up to "
            f"{codebook.get('expand')} further seed terms from the corpus itself (pseudo-relevance "
            "feedback: the terms most over-represented, by document frequency, in the units containing "
            "the code's name terms, each term given to one code only), with "
            f"{codebook.get('expanded_weight')} × the boost."
        )
    if guided:
        text += " Seed terms: " + "; ".join(
            f"{c.get('name')}: {', '.join(c.get('seeds') or [])}"
            + (f" (expanded from the corpus: {', '.join(c.get('expanded') or [])})"
               if c.get("expanded") else "")
            for c in guided) + "."
    if unreached:
        text += (f" {_plural(len(unreached), 'code')} had no seed term in the vocabulary and guided no "
                 "topic: " + ", ".join(str(c.get("name")) for c in unreached) + ".")
    return text


def _software_paragraph(info: dict, tokens: dict, manifest: dict) -> str:
    packages = dict(info.get("packages", {}))
    for key, value in (tokens.get("packages") or {}).items():
        packages.setdefault(key, value)
    feedcare = packages.pop("feedcare", tokens.get("feedcare_version", manifest.get("feedcare_version", "?")))
    python = packages.pop("python", None)
    names = ", ".join(f"{k} {v}" for k, v in sorted(packages.items()))
    missing = [name for name in ("nltk", "simplemma") if name not in packages]
    text = (
        f"The analysis was run with feedcare {feedcare} "
        f"(feedcare developers, {_year(info)}; see CITATION.cff)"
        + (f" on Python {python}" if python else "")
        + (f", with {names}" if names else "")
        + "."
    )
    if missing and tokens:
        text += (
            f" The versions of {' and '.join(missing)} used for tokenisation were not recorded by this "
            "version of feedcare; they are covered by the tokens fingerprint."
        )
    text += (
        f" Fingerprints: corpus {manifest.get('fingerprint', info.get('corpus_fingerprint'))}, "
        f"tokens {tokens.get('fingerprint', info.get('tokens_fingerprint'))}, run {info.get('fingerprint')}"
        f" (run id {info.get('run_id')}); `feedcare reproduce` re-runs the analysis and compares them."
    )
    return text


def _year(info: dict) -> str:
    created = str(info.get("created", ""))
    return created[:4] if created[:4].isdigit() else "n.d."


# ---- settings table -------------------------------------------------------------------------


def _defaults(cls: type) -> dict[str, Any]:
    out = {}
    for f in dataclasses.fields(cls):
        if f.default is not dataclasses.MISSING:
            out[f.name] = f.default
        elif f.default_factory is not dataclasses.MISSING:
            out[f.name] = f.default_factory()
    return out


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return list(a) == list(b)
    return a == b


def _settings_rows(record: RunRecord) -> list[tuple[str, ...]]:
    rows = []
    for step, config, cls in (
        ("ingest", record.manifest.get("config", {}), IngestConfig),
        ("tokens", record.tokens.get("config", {}), TokensConfig),
        ("topics", record.info.get("config", {}), TopicsConfig),
    ):
        defaults = _defaults(cls)
        for key, value in sorted(config.items()):
            if key in NO_EFFECT:
                rows.append((step, key, _value(value), "no effect on results"))
            elif key in defaults:
                default = defaults[key]
                mark = "default" if _same(value, default) else f"changed (default {_value(default)})"
                if key == "markers" and mark != "default":
                    mark = "changed"
                rows.append(
                    (step, key, _value(value) if key != "markers" else f"{len(value)} patterns", mark)
                )
            else:
                rows.append((step, key, _value(value), ""))
    for key, value in sorted(record.info.get("engine", {}).get("settings", {}).items()):
        rows.append(("engine", key, _value(value), "as passed to the engine"))
    return rows


def changed_settings(record: RunRecord) -> list[str]:
    """'step.key' of every setting that differs from feedcare's default."""
    return [f"{r[0]}.{r[1]}" for r in _settings_rows(record) if r[3].startswith("changed")]


def _references(info: dict) -> list[str]:
    name = info.get("engine", {}).get("name", "gensim")
    keys = ["blei", "griffiths" if name == "tomotopy" else "hoffman", "kuhn"]
    if name != "tomotopy":
        keys.append("rehurek")
    keys.append("roder")
    refs = [REFERENCES[k] for k in keys]
    ranking = info.get("term_ranking") or info.get("config", {}).get("term_ranking")
    if ranking in TERM_RANKING_REFERENCES:
        refs.append(TERM_RANKING_REFERENCES[ranking])
    packages = info.get("packages", {})
    refs.append(
        f"feedcare developers ({_year(info)}). feedcare: reproducible thematic analysis of interview "
        f"transcripts and free-text feedback (version {packages.get('feedcare', '?')}) [Computer software]. "
        "See CITATION.cff."
    )
    return sorted(refs, key=_sort_key)


def _sort_key(text: str) -> str:
    import unicodedata

    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().casefold()


# ---- renderers --------------------------------------------------------------------------------


def _changed_line(blocks: list[Block]) -> Block:
    table = next(b for b in blocks if b.kind == "table")
    changed = [f"{r[0]}.{r[1]} = {r[2]}" for r in table.rows[1:] if r[3].startswith("changed")]
    return Block(
        "p", "Settings changed from feedcare's defaults: " + ("; ".join(changed) if changed else "none") + "."
    )


def _with_changed(blocks: list[Block]) -> list[Block]:
    index = next(i for i, b in enumerate(blocks) if b.kind == "h" and b.text == "Settings")
    return [*blocks[: index + 1], _changed_line(blocks), *blocks[index + 1 :]]


def _md(blocks: list[Block]) -> str:
    out = []
    for b in _with_changed(blocks):
        if b.kind == "h":
            out.append(("# " if not out else "## ") + b.text)
        elif b.kind == "p":
            out.append(b.text)
        elif b.kind == "list":
            out.append("\n".join(f"- {r[0]}" for r in b.rows))
        else:
            header, *rows = b.rows
            lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
            lines += ["| " + " | ".join(c.replace("|", "\\|") for c in r) + " |" for r in rows]
            out.append("\n".join(lines))
    return "\n\n".join(out) + "\n"


def _txt(blocks: list[Block]) -> str:
    import textwrap

    out = []
    for b in _with_changed(blocks):
        if b.kind == "h":
            out.append(f"{b.text}\n{'=' * len(b.text)}")
        elif b.kind == "p":
            out.append(textwrap.fill(b.text.replace("`", ""), 88))
        elif b.kind == "list":
            out.append(
                "\n".join(
                    textwrap.fill(r[0], 88, initial_indent="- ", subsequent_indent="  ") for r in b.rows
                )
            )
        else:
            widths = [max(len(r[i]) for r in b.rows) for i in range(len(b.rows[0]))]
            lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in b.rows]
            lines.insert(1, "  ".join("-" * w for w in widths))
            out.append("\n".join(lines))
    return "\n\n".join(out) + "\n"


_TEX = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}


def _tex_escape(text: str) -> str:
    out = "".join(_TEX.get(ch, ch) for ch in text)
    parts = out.split("`")
    return "".join(p if i % 2 == 0 else r"\texttt{" + p + "}" for i, p in enumerate(parts))


def _tex(blocks: list[Block]) -> str:
    out = ["% Methods statement written by `feedcare methods`; edit freely. Needs \\usepackage{longtable}."]
    for b in _with_changed(blocks):
        if b.kind == "h":
            out.append(("\\section*{" if len(out) == 1 else "\\subsection*{") + _tex_escape(b.text) + "}")
        elif b.kind == "p":
            out.append(_tex_escape(b.text))
        elif b.kind == "list":
            out.append(
                "\\begin{itemize}\n"
                + "\n".join(f"  \\item {_tex_escape(r[0])}" for r in b.rows)
                + "\n\\end{itemize}"
            )
        else:
            header, *rows = b.rows
            lines = ["\\begin{longtable}{llll}", " & ".join(_tex_escape(c) for c in header) + r" \\ \hline"]
            lines += [" & ".join(_tex_escape(c) for c in r) + r" \\" for r in rows]
            lines.append("\\end{longtable}")
            out.append("\n".join(lines))
    return "\n\n".join(out) + "\n"


RENDERERS = {"md": _md, "tex": _tex, "txt": _txt}
