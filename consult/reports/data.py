"""What a report publishes: :class:`ReportData`, the numbers every rendering shares.

One data pass, many renderings (DESIGN.md §7): :mod:`consult.reports.aggregate` builds a
``ReportData`` from SQL aggregates; the HTML page, the PDF, the CSV, JSON and XLSX files and the
API all read this object and nothing else, so they cannot disagree. Every count in it has been
through small-cell suppression (:mod:`consult.reports.suppression`): ``None`` means *hidden*.

Plain data, no Flask and no database: a published report stores it as JSON (the frozen
snapshot of DESIGN.md §3) and reads it back with :func:`from_dict`.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import Any

#: Version of the JSON layout of :func:`to_dict`; readers refuse what they do not know.
SCHEMA = 1

#: Breakdown dimensions, in report order. ``all`` has one column; ``group`` compares persons
#: deprived of liberty with everyone else; the others follow the respondents' profile.
DIMENSIONS = ("all", "group", "category", "jurisdiction", "place", "channel")
#: Column key of the ``all`` dimension.
ALL = "all"
#: Columns of the ``group`` dimension.
DEPRIVED = "deprived_of_liberty"
OTHERS = "others"
#: Column key for respondents who did not state a jurisdiction or a place.
NOT_STATED = "not_stated"


@dataclass
class Table:
    """A table of counts after suppression: ``cells[row][column]``, ``None`` where hidden.

    ``row_totals`` are sums across each row. ``column_totals`` are the respondents of each
    column; when ``columns_add_up`` they are also the sums down each column (one answer per
    respondent), otherwise (multiple answers) a respondent may count in several rows.
    ``total`` is the sum of ``column_totals``. Shares are computed on published totals.
    """

    rows: list[str]
    columns: list[str]
    cells: list[list[int | None]]
    row_totals: list[int | None]
    column_totals: list[int | None]
    total: int | None
    columns_add_up: bool = True

    def share(self, row: int, column: int) -> float | None:
        """The cell as a share of its column's respondents (0–1), ``None`` if either is hidden."""
        return _ratio(self.cells[row][column], self.column_totals[column])

    def share_of_row(self, row: int, column: int) -> float | None:
        """The cell as a share of its row's total (0–1), ``None`` if either is hidden."""
        return _ratio(self.cells[row][column], self.row_totals[row])

    def row_share(self, row: int) -> float | None:
        """A row total as a share of the table's total (0–1), when both are published."""
        return _ratio(self.row_totals[row], self.total)

    def cell(self, row: str, column: str) -> int | None:
        return self.cells[self.rows.index(row)][self.columns.index(column)]


@dataclass
class Borda:
    """Borda points of ranked items per column: with m items, rank r earns m − r points.

    ``points[item][column]`` is ``None`` where the column's rankers are hidden (fewer than k),
    so no score stands for a handful of people, and where the points would give a hidden or
    small count away (see :func:`consult.reports.assemble._borda`).
    """

    items: list[str]
    columns: list[str]
    points: list[list[int | None]]
    #: Respondents who ranked, per column (as published in the first-choice table).
    rankers: list[int | None]

    def average(self, item: int, column: int) -> float | None:
        """Mean points per ranker (between 0 and m − 1), ``None`` where hidden."""
        return _ratio(self.points[item][column], self.rankers[column])


@dataclass
class NumberSummary:
    """Number answers per column: how many, mean and median; ``None`` under k answers."""

    columns: list[str]
    count: list[int | None]
    mean: list[float | None]
    median: list[float | None]


@dataclass
class QuestionResult:
    """The published numbers of one question.

    ``tables`` holds one :class:`Table` per dimension of :data:`DIMENSIONS` (``all`` always):

    - single, yes/no, scale: rows are choices, columns the dimension's values;
    - multiple: the same, with ``columns_add_up`` false;
    - ranking: in ``all``, rows are items and columns the positions ``"1"``, ``"2"`` …; in the
      other dimensions, rows are items and cells count **first choices**; ``borda`` has points;
    - matrix: in ``all``, rows are guarantees and columns the ratings; in the other dimensions,
      rows are guarantees and cells count ``essential`` ratings among the column's respondents;
    - short and long text: one row, ``answered``;
    - number: one row, ``answered``; ``numbers`` has the summaries.
    """

    key: str
    type: str
    tables: dict[str, Table] = field(default_factory=dict)
    borda: dict[str, Borda] = field(default_factory=dict)
    numbers: dict[str, NumberSummary] = field(default_factory=dict)


@dataclass
class ReportData:
    """Everything a report publishes, suppressed with threshold ``k``."""

    k: int
    #: Responses counted (held responses excluded), ``None`` if fewer than k.
    responses: int | None
    #: Responses unsealed from envelopes held for review: counted apart, not in the results.
    held: int | None
    #: Responses per profile value (rows) and channel (columns): ``category``,
    #: ``jurisdiction``, ``place`` and ``group``.
    participation: dict[str, Table]
    questions: list[QuestionResult]
    #: Key of the question ranking the NPM options, when the questionnaire has one.
    options_question: str | None = None
    #: Key of the OPCAT guarantee matrix, when the questionnaire has one.
    guarantees_question: str | None = None

    def question(self, key: str) -> QuestionResult | None:
        return next((q for q in self.questions if q.key == key), None)


def _ratio(part: int | None, whole: int | None) -> float | None:
    if part is None or whole is None or whole == 0:
        return None
    return part / whole


# JSON --------------------------------------------------------------------------------------


class UnknownSchema(ValueError):
    """A stored report was written in a layout this version cannot read."""


def to_dict(data: ReportData) -> dict[str, Any]:
    """JSON-ready data, with the layout version under ``schema``."""
    return {"schema": SCHEMA, **asdict(data)}


def from_dict(raw: dict[str, Any]) -> ReportData:
    """Read what :func:`to_dict` wrote; raise :class:`UnknownSchema` for another layout."""
    if raw.get("schema") != SCHEMA:
        raise UnknownSchema(f"report data schema {raw.get('schema')!r}")
    return ReportData(
        k=raw["k"],
        responses=raw["responses"],
        held=raw["held"],
        participation={key: Table(**t) for key, t in raw["participation"].items()},
        questions=[_question(q) for q in raw["questions"]],
        options_question=raw.get("options_question"),
        guarantees_question=raw.get("guarantees_question"),
    )


def _question(raw: dict[str, Any]) -> QuestionResult:
    return QuestionResult(
        key=raw["key"],
        type=raw["type"],
        tables={key: Table(**t) for key, t in raw["tables"].items()},
        borda={key: Borda(**b) for key, b in raw.get("borda", {}).items()},
        numbers={key: NumberSummary(**n) for key, n in raw.get("numbers", {}).items()},
    )


def canonical_json(data: ReportData) -> str:
    """One spelling of the numbers: sorted keys, no spaces (the input of :func:`digest`)."""
    return json.dumps(to_dict(data), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def digest(data: ReportData) -> str:
    """SHA-256 of the published numbers, printed in the methodology so copies can be checked."""
    return hashlib.sha256(canonical_json(data).encode()).hexdigest()
