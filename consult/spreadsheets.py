"""Files people open in spreadsheet programs: CSV and XLSX cells that cannot run as formulas.

Shared by the analysts' response exports and the public open data of reports. Anyone may type
the texts these files hold (answers, organisation names, question texts), and readers open
them in spreadsheet programs, so every text cell is defused first: one that starts with ``=``,
``+``, ``-``, ``@``, a tab or a carriage return gets a leading apostrophe and can no longer run
as a formula, and control characters that XLSX cannot hold are dropped.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from datetime import date

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.comments import Comment
from openpyxl.styles import Font
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

#: What a spreadsheet program may read as the start of a formula (OWASP's list).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: Control characters XML 1.0, and so XLSX, cannot hold (tab, line feed and return can).
_UNWRITABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
#: Longest text a spreadsheet cell holds.
CELL_LIMIT = 32767
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MIMETYPE = "text/csv; charset=utf-8"
#: Bold, for header rows.
BOLD = Font(bold=True)

Cell = str | int | float | date | None


def defuse(value: str) -> str:
    """``value`` safe to open in a spreadsheet: no formula, no unwritable character."""
    value = _UNWRITABLE.sub("", value)
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def to_csv(rows: Iterable[Iterable[Cell]]) -> bytes:
    """UTF-8 with a byte order mark, which spreadsheet programs need to read it as UTF-8."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for cells in rows:
        writer.writerow([csv_text(cell) for cell in cells])
    return buffer.getvalue().encode("utf-8-sig")


def csv_text(cell: Cell) -> str:
    """Every CSV cell is text to the program that opens it, numbers included: defuse all."""
    if cell is None:
        return ""
    return defuse(cell.isoformat() if isinstance(cell, date) else str(cell))


def xlsx_cell(
    sheet: WriteOnlyWorksheet,
    value: Cell,
    font: Font | None = None,
    *,
    number_format: str | None = None,
    note: str | None = None,
) -> WriteOnlyCell:
    """A cell of a write-only sheet; texts stored as strings, never as formulas.

    ``note`` becomes a comment on the cell (defused too: spreadsheet programs show it as text,
    but it is written by the same people as the cells).
    """
    if isinstance(value, str):
        cell = WriteOnlyCell(sheet, value=defuse(value)[:CELL_LIMIT])
        cell.data_type = "s"
    else:
        cell = WriteOnlyCell(sheet, value=value)
        if isinstance(value, date):
            cell.number_format = "yyyy-mm-dd"
    if number_format is not None:
        cell.number_format = number_format
    if font is not None:
        cell.font = font
    if note:
        cell.comment = Comment(defuse(note), "consult")
    return cell


def sheet_title(title: str) -> str:
    """A worksheet name Excel accepts: at most 31 characters, none of ``[]:*?/\\``."""
    return re.sub(r"[\[\]:*?/\\]", " ", title)[:31] or "Sheet"


def workbook() -> Workbook:
    """A new write-only workbook: rows stream out instead of piling up in memory."""
    return Workbook(write_only=True)


def workbook_bytes(book: Workbook) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
