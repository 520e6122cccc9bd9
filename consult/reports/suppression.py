"""Small-cell suppression of published tables (DESIGN.md §6). Pure Python: no Flask, no SQL.

What it protects: in one table, no count between 1 and k − 1 is published, and no hidden count
can be worked out from what the table publishes — its other cells, its row totals, its column
totals and its grand total. What it does **not** protect: derivation across *different* tables
(the same people counted by category in one table and by channel in another), and what a
reader already knows about someone. The methodology of every report says both.

The rule, applied to the table *with its margins*:

1. **Primary**: every count ``0 < n < k`` is hidden, totals included.
2. **Secondary**: where a line (a row with its row total, or a column with its column total)
   has exactly one hidden entry, the smallest other non-zero entry of that line is hidden
   too; repeat until no line has a lone hidden entry.
3. **Check**: a hidden entry could still follow from the equations of several lines at once
   (a hidden cell that is a "bridge" between two groups of hidden cells). Each hidden entry is
   tested by exact linear algebra; while one is determined, one more entry is hidden.

Zeros are never hidden by the secondary rule: a hidden entry is then always at least 1, so any
entry not fixed by the equations can move up or down without a count going negative.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

from consult.reports.data import Table

#: A position in the table with margins: ``(row, column)``; row ``R`` holds the column
#: totals, column ``C`` the row totals, ``(R, C)`` the grand total.
Position = tuple[int, int]


def suppress(
    rows: Sequence[str],
    columns: Sequence[str],
    counts: Sequence[Sequence[int]],
    k: int,
    *,
    respondents: Sequence[int] | None = None,
) -> Table:
    """Suppress a ``rows × columns`` table of counts and return it as a published :class:`Table`.

    Without ``respondents``, each respondent counts in one row, so the column totals are the
    sums down the columns. With ``respondents`` (one per column: multiple-answer questions),
    those are the column totals and the columns are not summed.
    """
    grid = _with_margins(counts, respondents)
    lines = _lines(len(rows), len(columns), additive_columns=respondents is None)
    hidden = {pos for pos, value in grid.items() if 0 < value < k}
    _protect(grid, lines, hidden)
    return _published(rows, columns, grid, hidden, additive=respondents is None)


def _with_margins(
    counts: Sequence[Sequence[int]], respondents: Sequence[int] | None
) -> dict[Position, int]:
    n_rows = len(counts)
    n_columns = len(respondents) if respondents is not None else len(counts[0]) if counts else 0
    grid: dict[Position, int] = {}
    for r, row in enumerate(counts):
        if len(row) != n_columns:
            raise ValueError("every row needs one count per column")
        for c, value in enumerate(row):
            if value < 0:
                raise ValueError("counts cannot be negative")
            grid[r, c] = value
        grid[r, n_columns] = sum(row)
    for c in range(n_columns):
        grid[n_rows, c] = (
            respondents[c] if respondents is not None else sum(counts[r][c] for r in range(n_rows))
        )
    grid[n_rows, n_columns] = sum(grid[n_rows, c] for c in range(n_columns))
    return grid


def _lines(n_rows: int, n_columns: int, *, additive_columns: bool) -> list[list[Position]]:
    """The equations of the table: each line's last entry is the sum of the others."""
    lines = [[(r, c) for c in range(n_columns + 1)] for r in range(n_rows)]
    lines.append([(n_rows, c) for c in range(n_columns + 1)])
    if additive_columns:
        lines += [[(r, c) for r in range(n_rows + 1)] for c in range(n_columns + 1)]
    return lines


def _protect(grid: dict[Position, int], lines: list[list[Position]], hidden: set[Position]) -> None:
    """Hide more entries until no hidden one follows from the published ones (in place)."""
    while True:
        _secondary(grid, lines, hidden)
        determined = _determined(lines, hidden)
        if not determined:
            return
        # Its own lines first; when those hold nothing more to hide, any line will do.
        if not _hide_next(grid, [*_lines_through(determined[0], lines, hidden), *lines], hidden):
            return  # every non-zero entry is hidden already


