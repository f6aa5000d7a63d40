"""Charts as server-rendered inline SVG: no script, no style attribute (the CSP is
``default-src 'self'``), colours from CSS classes (static/analytics.css, light and dark).

Two kinds, both pure functions of their numbers:
- ``grouped_bars``: one group of bars per category (a week), one bar per series (with / without
  a runbook), the value and its count written on each; a point without a value (too few cases
  for a median) has no bar, only its count;
- ``interval_bars``: one horizontal bar per row (a runbook's success rate) with its interval as
  an error bar.

Every chart carries ``<title>`` and ``<desc>`` (the text alternative; the page repeats the
numbers in a table); every text is escaped. No data at all: an empty-state paragraph instead."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup

WIDTH = 640
LABEL_CHARS = 28  # row labels of interval_bars are cut to this many characters


@dataclass(frozen=True)
class Point:
    """One bar: its value (None: no bar) and the count it rests on."""

    value: float | None
    count: int


@dataclass(frozen=True)
class Series:
    name: str
    css_class: str  # e.g. "series-a": the bar's colour (analytics.css)
    points: Sequence[Point]  # one per category, in order


@dataclass(frozen=True)
class Row:
    """One horizontal bar: a rate in [0, 1] with its interval, and a note (e.g. "3/5")."""

    label: str
    rate: float | None
    low: float | None
    high: float | None
    note: str


def _num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _empty(message: str) -> Markup:
    return Markup('<p class="empty">{}</p>').format(message)


def _svg(chart_id: str, title: str, desc: str, height: float, body: list[str]) -> Markup:
    head = Markup(
        '<svg class="chart" id="{id}" viewBox="0 0 {w} {h}" width="{w}" height="{h}" '
        'role="img" aria-labelledby="{id}-title {id}-desc" '
        'preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">'
        '<title id="{id}-title">{title}</title><desc id="{id}-desc">{desc}</desc>'
    ).format(id=chart_id, w=WIDTH, h=_num(height), title=title, desc=desc)
    return head + Markup("").join(Markup(part) for part in body) + Markup("</svg>")


def _text(
    x: float, y: float, text: str, css: str = "", anchor: str = "middle", turn: bool = False
) -> str:
    """A text at (x, y); ``turn``: read bottom to top (a vertical axis label)."""
    rotate = Markup(' transform="rotate(-90 {} {})"').format(_num(x), _num(y)) if turn else ""
    return Markup('<text x="{}" y="{}" text-anchor="{}" class="{}"{}>{}</text>').format(
        _num(x), _num(y), anchor, css, rotate, text
    )


def _rect(x: float, y: float, width: float, height: float, css: str) -> str:
    return Markup('<rect x="{}" y="{}" width="{}" height="{}" class="{}"/>').format(
        _num(x), _num(y), _num(width), _num(height), css
    )


def _line(x1: float, y1: float, x2: float, y2: float, css: str) -> str:
    return Markup('<line x1="{}" y1="{}" x2="{}" y2="{}" class="{}"/>').format(
        _num(x1), _num(y1), _num(x2), _num(y2), css
    )


def grouped_bars(
    *,
    chart_id: str,
    title: str,
    desc: str,
    categories: Sequence[str],
    series: Sequence[Series],
    unit: str,
    axis_label: str,
    empty: str,
) -> Markup:
    """Bars whose heights are proportional to their values (0 at the axis), grouped by
    category; each bar says its value and count ("50 min / n=5"), a point without a value
    says only its count. No category or no count at all: ``empty`` as a paragraph."""
    if not categories or not any(p.count for s in series for p in s.points):
        return _empty(empty)
    top, plot_height, left, bottom_room = 52.0, 200.0, 56.0, 28.0
    legend_y = 14.0
    height = top + plot_height + bottom_room
    base = top + plot_height
    peak = max((p.value for s in series for p in s.points if p.value is not None), default=0.0)
    scale = plot_height / peak if peak > 0 else 0.0
    group_width = (WIDTH - left - 8) / len(categories)
    bar_width = min(48.0, group_width * 0.8 / max(1, len(series)))
    body: list[str] = []
    for fraction in (0.0, 0.5, 1.0):  # gridlines with their values
        y = base - plot_height * fraction
        body.append(_line(left, y, WIDTH - 8, y, "grid"))
        body.append(_text(left - 6, y + 4, _num(peak * fraction), "tick", "end"))
    body.append(_text(14, base - plot_height / 2, axis_label, "axis-label", turn=True))
    for s_index, one in enumerate(series):  # legend
        x = left + s_index * 200
        body.append(_rect(x, legend_y - 10, 12, 12, one.css_class))
        body.append(_text(x + 18, legend_y, one.name, "legend", "start"))
    for c_index, category in enumerate(categories):
        x0 = left + c_index * group_width + (group_width - bar_width * len(series)) / 2
        for s_index, one in enumerate(series):
            point = one.points[c_index]
            x = x0 + s_index * bar_width
            middle = x + bar_width / 2
            if point.value is not None:
                bar = point.value * scale
                body.append(_rect(x + 2, base - bar, bar_width - 4, bar, f"bar {one.css_class}"))
                label = f"{_num(point.value)} {unit}"
                body.append(_text(middle, base - bar - 14, label, "value"))
                body.append(_text(middle, base - bar - 3, f"n={point.count}", "count"))
            else:
                body.append(_text(middle, base - 3, f"n={point.count}", "count"))
        body.append(_text(x0 + bar_width * len(series) / 2, base + 16, category, "tick"))
    body.append(_line(left, base, WIDTH - 8, base, "axis"))
    return _svg(chart_id, title, desc, height, body)


def interval_bars(
    *, chart_id: str, title: str, desc: str, rows: Sequence[Row], empty: str
) -> Markup:
    """A horizontal bar per row, its length proportional to the rate (0..100%), with the
    interval [low, high] as an error bar and the note at the right. A row without a rate
    shows only its note. No rows: ``empty`` as a paragraph."""
    if not rows:
        return _empty(empty)
    top, row_height, left, right = 30.0, 30.0, 200.0, 110.0
    plot_width = WIDTH - left - right
    height = top + row_height * len(rows) + 8
    body: list[str] = []
    for fraction in (0.0, 0.5, 1.0):
        x = left + plot_width * fraction
        body.append(_line(x, top - 6, x, height - 8, "grid"))
        body.append(_text(x, top - 12, f"{round(fraction * 100)}%", "tick"))
    for index, row in enumerate(rows):
        y = top + index * row_height
        middle = y + row_height / 2
        label = row.label if len(row.label) <= LABEL_CHARS else row.label[: LABEL_CHARS - 1] + "…"
        body.append(_text(left - 8, middle + 4, label, "row-label", "end"))
        if row.rate is not None:
            body.append(_rect(left, y + 7, plot_width * row.rate, row_height - 14, "bar series-a"))
        if row.low is not None and row.high is not None:
            x1, x2 = left + plot_width * row.low, left + plot_width * row.high
            body.append(_line(x1, middle, x2, middle, "whisker"))
            body.append(_line(x1, y + 5, x1, y + row_height - 5, "whisker"))
            body.append(_line(x2, y + 5, x2, y + row_height - 5, "whisker"))
        body.append(_text(left + plot_width + 8, middle + 4, row.note, "value", "start"))
    return _svg(chart_id, title, desc, height, body)
