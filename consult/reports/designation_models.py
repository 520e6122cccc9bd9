"""The designation record: what the State did after the consultation, and what became of it.

A publisher records the NPM the State designated as **revisions** (1, 2, …): each save adds
one, none is edited in place, so the report can show the latest one with its history
(DESIGN.md §3, §7). The consultation's main **recommendations** are kept beside it, each with
dated **updates** saying how far it was followed ("You said — they did").

Vocabulary keys (models, legal bases, guarantees, stages, places) are those of
:mod:`consult.opcat.vocabulary`; the services check them, and the columns holding one key
check it again where the database can.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consult.consultations.models import Consultation
from consult.db import enum_column, utcnow
from consult.extensions import db
from consult.opcat.vocabulary import LEGAL_BASES, NPM_MODELS

#: Longest instrument reference, body name and guarantee article.
REFERENCE_MAX = 300
#: Longest link to the founding text.
LINK_MAX = 2000


def _one_of(column: str, keys: tuple[str, ...]) -> str:
    quoted = ", ".join(f"'{key}'" for key in keys)
    return f"{column} IN ({quoted})"


class GuaranteeStatus(StrEnum):
    """How the founding text treats one OPCAT guarantee (OPCAT.md §1)."""

    IN_LAW = "in_law"
    IN_PRACTICE_ONLY = "in_practice_only"
    ABSENT = "absent"
    UNKNOWN = "unknown"


class RecommendationStatus(StrEnum):
    """What became of a recommendation, as of an update's date."""

    ADOPTED = "adopted"
    PARTLY_ADOPTED = "partly_adopted"
    IN_PROGRESS = "in_progress"
    NOT_ADOPTED = "not_adopted"
    NO_RESPONSE = "no_response"

    @property
    def label(self) -> LazyString:
        return RECOMMENDATION_STATUS_LABELS[self]


RECOMMENDATION_STATUS_LABELS: dict[RecommendationStatus, LazyString] = {
    RecommendationStatus.ADOPTED: _l("Adopted"),
    RecommendationStatus.PARTLY_ADOPTED: _l("Partly adopted"),
    RecommendationStatus.IN_PROGRESS: _l("In progress"),
    RecommendationStatus.NOT_ADOPTED: _l("Not adopted"),
    RecommendationStatus.NO_RESPONSE: _l("No response from the authorities"),
}


