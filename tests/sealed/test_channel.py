"""The sealed web channel, driven like a browser without JavaScript, and its envelopes opened.

Each test runs the real flow: the first page, the questionnaire (one page or step by step),
the sealing in the request, and then opens what was stored with the trustees' shares.
"""

from __future__ import annotations

import io
import logging
import re
import threading
import urllib.request
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from werkzeug.serving import make_server
from werkzeug.test import TestResponse

from consult.accounts.permissions import Role
from consult.audit.models import AuditEvent
from consult.consultations import services as consultations
from consult.consultations.models import Consultation
from consult.extensions import db
from consult.questionnaires.schema import Channel, record_all_sources, to_dict, version
from consult.respond.models import Response
from consult.sealed import crypto, payload
from consult.sealed import services as sealed
from consult.sealed.models import Envelope
from tests.factories import Factory, sample_questionnaire
from tests.helpers import Page
from tests.respond.test_open_channel import carried_form, hidden

SLUG = "npm-2027"
URL = "/{lang}/c/npm-2027/sealed"
#: What DESIGN.md §5 lets an envelope row hold, and nothing else.
ENVELOPE_COLUMNS = {
    "id",
    "consultation_id",
    "ciphertext",
    "sha256",
    "received_on",
    "suite",
    "key_id",
    "is_held",
    "submission_key_hash",
}
ANSWERS = {
    "p-category": "deprived_of_liberty",
    "p-jurisdiction": "north",
    "p-place": "prison_sentenced",
    "q-model": "c",
    "q-why": "The guards decide everything",
    "q-ranking-new-body": "1",
    "q-topics": ["x", "y"],
    "q-more": "visits",
    "q-scale": "2",
    "q-matrix-functional_independence": "essential",
    "q-visited": "yes",
    "q-visits": "3",
    "q-detail": "short",
}


# Helpers -----------------------------------------------------------------------------------


def change(app: Flask, **values: Any) -> None:
    """Set fields of the consultation directly (for settings fixed once it is open)."""
    with app.app_context():
        consultation = db.session.scalars(select(Consultation)).one()
        for name, value in values.items():
            setattr(consultation, name, value)
        db.session.commit()


def begin(page: Page, lang: str = "en", mode: str = "page", **first: str) -> TestResponse:
    """Leave the first page with its Start button."""
    return page.post(URL.format(lang=lang), {"stage": "intro", "mode": mode, **first}, csrf=False)


def send(page: Page, answers: dict[str, Any], lang: str = "en", **first: str) -> TestResponse:
    """Answer everything on one page and send, as a browser would."""
    html = begin(page, lang, "page", **first).get_data(as_text=True)
    data = {**carried_form(html), **answers, "nav": "send"}
    return page.post(URL.format(lang=lang), data, csrf=False)


def envelopes(app: Flask) -> list[Envelope]:
    with app.app_context():
        found = list(db.session.scalars(select(Envelope)))
        db.session.expunge_all()
        return found


def open_all(app: Flask, make: Factory) -> list[dict[str, Any]]:
    """Every envelope's payload, opened with two of the three trustees' shares."""
    with app.app_context():
        consultation = db.session.scalars(select(Consultation)).one()
        key = sealed.sealing_key(consultation)
        assert key is not None
        opening = crypto.combine(make.shares[SLUG][:2], key.share_identifier, key.threshold)
        private = crypto.unwrap(key.wrapped_private_key, opening, key.key_id)
        where = crypto.info(str(consultation.uuid), consultation.version or "", key.key_id)
        return [
            crypto.open_envelope(crypto.Envelope(e.suite, e.key_id, e.ciphertext), private, where)
            for e in db.session.scalars(select(Envelope))
        ]


@pytest.fixture
def opened(make: Factory) -> str:
    return make.consultation("acme", SLUG, ("en", "fr"), opened=True)


# The first page ----------------------------------------------------------------------------


