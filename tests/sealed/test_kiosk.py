"""Kiosk mode, driven like the device in a place of detention; and the canary acceptance test.

A facilitator unlocks a device for a kiosk visit session; the device then shows one
consultation's sealed questionnaire and nothing else, seals each answer, and starts again for
the next person. The last tests send a canary through assisted entry and through a kiosk and
search everything the server could have written for it, before finding it in the envelopes.
"""

from __future__ import annotations

import re
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import make_url, select, text, update
from werkzeug.test import TestResponse

from consult.accounts.models import UserSession
from consult.accounts.permissions import Role
from consult.audit.models import AuditEvent
from consult.consultations import services as consultations
from consult.consultations.models import Consultation
from consult.db import utcnow
from consult.extensions import db
from consult.questionnaires.schema import record_all_sources
from consult.sealed.kiosk import COOKIE, SALT
from consult.sealed.visit_models import VisitSession
from tests.conftest import SECRET
from tests.factories import Factory, Member, sample_questionnaire
from tests.helpers import Page, login
from tests.respond.test_open_channel import carried_form, hidden
from tests.sealed.test_canary import (
    checkpoint,
    files_under,
    found_in,
    holds,
    log_everything,
    table_text,
)
from tests.sealed.test_channel import ANSWERS, SLUG, change, envelopes, open_all
from tests.sealed.test_visits import FORM, VISITS, enter, open_session, visit_row

KIOSK = "/en/kiosk"
#: Without JavaScript only: where scripts run, static/js/kiosk.js warns before it goes back.
REFRESH = re.compile(
    r'<noscript><meta http-equiv="refresh" content="(\d+); url=([^"]+)"></noscript>'
)
WARNING = re.compile(
    r'<template id="kiosk-timeout" data-seconds="(\d+)" data-warning="(\d+)" data-url="([^"]+)">'
    r"(.*?)</template>",
    re.DOTALL,
)
SCRIPT = '<script src="/static/js/kiosk.js" defer></script>'


# Helpers -----------------------------------------------------------------------------------


def unlock(page: Page, **fields: str) -> TestResponse:
    """Open a kiosk session and unlock the device of ``page`` for it."""
    session_url = open_session(page, mode="kiosk", **fields)
    return page.post(f"{session_url}/kiosk", {}, form_page=session_url)


def refresh_of(response: TestResponse) -> tuple[int, str]:
    match = REFRESH.search(response.get_data(as_text=True))
    assert match, "no meta refresh"
    return int(match.group(1)), match.group(2)


def warning_of(response: TestResponse) -> tuple[int, int, str, str]:
    """The return of a page where scripts run: seconds, seconds of warning, where to, the
    warning's markup. The script is loaded in the head, deferred, and alone."""
    html = response.get_data(as_text=True)
    head = html.split("</head>")[0]
    assert head.count("<script") == 1 and SCRIPT in head
    assert REFRESH.search(head), "the refresh without JavaScript belongs in the head"
    match = WARNING.search(html)
    assert match, "no warning"
    return int(match.group(1)), int(match.group(2)), match.group(3), match.group(4)


def addresses(html: str) -> list[str]:
    return re.findall(r'(?:href|action|src)="([^"]*)"', html)


def assert_stays_in_the_kiosk(response: TestResponse) -> None:
    """Every link and form of a kiosk page leads into the kiosk (or to its stylesheet)."""
    for address in addresses(response.get_data(as_text=True)):
        assert re.match(r"^(/\w+/kiosk(/lock)?|/static/|#)", address), address
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Clear-Site-Data"] == '"cache"'


