"""A published report as an XLSX workbook, for people who read numbers in a spreadsheet.

Sheets: **About** (which report, its threshold k, its digests and how suppression works),
**Participation**, one sheet per question (counts, then shares on the published totals, then
Borda points or number summaries), and **Data**: the long format of ``report.csv``, for
programs. A hidden cell is empty and carries a comment saying why. Every text is defused and
stored as a string (:mod:`consult.spreadsheets`), so no cell runs as a formula.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from flask_babel import gettext as _
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from consult.reports.data import Borda, NumberSummary, QuestionResult, ReportData, Table
from consult.reports.exports import CSV_HEADER, lines, named
from consult.reports.labels import PARTICIPATION, ReportLabels
from consult.spreadsheets import (
    BOLD,
    Cell,
    sheet_title,
    workbook,
    workbook_bytes,
    xlsx_cell,
)

#: Number format of shares (stored as fractions, shown as percentages).
PERCENT = "0.0%"
#: Number format of means, medians and Borda averages.
DECIMAL = "0.00"

#: ``key → name`` of a table's rows or columns.
Namer = Callable[[str], str]


@dataclass
class Writer:
    """Appends rows to one sheet; hidden (``None``) numbers become empty cells with a note."""

    sheet: WriteOnlyWorksheet
    hidden: str

    def text(self, *values: Cell, bold: bool = False) -> None:
        font = BOLD if bold else None
        self.sheet.append([xlsx_cell(self.sheet, value, font) for value in values])

    def numbers(self, name: str, values: Sequence[Cell], number_format: str | None = None) -> None:
        cells = [xlsx_cell(self.sheet, name, BOLD)]
        cells += [
            xlsx_cell(
                self.sheet,
                value,
                number_format=number_format,
                note=self.hidden if value is None else None,
            )
            for value in values
        ]
        self.sheet.append(cells)

    def blank(self) -> None:
        self.sheet.append([])


def to_xlsx(data: ReportData, labels: ReportLabels, about: list[tuple[str, Cell]]) -> bytes:
    """The workbook; ``about`` lists the ``(name, value)`` rows of the About sheet."""
    book = workbook()
    writer = Writer(book.create_sheet(sheet_title(_("About"))), labels.hidden)
    writer.sheet.column_dimensions["A"].width = 36
    for name, value in about:
        writer.text(name, value)
    _participation(
        Writer(book.create_sheet(sheet_title(_("Participation"))), labels.hidden), data, labels
    )
    for number, result in enumerate(data.questions, start=1):
        title = sheet_title(f"{number}. {result.key}")
        _question(Writer(book.create_sheet(title), labels.hidden), result, labels)
    _data(Writer(book.create_sheet(sheet_title(_("Data"))), labels.hidden), data, labels)
    return workbook_bytes(book)


def _participation(writer: Writer, data: ReportData, labels: ReportLabels) -> None:
    writer.text(labels.sections.get(PARTICIPATION, ""), bold=True)
    writer.numbers(_("Responses counted"), [data.responses])
    writer.numbers(_("Held for review, not counted"), [data.held])
    writer.blank()
    for dimension, table in data.participation.items():
        title = labels.dimensions.get(dimension, dimension)
        _counts(writer, title, table, *_participation_namers(labels, dimension))


def _participation_namers(labels: ReportLabels, dimension: str) -> tuple[Namer, Namer]:
    """Participation tables: profile values in the rows, channels in the columns."""
    return (
        lambda key: labels.row(None, dimension, key),
        lambda key: labels.column(None, "channel", key),
    )


def _question(writer: Writer, result: QuestionResult, labels: ReportLabels) -> None:
    writer.text(labels.question_text(result.key), bold=True)
    writer.blank()
    for dimension, table in result.tables.items():
        title = labels.dimensions.get(dimension, dimension)
        row, column = _question_namers(labels, result.key, dimension)
        _counts(writer, title, table, row, column)
        _shares(writer, title, table, row, column)
        if dimension in result.borda:
            _borda(writer, title, result.borda[dimension], row, column)
        if dimension in result.numbers:
            _summary(writer, title, result.numbers[dimension], column)


def _question_namers(labels: ReportLabels, question: str, dimension: str) -> tuple[Namer, Namer]:
    return (
        lambda key: labels.row(question, dimension, key),
        lambda key: labels.column(question, dimension, key),
    )


def _counts(writer: Writer, title: str, table: Table, row: Namer, column: Namer) -> None:
    writer.text(title, bold=True)
    writer.text("", *map(column, table.columns), _("Total"), bold=True)
    for i, key in enumerate(table.rows):
        writer.numbers(row(key), [*table.cells[i], table.row_totals[i]])
    writer.numbers(_("Respondents"), [*table.column_totals, table.total])
    writer.blank()


def _shares(writer: Writer, title: str, table: Table, row: Namer, column: Namer) -> None:
    writer.text(_("%(table)s: share of each column's respondents", table=title), bold=True)
    writer.text("", *map(column, table.columns), bold=True)
    for i, key in enumerate(table.rows):
        shares = [table.share(i, j) for j in range(len(table.columns))]
        writer.numbers(row(key), shares, PERCENT)
    writer.blank()


def _borda(writer: Writer, title: str, borda: Borda, row: Namer, column: Namer) -> None:
    writer.text(_("%(table)s: Borda points", table=title), bold=True)
    writer.text("", *map(column, borda.columns), bold=True)
    for i, key in enumerate(borda.items):
        writer.numbers(row(key), borda.points[i])
    writer.numbers(_("Respondents who ranked"), borda.rankers)
    for i, key in enumerate(borda.items):
        averages = [borda.average(i, j) for j in range(len(borda.columns))]
        writer.numbers(_("%(item)s: average points", item=row(key)), averages, DECIMAL)
    writer.blank()


def _summary(writer: Writer, title: str, summary: NumberSummary, column: Namer) -> None:
    writer.text(_("%(table)s: numbers given", table=title), bold=True)
    writer.text("", *map(column, summary.columns), bold=True)
    writer.numbers(_("Answers"), summary.count)
    writer.numbers(_("Mean"), summary.mean, DECIMAL)
    writer.numbers(_("Median"), summary.median, DECIMAL)
    writer.blank()


def _data(writer: Writer, data: ReportData, labels: ReportLabels) -> None:
    """The rows of ``report.csv``, numbers kept as numbers."""
    writer.sheet.freeze_panes = "A2"
    writer.text(*CSV_HEADER, bold=True)
    for line in lines(data):
        cells = named(line, labels)
        value = xlsx_cell(
            writer.sheet, line.value, note=writer.hidden if line.value is None else None
        )
        share = xlsx_cell(writer.sheet, line.share, number_format=PERCENT)
        writer.sheet.append([*(xlsx_cell(writer.sheet, c) for c in cells[:-2]), value, share])
