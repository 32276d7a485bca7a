"""One self-contained, offline HTML report: inline CSS, inline SVG charts, no script at all.

Every piece of corpus text (excerpts, labels, memos, terms, attribute values, file names) goes
through :func:`html.escape`, and a strict Content-Security-Policy forbids scripts and any
network access, so a transcript containing ``<script>`` shows as text and cannot run.
"""

from __future__ import annotations

import math
from html import escape
from statistics import mean

from feedcare.corpus.base.printable import printable
from feedcare.topics.exports.rows import (
    DEFINITIONS,
    coherence_text,
    percent,
    place,
    question_place,
    term_lines,
)
from feedcare.topics.themes.build import SweepPoint, Theme, ThemesResult
from feedcare.topics.themes.excerpts import Excerpt

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"
PALETTE = (
    "#1b6ca8",
    "#d1495b",
    "#00798c",
    "#edae49",
    "#66a182",
    "#8d6a9f",
    "#c96e12",
    "#2e4057",
    "#7a9e9f",
    "#a23b72",
)

CSS = """
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0; color: #1d2433;
       background: #f6f7f9; }
main { max-width: 1040px; margin: 0 auto; padding: 24px; }
h1 { font-size: 1.6em; margin: 0 0 4px; } h2 { margin-top: 36px; border-bottom: 1px solid #d6dae1; }
.meta { color: #5a6272; margin: 0 0 16px; }
section.topic { background: #fff; border: 1px solid #dde1e7; border-radius: 8px; padding: 16px 20px;
                margin: 18px 0; border-left: 6px solid var(--c); }
section.topic h3 { margin: 0 0 6px; }
.stats { color: #3b4252; margin: 4px 0 10px; } .stats b { font-weight: 600; }
.memo { font-style: italic; color: #3b4252; }
.cols { display: flex; gap: 24px; flex-wrap: wrap; } .cols > div { flex: 1 1 300px; }
.cols > div.terms { flex: 0 1 330px; } .cols > div.quotes { flex: 1 1 420px; min-width: 0; }
blockquote { margin: 10px 0; padding: 8px 12px; background: #f8f9fb; border-left: 3px solid var(--c);
             white-space: pre-wrap; overflow-wrap: anywhere; }
blockquote footer { white-space: normal; color: #5a6272; font-size: .88em; margin-top: 4px; }
.question { margin: 14px 0 -6px; color: #5a6272; font-size: .9em; font-style: italic; }
.question .who { font-style: normal; font-weight: 600; }
mark { background: #ffe08a; padding: 0 1px; border-radius: 2px; }
table { border-collapse: collapse; background: #fff; font-size: .93em; }
th, td { border: 1px solid #dde1e7; padding: 4px 8px; text-align: left; vertical-align: top; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.few { color: #8a8f99; font-style: italic; }
a { color: #1b6ca8; } svg { max-width: 100%; height: auto; }
.note { color: #5a6272; font-size: .9em; }
figure.bars { margin: 0; min-width: 0; }
figure.bars figcaption { font-weight: 600; margin-bottom: 6px; }
.legend { color: #5a6272; font-size: .88em; margin-bottom: 6px; }
.key { display: inline-block; width: 10px; height: 10px; background: #555; margin: 0 4px 0 10px; }
.key.words { opacity: .45; }
.bar-row { display: grid; grid-template-columns: minmax(7em, 13em) minmax(60px, 1fr) auto; gap: 4px 8px;
           align-items: center; margin: 4px 0; font-size: .9em; }
.bar-label { overflow-wrap: anywhere; line-height: 1.25; }
.bar-track { min-width: 0; }
.bar { height: 10px; background: var(--c); } .bar.words { opacity: .45; margin-top: 2px; }
.bar-value { color: #5a6272; font-variant-numeric: tabular-nums; white-space: nowrap; }
aside.howto { background: #fff; border: 1px solid #dde1e7; border-radius: 8px; padding: 8px 16px;
              margin: 12px 0; font-size: .92em; }
aside.howto h3 { margin: 4px 0; font-size: 1em; } aside.howto ul { margin: 4px 0; padding-left: 20px; }
@media print {
  body { background: #fff; font-size: 11pt; }
  main { max-width: none; padding: 0; }
  section.topic, figure, aside.howto, table, blockquote, svg { break-inside: avoid; }
  section.topic { border: 1px solid #999; border-left: 6px solid var(--c); }
  h2, h3 { break-after: avoid; }
  a { color: inherit; text-decoration: none; }
  .bar, .key, mark, td { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"""


