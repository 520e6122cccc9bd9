"""Every route of the url_map, walked: who may reach it, and the headers of every response.

Each rule is classified by :data:`KINDS` (or, for ``/admin/<org>/…``, by its organisation);
a route nobody classified fails :func:`test_every_route_is_classified`, so a new route is
checked from the day it appears. The walk then sends every route a GET and, where it accepts
one, a POST with an empty body, as an anonymous visitor, as a member of another organisation
and as a member holding every role, and checks each response: never a 500, never a page that
runs inline script, always the security headers of ``consult/security.py``, and
``Cache-Control: no-store`` wherever someone answers or an organiser works. Error pages (400,
404, 405, 413, 429, 500) are checked the same way. Permissions per role are in
``tests/accounts/test_access.py``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import Enum
from html.parser import HTMLParser
from typing import Any

import pytest
from flask import Flask, request
from flask.testing import FlaskClient
from werkzeug.routing import Rule
from werkzeug.test import TestResponse

from consult import create_app, rate_limits
from consult.accounts.permissions import Role
from tests.accounts.test_access import PARAMS
from tests.factories import Factory
from tests.helpers import Page, login
from tests.reports.sample import store_report
from tests.respond.test_invited import invite

ORIGIN = "https://consult.example"
SLUG = "npm-2027"


class Kind(Enum):
    """What a route is, and so what it must do."""

    #: Public pages to read (home, consultation, report, observatory, privacy, paper PDF).
    PUBLIC = "public"
    #: Public pages where someone answers: open, invited and sealed channels, kiosk.
    RESPONDENT = "respondent"
    #: Sign-in and the single-use links that lead to it; public, under ``/admin/``.
    SIGN_IN = "sign-in"
    #: A signed-in member's own account; no organisation in the path.
    ACCOUNT = "account"
    #: Organiser pages of one organisation: sign-in required, outsiders get 404.
    ORGANISER = "organiser"
    #: The read-only JSON API.
    API = "api"
    #: Files under ``/static/``.
    STATIC = "static"


#: Every endpoint outside ``/admin/<org>/`` (those are :attr:`Kind.ORGANISER` by their path).
KINDS: dict[str, Kind] = {
    "static": Kind.STATIC,
    "root.index": Kind.PUBLIC,
    "i18n.switch": Kind.PUBLIC,
    "respond.home": Kind.PUBLIC,
    "respond.consultation": Kind.PUBLIC,
    "privacy.instance": Kind.PUBLIC,
    "privacy.consultation": Kind.PUBLIC,
    "paper.questionnaire": Kind.PUBLIC,
    "reports.page": Kind.PUBLIC,
    "reports.pdf": Kind.PUBLIC,
    "open_data.report_csv": Kind.PUBLIC,
    "open_data.report_json": Kind.PUBLIC,
    "open_data.report_xlsx": Kind.PUBLIC,
    "observatory.index": Kind.PUBLIC,
    "respond.respond": Kind.RESPONDENT,
    "respond.thanks": Kind.RESPONDENT,
    "invited.respond": Kind.RESPONDENT,
    "invited.thanks": Kind.RESPONDENT,
    "sealed.channel": Kind.RESPONDENT,
    "sealed.thanks": Kind.RESPONDENT,
    "kiosk.start": Kind.RESPONDENT,
    "kiosk.lock": Kind.RESPONDENT,
    "kiosk.thanks": Kind.RESPONDENT,
    # A questionnaire as respondents will see it, for members of its organisation only.
    "respond.preview": Kind.ORGANISER,
    "accounts.login": Kind.SIGN_IN,
    "accounts.login_code": Kind.SIGN_IN,
    "accounts.logout": Kind.SIGN_IN,
    "accounts.forgot_password": Kind.SIGN_IN,
    "accounts.reset_password": Kind.SIGN_IN,
    "accounts.join": Kind.SIGN_IN,
    "accounts.index": Kind.ACCOUNT,
    "accounts.account": Kind.ACCOUNT,
    "accounts.change_password": Kind.ACCOUNT,
    "accounts.two_factor.overview": Kind.ACCOUNT,
    "accounts.two_factor.confirm": Kind.ACCOUNT,
    "accounts.two_factor.disable": Kind.ACCOUNT,
    "accounts.two_factor.recovery_codes": Kind.ACCOUNT,
    "accounts.two_factor.start": Kind.ACCOUNT,
    "api.consultation_list": Kind.API,
    "api.consultation": Kind.API,
    "api.report": Kind.API,
    "api.observatory_rows": Kind.API,
    "api.openapi_document": Kind.API,
}
#: Kinds that only signed-in members may reach.
SIGNED_IN = {Kind.ACCOUNT, Kind.ORGANISER}
#: Kinds whose pages no browser or proxy may keep.
NO_STORE = {Kind.RESPONDENT, Kind.SIGN_IN, Kind.ACCOUNT, Kind.ORGANISER}
#: What a POST with an empty body and no CSRF token may get: refused, never served or 500.
REFUSED = {400, 403, 404, 405, 409, 410, 415}


def kind_of(rule: Rule) -> Kind | None:
    if rule.rule.startswith("/admin/<org>/"):
        return Kind.ORGANISER
    return KINDS.get(rule.endpoint)


@dataclass(frozen=True)
class Route:
    kind: Kind
    endpoint: str
    method: str
    url: str


def routes(app: Flask, values: dict[str, str]) -> list[Route]:
    """Every (rule, method) of the url_map with a URL built from ``values``."""
    found = []
    for rule in app.url_map.iter_rules():
        kind = kind_of(rule)
        assert kind is not None, f"{rule.rule} ({rule.endpoint}) is not classified in KINDS"
        url = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: values[m.group(1)], rule.rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            found.append(Route(kind, rule.endpoint, method, url))
    return found


@pytest.fixture
def world(app: Flask, make: Factory) -> dict[str, str]:
    """Organisation acme with an open consultation (every channel, a sealed key), an
    invitation and a published report; organisation other next door; URL values to match."""
    make.consultation("acme", SLUG, ("en", "fr"), opened=True)
    store_report(app, SLUG)
    _url, token = invite(app, SLUG)
    target = make.member("acme", [Role.TRUSTEE])
    make.member("other", [Role.OWNER])
    values = {**PARAMS, "org": "acme", "lang": "en", "token": token}
    values["member_id"] = str(target.membership_id)
    values["filename"] = "css/app.css"
    return values


def send(client: FlaskClient | Page, route: Route) -> TestResponse:
    """GET the route, or POST it an empty body without a CSRF token."""
    if isinstance(client, Page):
        client = client.client
    if route.method == "GET":
        return client.get(route.url)
    return client.post(route.url, data={})


def send_with_token(page: Page, route: Route) -> TestResponse:
    """GET the route, or POST it an empty form with a valid CSRF token, so that the check
    that answers is the route's own, not the CSRF protection."""
    return page.get(route.url) if route.method == "GET" else page.post(route.url, {})


