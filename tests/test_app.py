"""Behaviour every page shares: language negotiation, headers, cookies, errors, CSRF."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask, request

from consult import create_app
from consult.accounts.permissions import Role
from tests.factories import Factory
from tests.helpers import Page, login


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("fr-CH, fr;q=0.9, en;q=0.8", "/fr/"),
        ("ar-TN,ar;q=0.9", "/ar/"),
        ("es", "/es/"),
        ("de-DE, ja;q=0.5", "/en/"),
        ("zh-CN,zh;q=0.9", "/zh/"),
        ("pt-BR", "/pt/"),
        ("ru", "/ru/"),
        ("", "/en/"),
        ("en-GB", "/en/"),
    ],
)
def test_root_negotiates_the_language(client, header: str, expected: str) -> None:
    response = client.get("/", headers={"Accept-Language": header})
    assert response.status_code == 302
    assert response.headers["Location"] == expected
    assert "Accept-Language" in response.headers["Vary"]


def test_an_unknown_language_prefix_is_a_404(client) -> None:
    for url in ("/xx/", "/de/", "/EN/", "/zz/c/anything/"):
        assert client.get(url).status_code == 404, url


def test_every_response_carries_the_security_headers(client) -> None:
    for url in ("/en/", "/admin/login", "/static/css/app.css", "/nowhere"):
        headers = client.get(url).headers
        csp = headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp and "default-src 'self'" in csp
        assert "http" not in csp  # no third-party origin
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"


def test_pages_load_nothing_from_other_origins(page: Page, make: Factory) -> None:
    make.consultation("acme", "npm-2027", opened=True)
    for url in ("/en/", "/en/c/npm-2027/", "/admin/login"):
        html = page.get(url).get_data(as_text=True)
        assert re.findall(r'(?:src|href)="(?:https?:)?//', html) == [], url
    assert page.get("/static/css/app.css").status_code == 200


def test_session_cookies_are_httponly_and_samesite(page: Page, make: Factory) -> None:
    member = make.member()
    response = login(page, member.email)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # development over plain HTTP


def test_production_cookies_are_secure(settings_for: Callable[..., dict[str, Any]]) -> None:
    production = create_app(settings_for(env="production", base_url="https://consult.example"))
    assert production.config["SESSION_COOKIE_SECURE"] is True
    response = production.test_client().get("/en/", base_url="https://consult.example")
    assert "max-age" in response.headers["Strict-Transport-Security"]


def test_too_large_requests_get_a_translated_413(app: Flask, page: Page) -> None:
    page.post(
        "/admin/login",
        {"email": "y" * (5 * 1024 * 1024)},
        csrf=False,
        headers={"Accept-Language": "fr"},
    )
    assert page.response.status_code == 413  # type: ignore[union-attr]
    assert "Trop de données" in page.text
    assert "<h1>" in page.response.get_data(as_text=True)  # type: ignore[union-attr]


def test_a_missing_csrf_token_gets_a_translated_400(page: Page, make: Factory) -> None:
    member = make.member()
    page.post("/admin/login", {"email": member.email, "password": member.password}, csrf=False)
    assert page.response.status_code == 400  # type: ignore[union-attr]
    assert "Your form expired or did not come from this site." in page.text
    page.post("/language", {"locale": "es", "next": "/admin/login"})
    page.post("/admin/login", {"email": member.email, "password": member.password}, csrf=False)
    assert "Your form expired" not in page.text


def test_a_method_not_allowed_gets_the_error_page(client) -> None:
    response = client.get("/admin/account/password")
    assert response.status_code == 405
    assert "<h1>" in response.get_data(as_text=True)


def test_crashes_show_a_friendly_page_without_details(settings_for, caplog) -> None:
    crashing = create_app(settings_for())

    @crashing.get("/boom")
    def boom() -> str:
        raise RuntimeError(f"failed on {request.args['answer']}")

    response = crashing.test_client().get(
        "/boom?answer=testimony-of-prisoner-42", headers={"Accept-Language": "ar"}
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "testimony-of-prisoner-42" not in body and "Traceback" not in body
    assert 'dir="rtl"' in body
    assert "RuntimeError" in caplog.text  # where it failed, for the operator…
    assert "testimony-of-prisoner-42" not in caplog.text  # …but not what was sent


class TestOverHttps:
    """Flask-WTF checks the Referer over HTTPS: a same-origin one passes, others do not."""

    BASE = "https://consult.example"

    def test_forms_work_over_https_with_a_same_origin_referer(
        self, app: Flask, make: Factory
    ) -> None:
        member = make.member("acme", [Role.ORGANISER])
        page = Page(app.test_client(), base_url=self.BASE)
        response = page.post(
            "/admin/login",
            {"email": member.email, "password": member.password},
            headers={"Referer": f"{self.BASE}/admin/login"},
        )
        assert response.status_code == 302
        response = page.post(
            "/admin/acme/consultations/new",
            {
                "slug": "npm-2027",
                "country": "FR",
                "languages": ["fr"],
                "default_locale": "fr",
                "title_fr": "Titre",
                "summary_fr": "Résumé",
            },
            form_page="/admin/acme/consultations/new",
            headers={"Referer": f"{self.BASE}/admin/acme/consultations/new"},
        )
        assert response.status_code == 302, page.text

    def test_a_missing_or_foreign_referer_is_refused(self, app: Flask, make: Factory) -> None:
        member = make.member()
        page = Page(app.test_client(), base_url=self.BASE)
        for headers in ({}, {"Referer": "https://evil.example/admin/login"}):
            response = page.post(
                "/admin/login",
                {"email": member.email, "password": member.password},
                headers=headers,
            )
            assert response.status_code == 400
            assert "Your form expired or did not come from this site." in page.text