def to_html(result: ThemesResult) -> str:
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<link rel="icon" href="data:,">',
        f"<title>Themes — {escape(result.run_id)} ({escape(result.model)})</title>",
        f"<style>{CSS}</style></head><body><main>",
        _header(result),
        _overview(result),
    ]
    parts.append(_how_to_read(result))
    if result.sweep:
        parts.append(_sweep_section(result))
    parts.append("<h2>Topics</h2>")
    parts += [_topic_section(result, theme, i) for i, theme in enumerate(result.themes)]
    if result.groups is not None:
        parts.append(_group_section(result))
    parts.append(_definitions())
    parts.append("</main></body></html>\n")
    return printable("\n".join(parts))  # escaped for HTML, and no control characters either


def _colour(topic: int) -> str:
    return PALETTE[topic % len(PALETTE)]


def _header(result: ThemesResult) -> str:
    labels = f" · labels: {escape(str(result.labels_path.name))}" if result.labels_path else ""
    return (
        f'<h1>Themes</h1><p class="meta">Run <b>{escape(result.run_id)}</b> · model '
        f"<b>{escape(result.model)}</b>{' (chosen)' if result.model == result.chosen_model else ''} · "
        f"{result.n_topics} topics · {result.n_units} units · {result.n_participants} participants"
        f"{labels}</p>" + "".join(f'<p class="note">{escape(note)}</p>' for note in result.notes)
    )


def _overview(result: ThemesResult) -> str:
    rows = "".join(
        f'<tr><td><a href="#topic-{t.topic}">{t.topic}</a></td><td>{escape(t.name)}</td>'
        f'<td class="num">{percent(t.prevalence.unit_share)}</td>'
        f'<td class="num">{percent(t.prevalence.word_share)}</td>'
        f'<td class="num">{t.prevalence.spread}</td><td class="num">{coherence_text(t.coherence)}</td></tr>'
        for t in result.themes
    )
    table = (
        "<table><thead><tr><th>Topic</th><th>Theme</th><th>Prevalence</th><th>Word share</th><th>Spread</th>"
        f"<th>Coherence ({escape(result.config.coherence)})</th></tr></thead><tbody>{rows}</tbody></table>"
    )
    return (
        '<h2>Overview</h2><div class="cols"><div>'
        + table
        + "</div><div>"
        + prevalence_chart(result.themes)
        + "</div></div>"
    )


def _topic_section(result: ThemesResult, theme: Theme, index: int) -> str:
    p = theme.prevalence
    memo = f'<p class="memo">{escape(theme.memo)}</p>' if theme.memo else ""
    quotes = "".join(_excerpt(e) for e in theme.excerpts) or '<p class="note">No excerpts.</p>'
    return (
        f'<section class="topic" id="topic-{theme.topic}" style="--c: {_colour(theme.topic)}">'
        f"<h3>Topic {theme.topic}: {escape(theme.name)}</h3>{memo}"
        f'<p class="stats">prevalence <b>{percent(p.unit_share)}</b> of units ({p.n_units}) · '
        f"word share <b>{percent(p.word_share)}</b> · "
        + ("" if result.single_turn else f"spread <b>{p.spread}</b> participants · ")
        + f"coherence {coherence_text(theme.coherence)}</p>"
        f"{_term_lists(result, theme)}"
        f'<div class="cols"><div class="terms">{term_bars(theme)}</div>'
        f'<div class="quotes">{quotes}</div></div></section>'
    )


