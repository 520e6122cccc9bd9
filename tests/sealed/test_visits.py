"""Visit sessions and assisted entry, driven like a facilitator's browser, envelopes opened.

A facilitator opens a session, keys in forms one after another, and closes it; the trustees'
shares then open what was stored, to show what the envelopes hold (the answers, and the way
and place of collection) and what nothing holds (who the facilitator was, which session).
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select, update
from werkzeug.test import TestResponse

from consult.accounts.permissions import Role
from consult.audit.models import AuditEvent
from consult.consultations import services as consultations
from consult.consultations.models import Consultation
from consult.db import utcnow
from consult.extensions import db
from consult.logging_filters import is_private_path
from consult.sealed.models import Envelope
from consult.sealed.visit_models import VisitSession
from tests.factories import Factory, Member
from tests.helpers import Page, login
from tests.respond.test_open_channel import carried_form
from tests.sealed.test_channel import ENVELOPE_COLUMNS, SLUG, change, envelopes, open_all

VISITS = "/admin/acme/consultations/npm-2027/visits"
FORM = {
    "p-category": "deprived_of_liberty",
    "p-jurisdiction": "north",
    "p-place": "prison_sentenced",
    "q-model": "c",
    "q-why": "Nobody listens to the night shift",
    "q-topics": ["y"],
    "q-more": "visits",
    "q-visited": "no",
}
SETTING = {"mode": "paper", "facilitator_role": "facilitator", "setting": "prison_sentenced"}


# Helpers -----------------------------------------------------------------------------------


def open_session(page: Page, mode: str = "paper", **fields: str) -> str:
    """Open a session through its form; returns the session page's address."""
    data = {"mode": mode, "place": "prison_sentenced", "jurisdiction": "north", "hours": "4"}
    response = page.post(f"{VISITS}/new", {**data, **fields}, form_page=f"{VISITS}/new")
    assert response.status_code == 302, page.text
    return response.headers["Location"]


def enter(page: Page, session_url: str, answers: dict[str, Any], **extra: str) -> TestResponse:
    """Key in one form as a facilitator would: the blank form, filled in, sent."""
    url = f"{session_url}/assisted"
    html = page.get(url).get_data(as_text=True)
    data = {**carried_form(html), **answers, "nav": "send", **extra}
    return page.post(url, data, csrf=False)


def visit_row(app: Flask) -> VisitSession:
    with app.app_context():
        visit = db.session.scalars(select(VisitSession)).one()
        db.session.expunge_all()
        return visit


def payload_details(app: Flask, make: Factory) -> list[dict[str, Any]]:
    return [payload["details"] for payload in open_all(app, make)]


@pytest.fixture
def opened(make: Factory) -> str:
    return make.consultation("acme", SLUG, ("en", "fr"), opened=True)


@pytest.fixture
def facilitator(opened: str, login_as: Any) -> Member:
    member: Member = login_as(Role.FACILITATOR)
    return member


# Entering forms ----------------------------------------------------------------------------


def test_three_forms_become_three_assisted_envelopes_that_open(
    app: Flask, page: Page, make: Factory, facilitator: Member
) -> None:
    session_url = open_session(page)
    texts = ["First testimony text", "Second testimony text", "Third testimony text"]
    for n, text in enumerate(texts, start=1):
        place = "juvenile" if n == 2 else "prison_sentenced"  # changed for one form
        response = enter(page, session_url, {**FORM, "q-why": text, "p-place": place})
        assert response.status_code == 303, page.text
        assert response.headers["Location"] == f"{session_url}/assisted?content=en"
        blank = page.get(response.headers["Location"])
        html = blank.get_data(as_text=True)
        assert f"Form {n} entered." in page.text
        assert not any(t in html for t in texts)  # never the previous answers
        assert 'autocomplete="off"' in html and blank.headers["Cache-Control"] == "no-store"
    page.get(session_url)
    assert "Forms entered\n3" in page.text
    assert visit_row(app).forms_entered == 3
    payloads = open_all(app, make)
    assert len(payloads) == 3
    assert {p["channel"] for p in payloads} == {"assisted"}
    assert [p["details"] for p in payloads] == [SETTING] * 3  # the setting is inside
    assert sorted(p["profile"]["place"] for p in payloads) == [
        "juvenile",
        "prison_sentenced",
        "prison_sentenced",
    ]
    written = sorted(row[5] for p in payloads for row in p["answers"] if row[0] == "why")
    assert written == sorted(texts)
    assert [e.is_held for e in envelopes(app)] == [False] * 3


