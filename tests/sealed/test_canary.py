"""A canary sent through the sealed channel is found nowhere but inside its envelope.

The test sends a unique string as the answers of a person deprived of liberty, then searches
everything the server could have left it in: the database (its file, ``-wal`` and ``-shm``,
and every row of every table read back as text), the instance folder, the logs at DEBUG level
for every logger, and the files of the temporary directory touched during the test, in UTF-8
and UTF-16. Finally it opens the envelope with the trustees' shares and finds the canary
there, which proves the search would have caught it.
"""

from __future__ import annotations

import logging
import os
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import make_url, select, text

from consult.extensions import db
from tests.factories import Factory
from tests.helpers import Page
from tests.respond.test_open_channel import carried_form
from tests.sealed.test_channel import ANSWERS, begin, open_all

#: Files larger than this are not read (nothing the app writes for one answer is that big).
READ_AT_MOST = 64 * 1024 * 1024


def forms_of(canary: str) -> list[bytes]:
    return [canary.encode(), canary.encode("utf-16-le"), canary.encode("utf-16-be")]


def holds(data: bytes, canary: str) -> bool:
    return any(form in data for form in forms_of(canary))


def files_under(root: Path, since: float | None = None) -> Iterator[Path]:
    """Regular files below ``root`` (modified after ``since``, when given), unreadable skipped."""
    for folder, _dirs, names in os.walk(root, onerror=lambda error: None):
        for name in names:
            path = Path(folder, name)
            try:
                info = path.lstat()
            except OSError:
                continue
            if not path.is_file() or path.is_symlink() or info.st_size > READ_AT_MOST:
                continue
            if since is None or info.st_mtime >= since:
                yield path


def found_in(paths: Iterator[Path], canary: str) -> list[Path]:
    hits = []
    for path in paths:
        try:
            data = path.read_bytes()
        except OSError:
            continue
        if holds(data, canary):
            hits.append(path)
    return hits


def checkpoint(app: Flask) -> None:
    """Fold SQLite's write-ahead log into the database file, outside any transaction."""
    with app.app_context():
        connection = db.engine.raw_connection()
        try:
            connection.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            connection.close()


def table_text(app: Flask) -> str:
    """Every row of every table, as text (what a dump of the database would show)."""
    with app.app_context():
        parts = []
        for table in db.metadata.sorted_tables:
            for row in db.session.execute(select(table)):
                parts.append(repr(tuple(row)))
        return "\n".join(parts)


def send_canary(app: Flask, make: Factory) -> str:
    """Send a unique canary as the answers of one person on the sealed channel."""
    make.consultation("acme", "npm-2027", ("en", "fr"), opened=True)
    canary = f"canary-{uuid.uuid4().hex}"
    page = Page(app.test_client())
    html = begin(page).get_data(as_text=True)
    answers = {
        **ANSWERS,
        "q-why": f"In cell 4 they {canary} every night",
        "q-more": canary[:50],
        "q-detail": canary[-20:],
    }
    response = page.post(
        "/en/c/npm-2027/sealed", {**carried_form(html), **answers, "nav": "send"}, csrf=False
    )
    assert response.status_code == 303, page.text
    page.get(response.headers["Location"])
    assert canary not in page.response.get_data(as_text=True)  # type: ignore[union-attr]
    return canary


def assert_inside_the_envelope(app: Flask, make: Factory, canary: str) -> None:
    """The search works: the canary is in the envelope, for the trustees."""
    [payload] = open_all(app, make)
    inside = {row[0]: row[5] for row in payload["answers"]}
    assert inside["why"] == f"In cell 4 they {canary} every night"


def log_everything(caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every logger at DEBUG, enabled, and heard by ``caplog`` (SQL parameters included)."""
    caplog.set_level(logging.DEBUG)
    for name in ["werkzeug", "sqlalchemy.engine", *logging.root.manager.loggerDict]:
        logger = logging.getLogger(name)
        caplog.set_level(logging.DEBUG, logger=name)
        monkeypatch.setattr(logger, "disabled", False)
        monkeypatch.setattr(logger, "propagate", True)


def test_a_sealed_canary_is_nowhere_but_in_its_envelope(
    app: Flask, make: Factory, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    log_everything(caplog, monkeypatch)
    started = time.time() - 1
    canary = send_canary(app, make)
    # Every row of every table, read back as text (on SQLite and PostgreSQL alike).
    assert canary not in table_text(app)
    with app.app_context():  # and the raw bytes of the ciphertexts
        raw = db.session.execute(text("SELECT ciphertext FROM envelope")).scalars().all()
    assert raw and not any(holds(bytes(value), canary) for value in raw)
    # The logs, at DEBUG level for every logger (SQL parameters included).
    logged = caplog.text + "".join(repr(r.__dict__) for r in caplog.records)
    assert canary not in logged
    heard = {record.name for record in caplog.records}
    assert {"sqlalchemy.engine.Engine"} <= heard, heard  # the search listened
    # The instance folder, and every file of the temporary directory touched meanwhile.
    assert found_in(files_under(Path(app.instance_path)), canary) == []
    assert found_in(files_under(Path(tempfile.gettempdir()), since=started), canary) == []
    assert_inside_the_envelope(app, make, canary)


def test_the_database_files_hold_no_sealed_canary(app: Flask, make: Factory) -> None:
    database = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if database.get_backend_name() != "sqlite":
        pytest.skip(
            "the database is a PostgreSQL server, not a file this test can read; every row "
            "of every table is checked as text by the test above"
        )
    canary = send_canary(app, make)
    path = Path(database.database or "")
    candidates = [Path(f"{path}{suffix}") for suffix in ("", "-wal", "-shm", "-journal")]
    present = [p for p in candidates if p.exists()]
    assert path in present
    assert found_in(iter(present), canary) == []
    checkpoint(app)  # and again once the write-ahead log is folded into the file
    assert found_in(iter(p for p in candidates if p.exists()), canary) == []
    assert_inside_the_envelope(app, make, canary)
