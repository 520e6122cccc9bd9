"""A closed consultation of three options with its published report, and its designation:
shared by the comparison page's tests and the PDF's."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from flask import Flask

from consult.accounts.models import User
from consult.consultations import services as consultations
from consult.extensions import db
from consult.questionnaires.schema import Option
from consult.reports import designation
from consult.reports.data import ALL, Borda, QuestionResult, ReportData, Table
from consult.reports.designation import DesignationEntry
from tests.factories import Factory, sample_questionnaire, texts
from tests.reports.sample import GROUP, LANGS, SLUG, report_data, store_report, table
from tests.reports.sample import the_consultation as consultation

OPTIONS = ["ombuds", "new-body", "multi"]


def ranked_data() -> ReportData:
    """40 ranked three options: most put the ombuds first, persons deprived of liberty the new
    body; nobody in detention put ``multi`` first, and for everyone else it is hidden."""
    ranking = QuestionResult(
        "ranking",
        "ranking",
        tables={
            ALL: table(
                OPTIONS, ["1", "2", "3"], [[20, 12, 8], [12, 20, 8], [8, 8, 24]], [40, 40, 40]
            ),
            "group": table(OPTIONS, GROUP, [[6, 14], [9, None], [0, None]], [15, 25]),
            "category": table(
                OPTIONS,
                ["civil_society", "deprived_of_liberty"],
                [[14, 6], [None, 9], [None, 0]],
                [25, 15],
            ),
        },
        borda={
            ALL: Borda(OPTIONS, [ALL], [[52], [44], [24]], [40]),
            "group": Borda(OPTIONS, GROUP, [[12, 40], [24, 20], [9, 15]], [15, 25]),
            "category": Borda(
                OPTIONS,
                ["civil_society", "deprived_of_liberty"],
                [[40, 12], [20, 24], [15, 9]],
                [25, 15],
            ),
        },
    )
    matrix = Table(
        ["functional_independence", "resources"],
        ["essential", "important", "not_important", "dont_know"],
        [[30, 6, None, None], [15, 20, None, None]],
        [40, 40],
        [45, 26, None, None],
        80,
    )
    base = report_data()
    questions = [
        ranking
        if q.key == "ranking"
        else replace(q, tables={ALL: matrix})
        if q.key == "matrix"
        else q
        for q in base.questions
    ]
    return replace(base, questions=questions)


def entry(**changes: Any) -> DesignationEntry:
    """The multiple-bodies option, by statute; independence absent from the law."""
    made = DesignationEntry(
        designated_on=date(2025, 6, 1),
        legal_basis="statute",
        model="multiple_bodies",
        option_key="multi",
        bodies=["Office of the Ombudsperson", "Prison Inspectorate"],
        instrument_reference="Law No. 12 of 2025",
        instrument_link="https://example.org/law-12",
        places=["police_custody", "prison_sentenced"],
        guarantees={
            "functional_independence": ("absent", ""),
            "resources": ("in_law", "Art. 9"),
        },
        stages={"ratified": date(2020, 1, 1), "law_adopted": date(2025, 5, 1)},
        note={"en": "Designated by law."},
    )
    return replace(made, **changes)


def record(app: Flask, **changes: Any) -> None:
    """Store a designation revision through the service, as the desk would."""
    with app.test_request_context():
        designation.record_revision(consultation(), publisher(), entry(**changes))
        db.session.commit()


def publisher() -> User:
    user = db.session.scalars(db.select(User)).first()
    assert user is not None
    return user


def recommend(app: Flask, text: dict[str, str], updates: list[tuple[str, date, str]]) -> None:
    with app.test_request_context():
        c, who = consultation(), publisher()
        added = designation.add_recommendation(c, who, text)
        for status, as_of, note in updates:
            designation.add_update(c, added.id, who, status, as_of, {"en": note} if note else {})
        db.session.commit()


def build(app: Flask, make: Factory, data: ReportData | None = None) -> None:
    """A closed consultation of three options with its published report (not designated)."""
    document = sample_questionnaire(LANGS)
    document.options.append(Option("multi", "multiple_bodies", texts(LANGS, "Several bodies")))
    make.consultation("acme", SLUG, LANGS, opened=True, questionnaire=document)
    with app.test_request_context():
        consultations.close(consultation(), publisher())
        db.session.commit()
    store_report(app, data=data or ranked_data())


def designated(app: Flask, make: Factory) -> None:
    """Two revisions (the second moves to ``multi``) and two recommendations."""
    build(app, make)
    record(app, model="ombuds", option_key="ombuds")
    record(app)
    recommend(
        app,
        {"en": "Create an independent mechanism."},
        [
            ("no_response", date(2024, 1, 1), ""),
            ("in_progress", date(2025, 3, 1), "A bill was tabled."),
            ("adopted", date(2025, 9, 1), "Law adopted."),
        ],
    )
    recommend(app, {"en": "Fund it."}, [])
