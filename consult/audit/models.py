"""The audit log: an append-only, hash-chained record of what organisers did."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from consult.audit.chain import ChainedFields
from consult.extensions import db


class AuditEvent(db.Model):  # type: ignore[name-defined]
    """One recorded action. Rows are never updated or deleted by the application.

    Organisation and actor are plain numbers, not foreign keys: the log must outlive what it
    talks about, and a cascade would silently rewrite history.
    """

    __tablename__ = "audit_event"
    __table_args__ = (CheckConstraint("seq >= 1", name="seq_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Position in the chain: 1, 2, 3 … with no gaps.
    seq: Mapped[int] = mapped_column(unique=True)
    #: When it happened (UTC).
    occurred_at: Mapped[datetime]
    #: Organisation concerned, if any.
    organisation_id: Mapped[int | None] = mapped_column(index=True)
    #: User who acted; empty for the CLI and the system.
    actor_id: Mapped[int | None]
    #: What happened, e.g. ``consultation.created``.
    action: Mapped[str] = mapped_column(String(80))
    #: What it happened to, e.g. ``consultation:<uuid>``.
    subject: Mapped[str] = mapped_column(String(200))
    #: Structured facts about the action; never answers, passwords or tokens.
    details: Mapped[dict[str, Any]] = mapped_column(JSON)
    #: Hash of the previous event (zeros for the first).
    prev_hash: Mapped[str] = mapped_column(String(64))
    #: SHA-256 of the canonical text of the fields above.
    hash: Mapped[str] = mapped_column(String(64), unique=True)

    def chained_fields(self) -> ChainedFields:
        return ChainedFields(
            seq=self.seq,
            occurred_at=self.occurred_at,
            organisation_id=self.organisation_id,
            actor_id=self.actor_id,
            action=self.action,
            subject=self.subject,
            details=self.details,
            prev_hash=self.prev_hash,
        )


class AuditHead(db.Model):  # type: ignore[name-defined]
    """The single row that writers lock to append to the chain, one at a time."""

    __tablename__ = "audit_head"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    #: Sequence number of the last event (0 when the log is empty).
    seq: Mapped[int]
    #: Hash of the last event.
    hash: Mapped[str] = mapped_column(String(64))