def answer_at_kiosk(page: Page, answers: dict[str, Any]) -> list[TestResponse]:
    """Leave the first page, answer every question one at a time, send; every response."""
    responses = [page.post(KIOSK, {"stage": "intro", "mode": "steps"}, csrf=False)]
    for _ in range(30):
        html = responses[-1].get_data(as_text=True)
        assert responses[-1].status_code == 200, page.text
        step = hidden(html, "step")
        data: dict[str, Any] = dict(carried_form(html))
        if step == "review":
            data["nav"] = "send"
        else:
            prefix = "p-" if step == "profile" else f"q-{step}"
            data.update({k: v for k, v in answers.items() if k.startswith(prefix)})
            data["nav"] = "next"
        responses.append(page.post(KIOSK, data, csrf=False))
        if responses[-1].status_code == 303:
            return responses
    raise AssertionError("the questionnaire never ended")


def cookies_of(responses: list[TestResponse]) -> str:
    return "\n".join(v for r in responses for v in r.headers.getlist("Set-Cookie"))


def ticket(secret: str = SECRET, **data: Any) -> str:
    return URLSafeTimedSerializer(secret, salt=SALT).dumps(data)


@pytest.fixture
def opened(make: Factory) -> str:
    return make.consultation("acme", SLUG, ("en", "fr"), opened=True)


@pytest.fixture
def facilitator(opened: str, login_as: Any) -> Member:
    member: Member = login_as(Role.FACILITATOR)
    return member


# Unlocking ---------------------------------------------------------------------------------


def test_unlocking_signs_the_facilitator_out_and_sets_a_strict_ticket(
    app: Flask, page: Page, facilitator: Member
) -> None:
    with app.app_context():
        assert db.session.scalars(select(UserSession)).all() != []
    response = unlock(page)
    assert response.status_code == 303 and response.headers["Location"] == KIOSK
    [kiosk_cookie] = [c for c in response.headers.getlist("Set-Cookie") if c.startswith(COOKIE)]
    attributes = [part.strip() for part in kiosk_cookie.split(";")]
    assert "HttpOnly" in attributes and "SameSite=Strict" in attributes and "Path=/" in attributes
    max_age = int(next(a for a in attributes if a.startswith("Max-Age=")).split("=")[1])
    assert 4 * 3600 - 60 < max_age <= 4 * 3600  # the visit's remaining time
    with app.app_context():  # the server-side session is over
        assert db.session.scalars(select(UserSession)).all() == []
        actions = [e.action for e in db.session.scalars(select(AuditEvent))]
    assert "visit.kiosk_unlocked" in actions
    organiser = page.get(f"{VISITS}/")
    assert organiser.status_code == 302 and "/admin/login" in organiser.headers["Location"]
    start = page.get(KIOSK)
    assert start.status_code == 200
    assert "This device is now a kiosk until the visit ends." in page.text


def test_the_kiosk_shows_only_the_sealed_form(app: Flask, page: Page, facilitator: Member) -> None:
    unlock(page)
    response = page.get(KIOSK)
    html = response.get_data(as_text=True)
    assert "Before you start, please read this page." in page.text
    assert "This is not for complaints or emergencies" in page.text
    assert 'name="q-' not in html and 'name="p-' not in html
    assert "Organiser sign-in" not in page.text and "My account" not in page.text
    assert "More about what we record" not in page.text  # its page would lead everywhere
    assert refresh_of(response) == (300, KIOSK)
    assert_stays_in_the_kiosk(response)
    assert 'href="/fr/kiosk"' in html  # the consultation's other language, still the kiosk
    french = page.get("/fr/kiosk")
    assert french.status_code == 200 and "[fr]" in french.get_data(as_text=True)


