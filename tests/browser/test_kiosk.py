"""The kiosk in a real browser: its warning before a page goes back to the start (WCAG 2.2.1).

Each kiosk page goes back to its start after a while without activity. Where scripts run,
``static/js/kiosk.js`` warns first, counts down and offers "I need more time"; without them a
``<meta http-equiv="refresh">`` in ``<noscript>`` does it as before. The times are shortened for
these tests (the live server runs in this process, so patching the kiosk's constants reaches it):
a page's time is :data:`SECONDS`, the last :data:`WARNING` of them with the warning.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, Frame, Page, Response

from consult.sealed import kiosk
from tests.browser.audit import axe_violations, describe
from tests.browser.conftest import LiveServer, unlock_kiosk

SECONDS = 12
WARNING = 8
#: What each language's warning says, and which way it reads.
WARNINGS = {
    "en": ("Do you need more time?", "I need more time", "ltr"),
    "ar": ("هل تحتاج إلى وقت أطول؟", "أحتاج إلى وقت أطول", "rtl"),
}
#: The element with the focus, as a selector-like description.
_FOCUS = """() => {
  const e = document.activeElement;
  return {
    tag: e.tagName.toLowerCase(), name: e.getAttribute("name") || "",
    inDialog: !!e.closest("dialog[open]"), text: e.textContent.trim(),
  };
}"""


@pytest.fixture
def short_times(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(kiosk, "IDLE_SECONDS", SECONDS)
    monkeypatch.setattr(kiosk, "WRITING_SECONDS", SECONDS)
    monkeypatch.setattr(kiosk, "WARNING_SECONDS", WARNING)


def first_question(
    live: LiveServer, new_context: Callable[..., BrowserContext], lang: str, **options: object
) -> Page:
    """A kiosk's page, on the first step after its start page, in ``lang``."""
    page = unlock_kiosk(new_context(live, **options), live.demo.visit)
    page.goto(f"/{lang}/kiosk")
    with page.expect_navigation():
        page.locator("main form:has(input[name=stage]) [type=submit]").click()
    assert page.locator("main input[name=step]").count() == 1, "not on a step"
    return page


def navigations(page: Page) -> list[str]:
    """The main frame's navigations from now on (filled as they happen)."""
    seen: list[str] = []

    def record(frame: Frame) -> None:
        if frame == page.main_frame:
            seen.append(frame.url)

    page.on("framenavigated", record)
    return seen


def countdown(page: Page) -> int:
    return int(page.get_by_role("alertdialog").get_by_role("timer").inner_text())


def assert_back_at_the_start(response: Response | None, lang: str) -> None:
    assert response is not None and response.request.method == "GET"
    assert response.url.endswith(f"/{lang}/kiosk"), response.url
    assert response.header_value("clear-site-data") == '"cache"'  # as the refresh always did


def test_the_warning_gives_more_time_from_the_keyboard_then_the_kiosk_starts_again(
    live_server: LiveServer, new_context: Callable[..., BrowserContext], short_times: None
) -> None:
    page = first_question(live_server, new_context, "en")
    moved = navigations(page)
    choice = page.locator("main form input[type=radio]").first
    choice.focus()
    page.keyboard.press("Space")  # an answer, by keyboard: the time starts again from here
    name = choice.get_attribute("name")
    dialog = page.get_by_role("alertdialog")
    dialog.wait_for(state="visible", timeout=SECONDS * 1000)
    shown = time.monotonic()  # the page would go back WARNING seconds from now
    assert 0 < countdown(page) <= WARNING
    focus = page.evaluate(_FOCUS)
    assert focus["inDialog"] and focus["tag"] == "button", focus
    assert focus["text"] == "I need more time"
    page.keyboard.press("Enter")
    dialog.wait_for(state="hidden")
    assert page.evaluate(_FOCUS)["name"] == name, "the focus must go back to the answer"

    time.sleep(max(0.0, shown + WARNING + 1.5 - time.monotonic()))  # past the first deadline
    assert moved == [], "the page went back although more time was asked for"
    assert choice.is_checked() and page.locator("main input[name=step]").count() == 1

    dialog.wait_for(state="visible", timeout=SECONDS * 1000)  # nobody answers it this time
    with page.expect_navigation(timeout=(WARNING + 5) * 1000) as went:
        pass
    assert_back_at_the_start(went.value, "en")
    assert page.locator("main input[name=step]").count() == 0
    assert page.locator("main input[name=stage][value=intro]").count() == 1
    assert page.locator("main input:checked").count() == 0, "an answer was left on the screen"


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_the_warning_is_translated_accessible_and_fits_at_200_percent(
    live_server: LiveServer,
    new_context: Callable[..., BrowserContext],
    short_times: None,
    node_tools: None,
    lang: str,
) -> None:
    """In the page's language and direction, named by its heading, passing axe while it shows;
    on a 640 px wide screen (1280 px at 200 % zoom) nothing scrolls sideways."""
    page = first_question(live_server, new_context, lang, viewport={"width": 640, "height": 800})
    heading, button, direction = WARNINGS[lang]
    dialog = page.get_by_role("alertdialog", name=heading)
    dialog.wait_for(state="visible", timeout=SECONDS * 1000)
    assert dialog.get_by_role("button", name=button).is_visible()
    assert dialog.evaluate("d => getComputedStyle(d).direction") == direction
    first = countdown(page)
    page.wait_for_timeout(1500)
    assert 0 <= countdown(page) < first <= WARNING, "the countdown must count down"
    violations = axe_violations(page)
    assert violations == [], describe(violations)
    box = dialog.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 640
    width = page.evaluate("[document.documentElement.scrollWidth, innerWidth]")
    assert width[0] <= width[1], f"scrolls sideways: {width}"


def test_without_javascript_the_page_goes_back_as_before_with_no_warning(
    live_server: LiveServer, new_context: Callable[..., BrowserContext], short_times: None
) -> None:
    page = first_question(live_server, new_context, "en", java_script_enabled=False)
    page.locator("main form input[type=radio]").first.check()
    with page.expect_navigation(timeout=(SECONDS + 5) * 1000) as went:
        pass
    assert_back_at_the_start(went.value, "en")
    assert page.get_by_role("alertdialog").count() == 0
    assert page.locator("main input:checked").count() == 0
