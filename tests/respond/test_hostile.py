"""Hostile input on the open channel: a translated error or inert storage, never a 500."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from flask import Flask
from sqlalchemy import select

from consult.accounts.permissions import Role
from consult.extensions import db
from consult.respond.models import Answer, Response
from tests.factories import Factory
from tests.helpers import Page, login
from tests.respond.test_open_channel import FULL, hidden

URL = "/en/c/npm-2027/respond"


@pytest.fixture
def form_key(page: Page, make: Factory) -> str:
    make.consultation("acme", "npm-2027", ("en", "ar"), opened=True)
    return hidden(page.get(URL).get_data(as_text=True), "submission_key")


def texts_stored(app: Flask) -> dict[str, str]:
    with app.app_context():
        answers = db.session.scalars(select(Answer).where(Answer.text.is_not(None))).all()
        return {a.question_key: a.text or "" for a in answers}


def test_a_megabyte_in_a_text_field_is_a_field_error(page: Page, form_key: str) -> None:
    response = page.post(
        URL, {**FULL, "submission_key": form_key, "q-detail": "x" * 1_000_000}, form_page=URL
    )
    assert response.status_code == 400
    assert "Use at most 20 characters." in page.text


def test_a_megabyte_in_arabic_gets_an_arabic_error(page: Page, form_key: str) -> None:
    url = "/ar/c/npm-2027/respond"
    page.post(url, {**FULL, "submission_key": form_key, "q-why": "ب" * 500_000}, form_page=url)
    assert page.response.status_code == 400  # type: ignore[union-attr]
    assert "Use at most" not in page.text
    assert "يجب ألا يتجاوز النص" in page.text


def test_markup_and_control_characters_are_stored_inert_and_shown_escaped(
    app: Flask, page: Page, form_key: str, make: Factory
) -> None:
    payload = "<script>alert('x')</script>\u202egnp.exe\x00"
    data = {
        **FULL,
        "submission_key": form_key,
        "q-why": payload,
        "q-detail": "<b>hi</b>",
        "p-organisation": "<img src=x onerror=alert(1)>",
    }
    assert page.post(URL, data, form_page=URL).status_code == 303
    stored = texts_stored(app)
    assert stored["why"] == "<script>alert('x')</script>gnp.exe"
    analyst = Page(app.test_client())
    login(analyst, make.member("acme", [Role.ANALYST]).email)
    html = analyst.get("/admin/acme/consultations/npm-2027/responses/list").get_data(as_text=True)
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    assert "<script>" not in html and "<img src=x" not in html


def test_a_re_rendered_form_escapes_what_was_sent(page: Page, form_key: str) -> None:
    response = page.post(
        URL,
        {
            "submission_key": form_key,
            "q-detail": '"><script>x</script>',
            "p-organisation": "</textarea><script>y</script>",
        },
        form_page=URL,
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "<script>x</script>" not in html and "<script>y</script>" not in html
    assert "&#34;&gt;&lt;script&gt;x&lt;/script&gt;" in html


def test_invalid_utf8_is_stored_inert_or_refused_cleanly(
    app: Flask, page: Page, form_key: str
) -> None:
    fields = {k: v for k, v in FULL.items() if k not in ("q-topics", "q-detail")}
    body = urlencode(
        {**fields, "q-topics": "x", "submission_key": form_key, "csrf_token": page.token(URL)}
    ).encode()
    post = {"content_type": "application/x-www-form-urlencoded"}
    # Percent-encoded bytes that are not UTF-8 arrive as harmless text.
    response = page.client.post(URL, data=body + b"&q-detail=%FF%FEab", **post)
    assert response.status_code == 303
    assert texts_stored(app)["detail"] in ("%FF%FEab", "\ufffd\ufffdab")
    # Raw bytes that are not UTF-8 make the whole body unreadable: a clear page, no 500.
    response = page.client.post(URL, data=body.replace(b"Because", b"Bec\xff\xfeause"), **post)
    assert response.status_code == 400
    assert "this page had expired" in response.get_data(as_text=True)


def test_forged_fields_and_wrong_values(app: Flask, page: Page, form_key: str) -> None:
    data = {
        **FULL,
        "submission_key": form_key,
        "q-forged": "1",
        "q-model-extra": "2",
        "p-admin": "yes",
        "q-ranking-nonexistent": "1",
    }
    assert page.post(URL, data, form_page=URL).status_code == 303
    with app.app_context():
        keys = {a.question_key for a in db.session.scalars(select(Answer))}
    assert "forged" not in keys and "model-extra" not in keys
    page.post(
        URL,
        {
            **FULL,
            "submission_key": form_key + "x",
            "q-model": "<choice>",
            "q-matrix-resources": "x",
            "q-visits": "NaN",
            "p-category": "king",
        },
        form_page=URL,
    )
    assert page.response.status_code == 400  # type: ignore[union-attr]
    assert page.text.count("Choose one of the answers offered.") >= 3


def test_missing_or_malformed_fields_never_crash(app: Flask, page: Page, form_key: str) -> None:
    for data in (
        {},
        {"submission_key": "short"},
        {"submission_key": form_key, "mode": "evil", "step": "../../etc", "nav": "goto:zzz"},
        {"submission_key": form_key, "mode": "steps", "step": "nonexistent", "nav": "next"},
    ):
        response = page.post(URL, data, form_page=URL)
        assert response.status_code in (200, 400), data
        assert "<h1" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Response.id)) is None


def test_nothing_but_the_day_is_recorded(app: Flask, page: Page, form_key: str) -> None:
    page.post(
        URL,
        {**FULL, "submission_key": form_key},
        form_page=URL,
        headers={"User-Agent": "Canary-Agent/1.0", "X-Forwarded-For": "203.0.113.7"},
    )
    with app.app_context():
        columns = {c.name for c in Response.__table__.columns}
        row = db.session.execute(select(Response.__table__)).one()._asdict()
    assert not {"ip", "ip_address", "user_agent", "created_at", "session_id"} & columns
    assert "Canary-Agent" not in repr(row) and "203.0.113.7" not in repr(row)
    assert row["submission_key_hash"] != form_key