def test_an_answer_is_sealed_and_the_kiosk_starts_again(
    app: Flask, page: Page, make: Factory, facilitator: Member
) -> None:
    change(app, sealed_hold_after=1)  # a kiosk's answers are never held all the same
    unlock(page)
    page.get(KIOSK)
    for person in range(2):
        responses = answer_at_kiosk(page, ANSWERS)
        for response in responses[:-1]:
            seconds, target = refresh_of(response)
            assert target == KIOSK and seconds in (300, 900)
            assert_stays_in_the_kiosk(response)
            assert 'autocomplete="off"' in response.get_data(as_text=True)
        assert 900 in [refresh_of(r)[0] for r in responses[:-1]]  # longer to write a text
        assert responses[-1].headers["Location"] == "/en/kiosk/thanks"
        thanks = page.get("/en/kiosk/thanks")
        assert "Thank you" in page.text and refresh_of(thanks) == (10, KIOSK)
        assert_stays_in_the_kiosk(thanks)
        assert visit_row(app).forms_entered == person + 1
        blank = page.get(KIOSK).get_data(as_text=True)
        assert "The guards decide everything" not in blank
    payloads = open_all(app, make)
    assert [p["channel"] for p in payloads] == ["sealed", "sealed"]
    assert [p["details"] for p in payloads] == [{"kiosk": True}, {"kiosk": True}]
    assert payloads[0]["profile"]["category"] == "deprived_of_liberty"
    assert [e.is_held for e in envelopes(app)] == [False, False]


def test_nothing_of_an_answer_is_kept_in_a_cookie(
    app: Flask, page: Page, facilitator: Member
) -> None:
    responses = [unlock(page), page.get(KIOSK)]
    responses += answer_at_kiosk(page, {**ANSWERS, "q-why": "cookie-canary in cell 9"})
    responses.append(page.get("/en/kiosk/thanks"))
    sent = cookies_of(responses)
    assert COOKIE in sent
    serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
    for name in ("consult_session", COOKIE):
        cookie = page.client.get_cookie(name)
        value = cookie.value if cookie else ""
        assert "cookie-canary" not in value and "guards" not in value
    for header in sent.split("\n"):
        value = header.split(";")[0].split("=", 1)[1]
        assert "cookie-canary" not in value
        if header.startswith("consult_session=") and value:
            decoded = repr(serializer.loads(value))
            assert "cookie-canary" not in decoded and "q-" not in decoded
        if header.startswith(f"{COOKIE}=") and value:
            data = URLSafeTimedSerializer(SECRET, salt=SALT).loads(value)
            assert set(data) == {"consultation", "visit"}  # only what it names
    assert page.client.get_cookie("consult_session") is None  # the CSRF secret went too


def test_kiosk_pages_warn_before_they_go_back_and_give_more_time_when_asked(
    app: Flask, page: Page, facilitator: Member
) -> None:
    """WCAG 2.2.1: where scripts run, a translated warning with "I need more time" comes a
    minute before a page goes back to the start (static/js/kiosk.js, tests/browser/
    test_kiosk.py); never sooner than the refresh that does it without JavaScript."""
    unlock(page)
    first = page.get(KIOSK)
    responses = [first, *answer_at_kiosk(page, ANSWERS)[:-1]]
    for response in responses:
        seconds, warning, url, dialog = warning_of(response)
        assert (seconds, warning, url) in {(300, 60, KIOSK), (900, 60, KIOSK)}
        assert refresh_of(response) == (seconds, KIOSK)
        assert 'role="alertdialog"' in dialog and 'role="timer"' in dialog
        assert "Do you need more time?" in dialog and ">I need more time</button>" in dialog
        assert "Answers you have not sent will be deleted." in dialog
    thanks = page.get("/en/kiosk/thanks")
    seconds, warning, url, dialog = warning_of(thanks)
    assert refresh_of(thanks) == (10, KIOSK)  # unchanged without JavaScript
    assert (seconds, warning, url) == (30, 20, KIOSK)  # the warning comes after those 10 s
    assert "Your answers are saved." in dialog and "I need more time" in dialog
    script = page.client.get("/static/js/kiosk.js")
    assert script.status_code == 200 and "javascript" in script.mimetype
    assert b"kiosk-timeout" in script.get_data()
    french = page.get("/fr/kiosk")
    assert "besoin de plus de temps</button>" in warning_of(french)[3]
    arabic = page.get("/ar/kiosk")
    assert 'dir="rtl"' in arabic.get_data(as_text=True)
    assert "أحتاج إلى وقت أطول" in warning_of(arabic)[3]
    locked = Page(app.test_client()).get(KIOSK)
    refused = page.client.post(KIOSK, data="x", content_type="text/plain")
    for message in (locked, refused):  # a page with one message stays until someone leaves it
        assert message.status_code in {403, 415} and "<script" not in message.get_data(as_text=True)


