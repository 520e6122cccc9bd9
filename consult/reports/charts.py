"""Server-side SVG bar charts for reports: the same drawing in the HTML page and the PDF.

Pure Python (no Flask, no database): callers pass texts already translated and numbers
already formatted for the reader, so this module knows no language. Each chart is a
horizontal bar chart, one bar per row (or one bar per series and row when comparing groups),
with every label and value written as text in the drawing and a ``<title>``/``<desc>`` named
by ``aria-labelledby``, so it reads without colour or sight; the data table printed beside
it says the same. Hidden (suppressed) cells get no bar, only the caller's mark ("hidden").

Safety: every text is escaped with markupsafe; the SVG carries presentation attributes and
classes, never ``style`` (the Content-Security-Policy forbids inline styles). Right-to-left
charts are mirrored: labels and bars start at the right edge.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from consult.reports.data import Table
from consult.text import contain_bidi

#: Drawing width in SVG units; the page scales it to the column (``max-inline-size: 100%``).
WIDTH = 640
#: Outer margin, height of a label line, of a bar, and the space between rows.
PAD, LINE, BAR, GAP = 8, 16, 14, 10
#: Room kept after the longest bar for its value ("100 %", or the hidden mark).
VALUE_ROOM = 96
#: Characters per label line before wrapping (the full label is also in the table).
WRAP = 90
#: Fill of each series: dark blue, then dark orange (both readable beside black text).
FILLS = ("#1f5f8b", "#a64b00")
TEXT_FILL = "#1a1a1a"
_SAFE_ID = re.compile(r"[^A-Za-z0-9_-]")


@dataclass(frozen=True)
class Bar:
    """One bar: its label, its length as a share (0–1, ``None`` when hidden) and its value text."""

    label: str
    share: float | None
    #: What is written after the bar: a formatted percentage, or the hidden mark.
    value: str


@dataclass(frozen=True)
class Series:
    """The bars of one group (for instance persons deprived of liberty), row by row."""

    name: str
    bars: Sequence[Bar]


def table_bars(
    table: Table,
    column: str,
    labels: Sequence[str],
    percent: Callable[[float], str],
    hidden: str,
    *,
    by_row: bool = False,
) -> list[Bar]:
    """One bar per row of ``table``: the row's share of ``column``'s respondents.

    ``labels`` name the rows in order; ``percent`` formats a share for the reader; ``hidden``
    is written where the cell or the total it is divided by is suppressed. ``by_row`` divides
    by the row's total instead (each row has its own respondents: the guarantee matrix).
    """
    index = table.columns.index(column)
    bars = []
    for row, label in enumerate(labels):
        share = row_share(table, row, index) if by_row else table.share(row, index)
        bars.append(Bar(label, share, hidden if share is None else percent(share)))
    return bars


def row_share(table: Table, row: int, column: int) -> float | None:
    """A cell as a share of its row's total, ``None`` when either is hidden."""
    part, whole = table.cells[row][column], table.row_totals[row]
    return None if part is None or not whole else part / whole


def bar_chart(
    chart_id: str, title: str, description: str, bars: Sequence[Bar], *, rtl: bool = False
) -> Markup:
    """A horizontal bar chart, one bar per row."""
    rows = [(bar.label, [bar]) for bar in bars]
    return _svg(chart_id, title, _described(description, bars), rows, [], rtl)


def grouped_chart(
    chart_id: str, title: str, description: str, series: Sequence[Series], *, rtl: bool = False
) -> Markup:
    """Bars of several series side by side under each row label, with a legend.

    Every series has the same rows in the same order; the first series names them.
    """
    first = series[0].bars if series else []
    rows = [(bar.label, [s.bars[n] for s in series]) for n, bar in enumerate(first)]
    described = "; ".join(_described(s.name, s.bars) for s in series)
    legend = [s.name for s in series]
    return _svg(chart_id, title, f"{description} {described}".strip(), rows, legend, rtl)


def _described(heading: str, bars: Sequence[Bar]) -> str:
    """The chart's data as a sentence for screen readers: "heading: label value, …"."""
    values = ", ".join(f"{contain_bidi(bar.label)} {bar.value}" for bar in bars)
    return f"{contain_bidi(heading)}: {values}" if heading else values


def _svg(
    chart_id: str,
    title: str,
    description: str,
    rows: list[tuple[str, list[Bar]]],
    legend: list[str],
    rtl: bool,
) -> Markup:
    ident = _SAFE_ID.sub("-", chart_id)
    canvas = _Canvas(rtl)
    for n, name in enumerate(legend):
        canvas.legend(name, n)
    for label, bars in rows:
        canvas.row(label, bars)
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'aria-labelledby="{ident}-title {ident}-desc" width="{WIDTH}" height="{canvas.y + PAD}" '
        f'viewBox="0 0 {WIDTH} {canvas.y + PAD}" font-family="sans-serif" font-size="12" '
        f'fill="{TEXT_FILL}">'
        f'<title id="{ident}-title">{escape(contain_bidi(title))}</title>'
        f'<desc id="{ident}-desc">{escape(contain_bidi(description))}</desc>'
    )
    svg = head + "".join(canvas.parts) + "</svg>"
    # Every text in it went through escape(); numbers and attributes are ours.
    return Markup(svg)  # noqa: S704  # nosec B704


class _Canvas:
    """Lays rows out from top to bottom, mirrored when right to left."""

    def __init__(self, rtl: bool) -> None:
        self.rtl = rtl
        self.y = PAD
        self.parts: list[str] = []

    def x(self, offset: float, width: float = 0) -> float:
        """Where something ``offset`` from the start edge and ``width`` wide begins."""
        return WIDTH - PAD - offset - width if self.rtl else PAD + offset

    @property
    def anchor(self) -> str:
        """Text anchor that puts a text's start at the start edge."""
        return "end" if self.rtl else "start"

    def text(self, offset: float, baseline: float, content: str, css: str) -> None:
        self.parts.append(
            f'<text class="{css}" x="{self.x(offset):.1f}" y="{baseline:.1f}" '
            f'text-anchor="{self.anchor}">{escape(contain_bidi(content))}</text>'
        )

    def legend(self, name: str, series: int) -> None:
        self.parts.append(
            f'<rect class="swatch series-{series + 1}" x="{self.x(0, BAR):.1f}" y="{self.y}" '
            f'width="{BAR}" height="{BAR}" fill="{FILLS[series % len(FILLS)]}"/>'
        )
        self.text(BAR + 6, self.y + BAR - 3, name, "legend")
        self.y += LINE + 4

    def row(self, label: str, bars: list[Bar]) -> None:
        for line in textwrap.wrap(label, WRAP) or [""]:
            self.y += LINE
            self.text(0, self.y - 4, line, "label")
        for series, bar in enumerate(bars):
            self.bar(bar, series)
        self.y += GAP

    def bar(self, bar: Bar, series: int) -> None:
        room = WIDTH - 2 * PAD - VALUE_ROOM
        length = 0.0 if bar.share is None else room * min(max(bar.share, 0.0), 1.0)
        if bar.share is not None:
            self.parts.append(
                f'<rect class="bar series-{series + 1}" x="{self.x(0, length):.1f}" '
                f'y="{self.y}" width="{length:.1f}" height="{BAR}" '
                f'fill="{FILLS[series % len(FILLS)]}"/>'
            )
        css = "value" if bar.share is not None else "value hidden-mark"
        self.text(length + 4, self.y + BAR - 3, bar.value, css)
        self.y += BAR + 2
