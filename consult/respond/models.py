"""Responses, stored one row per answer so that every aggregate is a plain ``GROUP BY``.

A response keeps what the analysis needs and nothing that could single out its author: the
channel, the profile the respondent chose, the questionnaire version, the language and the
**day** it arrived. No time of day, no address, no browser, no session; its identifier is
random, so the order of rows says nothing about the order of arrival.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Float,
    ForeignKey,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consult.db import CreatedAtMixin, enum_column
from consult.extensions import db
from consult.questionnaires.schema import Channel


class Response(db.Model):  # type: ignore[name-defined]
    """One respondent's answers to one consultation."""

    __tablename__ = "response"
    __table_args__ = (UniqueConstraint("consultation_id", "submission_key_hash"),)

    #: Random, so that identifiers reveal nothing about order or time.
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    consultation_id: Mapped[int] = mapped_column(
        ForeignKey("consultation.id", ondelete="CASCADE"), index=True
    )
    channel: Mapped[Channel] = mapped_column(enum_column(Channel))
    #: The questionnaire version answered (DESIGN.md §3).
    questionnaire_version: Mapped[str] = mapped_column(String(64))
    #: Content language the respondent read.
    locale: Mapped[str] = mapped_column(String(16))
    #: Day of arrival, nothing finer; empty for sealed answers, which carry no date at all.
    received_on: Mapped[date | None]
    #: Stakeholder category chosen in the profile (OPCAT key or a custom key).
    stakeholder_category: Mapped[str] = mapped_column(String(40))
    #: Subdivision code or custom jurisdiction key, when asked.
    jurisdiction: Mapped[str | None] = mapped_column(String(80))
    #: Category of place of detention the answer concerns, when asked.
    place_category: Mapped[str | None] = mapped_column(String(40))
    #: Organisation the respondent named, if any (open and invited channels).
    declared_organisation: Mapped[str | None] = mapped_column(String(200))
    #: Keyed hash of the form's random submission key: a retry stores nothing twice.
    submission_key_hash: Mapped[str | None] = mapped_column(String(64))
    #: SHA-256 of the answers, to tell a retry from a different answer under the same key.
    answers_digest: Mapped[str | None] = mapped_column(String(64))
    #: Unsealed from an envelope that arrived past the rate limit: kept apart for review.
    is_held: Mapped[bool] = mapped_column(default=False)
    #: The invitation this response answered (invited channel only).
    invitation_id: Mapped[int | None] = mapped_column(
        ForeignKey("invitation.id", ondelete="SET NULL"), unique=True
    )
    #: The invited organisation agreed to publish its response in full, under its name.
    publication_consent: Mapped[bool] = mapped_column(default=False)

    answers: Mapped[list[Answer]] = relationship(cascade="all, delete-orphan", passive_deletes=True)


class Answer(db.Model):  # type: ignore[name-defined]
    """One answer: a chosen choice, a ranked item, a rated guarantee, a number or a text."""

    __tablename__ = "answer"
    __table_args__ = (CheckConstraint("rank IS NULL OR rank >= 1", name="rank_positive"),)

    response_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("response.id", ondelete="CASCADE"), primary_key=True
    )
    question_key: Mapped[str] = mapped_column(String(40), primary_key=True)
    #: Row of a matrix (a guarantee key); empty otherwise.
    item_key: Mapped[str] = mapped_column(String(40), primary_key=True, default="")
    #: Chosen choice, ranked item or matrix column; empty for numbers and texts.
    choice_key: Mapped[str] = mapped_column(String(40), primary_key=True, default="")
    #: Position in a ranking, 1 = first choice.
    rank: Mapped[int | None]
    #: A number answer, or the position on a labelled scale.
    number: Mapped[float | None] = mapped_column(Float)
    #: A text answer.
    text: Mapped[str | None] = mapped_column(Text)


class Invitation(CreatedAtMixin, db.Model):  # type: ignore[name-defined]
    """One invited organisation of one consultation."""

    __tablename__ = "invitation"
    __table_args__ = (
        UniqueConstraint("consultation_id", "organisation_name"),
        CheckConstraint("length(organisation_name) >= 1", name="organisation_named"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(
        ForeignKey("consultation.id", ondelete="CASCADE"), index=True
    )
    #: Name the response is published under, as the organisation writes it.
    organisation_name: Mapped[str] = mapped_column(String(200))
    #: Stakeholder category (OPCAT key or a custom one of the questionnaire).
    stakeholder_category: Mapped[str] = mapped_column(String(40))
    #: Jurisdiction key, when the questionnaire asks it.
    jurisdiction: Mapped[str | None] = mapped_column(String(80))
    #: E-mail address of the contact person, if any (mail merge, reminders).
    contact: Mapped[str | None] = mapped_column(String(254))
    #: Language of the mail and of the link (a content language of the consultation).
    language: Mapped[str] = mapped_column(String(16))
    #: SHA-256 of the token in the current link.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: When the current link was last sent by e-mail, and when a reminder went out.
    sent_at: Mapped[datetime | None]
    reminded_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    #: When the response was sent; the link cannot answer again.
    answered_at: Mapped[datetime | None]

    draft: Mapped[InvitationDraft | None] = relationship(
        cascade="all, delete-orphan", uselist=False, passive_deletes=True
    )


class InvitationDraft(db.Model):  # type: ignore[name-defined]
    """What an invited respondent saved to come back to: the form's fields, as sent."""

    __tablename__ = "invitation_draft"

    invitation_id: Mapped[int] = mapped_column(
        ForeignKey("invitation.id", ondelete="CASCADE"), primary_key=True
    )
    #: ``[[field, value], …]`` in the order the form sent them.
    fields: Mapped[list[list[str]]] = mapped_column(JSON)
    saved_at: Mapped[datetime]
