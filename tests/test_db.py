"""Database durability (issue 9): SQLite set up on every pooled connection, write transactions
that take the write lock at BEGIN, and answers acknowledged only once COMMIT has returned.

The PostgreSQL side of the same promise (idempotent inserts with ``ON CONFLICT``) is shown by
``tests/respond/test_store.py``; under real gunicorn workers killed mid-load, by
``tests/reliability/test_submissions.py``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event, func, select, text
from sqlalchemy.exc import OperationalError

from consult.extensions import db
from consult.respond.models import Response
from consult.sealed.models import Envelope
from tests.factories import Factory
from tests.helpers import Page
from tests.respond.test_open_channel import FULL, carried_form, hidden
from tests.sealed.test_channel import ANSWERS, begin

SLUG = "npm-2027"
OPEN = f"/en/c/{SLUG}/respond"
SEALED = f"/en/c/{SLUG}/sealed"
#: What every SQLite connection must say (``synchronous`` 2 is FULL).
PRAGMAS = {
    "journal_mode": "wal",
    "synchronous": 2,
    "foreign_keys": 1,
    "secure_delete": 1,
    "busy_timeout": 10000,
}


@pytest.fixture
def sqlite_only(app: Flask) -> str:
    """The path of the test database, on the SQLite backend only."""
    with app.app_context():
        url = db.engine.url
    if url.get_backend_name() != "sqlite":
        pytest.skip("SQLite's settings")
    assert url.database
    return url.database


def test_every_pooled_connection_is_set_up_for_durability(app: Flask, sqlite_only: str) -> None:
    """Pragmas are per connection: each of several connections open at once has them all."""
    with app.app_context():
        # Raw connections from the pool: no transaction, so four can be out together.
        connections = [db.engine.raw_connection() for _ in range(4)]
    try:
        assert len({id(c.dbapi_connection) for c in connections}) == 4  # four, not one reused
        for connection in connections:
            cursor = connection.cursor()
            found = {name: cursor.execute(f"PRAGMA {name}").fetchone()[0] for name in PRAGMAS}
            cursor.close()
            assert found == PRAGMAS
    finally:
        for connection in connections:
            connection.close()


def locked_for_writers(path: str) -> bool:
    """Whether another process's writer would have to wait for the database right now."""
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as error:
        assert "locked" in str(error)
        return True
    finally:
        other.close()
    return False


@pytest.mark.parametrize(("method", "takes_the_lock"), [("POST", True), ("GET", False)])
def test_a_writing_request_holds_the_write_lock_from_its_first_read(
    app: Flask, sqlite_only: str, method: str, takes_the_lock: bool
) -> None:
    """``BEGIN IMMEDIATE`` for requests that write, so two writers queue (busy timeout) rather
    than one failing with "database is locked" when it writes after reading; plain ``BEGIN``
    for requests that only read, so readers never wait."""
    with app.test_request_context("/", method=method):
        db.session.execute(select(func.count()).select_from(Response)).scalar()
        assert locked_for_writers(sqlite_only) is takes_the_lock
        db.session.rollback()
    assert not locked_for_writers(sqlite_only)
    with app.app_context():  # commands and jobs: always as writers
        db.session.execute(text("SELECT 1"))
        assert locked_for_writers(sqlite_only)
        db.session.rollback()


@contextmanager
def failing_commits(app: Flask) -> Iterator[list[str]]:
    """Every COMMIT fails (a full disk, a lost connection); the requests that tried."""
    tried: list[str] = []

    def refuse(_connection: Any) -> None:
        tried.append("commit")
        raise OperationalError("COMMIT", {}, Exception("disk I/O error"))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "commit", refuse)
    try:
        yield tried
    finally:
        event.remove(engine, "commit", refuse)


def stored(app: Flask) -> tuple[int, int]:
    with app.app_context():
        return (
            db.session.scalar(select(func.count()).select_from(Response)) or 0,
            db.session.scalar(select(func.count()).select_from(Envelope)) or 0,
        )


def test_an_answer_is_acknowledged_only_after_its_commit(app: Flask, make: Factory) -> None:
    """The thanks page (303) comes only once COMMIT has returned; when it fails, the person
    is told so (500, without details) and nothing is stored, on the open and sealed channels."""
    make.consultation("acme", SLUG, ("en", "fr"), opened=True)
    respondent, person = Page(app.test_client()), Page(app.test_client())
    key = hidden(respondent.get(OPEN).get_data(as_text=True), "submission_key")
    answer = {**FULL, "submission_key": key, "mode": "page"}
    envelope = {**carried_form(begin(person).get_data(as_text=True)), **ANSWERS, "nav": "send"}
    with failing_commits(app) as tried:
        refused = [
            respondent.post(OPEN, answer, form_page=OPEN),
            person.post(SEALED, envelope, csrf=False),
        ]
    assert len(tried) >= 2
    assert [r.status_code for r in refused] == [500, 500]
    assert not any("Location" in r.headers for r in refused)
    assert stored(app) == (0, 0)
    # The same forms sent again once the database is back: stored, then acknowledged.
    assert respondent.post(OPEN, answer, form_page=OPEN).status_code == 303
    assert person.post(SEALED, envelope, csrf=False).status_code == 303
    assert stored(app) == (1, 1)
