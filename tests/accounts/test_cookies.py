"""Cookie names: ``__Host-`` wherever the cookie is Secure, plain names over development HTTP."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from sqlalchemy import select

from consult import create_app
from consult.accounts.models import User
from consult.accounts.permissions import Role
from consult.consultations.models import Consultation
from consult.extensions import db
from consult.opcat.vocabulary import PLACES
from consult.sealed import kiosk, visits
from consult.sealed.visit_models import VisitMode
from tests.factories import Factory
from tests.helpers import Page, login

ORIGIN = "https://consult.example"


def test_production_cookies_carry_the_host_prefix(
    app: Flask, make: Factory, settings_for: Callable[..., dict[str, Any]]
) -> None:
    production = create_app(settings_for(env="production", base_url=ORIGIN))
    member = make.member()
    page = Page(production.test_client(), base_url=ORIGIN)
    response = page.post(
        "/admin/login",
        {"email": member.email, "password": member.password},
        headers={"Referer": f"{ORIGIN}/admin/login"},
    )
    assert response.status_code == 302, page.text
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("__Host-consult_session=")
    assert "; Secure" in cookie and "; Path=/" in cookie and "Domain" not in cookie
    assert page.get("/admin/account").status_code == 200


def test_development_keeps_plain_names(page: Page, make: Factory) -> None:
    response = login(page, make.member().email)
    assert response.headers["Set-Cookie"].startswith("consult_session=")


def test_the_kiosk_ticket_is_host_only_where_it_is_secure(
    app: Flask, make: Factory, settings_for: Callable[..., dict[str, Any]]
) -> None:
    production = create_app(settings_for(env="production", base_url=ORIGIN))
    with production.test_request_context(base_url=ORIGIN):
        assert kiosk.cookie_name() == "__Host-consult_kiosk"
    with app.test_request_context():
        assert kiosk.cookie_name() == "consult_kiosk"
    # And as a facilitator's unlocking really sets it, beside the session cookie it clears.
    make.consultation("acme", "npm-2027", ("en", "fr"), opened=True)
    facilitator = make.member("acme", [Role.FACILITATOR])
    with production.test_request_context(base_url=ORIGIN):
        consultation = db.session.scalars(select(Consultation)).one()
        user = db.session.get(User, facilitator.user_id)
        assert user is not None
        plan = visits.VisitPlan(next(iter(PLACES.keys())), None, VisitMode.KIOSK, 4)
        visit_id = visits.open_session(consultation, user, plan).id
        db.session.commit()
    page = Page(production.test_client(), base_url=ORIGIN)
    referer = {"Referer": f"{ORIGIN}/admin/login"}
    signed_in = page.post(
        "/admin/login",
        {"email": facilitator.email, "password": facilitator.password},
        headers=referer,
    )
    assert signed_in.status_code == 302, page.text
    url = f"/admin/acme/consultations/npm-2027/visits/{visit_id}/kiosk"
    unlocked = page.post(url, {}, headers=referer)
    assert unlocked.status_code == 303, page.text
    cookies = unlocked.headers.getlist("Set-Cookie")
    assert any(c.startswith("__Host-consult_kiosk=") for c in cookies), cookies
    for cookie in cookies:
        assert cookie.startswith("__Host-"), cookie
        assert "; Secure" in cookie and "; Path=/" in cookie and "Domain" not in cookie, cookie