# What every response must carry ----------------------------------------------------------


def csp_directives(header: str) -> dict[str, list[str]]:
    parts = (part.split() for part in header.split(";") if part.strip())
    return {words[0]: words[1:] for words in parts}


class _InlineFinder(HTMLParser):
    """Inline script (and inline style, which the policy also blocks) in an HTML page."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = dict(attrs)
        if tag == "script" and not names.get("src"):
            self.found.append("<script> without src")
        if tag == "style":
            self.found.append("<style>")
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"{tag} {name}=")
            if name == "style":
                self.found.append(f"{tag} style=")
            if value and value.strip().lower().startswith("javascript:"):
                self.found.append(f"{tag} {name}=javascript:")


def inline_code(html: str) -> list[str]:
    finder = _InlineFinder()
    finder.feed(html)
    return finder.found


def assert_protected(response: TestResponse, what: object, *, no_store: bool) -> None:
    """The headers of ``consult/security.py``, and no inline code on an HTML page."""
    headers = response.headers
    csp = csp_directives(headers.get("Content-Security-Policy", ""))
    assert csp.get("frame-ancestors") == ["'none'"], (what, csp)
    script = csp.get("script-src", csp.get("default-src"))
    assert script == ["'self'"], (what, csp)  # no 'unsafe-inline', no 'unsafe-eval', no host
    assert csp.get("object-src") == ["'none'"] and csp.get("base-uri") == ["'none'"], what
    assert headers.get("X-Content-Type-Options") == "nosniff", what
    assert headers.get("Referrer-Policy") == "same-origin", what
    if no_store:
        assert "no-store" in headers.get("Cache-Control", ""), (what, headers.get("Cache-Control"))
    if response.mimetype == "text/html":
        assert inline_code(response.get_data(as_text=True)) == [], what


def check(route: Route, response: TestResponse) -> None:
    """Never a 500; the headers everywhere; an empty POST is refused."""
    what = (route.method, route.url, response.status_code)
    assert response.status_code < 500, what
    no_store = route.kind in NO_STORE and response.status_code != 405
    assert_protected(response, what, no_store=no_store)


# The classification -------------------------------------------------------------------------


def test_every_route_is_classified(app: Flask) -> None:
    rules = list(app.url_map.iter_rules())
    unclassified = [rule.rule for rule in rules if kind_of(rule) is None]
    assert unclassified == [], "classify these routes in KINDS: " + ", ".join(unclassified)
    # And nothing is classified that no longer exists (so KINDS does not rot).
    assert set(KINDS) <= {rule.endpoint for rule in rules}


def test_public_paths_are_the_ones_of_the_design(app: Flask) -> None:
    """Only ``/``, ``/<lang>/…``, ``/language``, ``/api/v1/…``, ``/static/…`` and sign-in are
    public; everything else under ``/admin/`` needs a member."""
    for rule in app.url_map.iter_rules():
        kind = kind_of(rule)
        if kind in SIGNED_IN:
            assert rule.rule.startswith("/admin/") or rule.endpoint == "respond.preview"
        elif rule.rule.startswith("/admin/"):
            assert kind is Kind.SIGN_IN, rule.rule
        elif kind is Kind.API:
            assert rule.rule.startswith("/api/v1/")


# Who may reach what -------------------------------------------------------------------------


def test_anonymous_visitors_are_kept_out_of_every_member_route(
    app: Flask, page: Page, world: dict[str, str]
) -> None:
    for route in routes(app, world):
        if route.kind not in SIGNED_IN:
            continue
        response = send_with_token(page, route)
        what = (route.method, route.url)
        assert response.status_code == 302, what
        assert response.headers["Location"].startswith("/admin/login?next="), what
        check(route, response)


def test_members_of_another_organisation_get_404(
    app: Flask, page: Page, make: Factory, world: dict[str, str]
) -> None:
    outsider = make.member("other", list(Role))
    login(page, outsider.email)
    for route in routes(app, world):
        if route.kind is not Kind.ORGANISER:
            continue
        response = send_with_token(page, route)
        assert response.status_code == 404, (route.method, route.url)
        check(route, response)


# Every response -----------------------------------------------------------------------------


def walk(app: Flask, client: FlaskClient | Page, values: dict[str, str]) -> Iterator[Route]:
    """Send every route its request and check the response; the routes sent."""
    for route in routes(app, values):
        response = send(client, route)
        check(route, response)
        if route.method == "POST":
            assert response.status_code in REFUSED or is_sign_in(response), (
                route.method,
                route.url,
                response.status_code,
            )
        yield route


def is_sign_in(response: TestResponse) -> bool:
    return response.status_code in (302, 303) and response.headers["Location"].startswith(
        "/admin/login"
    )


def test_every_route_answers_anonymous_visitors_with_the_headers(
    app: Flask, client: FlaskClient, world: dict[str, str]
) -> None:
    walked = list(walk(app, client, world))
    assert {route.kind for route in walked} == set(Kind)


def test_every_route_answers_a_member_with_every_role_with_the_headers(
    app: Flask, page: Page, make: Factory, world: dict[str, str]
) -> None:
    insider = make.member("acme", list(Role))
    login(page, insider.email)
    walked = list(walk(app, page, world))
    assert len(walked) > 100


def test_empty_posts_with_a_valid_token_never_fail(
    app: Flask, page: Page, make: Factory, world: dict[str, str]
) -> None:
    """Past the CSRF check, every form refuses an empty body with a page, never a 500."""
    insider = make.member("acme", list(Role))
    login(page, insider.email)
    for route in routes(app, world):
        if route.method != "POST" or route.endpoint == "accounts.logout":
            continue
        response = page.post(route.url, {})
        check(route, response)
        if is_sign_in(response):  # a form that ends the session (two-factor changes)
            login(page, insider.email)


@pytest.fixture
def crashing(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Callable[[str], None]:
    """Make one endpoint's view raise, as a bug would."""

    def crash(endpoint: str) -> None:
        def boom(**_values: Any) -> str:
            raise RuntimeError(f"bug in {request.path}")

        monkeypatch.setitem(app.view_functions, endpoint, boom)

    return crash