def _term_lists(result: ThemesResult, theme: Theme) -> str:
    """The probable and the distinctive terms, each saying how it is ranked."""
    return "".join(
        f'<p class="terms-line"><b>{escape(heading)}:</b> {escape(terms)}</p>'
        for heading, terms in term_lines(result, theme)
    )


def highlighted(excerpt: Excerpt) -> str:
    """The excerpt's text, escaped, with the top terms in <mark>."""
    return excerpt.marked(escape, lambda term: f"<mark>{term}</mark>")


def _excerpt(e: Excerpt) -> str:
    before = "… " if e.trimmed_before else ""
    after = " …" if e.trimmed_after else ""
    speaker = f"{escape(e.speaker)}: " if e.speaker not in (None, e.participant_id) else ""
    # The question is context in its own element before the quote, never inside <blockquote>.
    asked = (
        f'<p class="question"><span class="who">Interviewer ({question_place(e)}):</span> '
        f"{escape(e.question)}</p>"
        if e.question
        else ""
    )
    return (
        f'{asked}<blockquote data-doc="{escape(e.doc_id)}" data-start="{e.char_start}" '
        f'data-end="{e.char_end}">'
        f"{before}{highlighted(e)}{after}<footer>{speaker}{escape(place(e))} · weight {e.weight:.2f}"
        f"</footer></blockquote>"
    )


# --- charts (inline SVG) -------------------------------------------------------------------------


def _svg(width: int, height: int, body: str, title: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>'
        f'<g font-size="12" font-family="system-ui, sans-serif">{body}</g></svg>'
    )


