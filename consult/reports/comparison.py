"""What the consultation said against what the State designated. Pure Python: no Flask, no SQL.

Everything here reads the published (suppressed) numbers of a :class:`ReportData`, so the
comparison never shows more than the report does, and a fixed set of rules, so two readers of
the same report reach the same verdict:

- **follows**: the designated option had the largest first-choice share;
- **partly follows**: it came second, or its first-choice share is within
  :data:`CLOSE` (5 percentage points) of the largest;
- **departs**: otherwise;
- **outside the options consulted**: the designation matches none of the options;
- **unknown**: the numbers needed are hidden (too few respondents) or there was no ranking.

A guarantee counts as *asked for* when more than half of those who rated it called it
essential; the founding text then either provides it (``in_law``) or leaves a **gap**.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from consult.reports.data import ALL, Borda, ReportData, Table

#: How close (as a share, 0–1) a first-choice share must be to the largest for
#: *partly follows*.
CLOSE = 0.05
#: The rating that makes a guarantee *asked for*, and the share above which it is.
ESSENTIAL = "essential"
MAJORITY = 0.5


class Alignment(StrEnum):
    FOLLOWS = "follows"
    PARTLY_FOLLOWS = "partly_follows"
    DEPARTS = "departs"
    OUTSIDE = "outside"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Standing:
    """The designated option in one column of the ranking (overall, or one group)."""

    column: str
    #: Place by first-choice share (1 = most first choices); ``None`` when hidden.
    rank: int | None
    first_choice_share: float | None
    #: Borda points and the place they give (1 = most points).
    borda: int | None
    borda_rank: int | None
    alignment: Alignment
    #: Option with the largest first-choice share in this column, when published.
    preferred: str | None


@dataclass(frozen=True)
class GuaranteeCheck:
    """One guarantee: how many rated it essential, and what the founding text provides."""

    key: str
    essential_share: float | None
    asked_for: bool
    #: ``in_law``, ``in_practice_only``, ``absent`` or ``unknown``.
    status: str
    article: str

    @property
    def gap(self) -> bool:
        """Asked for by most respondents, yet not in the founding text."""
        return self.asked_for and self.status != "in_law"


def standings(data: ReportData, option: str | None, dimension: str = "group") -> list[Standing]:
    """The designated option overall, then in each column of ``dimension``."""
    result = data.question(data.options_question) if data.options_question else None
    if result is None:
        return [_unknown(ALL, option)]
    overall = _standing(
        result.tables[ALL], 0, result.borda.get(ALL), ALL, option, position_table=True
    )
    table = result.tables.get(dimension)
    borda = result.borda.get(dimension)
    if table is None:
        return [overall]
    return [
        overall,
        *(_standing(table, c, borda, column, option) for c, column in enumerate(table.columns)),
    ]


def _unknown(column: str, option: str | None) -> Standing:
    alignment = Alignment.OUTSIDE if option is None else Alignment.UNKNOWN
    return Standing(column, None, None, None, None, alignment, None)


def _standing(
    table: Table,
    c: int,
    borda: Borda | None,
    column: str,
    option: str | None,
    *,
    position_table: bool = False,
) -> Standing:
    """``table`` holds first choices in column ``c`` (the ``1`` column of the overall table)."""
    shares = {item: _share(table, r, c, position_table) for r, item in enumerate(table.rows)}
    points = _points(borda, c)
    preferred = _first(shares)
    if option is None:
        return Standing(column, None, None, None, None, Alignment.OUTSIDE, preferred)
    return Standing(
        column=column,
        rank=_rank(shares, option),
        first_choice_share=shares.get(option),
        borda=points.get(option),
        borda_rank=_rank({k: None if v is None else float(v) for k, v in points.items()}, option),
        alignment=alignment(shares, option),
        preferred=preferred,
    )


def _share(table: Table, r: int, c: int, position_table: bool) -> float | None:
    if position_table:
        # Overall: rows are items, columns positions; first choices are column "1", whose
        # total is everyone who ranked.
        return table.share(r, 0)
    return table.share(r, c)


def _points(borda: Borda | None, c: int) -> dict[str, int | None]:
    if borda is None:
        return {}
    return {item: borda.points[i][c] for i, item in enumerate(borda.items)}


def _first(shares: Mapping[str, float | None]) -> str | None:
    """The option with the largest published share; ``None`` if none has a first choice."""
    published = {k: v for k, v in shares.items() if v}
    return max(published, key=lambda k: published[k]) if published else None


def _rank(values: Mapping[str, float | None], option: str) -> int | None:
    """1 + how many options did strictly better; ``None`` if the option's value is hidden."""
    mine = values.get(option)
    if mine is None:
        return None
    return 1 + sum(1 for k, v in values.items() if k != option and v is not None and v > mine)


def alignment(shares: Mapping[str, float | None], option: str | None) -> Alignment:
    """The verdict for ``option`` given every option's first-choice share (the fixed rules)."""
    if option is None:
        return Alignment.OUTSIDE
    mine = shares.get(option)
    published = [v for v in shares.values() if v is not None]
    if mine is None or not published:
        return Alignment.UNKNOWN
    top = max(published)
    rank = _rank(shares, option)
    if mine == top:
        return Alignment.FOLLOWS
    if rank == 2 or top - mine <= CLOSE + 1e-12:
        return Alignment.PARTLY_FOLLOWS
    return Alignment.DEPARTS


def guarantee_checks(
    data: ReportData, founding_text: Mapping[str, tuple[str, str]]
) -> list[GuaranteeCheck]:
    """Each guarantee rated in the matrix, or recorded for the founding text.

    ``founding_text`` maps a guarantee key to ``(status, article)``. Guarantees nobody rated
    still appear when the founding text was recorded, so a gap in the law is never hidden by
    a shorter questionnaire.
    """
    shares = essential_shares(data)
    keys = [*shares, *(k for k in founding_text if k not in shares)]
    checks = []
    for key in keys:
        share = shares.get(key)
        status, article = founding_text.get(key, ("unknown", ""))
        checks.append(
            GuaranteeCheck(key, share, share is not None and share > MAJORITY, status, article)
        )
    return checks


def essential_shares(data: ReportData) -> dict[str, float | None]:
    """For each guarantee of the matrix, the share of its raters who called it essential."""
    result = data.question(data.guarantees_question) if data.guarantees_question else None
    if result is None:
        return {}
    table = result.tables[ALL]
    if ESSENTIAL not in table.columns:
        return {}
    c = table.columns.index(ESSENTIAL)
    return {row: table.share_of_row(r, c) for r, row in enumerate(table.rows)}