def test_the_blank_form_starts_with_the_sessions_place_and_jurisdiction(
    page: Page, facilitator: Member
) -> None:
    session_url = open_session(page, place="immigration", jurisdiction="south")
    response = page.get(f"{session_url}/assisted")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert '<option value="immigration" selected>' in html
    assert '<option value="south" selected>' in html
    assert 'class="respond-form" novalidate autocomplete="off"' in html
    offered = set(re.findall(r'name="p-category" value="([^"]+)"', html))
    assert offered == {"deprived_of_liberty", "former_detainee", "family"}
    assert 'name="p-organisation"' not in html
    assert "0 forms entered in this session." in page.text
    assert is_private_path(f"{session_url}/assisted")  # access logs leave it out


def test_a_form_can_be_keyed_in_the_language_it_was_written_in(
    app: Flask, page: Page, make: Factory, facilitator: Member
) -> None:
    session_url = open_session(page)
    html = page.get(f"{session_url}/assisted?content=fr").get_data(as_text=True)
    assert "[fr] Preferred model" in html and 'name="content" value="fr"' in html
    data = {**carried_form(html), **FORM, "nav": "send"}
    response = page.post(f"{session_url}/assisted", data, csrf=False)
    assert response.headers["Location"].endswith("/assisted?content=fr")
    [payload] = open_all(app, make)
    assert payload["locale"] == "fr"


def test_a_retry_of_the_same_form_is_stored_and_counted_once(
    app: Flask, page: Page, facilitator: Member
) -> None:
    session_url = open_session(page)
    html = page.get(f"{session_url}/assisted").get_data(as_text=True)
    data = {**carried_form(html), **FORM, "nav": "send"}
    first = page.post(f"{session_url}/assisted", data, csrf=False)
    again = page.post(f"{session_url}/assisted", data, csrf=False)
    assert first.status_code == again.status_code == 303
    assert len(envelopes(app)) == 1 and visit_row(app).forms_entered == 1


def test_assisted_entry_is_never_held_for_review(
    app: Flask, page: Page, facilitator: Member
) -> None:
    change(app, sealed_hold_after=1)  # far past it, from one address
    session_url = open_session(page)
    for _ in range(3):
        assert enter(page, session_url, FORM).status_code == 303
    assert [e.is_held for e in envelopes(app)] == [False] * 3


def test_an_expired_form_keeps_its_answers_and_seals_nothing(
    app: Flask, page: Page, facilitator: Member
) -> None:
    session_url = open_session(page)
    response = enter(page, session_url, FORM, csrf_token="stale")
    assert response.status_code == 400 and "Your answers are kept" in page.text
    assert "Nobody listens to the night shift" in response.get_data(as_text=True)
    assert envelopes(app) == [] and visit_row(app).forms_entered == 0


def test_errors_come_back_with_the_answers(app: Flask, page: Page, facilitator: Member) -> None:
    session_url = open_session(page)
    response = enter(page, session_url, {**FORM, "q-model": "", "p-category": "parliament"})
    assert response.status_code == 400
    assert "Nobody listens to the night shift" in response.get_data(as_text=True)
    assert envelopes(app) == []


def test_a_multipart_form_is_refused_before_it_is_read(
    app: Flask, page: Page, facilitator: Member
) -> None:
    session_url = open_session(page)
    response = page.client.post(
        f"{session_url}/assisted", data={**FORM}, content_type="multipart/form-data"
    )
    assert response.status_code == 415 and envelopes(app) == []


