"""Real-browser tests: Debian's Chromium driven by Playwright against a live server.

One browser and one live server serve the whole session. The server runs the app in a thread
on a free port, on a SQLite file in a temporary folder, migrated, with the demo loaded
(``consult.demo.load``): an open consultation with a sealed channel and trustee shares, and a
published one with its report; then a draft, and a second revision of the published report,
prepared but not yet published. Tests that change the demo's state (close, unseal, publish)
get a server of their own on a copy of that database file, so the order of tests never
matters.

The browser is ``/usr/bin/chromium`` (``.ci/run`` installs Debian's package); Playwright never
downloads one. Without it the tests are skipped with a message, except where ``CI`` or
``CONSULT_REQUIRE_BROWSER`` is set: there a missing browser fails the run. axe-core and the Nu
HTML Checker come from the npm registry, pinned in ``package-lock.json`` and installed here by
``npm ci`` into ``node_modules/`` when missing.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, Page, Request, sync_playwright
from sqlalchemy import select
from werkzeug.serving import make_server

from consult import create_app
from consult.extensions import db

HERE = Path(__file__).parent
CHROMIUM = Path(os.environ.get("CONSULT_CHROMIUM", "/usr/bin/chromium"))
NODE_MODULES = HERE / "node_modules"
AXE = NODE_MODULES / "axe-core" / "axe.min.js"
VNU = NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar"
SCREENSHOTS = HERE / "screenshots"
SECRET = "browser-test-secret-key-that-is-long-enough"
#: The demo accounts' password (``consult.demo.PASSWORD``).
PASSWORD = "demo-password-not-secret"
OPEN = "demo-npm-options"
PUBLISHED = "demo-npm-first-round"
#: A consultation still in draft, with the demo's questionnaire and no key yet.
DRAFT = "demo-npm-draft"
ORG = "demo"


def _browser_required() -> bool:
    return bool(os.environ.get("CI") or os.environ.get("CONSULT_REQUIRE_BROWSER"))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip the browser tests, saying why, when this machine has no Chromium (never in CI)."""
    if CHROMIUM.exists() or _browser_required():
        return
    skip = pytest.mark.skip(
        reason=f"no Chromium at {CHROMIUM}: install Debian's package (`apt-get install "
        "chromium`, as .ci/run does) to run the browser tests"
    )
    for item in items:
        if HERE in Path(str(item.fspath)).parents:
            item.add_marker(skip)


# Tools from the npm registry --------------------------------------------------------------


