"""The fixed rules that compare a designation with the consultation, on hand-built numbers."""

from __future__ import annotations

import pytest

from consult.reports.comparison import (
    Alignment,
    alignment,
    essential_shares,
    guarantee_checks,
    standings,
)
from consult.reports.data import Borda, QuestionResult, ReportData
from consult.reports.suppression import suppress

OPTIONS = ["ombuds", "commission", "new_body"]


def _report(first: list[list[int]], points: list[list[int]], k: int = 2) -> ReportData:
    """Options ranked by persons deprived of liberty and others: first choices and points."""
    by_group = suppress(OPTIONS, ["deprived_of_liberty", "others"], first, k)
    overall = suppress(OPTIONS, ["1", "2", "3"], [[sum(row), 0, 0] for row in first], k)
    ranking = QuestionResult(
        "ranking",
        "ranking",
        tables={"all": overall, "group": by_group},
        borda={
            "all": Borda(OPTIONS, ["all"], [[sum(p)] for p in points], [overall.column_totals[0]]),
            "group": Borda(
                OPTIONS,
                ["deprived_of_liberty", "others"],
                [
                    [
                        p if t is not None else None
                        for p, t in zip(row, by_group.column_totals, strict=True)
                    ]
                    for row in points
                ],
                list(by_group.column_totals),
            ),
        },
    )
    matrix = QuestionResult(
        "matrix",
        "matrix",
        tables={
            "all": suppress(
                ["resources", "private_interviews", "legal_basis"],
                ["essential", "important", "not_important", "dont_know"],
                [[60, 30, 5, 5], [50, 40, 5, 5], [70, 20, 5, 5]],
                k,
            )
        },
    )
    return ReportData(
        k=k,
        responses=sum(map(sum, first)),
        held=0,
        participation={},
        questions=[ranking, matrix],
        options_question="ranking",
        guarantees_question="matrix",
    )


@pytest.mark.parametrize(
    ("shares", "option", "expected"),
    [
        ({"a": 0.5, "b": 0.3, "c": 0.2}, "a", Alignment.FOLLOWS),
        ({"a": 0.4, "b": 0.4, "c": 0.2}, "b", Alignment.FOLLOWS),  # a tie for first
        ({"a": 0.5, "b": 0.3, "c": 0.2}, "b", Alignment.PARTLY_FOLLOWS),  # second
        ({"a": 0.40, "b": 0.36, "c": 0.36, "d": 0.0}, "c", Alignment.PARTLY_FOLLOWS),  # 4 pts
        ({"a": 0.40, "b": 0.38, "c": 0.35}, "c", Alignment.PARTLY_FOLLOWS),  # third, 5 pts
        ({"a": 0.50, "b": 0.30, "c": 0.20}, "c", Alignment.DEPARTS),  # third, 30 pts
        ({"a": 0.5, "b": 0.3, "c": 0.2}, None, Alignment.OUTSIDE),
        ({"a": 0.5, "b": None, "c": 0.2}, "b", Alignment.UNKNOWN),  # hidden
        ({}, "a", Alignment.UNKNOWN),
    ],
)
def test_alignment_rules(
    shares: dict[str, float | None], option: str | None, expected: Alignment
) -> None:
    assert alignment(shares, option) is expected


def test_standings_overall_and_for_each_group() -> None:
    data = _report(
        first=[[2, 40], [10, 30], [20, 10]],
        points=[[10, 100], [20, 80], [40, 50]],
    )
    overall, deprived, others = standings(data, "commission")
    assert overall.column == "all"
    assert overall.first_choice_share == pytest.approx(40 / 112)
    assert overall.rank == 2
    assert overall.alignment is Alignment.PARTLY_FOLLOWS
    assert overall.preferred == "ombuds"
    assert (overall.borda, overall.borda_rank) == (100, 2)
    # Persons deprived of liberty put the new body first by far: the designation departs
    # from what they said, whatever everyone else said.
    assert deprived.column == "deprived_of_liberty"
    assert deprived.preferred == "new_body"
    assert deprived.rank == 2
    assert deprived.alignment is Alignment.PARTLY_FOLLOWS
    assert standings(data, "ombuds")[1].alignment is Alignment.DEPARTS
    assert others.alignment is Alignment.PARTLY_FOLLOWS


def test_a_hidden_group_gives_no_verdict() -> None:
    data = _report(first=[[1, 40], [0, 30], [0, 10]], points=[[2, 100], [0, 90], [0, 50]], k=5)
    overall, deprived, _others = standings(data, "ombuds")
    assert overall.alignment is Alignment.FOLLOWS
    assert deprived.first_choice_share is None
    assert deprived.borda is None
    assert deprived.alignment is Alignment.UNKNOWN


def test_a_designation_outside_the_options() -> None:
    data = _report(first=[[5, 40], [6, 30], [7, 10]], points=[[1, 1], [1, 1], [1, 1]])
    assert {s.alignment for s in standings(data, None)} == {Alignment.OUTSIDE}


def test_guarantees_asked_for_against_the_founding_text() -> None:
    data = _report(first=[[5, 40], [6, 30], [7, 10]], points=[[1, 1], [1, 1], [1, 1]])
    assert essential_shares(data)["resources"] == pytest.approx(0.6)
    checks = {
        c.key: c
        for c in guarantee_checks(
            data,
            {
                "resources": ("absent", ""),
                "legal_basis": ("in_law", "Art. 1"),
                "contact_spt": ("absent", ""),
            },
        )
    }
    assert checks["resources"].gap  # 60 % essential, not in the law
    assert not checks["legal_basis"].gap  # 70 % essential, in the law
    # Exactly half is not "most": not asked for, so no gap though the text is silent.
    assert not checks["private_interviews"].asked_for
    assert checks["private_interviews"].status == "unknown"
    # Not rated in this questionnaire, but recorded as absent from the law: still listed.
    assert checks["contact_spt"].status == "absent" and not checks["contact_spt"].asked_for
