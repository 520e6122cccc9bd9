"""Quotations: passages of free-text answers, redacted by an analyst, approved by someone else.

The original answer is never published. What a report may print is the ``text`` of an
approved quotation: the passage as the analyst redacted it (names, places, dates and details
that could identify someone removed), checked by a second person (DESIGN.md §5, §7).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consult.db import enum_column, utcnow
from consult.extensions import db
from consult.respond.models import Response


class QuotationStatus(StrEnum):
    #: Redacted by an analyst, waiting for a publisher.
    PROPOSED = "proposed"
    #: A publisher other than the proposer approved it: reports may print it.
    APPROVED = "approved"
    #: Refused (or withdrawn after approval); never printed.
    REJECTED = "rejected"


STATUS_LABELS: dict[QuotationStatus, LazyString] = {
    QuotationStatus.PROPOSED: _l("Waiting for review"),
    QuotationStatus.APPROVED: _l("Approved"),
    QuotationStatus.REJECTED: _l("Rejected"),
}


class Quotation(db.Model):  # type: ignore[name-defined]
    """A redacted passage of one text answer, and who proposed and decided it."""

    __tablename__ = "quotation"
    __table_args__ = (
        CheckConstraint(
            "decided_by_id IS NULL OR proposed_by_id IS NULL OR decided_by_id <> proposed_by_id",
            name="four_eyes",
        ),
        CheckConstraint(
            "(status = 'proposed' AND decided_at IS NULL) "
            "OR (status <> 'proposed' AND decided_at IS NOT NULL)",
            name="decided_when_decided",
        ),
        CheckConstraint("length(text) > 0", name="text_not_empty"),
        Index("ix_quotation_consultation_id_status", "consultation_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultation.id", ondelete="CASCADE"))
    #: The response quoted; its answer is the row (``response_id``, ``question_key``).
    response_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("response.id", ondelete="CASCADE"), index=True
    )
    #: The text question whose answer is quoted.
    question_key: Mapped[str] = mapped_column(String(40))
    #: The passage to publish, as redacted; never longer than the original answer.
    text: Mapped[str] = mapped_column(Text)
    #: The analyst's note for the reviewer (what was removed, why); never published.
    note: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[QuotationStatus] = mapped_column(
        enum_column(QuotationStatus), default=QuotationStatus.PROPOSED
    )
    #: The analyst who redacted it; empty once their account is deleted.
    proposed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    #: The publisher who approved or rejected it: never the proposer (``four_eyes``).
    decided_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    #: When it was proposed (UTC).
    proposed_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: When it was approved or rejected (UTC); empty while proposed.
    decided_at: Mapped[datetime | None]

    #: The response quoted (its channel and group, for the report; never its other answers).
    response: Mapped[Response] = relationship()
