"""Storing a checked submission exactly once, whatever the timing of its retries."""

from __future__ import annotations

import threading
import time
import uuid

import pytest
from flask import Flask
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from consult.consultations.models import Consultation
from consult.extensions import db
from consult.questionnaires.answers import Submission, read_submission
from consult.questionnaires.schema import Channel, Choice, JurisdictionMode
from consult.respond import services
from consult.respond.models import Answer, Response
from tests.factories import Factory
from tests.respond.test_open_channel import FULL

KEY = "the-same-form-key-0123456789"


def the_consultation() -> Consultation:
    return db.session.scalars(select(Consultation)).one()


def checked(consultation: Consultation, **changes: str) -> Submission:
    document = consultation.document()
    rules = services.profile_rules(consultation, document, Channel.OPEN, "en")
    questions = services.questions_for(document, Channel.OPEN)
    submission = read_submission(rules, questions, document, MultiDict({**FULL, **changes}))
    assert not submission.errors
    return submission


def keep(consultation: Consultation, submission: Submission) -> uuid.UUID:
    return services.keep(consultation, Channel.OPEN, submission, locale="en", submission_key=KEY)


def counts() -> tuple[int, int]:
    responses = db.session.scalar(select(func.count()).select_from(Response))
    answers = db.session.scalar(select(func.count()).select_from(Answer))
    return responses or 0, answers or 0


def test_every_answer_row_is_stored_with_its_response(app: Flask, make: Factory) -> None:
    make.consultation(opened=True)
    with app.app_context():
        consultation = the_consultation()
        submission = checked(consultation)
        response = services.store(
            consultation, Channel.OPEN, submission, locale="fr", submission_key=KEY
        )
        db.session.commit()
        assert (response.channel, response.locale) == (Channel.OPEN, "fr")
        assert response.declared_organisation == "Friends of Prisoners"
        assert response.received_on is not None and not hasattr(response.received_on, "hour")
        stored = sorted(
            (a.question_key, a.item_key, a.choice_key, a.rank, a.number, a.text)
            for a in response.answers
        )
        assert stored == sorted(
            (r.question_key, r.item_key, r.choice_key, r.rank, r.number, r.text)
            for r in submission.rows
        )


def test_a_retry_in_a_later_transaction_stores_nothing_twice(app: Flask, make: Factory) -> None:
    make.consultation(opened=True)
    with app.app_context():
        consultation = the_consultation()
        first = keep(consultation, checked(consultation))
        db.session.commit()
        stored = counts()
        assert keep(consultation, checked(consultation)) == first
        db.session.commit()
        assert counts() == stored
        with pytest.raises(services.KeyReused):
            keep(consultation, checked(consultation, **{"q-model": "a"}))
        db.session.rollback()
        assert counts() == stored


def test_twins_sent_at_the_same_moment_are_stored_once(app: Flask, make: Factory) -> None:
    """The second waits for the first to commit, then inserts nothing and keeps its id."""
    make.consultation(opened=True)
    inserted = threading.Event()
    ids: dict[str, uuid.UUID] = {}

    def first() -> None:
        with app.app_context():
            consultation = the_consultation()
            ids["first"] = keep(consultation, checked(consultation))
            inserted.set()
            time.sleep(0.3)  # the twin is now waiting on this transaction
            db.session.commit()

    def twin() -> None:
        inserted.wait(10)
        with app.app_context():
            consultation = the_consultation()
            ids["twin"] = keep(consultation, checked(consultation))
            db.session.commit()

    threads = [threading.Thread(target=first), threading.Thread(target=twin)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert ids["first"] == ids["twin"]
    with app.app_context():
        responses, answers = counts()
        assert responses == 1
        assert answers == len(checked(the_consultation()).rows)


@pytest.mark.parametrize("channel", list(Channel))
def test_profile_rules_hold_the_keys_of_the_choices_shown(
    app: Flask, make: Factory, channel: Channel
) -> None:
    make.consultation(opened=True)
    with app.app_context():
        consultation = the_consultation()
        document = consultation.document()
        document.profile.custom_categories = [Choice("local-ngo", {"en": "Local NGO"})]
        for mode in (JurisdictionMode.CUSTOM, JurisdictionMode.SUBDIVISIONS):
            document.profile.jurisdiction = mode
            for locale in ("en", "fr", "ar"):
                rules = services.profile_rules(consultation, document, channel, locale)
                categories = services.category_choices(document, channel, locale, "en")
                places = services.jurisdiction_choices(consultation, document, locale)
                assert list(rules.categories) == [key for key, _label in categories]
                assert sorted(rules.jurisdictions) == sorted(key for key, _label in places)
                assert len(places) > 1
        assert ("local-ngo" in rules.categories) is (channel in services.NAMED_CHANNELS)