def test_error_pages_carry_the_headers(
    app: Flask,
    client: FlaskClient,
    world: dict[str, str],
    crashing: Callable[[str], None],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url = f"/en/c/{SLUG}/sealed"
    errors = {
        404: client.get("/en/c/no-such-consultation/sealed"),
        405: client.get("/en/kiosk/lock"),
        413: client.post(url, data={"q-why": "x" * (5 * 1024 * 1024)}),
        400: client.post("/admin/login", data={"email": "a@b.example"}),  # no CSRF token
    }
    for status, response in errors.items():
        assert response.status_code == status
        assert_protected(response, status, no_store=status != 405)
    for endpoint, path, no_store in [
        ("sealed.channel", url, True),
        ("respond.home", "/en/", False),
        ("accounts.login", "/admin/login", True),
        ("api.consultation_list", "/api/v1/consultations", False),
    ]:
        crashing(endpoint)
        response = client.get(path)
        assert response.status_code == 500, path
        assert_protected(response, path, no_store=no_store)
        body = response.get_data(as_text=True)
        assert "bug in" not in body and "Traceback" not in body
        expected = "application/json" if path.startswith("/api/") else "text/html"
        assert response.mimetype == expected
    # Refusals by the abuse limits (last: the crashes above are API requests too): the open
    # channel's page and the API's JSON.
    monkeypatch.setattr(rate_limits, "RESPONDENT_FLOOD", "1 per minute")
    monkeypatch.setattr(rate_limits, "API_LIMIT", "1 per minute")
    for path, no_store in [(f"/en/c/{SLUG}/respond", True), ("/api/v1/consultations", False)]:
        send = client.post if no_store else client.get
        first, refused = send(path), send(path)
        assert first.status_code != 429 and refused.status_code == 429, path
        assert_protected(refused, path, no_store=no_store)


def test_hsts_in_production_only(
    app: Flask, world: dict[str, str], settings_for: Callable[..., dict[str, Any]]
) -> None:
    production = create_app(settings_for(env="production", base_url=ORIGIN))
    secure = production.test_client()
    for path, no_store in [
        ("/en/", False),
        (f"/en/c/{SLUG}/sealed", True),
        ("/admin/login", True),
        ("/api/v1/consultations", False),
        ("/no-such-page", False),
    ]:
        response = secure.get(path, base_url=ORIGIN)
        hsts = response.headers.get("Strict-Transport-Security", "")
        assert re.fullmatch(r"max-age=(\d+); includeSubDomains", hsts), path
        assert int(hsts.split("=")[1].split(";")[0]) >= 365 * 24 * 3600
        assert_protected(response, path, no_store=no_store)
    development = app.test_client()
    for path in ("/en/", "/admin/login", "/x"):
        assert "Strict-Transport-Security" not in development.get(path).headers


def test_public_read_pages_may_be_cached_but_respondent_pages_may_not(
    client: FlaskClient, world: dict[str, str]
) -> None:
    """``no-store`` where answers are; reports and the API keep their own cache policy."""
    assert "no-store" not in client.get(f"/en/c/{SLUG}/report.json").headers["Cache-Control"]
    for path in (f"/en/c/{SLUG}/respond", f"/en/c/{SLUG}/sealed", "/en/kiosk"):
        assert client.get(path).headers["Cache-Control"] == "no-store", path
