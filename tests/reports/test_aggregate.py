"""Aggregation on a small hand-computed dataset: every question type, breakdown and Borda."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from consult.consultations.models import Consultation
from consult.extensions import db
from consult.questionnaires.schema import Channel
from consult.reports import aggregate
from consult.reports.data import ReportData
from consult.respond.models import Answer, Response
from tests.factories import Factory

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