# What is stored, and what is not -----------------------------------------------------------


def test_nothing_of_the_facilitator_is_stored_with_an_envelope(
    app: Flask, page: Page, make: Factory, facilitator: Member
) -> None:
    session_url = open_session(page)
    assert enter(page, session_url, FORM).status_code == 303
    columns = {c.name for c in Envelope.__table__.columns}
    assert columns == ENVELOPE_COLUMNS
    assert not [c for c in columns if any(w in c for w in ("user", "facilitator", "visit"))]
    with app.app_context():
        rows = [r._asdict() for r in db.session.execute(select(Envelope.__table__))]
        consultation_id = db.session.scalars(select(Consultation.id)).one()
    [row] = rows
    numbers = {k: v for k, v in row.items() if isinstance(v, int) and not isinstance(v, bool)}
    assert numbers == {"consultation_id": consultation_id}  # no user id, no session id
    name = facilitator.email.split("@")[0].title()
    for trace in (facilitator.email, name):
        assert trace not in repr(rows)
    [payload] = open_all(app, make)
    assert payload["details"] == SETTING
    assert facilitator.email not in repr(payload) and name not in repr(payload)


def test_the_audit_log_has_the_opening_and_the_closing_with_the_count(
    app: Flask, page: Page, facilitator: Member
) -> None:
    session_url = open_session(page)
    for _ in range(2):
        enter(page, session_url, FORM)
    response = page.post(f"{session_url}/close", {}, form_page=session_url)
    assert response.status_code == 302
    page.get(session_url)
    assert "The visit session is closed: 2 forms entered." in page.text
    assert "Forms entered\n2" in page.text and "Status\nClosed" in page.text
    with app.app_context():
        events = [
            (e.action, e.details, e.actor_id)
            for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq))
            if e.action.startswith("visit.")
        ]
        visit_id = db.session.scalars(select(VisitSession.id)).one()
    assert events == [
        (
            "visit.opened",
            {"visit": visit_id, "place": "prison_sentenced", "mode": "paper"},
            facilitator.user_id,
        ),
        ("visit.closed", {"visit": visit_id, "forms": 2}, facilitator.user_id),
    ]  # and nothing per form: its time would be the envelope's
    closed = enter(page, session_url, FORM)
    assert closed.status_code == 409 and "This visit session is over." in page.text


def test_the_list_shows_every_session_to_every_member(
    app: Flask, page: Page, make: Factory, facilitator: Member
) -> None:
    open_session(page, mode="oral", place="psychiatric")
    analyst = make.member("acme", [Role.ANALYST])
    reader = Page(app.test_client())
    login(reader, analyst.email)
    reader.get(f"{VISITS}/")
    assert reader.response is not None and reader.response.status_code == 200
    assert "Oral interviews with an interpreter" in reader.text and "Psychiatric" in reader.text
    assert "Open a visit session" not in reader.text  # not theirs to open


# Who may do what ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.TRUSTEE, Role.ANALYST, Role.OWNER])
def test_other_roles_cannot_open_or_enter(
    app: Flask, page: Page, make: Factory, facilitator: Member, role: Role
) -> None:
    session_url = open_session(page)
    other = make.member("acme", [role])
    intruder = Page(app.test_client())
    login(intruder, other.email)
    assert intruder.get(f"{session_url}/assisted").status_code == 403
    assert intruder.get(f"{VISITS}/new").status_code == 403
    data = {**FORM, "nav": "send"}
    assert intruder.post(f"{session_url}/assisted", data, form_page=f"{VISITS}/").status_code == 403
    assert envelopes(app) == []


def test_another_organisation_gets_404(
    app: Flask, page: Page, make: Factory, facilitator: Member
) -> None:
    session_url = open_session(page)
    outsider = make.member("other", list(Role))
    stranger = Page(app.test_client())
    login(stranger, outsider.email)
    assert stranger.get(f"{session_url}/assisted").status_code == 404
    assert stranger.get(session_url).status_code == 404
    assert stranger.get(f"{VISITS}/").status_code == 404


