"""Cookie names: ``__Host-`` wherever the cookie is Secure, plain names over development HTTP."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask

from consult import create_app
from consult.sealed import kiosk
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
    app: Flask, settings_for: Callable[..., dict[str, Any]]
) -> None:
    production = create_app(settings_for(env="production", base_url=ORIGIN))
    with production.test_request_context(base_url=ORIGIN):
        assert kiosk.cookie_name() == "__Host-consult_kiosk"
    with app.test_request_context():
        assert kiosk.cookie_name() == "consult_kiosk"