def _secondary(
    grid: dict[Position, int], lines: list[list[Position]], hidden: set[Position]
) -> None:
    changed = True
    while changed:
        changed = False
        for line in lines:
            if sum(pos in hidden for pos in line) == 1 and _hide_next(grid, [line], hidden):
                changed = True


def _hide_next(
    grid: dict[Position, int], lines: list[list[Position]], hidden: set[Position]
) -> bool:
    """Hide the smallest published non-zero entry of the first line that has one."""
    for line in lines:
        candidates = [pos for pos in line if pos not in hidden and grid[pos] > 0]
        if candidates:
            hidden.add(min(candidates, key=lambda pos: (grid[pos], pos)))
            return True
    return False


def _lines_through(
    pos: Position, lines: list[list[Position]], hidden: set[Position]
) -> list[list[Position]]:
    """The lines through ``pos``, those with the fewest hidden entries first."""
    through = [line for line in lines if pos in line]
    return sorted(through, key=lambda line: sum(p in hidden for p in line))


def _determined(lines: list[list[Position]], hidden: set[Position]) -> list[Position]:
    """The hidden entries that follow from the lines' equations, in order.

    Unknowns are the hidden entries; each line gives one linear equation in them. An unknown
    is determined exactly when every solution of the homogeneous system leaves it at zero: in
    the reduced row echelon form, it is a pivot whose row has no entry in a free column.
    """
    unknowns = sorted(hidden)
    index = {p: i for i, p in enumerate(unknowns)}
    equations = [_equation(line, index) for line in lines if any(p in hidden for p in line)]
    pivots = _reduce(equations, len(unknowns))
    free = [j for j in range(len(unknowns)) if j not in pivots]
    return [
        unknowns[j]
        for j, row in sorted(pivots.items())
        if all(equations[row][f] == 0 for f in free)
    ]


def _equation(line: list[Position], index: dict[Position, int]) -> list[Fraction]:
    row = [Fraction(0)] * len(index)
    *parts, total = line
    for pos in parts:
        if pos in index:
            row[index[pos]] += 1
    if total in index:
        row[index[total]] -= 1
    return row


def _reduce(rows: list[list[Fraction]], width: int) -> dict[int, int]:
    """Bring ``rows`` to reduced row echelon form in place; return ``{pivot column: row}``."""
    pivots: dict[int, int] = {}
    rank = 0
    for column in range(width):
        pivot = next((r for r in range(rank, len(rows)) if rows[r][column] != 0), None)
        if pivot is None:
            continue
        rows[rank], rows[pivot] = rows[pivot], rows[rank]
        lead = rows[rank][column]
        rows[rank] = [a / lead for a in rows[rank]]
        for r in range(len(rows)):
            if r != rank and rows[r][column] != 0:
                factor = rows[r][column]
                rows[r] = [a - factor * b for a, b in zip(rows[r], rows[rank], strict=True)]
        pivots[column] = rank
        rank += 1
    return pivots


def _published(
    rows: Sequence[str],
    columns: Sequence[str],
    grid: dict[Position, int],
    hidden: set[Position],
    *,
    additive: bool,
) -> Table:
    n_rows, n_columns = len(rows), len(columns)

    def shown(pos: Position) -> int | None:
        return None if pos in hidden else grid[pos]

    return Table(
        rows=list(rows),
        columns=list(columns),
        cells=[[shown((r, c)) for c in range(n_columns)] for r in range(n_rows)],
        row_totals=[shown((r, n_columns)) for r in range(n_rows)],
        column_totals=[shown((n_rows, c)) for c in range(n_columns)],
        total=shown((n_rows, n_columns)),
        columns_add_up=additive,
    )


def hide_small(value: int, k: int) -> int | None:
    """A lone count (no table around it): hidden when ``0 < value < k``."""
    return None if 0 < value < k else value
