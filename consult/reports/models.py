"""Reports: a frozen snapshot of a consultation's published numbers, and its history.

An analyst **prepares** a report: the numbers are computed once (:mod:`consult.reports.aggregate`)
and stored here with the organiser's narrative and limitations. A publisher **publishes** it:
from then on the public pages render this row and nothing computed later, so the results never
change under a reader's eyes (DESIGN.md §3). **Withdrawing** a published report leaves a public
notice with the date and the reason, never a silent change; a later report is a new revision.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from flask_babel import LazyString, lazy_pgettext
from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consult.consultations.models import Consultation
from consult.db import enum_column, utcnow
from consult.extensions import db


class ReportStatus(StrEnum):
    #: Computed and written by an analyst, visible to the organisation only.
    PREPARED = "prepared"
    #: Public.
    PUBLISHED = "published"
    #: Was public; its page now says when and why it was withdrawn.
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> LazyString:
        return STATUS_LABELS[self]


#: Each label says what happened to a revision of the report; the context lets languages
#: agree with their word for it (an invitation is withdrawn too, under another word).
STATUS_LABELS: dict[ReportStatus, LazyString] = {
    ReportStatus.PREPARED: lazy_pgettext("report revision", "Prepared"),
    ReportStatus.PUBLISHED: lazy_pgettext("report revision", "Published"),
    ReportStatus.WITHDRAWN: lazy_pgettext("report revision", "Withdrawn"),
}


class Report(db.Model):  # type: ignore[name-defined]
    """One revision of a consultation's report: numbers, texts, and who did what when."""

    __tablename__ = "report"
    __table_args__ = (
        UniqueConstraint("consultation_id", "revision"),
        CheckConstraint("revision >= 1", name="revision_positive"),
        CheckConstraint("k >= 2", name="k_at_least_two"),
        CheckConstraint(
            "(status = 'prepared') = (published_at IS NULL)", name="published_when_published"
        ),
        CheckConstraint(
            "(status = 'withdrawn') = (withdrawn_at IS NOT NULL)", name="withdrawn_when_withdrawn"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(
        ForeignKey("consultation.id", ondelete="CASCADE"), index=True
    )
    #: 1 for the first report of a consultation, then one more for each new preparation.
    revision: Mapped[int]
    status: Mapped[ReportStatus] = mapped_column(
        enum_column(ReportStatus), default=ReportStatus.PREPARED
    )
    #: Small-cell threshold the numbers were suppressed with.
    k: Mapped[int]
    #: :func:`consult.reports.data.to_dict` of the numbers, frozen when prepared.
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    #: SHA-256 of the published numbers (:func:`consult.reports.data.digest`).
    digest: Mapped[str] = mapped_column(String(64))
    #: SHA-256 of every counted answer row, so the dataset behind the numbers can be checked.
    dataset_digest: Mapped[str] = mapped_column(String(64))
    #: Hash of the audit log's head when the numbers were computed.
    audit_head: Mapped[str] = mapped_column(String(64))
    #: ``{locale: text}``: the organiser's account of the consultation and its results.
    narrative: Mapped[dict[str, str]] = mapped_column(default=dict)
    #: ``{locale: text}``: what the results cannot show (who was not reached, biases).
    limitations: Mapped[dict[str, str]] = mapped_column(default=dict)
    prepared_at: Mapped[datetime] = mapped_column(default=utcnow)
    prepared_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    published_at: Mapped[datetime | None]
    published_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    withdrawn_at: Mapped[datetime | None]
    withdrawn_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    #: ``{locale: text}``: why it was withdrawn, shown on the public notice.
    withdrawal_reason: Mapped[dict[str, str]] = mapped_column(default=dict)

    consultation: Mapped[Consultation] = relationship()

    def __repr__(self) -> str:
        return f"<Report {self.consultation_id} r{self.revision} {self.status.value}>"
