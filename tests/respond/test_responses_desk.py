"""Organisers see how many answered, by group; only analysts read what they said."""

from __future__ import annotations

from flask import Flask

from consult.accounts.permissions import Role
from tests.factories import Factory
from tests.helpers import Page, login
from tests.respond.test_open_channel import FULL, hidden

SUMMARY = "/admin/acme/consultations/npm-2027/responses/"


def answer(app: Flask, **changes: object) -> None:
    respondent = Page(app.test_client())
    url = "/en/c/npm-2027/respond"
    key = hidden(respondent.get(url).get_data(as_text=True), "submission_key")
    response = respondent.post(url, {**FULL, **changes, "submission_key": key}, form_page=url)
    assert response.status_code == 303, respondent.text


def test_counts_by_group_jurisdiction_and_channel(app: Flask, page: Page, make: Factory) -> None:
    make.consultation("acme", "npm-2027", ("en",), opened=True)
    answer(app)
    answer(app, **{"p-category": "parliament", "p-jurisdiction": "south"})
    answer(app, **{"p-category": "parliament"})
    login(page, make.member("acme", [Role.TRUSTEE]).email)
    page.get(SUMMARY)
    text = page.text
    assert "3 responses so far." in text
    assert "Parliament\n2" in text and "Civil society organisation\n1" in text
    assert "[en] North\n2" in text and "[en] South\n1" in text
    assert "Open to everyone\n3" in text
    assert "Read the responses" not in text
    assert page.get(SUMMARY + "list").status_code == 403


def test_analysts_read_the_answers(app: Flask, page: Page, make: Factory) -> None:
    make.consultation("acme", "npm-2027", ("en",), opened=True)
    answer(app, **{"q-why": "Independence matters most"})
    login(page, make.member("acme", [Role.ANALYST]).email)
    page.get(SUMMARY)
    assert "Read the responses" in page.text
    page.get(SUMMARY + "list")
    text = page.text
    assert "Civil society organisation" in text and "Friends of Prisoners" in text
    assert "Independence matters most" in text
    assert "1. [en] New body" in text
    assert "Functional independence of the mechanism: Essential" in text
