"""The fixed rules that compare a designation with the consultation, on hand-built numbers."""

from __future__ import annotations

import pytest

from consult.reports.comparison import (
    Alignment,
    alignment,
    borda_place,
    essential_shares,
    guarantee_checks,
    place,
    standings,
)
from consult.reports.data import ALL, Borda, QuestionResult, ReportData, Table
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


def firsts(counts: dict[str, int]) -> dict[str, float | None]:
    """First-choice shares as the report computes them, from counts (nothing hidden)."""
    column = suppress(list(counts), ["1"], [[n] for n in counts.values()], 1)
    return {row: column.share(r, 0) for r, row in enumerate(column.rows)}


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        # c is third: only the five-point rule can make it "partly follows".
        ({"a": 60, "b": 56, "c": 50, "d": 34}, Alignment.PARTLY_FOLLOWS),  # 30 % − 25 %
        ({"a": 60, "b": 56, "c": 49, "d": 35}, Alignment.DEPARTS),  # 30 % − 24.5 %
        ({"a": 600, "b": 560, "c": 499, "d": 341}, Alignment.DEPARTS),  # 30 % − 24.95 %
        ({"a": 600, "b": 560, "c": 500, "d": 340}, Alignment.PARTLY_FOLLOWS),
        ({"a": 7, "b": 6, "c": 5, "d": 2}, Alignment.DEPARTS),  # 35 % − 25 %
    ],
)
def test_within_five_points_counts_the_boundary_and_nothing_past_it(
    counts: dict[str, int], expected: Alignment
) -> None:
    shares = firsts(counts)
    assert place(shares, "c") == 3
    assert alignment(shares, "c") is expected


@pytest.mark.parametrize(
    ("shares", "option", "expected", "rank"),
    [
        # A hidden share is one person or more, and the hidden shares of a column together hold
        # what the published ones leave (here 5 %): they cannot pass 60 % or 35 %, and they
        # are above an option nobody put first.
        ({"a": 0.60, "b": 0.35, "c": None}, "a", Alignment.FOLLOWS, 1),
        ({"a": 0.60, "b": 0.35, "c": None}, "b", Alignment.PARTLY_FOLLOWS, 2),
        ({"a": 0.60, "b": 0.35, "c": None, "d": 0.0}, "d", Alignment.DEPARTS, 4),
        # Nobody put d first and everything else is hidden: both hidden shares are above d,
        # and one of them holds half or more.
        ({"a": None, "b": None, "d": 0.0}, "d", Alignment.DEPARTS, 3),
        # The hidden 30 % could be split 15–15 (d second: partly follows) or 25–5 (d third,
        # 30 points behind: departs): not known.
        ({"a": 0.50, "b": None, "c": None, "d": 0.20}, "d", Alignment.UNKNOWN, None),
        # 25 % between two hidden shares: neither can pass 30 %.
        ({"a": None, "b": 0.30, "c": 0.45, "d": None}, "b", Alignment.PARTLY_FOLLOWS, 2),
        # The hidden 15 % is above 5 %: d is fourth whatever, and far behind.
        ({"a": 0.50, "b": 0.30, "c": 0.05, "d": None}, "c", Alignment.DEPARTS, 4),
        # Third or fourth (the hidden 12 % may or may not hold more than 8 %), departs either way.
        ({"a": 0.50, "b": 0.30, "c": 0.08, "d": None, "e": None}, "c", Alignment.DEPARTS, None),
    ],
)
def test_hidden_shares_are_bounded_never_guessed(
    shares: dict[str, float | None], option: str, expected: Alignment, rank: int | None
) -> None:
    assert alignment(shares, option) is expected
    assert place(shares, option) == rank


def test_a_borda_place_is_given_only_when_hidden_points_could_not_pass_it() -> None:
    """20 rankers, three options: an option earns between 0 and 40 points."""

    def ranked(points: list[int | None]) -> Borda:
        return Borda(["a", "b", "c"], [ALL], [[n] for n in points], [20])

    assert [borda_place(ranked([30, 25, 5]), 0, o) for o in "abc"] == [1, 2, 3]
    assert borda_place(ranked([30, None, 5]), 0, "a") is None  # the hidden one may hold 31+
    assert borda_place(ranked([40, None, 5]), 0, "a") == 1  # nobody can pass 40
    assert borda_place(ranked([30, None, 5]), 0, "b") is None
    assert borda_place(Borda(["a", "b"], [ALL], [[3], [None]], [None]), 0, "a") is None
    assert borda_place(None, 0, "a") is None


def test_an_option_nobody_put_first_never_follows_hidden_ones() -> None:
    """Secondary suppression hides large counts too: here all 38 first choices of b and c."""
    ranked = suppress(["a", "b", "c"], ["1", "2", "3"], [[0, 0, 3], [35, 1, 3], [3, 4, 0]], 5)
    assert [row[0] for row in ranked.cells] == [0, None, None]
    data = ReportData(
        k=5,
        responses=39,
        held=0,
        participation={},
        questions=[QuestionResult("ranking", "ranking", tables={ALL: ranked})],
        options_question="ranking",
    )
    [overall] = standings(data, "a")
    assert overall.first_choice_share == 0
    # b or c has the most first choices, which one is hidden; a comes after both, far behind.
    assert (overall.rank, overall.alignment, overall.preferred) == (3, Alignment.DEPARTS, None)


def test_the_option_put_first_is_named_only_when_no_hidden_share_could_beat_it() -> None:
    column = Table(["a", "b", "c"], ["1"], [[45], [None], [None]], [45, None, None], [100], 100)
    data = ReportData(
        k=5,
        responses=100,
        held=0,
        participation={},
        questions=[QuestionResult("ranking", "ranking", tables={ALL: column})],
        options_question="ranking",
    )
    # 55 % hidden between b and c: either could have more first choices than a.
    assert standings(data, "a")[0].preferred is None
    assert standings(data, None)[0].preferred is None
    column.cells[1][0] = column.row_totals[1] = 50
    assert standings(data, "a")[0].preferred == "b"  # c holds at most 5 %


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
    # Persons deprived of liberty put the new body first by far, the commission second.
    assert deprived.column == "deprived_of_liberty"
    assert deprived.preferred == "new_body"
    assert deprived.rank == 2
    assert deprived.alignment is Alignment.PARTLY_FOLLOWS
    # The ombuds, first overall, came last for them: from what they said, it departs.
    ombuds = standings(data, "ombuds")
    assert ombuds[0].alignment is Alignment.FOLLOWS
    assert (ombuds[1].rank, ombuds[1].alignment) == (3, Alignment.DEPARTS)
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
    # Nothing recorded about the text ("unknown", the form's default): asked for, not a gap.
    unrecorded = {c.key: c for c in guarantee_checks(data, {"resources": ("unknown", "")})}
    assert unrecorded["resources"].asked_for and unrecorded["resources"].unrecorded
    assert not unrecorded["resources"].gap
    assert not checks["resources"].unrecorded and not checks["legal_basis"].unrecorded
    # Respected in practice, but not in the text: still a gap.
    practice = {c.key: c for c in guarantee_checks(data, {"legal_basis": ("in_practice_only", "")})}
    assert practice["legal_basis"].gap and practice["legal_basis"].status == "in_practice_only"
    # Not rated in this questionnaire, but recorded as absent from the law: still listed.
    assert checks["contact_spt"].status == "absent" and not checks["contact_spt"].asked_for
