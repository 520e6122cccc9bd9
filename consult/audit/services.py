"""Appending to and verifying the audit log."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite

from consult.audit.chain import GENESIS, ChainedFields, Problem, event_hash, verify_chain
from consult.audit.models import AuditEvent, AuditHead
from consult.db import utcnow
from consult.extensions import db

_head = AuditHead.__table__


def record(
    action: str,
    subject: str,
    *,
    organisation_id: int | None = None,
    actor_id: int | None = None,
    details: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the chain (flushed, not committed).

    Writers serialise on the head row: the ``UPDATE`` takes its row lock on PostgreSQL and the
    write lock on SQLite until the transaction ends, so two requests never chain onto the
    same predecessor.
    """
    seq, prev_hash = _advance_head()
    fields = ChainedFields(
        seq=seq,
        occurred_at=utcnow(),
        organisation_id=organisation_id,
        actor_id=actor_id,
        action=action,
        subject=subject,
        details=dict(details or {}),
        prev_hash=prev_hash,
    )
    event = AuditEvent(hash=event_hash(fields), **vars(fields))
    db.session.add(event)
    db.session.execute(update(_head).where(_head.c.id == 1).values(hash=event.hash))
    db.session.flush()
    return event


def _advance_head() -> tuple[int, str]:
    """Lock the head, move it one step on, and return ``(new seq, previous hash)``."""
    statement = (
        update(_head)
        .where(_head.c.id == 1)
        .values(seq=_head.c.seq + 1)
        .returning(_head.c.seq, _head.c.hash)
    )
    row = db.session.execute(statement).one_or_none()
    if row is None:  # an empty log: create the head, unless a parallel writer just did
        _insert_head_if_missing()
        row = db.session.execute(statement).one()
    return row.seq, row.hash


def _insert_head_if_missing() -> None:
    dialect = db.session.get_bind().dialect.name
    make_insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    db.session.execute(
        make_insert(_head).values(id=1, seq=0, hash=GENESIS).on_conflict_do_nothing()
    )


@dataclass(frozen=True)
class Verification:
    """The outcome of walking the whole chain."""

    count: int
    head_seq: int
    head_hash: str
    problems: list[Problem]

    @property
    def intact(self) -> bool:
        return not self.problems


def verify() -> Verification:
    """Recompute the whole chain from the database, streaming rows in sequence order."""
    head_row = db.session.execute(select(_head.c.seq, _head.c.hash)).one_or_none()
    head = (head_row.seq, head_row.hash) if head_row else (0, GENESIS)
    count, _last_hash, problems = verify_chain(_stream(), head)
    return Verification(count, head[0], head[1], problems)


def _stream() -> Iterator[tuple[ChainedFields, str]]:
    rows = db.session.scalars(
        select(AuditEvent).order_by(AuditEvent.seq).execution_options(yield_per=500)
    )
    for event in rows:
        yield event.chained_fields(), event.hash