def test_a_forged_expired_or_stale_ticket_gives_a_clear_page(
    app: Flask, page: Page, facilitator: Member, monkeypatch: pytest.MonkeyPatch
) -> None:
    unlock(page)
    good = page.client.get_cookie(COOKIE)
    assert good is not None
    with app.app_context():
        consultation = db.session.scalars(select(Consultation)).one()
        visit_id = db.session.scalars(select(VisitSession.id)).one()
        real = {"consultation": str(consultation.uuid), "visit": visit_id}
    real_timestamp = TimestampSigner.get_timestamp
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: int(time.time()) - 9 * 3600)
    expired = ticket(**real)
    monkeypatch.setattr(TimestampSigner, "get_timestamp", real_timestamp)
    bad_tickets = [
        "garbage",
        good.value[:-3] + "AAA",  # tampered signature
        ticket("another-secret-that-is-long-enough-for-production", **real),
        expired,
        ticket(consultation=str(uuid.uuid4()), visit=visit_id),
        ticket(consultation=real["consultation"], visit=visit_id + 1),
        ticket(consultation=real["consultation"], visit=str(visit_id)),
    ]
    for value in bad_tickets:
        device = Page(app.test_client())
        device.client.set_cookie(COOKIE, value)
        response = device.get(KIOSK)
        html = response.get_data(as_text=True)
        assert response.status_code == 403, value
        assert "This device is not open as a kiosk." in device.text
        assert "<form" not in html and "<a " not in html and "refresh" not in html
        assert device.client.get_cookie(COOKIE) is None  # the bad ticket is removed
        device.client.set_cookie(COOKIE, value)
        sent = device.post(KIOSK, {**ANSWERS, "nav": "send", "mode": "steps"}, csrf=False)
        assert sent.status_code == 403
    nothing = Page(app.test_client()).get(KIOSK)
    assert nothing.status_code == 403
    assert envelopes(app) == []


def test_closing_the_session_locks_its_kiosks(
    app: Flask, page: Page, make: Factory, facilitator: Member
) -> None:
    unlock(page)
    assert page.get(KIOSK).status_code == 200
    office = Page(app.test_client())  # the facilitator's phone, signed in
    login(office, facilitator.email)
    visit_id = visit_row(app).id
    closed = office.post(f"{VISITS}/{visit_id}/close", {}, form_page=f"{VISITS}/")
    assert closed.status_code == 302 and visit_row(app).closed_at is not None
    assert page.get(KIOSK).status_code == 403
    assert "This device is not open as a kiosk." in page.text


def test_a_visit_that_ran_out_locks_its_kiosk(app: Flask, page: Page, facilitator: Member) -> None:
    unlock(page)
    with app.app_context():
        past = utcnow() - timedelta(seconds=1)
        db.session.execute(
            update(VisitSession).values(opened_at=past - timedelta(hours=4), ends_at=past)
        )
        db.session.commit()
    assert page.get(KIOSK).status_code == 403


def test_a_closed_consultation_locks_the_kiosk(app: Flask, page: Page, facilitator: Member) -> None:
    unlock(page)
    html = page.post(KIOSK, {"stage": "intro", "mode": "steps"}, csrf=False).get_data(as_text=True)
    with app.app_context():
        consultation = db.session.scalars(select(Consultation)).one()
        consultations.close(consultation, consultation.organisation.memberships[0].user)
        db.session.commit()
    sent = page.post(KIOSK, {**carried_form(html), **ANSWERS, "nav": "send"}, csrf=False)
    assert sent.status_code == 403 and envelopes(app) == []


