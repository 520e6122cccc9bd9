"""Visit sessions: a facilitator's sitting in a place of detention, or at a desk with paper forms.

A session says where and how answers were collected and *how many* forms were entered; it
never says which envelopes. Nothing links an envelope to its session or its facilitator: the
place and the way of collecting travel inside each envelope instead (DESIGN.md §4), where only
the trustees can read them, and only together.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consult.accounts.models import User
from consult.consultations.models import Consultation
from consult.db import enum_column, utcnow
from consult.extensions import db


class VisitMode(StrEnum):
    """How the answers of a session are collected (OPCAT.md §7: several ways in)."""

    #: Paper forms, filled in by the respondents and keyed in by the facilitator.
    PAPER = "paper"
    #: The facilitator reads the questions and writes the answers down.
    ASSISTED = "assisted"
    #: An interview through an interpreter.
    ORAL = "oral"
    #: Respondents answer alone on a device that the facilitator unlocked for the visit.
    KIOSK = "kiosk"

    @property
    def label(self) -> LazyString:
        return VISIT_MODE_LABELS[self]


VISIT_MODE_LABELS: dict[VisitMode, LazyString] = {
    VisitMode.PAPER: _l("Paper forms"),
    VisitMode.ASSISTED: _l("Assisted interviews"),
    VisitMode.ORAL: _l("Oral interviews with an interpreter"),
    VisitMode.KIOSK: _l("Kiosk: people answer alone on this device"),
}


class VisitSession(db.Model):  # type: ignore[name-defined]
    """One visit or sitting of a facilitator, and the count of the forms it brought in."""

    __tablename__ = "visit_session"
    __table_args__ = (
        CheckConstraint("forms_entered >= 0", name="forms_entered_not_negative"),
        CheckConstraint("ends_at > opened_at", name="ends_after_opening"),
        CheckConstraint("closed_at IS NULL OR closed_at >= opened_at", name="closed_after_opening"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(
        ForeignKey("consultation.id", ondelete="CASCADE"), index=True
    )
    #: The facilitator who opened the session (kept here, never with an envelope).
    facilitator_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    #: Category of place of deprivation of liberty (a key of ``PLACES``).
    place: Mapped[str] = mapped_column(String(40))
    #: Sub-national jurisdiction, where the questionnaire asks for one.
    jurisdiction: Mapped[str | None] = mapped_column(String(80))
    mode: Mapped[VisitMode] = mapped_column(enum_column(VisitMode))
    #: When the facilitator opened the session (UTC).
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: When the session stops by itself, and with it any kiosk unlocked for it (UTC).
    ends_at: Mapped[datetime]
    #: When the facilitator closed it, or when it ran out if closed afterwards (UTC).
    closed_at: Mapped[datetime | None]
    #: How many forms were sealed in this session; which ones is recorded nowhere.
    forms_entered: Mapped[int] = mapped_column(default=0)

    consultation: Mapped[Consultation] = relationship()
    facilitator: Mapped[User | None] = relationship()

    def is_open(self, now: datetime | None = None) -> bool:
        """Whether forms can still be entered: not closed, and not past its end."""
        return self.closed_at is None and (now or utcnow()) < self.ends_at

    def remaining(self, now: datetime | None = None) -> timedelta:
        """Time left before the session stops by itself (zero once it is over)."""
        if not self.is_open(now):
            return timedelta(0)
        return self.ends_at - (now or utcnow())
