"""Login throttling: per account and per address, the same for accounts that do not exist."""

from __future__ import annotations

import re
from datetime import timedelta

import argon2
import pytest
from flask import Flask
from sqlalchemy import select, update

from consult.accounts import services as account_services
from consult.accounts.models import LoginThrottle
from consult.accounts.permissions import Role
from consult.accounts.throttle import ACCOUNT_LIMIT, ADDRESS_LIMIT
from consult.db import utcnow
from consult.extensions import db
from tests.accounts.authenticator import code_step, password_step, set_up
from tests.factories import Factory
from tests.helpers import Page, login

LOCKED = "Too many failed sign-in attempts. Wait 15 minutes and try again."
WRONG = "The e-mail address or the password is wrong."


WRONG_PASSWORD = "a wrong password"


def attempt(page: Page, email: str, password: str = WRONG_PASSWORD):
    return page.post("/admin/login", {"email": email, "password": password})


def comparable(html: str, email: str) -> str:
    """A page with what differs by design taken out: the CSRF token and the typed address."""
    html = re.sub(r'name="csrf_token"[^>]*value="[^"]+"', "", html)
    return html.replace(email, "EMAIL")


def unlock(app: Flask) -> None:
    """Let the throttle's window pass."""
    with app.app_context():
        db.session.execute(
            update(LoginThrottle).values(window_ends_at=utcnow() - timedelta(seconds=1))
        )
        db.session.commit()


def test_accounts_that_exist_or_not_are_locked_alike(app: Flask, make: Factory) -> None:
    member = make.member()
    unknown = "nobody@nowhere.example"
    known_page, unknown_page = Page(app.test_client()), Page(app.test_client())
    for _ in range(ACCOUNT_LIMIT):
        wrong = attempt(known_page, member.email)
        nobody = attempt(unknown_page, unknown)
        assert wrong.status_code == nobody.status_code == 200
        assert WRONG in known_page.text and WRONG in unknown_page.text
        assert comparable(wrong.get_data(as_text=True), member.email) == comparable(
            nobody.get_data(as_text=True), unknown
        )
        assert sorted(name for name, _ in wrong.headers) == sorted(
            name for name, _ in nobody.headers
        )
    known = attempt(known_page, member.email, member.password)  # even the right password
    refused = attempt(unknown_page, unknown)
    assert known.status_code == refused.status_code == 429
    assert LOCKED in known_page.text and LOCKED in unknown_page.text
    assert comparable(known.get_data(as_text=True), member.email) == comparable(
        refused.get_data(as_text=True), unknown
    )
    assert known_page.get("/admin/account").status_code == 302


def test_the_lock_ends_with_the_window(app: Flask, page: Page, make: Factory) -> None:
    member = make.member()
    for _ in range(ACCOUNT_LIMIT):
        attempt(page, member.email)
    assert attempt(page, member.email, member.password).status_code == 429
    unlock(app)
    assert login(page, member.email).headers["Location"] == "/admin/"


def test_a_sign_in_clears_the_failures_of_the_account(app: Flask, make: Factory) -> None:
    member = make.member()
    page = Page(app.test_client())
    for _ in range(ACCOUNT_LIMIT - 1):
        attempt(page, member.email)
    login(page, member.email)
    for _ in range(ACCOUNT_LIMIT - 1):
        assert attempt(page, member.email).status_code == 200


def test_one_address_trying_many_accounts_is_locked(app: Flask, page: Page, make: Factory) -> None:
    member = make.member()
    for number in range(ADDRESS_LIMIT):
        assert attempt(page, f"guess{number}@acme.example").status_code == 200
    assert attempt(page, member.email, member.password).status_code == 429
    # Another address is not held back by it.
    elsewhere = Page(app.test_client())
    response = elsewhere.post(
        "/admin/login",
        {"email": member.email, "password": member.password},
        environ_base={"REMOTE_ADDR": "192.0.2.7"},
    )
    assert response.status_code == 302


@pytest.mark.usefixtures("still_clock")
def test_wrong_codes_count_like_wrong_passwords(app: Flask, make: Factory, login_as) -> None:
    member = login_as(Role.ORGANISER)
    page = Page(app.test_client())
    login(page, member.email)
    set_up(page)
    fresh = Page(app.test_client())
    for _ in range(ACCOUNT_LIMIT):
        password_step(fresh, member)
        assert code_step(fresh, "000000").status_code == 200
    assert attempt(fresh, member.email, member.password).status_code == 429


class CountingHasher(argon2.PasswordHasher):
    """The tests' cheap hasher, counting its checks."""

    checks = 0

    def verify(self, hash: str | bytes, password: str | bytes) -> bool:
        CountingHasher.checks += 1
        return super().verify(hash, password)


def test_an_unknown_account_costs_a_password_check_too(
    page: Page, make: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """So a wrong address takes as long as a wrong password."""
    cheap = CountingHasher.from_parameters(argon2.profiles.CHEAPEST)
    monkeypatch.setattr(account_services, "_hasher", cheap)
    monkeypatch.setattr(account_services, "_DUMMY_HASH", cheap.hash("dummy"))
    CountingHasher.checks = 0
    attempt(page, "nobody@nowhere.example")
    assert CountingHasher.checks == 1
    attempt(page, make.member().email)
    assert CountingHasher.checks == 2


def test_nothing_stored_names_an_account_or_an_address(app: Flask, page: Page) -> None:
    attempt(page, "Someone@Example.org")
    with app.app_context():
        keys = db.session.scalars(select(LoginThrottle.key)).all()
    assert len(keys) == 2
    assert {key.split(":")[0] for key in keys} == {"account", "address"}
    assert not any("someone" in key.lower() or "127.0.0.1" in key for key in keys)
    attempt(page, " someone@example.ORG ")  # the same account, however typed
    with app.app_context():
        assert len(db.session.scalars(select(LoginThrottle.key)).all()) == 2
