"""The audit log's hash chain: ``audit-verify`` finds edited, inserted and deleted rows."""

from __future__ import annotations

import itertools
import threading

import pytest
from flask import Flask
from sqlalchemy import select, text

from consult.audit import services as audit
from consult.audit.models import AuditEvent
from consult.extensions import db


@pytest.fixture
def chain(app: Flask) -> list[str]:
    """Five recorded events; returns their hashes."""
    with app.app_context():
        for n in range(5):
            audit.record("test.event", f"thing:{n}", organisation_id=1, details={"n": n})
        db.session.commit()
        return list(db.session.scalars(select(AuditEvent.hash).order_by(AuditEvent.seq)))


def verify(app: Flask) -> tuple[int, str]:
    result = app.test_cli_runner().invoke(args=["consult", "audit-verify"])
    return result.exit_code, result.output


def tamper(app: Flask, sql: str, **params: object) -> None:
    with app.app_context():
        db.session.execute(text(sql), params)
        db.session.commit()


def test_an_intact_chain_verifies_and_prints_its_head(app: Flask, chain: list[str]) -> None:
    code, output = verify(app)
    assert code == 0, output
    assert "Events: 5" in output
    assert f"Head: event 5, hash {chain[-1]}" in output
    assert "The chain is intact." in output


def test_each_event_links_to_the_previous_one(app: Flask, chain: list[str]) -> None:
    with app.app_context():
        events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq)).all()
        assert [e.seq for e in events] == [1, 2, 3, 4, 5]
        assert events[0].prev_hash == "0" * 64
        assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(events))


def test_an_edited_row_is_reported(app: Flask, chain: list[str]) -> None:
    tamper(app, "UPDATE audit_event SET action = 'nothing.happened' WHERE seq = 3")
    code, output = verify(app)
    assert code == 1
    assert "BROKEN at event 3 (content)" in output
    assert "altered" in output


def test_edited_details_are_reported(app: Flask, chain: list[str]) -> None:
    tamper(app, "UPDATE audit_event SET details = :d WHERE seq = 2", d='{"n": 99}')
    code, output = verify(app)
    assert code == 1 and "BROKEN at event 2 (content)" in output


def test_a_deleted_row_is_reported(app: Flask, chain: list[str]) -> None:
    tamper(app, "DELETE FROM audit_event WHERE seq = 2")
    code, output = verify(app)
    assert code == 1
    assert "BROKEN at event 3 (missing)" in output
    assert "BROKEN at event 3 (link)" in output


def test_a_deleted_tail_is_reported_against_the_head(app: Flask, chain: list[str]) -> None:
    tamper(app, "DELETE FROM audit_event WHERE seq = 5")
    code, output = verify(app)
    assert code == 1
    assert "(head)" in output


def test_an_inserted_row_is_reported(app: Flask, chain: list[str]) -> None:
    tamper(
        app,
        """INSERT INTO audit_event
        (seq, occurred_at, organisation_id, actor_id, action, subject, details, prev_hash, hash)
        VALUES (6, :at, 1, NULL, 'member.added', 'user:666', '{}', :prev, :hash)""",
        at="2026-01-01 00:00:00",
        prev=chain[-1],
        hash="f" * 64,
    )
    code, output = verify(app)
    assert code == 1
    assert "BROKEN at event 6 (content)" in output
    assert "(head)" in output


def test_a_row_inserted_in_the_middle_is_reported(app: Flask, chain: list[str]) -> None:
    """Making room for a row means renumbering the ones after it, which breaks them."""
    tamper(app, "UPDATE audit_event SET seq = seq + 100 WHERE seq >= 3")
    tamper(app, "UPDATE audit_event SET seq = seq - 99 WHERE seq >= 103")
    tamper(
        app,
        """INSERT INTO audit_event
        (seq, occurred_at, organisation_id, actor_id, action, subject, details, prev_hash, hash)
        VALUES (3, :at, 1, NULL, 'member.added', 'user:666', '{}', :prev, :hash)""",
        at="2026-01-01 00:00:00",
        prev=chain[1],
        hash="e" * 64,
    )
    code, output = verify(app)
    assert code == 1
    assert "BROKEN at event 3 (content)" in output
    assert "BROKEN at event 4 (content)" in output


def test_concurrent_writers_never_fork_the_chain(app: Flask) -> None:
    """Writers serialise on the head row: 4 threads × 5 events give one chain of 20.

    They start together on an empty log, so the first events race to create the head too.
    """
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def write() -> None:
        try:
            with app.app_context():
                start.wait()
                for n in range(5):
                    audit.record("test.concurrent", f"n:{n}")
                    db.session.commit()
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=write) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    code, output = verify(app)
    assert code == 0, output
    assert "Events: 20" in output