def _clip(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def term_bars(theme: Theme) -> str:
    if not theme.terms:
        return ""
    top = max(t.weight for t in theme.terms) or 1.0
    rows = []
    for i, term in enumerate(theme.terms):
        y = 6 + i * 20
        width = 150 * term.weight / top
        rows.append(
            f'<text x="116" y="{y + 12}" text-anchor="end">{escape(_clip(term.term, 18))}</text>'
            f'<rect x="122" y="{y + 2}" width="{width:.1f}" height="13" fill="{_colour(theme.topic)}"/>'
            f'<text x="{126 + width:.1f}" y="{y + 12}" fill="#5a6272">{term.weight:.3f}</text>'
        )
    title = f"Top terms of topic {theme.topic} by probability"
    return _svg(320, 12 + 20 * len(theme.terms), "".join(rows), title)


def prevalence_chart(themes: tuple[Theme, ...]) -> str:
    """Prevalence and word share per theme as HTML bars: the labels wrap, never cut."""
    top = max((max(t.prevalence.unit_share, t.prevalence.word_share) for t in themes), default=0) or 1.0
    rows = "".join(
        f'<div class="bar-row" style="--c: {_colour(t.topic)}">'
        f'<div class="bar-label">{t.topic}: {escape(t.name)}</div><div class="bar-track">'
        f'<div class="bar" style="width: {100 * t.prevalence.unit_share / top:.1f}%"></div>'
        f'<div class="bar words" style="width: {100 * t.prevalence.word_share / top:.1f}%"></div></div>'
        f'<div class="bar-value">{percent(t.prevalence.unit_share)} / {percent(t.prevalence.word_share)}'
        "</div></div>"
        for t in themes
    )
    return (
        '<figure class="bars" role="img" aria-label="Prevalence by topic">'
        "<figcaption>Prevalence by topic</figcaption>"
        '<div class="legend"><span class="key"></span>prevalence (share of units)'
        '<span class="key words"></span>word share</div>'
        f"{rows}</figure>"
    )


def nice_ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    """About ``n`` round tick values covering [lo, hi] (1, 2, 2.5 or 5 × a power of ten apart)."""
    span = hi - lo
    raw = span / max(n - 1, 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    first = math.floor(lo / step) * step
    ticks = []
    value = first
    while value <= hi + step * 1e-6:
        ticks.append(round(value, 10))
        value += step
    if ticks[-1] < hi - step * 1e-6:
        ticks.append(round(value, 10))
    return ticks


def _tick_text(value: float, step: float) -> str:
    decimals = max(
        0, -math.floor(math.log10(step)) + (1 if step / 10 ** math.floor(math.log10(step)) == 2.5 else 0)
    )
    return f"{value:.{decimals}f}".replace("-", "−")


def line_chart(
    points: list[tuple[int, float]], chosen_k: int | None, title: str, colour: str, y_title: str = ""
) -> str:
    """Values against k: a dot per fit and a line through the mean at each k, with titled axes."""
    width, height, left, right, top, bottom = 420, 250, 64, 14, 28, 46
    ks = sorted({k for k, _ in points})
    values = [v for _, v in points]
    lo, hi = min(values), max(values)
    if hi - lo < 1e-9:
        lo, hi = lo - 0.5, hi + 0.5
    ticks = nice_ticks(lo, hi)
    lo, hi = min(lo, ticks[0]), max(hi, ticks[-1])
    plot_w = width - left - right

    def x(k: int) -> float:
        return left + plot_w * (ks.index(k) + 0.5) / len(ks)

    def y(v: float) -> float:
        return top + (height - top - bottom) * (hi - v) / (hi - lo)

    body = [
        f'<text x="{width / 2}" y="16" text-anchor="middle" font-weight="600">{escape(title)}</text>',
        f'<line x1="{left}" y1="{height - bottom}" x2="{width - right}" y2="{height - bottom}" '
        'stroke="#999"/>',
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{height - bottom}" stroke="#999"/>',
    ]
    step = ticks[1] - ticks[0] if len(ticks) > 1 else 1.0
    for t in ticks:
        body.append(
            f'<line x1="{left}" y1="{y(t):.1f}" x2="{width - right}" y2="{y(t):.1f}" stroke="#e3e6eb"/>'
            f'<line x1="{left - 4}" y1="{y(t):.1f}" x2="{left}" y2="{y(t):.1f}" stroke="#999"/>'
            f'<text x="{left - 7}" y="{y(t) + 4:.1f}" text-anchor="end">{_tick_text(t, step)}</text>'
        )
    # k labels: thin them out when they would collide (~26 px each), always keeping the chosen k.
    every = max(1, math.ceil(26 / (plot_w / len(ks))))
    chosen_i = ks.index(chosen_k) if chosen_k in ks else None
    for i, k in enumerate(ks):
        body.append(
            f'<line x1="{x(k):.1f}" y1="{height - bottom}" x2="{x(k):.1f}" y2="{height - bottom + 4}" '
            'stroke="#999"/>'
        )
        shown = i == chosen_i or (i % every == 0 and (chosen_i is None or abs(i - chosen_i) >= every))
        if shown:
            weight = ' font-weight="700"' if k == chosen_k else ""
            body.append(
                f'<text x="{x(k):.1f}" y="{height - bottom + 17}" text-anchor="middle"{weight}>{k}</text>'
            )
    body.append(
        f'<text x="{left + plot_w / 2:.1f}" y="{height - 8}" text-anchor="middle" fill="#3b4252">'
        "number of topics k (bold: chosen)</text>"
    )
    if y_title:
        middle = top + (height - top - bottom) / 2
        body.append(
            f'<text transform="translate(14 {middle:.1f}) rotate(-90)" text-anchor="middle" '
            f'fill="#3b4252">{escape(y_title)}</text>'
        )
    means = [(k, mean(v for kk, v in points if kk == k)) for k in ks]
    if len(means) > 1:
        path = " ".join(f"{x(k):.1f},{y(v):.1f}" for k, v in means)
        body.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
    for k, v in points:
        body.append(f'<circle cx="{x(k):.1f}" cy="{y(v):.1f}" r="3.5" fill="{colour}" fill-opacity="0.7"/>')
    return _svg(width, height, "".join(body), title)


MEASURES_HELP = {
    "c_npmi": "topic coherence from −1 to 1: how often a topic's top words occur together in the "
    "units. Around 0 or below is weak (−0.06 is low); 0.1 and above is usually readable.",
    "c_v": "topic coherence from 0 to 1, higher is better; roughly 0.4–0.7 for interpretable topics.",
    "u_mass": "topic coherence, always ≤ 0; closer to 0 is better. Compare it only within one corpus.",
}


def _how_to_read(result: ThemesResult) -> str:
    measure = result.config.coherence
    others = [m for m in MEASURES_HELP if m != measure]
    items = [
        "<li><b>Prevalence</b>: share of units whose dominant (highest-weight) theme it is. "
        "<b>Word share</b>: share of the words the model gives the theme. <b>Mean weight</b> (by group): "
        "the theme's average weight over the group's units.</li>",
        "<li><b>Spread</b>: how many participants voice the theme in at least one unit it dominates; "
        "a theme from one or two people is not a finding about the group.</li>",
        f"<li><b>{escape(measure)}</b> (shown): {escape(MEASURES_HELP[measure])}</li>",
        *(f"<li><b>{escape(m)}</b>: {escape(MEASURES_HELP[m])}</li>" for m in others),
        "<li><b>Stability</b>: 0 to 1, how alike the topics of fits with different seeds are (matched "
        "Jaccard of top terms); low stability means another seed could give other themes.</li>",
    ]
    return (
        '<aside class="howto"><h3>How to read these measures</h3><ul>' + "".join(items) + "</ul>"
        '<p class="note">Measures help choose and check; the themes are defended by reading the '
        "excerpts.</p></aside>"
    )


def _sweep_section(result: ThemesResult) -> str:
    chosen = next((p.k for p in result.sweep if p.model == result.chosen_model), None)
    measure = result.config.coherence
    charts = []
    for key, title, colour in (
        (measure, f"Coherence ({measure})", "#1b6ca8"),
        ("stability", "Stability", "#d1495b"),
    ):
        points = _points(result.sweep, key)
        if points:
            charts.append(f"<div>{line_chart(points, chosen, title + ' vs k', colour, title)}</div>")
    if not charts:
        return ""
    return (
        '<h2>Choosing k</h2><p class="note">One dot per fit (seed); the line joins the means at each k. '
        f'The chosen model is {escape(result.chosen_model)}.</p><div class="cols">'
        + "".join(charts)
        + "</div>"
    )


def _points(sweep: tuple[SweepPoint, ...], key: str) -> list[tuple[int, float]]:
    return [(p.k, getattr(p, key)) for p in sweep if getattr(p, key, None) is not None]


def _group_section(result: ThemesResult) -> str:
    table = result.groups
    if table is None:
        return ""
    top = max((c.mean_share for c in table.cells), default=0) or 1.0
    head = "".join(
        f'<th>{escape(g.group)}<br><span class="note">{g.n_units} units, {g.n_participants} participants'
        "</span></th>"
        for g in table.groups
    )
    rows = []
    for theme in result.themes:
        cells = []
        for g in table.groups:
            c = table.cell(theme.topic, g.group)
            alpha = 0.08 + 0.5 * c.mean_share / top
            css = ' class="num few"' if c.few_participants else ' class="num"'
            mark = " †" if c.few_participants else ""
            cells.append(
                f'<td{css} style="background: rgba(27, 108, 168, {alpha:.2f})">{percent(c.mean_share)}'
                f'<br><span class="note">{c.n_units} units / {c.n_participants} part.{mark}</span></td>'
            )
        rows.append(f"<tr><td>{theme.topic}: {escape(theme.name)}</td>{''.join(cells)}</tr>")
    return (
        f'<h2>Mean weight by {escape(table.attribute)}</h2><p class="note">Mean weight of the theme over '
        "each group's units; below it, the units whose dominant theme it is and their participants. "
        "† fewer than "
        f"{table.min_participants} participants: too few to read anything into.</p>"
        f"<table><thead><tr><th>Topic</th>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _definitions() -> str:
    items = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in DEFINITIONS.items())
    return (
        '<h2>Definitions</h2><dl class="note">' + items + "<dt>turns</dt><dd>counted from 1 in the "
        "transcript; times are the first turn's timestamp</dd></dl>"
    )