class DesignationRevision(db.Model):  # type: ignore[name-defined]
    """One dated account of the designation of a consultation's State; never edited."""

    __tablename__ = "designation_revision"
    __table_args__ = (
        UniqueConstraint("consultation_id", "revision"),
        CheckConstraint("revision >= 1", name="revision_positive"),
        CheckConstraint(_one_of("legal_basis", LEGAL_BASES.keys()), name="legal_basis_known"),
        CheckConstraint(_one_of("model", NPM_MODELS.keys()), name="model_known"),
        CheckConstraint(
            "legal_basis <> 'none' OR (instrument_reference = '' AND instrument_link = '')",
            name="no_instrument_without_basis",
        ),
        CheckConstraint(
            "instrument_link = '' OR instrument_link LIKE 'http://%' "
            "OR instrument_link LIKE 'https://%'",
            name="link_is_web_address",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The consultation whose State designated the mechanism.
    consultation_id: Mapped[int] = mapped_column(
        ForeignKey("consultation.id", ondelete="CASCADE"), index=True
    )
    #: 1 for the first record of a consultation, then one more for each save.
    revision: Mapped[int]
    #: The day the State designated its mechanism.
    designated_on: Mapped[date]
    #: Key of :data:`~consult.opcat.vocabulary.LEGAL_BASES` (``none``: no legal basis).
    legal_basis: Mapped[str] = mapped_column(String(32))
    #: Title and number of the founding text, e.g. "Law No. 2007-1545 of 30 October 2007".
    instrument_reference: Mapped[str] = mapped_column(String(REFERENCE_MAX), default="")
    #: Web address (http or https) of the founding text; empty when there is none.
    instrument_link: Mapped[str] = mapped_column(String(LINK_MAX), default="")
    #: Names of the designated body or bodies, as the founding text gives them, in order.
    bodies: Mapped[list[str]] = mapped_column(JSON)
    #: Key of :data:`~consult.opcat.vocabulary.NPM_MODELS`.
    model: Mapped[str] = mapped_column(String(32))
    #: ``{locale: text}``: the arrangement, described when the model is ``other``.
    model_description: Mapped[dict[str, str]] = mapped_column(default=dict)
    #: Key of the questionnaire's NPM option the designation corresponds to; empty when the
    #: State chose something outside the options consulted.
    option_key: Mapped[str | None] = mapped_column(String(40))
    #: Keys of :data:`~consult.opcat.vocabulary.PLACES` the mandate covers.
    places: Mapped[list[str]] = mapped_column(JSON)
    #: ``{locale: text}``: the publisher's note on this revision.
    note: Mapped[dict[str, str]] = mapped_column(default=dict)
    #: When this revision was recorded (UTC).
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: The publisher who recorded it; empty once their account is deleted.
    recorded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )

    consultation: Mapped[Consultation] = relationship()
    #: The founding text's treatment of every OPCAT guarantee, in vocabulary order.
    guarantees: Mapped[list[DesignationGuarantee]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="DesignationGuarantee.id"
    )
    #: The implementation stages reached, each with its date.
    stages: Mapped[list[DesignationStage]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="DesignationStage.id"
    )

    def guarantee_map(self) -> dict[str, tuple[GuaranteeStatus, str]]:
        """``{guarantee key: (status, article)}``."""
        return {row.guarantee: (row.status, row.article) for row in self.guarantees}

    def stage_dates(self) -> dict[str, date]:
        """``{stage key: date reached}`` for the stages reached."""
        return {row.stage: row.reached_on for row in self.stages}

    def summary(self) -> dict[str, Any]:
        """Every recorded value as plain data, to say what changed between two revisions."""
        return {
            "designated_on": self.designated_on,
            "legal_basis": self.legal_basis,
            "instrument": (self.instrument_reference, self.instrument_link),
            "bodies": list(self.bodies),
            "model": (self.model, dict(self.model_description)),
            "option": self.option_key,
            "places": sorted(self.places),
            "guarantees": self.guarantee_map(),
            "stages": self.stage_dates(),
            "note": dict(self.note),
        }

    def __repr__(self) -> str:
        return f"<DesignationRevision {self.consultation_id} r{self.revision}>"


class DesignationGuarantee(db.Model):  # type: ignore[name-defined]
    """Whether the founding text of one revision contains one OPCAT guarantee, and where."""

    __tablename__ = "designation_guarantee"
    __table_args__ = (
        UniqueConstraint("revision_id", "guarantee"),
        CheckConstraint("(status = 'in_law') = (article <> '')", name="article_when_in_law"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The designation revision this row belongs to.
    revision_id: Mapped[int] = mapped_column(
        ForeignKey("designation_revision.id", ondelete="CASCADE"), index=True
    )
    #: Key of :data:`~consult.opcat.vocabulary.GUARANTEES`.
    guarantee: Mapped[str] = mapped_column(String(40))
    #: How the founding text treats it.
    status: Mapped[GuaranteeStatus] = mapped_column(enum_column(GuaranteeStatus))
    #: Article of the founding text that contains it; given exactly when ``in_law``.
    article: Mapped[str] = mapped_column(String(REFERENCE_MAX), default="")


class DesignationStage(db.Model):  # type: ignore[name-defined]
    """An implementation stage (OPCAT.md §4) reached, as one revision records it."""

    __tablename__ = "designation_stage"
    __table_args__ = (UniqueConstraint("revision_id", "stage"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The designation revision this row belongs to.
    revision_id: Mapped[int] = mapped_column(
        ForeignKey("designation_revision.id", ondelete="CASCADE"), index=True
    )
    #: Key of :data:`~consult.opcat.vocabulary.STAGES`.
    stage: Mapped[str] = mapped_column(String(40))
    #: The day the stage was reached (a stage not reached has no row).
    reached_on: Mapped[date]


class Recommendation(db.Model):  # type: ignore[name-defined]
    """One of the consultation's main recommendations, in the order the report lists them."""

    __tablename__ = "recommendation"
    __table_args__ = (
        UniqueConstraint("consultation_id", "position"),
        CheckConstraint("position >= 1", name="position_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The consultation that made the recommendation.
    consultation_id: Mapped[int] = mapped_column(
        ForeignKey("consultation.id", ondelete="CASCADE"), index=True
    )
    #: 1 for the first recommendation listed, and so on.
    position: Mapped[int]
    #: ``{locale: text}``: the recommendation as the consultation made it.
    text: Mapped[dict[str, str]]
    #: When it was added (UTC).
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: The publisher who added it; empty once their account is deleted.
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )

    #: What became of it, oldest first (by date, then by order of recording).
    updates: Mapped[list[RecommendationUpdate]] = relationship(
        cascade="all, delete-orphan",
        lazy="selectin",
        order_by="(RecommendationUpdate.as_of, RecommendationUpdate.id)",
    )

    def latest(self) -> RecommendationUpdate | None:
        """The update that says where the recommendation stands now."""
        return self.updates[-1] if self.updates else None


class RecommendationUpdate(db.Model):  # type: ignore[name-defined]
    """A dated entry on what became of a recommendation; kept, never edited."""

    __tablename__ = "recommendation_update"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The recommendation it is about.
    recommendation_id: Mapped[int] = mapped_column(
        ForeignKey("recommendation.id", ondelete="CASCADE"), index=True
    )
    #: Where the recommendation stood on ``as_of``.
    status: Mapped[RecommendationStatus] = mapped_column(enum_column(RecommendationStatus))
    #: The day the status applies from (a law adopted, a reply received …).
    as_of: Mapped[date]
    #: ``{locale: text}``: what happened, and where it can be read.
    note: Mapped[dict[str, str]] = mapped_column(default=dict)
    #: When it was recorded (UTC).
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: The publisher who recorded it; empty once their account is deleted.
    recorded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
