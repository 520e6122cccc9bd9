"""Signing in and out: server-side session records, rotation, timeouts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import func, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from consult.accounts.models import UserSession
from consult.accounts.permissions import Role
from consult.db import utcnow
from consult.extensions import db
from tests.factories import Factory
from tests.helpers import Page, login


def session_count(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(UserSession.id))) or 0


def session_cookie(page: Page) -> str | None:
    cookie = page.client.get_cookie("consult_session")
    return cookie.value if cookie else None


def test_sign_in_shows_the_dashboard(page: Page, make: Factory) -> None:
    make.consultation("acme", "npm-2027")
    member = make.member("acme", [Role.ORGANISER])
    response = login(page, member.email)
    assert response.headers["Location"] == "/admin/"
    page.get("/admin/", follow_redirects=True)
    assert "Title npm-2027 [en]" in page.text


def test_a_wrong_password_gets_a_form_error_and_keeps_the_address(
    page: Page, make: Factory
) -> None:
    member = make.member()
    response = page.post("/admin/login", {"email": member.email, "password": "wrong password"})
    assert response.status_code == 200
    assert "The e-mail address or the password is wrong." in page.text
    assert f'value="{member.email}"' in response.get_data(as_text=True)


def test_an_unknown_address_gets_the_same_answer(page: Page) -> None:
    page.post("/admin/login", {"email": "nobody@nowhere.example", "password": "whatever123"})
    assert "The e-mail address or the password is wrong." in page.text


def test_sign_in_rotates_the_session_and_stores_only_a_hash(
    app: Flask, page: Page, make: Factory
) -> None:
    member = make.member()
    page.get("/admin/login")
    before = session_cookie(page)
    login(page, member.email)
    assert session_cookie(page) != before
    with app.app_context():
        record = db.session.scalars(select(UserSession)).one()
        assert record.user_id == member.user_id
        assert len(record.token_hash) == 64


def test_sign_in_only_follows_local_next_links(page: Page, make: Factory) -> None:
    member = make.member()
    for target, expected in (
        ("/admin/account", "/admin/account"),
        ("https://evil.example/", "/admin/"),
        ("//evil.example/", "/admin/"),
    ):
        response = page.post(
            "/admin/login",
            {"email": member.email, "password": "correct horse battery staple", "next": target},
        )
        assert response.headers["Location"] == expected


def test_sign_out_ends_the_server_side_session(app: Flask, page: Page, make: Factory) -> None:
    member = make.member()
    login(page, member.email)
    stolen = session_cookie(page)
    assert session_count(app) == 1
    response = page.post("/admin/logout", form_page="/admin/account")
    assert response.headers["Location"] == "/admin/login"
    assert session_count(app) == 0
    # Replaying the old cookie no longer works: the record it names is gone.
    page.client.set_cookie("consult_session", stolen or "", domain="localhost")
    assert page.get("/admin/account").status_code == 302


def test_idle_sessions_end(app: Flask, page: Page, make: Factory) -> None:
    member = make.member()
    login(page, member.email)
    with app.app_context():
        db.session.execute(update(UserSession).values(last_seen_at=utcnow() - timedelta(hours=1)))
        db.session.commit()
    assert page.get("/admin/account").status_code == 302
    assert session_count(app) == 0


def test_sessions_end_after_the_absolute_timeout_even_when_active(
    app: Flask, page: Page, make: Factory
) -> None:
    member = make.member()
    login(page, member.email)
    with app.app_context():
        db.session.execute(update(UserSession).values(created_at=utcnow() - timedelta(hours=13)))
        db.session.commit()
    assert page.get("/admin/account").status_code == 302


def test_activity_keeps_a_session_alive(app: Flask, page: Page, make: Factory) -> None:
    member = make.member()
    login(page, member.email)
    with app.app_context():
        db.session.execute(
            update(UserSession).values(last_seen_at=utcnow() - timedelta(minutes=20))
        )
        db.session.commit()
    assert page.get("/admin/account").status_code == 200
    with app.app_context():
        seen = db.session.scalars(select(UserSession.last_seen_at)).one()
    assert utcnow() - seen < timedelta(minutes=1)


def test_locked_accounts_cannot_sign_in_or_stay_in(app: Flask, page: Page, make: Factory) -> None:
    from consult.accounts.models import User

    member = make.member()
    login(page, member.email)
    with app.app_context():
        db.session.execute(update(User).values(is_active=False))
        db.session.commit()
    assert page.get("/admin/account").status_code == 302
    page.post("/admin/login", {"email": member.email, "password": member.password})
    assert "The e-mail address or the password is wrong." in page.text


def test_changing_the_password_ends_other_sessions(app: Flask, client, make: Factory) -> None:
    member = make.member()
    laptop, phone = Page(app.test_client()), Page(app.test_client())
    login(laptop, member.email)
    login(phone, member.email)
    response = laptop.post(
        "/admin/account/password",
        {
            "current": member.password,
            "password": "a brand new passphrase",
            "confirm": "a brand new passphrase",
        },
        form_page="/admin/account",
    )
    assert response.status_code == 302
    assert laptop.get("/admin/account").status_code == 200
    assert phone.get("/admin/account").status_code == 302


def test_a_touch_refused_by_a_busy_database_does_not_fail_the_page(
    app: Flask, page: Page, make: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On SQLite a reading request cannot write once another writer got in first."""
    member = make.member()
    login(page, member.email)
    with app.app_context():
        stale = utcnow() - timedelta(minutes=20)
        db.session.execute(update(UserSession).values(last_seen_at=stale))
        db.session.commit()
    real = Session.commit
    refused: list[bool] = []

    def busy(self: Session) -> None:
        if not refused:
            refused.append(True)
            raise OperationalError("COMMIT", {}, Exception("database is locked"))
        real(self)

    monkeypatch.setattr(Session, "commit", busy)
    assert page.get("/admin/account").status_code == 200
    assert refused
    monkeypatch.setattr(Session, "commit", real)
    with app.app_context():
        assert db.session.scalars(select(UserSession.last_seen_at)).one() == stale
    assert page.get("/admin/account").status_code == 200  # the next request touches it
    with app.app_context():
        assert db.session.scalars(select(UserSession.last_seen_at)).one() > stale