@pytest.fixture(scope="session")
def node_tools() -> None:
    """axe-core and vnu.jar, installed from the lock file by ``npm ci`` when missing."""
    if AXE.exists() and VNU.exists():
        return
    npm = shutil.which("npm")
    assert npm, "npm is needed to install axe-core and vnu-jar (tests/browser/package.json)"
    # --ignore-scripts: vnu-jar's install script would download a Java; the machine's is used.
    subprocess.run([npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund"], cwd=HERE, check=True)


# The live server ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Demo:
    """What the tests know of the loaded demo, beyond its slugs and accounts."""

    #: Shares of the open consultation's opening key (2 of 3 open it), in trustee order.
    shares: tuple[str, ...]
    #: The token of a pending stakeholder invitation to the open consultation.
    invitation: str
    #: The token of a pending invitation to join the demo organisation.
    join: str
    #: The token of a password reset for the analyst.
    reset: str
    #: A kiosk visit session of the open consultation, held by the facilitator.
    visit: int
    #: A paper visit session of the open consultation, held by the facilitator, whose forms
    #: are keyed in as assisted envelopes.
    paper_visit: int


@dataclass
class LiveServer:
    app: Flask
    url: str
    demo: Demo

    def read(self, query: Callable[[], Any]) -> Any:
        """The result of ``query()`` in an application context of the served app."""
        with self.app.app_context():
            return query()

    def set_locale(self, email: str, locale: str) -> None:
        """Give a member the UI language the organiser area speaks to them."""
        from consult.accounts.models import User

        with self.app.app_context():
            user = db.session.scalar(select(User).where(User.email == email))
            assert user is not None
            user.locale = locale
            db.session.commit()


def _app(database: Path, instance: Path) -> Flask:
    return create_app(
        {
            "env": "development",
            "secret_key": SECRET,
            "database_url": f"sqlite:///{database}",
            "instance_path": instance,
        }
    )


@pytest.fixture(scope="session")
def demo_database(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Demo]:
    """A SQLite file, migrated, with the demo loaded: each live server serves a copy.

    Besides the demo it holds what some pages need: a stakeholder's invitation link, a member's
    invitation, a password reset, a facilitator's kiosk and paper visits, a draft consultation
    (for the builder's "new" pages and the offline ceremony's upload) and a second revision of
    the published report awaiting publication (for the report desk's texts).
    """
    from flask_migrate import upgrade

    database = tmp_path_factory.mktemp("demo-db") / "consult.sqlite"
    app = _app(database, tmp_path_factory.mktemp("instance"))
    with app.app_context():
        upgrade()
        demo = _load_demo()
        db.session.commit()
        db.engine.dispose()
    return database, demo


def _load_demo() -> Demo:
    from datetime import datetime, time, timedelta
    from zoneinfo import ZoneInfo

    from consult import demo, demo_published
    from consult.accounts import services as accounts
    from consult.accounts.models import User
    from consult.accounts.permissions import Role
    from consult.db import utcnow
    from consult.opcat.vocabulary import PLACES
    from consult.reports import services as reports
    from consult.respond import invitations
    from consult.sealed import visits
    from consult.sealed.visit_models import VisitMode

    loaded = demo.load()
    users = {user.email: user for user in db.session.scalars(select(User))}
    owner = users["owner@demo.example"]
    _, join = accounts.invite_member(loaded.organisation, "new@demo.example", [Role.ANALYST], owner)
    place = next(iter(PLACES.keys()))
    facilitator = users["facilitator@demo.example"]
    visit = visits.open_session(
        loaded.consultation, facilitator, visits.VisitPlan(place, None, VisitMode.KIOSK, 8)
    )
    paper = visits.open_session(
        loaded.consultation, facilitator, visits.VisitPlan(place, None, VisitMode.PAPER, 8)
    )
    opens = datetime.combine(utcnow().date() + timedelta(days=30), time(9), ZoneInfo(demo.TIMEZONE))
    demo.create(
        loaded.organisation,
        [users[email] for email, *_ in demo.MEMBERS],
        DRAFT,
        (DRAFT_TITLE, DRAFT_TITLE, {}),
        opens,
        None,
    )
    reports.prepare(
        loaded.published,
        users["analyst@demo.example"],
        reports.k_floor(),
        dict(demo_published.NARRATIVE),
        dict(demo_published.LIMITATIONS),
    )
    return Demo(
        shares=tuple(share for _, share in loaded.shares),
        invitation=invitations.issue_link(invitations.pending(loaded.consultation)[0], owner),
        join=join,
        reset=accounts.issue_reset_link(users["analyst@demo.example"]),
        visit=visit.id,
        paper_visit=paper.id,
    )


#: The draft's title, also its summary (in the demo's languages).
DRAFT_TITLE = {
    "en": "Demo: a second consultation, still a draft (fictional)",
    "fr": "Démo : une deuxième consultation, encore en brouillon (fictif)",
    "es": "Demostración: una segunda consulta, todavía en borrador (ficticia)",
    "ar": "عرض تجريبي: استشارة ثانية لا تزال مسودة (افتراضي)",
}


@contextmanager
def _serving(database: Path, demo: Demo, folder: Path) -> Iterator[LiveServer]:
    """The app on a copy of ``database``, served from a thread on a free port."""
    shutil.copy(database, folder / "consult.sqlite")
    app = _app(folder / "consult.sqlite", folder)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request otherwise
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield LiveServer(app, f"http://127.0.0.1:{server.server_port}", demo)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        with app.app_context():
            db.engine.dispose()


@pytest.fixture(scope="session")
def live_server(
    demo_database: tuple[Path, Demo], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """The demo, served for the whole session; tests must leave its state as they found it."""
    with _serving(*demo_database, tmp_path_factory.mktemp("live")) as live:
        yield live


@pytest.fixture
def own_server(
    demo_database: tuple[Path, Demo], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """A server of its own, on a fresh copy of the demo, for a test that changes its state."""
    with _serving(*demo_database, tmp_path_factory.mktemp("own")) as live:
        yield live


# The browser -------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"no Chromium at {CHROMIUM}; CI must install Debian's `chromium` (.ci/run)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM))
        yield browser
        browser.close()


class Requests:
    """Every request the pages of a browser context make, to find third-party ones."""

    def __init__(self, origin: str) -> None:
        self.origin = origin
        self.urls: list[str] = []

    def record(self, request: Request) -> None:
        self.urls.append(request.url)

    def third_party(self) -> list[str]:
        local = ("data:", "blob:", "about:")
        return [u for u in self.urls if not u.startswith((self.origin + "/", *local))]


@pytest.fixture
def new_context(browser: Browser) -> Iterator[Callable[..., BrowserContext]]:
    """Open browser contexts on a live server; each must request nothing from elsewhere.

    ``new_context(live, **options)`` takes Playwright's context options (``locale``,
    ``java_script_enabled``, ``viewport`` …); ``bypass_csp`` is on so that axe-core can be
    injected into pages whose Content-Security-Policy rightly refuses it.
    """
    opened: list[tuple[BrowserContext, Requests]] = []

    def new(live: LiveServer, **options: Any) -> BrowserContext:
        options.setdefault("bypass_csp", True)
        options.setdefault("base_url", live.url)
        context = browser.new_context(**options)
        context.set_default_timeout(15_000)
        requests = Requests(live.url)
        context.on("request", requests.record)
        opened.append((context, requests))
        return context

    yield new
    strays = [url for context, requests in opened for url in requests.third_party()]
    for context, _ in opened:
        context.close()
    assert not strays, f"requests outside the live server: {strays}"


def sign_in(context: BrowserContext, email: str) -> Page:
    """A page of ``context`` signed in as the demo member ``email``, by the sign-in form."""
    page = context.new_page()
    page.goto("/admin/login")
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form:has(input[name=password]) [type=submit]").click()
    page.wait_for_load_state()
    assert "/admin/login" not in page.url, f"{email} could not sign in"
    return page


def unlock_kiosk(context: BrowserContext, visit: int) -> Page:
    """Turn ``context`` into a kiosk, as a facilitator does from their visit's page."""
    page = sign_in(context, "facilitator@demo.example")
    page.goto(f"/admin/{ORG}/consultations/{OPEN}/visits/{visit}")
    page.locator(f"form[action$='/visits/{visit}/kiosk'] [type=submit]").click()
    page.wait_for_url("**/kiosk")
    return page