def test_the_first_page_comes_before_any_question(app: Flask, page: Page, opened: str) -> None:
    change(app, urgent_help={"en": "Ombuds hotline: 0800 123 456", "fr": "Ligne : 0800 123 456"})
    response = page.get(URL.format(lang="en"))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'name="q-' not in html and 'name="p-' not in html  # no question yet
    assert "This is not for complaints or emergencies" in page.text
    assert "Ombuds hotline: 0800 123 456" in page.text
    assert "Taking part is your choice." in page.text and "We do not ask your name" in page.text
    assert "At least 2 of them must come together" in page.text  # the real threshold
    assert 'href="/en/c/npm-2027/privacy"' in html
    assert 'autocomplete="off"' in html and "Start" in page.text
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Clear-Site-Data"] == '"cache"'
    assert re.findall(r'(?:src|href|action)="(?:https?:)?//', html) == []  # no third party


def test_without_urgent_contacts_the_first_page_says_so(page: Page, opened: str) -> None:
    page.get(URL.format(lang="en"))
    assert "The organiser has not given a contact for urgent help." in page.text


def test_start_leads_to_the_questionnaire_of_sealed_categories(page: Page, opened: str) -> None:
    response = begin(page)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert 'class="respond-form" novalidate autocomplete="off"' in html
    offered = set(re.findall(r'name="p-category" value="([^"]+)"', html))
    assert offered == {"deprived_of_liberty", "former_detainee", "family"}
    assert 'name="p-organisation"' not in html and 'name="p-jurisdiction"' in html
    assert "[en] Preferred model" in html


# Sending -----------------------------------------------------------------------------------


def test_one_page_mode_stores_exactly_one_envelope(
    app: Flask, page: Page, make: Factory, opened: str
) -> None:
    response = send(page, ANSWERS)
    assert response.status_code == 303, page.text
    assert response.headers["Location"] == "/en/c/npm-2027/sealed/thanks"  # no receipt
    [envelope] = envelopes(app)
    with app.app_context():
        assert db.session.scalar(select(Response.id)) is None  # nothing in clear
    assert {c.name for c in Envelope.__table__.columns} == ENVELOPE_COLUMNS
    assert envelope.received_on == date.today() or (date.today() - envelope.received_on).days <= 1
    assert envelope.suite == crypto.SUITE_ID and len(envelope.id) == 32
    assert envelope.sha256 == crypto.Envelope("", "", envelope.ciphertext).digest
    assert envelope.is_held is False
    [payload] = open_all(app, make)
    assert payload["channel"] == "sealed" and payload["locale"] == "en"
    assert payload["details"] == {}
    assert payload["profile"] == {
        "category": "deprived_of_liberty",
        "jurisdiction": "north",
        "place": "prison_sentenced",
    }
    answers = {(q, i, c): t for q, i, c, _r, _n, t in payload["answers"]}
    assert answers[("why", "", "")] == "The guards decide everything"
    assert ("model", "", "c") in answers and ("topics", "", "y") in answers


def test_step_by_step_mode_in_french(app: Flask, page: Page, make: Factory, opened: str) -> None:
    url = URL.format(lang="fr")
    html = begin(page, "fr", "steps").get_data(as_text=True)
    seen = []
    for _ in range(30):
        step = hidden(html, "step")
        seen.append(step)
        data: dict[str, Any] = {k: v for k, v in carried_form(html).items()}
        if step == "review":
            data["nav"] = "send"
        else:
            fields = (
                [k for k in ANSWERS if k.startswith("p-")]
                if step == "profile"
                else [k for k in ANSWERS if k == f"q-{step}" or k.startswith(f"q-{step}-")]
            )
            data.update({k: ANSWERS[k] for k in fields})
            data["nav"] = "next"
        response = page.post(url, data, csrf=False)
        if response.status_code == 303:
            break
        assert response.status_code == 200, page.text
        assert 'autocomplete="off"' in response.get_data(as_text=True)
        html = response.get_data(as_text=True)
    assert response.status_code == 303
    assert response.headers["Location"] == "/fr/c/npm-2027/sealed/thanks"
    assert seen[0] == "profile" and seen[-1] == "review" and "why" in seen
    [payload] = open_all(app, make)
    assert payload["locale"] == "fr" and payload["profile"]["category"] == "deprived_of_liberty"


