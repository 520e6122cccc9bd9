"""Small-cell suppression: hand-computed tables, then properties over random ones."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from consult.reports.data import Table
from consult.reports.suppression import hide_small, suppress

#: A Mersenne prime for the independent rank check below.
PRIME = 2**61 - 1


def test_a_table_without_small_counts_is_published_whole() -> None:
    table = suppress(["yes", "no"], ["a", "b"], [[10, 7], [5, 0]], 5)
    assert table.cells == [[10, 7], [5, 0]]
    assert table.row_totals == [17, 5]
    assert table.column_totals == [15, 7]
    assert table.total == 22


def test_a_lone_small_cell_takes_three_others_with_it() -> None:
    # 3 < k is hidden; its row and its column would give it away, so 20 (the smallest other
    # entry of its row) and 30 (of its column) go too, and then 15 for 20's column.
    table = suppress(["r0", "r1"], ["c0", "c1"], [[20, 3], [15, 30]], 5)
    assert table.cells == [[None, None], [None, None]]
    assert table.row_totals == [23, 45]
    assert table.column_totals == [35, 33]
    assert table.total == 68


def test_small_totals_are_hidden_too() -> None:
    table = suppress(["yes", "no"], ["prisons", "police"], [[2, 40], [1, 30]], 5)
    # The prisons column (2 + 1 = 3) is hidden with its total; each row then has one hidden
    # cell, so 40 and 30 go, and with them the police total, which would give 3 = 73 - 70.
    assert table.cells == [[None, None], [None, None]]
    assert table.column_totals == [None, None]
    assert table.row_totals == [42, 31]
    assert table.total == 73


def test_zeros_stay_published_and_are_never_picked_to_hide_a_neighbour() -> None:
    table = suppress(["a", "b", "c"], ["all"], [[3], [0], [50]], 5)
    assert table.cells[1] == [0]
    assert table.cells[0] == [None]
    # The column's only other non-zero entries are 50 and the total 53: 50 goes.
    assert table.cells[2] == [None]
    assert table.column_totals == [53]


def test_multiple_answer_columns_are_not_summed() -> None:
    # Column "a" has 4 respondents who chose x 4 times and y 3 times: its cells do not add up
    # to its total, so only the rows (and the row of totals) are equations.
    table = suppress(["x", "y"], ["a", "b"], [[4, 9], [3, 8]], 5, respondents=[4, 12])
    assert table.columns_add_up is False
    # 4, 3 and the 4 respondents are small; 9 and 8 go with them (rows), and 12 would give
    # 4 = 16 - 12 away.
    assert table.cells == [[None, None], [None, None]]
    assert table.column_totals == [None, None]
    assert table.row_totals == [13, 11]
    assert table.total == 16


def test_hidden_counts_that_follow_from_several_lines_at_once_are_protected() -> None:
    # Found by search: after the primary and secondary rules alone, every line has two or
    # more hidden entries, yet the 2 in the last row follows from the equations of several
    # rows and columns taken together. The check hides more until it no longer does.
    counts = [[3, 9, 5, 6], [3, 0, 6, 9], [5, 6, 7, 5], [12, 1, 2, 3]]
    table = suppress(["a", "b", "c", "d"], ["w", "x", "y", "z"], counts, 5)
    grid = _grid(table, 4, 4)
    hidden = [pos for pos, value in grid.items() if value is None]
    assert len(hidden) > 9  # what the two rules alone hide
    equations = _equations(4, 4, hidden, additive=True)
    index = hidden.index((3, 2))
    unit = [1 if j == index else 0 for j in range(len(hidden))]
    assert _rank_mod([*equations, unit]) > _rank_mod(equations)


def test_a_lone_count_is_hidden_below_k() -> None:
    assert hide_small(3, 5) is None
    assert hide_small(0, 5) == 0
    assert hide_small(5, 5) == 5


# Properties ---------------------------------------------------------------------------------


@st.composite
def tables(draw: st.DrawFn) -> tuple[list[list[int]], int, list[int] | None]:
    n_rows = draw(st.integers(1, 4))
    n_columns = draw(st.integers(1, 4))
    counts = draw(
        st.lists(
            st.lists(st.integers(0, 15), min_size=n_columns, max_size=n_columns),
            min_size=n_rows,
            max_size=n_rows,
        )
    )
    k = draw(st.integers(2, 6))
    respondents = None
    if draw(st.booleans()):
        respondents = [
            max(row[c] for row in counts) + draw(st.integers(0, 5)) for c in range(n_columns)
        ]
    return counts, k, respondents


def _entries(table: Table) -> list[int | None]:
    return [
        *(v for row in table.cells for v in row),
        *table.row_totals,
        *table.column_totals,
        table.total,
    ]


def _truth(counts: list[list[int]], respondents: list[int] | None) -> list[int]:
    columns = respondents or [sum(col) for col in zip(*counts, strict=True)]
    return [
        *(v for row in counts for v in row),
        *(sum(row) for row in counts),
        *columns,
        sum(columns),
    ]


@settings(max_examples=300, deadline=None)
@given(tables())
def test_no_published_count_is_below_k_and_none_is_altered(case) -> None:
    counts, k, respondents = case
    table = suppress(
        [f"r{i}" for i in range(len(counts))],
        [f"c{i}" for i in range(len(counts[0]))],
        counts,
        k,
        respondents=respondents,
    )
    for shown, true in zip(_entries(table), _truth(counts, respondents), strict=True):
        assert shown is None or shown == true
        assert shown is None or shown == 0 or shown >= k


@settings(max_examples=300, deadline=None)
@given(tables())
def test_no_hidden_count_follows_from_the_published_ones(case) -> None:
    counts, k, respondents = case
    n_rows, n_columns = len(counts), len(counts[0])
    table = suppress(
        [f"r{i}" for i in range(n_rows)],
        [f"c{i}" for i in range(n_columns)],
        counts,
        k,
        respondents=respondents,
    )
    grid = _grid(table, n_rows, n_columns)
    hidden = [pos for pos, value in grid.items() if value is None]
    equations = _equations(n_rows, n_columns, hidden, additive=respondents is None)
    for i, pos in enumerate(hidden):
        unit = [1 if j == i else 0 for j in range(len(hidden))]
        # Independent of the module's exact arithmetic: ranks modulo a large prime.
        assert _rank_mod([*equations, unit]) > _rank_mod(equations), f"{pos} can be derived"


def _grid(table: Table, n_rows: int, n_columns: int) -> dict[tuple[int, int], int | None]:
    grid: dict[tuple[int, int], int | None] = {}
    for r in range(n_rows):
        for c in range(n_columns):
            grid[r, c] = table.cells[r][c]
        grid[r, n_columns] = table.row_totals[r]
    for c in range(n_columns):
        grid[n_rows, c] = table.column_totals[c]
    grid[n_rows, n_columns] = table.total
    return grid


def _equations(
    n_rows: int, n_columns: int, hidden: list[tuple[int, int]], *, additive: bool
) -> list[list[int]]:
    """For each row (and each column when they add up): entries minus their total."""
    lines = [[(r, c) for c in range(n_columns + 1)] for r in range(n_rows + 1)]
    if additive:
        lines += [[(r, c) for r in range(n_rows + 1)] for c in range(n_columns + 1)]
    equations = []
    for line in lines:
        row = [0] * len(hidden)
        for j, pos in enumerate(hidden):
            if pos in line:
                row[j] = -1 if pos == line[-1] else 1
        if any(row):
            equations.append(row)
    return equations


def _rank_mod(matrix: list[list[int]]) -> int:
    rows = [[v % PRIME for v in row] for row in matrix]
    rank = 0
    for column in range(len(rows[0]) if rows else 0):
        pivot = next((r for r in range(rank, len(rows)) if rows[r][column]), None)
        if pivot is None:
            continue
        rows[rank], rows[pivot] = rows[pivot], rows[rank]
        inverse = pow(rows[rank][column], PRIME - 2, PRIME)
        for r in range(rank + 1, len(rows)):
            factor = rows[r][column] * inverse % PRIME
            rows[r] = [(a - factor * b) % PRIME for a, b in zip(rows[r], rows[rank], strict=True)]
        rank += 1
    return rank
