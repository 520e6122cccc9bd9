"""Aggregation on a small hand-computed dataset: every question type, breakdown and Borda;
then properties of the Borda points published beside suppressed ranking tables."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pytest
from flask import Flask
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from consult.consultations.models import Consultation
from consult.extensions import db
from consult.questionnaires.schema import (
    Channel,
    Option,
    Question,
    Questionnaire,
    QuestionType,
    Section,
)
from consult.reports import aggregate
from consult.reports.assemble import Counts, assemble
from consult.reports.data import DEPRIVED, OTHERS, ReportData
from consult.respond.models import Answer, Response
from tests.factories import Factory
from tests.reports.test_suppression import _equations, _grid, _rank_mod

#: ``(channel, category, jurisdiction, place, held, answers)``; answers are
#: ``(question, item, choice, rank, number, text)``. Computed by hand below.
PEOPLE: list[tuple[str, str, str | None, str | None, bool, list[tuple[Any, ...]]]] = [
    (
        "open",
        "civil_society",
        "north",
        "prison_sentenced",
        False,
        [
            ("model", "", "a"),
            ("ranking", "", "ombuds", 1),
            ("ranking", "", "new-body", 2),
            ("topics", "", "x"),
            ("topics", "", "y"),
            ("scale", "", "3", None, 3.0),
            ("matrix", "functional_independence", "essential"),
            ("matrix", "resources", "important"),
            ("visited", "", "yes"),
            ("visits", "", "", None, 4.0),
        ],
    ),
    (
        "open",
        "civil_society",
        "south",
        "police_custody",
        False,
        [
            ("model", "", "a"),
            ("ranking", "", "new-body", 1),
            ("ranking", "", "ombuds", 2),
            ("topics", "", "x"),
            ("matrix", "functional_independence", "essential"),
            ("matrix", "resources", "essential"),
            ("visited", "", "no"),
        ],
    ),
    (
        "invited",
        "parliament",
        "north",
        None,
        False,
        [
            ("model", "", "b"),
            ("ranking", "", "ombuds", 1),
            ("visited", "", "yes"),
            ("visits", "", "", None, 10.0),
        ],
    ),
    (
        "sealed",
        "deprived_of_liberty",
        "north",
        "prison_sentenced",
        False,
        [
            ("model", "", "a"),
            ("ranking", "", "new-body", 1),
            ("ranking", "", "ombuds", 2),
            ("topics", "", "y"),
            ("matrix", "functional_independence", "essential"),
            ("visited", "", "yes"),
            ("visits", "", "", None, 4.0),
        ],
    ),
    (
        "sealed",
        "deprived_of_liberty",
        "south",
        "prison_sentenced",
        False,
        [
            ("model", "", "c"),
            ("why", "", "", None, None, "Because."),
            ("ranking", "", "new-body", 1),
            ("topics", "", "x"),
            ("topics", "", "y"),
            ("matrix", "functional_independence", "dont_know"),
            ("matrix", "resources", "essential"),
        ],
    ),
    # Held for review: counted apart, in no result.
    ("sealed", "deprived_of_liberty", "north", None, True, [("model", "", "a")]),
]


@pytest.fixture
def consultation_id(app: Flask, make: Factory) -> int:
    slug = make.consultation(opened=True)
    with app.app_context():
        consultation = db.session.scalar(select(Consultation).where(Consultation.slug == slug))
        assert consultation is not None
        for channel, category, jurisdiction, place, held, answers in PEOPLE:
            db.session.add(
                Response(
                    consultation_id=consultation.id,
                    channel=Channel(channel),
                    questionnaire_version=consultation.version,
                    locale="en",
                    stakeholder_category=category,
                    jurisdiction=jurisdiction,
                    place_category=place,
                    is_held=held,
                    answers=[_answer(*a) for a in answers],
                )
            )
        db.session.commit()
        return consultation.id


def _answer(
    question: str,
    item: str,
    choice: str,
    rank: int | None = None,
    number: float | None = None,
    text: str | None = None,
) -> Answer:
    return Answer(
        question_key=question, item_key=item, choice_key=choice, rank=rank, number=number, text=text
    )


def _build(app: Flask, consultation_id: int, k: int) -> ReportData:
    with app.app_context():
        consultation = db.session.get(Consultation, consultation_id)
        assert consultation is not None
        return aggregate.build(consultation, k)


def test_responses_are_counted_and_held_ones_apart(app: Flask, consultation_id: int) -> None:
    data = _build(app, consultation_id, 1)
    assert data.responses == 5
    assert data.held == 1
    group = data.participation["group"]
    assert group.rows == ["deprived_of_liberty", "others"]
    assert group.columns == ["open", "invited", "sealed"]
    assert group.cells == [[0, 0, 2], [2, 1, 0]]
    place = data.participation["place"]
    assert place.rows == ["police_custody", "prison_sentenced", "not_stated"]
    assert place.row_totals == [1, 3, 1]
    assert data.participation["jurisdiction"].rows == ["north", "south"]


def test_single_choice_counts_per_dimension(app: Flask, consultation_id: int) -> None:
    model = _question(app, consultation_id, "model")
    assert model.tables["all"].rows == ["a", "b", "c"]
    assert [row[0] for row in model.tables["all"].cells] == [3, 1, 1]
    assert model.tables["all"].share(0, 0) == pytest.approx(3 / 5)
    assert model.tables["group"].cells == [[1, 2], [0, 1], [1, 0]]
    assert model.tables["channel"].columns == ["open", "invited", "sealed"]
    assert model.tables["channel"].cells == [[2, 0, 1], [0, 1, 0], [0, 0, 1]]
    categories = ["parliament", "civil_society", "deprived_of_liberty"]
    assert model.tables["category"].columns == categories
    assert model.tables["jurisdiction"].cells == [[2, 1], [1, 0], [0, 1]]


def test_multiple_choice_columns_count_respondents(app: Flask, consultation_id: int) -> None:
    topics = _question(app, consultation_id, "topics").tables["group"]
    assert topics.columns_add_up is False
    assert topics.cells == [[1, 2], [2, 1]]  # x, y for deprived / others
    assert topics.column_totals == [2, 2]
    assert topics.share(1, 0) == 1.0  # both persons deprived of liberty chose y


def test_rankings_count_positions_first_choices_and_borda(app: Flask, consultation_id: int) -> None:
    ranking = _question(app, consultation_id, "ranking")
    overall = ranking.tables["all"]
    assert overall.rows == ["ombuds", "new-body"]
    assert overall.columns == ["1", "2"]
    assert overall.cells == [[2, 2], [3, 1]]
    assert ranking.tables["group"].cells == [[0, 2], [2, 1]]  # first choices
    # Two options: first place earns 1 point, second place and unranked 0.
    assert ranking.borda["all"].points == [[2], [3]]
    assert ranking.borda["group"].points == [[0, 2], [2, 1]]
    assert ranking.borda["all"].rankers == [5]


def test_the_guarantee_matrix_counts_ratings_and_essential_support(
    app: Flask, consultation_id: int
) -> None:
    matrix = _question(app, consultation_id, "matrix")
    overall = matrix.tables["all"]
    assert overall.rows == ["functional_independence", "resources"]
    assert overall.columns == ["essential", "important", "not_important", "dont_know"]
    assert overall.cells == [[3, 0, 0, 1], [2, 1, 0, 0]]
    by_group = matrix.tables["group"]
    assert by_group.cells == [[1, 2], [1, 1]]
    assert by_group.column_totals == [2, 2]  # who answered the matrix in each group
    assert by_group.share(0, 1) == 1.0


def test_numbers_texts_scales_and_yes_no(app: Flask, consultation_id: int) -> None:
    visits = _question(app, consultation_id, "visits")
    assert visits.tables["all"].cells == [[3]]
    summary = visits.numbers["all"]
    assert (summary.count, summary.mean, summary.median) == ([3], [6.0], [4.0])
    assert visits.numbers["group"].median == [4.0, 7.0]
    assert _question(app, consultation_id, "why").tables["all"].cells == [[1]]
    assert [r[0] for r in _question(app, consultation_id, "scale").tables["all"].cells] == [0, 0, 1]
    visited = _question(app, consultation_id, "visited").tables["all"]
    assert visited.rows == ["yes", "no", "dont_know"]
    assert [r[0] for r in visited.cells] == [3, 1, 0]


def test_a_real_threshold_hides_small_groups(app: Flask, consultation_id: int) -> None:
    data = _build(app, consultation_id, 3)
    assert data.responses == 5
    assert data.held is None
    model = data.question("model")
    assert model is not None
    assert [row[0] for row in model.tables["all"].cells] == [3, None, None]
    # Two persons deprived of liberty: too few to show their column or their ranking.
    ranking = data.question("ranking")
    assert ranking is not None
    assert ranking.tables["group"].column_totals[0] is None
    assert ranking.borda["group"].points[0][0] is None
    visits = data.question("visits")
    assert visits is not None
    assert visits.numbers["group"].mean == [None, None]


def test_the_dataset_digest_changes_with_any_counted_answer(
    app: Flask, consultation_id: int
) -> None:
    with app.app_context():
        consultation = db.session.get(Consultation, consultation_id)
        assert consultation is not None
        before = aggregate.dataset_digest(consultation)
        assert aggregate.dataset_digest(consultation) == before
        answer = db.session.scalar(select(Answer).where(Answer.question_key == "visits").limit(1))
        assert answer is not None
        answer.number = 5.0
        db.session.flush()
        assert aggregate.dataset_digest(consultation) != before
        db.session.rollback()


def _question(app: Flask, consultation_id: int, key: str) -> Any:
    result = _build(app, consultation_id, 1).question(key)
    assert result is not None
    return result


# Borda points beside suppressed tables (pure: counts in, ReportData out) -----------------

#: Three NPM options, so that second places earn a point of their own.
THREE = ("a", "b", "c")


def _ranking_document(items: Sequence[str]) -> Questionnaire:
    return Questionnaire(
        options=[Option(key, "ombuds", {"en": key}) for key in items],
        sections=[Section("s", questions=[Question("rank", QuestionType.RANKING, {"en": "?"})])],
    )


def _ranking_counts(places: Mapping[tuple[str, int, str], int]) -> Counts:
    """Counts of a ranking question from ``{(item, rank, group column): rankers}``."""
    return Counts(
        columns={"group": [DEPRIVED, OTHERS]},
        channels=["open"],
        participation={"group": {}},
        answers={
            "group": {
                ("rank", "", item, rank, column): n for (item, rank, column), n in places.items()
            }
        },
    )


def _rankings(by_column: Mapping[str, list[list[str]]]) -> dict[tuple[str, int, str], int]:
    places: dict[tuple[str, int, str], int] = {}
    for column, rankings in by_column.items():
        for ranking in rankings:
            for rank, item in enumerate(ranking, start=1):
                places[item, rank, column] = places.get((item, rank, column), 0) + 1
    return places


def test_borda_gives_m_minus_r_points_and_nothing_to_unranked_items() -> None:
    places = _rankings(
        {
            OTHERS: [["a", "b", "c"], ["a", "c", "b"], ["b", "a"], ["c"]],
            DEPRIVED: [["b", "c", "a"]],
        }
    )
    result = assemble(_ranking_counts(places), _ranking_document(THREE), 1).question("rank")
    assert result is not None
    # Three options: first place 2 points, second 1, third and unranked 0.
    # others: a = 2+2+1+0, b = 1+0+2+0, c = 0+1+0+2; deprived: a = 0, b = 2, c = 1.
    assert result.borda["group"].points == [[0, 5], [2, 3], [1, 3]]
    assert result.borda["group"].rankers == [1, 4]
    assert result.borda["all"].points == [[5], [5], [4]]
    assert result.borda["all"].rankers == [5]
    assert result.borda["all"].average(2, 0) == pytest.approx(4 / 5)
    assert result.tables["all"].cells == [[2, 1, 1], [2, 1, 1], [1, 2, 1]]
    assert result.tables["group"].cells == [[0, 2], [1, 1], [0, 1]]


def test_points_that_would_give_a_hidden_count_away_are_hidden() -> None:
    # Option a: 10 first places, 2 second, 8 third. The 2 is hidden and, with it, the 8
    # (its row) — but 2 × 10 + 1 × 2 = 22 points would say 22 − 20 = 2 second places.
    places = {("a", 1, OTHERS): 10, ("a", 2, OTHERS): 2, ("a", 3, OTHERS): 8}
    places |= {("b", 1, OTHERS): 5, ("b", 2, OTHERS): 9, ("b", 3, OTHERS): 6}
    places |= {("c", 1, OTHERS): 5, ("c", 2, OTHERS): 9, ("c", 3, OTHERS): 6}
    result = assemble(_ranking_counts(places), _ranking_document(THREE), 5).question("rank")
    assert result is not None
    assert result.tables["all"].cells[0][1] is None
    assert result.tables["all"].row_totals[0] == 20
    assert result.borda["all"].points[0] == [None]
    # Per group: a's 10 first places are published, but 22 − 2 × 10 = 2 second places.
    assert result.tables["group"].cells[0][1] == 10
    assert result.borda["group"].points[0][1] is None
    assert result.borda["group"].points[1][1] == 5 * 2 + 9


def _items(m: int) -> tuple[str, ...]:
    return (*THREE, "d")[:m]


#: ``(m, k, {(item, rank, group column): rankers})``.
Case = tuple[int, int, dict[tuple[str, int, str], int]]


@st.composite
def ranking_places(draw: st.DrawFn) -> Case:
    m = draw(st.integers(2, 4))
    k = draw(st.integers(2, 5))
    places = {
        (item, rank, column): draw(st.integers(0, 12))
        for item in _items(m)
        for rank in range(1, m + 1)
        for column in (DEPRIVED, OTHERS)
    }
    return m, k, places


@settings(max_examples=200, deadline=None)
@given(ranking_places())
def test_published_points_give_away_no_hidden_count_of_the_overall_ranking(case: Case) -> None:
    m, k, places = case
    result = assemble(_ranking_counts(places), _ranking_document(_items(m)), k).question("rank")
    assert result is not None
    table, borda = result.tables["all"], result.borda["all"]
    grid = _grid(table, m, m)
    hidden = [pos for pos, value in grid.items() if value is None]
    equations = _equations(m, m, hidden, additive=True)
    for i in range(m):
        if borda.points[i][0] is not None:
            # The item's points: sum of (m − r) × its rankers at place r, over its hidden places.
            equations.append(
                [m - pos[1] - 1 if pos[0] == i and pos[1] < m else 0 for pos in hidden]
            )
    for j, pos in enumerate(hidden):
        unit = [1 if i == j else 0 for i in range(len(hidden))]
        assert _rank_mod([*equations, unit]) > _rank_mod(equations), f"{pos} can be derived"


@settings(max_examples=200, deadline=None)
@given(ranking_places())
def test_published_points_per_group_give_away_no_count_below_k(case: Case) -> None:
    m, k, places = case
    result = assemble(_ranking_counts(places), _ranking_document(_items(m)), k).question("rank")
    assert result is not None
    table, borda = result.tables["group"], result.borda["group"]
    for i, item in enumerate(borda.items):
        for j, column in enumerate(borda.columns):
            points = borda.points[i][j]
            if points is None:
                continue
            first = table.cells[i][j]
            assert first is not None, "points would give a hidden first choice away"
            # Beside the published first places, the points tell how the lower places add up;
            # where only one set of lower places fits, none of them may hold 1 to k − 1.
            solutions = _lower_places(points - (m - 1) * first, m)
            assert solutions, (item, column)
            if len(solutions) == 1:
                assert all(n == 0 or n >= k for n in solutions[0]), (item, column, solutions)


def _lower_places(rest: int, m: int) -> list[tuple[int, ...]]:
    """Every count of rankers at places 2 … m − 1 whose points add up to ``rest``."""
    weights = [m - rank for rank in range(2, m)]
    found: list[tuple[int, ...]] = [()]
    for weight in weights:
        found = [(*f, n) for f in found for n in range(rest // weight + 1)]
    return [f for f in found if sum(w * n for w, n in zip(weights, f, strict=True)) == rest]
