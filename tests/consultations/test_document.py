"""``Consultation.document()``: parsed once per loaded row, never stale."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm.attributes import flag_modified

from consult.consultations.models import Consultation
from consult.extensions import db
from consult.questionnaires.schema import to_dict
from tests.factories import Factory


def the_consultation() -> Consultation:
    return db.session.scalars(select(Consultation)).one()


def test_the_document_is_parsed_once_per_loaded_row(app: Flask, make: Factory) -> None:
    make.consultation(opened=True)
    with app.app_context():
        consultation = the_consultation()
        assert consultation.document() is consultation.document()


def test_an_assigned_questionnaire_is_parsed_again(app: Flask, make: Factory) -> None:
    make.consultation(opened=True)
    with app.app_context():
        consultation = the_consultation()
        document = consultation.document()
        document.sections[0].title = {"en": "Renamed"}
        consultation.questionnaire = to_dict(document)
        fresh = consultation.document()
        assert fresh is not document and fresh.sections[0].title == {"en": "Renamed"}


def test_a_questionnaire_changed_in_place_and_flagged_is_parsed_again(
    app: Flask, make: Factory
) -> None:
    make.consultation(opened=True)
    with app.app_context():
        consultation = the_consultation()
        before = consultation.document()
        consultation.questionnaire["sections"][0]["title"] = {"en": "Changed in place"}
        flag_modified(consultation, "questionnaire")
        after = consultation.document()
        assert after is not before and after.sections[0].title == {"en": "Changed in place"}


def test_a_questionnaire_changed_by_another_request_is_seen_after_a_reload(
    app: Flask, make: Factory
) -> None:
    make.consultation(opened=True)
    with app.app_context():
        consultation = the_consultation()
        assert consultation.document().sections[0].title != {"en": "From elsewhere"}
        db.session.commit()  # ends the transaction and expires the row
        with app.app_context():  # another request, another session
            other = the_consultation()
            document = other.document()
            document.sections[0].title = {"en": "From elsewhere"}
            other.questionnaire = to_dict(document)
            db.session.commit()
        assert consultation.document().sections[0].title == {"en": "From elsewhere"}
