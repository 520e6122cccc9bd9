"""The demo consultation from open to published, each step by the member whose role it is."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import BrowserContext, Page

from tests.browser.conftest import OPEN, ORG, LiveServer, sign_in

ADMIN = f"/admin/{ORG}/consultations/{OPEN}"
REPORT_DESK = f"/admin/{ORG}/c/{OPEN}/report"


def submit(page: Page, form: str) -> None:
    """Press the submit button of the form matching ``form`` and wait for the next page."""
    with page.expect_navigation():
        page.locator(f"{form} [type=submit]").first.click()
    assert page.locator(".error-summary").count() == 0, page.locator(".error-summary").inner_text()


def test_close_unseal_prepare_publish_and_read_the_report(
    own_server: LiveServer, new_context: Callable[..., BrowserContext]
) -> None:
    live = own_server
    for email in ("owner@demo.example", "trustee1@demo.example", "analyst@demo.example"):
        live.set_locale(email, "en")
    live.set_locale("publisher@demo.example", "en")

    owner = sign_in(new_context(live), "owner@demo.example")
    owner.goto(f"{ADMIN}/")
    submit(owner, "form[action$='/close']")
    assert "closed" in owner.locator("main").inner_text().lower()

    trustee = sign_in(new_context(live), "trustee1@demo.example")
    trustee.goto(f"{ADMIN}/unseal")
    shares = trustee.locator("main form textarea")
    assert shares.count() == 2
    for index, share in enumerate(live.demo.shares[:2]):
        shares.nth(index).fill(share)
    submit(trustee, "main form")
    assert "opened" in trustee.locator("main").inner_text().lower()

    analyst = sign_in(new_context(live), "analyst@demo.example")
    analyst.goto(f"{REPORT_DESK}/prepare")
    submit(analyst, "main form")

    publisher = sign_in(new_context(live), "publisher@demo.example")
    publisher.goto(f"{REPORT_DESK}/")
    publish = publisher.locator("form[action$='/publish']")
    publish.locator("input[type=checkbox]").check()
    submit(publisher, "form[action$='/publish']")

    reader = new_context(live).new_page()
    reader.goto(f"/en/c/{OPEN}/report")
    link = reader.locator(f"a[href$='/c/{OPEN}/report.pdf']").first
    href = link.get_attribute("href")
    assert href
    pdf = reader.context.request.get(href)
    assert pdf.status == 200
    assert pdf.headers["content-type"].startswith("application/pdf")
    assert pdf.body().startswith(b"%PDF")
