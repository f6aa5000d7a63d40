"""web/charts.py: the inline SVG charts of the analytics page, as pure functions (no database):
bar heights proportional to the values, an empty state without data, every text escaped, a
text alternative on every chart, nothing the CSP would block."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from faultmaven.web.charts import Point, Row, Series, grouped_bars, interval_bars

SVG = "{http://www.w3.org/2000/svg}"


def _weeks(with_: list[Point], without: list[Point], categories: list[str] | None = None) -> str:
    return grouped_bars(
        chart_id="c",
        title="Time to resolve",
        desc="Median minutes by week.",
        categories=categories or [f"w{i}" for i in range(len(with_))],
        series=[Series("With", "series-a", with_), Series("Without", "series-b", without)],
        unit="min",
        axis_label="median minutes",
        empty="Nothing resolved.",
    )


def _bars(svg: str, css: str) -> list[ET.Element]:
    root = ET.fromstring(svg)
    return [r for r in root.iter(f"{SVG}rect") if r.get("class") == f"bar {css}"]


def test_bar_heights_are_proportional_to_the_values_and_share_one_baseline() -> None:
    svg = _weeks([Point(50, 5), Point(25, 6)], [Point(100, 7), Point(None, 3)])
    with_bars, without_bars = _bars(svg, "series-a"), _bars(svg, "series-b")
    assert len(with_bars) == 2 and len(without_bars) == 1  # no median, no bar
    heights = [float(b.get("height", "")) for b in [*with_bars, *without_bars]]
    assert heights[0] / heights[2] == 0.5 and heights[1] / heights[2] == 0.25
    bottoms = {float(b.get("y", "")) + float(b.get("height", "")) for b in with_bars + without_bars}
    assert len(bottoms) == 1
    texts = [t.text for t in ET.fromstring(svg).iter(f"{SVG}text")]
    assert "50 min" in texts and "n=5" in texts and "100 min" in texts
    assert "n=3" in texts  # the point without a median still says its count


def test_every_chart_has_a_text_alternative_and_nothing_the_csp_blocks() -> None:
    rows = [Row("Redis OOM", 0.6, 0.23, 0.88, "60% (3/5)")]
    for svg in (
        _weeks([Point(50, 5)], [Point(120, 6)]),
        interval_bars(chart_id="s", title="Success", desc="Rates.", rows=rows, empty="None."),
    ):
        root = ET.fromstring(svg)
        assert root.get("role") == "img"
        title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
        assert title is not None and title.text and desc is not None and desc.text
        assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
        assert "style=" not in svg and "<script" not in svg and "href" not in svg


def test_no_data_gives_the_empty_state_not_an_empty_chart() -> None:
    assert _weeks([], [], categories=[]) == '<p class="empty">Nothing resolved.</p>'
    assert _weeks([Point(None, 0)], [Point(None, 0)]).startswith('<p class="empty">')
    empty = interval_bars(chart_id="s", title="t", desc="d", rows=[], empty="No <runbook>.")
    assert empty == '<p class="empty">No &lt;runbook&gt;.</p>'


def test_every_text_is_escaped() -> None:
    evil = '<script>alert(1)</script>"&'
    rows = [Row(evil, 0.5, 0.1, 0.9, evil)]
    svg = interval_bars(chart_id="s", title=evil, desc=evil, rows=rows, empty="")
    assert "<script>" not in svg
    root = ET.fromstring(svg)  # still well-formed XML
    assert root.find(f"{SVG}title").text == evil  # type: ignore[union-attr]
    labels = [t.text for t in root.iter(f"{SVG}text")]
    assert any(label and label.startswith("<script>") for label in labels)  # cut, as text


def test_interval_bars_draw_the_rate_and_its_interval_on_one_scale() -> None:
    rows = [Row("A", 0.5, 0.2, 0.8, "50%"), Row("B", None, None, None, "no answers")]
    root = ET.fromstring(interval_bars(chart_id="s", title="t", desc="d", rows=rows, empty=""))
    (bar,) = [r for r in root.iter(f"{SVG}rect") if "bar" in (r.get("class") or "")]
    whiskers = [w for w in root.iter(f"{SVG}line") if w.get("class") == "whisker"]
    x1, x2 = float(whiskers[0].get("x1", "")), float(whiskers[0].get("x2", ""))
    start, width = float(bar.get("x", "")), float(bar.get("width", ""))
    full = width / 0.5
    assert (x1 - start) / full == 0.2 and (x2 - start) / full == 0.8
    assert len(whiskers) == 3  # one row with an interval: its line and two caps
    assert re.search(r">no answers<", ET.tostring(root, encoding="unicode"))