def test_every_envelope_has_the_same_length_whatever_the_answers(
    app: Flask, page: Page, make: Factory, opened: str
) -> None:
    shortest = {"p-category": "family", "p-jurisdiction": "south", "q-model": "a"}
    longest = {
        **ANSWERS,
        "p-category": "former_detainee",
        "p-place": "immigration",
        "q-why": "\U0001f600" * 500,
        "q-more": "\U0001f600" * 50,
        "q-detail": "\U0001f600" * 20,
        "q-ranking-new-body": "1",
        "q-ranking-ombuds": "2",
        "q-matrix-resources": "not_important",
        "q-visits": "100",
    }
    for answers in (shortest, longest):
        assert send(Page(app.test_client()), answers).status_code == 303
    short, long = envelopes(app)
    assert len(short.ciphertext) == len(long.ciphertext)
    payloads = open_all(app, make)
    assert sorted(len(p["answers"]) for p in payloads)[0] == 1  # they really differ
    assert max(len(p["answers"]) for p in payloads) > 10


def test_no_address_browser_or_time_of_day_is_stored(app: Flask, page: Page, opened: str) -> None:
    html = begin(page).get_data(as_text=True)
    page.post(
        URL.format(lang="en"),
        {**carried_form(html), **ANSWERS, "nav": "send"},
        csrf=False,
        headers={"User-Agent": "Canary-Agent/7.3", "X-Forwarded-For": "203.0.113.77"},
        environ_base={"REMOTE_ADDR": "198.51.100.23"},
    )
    assert page.response.status_code == 303  # type: ignore[union-attr]
    with app.app_context():
        rows = [r._asdict() for r in db.session.execute(select(Envelope.__table__))]
        audit = [repr(e.details) for e in db.session.scalars(select(AuditEvent))]
    assert len(rows) == 1
    assert not {"ip", "ip_address", "user_agent", "created_at", "session_id", "locale"} & set(
        rows[0]
    )
    stored = repr(rows) + "".join(audit)
    for canary in ("Canary-Agent", "203.0.113.77", "198.51.100.23"):
        assert canary not in stored
    assert isinstance(rows[0]["received_on"], date) and not hasattr(rows[0]["received_on"], "hour")


def test_the_same_submission_key_stores_once(app: Flask, page: Page, opened: str) -> None:
    html = begin(page).get_data(as_text=True)
    data = {**carried_form(html), **ANSWERS, "nav": "send"}
    first = page.post(URL.format(lang="en"), data, csrf=False)
    again = page.post(URL.format(lang="en"), {**data, "q-model": "a"}, csrf=False)
    assert first.status_code == again.status_code == 303
    assert again.headers["Location"] == "/en/c/npm-2027/sealed/thanks"
    assert len(envelopes(app)) == 1


def test_an_expired_form_keeps_the_answers_and_seals_nothing(
    app: Flask, page: Page, opened: str
) -> None:
    html = begin(page).get_data(as_text=True)
    data = {**carried_form(html), **ANSWERS, "nav": "send", "csrf_token": "stale"}
    response = page.post(URL.format(lang="en"), data, csrf=False)
    assert response.status_code == 400
    assert "Your answers are kept" in page.text
    assert "The guards decide everything" in response.get_data(as_text=True)
    assert envelopes(app) == []


