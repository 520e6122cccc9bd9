"""Answers sent at the same moment are all stored: no "database is locked" under load.

On SQLite the answering pages read and check in a deferred transaction and take the write
lock only to store (``consult.db.read_first``), so these tests also show that the storing
transaction, begun afresh, still finds what it needs."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from flask import Flask
from sqlalchemy import func, select

from consult.extensions import db
from consult.respond.models import Response
from consult.sealed.models import Envelope
from tests.factories import Factory
from tests.helpers import Page
from tests.respond.test_open_channel import FULL, URL, hidden
from tests.sealed.test_channel import ANSWERS, send

CLIENTS = 6
EACH = 5


def _answer_repeatedly(app: Flask) -> list[int]:
    """One respondent's browser: open the form, send it, again and again."""
    page = Page(app.test_client())
    url = URL.format(lang="en")
    statuses = []
    for _ in range(EACH):
        html = page.get(url).get_data(as_text=True)
        data = {**FULL, "submission_key": hidden(html, "submission_key"), "mode": "page"}
        statuses.append(page.post(url, data, form_page=url).status_code)
    return statuses


def test_simultaneous_answers_are_all_stored(app: Flask, make: Factory) -> None:
    make.consultation("acme", "npm-2027", ("en",), opened=True)
    with ThreadPoolExecutor(CLIENTS) as pool:
        statuses = [s for run in pool.map(_answer_repeatedly, [app] * CLIENTS) for s in run]
    assert statuses == [303] * CLIENTS * EACH
    with app.app_context():
        stored = db.session.scalar(select(func.count()).select_from(Response))
    assert stored == CLIENTS * EACH


def _seal_repeatedly(app: Flask) -> list[int]:
    """One person after another at the same device: first page, answers, send."""
    return [send(Page(app.test_client()), ANSWERS).status_code for _ in range(EACH)]


def test_simultaneous_sealed_answers_are_all_stored(app: Flask, make: Factory) -> None:
    make.consultation("acme", "npm-2027", ("en", "fr"), opened=True)
    with ThreadPoolExecutor(CLIENTS) as pool:
        statuses = [s for run in pool.map(_seal_repeatedly, [app] * CLIENTS) for s in run]
    assert statuses == [303] * CLIENTS * EACH
    with app.app_context():
        stored = db.session.scalar(select(func.count()).select_from(Envelope))
    assert stored == CLIENTS * EACH