def test_locking_takes_the_ticket_and_asks_for_a_sign_in(
    app: Flask, page: Page, facilitator: Member
) -> None:
    unlock(page)
    response = page.post("/en/kiosk/lock", {}, form_page=KIOSK)
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/admin/login?next=")
    assert "/visits/" in response.headers["Location"]
    assert page.client.get_cookie(COOKIE) is None
    assert page.get(KIOSK).status_code == 403
    login(page, facilitator.email)  # the facilitator signs in again to unlock it
    assert page.get(f"{VISITS}/").status_code == 200


def test_a_device_where_someone_is_signed_in_is_no_kiosk(
    app: Flask, page: Page, facilitator: Member
) -> None:
    unlock(page)
    login(page, facilitator.email)
    response = page.get(KIOSK)
    assert response.status_code == 403 and 'name="stage"' not in response.get_data(as_text=True)
    assert "Someone is signed in to the organiser area on this device." in page.text


def test_the_rest_of_the_site_works_as_usual_on_a_kiosk_device(
    app: Flask, page: Page, facilitator: Member
) -> None:
    unlock(page)
    assert page.get("/en/").status_code == 200 and "Organiser sign-in" in page.text
    assert page.get("/en/c/npm-2027/sealed").status_code == 200
    assert page.get(KIOSK).status_code == 200  # and the kiosk still is one


def test_an_expired_kiosk_form_keeps_its_answers_and_a_multipart_one_is_refused(
    app: Flask, page: Page, facilitator: Member
) -> None:
    unlock(page)
    html = page.post(KIOSK, {"stage": "intro", "mode": "steps"}, csrf=False).get_data(as_text=True)
    data = {**carried_form(html), **ANSWERS, "csrf_token": "stale", "nav": "next"}
    response = page.post(KIOSK, data, csrf=False)
    assert response.status_code == 400 and "Your answers are kept" in page.text
    assert_stays_in_the_kiosk(response)
    multipart = page.client.post(KIOSK, data=data, content_type="multipart/form-data")
    assert multipart.status_code == 415 and "Nothing was recorded." in multipart.get_data(
        as_text=True
    )
    assert_stays_in_the_kiosk(multipart)
    assert envelopes(app) == []


def test_children_need_their_consent_at_the_kiosk_too(
    app: Flask, page: Page, make: Factory, facilitator: Member
) -> None:
    change(app, sealed_audience="all_ages")
    unlock(page)
    response = page.post(KIOSK, {"stage": "intro", "mode": "steps", "age": "child"}, csrf=False)
    assert response.status_code == 400
    assert "Tick the box if you understand and want to answer." in page.text
    assert_stays_in_the_kiosk(response)
    first = {"stage": "intro", "mode": "steps", "age": "child", "consent": "yes"}
    html = page.post(KIOSK, first, csrf=False).get_data(as_text=True)
    data = {**carried_form(html), **ANSWERS, "nav": "send"}
    assert page.post(KIOSK, data, csrf=False).status_code == 303
    [payload] = open_all(app, make)
    assert payload["details"] == {"kiosk": True, "age": "child"}


# Acceptance: a canary through assisted entry and a kiosk is nowhere but in its envelopes ----


def send_canaries(app: Flask, make: Factory) -> tuple[str, str, list[TestResponse]]:
    """A canary keyed in by a facilitator, another answered at a kiosk; and every response."""
    make.consultation("acme", SLUG, ("en", "fr"), opened=True)
    member = make.member("acme", [Role.FACILITATOR])
    assisted, kiosk = f"canary-{uuid.uuid4().hex}", f"canary-{uuid.uuid4().hex}"
    desk = Page(app.test_client())
    login(desk, member.email)
    session_url = open_session(desk)
    entered = enter(desk, session_url, {**FORM, "q-why": f"In cell 4 they {assisted} at night"})
    assert entered.status_code == 303, desk.text
    responses = [entered, desk.get(entered.headers["Location"])]
    device = Page(app.test_client())
    login(device, member.email)
    responses += [unlock(device), device.get(KIOSK)]
    responses += answer_at_kiosk(device, {**ANSWERS, "q-why": f"In cell 7 they {kiosk} daily"})
    responses.append(device.get(responses[-1].headers["Location"]))
    for after in (responses[1], responses[-1]):  # the blank form, the thank-you page
        body = after.get_data()
        assert not holds(body, assisted) and not holds(body, kiosk)
    return assisted, kiosk, responses


