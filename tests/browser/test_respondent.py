"""Respondents in a real browser: step by step with the keyboard alone, a sealed answer, with
and without JavaScript, at 200 % zoom, and screenshots of their pages for reviewers."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, Page

from tests.browser.conftest import OPEN, PUBLISHED, SCREENSHOTS, LiveServer

LANGUAGES = ("en", "fr", "es", "ar", "ru", "zh", "pt")
#: What the focused element is, for the keyboard driver.
_FOCUSED = """() => {
  const e = document.activeElement;
  const style = getComputedStyle(e);
  return {
    tag: e.tagName.toLowerCase(), type: e.type || "", name: e.name || "", value: e.value || "",
    nav: e.getAttribute("name") === "nav" ? e.value
      : (e.type === "submit" && !e.name && e.closest("main form") ? "next" : ""),
    checked: !!e.checked, required: e.required || e.getAttribute("aria-required") === "true",
    inMain: !!e.closest("main"), skip: e.classList.contains("skip-link"),
    visible: (style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0)
      || style.boxShadow !== "none",
  };
}"""


def focused(page: Page) -> dict[str, object]:
    info: dict[str, object] = page.evaluate(_FOCUSED)
    return info


def answer_step_by_keyboard(page: Page, text: str) -> str:
    """Answer the step on screen with the keyboard alone and move on; returns the button used.

    From the top of the page: Tab to the skip link, Enter to jump to the content, then Tab
    through the step's controls, answering each as a person would (Space on the first choice
    of a group, the down arrow in a list, typing in a text box) until "Continue" or "Send".
    """
    page.keyboard.press("Tab")
    assert focused(page)["skip"], "the first Tab must reach the skip link, not " + page.evaluate(
        "document.activeElement.outerHTML.slice(0, 200)"
    )
    page.keyboard.press("Enter")
    answered: set[str] = set()
    lists = 0
    for _ in range(60):
        page.keyboard.press("Tab")
        now = focused(page)
        assert now["visible"], f"no visible focus on {now}"
        assert now["inMain"], f"focus left the content before the step's button: {now}"
        name = str(now["name"])
        if now["nav"] in {"next", "send"}:
            with page.expect_navigation():
                page.keyboard.press("Enter")
            return str(now["nav"])
        if name in answered or now["nav"]:
            continue
        answered.add(name)
        if now["type"] in {"radio", "checkbox"} and not now["checked"]:
            page.keyboard.press("Space")
        elif now["tag"] == "select" and not now["value"]:
            lists += 1  # a different choice in each list: ranks must differ
            for _ in range(lists):
                page.keyboard.press("ArrowDown")
        elif now["tag"] == "textarea":
            page.keyboard.type(text)
    raise AssertionError("Tab never reached the step's Continue button")


def answer_all_steps(page: Page, text: str) -> None:
    for _ in range(40):
        errors = page.locator(".error-summary")
        assert not errors.count(), errors.first.inner_text()
        if answer_step_by_keyboard(page, text) == "send":
            return
    raise AssertionError("the questionnaire never reached its last step")


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_open_channel_step_by_step_with_the_keyboard(
    live_server: LiveServer, new_context: Callable[..., BrowserContext], javascript: bool
) -> None:
    page = new_context(live_server, java_script_enabled=javascript).new_page()
    page.goto(f"/en/c/{OPEN}/respond?mode=steps")
    answer_all_steps(page, "Keyboard only, in a real browser.")
    assert page.url.endswith(f"/en/c/{OPEN}/thanks"), page.url


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_a_sealed_answer(
    live_server: LiveServer, new_context: Callable[..., BrowserContext], javascript: bool
) -> None:
    page = new_context(live_server, java_script_enabled=javascript).new_page()
    page.goto(f"/ar/c/{OPEN}/sealed")
    assert page.locator("html").get_attribute("dir") == "rtl"
    answer_all_steps(page, "إجابة مختومة")
    assert page.url.endswith(f"/ar/c/{OPEN}/sealed/thanks"), page.url


def test_an_error_summary_links_to_its_field(
    live_server: LiveServer, new_context: Callable[..., BrowserContext]
) -> None:
    page = new_context(live_server).new_page()
    page.goto(f"/en/c/{OPEN}/respond")
    page.locator("main form [name=nav][value=send], main form [type=submit]").last.click()
    summary = page.locator(".error-summary")
    assert summary.count() == 1
    links = summary.locator("a[href^='#']")
    assert links.count() > 0
    for index in range(links.count()):
        target = (links.nth(index).get_attribute("href") or "#")[1:]
        assert page.locator(f"[id='{target}']").count() == 1, f"no field #{target}"
    links.first.focus()
    page.keyboard.press("Enter")
    target = (links.first.get_attribute("href") or "#")[1:]
    assert (
        page.evaluate(
            "(id) => document.activeElement.closest(`[id='${id}']`) !== null"
            " || document.activeElement.id === id",
            target,
        )
        or page.evaluate("location.hash") == f"#{target}"
    )


def test_every_control_has_a_label(
    live_server: LiveServer, new_context: Callable[..., BrowserContext]
) -> None:
    page = new_context(live_server).new_page()
    for url in (f"/en/c/{OPEN}/respond", f"/ar/c/{OPEN}/sealed?mode=page", "/admin/login"):
        page.goto(url)
        unlabelled = page.evaluate(
            """() => [...document.querySelectorAll('input, select, textarea')]
              .filter(e => e.type !== 'hidden' && e.type !== 'submit')
              .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label')
                           && !e.getAttribute('aria-labelledby'))
              .map(e => e.name)"""
        )
        assert not unlabelled, f"{url}: {unlabelled}"


RESPONDENT_PAGES = (
    f"/{{lang}}/c/{OPEN}/",
    f"/{{lang}}/c/{OPEN}/respond",
    f"/{{lang}}/c/{OPEN}/sealed",
    f"/{{lang}}/c/{PUBLISHED}/report",
)


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_respondent_pages_fit_at_200_percent_zoom(
    live_server: LiveServer, new_context: Callable[..., BrowserContext], lang: str
) -> None:
    """A 1280 px screen at 200 % zoom is 640 CSS pixels wide: nothing may scroll sideways."""
    page = new_context(live_server, viewport={"width": 640, "height": 800}).new_page()
    for pattern in RESPONDENT_PAGES:
        page.goto(pattern.format(lang=lang))
        width = page.evaluate(
            "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        assert width[0] <= width[1], f"{page.url} scrolls sideways at 200 %: {width}"


def test_screenshots_of_the_respondent_pages(
    live_server: LiveServer, new_context: Callable[..., BrowserContext]
) -> None:
    """For reviewers: tests/browser/screenshots/<lang>-<page>.png (ignored by git)."""
    SCREENSHOTS.mkdir(exist_ok=True)
    page = new_context(live_server).new_page()
    for lang in LANGUAGES:
        shots = {
            "consultation": f"/{lang}/c/{OPEN}/",
            "open": f"/{lang}/c/{OPEN}/respond?mode=steps",
            "sealed": f"/{lang}/c/{OPEN}/sealed",
            "report": f"/{lang}/c/{PUBLISHED}/report",
        }
        for name, url in shots.items():
            page.goto(url)
            page.screenshot(path=SCREENSHOTS / f"{lang}-{name}.png", full_page=name != "report")
        page.goto(f"/{lang}/c/{OPEN}/sealed")
        with page.expect_navigation():
            page.locator("main form [type=submit]").first.click()
        page.screenshot(path=SCREENSHOTS / f"{lang}-sealed-question.png", full_page=True)
    assert len(list(SCREENSHOTS.glob("*.png"))) >= 5 * len(LANGUAGES)
