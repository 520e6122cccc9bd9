"""The copy of a consultation that pages sending answers read (``consult.respond.answering``).

Another gunicorn worker changes the database without this process hearing of it: the tests
play that worker by writing with plain SQL, around the ORM. The database, not the copy,
decides whether an answer is stored; the copy's other contents catch up within its lifetime.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select, update

from consult.consultations.models import Consultation, Status
from consult.db import utcnow
from consult.extensions import db
from consult.questionnaires.schema import Channel
from consult.respond import answering
from consult.respond import services as respond
from consult.respond.models import Response
from consult.sealed.models import Envelope
from tests.factories import Factory
from tests.helpers import Page
from tests.respond.test_open_channel import FULL, hidden
from tests.respond.test_store import checked
from tests.sealed.test_channel import ANSWERS, begin, carried_form, send

OPEN = "/en/c/npm-2027/respond"
SEALED = "/en/c/npm-2027/sealed"


def as_another_worker(app: Flask, **values: Any) -> None:
    """Change the consultation as another process would: SQL this process never sees."""
    with app.app_context():
        db.session.execute(update(Consultation).values(**values))
        db.session.commit()


def count(app: Flask, model: type[Any]) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model)) or 0


def answer_openly(page: Page) -> Any:
    key = hidden(page.get(OPEN).get_data(as_text=True), "submission_key")
    return page.post(OPEN, {**FULL, "submission_key": key}, form_page=OPEN)


#: What makes a consultation stop taking answers, as another worker writes it.
CLOSINGS = {
    "closed": {"status": Status.CLOSED},
    "past its closing date": {"closes_at": utcnow() - timedelta(minutes=1)},
    "not open yet": {"opens_at": utcnow() + timedelta(days=1)},
}
#: ... and what the store checks besides (the app never changes an open version).
REFUSALS = {**CLOSINGS, "at another version": {"version": "f" * 64}}


@pytest.mark.parametrize("closing", list(CLOSINGS))
def test_an_open_answer_sent_after_another_worker_closed_is_not_stored(
    app: Flask, page: Page, make: Factory, closing: str
) -> None:
    make.consultation("acme", "npm-2027", ("en",), opened=True)
    assert answer_openly(page).status_code == 303  # the copy is taken, saying "open"
    form = page.get(OPEN).get_data(as_text=True)
    sent = {**FULL, **{name: hidden(form, name) for name in ("submission_key", "csrf_token")}}
    as_another_worker(app, **CLOSINGS[closing])
    response = page.post(OPEN, sent, csrf=False)
    assert response.status_code == 409
    assert "Your answers were not recorded." in page.text
    assert count(app, Response) == 1


@pytest.mark.parametrize("closing", list(CLOSINGS))
def test_a_sealed_answer_sent_after_another_worker_closed_is_not_stored(
    app: Flask, make: Factory, closing: str
) -> None:
    make.consultation("acme", "npm-2027", ("en",), opened=True)
    assert send(Page(app.test_client()), ANSWERS).status_code == 303  # the copy is taken
    page = Page(app.test_client())
    html = begin(page).get_data(as_text=True)
    as_another_worker(app, **CLOSINGS[closing])
    response = page.post(SEALED, {**carried_form(html), **ANSWERS, "nav": "send"}, csrf=False)
    assert response.status_code == 409
    assert "Your answers were not recorded." in page.text
    assert count(app, Envelope) == 1


def test_a_retry_after_the_close_still_finds_the_answer_it_stored(
    app: Flask, page: Page, make: Factory
) -> None:
    """A double click that straddles the close: the first click's answer stands."""
    make.consultation("acme", "npm-2027", ("en",), opened=True)
    form = page.get(OPEN).get_data(as_text=True)
    sent = {**FULL, **{name: hidden(form, name) for name in ("submission_key", "csrf_token")}}
    assert page.post(OPEN, sent, csrf=False).status_code == 303
    as_another_worker(app, status=Status.CLOSED)
    assert page.post(OPEN, sent, csrf=False).status_code == 303
    assert count(app, Response) == 1


def test_a_change_made_in_this_process_counts_for_the_next_answer(
    app: Flask, make: Factory
) -> None:
    make.consultation("acme", "npm-2027", ("en",), opened=True)
    assert send(Page(app.test_client()), ANSWERS).status_code == 303  # the copy is taken
    with app.app_context():  # an organiser's edit, through the ORM
        db.session.scalars(select(Consultation)).one().sealed_hold_after = 1
        db.session.commit()
    assert send(Page(app.test_client()), ANSWERS).status_code == 303  # the same address
    with app.app_context():
        assert sorted(db.session.scalars(select(Envelope.is_held))) == [False, True]


def test_another_workers_change_counts_once_the_copy_is_older_than_its_lifetime(
    app: Flask, make: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    make.consultation("acme", "npm-2027", ("en",), opened=True)
    assert send(Page(app.test_client()), ANSWERS).status_code == 303  # the copy is taken
    as_another_worker(app, sealed_hold_after=1)
    later = answering.time.monotonic() + answering.FRESH_FOR + 0.1
    monkeypatch.setattr(answering.time, "monotonic", lambda: later)
    assert send(Page(app.test_client()), ANSWERS).status_code == 303
    with app.app_context():
        assert sorted(db.session.scalars(select(Envelope.is_held))) == [False, True]


def test_the_copy_is_never_a_draft_nor_an_unknown_consultation(
    app: Flask, page: Page, make: Factory
) -> None:
    make.consultation("acme", "npm-2027", ("en",))  # a draft
    assert page.post(OPEN, {**FULL, "submission_key": "k" * 32}, csrf=False).status_code == 404
    assert page.post("/en/c/nowhere/respond", {}, csrf=False).status_code == 404
    assert page.post("/en/c/nowhere/sealed", {"stage": "intro"}, csrf=False).status_code == 404


@pytest.mark.parametrize("closing", list(REFUSALS))
def test_the_store_itself_refuses_a_consultation_that_takes_no_answers(
    app: Flask, make: Factory, closing: str
) -> None:
    """Even handed an object that says "open", the insert asks the database."""
    make.consultation("acme", "npm-2027", ("en",), opened=True)
    with app.app_context():
        consultation = db.session.scalars(select(Consultation)).one()
        submission = checked(consultation)
        db.session.expunge(consultation)  # what the copy is: loaded, detached, unchanged
        db.session.execute(update(Consultation).values(**REFUSALS[closing]))
        assert consultation.is_accepting()
        with pytest.raises(respond.NotAccepting):
            respond.keep(
                consultation, Channel.OPEN, submission, locale="en", submission_key="k" * 32
            )
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(Response)) == 0