def test_a_multipart_post_is_refused_before_anything_is_spooled(
    app: Flask, page: Page, opened: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    spooled: list[object] = []

    def no_spooling(self: object, *args: object, **kwargs: object) -> io.BytesIO:
        spooled.append(args)
        return io.BytesIO()

    monkeypatch.setattr(app.request_class, "_get_file_stream", no_spooling)
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    html = begin(page).get_data(as_text=True)
    canary = "multipart-canary-" + "z" * 40
    data = {
        **carried_form(html),
        **ANSWERS,
        "q-why": canary,
        "nav": "send",
        "attachment": (io.BytesIO(canary.encode() * 40_000), "testimony.txt"),
    }
    response = page.client.post(
        URL.format(lang="en"), data=data, content_type="multipart/form-data"
    )
    assert response.status_code == 415
    assert "This page only accepts the answers of its own form. Nothing was recorded." in (
        response.get_data(as_text=True)
    )
    assert spooled == [] and list(tmp_path.iterdir()) == []
    assert envelopes(app) == []
    french = page.client.post(URL.format(lang="fr"), data=b"x", content_type="text/plain")
    assert french.status_code == 415 and 'lang="fr"' in french.get_data(as_text=True)


def test_the_envelope_size_stays_with_the_version_when_texts_are_corrected(
    app: Flask, opened: str
) -> None:
    with app.app_context():
        consultation = db.session.scalars(select(Consultation)).one()
        size = sealed.envelope_size(consultation)
        assert size == payload.envelope_size(consultation.document())
        document = consultation.document()
        for question in document.questions():  # a correction after opening: texts only
            question.text = {**question.text, "en": "A much longer wording " * 40}
        assert version(document) == consultation.version
        consultation.questionnaire = to_dict(document)
        db.session.commit()
        assert sealed.envelope_size(consultation) == size
    page = Page(app.test_client())
    assert send(page, ANSWERS).status_code == 303
    [envelope] = envelopes(app)
    assert len(envelope.ciphertext) == size + crypto.OVERHEAD


# Held for review, never refused ------------------------------------------------------------


def test_envelopes_past_the_threshold_are_held_not_refused(app: Flask, opened: str) -> None:
    change(app, sealed_hold_after=2)
    for _ in range(3):  # three people at one kiosk: one address
        assert send(Page(app.test_client()), ANSWERS).status_code == 303
    with app.app_context():
        held = [e.is_held for e in db.session.scalars(select(Envelope))]
        consultation = db.session.scalars(select(Consultation)).one()
        assert sealed.envelope_counts(consultation) == (3, 1)
    assert sorted(held) == [False, False, True]
    other = Page(app.test_client())
    html = begin(other).get_data(as_text=True)
    other.client.post(
        URL.format(lang="en"),
        data={**carried_form(html), **ANSWERS, "nav": "send"},
        environ_base={"REMOTE_ADDR": "192.0.2.9"},
    )
    assert sorted(e.is_held for e in envelopes(app)) == [False, False, False, True]


def test_a_retry_is_neither_stored_nor_counted_towards_holding(app: Flask, opened: str) -> None:
    change(app, sealed_hold_after=2)
    page = Page(app.test_client())
    html = begin(page).get_data(as_text=True)
    data = {**carried_form(html), **ANSWERS, "nav": "send"}
    for _ in range(3):  # one form sent three times (a slow connection, a double click)
        assert page.post(URL.format(lang="en"), data, csrf=False).status_code == 303
    assert send(Page(app.test_client()), ANSWERS).status_code == 303  # a second person
    assert sorted(e.is_held for e in envelopes(app)) == [False, False]
    assert send(Page(app.test_client()), ANSWERS).status_code == 303  # a third: past 2
    assert sorted(e.is_held for e in envelopes(app)) == [False, False, True]


# Children ----------------------------------------------------------------------------------


def test_children_answer_only_with_their_consent(
    app: Flask, page: Page, make: Factory, opened: str
) -> None:
    change(app, sealed_audience="all_ages")
    page.get(URL.format(lang="en"))
    assert "How old are you?" in page.text and "If you are under 18" in page.text
    response = begin(page)
    assert response.status_code == 400 and "Say whether you are under 18." in page.text
    response = begin(page, age="child")
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and 'name="q-' not in html
    assert "Tick the box if you understand and want to answer." in page.text
    assert send(page, ANSWERS, age="child", consent="yes").status_code == 303
    assert send(Page(app.test_client()), ANSWERS, age="adult").status_code == 303
    ages = sorted(p["details"]["age"] for p in open_all(app, make))
    assert ages == ["adult", "child"]
    # Only inside the envelope: the age bracket is nowhere in the rows.
    with app.app_context():
        rows = repr([r._asdict() for r in db.session.execute(select(Envelope.__table__))])
    assert "child" not in rows and "adult" not in rows


def test_a_form_that_skipped_the_first_page_goes_back_to_it(
    app: Flask, page: Page, opened: str
) -> None:
    change(app, sealed_audience="all_ages")
    html = begin(page, age="adult").get_data(as_text=True)
    data = {k: v for k, v in carried_form(html).items() if k != "age"}
    response = page.post(URL.format(lang="en"), {**data, **ANSWERS, "nav": "send"}, csrf=False)
    assert response.status_code == 400
    assert "How old are you?" in page.text and envelopes(app) == []


# Receipts and the thank-you page ---------------------------------------------------------


def test_no_receipt_by_default(app: Flask, page: Page, opened: str) -> None:
    response = send(page, ANSWERS)
    assert "?" not in response.headers["Location"]
    [envelope] = envelopes(app)
    thanks = page.get(f"/en/c/npm-2027/sealed/thanks?r={envelope.sha256[:10]}")
    assert thanks.headers["Clear-Site-Data"] == '"cache", "cookies", "storage"'
    assert thanks.headers["Cache-Control"] == "no-store"
    assert "Your answers are locked and saved." in page.text
    assert "receipt" not in page.text.lower() and envelope.sha256[:10] not in page.text


def test_a_receipt_when_the_organiser_turned_them_on(app: Flask, page: Page, opened: str) -> None:
    change(app, sealed_receipts=True)
    response = send(page, ANSWERS)
    [envelope] = envelopes(app)
    code = envelope.sha256[:10]
    assert response.headers["Location"] == f"/en/c/npm-2027/sealed/thanks?r={code}"
    page.get(response.headers["Location"])
    assert f"Your receipt code:\n{code}" in page.text
    page.get("/en/c/npm-2027/sealed/thanks?r=<script>")
    assert "Your receipt code" not in page.text


# When there is no sealed channel -----------------------------------------------------------


def test_no_key_or_no_sealed_question_shows_a_page_not_a_form(
    app: Flask, page: Page, make: Factory
) -> None:
    document = sample_questionnaire(("en",))
    for question in document.questions():
        question.channels = ["open"]
    make.consultation("acme", SLUG, ("en",), opened=True, questionnaire=document)
    response = page.get(URL.format(lang="en"))
    assert response.status_code == 404
    assert "The sealed way of answering is not available for this consultation." in page.text
    assert "<form" not in response.get_data(as_text=True).split("</header>")[1]
    assert response.headers["Cache-Control"] == "no-store"
    assert begin(page).status_code == 404
    html = page.get("/en/c/npm-2027/respond").get_data(as_text=True)
    assert "/sealed" not in html  # the open channel offers nothing it cannot deliver


def test_closed_consultations_show_the_closed_page(app: Flask, page: Page, opened: str) -> None:
    html = begin(page).get_data(as_text=True)
    with app.app_context():
        consultation = db.session.scalars(select(Consultation)).one()
        consultations.close(consultation, consultation.organisation.memberships[0].user)
        db.session.commit()
    page.get(URL.format(lang="en"))
    assert "This consultation is closed" in page.text and "Start" not in page.text
    response = page.post(
        URL.format(lang="en"), {**carried_form(html), **ANSWERS, "nav": "send"}, csrf=False
    )
    assert response.status_code == 409 and "Your answers were not recorded." in page.text
    assert envelopes(app) == []


# The open channel points the way ---------------------------------------------------------


def test_the_open_channel_offers_the_sealed_one(page: Page, opened: str) -> None:
    html = page.get("/en/c/npm-2027/respond").get_data(as_text=True)
    assert 'href="/en/c/npm-2027/sealed"' in html  # one page: beside the profile
    url = "/en/c/npm-2027/respond"
    html = page.get(url + "?mode=steps").get_data(as_text=True)
    assert "/sealed" not in html  # step by step: not before the profile is answered
    base = {
        "submission_key": hidden(html, "submission_key"),
        "mode": "steps",
        "step": "profile",
        "nav": "next",
        "p-jurisdiction": "north",
    }
    others = page.post(url, {**base, "p-category": "civil_society"}, form_page=url)
    assert others.status_code == 200 and "/sealed" not in others.get_data(as_text=True)
    detained = page.post(url, {**base, "p-category": "deprived_of_liberty"}, form_page=url)
    assert 'href="/en/c/npm-2027/sealed"' in detained.get_data(as_text=True)
    assert "Answer on the sealed channel instead" in page.text


# Logs ------------------------------------------------------------------------------------


def test_the_development_server_logs_no_sealed_request_and_no_address(
    app: Flask, opened: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="werkzeug")
    server = make_server("127.0.0.1", 0, app)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        for path in ("/en/c/npm-2027/sealed", "/en/c/npm-2027/"):
            with urllib.request.urlopen(f"http://127.0.0.1:{server.port}{path}") as reply:
                assert reply.status == 200
    finally:
        server.shutdown()
        thread.join()
    lines = [r.getMessage() for r in caplog.records if r.name == "werkzeug"]
    assert any("/en/c/npm-2027/ " in line for line in lines), lines
    assert not any("/sealed" in line for line in lines)
    assert not any("127.0.0.1" in line for line in lines)


def test_gunicorn_logs_no_sealed_or_assisted_request_and_no_address() -> None:
    import runpy

    from gunicorn.config import Config

    conf = runpy.run_path(str(Path(__file__).parents[2] / "gunicorn.conf.py"))
    assert "%(h)s" not in conf["access_log_format"]
    config = Config()
    config.set("access_log_format", conf["access_log_format"])
    config.set("accesslog", "-")
    logger = conf["logger_class"](config)
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append  # type: ignore[method-assign]
    logger.access_log.handlers = [handler]

    class Reply:
        status, sent, headers = "200 OK", 512, [("Content-Type", "text/html")]

    class Duration:
        seconds, microseconds = 0, 1500

    for path in ("/en/c/x/sealed", "/en/c/x/sealed/thanks", "/fr/c/x/assisted", "/en/c/x/"):
        environ = {
            "REQUEST_METHOD": "GET",
            "RAW_URI": path,
            "PATH_INFO": path,
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "203.0.113.99",
            "HTTP_USER_AGENT": "Canary-Agent/1",
        }
        request = type("Req", (), {"headers": [("X-Forwarded-For", "198.51.100.1")]})()
        logger.access(Reply(), request, environ, Duration())
    lines = [logging.Formatter("%(message)s").format(r) for r in records]
    assert len(lines) == 1 and "GET /en/c/x/ HTTP/1.1" in lines[0]
    for canary in ("203.0.113.99", "198.51.100.1", "Canary-Agent"):
        assert canary not in lines[0]
    # Even a format that asks for them gets nothing.
    config.set("access_log_format", '%(h)s %(a)s %(f)s %({x-forwarded-for}i)s "%(r)s"')
    logger.access(Reply(), request, {**environ, "PATH_INFO": "/en/", "RAW_URI": "/en/"}, Duration())
    last = logging.Formatter("%(message)s").format(records[-1])
    assert last == '- - - - "GET /en/ HTTP/1.1"', last


# Organiser settings ----------------------------------------------------------------------

SETTINGS = "/admin/acme/consultations/npm-2027/sealed-settings"


def test_settings_before_opening(app: Flask, page: Page, make: Factory, login_as: Any) -> None:
    make.consultation("acme", SLUG, ("en", "fr"), questionnaire=sample_questionnaire(("en", "fr")))
    login_as(Role.ORGANISER)
    page.get(SETTINGS)
    assert "Envelopes received\n0" in page.text and "Held for review\n0" in page.text
    form = {
        "audience": "all_ages",
        "receipts": "yes",
        "hold_after": "12",
        "urgent_help_en": "Call 0800",
        "urgent_help_fr": "Appelez le 0800",
    }
    response = page.post(SETTINGS, form, form_page=SETTINGS)
    assert response.status_code == 302, page.text
    with app.app_context():
        consultation = db.session.scalars(select(Consultation)).one()
        assert consultation.sealed_audience == "all_ages" and consultation.sealed_receipts
        assert consultation.sealed_hold_after == 12
        assert consultation.urgent_help == {"en": "Call 0800", "fr": "Appelez le 0800"}
        assert consultation.text_states()["fr"].stale == []
    # Changing the main language's text makes the French one stale until reviewed.
    page.post(SETTINGS, {**form, "urgent_help_en": "Call 0900"}, form_page=SETTINGS)
    with app.app_context():
        consultation = db.session.scalars(select(Consultation)).one()
        assert "consultation.urgent_help" in consultation.text_states()["fr"].stale
    page.get(SETTINGS)
    assert "Needs review:" in page.text
    page.post(
        SETTINGS,
        {**form, "urgent_help_en": "Call 0900", "reviewed": "consultation.urgent_help|fr"},
        form_page=SETTINGS,
    )
    with app.app_context():
        consultation = db.session.scalars(select(Consultation)).one()
        assert consultation.text_states()["fr"].stale == []


def test_settings_refuse_bad_values(page: Page, make: Factory, login_as: Any) -> None:
    make.consultation("acme", SLUG, ("en",))
    login_as(Role.ORGANISER)
    for value in ("0", "10001", "many", ""):
        bad = {"audience": "everyone", "hold_after": value, "urgent_help_en": "x" * 1001}
        response = page.post(SETTINGS, bad, form_page=SETTINGS)
        assert response.status_code == 400
        assert "Enter a whole number from 1 to 10,000." in page.text
        assert "Choose one of the answers offered." in page.text
        assert "Use at most 1,000 characters." in page.text


def test_once_open_audience_and_receipts_are_fixed_contacts_audited(
    app: Flask, page: Page, opened: str, login_as: Any
) -> None:
    login_as(Role.OWNER)
    send(Page(app.test_client()), ANSWERS)
    page.get(SETTINGS)
    assert "Envelopes received\n1" in page.text
    form = {
        "audience": "all_ages",
        "receipts": "yes",
        "hold_after": "5",
        "urgent_help_en": "Call 0800",
        "urgent_help_fr": "Appelez le 0800",
    }
    assert page.post(SETTINGS, form, form_page=SETTINGS).status_code == 302
    with app.app_context():
        consultation = db.session.scalars(select(Consultation)).one()
        assert consultation.sealed_audience == "adults" and not consultation.sealed_receipts
        assert consultation.sealed_hold_after == 5
        assert consultation.urgent_help["en"] == "Call 0800"
        event = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "sealed.settings_changed")
        ).one()
        assert event.details == {"fields": ["hold_after", "urgent_help"]}
    page.get(URL.format(lang="fr"))
    assert "Appelez le 0800" in page.text