def assert_inside_the_envelopes(app: Flask, make: Factory, assisted: str, kiosk: str) -> None:
    """The search works: each canary is in its envelope, for the trustees."""
    inside = {
        payload["channel"]: {row[0]: row[5] for row in payload["answers"]}
        for payload in open_all(app, make)
    }
    assert inside["assisted"]["why"] == f"In cell 4 they {assisted} at night"
    assert inside["sealed"]["why"] == f"In cell 7 they {kiosk} daily"


def test_assisted_and_kiosk_canaries_are_nowhere_but_in_their_envelopes(
    app: Flask, make: Factory, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tempfile

    log_everything(caplog, monkeypatch)
    started = time.time() - 1
    assisted, kiosk, responses = send_canaries(app, make)
    dump = table_text(app)  # every row of every table, as text (SQLite and PostgreSQL)
    with app.app_context():
        raw = db.session.execute(text("SELECT ciphertext FROM envelope")).scalars().all()
    logged = caplog.text + "".join(repr(r.__dict__) for r in caplog.records)
    assert {"sqlalchemy.engine.Engine"} <= {r.name for r in caplog.records}  # it listened
    for canary in (assisted, kiosk):
        assert canary not in dump
        assert len(raw) == 2 and not any(holds(bytes(value), canary) for value in raw)
        assert canary not in logged
        assert canary not in cookies_of(responses)
        assert found_in(files_under(Path(app.instance_path)), canary) == []
        assert found_in(files_under(Path(tempfile.gettempdir()), since=started), canary) == []
    assert_inside_the_envelopes(app, make, assisted, kiosk)


def test_the_database_files_hold_no_assisted_or_kiosk_canary(app: Flask, make: Factory) -> None:
    database = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if database.get_backend_name() != "sqlite":
        pytest.skip(
            "the database is a PostgreSQL server, not a file this test can read; every row "
            "of every table is checked as text by the test above"
        )
    assisted, kiosk, _responses = send_canaries(app, make)
    path = Path(database.database or "")
    candidates = [Path(f"{path}{suffix}") for suffix in ("", "-wal", "-shm", "-journal")]
    assert path.exists()
    for canary in (assisted, kiosk):
        assert found_in(iter(p for p in candidates if p.exists()), canary) == []
    checkpoint(app)  # and again once the write-ahead log is folded into the file
    for canary in (assisted, kiosk):
        assert found_in(iter(p for p in candidates if p.exists()), canary) == []
    assert_inside_the_envelopes(app, make, assisted, kiosk)


def test_the_kiosk_offers_the_easy_read_version(
    app: Flask, page: Page, make: Factory, login_as: Any
) -> None:
    document = sample_questionnaire(("en", "fr"))
    model = document.question("model")
    assert model is not None
    model.easy = {"en": "[en] Which one do you like best?", "fr": "[fr] Lequel préférez-vous ?"}
    record_all_sources(document, "en")
    make.consultation("acme", SLUG, ("en", "fr"), opened=True, questionnaire=document)
    login_as(Role.FACILITATOR)
    unlock(page)
    first = page.get(KIOSK)
    assert 'name="easy" value="1"' in first.get_data(as_text=True)
    assert_stays_in_the_kiosk(first)
    html = page.post(KIOSK, {"stage": "intro", "mode": "steps", "easy": "1"}, csrf=False)
    data = {**carried_form(html.get_data(as_text=True)), "nav": "next"}
    data.update({k: v for k, v in ANSWERS.items() if k.startswith("p-")})
    step = page.post(KIOSK, data, csrf=False)
    assert step.status_code == 200, page.text
    text = step.get_data(as_text=True)
    assert "easy-read" in text and "[en] Which one do you like best?" in text
    assert_stays_in_the_kiosk(step)
