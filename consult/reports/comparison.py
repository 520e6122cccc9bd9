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

A hidden first-choice share is never guessed. All that is known of it is that it stands for
at least one person and at most what the published shares of its column leave (the shares of a
column add up to the whole). A place, a verdict or a preferred option is given only when it is
the same wherever, between those bounds, the hidden shares lie; otherwise it is not known.
So an option with no first choice never *follows* a consultation whose other shares are hidden.
Places by Borda points likewise: hidden points may be anything from 0 to m − 1 per ranker.

A guarantee counts as *asked for* when more than half of those who rated it called it
essential; the founding text then either provides it (``in_law``), leaves a **gap** (``absent``,
or ``in_practice_only``: respected, but not written down), or was not recorded for it
(``unknown``): the report then says so, and never calls it a gap.
"""

from __future__ import annotations

import math
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


#: What the founding text leaves out: a guarantee it lacks, or one only practice respects.
LEFT_OUT = frozenset({"absent", "in_practice_only"})


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
        """Asked for by most respondents, and recorded as left out of the founding text."""
        return self.asked_for and self.status in LEFT_OUT

    @property
    def unrecorded(self) -> bool:
        """Asked for by most respondents; what the founding text provides is not recorded."""
        return self.asked_for and self.status == "unknown"


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
        rank=place(shares, option),
        first_choice_share=shares.get(option),
        borda=points.get(option),
        borda_rank=borda_place(borda, c, option),
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
    """The option with the largest share; ``None`` if none has a first choice, or if a hidden
    share could be larger."""
    published = {k: v for k, v in shares.items() if v}
    if not published:
        return None
    first = max(published, key=lambda k: published[k])
    hidden = any(v is None for v in shares.values())
    return None if hidden and _rest(shares) > published[first] else first


def borda_place(borda: Borda | None, c: int, option: str) -> int | None:
    """1 + how many options have strictly more Borda points than ``option`` in column ``c``.

    ``None`` when its points are hidden, or when hidden points could be more than its own: an
    option's points go from 0 (nobody ranked it) to m − 1 per ranker (everyone put it first).
    """
    points = _points(borda, c)
    mine = points.get(option)
    if borda is None or mine is None:
        return None
    rankers = borda.rankers[c]
    most = math.inf if rankers is None else rankers * (len(borda.items) - 1)
    others = [v for k, v in points.items() if k != option]
    if any(v is None for v in others) and most > mine:
        return None
    return 1 + sum(1 for v in others if v is not None and v > mine)


def _rest(shares: Mapping[str, float | None]) -> float:
    """What the published shares of a column leave to its hidden ones together."""
    return max(0.0, 1.0 - sum(v for v in shares.values() if v is not None))


@dataclass(frozen=True)
class _Field:
    """The designated option against the others: its place, and how far behind the first."""

    place: int
    behind: float


def _extremes(
    shares: Mapping[str, float | None], option: str, mine: float
) -> tuple[_Field, _Field]:
    """The best and the worst field the hidden shares allow.

    A hidden share is at least one person (so above an option nobody put first), and the
    hidden shares of a column together hold exactly what the published ones leave.
    """
    known = [v for k, v in shares.items() if k != option and v is not None]
    hidden = sum(1 for k, v in shares.items() if k != option and v is None)
    above, top = sum(1 for v in known if v > mine), max(known, default=mine)
    if not hidden:
        field = _Field(1 + above, max(0.0, top - mine))
        return field, field
    rest = _rest(shares)
    # Best: as few hidden shares above this option as the rest allows, and evenly spread.
    must = hidden if mine == 0 else int(rest > hidden * mine)
    best = _Field(1 + above + must, max(0.0, top - mine, rest / hidden - mine))
    # Worst: as many above it as the rest allows, and one of them holding all of it.
    could = hidden if mine == 0 else max(0, min(hidden, math.ceil(rest / mine) - 1))
    worst = _Field(1 + above + could, max(0.0, top - mine, rest - mine))
    return best, worst


def place(shares: Mapping[str, float | None], option: str) -> int | None:
    """1 + how many options had strictly more first choices than ``option``.

    ``None`` when ``option``'s share is hidden, or when hidden shares could put it either
    higher or lower (:func:`_extremes`).
    """
    mine = shares.get(option)
    if mine is None:
        return None
    best, worst = _extremes(shares, option, mine)
    return best.place if best.place == worst.place else None


def alignment(shares: Mapping[str, float | None], option: str | None) -> Alignment:
    """The verdict for ``option`` given every option's first-choice share (the fixed rules).

    Each rule only gets worse as the option's place or its distance to the first grows, so
    the verdict is known when it is the same in the best and the worst field that the hidden
    shares allow.
    """
    if option is None:
        return Alignment.OUTSIDE
    mine = shares.get(option)
    if mine is None or all(v is None for v in shares.values()):
        return Alignment.UNKNOWN
    best, worst = (_verdict(field) for field in _extremes(shares, option, mine))
    return best if best is worst else Alignment.UNKNOWN


def _verdict(field: _Field) -> Alignment:
    """The fixed rules."""
    if field.place == 1:
        return Alignment.FOLLOWS
    # The tolerance absorbs floating point: 40 % − 35 % is 5.000000000000004 points.
    if field.place == 2 or field.behind <= CLOSE + 1e-12:
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
