"""What the report page and its PDF show: the frozen numbers as labelled tables and charts.

One layout for both renderings (DESIGN.md §7): :class:`Layout` turns a
:class:`~consult.reports.data.ReportData` into :class:`TableView` and :class:`Figure` objects
whose texts are already translated and whose numbers are already formatted for the reader, so
the Jinja partials only place them. A hidden (suppressed) count is written as the hidden mark,
and every share is computed on published totals by :class:`~consult.reports.data.Table`, so
nothing here can print a number that suppression removed.

Call it inside a request or ``force_locale``: words and number formats follow the active UI
language; questionnaire texts follow the content language given to
:func:`~consult.reports.labels.report_labels`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from flask_babel import LazyString, format_decimal, format_percent
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from consult.questionnaires.schema import QuestionType
from consult.reports import charts
from consult.reports.data import (
    ALL,
    DIMENSIONS,
    Borda,
    NumberSummary,
    QuestionResult,
    ReportData,
    Table,
)
from consult.reports.labels import ReportLabels

#: The mark of a hidden count in tables and charts (the methodology explains it).
HIDDEN = _l("hidden")
#: Breakdowns printed under each question, after its overall result.
BREAKDOWNS = tuple(d for d in DIMENSIONS if d != ALL)
#: Ids of the charts in the options section, apart from the same question's in the results.
OPTIONS_PREFIX = "options-chart"
#: The breakdowns the PDF prints under each question: none. Persons deprived of liberty
#: beside everyone else have their own section; tables of sixteen stakeholder groups, or of
#: every province, do not fit a page. They stay on the web page and in the open data, and the
#: printed report stays readable (and renders in seconds, not tens of seconds).
PRINTED_BREAKDOWNS: frozenset[str] = frozenset()
#: The dimension comparing persons deprived of liberty with everyone else.
GROUP = "group"
#: Column of the ``all`` table a chart shows, where it is not ``all``.
CHARTED: dict[str, str] = {QuestionType.RANKING: "1", QuestionType.MATRIX: "essential"}
#: What a question's chart shows, by question type.
CHART_DESCRIPTIONS: dict[str, LazyString] = {
    QuestionType.RANKING: _l("Share of respondents who ranked each option first."),
    QuestionType.MATRIX: _l("Share of respondents who rated each guarantee essential."),
    QuestionType.MULTIPLE: _l(
        "Share of respondents who chose each answer; they could choose several."
    ),
}
DEFAULT_DESCRIPTION = _l("Share of respondents who chose each answer.")
#: Question types with nothing to draw: their table says everything.
UNCHARTED = frozenset({QuestionType.SHORT_TEXT, QuestionType.LONG_TEXT, QuestionType.NUMBER})


@dataclass(frozen=True)
class Cell:
    """One printed cell: a count (or the hidden mark) and a detail such as its share."""

    text: str
    detail: str = ""
    hidden: bool = False


@dataclass(frozen=True)
class TableView:
    """A table as printed: caption, column names, named rows of cells, and a totals row."""

    caption: str
    corner: str
    columns: list[str]
    rows: list[tuple[str, list[Cell]]]
    totals: tuple[str, list[Cell]] | None = None
    #: The dimension whose values are the columns, for tables that break a question down.
    dimension: str = ""


@dataclass(frozen=True)
class Figure:
    """A chart (``None`` where there is nothing to draw) and the table of its numbers."""

    chart: Markup | None
    table: TableView


@dataclass
class QuestionView:
    number: int
    key: str
    text: str
    type: str
    overall: Figure
    breakdowns: list[TableView] = field(default_factory=list)
    #: Count, mean and median of number answers, per dimension.
    numbers: list[TableView] = field(default_factory=list)
    #: Persons deprived of liberty beside everyone else, when that table was published.
    group: Figure | None = None


@dataclass
class OptionsView:
    """The NPM options: first-choice shares and Borda points, overall and by group."""

    text: str
    first_choices: Figure
    group: Figure | None
    borda: TableView | None


class Layout:
    """Lays out one report's numbers in the active language."""

    def __init__(self, data: ReportData, labels: ReportLabels, rtl: bool) -> None:
        self.data, self.labels, self.rtl = data, labels, rtl
        #: Question key → type, for the tables that read differently by type.
        self.kinds = {q.key: QuestionType(q.type) for q in data.questions}

    # Cells ---------------------------------------------------------------------------------

    @staticmethod
    def count(n: int | None, detail: str = "") -> Cell:
        if n is None:
            return Cell(str(HIDDEN), hidden=True)
        return Cell(str(format_decimal(n)), detail)

    @staticmethod
    def percent(share: float | None) -> str:
        return "" if share is None else str(format_percent(share))

    @staticmethod
    def decimal(value: float | None) -> str:
        return "" if value is None else str(format_decimal(round(value, 2)))

    # Tables --------------------------------------------------------------------------------

    def table(self, question: str | None, dimension: str, table: Table, caption: str) -> TableView:
        """A question's table: counts with their share of the column's respondents.

        Exceptions: the overall guarantee matrix, where each row (a guarantee) has its own
        respondents, so shares run along rows; text and number questions, which count answers
        and have no share to give.
        """
        kind = self.kinds.get(question or "")
        if dimension == ALL and kind is QuestionType.MATRIX:
            return self.row_table(question, table, caption)
        shown = kind not in UNCHARTED
        rows = [
            (
                self.labels.row(question, dimension, key),
                [
                    self.count(n, self.percent(table.share(r, c)) if shown else "")
                    for c, n in enumerate(table.cells[r])
                ],
            )
            for r, key in enumerate(table.rows)
        ]
        totals = (_("Respondents"), [self.count(n) for n in table.column_totals])
        columns = self.columns(question, dimension, table)
        return TableView(caption, "", columns, rows, totals, dimension)

    def row_table(self, question: str | None, table: Table, caption: str) -> TableView:
        """Counts with their share of the row's total, which closes each row."""
        rows = [
            (
                self.labels.row(question, ALL, key),
                [
                    *(
                        self.count(n, self.percent(charts.row_share(table, r, c)))
                        for c, n in enumerate(cells)
                    ),
                    self.count(table.row_totals[r]),
                ],
            )
            for r, (key, cells) in enumerate(zip(table.rows, table.cells, strict=True))
        ]
        columns = [*self.columns(question, ALL, table), _("Respondents")]
        return TableView(caption, "", columns, rows)

    def columns(self, question: str | None, dimension: str, table: Table) -> list[str]:
        return [self.labels.column(question, dimension, key) for key in table.columns]

    def participation(self) -> list[TableView]:
        """Responses per profile value (rows) and channel (columns), with totals both ways."""
        return [
            self.counts_table(dimension, table)
            for dimension, table in self.data.participation.items()
        ]

    def counts_table(self, dimension: str, table: Table) -> TableView:
        rows = [
            (
                self.labels.row(None, dimension, key),
                [self.count(n) for n in [*table.cells[r], table.row_totals[r]]],
            )
            for r, key in enumerate(table.rows)
        ]
        columns = [*self.columns(None, "channel", table), _("All channels")]
        totals = (_("Total"), [self.count(n) for n in [*table.column_totals, table.total]])
        caption = self.labels.dimensions.get(dimension, dimension)
        return TableView(caption, "", columns, rows, totals)

    def numbers(self, question: str, dimension: str, summary: NumberSummary) -> TableView:
        """Count, mean and median of a number question's answers per column."""
        rows = [
            (
                self.labels.column(question, dimension, key),
                [
                    self.count(summary.count[c]),
                    Cell(self.decimal(summary.mean[c])),
                    Cell(self.decimal(summary.median[c])),
                ],
            )
            for c, key in enumerate(summary.columns)
        ]
        columns = [_("Answers"), _("Mean"), _("Median")]
        caption = self.labels.dimensions.get(dimension, dimension)
        return TableView(caption, "", columns, rows)

    def borda(self, question: str, scores: dict[str, Borda]) -> TableView | None:
        """Borda points per option, with the mean points per ranker, for each column."""
        published = [(dimension, scores[dimension]) for dimension in (ALL, GROUP)]
        published = [(d, b) for d, b in published if d in scores]
        if not published:
            return None
        columns = [self.labels.column(None, d, key) for d, b in published for key in b.columns]
        first = published[0][1]
        rows = [
            (
                self.labels.row(question, ALL, item),
                [
                    self.count(b.points[b.items.index(item)][c], self._mean(b, item, c))
                    for _d, b in published
                    for c in range(len(b.columns))
                ],
            )
            for item in first.items
        ]
        return TableView(_("Borda points (mean per respondent)"), "", columns, rows)

    def _mean(self, borda: Borda, item: str, column: int) -> str:
        return self.decimal(borda.average(borda.items.index(item), column))

    # Figures -------------------------------------------------------------------------------

    def figure(self, result: QuestionResult, title: str, prefix: str = "chart") -> Figure:
        """The overall result of a question: its chart and its ``all`` table.

        ``prefix`` starts the chart's ids: a question drawn in two sections (the options
        ranking) needs ids of its own in each, or the page repeats them.
        """
        table = result.tables[ALL]
        view = self.table(result.key, ALL, table, title)
        if result.type in UNCHARTED:
            return Figure(None, view)
        column = CHARTED.get(result.type, ALL)
        if column not in table.columns:
            return Figure(None, view)
        bars = self.bars(result.key, table, column, ALL)
        chart = charts.bar_chart(
            f"{prefix}-{result.key}", title, self.description(result.type), bars, rtl=self.rtl
        )
        return Figure(chart, view)

    def grouped(self, result: QuestionResult, title: str, prefix: str = "chart") -> Figure | None:
        """Persons deprived of liberty beside everyone else, when published."""
        table = result.tables.get(GROUP)
        if table is None:
            return None
        view = self.table(result.key, GROUP, table, title)
        if result.type in UNCHARTED:
            return Figure(None, view)
        series = [
            charts.Series(
                self.labels.column(None, GROUP, c), self.bars(result.key, table, c, GROUP)
            )
            for c in table.columns
        ]
        chart = charts.grouped_chart(
            f"{prefix}-{result.key}-{GROUP}",
            title,
            self.description(result.type),
            series,
            rtl=self.rtl,
        )
        return Figure(chart, view)

    def bars(self, question: str, table: Table, column: str, dimension: str) -> list[charts.Bar]:
        labels = [self.labels.row(question, ALL, key) for key in table.rows]
        by_row = dimension == ALL and self.kinds.get(question) is QuestionType.MATRIX
        return charts.table_bars(table, column, labels, self.percent, str(HIDDEN), by_row=by_row)

    @staticmethod
    def description(kind: str) -> str:
        return str(CHART_DESCRIPTIONS.get(kind, DEFAULT_DESCRIPTION))

    # Questions -----------------------------------------------------------------------------

    def questions(self) -> list[QuestionView]:
        return [self.question(n, r) for n, r in enumerate(self.data.questions, start=1)]

    def question(self, number: int, result: QuestionResult) -> QuestionView:
        text = self.labels.question_text(result.key) or result.key
        return QuestionView(
            number=number,
            key=result.key,
            text=text,
            type=result.type,
            overall=self.figure(result, text),
            breakdowns=[
                self.table(result.key, d, result.tables[d], self.labels.dimensions.get(d, d))
                for d in BREAKDOWNS
                if d in result.tables
            ],
            numbers=[self.numbers(result.key, d, s) for d, s in result.numbers.items()],
            group=self.grouped(result, text),
        )

    def options(self) -> OptionsView | None:
        """The NPM options section, when the questionnaire ranks them."""
        key = self.data.options_question
        result = self.data.question(key) if key else None
        if result is None or ALL not in result.tables:
            return None
        text = self.labels.question_text(result.key) or result.key
        return OptionsView(
            text=text,
            first_choices=self.figure(result, text, prefix=OPTIONS_PREFIX),
            group=self.grouped(result, text, prefix=OPTIONS_PREFIX),
            borda=self.borda(result.key, result.borda),
        )


def voices(questions: Sequence[QuestionView]) -> list[QuestionView]:
    """The questions whose results compare persons deprived of liberty with everyone else."""
    return [q for q in questions if q.group is not None]
