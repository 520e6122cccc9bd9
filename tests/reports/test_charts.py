"""SVG charts: accessible, escaped, mirrored right to left, hidden cells drawn as no bar."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from consult.reports import charts
from consult.reports.charts import Bar, Series
from tests.reports.sample import HOSTILE, table

SVG = "{http://www.w3.org/2000/svg}"


def percent(share: float) -> str:
    return f"{round(share * 100)} %"


def parsed(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 (our own output, parsed to check it)


def bars_of(root: ET.Element) -> list[ET.Element]:
    return [r for r in root.iter(f"{SVG}rect") if "bar" in r.get("class", "").split()]


def test_shares_of_a_column_with_a_hidden_cell() -> None:
    data = table(["a", "b", "c"], ["all"], [[20], [16], [None]], [40])
    bars = charts.table_bars(data, "all", ["A", "B", "C"], percent, "hidden")
    assert bars == [Bar("A", 0.5, "50 %"), Bar("B", 0.4, "40 %"), Bar("C", None, "hidden")]
    root = parsed(charts.bar_chart("q1", "Title", "What it shows.", bars))
    drawn = bars_of(root)
    assert len(drawn) == 2  # the hidden cell gets no bar
    assert float(drawn[0].get("width", 0)) > float(drawn[1].get("width", 0))
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert texts == ["A", "50 %", "B", "40 %", "C", "hidden"]
    marks = [t for t in root.iter(f"{SVG}text") if "hidden-mark" in t.get("class", "")]
    assert [t.text for t in marks] == ["hidden"]


def test_shares_along_rows() -> None:
    data = table(["x"], ["essential", "important"], [[30, 10]], [30, 10])
    [bar] = charts.table_bars(data, "essential", ["X"], percent, "hidden", by_row=True)
    assert bar.share == 0.75


def test_the_chart_is_an_image_named_by_its_title_and_description() -> None:
    svg = charts.bar_chart('q 1"x', "Title", "Shares.", [Bar("A", 0.5, "50 %")])
    root = parsed(svg)
    assert root.get("role") == "img"
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert title is not None and desc is not None
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    assert title.text == "Title" and desc.text == "Shares.: A 50 %"
    assert re.fullmatch(r"[A-Za-z0-9_-]+", title.get("id", ""))


def test_no_inline_style_and_every_text_escaped() -> None:
    bars = [Bar(HOSTILE, 0.5, HOSTILE)]
    svg = str(charts.grouped_chart(HOSTILE, HOSTILE, HOSTILE, [Series(HOSTILE, bars)]))
    assert "<script" not in svg and "<img" not in svg and "<link" not in svg
    assert "style" not in svg
    root = parsed(svg)  # still well-formed
    assert HOSTILE in [t.text for t in root.iter(f"{SVG}text")]


def test_right_to_left_mirrors_the_bars() -> None:
    bars = [Bar("أ", 0.5, "50 %")]
    ltr, rtl = (
        parsed(charts.bar_chart("c", "t", "d", bars)),
        parsed(charts.bar_chart("c", "t", "d", bars, rtl=True)),
    )
    left, right = bars_of(ltr)[0], bars_of(rtl)[0]
    width = float(left.get("width", 0))
    assert float(left.get("x", 0)) == charts.PAD
    assert float(right.get("x", 0)) + width == charts.WIDTH - charts.PAD
    assert {t.get("text-anchor") for t in rtl.iter(f"{SVG}text")} == {"end"}


def test_grouped_chart_draws_each_series_under_each_row() -> None:
    series = [
        Series("Deprived", [Bar("A", 0.4, "40 %"), Bar("B", None, "hidden")]),
        Series("Others", [Bar("A", 0.56, "56 %"), Bar("B", 0.36, "36 %")]),
    ]
    root = parsed(charts.grouped_chart("g", "Title", "Compared.", series))
    classes = [b.get("class") for b in bars_of(root)]
    assert classes == ["bar series-1", "bar series-2", "bar series-2"]
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert texts[:2] == ["Deprived", "Others"]  # the legend
    desc = root.find(f"{SVG}desc")
    assert desc is not None and "Deprived: A 40 %, B hidden" in (desc.text or "")


def test_long_labels_wrap() -> None:
    label = "word " * 40
    root = parsed(charts.bar_chart("c", "t", "d", [Bar(label, 0.1, "10 %")]))
    lines = [t for t in root.iter(f"{SVG}text") if t.get("class") == "label"]
    assert len(lines) > 1
    assert " ".join(t.text or "" for t in lines) == label.strip()
