"""From aggregated counts to a suppressed :class:`ReportData`. Pure Python: no Flask, no SQL.

:mod:`consult.reports.aggregate` runs a handful of ``GROUP BY`` queries and hands their rows
here as :class:`Counts`; this module arranges them into tables, one per question and
dimension, and suppresses each (:mod:`consult.reports.suppression`). It never sees an answer
row, so its cost depends on the size of the questionnaire, not on the number of responses.

Dimensions (:data:`consult.reports.data.DIMENSIONS`): ``group`` splits respondents into
persons deprived of liberty and everyone else; ``all`` is the sum of ``group``'s two columns,
so it needs no query of its own.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from consult.questionnaires.schema import (
    MATRIX_COLUMNS,
    YES_NO_CHOICES,
    Choice,
    Question,
    Questionnaire,
    QuestionType,
)
from consult.reports.data import (
    ALL,
    Borda,
    NumberSummary,
    QuestionResult,
    ReportData,
    Table,
)
from consult.reports.suppression import hide_small, suppress

#: ``(question, item, choice, rank, column)``: one group of answer rows.
AnswerKey = tuple[str, str, str, int | None, str]
#: The groups of one question: ``{(item, choice, rank, column): answer rows}``.
Found = Mapping[tuple[str, str, int | None, str], int]
G = TypeVar("G", bound=tuple[Any, ...])
H = TypeVar("H", bound=tuple[Any, ...])
#: The rating whose share is a guarantee's support.
ESSENTIAL = "essential"
#: Dimensions whose columns are profile values, compared across channels in participation.
PROFILE_DIMENSIONS = ("group", "category", "jurisdiction", "place")


@dataclass
class Counts:
    """What the queries found, per dimension (``all`` excepted: it is summed from ``group``)."""

    #: Column keys of each dimension, in report order.
    columns: dict[str, list[str]]
    #: Channels that brought responses, in order.
    channels: list[str]
    #: ``{dimension: {(value, channel): responses}}`` for :data:`PROFILE_DIMENSIONS`.
    participation: dict[str, dict[tuple[str, str], int]]
    #: ``{dimension: {(question, item, choice, rank, column): answer rows}}``.
    answers: dict[str, dict[AnswerKey, int]]
    #: ``{dimension: {(question, column): respondents}}`` for multiple-answer questions and
    #: the guarantee matrix, where a respondent has several rows.
    respondents: dict[str, dict[tuple[str, str], int]] = field(default_factory=dict)
    #: ``{dimension: {(question, value, column): answers}}`` for number questions.
    numbers: dict[str, dict[tuple[str, float, str], int]] = field(default_factory=dict)
    #: Responses held for review, counted apart.
    held: int = 0


def assemble(counts: Counts, document: Questionnaire, k: int) -> ReportData:
    """The report's numbers: participation and every question, each table suppressed."""
    counts = _with_all(counts)
    dimensions = [d for d in counts.columns if counts.columns[d]]
    participation = {
        d: _participation(counts, d, k) for d in PROFILE_DIMENSIONS if d in counts.columns
    }
    total = sum(counts.participation.get("group", {}).values())
    options = next(
        (
            q.key
            for q in document.questions()
            if q.type is QuestionType.RANKING and q.rank_source == "options"
        ),
        None,
    )
    matrix = next((q.key for q in document.questions() if q.type is QuestionType.MATRIX), None)
    return ReportData(
        k=k,
        responses=hide_small(total, k),
        held=hide_small(counts.held, k),
        participation=participation,
        questions=[_question(q, document, counts, dimensions, k) for q in document.questions()],
        options_question=options,
        guarantees_question=matrix,
    )