def test_the_sealed_channel_is_the_only_one_sealing(app: Flask, opened: str) -> None:
    """The open channel keeps storing plaintext responses: nothing leaks between them."""
    page, url = Page(app.test_client()), "/en/c/npm-2027/respond"
    key = hidden(page.get(url).get_data(as_text=True), "submission_key")
    data = {**ANSWERS, "p-category": "civil_society", "submission_key": key}
    assert page.post(url, data, form_page=url).status_code == 303
    with app.app_context():
        [response] = db.session.scalars(select(Response))
        assert response.channel == Channel.OPEN
    assert envelopes(app) == []


def test_the_first_page_offers_the_easy_read_version_where_it_is_written(
    app: Flask, page: Page, make: Factory
) -> None:
    document = sample_questionnaire(("en", "fr"))
    model = document.question("model")
    assert model is not None
    model.easy = {"en": "[en] Which one do you like best?", "fr": "[fr] Lequel préférez-vous ?"}
    record_all_sources(document, "en")
    make.consultation("acme", SLUG, ("en", "fr"), opened=True, questionnaire=document)
    assert 'name="easy" value="1"' in page.get(URL.format(lang="en")).get_data(as_text=True)
    html = begin(page, "en", "page", easy="1").get_data(as_text=True)
    assert "respond-form easy-read" in html and "[en] Which one do you like best?" in html
    assert "[en] Preferred model" not in html
    data = {**carried_form(html), **ANSWERS, "nav": "send"}
    assert page.post(URL.format(lang="en"), data, csrf=False).status_code == 303, page.text
    [payload] = open_all(app, make)
    assert ("model", "", "c", None, None, None) in [tuple(a) for a in payload["answers"]]


def test_no_easy_read_choice_without_easy_wording(page: Page, opened: str) -> None:
    html = page.get(URL.format(lang="en")).get_data(as_text=True)
    assert 'name="easy"' not in html and "Easy-read version" not in html
