"""``Consultation.document()``: parsed once per loaded row, never stale; and
``Consultation.shared_document()``: parsed once per process for respondents' pages, and
parsed again as soon as the questionnaire changes."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select, update
from sqlalchemy.orm.attributes import flag_modified

from consult.consultations.models import Consultation, questionnaire_digest
from consult.extensions import db
from consult.questionnaires.schema import to_dict
from tests.factories import Factory
from tests.helpers import Page


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


def test_the_digest_follows_every_change_of_the_questionnaire(app: Flask, make: Factory) -> None:
    make.consultation(opened=True)
    with app.app_context():
        consultation = the_consultation()
        first = consultation.questionnaire_digest
        assert first == questionnaire_digest(consultation.questionnaire)
        document = consultation.document()
        document.sections[0].title = {"en": "Assigned"}
        consultation.questionnaire = to_dict(document)
        assigned = consultation.questionnaire_digest
        consultation.questionnaire["sections"][0]["title"] = {"en": "Changed in place"}
        flag_modified(consultation, "questionnaire")
        flagged = consultation.questionnaire_digest
        db.session.commit()
        assert len({first, assigned, flagged}) == 3
        assert the_consultation().questionnaire_digest == flagged


def test_requests_share_one_parse_until_the_questionnaire_changes(
    app: Flask, make: Factory
) -> None:
    make.consultation(opened=True)
    with app.app_context():
        shared = the_consultation().shared_document()
    with app.app_context():  # another request
        consultation = the_consultation()
        assert consultation.shared_document() is shared
        assert consultation.document() is not shared  # a row's own copy, to change
        document = consultation.document()
        document.sections[0].title = {"en": "Corrected"}
        consultation.questionnaire = to_dict(document)
        db.session.commit()
    with app.app_context():
        fresh = the_consultation().shared_document()
        assert fresh is not shared and fresh.sections[0].title == {"en": "Corrected"}
        assert shared.sections[0].title != {"en": "Corrected"}


def test_a_questionnaire_written_around_the_orm_is_not_shared_stale(
    app: Flask, make: Factory
) -> None:
    make.consultation(opened=True)
    with app.app_context():
        consultation = the_consultation()
        shared = consultation.shared_document()
        changed = dict(consultation.questionnaire)
        changed["sections"] = [
            {**changed["sections"][0], "title": {"en": "Written with SQL"}},
            *changed["sections"][1:],
        ]
        db.session.execute(  # a digest left behind: the cache must not trust it
            update(Consultation).values(questionnaire=changed, questionnaire_digest="0" * 64)
        )
        db.session.commit()
    with app.app_context():
        document = the_consultation().shared_document()
        assert document is not shared and document.sections[0].title == {"en": "Written with SQL"}


def test_respondents_see_a_corrected_text_at_once(app: Flask, page: Page, make: Factory) -> None:
    make.consultation(opened=True)
    respond = "/en/c/npm-2027/respond"
    assert page.get(respond).status_code == 200
    assert "Corrected after opening" not in page.text
    with app.app_context():  # what the organiser's correction of a text does
        consultation = the_consultation()
        document = consultation.document()
        question = next(iter(document.questions()))
        question.text = {**question.text, "en": "Corrected after opening"}
        consultation.questionnaire = to_dict(document)
        db.session.commit()
    page.get(respond)
    assert "Corrected after opening" in page.text