def _with_all(counts: Counts) -> Counts:
    """Add the ``all`` dimension by summing the two columns of ``group``."""
    answers = dict(counts.answers)
    answers[ALL] = _summed(counts.answers.get("group", {}), lambda key: (*key[:-1], ALL))
    respondents = dict(counts.respondents)
    respondents[ALL] = _summed(counts.respondents.get("group", {}), lambda key: (key[0], ALL))
    numbers = dict(counts.numbers)
    numbers[ALL] = _summed(counts.numbers.get("group", {}), lambda key: (*key[:-1], ALL))
    return Counts(
        columns={ALL: [ALL], **counts.columns},
        channels=counts.channels,
        participation=counts.participation,
        answers=answers,
        respondents=respondents,
        numbers=numbers,
        held=counts.held,
    )


def _summed(groups: Mapping[G, int], key: Callable[[G], H]) -> dict[H, int]:
    out: dict[H, int] = defaultdict(int)
    for group, n in groups.items():
        out[key(group)] += n
    return dict(out)


def _participation(counts: Counts, dimension: str, k: int) -> Table:
    found = counts.participation.get(dimension, {})
    values = counts.columns[dimension]
    grid = [[found.get((value, channel), 0) for channel in counts.channels] for value in values]
    return suppress(values, counts.channels, grid, k)


def _question(
    question: Question,
    document: Questionnaire,
    counts: Counts,
    dimensions: Sequence[str],
    k: int,
) -> QuestionResult:
    result = QuestionResult(question.key, question.type.value)
    for dimension in dimensions:
        columns = counts.columns[dimension]
        found = _of_question(counts.answers.get(dimension, {}), question.key)
        table = _table(question, document, counts, dimension, columns, found, k)
        result.tables[dimension] = table
        if question.type is QuestionType.RANKING:
            result.borda[dimension] = _borda(found, table, columns, dimension == ALL, k)
        if question.type is QuestionType.NUMBER:
            result.numbers[dimension] = _numbers(counts, dimension, question.key, table, k)
    return result


def _of_question(answers: Mapping[AnswerKey, int], key: str) -> Found:
    """``{(item, choice, rank, column): n}`` of one question."""
    return {group[1:]: n for group, n in answers.items() if group[0] == key}


def _table(
    question: Question,
    document: Questionnaire,
    counts: Counts,
    dimension: str,
    columns: list[str],
    found: Found,
    k: int,
) -> Table:
    kind = question.type
    if kind is QuestionType.RANKING:
        return _ranking_table(document.items_of(question), columns, found, dimension == ALL, k)
    if kind is QuestionType.MATRIX:
        return _matrix_table(question, counts, dimension, columns, found, k)
    if kind in (QuestionType.SHORT_TEXT, QuestionType.LONG_TEXT, QuestionType.NUMBER):
        answered = [sum(n for (_i, _c, _r, col), n in found.items() if col == c) for c in columns]
        return suppress(["answered"], columns, [answered], k)
    rows = list(YES_NO_CHOICES) if kind is QuestionType.YES_NO else _keys(question.choices)
    grid = [[found.get(("", row, None, c), 0) for c in columns] for row in rows]
    if kind is QuestionType.MULTIPLE:
        return suppress(
            rows,
            columns,
            grid,
            k,
            respondents=_respondents(counts, dimension, question.key, columns),
        )
    return suppress(rows, columns, grid, k)


def _keys(choices: Iterable[Choice]) -> list[str]:
    return [choice.key for choice in choices]


def _respondents(counts: Counts, dimension: str, key: str, columns: list[str]) -> list[int]:
    found = counts.respondents.get(dimension, {})
    return [found.get((key, column), 0) for column in columns]


def _ranking_table(
    items: Sequence[Choice],
    columns: list[str],
    found: Found,
    overall: bool,
    k: int,
) -> Table:
    """Overall: items × positions. Per dimension: first choices of each column."""
    keys = _keys(items)
    if overall:
        positions = [str(p) for p in range(1, len(keys) + 1)]
        grid = [
            [found.get(("", item, p, ALL), 0) for p in range(1, len(keys) + 1)] for item in keys
        ]
        return suppress(keys, positions, grid, k)
    grid = [[found.get(("", item, 1, c), 0) for c in columns] for item in keys]
    return suppress(keys, columns, grid, k)