def test_only_the_sessions_facilitator_enters_into_it(
    app: Flask, page: Page, make: Factory, facilitator: Member
) -> None:
    session_url = open_session(page)
    colleague = make.member("acme", [Role.FACILITATOR])
    other = Page(app.test_client())
    login(other, colleague.email)
    assert other.get(session_url).status_code == 200  # they may look
    assert other.get(f"{session_url}/assisted").status_code == 403
    assert "Only the facilitator who opened this visit session can use it." in other.text
    assert other.post(f"{session_url}/close", {}, form_page=session_url).status_code == 403
    assert other.get(f"{VISITS}/999/assisted").status_code == 404


def test_a_closed_consultation_refuses_sessions_and_entry(
    app: Flask, page: Page, facilitator: Member
) -> None:
    session_url = open_session(page)
    html = page.get(f"{session_url}/assisted").get_data(as_text=True)
    with app.app_context():
        consultation = db.session.scalars(select(Consultation)).one()
        consultations.close(consultation, consultation.organisation.memberships[0].user)
        db.session.commit()
    response = page.post(
        f"{session_url}/assisted", {**carried_form(html), **FORM, "nav": "send"}, csrf=False
    )
    assert response.status_code == 409
    assert "This consultation is not taking answers now." in page.text
    assert page.get(f"{session_url}/assisted").status_code == 409
    assert envelopes(app) == []
    page.get(f"{VISITS}/new")
    assert "This consultation is not taking answers now." in page.text
    refused = page.post(
        f"{VISITS}/new",
        {"mode": "paper", "place": "prison_sentenced", "jurisdiction": "", "hours": "4"},
        form_page=f"{VISITS}/",
    )
    assert refused.status_code == 409
    with app.app_context():
        assert db.session.scalars(select(VisitSession)).all() != []  # only the first one
        assert len(db.session.scalars(select(VisitSession)).all()) == 1


def test_a_session_that_ran_out_takes_no_more_forms(
    app: Flask, page: Page, facilitator: Member
) -> None:
    session_url = open_session(page)
    with app.app_context():
        past = utcnow() - timedelta(minutes=1)
        db.session.execute(
            update(VisitSession).values(opened_at=past - timedelta(hours=4), ends_at=past)
        )
        db.session.commit()
    assert page.get(f"{session_url}/assisted").status_code == 409
    assert "This visit session is over." in page.text
    page.post(f"{session_url}/close", {}, form_page=session_url)
    closed = visit_row(app)
    assert closed.closed_at is not None and closed.closed_at == closed.ends_at


def test_the_opening_form_checks_its_choices(app: Flask, page: Page, facilitator: Member) -> None:
    page.get(f"{VISITS}/new")
    assert "Paper forms" in page.text and "Police custody" in page.text and "North" in page.text
    bad = {"mode": "drone", "place": "moon", "jurisdiction": "east", "hours": "99"}
    response = page.post(f"{VISITS}/new", bad, form_page=f"{VISITS}/new")
    assert response.status_code == 400
    assert page.text.count("Choose one of the answers offered.") >= 4
    with app.app_context():
        assert db.session.scalars(select(VisitSession)).all() == []


def test_a_kiosk_session_is_not_keyed_into_and_a_paper_one_unlocks_no_kiosk(
    app: Flask, page: Page, facilitator: Member
) -> None:
    kiosk_url = open_session(page, mode="kiosk")
    assert page.get(f"{kiosk_url}/assisted").status_code == 409
    assert "This visit session does not collect answers this way." in page.text
    paper_url = open_session(page)
    assert page.post(f"{paper_url}/kiosk", {}, form_page=paper_url).status_code == 409
    assert page.get(f"{VISITS}/").status_code == 200  # still signed in
