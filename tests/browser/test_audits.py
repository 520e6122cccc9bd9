"""axe-core on every public and organiser page in English and Arabic; the Nu HTML Checker on
every public page.

The pages come from the app's URL map (:mod:`tests.browser.pages`), each visited by the first
of the visitors below that may see it: nobody, then each demo role, then a kiosk. No violation
and no HTML error is accepted, on any page.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest
from playwright.sync_api import BrowserContext, Page

from tests.browser import pages
from tests.browser.audit import axe_violations, describe, html_errors
from tests.browser.conftest import LiveServer, sign_in, unlock_kiosk

#: The demo accounts that, between them, may see every organiser page.
VISITORS = (
    "owner@demo.example",
    "trustee1@demo.example",
    "facilitator@demo.example",
    "analyst@demo.example",
    "publisher@demo.example",
)


@dataclass
class Visitor:
    name: str
    context: BrowserContext
    page: Page

    def status(self, url: str) -> tuple[int, str]:
        response = self.context.request.get(url, max_redirects=0)
        return response.status, response.headers.get("content-type", "")


@dataclass
class Found:
    """Pages visited and what the audits said of them."""

    pages: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    unreached: list[str] = field(default_factory=list)


@pytest.fixture
def visitors(
    live_server: LiveServer,
    new_context: Callable[..., BrowserContext],
    lang: str,
    node_tools: None,
) -> Iterator[list[Visitor]]:
    for email in VISITORS:
        live_server.set_locale(email, lang)
    anonymous = new_context(live_server, locale=lang)  # sign-in pages follow Accept-Language
    crowd = [Visitor("nobody", anonymous, anonymous.new_page())]
    for email in VISITORS:
        context = new_context(live_server)
        crowd.append(Visitor(email, context, sign_in(context, email)))
    kiosk = new_context(live_server)
    crowd.append(Visitor("kiosk", kiosk, unlock_kiosk(kiosk, live_server.demo.visit)))
    yield crowd


def visit_all(
    live: LiveServer, crowd: list[Visitor], lang: str, unreached: list[str], public: bool = False
) -> Iterator[tuple[str, Visitor]]:
    """Each page of the app in ``lang`` (only ``/<lang>/`` ones if ``public``), with the first
    visitor that may see it.

    Routes none of whose URLs gives a page to anyone are added to ``unreached``.
    """
    for route in pages.routes(live, lang):
        if public and not route.is_public:
            continue
        reached = False
        for url in route.urls:
            for visitor in crowd:
                status, kind = visitor.status(url)
                if status != 200:
                    continue
                reached = True
                if kind.startswith("text/html"):
                    yield url, visitor
                break
        if not reached:
            unreached.append(f"{route.endpoint} {route.rule}: tried {', '.join(route.urls)}")


def report(unreached: list[str], problems: list[str], audited: int, what: str) -> str:
    """The failure message of an audit."""
    lines = []
    if unreached:
        lines.append(
            "Routes that gave no page to audit (fill their parameters in "
            "tests/browser/pages.py, or say why in NOT_PAGES):"
        )
        lines += [f"  {line}" for line in unreached]
    if problems:
        lines.append(f"{len(problems)} of {audited} pages {what}:")
        lines += problems
    return "\n".join(lines)


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_every_page_passes_axe_wcag_22_aa(
    live_server: LiveServer, visitors: list[Visitor], lang: str
) -> None:
    problems: list[str] = []
    unreached: list[str] = []
    audited = 0
    for url, visitor in visit_all(live_server, visitors, lang, unreached):
        page = visitor.page
        page.goto(url)
        audited += 1
        if page.locator("html").get_attribute("lang") != lang:
            problems.append(f"{url}\n  the page does not say it is in {lang}")
        if violations := axe_violations(page):
            problems.append(f"{url}\n{describe(violations)}")
    assert audited > 40
    assert not problems and not unreached, report(unreached, problems, audited, "fail axe")


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_public_pages_are_valid_html(
    live_server: LiveServer, visitors: list[Visitor], lang: str
) -> None:
    unreached: list[str] = []
    sources = {
        url: visitor.context.request.get(url).text()
        for url, visitor in visit_all(live_server, visitors, lang, unreached, public=True)
    }
    assert len(sources) > 10
    errors = html_errors(sources)
    problems = [f"{url}\n  " + "\n  ".join(found) for url, found in errors.items() if found]
    assert not problems and not unreached, report(
        unreached, problems, len(sources), "are not valid HTML"
    )