def _borda(
    found: Found,
    table: Table,
    columns: list[str],
    overall: bool,
    k: int,
) -> Borda:
    """With m items, rank r earns m − r points; unranked items earn nothing.

    Points are a weighted sum of counts, so they are published only where they reveal no
    count the tables hide and none below k:

    - overall, an item's points where every position that earns points is published in its
      row: they are then worked out from published counts and add nothing;
    - per column, where the item's first choices are published and each lower place that
      earns points holds 0 or at least k rankers: with three options, points minus twice
      the first choices *are* the second places.
    """
    m = len(table.rows)
    points: dict[tuple[str, str], int] = defaultdict(int)
    places: dict[tuple[str, int, str], int] = defaultdict(int)
    for (_item, choice, rank, column), n in found.items():
        if rank is not None and rank <= m:
            points[choice, column] += n * (m - rank)
            places[choice, rank, column] += n
    if overall:
        # The overall table's columns are positions; its respondents are the first choices.
        rankers = [table.column_totals[0] if table.column_totals else None]
    else:
        rankers = list(table.column_totals)
    return Borda(
        items=list(table.rows),
        columns=list(columns),
        points=[
            [
                points[item, column]
                if rankers[j] is not None and _points_shown(table, i, j, overall, places, k)
                else None
                for j, column in enumerate(columns)
            ]
            for i, item in enumerate(table.rows)
        ],
        rankers=rankers,
    )


def _points_shown(
    table: Table,
    row: int,
    column: int,
    overall: bool,
    places: Mapping[tuple[str, int, str], int],
    k: int,
) -> bool:
    """Whether an item's points in a column reveal nothing hidden (see :func:`_borda`)."""
    m = len(table.rows)
    if overall:
        return all(table.cells[row][rank - 1] is not None for rank in range(1, m))
    item, key = table.rows[row], table.columns[column]
    return table.cells[row][column] is not None and all(
        hide_small(places.get((item, rank, key), 0), k) is not None for rank in range(2, m)
    )


def _matrix_table(
    question: Question,
    counts: Counts,
    dimension: str,
    columns: list[str],
    found: Found,
    k: int,
) -> Table:
    """Overall: guarantees × ratings. Per dimension: ``essential`` ratings of each column."""
    rows = list(question.rows)
    if dimension == ALL:
        ratings = list(MATRIX_COLUMNS)
        grid = [[found.get((row, rating, None, ALL), 0) for rating in ratings] for row in rows]
        return suppress(rows, ratings, grid, k)
    grid = [[found.get((row, ESSENTIAL, None, c), 0) for c in columns] for row in rows]
    respondents = _respondents(counts, dimension, question.key, columns)
    return suppress(rows, columns, grid, k, respondents=respondents)


def _numbers(counts: Counts, dimension: str, key: str, table: Table, k: int) -> NumberSummary:
    """Count, mean and median per column, where the column's count is published."""
    values: dict[str, list[tuple[float, int]]] = defaultdict(list)
    for (question, value, column), n in counts.numbers.get(dimension, {}).items():
        if question == key:
            values[column].append((value, n))
    summary = NumberSummary(columns=list(table.columns), count=[], mean=[], median=[])
    for column, shown in zip(table.columns, table.column_totals, strict=True):
        found = sorted(values.get(column, []))
        n = sum(count for _value, count in found)
        visible = shown is not None and n >= k
        summary.count.append(n if visible else None)
        summary.mean.append(sum(v * c for v, c in found) / n if visible and n else None)
        summary.median.append(_median(found, n) if visible and n else None)
    return summary


def _median(found: list[tuple[float, int]], n: int) -> float:
    """The median of ``n`` values given as sorted ``(value, how many)`` pairs."""
    wanted = [(n - 1) // 2, n // 2]
    picked: list[float] = []
    seen = 0
    for value, count in found:
        while wanted and wanted[0] < seen + count:
            picked.append(value)
            wanted.pop(0)
        seen += count
    return sum(picked) / 2
