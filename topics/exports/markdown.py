"""``--format md``: a report section to paste into a paper's appendix.

Every piece of corpus text is escaped, so a transcript containing ``*``, ``[link](…)`` or
``<script>`` shows literally; only the top terms in excerpts are made bold.
"""

from __future__ import annotations

import re

from feedcare.corpus.base.printable import printable
from feedcare.topics.exports.rows import (
    coherence_text,
    percent,
    place,
    question_place,
    ranking_name,
    term_lines,
)
from feedcare.topics.themes.build import ThemesResult
from feedcare.topics.themes.excerpts import Excerpt

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#+|~!&])")


def md_escape(text: str) -> str:
    return _MD_SPECIAL.sub(r"\\\1", text)


def md_highlighted(excerpt: Excerpt) -> str:
    return excerpt.marked(md_escape, lambda term: f"**{term}**")


def to_markdown(result: ThemesResult) -> str:
    """A report section to paste into a paper's appendix."""
    lines = [
        f"## Themes (run {md_escape(result.run_id)}, model {md_escape(result.model)})",
        "",
        f"{result.n_topics} topics over {result.n_units} units from {result.n_participants} participants. "
        "Prevalence: share of units whose dominant theme it is; word share: share of words. "
        "Spread: participants voicing the topic in at least one unit it dominates.",
        "",
    ]
    if result.themes and result.themes[0].distinctive:
        lines += [
            "Top terms are ranked by probability: what is frequent in a topic. Distinctive terms are "
            f"ranked by {md_escape(ranking_name(result))}: what sets it apart.",
            "",
        ]
    if result.corpus_wide:
        lines += [
            f"Corpus-wide terms (in the top terms of at least half the topics): "
            f"{md_escape(', '.join(result.corpus_wide))}.",
            "",
        ]
    for theme in result.themes:
        p = theme.prevalence
        spread = "" if result.single_turn else f"*spread:* {p.spread} participants; "
        lines += [
            f"### Topic {theme.topic}: {md_escape(theme.name)}",
            "",
            *([md_escape(theme.memo), ""] if theme.memo else []),
            *(f"*{heading}:* {md_escape(terms)}  " for heading, terms in term_lines(result, theme)),
            f"*Prevalence:* {percent(p.unit_share)} of units; *word share:* {percent(p.word_share)}; "
            f"{spread}*coherence ({result.config.coherence}):* "
            f"{coherence_text(theme.coherence)}",
            "",
        ]
        lines += markdown_excerpts(theme.excerpts)
    if result.groups is not None:
        lines += markdown_group_table(result)
        lines += markdown_group_excerpts(result)
    return printable("\n".join(lines).rstrip() + "\n")  # no control characters from transcripts


def markdown_excerpts(excerpts) -> list[str]:
    """Each excerpt as a blockquote, the interviewer's question above it (never inside)."""
    lines: list[str] = []
    for e in excerpts:
        if e.question:
            # Context above the quote, in italics and outside the blockquote: never quoted.
            asked = " ".join(e.question.split())
            lines += [f"*Interviewer ({question_place(e)}):* *{md_escape(asked)}*", ""]
        quoted = md_highlighted(e).split("\n")
        ellipsis_before = "… " if e.trimmed_before else ""
        ellipsis_after = " …" if e.trimmed_after else ""
        quoted[0] = ellipsis_before + quoted[0]
        quoted[-1] = quoted[-1] + ellipsis_after
        lines += [f"> {line}" if line else ">" for line in quoted]
        lines += [f"> — {md_escape(place(e))}; weight {e.weight:.2f}", ""]
    return lines


def markdown_group_excerpts(result: ThemesResult) -> list[str]:
    if not result.group_excerpts or result.groups is None:
        return []
    attribute = md_escape(result.groups.attribute)
    lines = [f"### Excerpts by {attribute}", ""]
    for theme in result.themes:
        for group, by_topic in result.group_excerpts.items():
            heading = f"#### Topic {theme.topic}: {md_escape(theme.name)} — {attribute} = {md_escape(group)}"
            lines += [heading, ""]
            lines += markdown_excerpts(by_topic.get(theme.topic, ())) or ["No excerpts.", ""]
    return lines


def markdown_group_table(result: ThemesResult) -> list[str]:
    table = result.groups
    if table is None:
        return []
    same = all(c.n_units == c.n_participants for c in table.cells)  # comments: one count is enough
    header = ["Topic", *(f"{md_escape(g.group)} (n={g.n_participants})" for g in table.groups)]
    lines = [
        f"### Mean weight by {md_escape(table.attribute)}",
        "",
        "Mean weight of the theme over each group's units; in brackets: units whose dominant theme it is"
        + ("" if same else " / their participants")
        + ". "
        f"† fewer than {table.min_participants} participants: too few to interpret.",
        "",
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
    ]
    for theme in result.themes:
        cells = []
        for g in table.groups:
            c = table.cell(theme.topic, g.group)
            mark = " †" if c.few_participants else ""
            count = f"{c.n_units}" if same else f"{c.n_units}/{c.n_participants}"
            cells.append(f"{percent(c.mean_share)} ({count}){mark}")
        lines.append(f"| {theme.topic}: {md_escape(theme.name)} | " + " | ".join(cells) + " |")
    lines.append("")
    lines += [f"*Note:* {md_escape(note)}\n" for note in result.group_notes]
    return lines
