"""Proposing, approving and rejecting quotations; the approved ones are what reports print.

Free text from the sealed and assisted channels is read by analysts only. An analyst proposes
a passage, redacted so that nobody can be recognised in it; a publisher, who must be another
person, approves or rejects it. The audit log says who did what to which quotation, never what
the passage says. Services flush, never commit.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.orm import selectinload

from consult.accounts.models import User
from consult.audit.services import record
from consult.consultations.models import Consultation
from consult.db import utcnow
from consult.errors import Conflict, Forbidden, NotFound, ValidationFailed
from consult.extensions import db
from consult.forms import too_long
from consult.questionnaires.answers import clean_text
from consult.questionnaires.schema import TEXT_TYPES, Channel, Question
from consult.quotations.models import Quotation, QuotationStatus
from consult.respond.models import Answer, Response

#: The channels of persons deprived of liberty, whose voices the report quotes (DESIGN.md §7).
QUOTABLE_CHANNELS = (Channel.SEALED, Channel.ASSISTED)
PAGE_SIZE = 50
NOTE_MAX = 1000


class NotYourDecision(Forbidden):
    default_message = _l(
        "You proposed this quotation: another person must approve or reject it. "
        "Two people check every passage before it can be published."
    )


class AlreadyDecided(Conflict):
    default_message = _l("This quotation has already been decided. Reload the page to see how.")


@dataclass(frozen=True)
class Original:
    """A text answer that may be quoted, with what the analyst needs to know about it."""

    response_id: uuid.UUID
    question_key: str
    channel: Channel
    stakeholder_category: str
    locale: str
    text: str


# Reading the originals -----------------------------------------------------------------------


def text_questions(consultation: Consultation) -> list[Question]:
    """The questionnaire's free-text questions, in order."""
    return [q for q in consultation.document().questions() if q.type in TEXT_TYPES]


def _quotable(consultation: Consultation) -> list[ColumnElement[bool]]:
    return [
        Response.consultation_id == consultation.id,
        Response.channel.in_(QUOTABLE_CHANNELS),
        Answer.text.is_not(None),
        Answer.item_key == "",
        Answer.choice_key == "",
    ]


def answer_counts(consultation: Consultation) -> dict[str, int]:
    """How many quotable text answers each question has."""
    rows = db.session.execute(
        select(Answer.question_key, func.count())
        .join(Response, Response.id == Answer.response_id)
        .where(*_quotable(consultation))
        .group_by(Answer.question_key)
    ).all()
    return {key: n for key, n in rows}


def originals(consultation: Consultation, question_key: str, page: int = 1) -> list[Original]:
    """One page of the quotable answers to ``question_key``, in an order that says nothing."""
    return _read(
        consultation,
        Answer.question_key == question_key,
        limit=PAGE_SIZE,
        offset=(max(page, 1) - 1) * PAGE_SIZE,
    )


def original(consultation: Consultation, response_id: str, question_key: str) -> Original:
    """The quotable answer of response ``response_id`` to ``question_key``; else ``NotFound``."""
    try:
        identifier = uuid.UUID(response_id)
    except ValueError:
        raise NotFound() from None
    found = _read(
        consultation, Answer.response_id == identifier, Answer.question_key == question_key
    )
    if not found:
        raise NotFound()
    return found[0]


def _read(
    consultation: Consultation,
    *where: ColumnElement[bool],
    limit: int | None = None,
    offset: int = 0,
) -> list[Original]:
    """Quotable answers matching ``where``, ordered by their random response ids."""
    rows = db.session.execute(
        select(
            Answer.response_id,
            Answer.question_key,
            Response.channel,
            Response.stakeholder_category,
            Response.locale,
            Answer.text,
        )
        .join(Response, Response.id == Answer.response_id)
        .where(*_quotable(consultation), *where)
        .order_by(Answer.response_id)
        .limit(limit)
        .offset(offset)
    ).all()
    return [Original(*row[:5], text=row.text or "") for row in rows]


# Quotations ----------------------------------------------------------------------------------


def propose(
    consultation: Consultation,
    actor: User,
    source: Original,
    text: str,
    note: str = "",
) -> Quotation:
    """Record a redacted passage of ``source`` for review (flushed, audited).

    Raises :class:`ValidationFailed` for an empty passage, one longer than the original, or
    a note that is too long.
    """
    passage = clean_text(text)
    if not passage:
        raise ValidationFailed(_l("Type the passage to publish."))
    if len(passage) > len(source.text):
        raise ValidationFailed(too_long(len(source.text)))
    note = clean_text(note)
    if len(note) > NOTE_MAX:
        raise ValidationFailed(too_long(NOTE_MAX))
    quotation = Quotation(
        consultation_id=consultation.id,
        response_id=source.response_id,
        question_key=source.question_key,
        text=passage,
        note=note,
        status=QuotationStatus.PROPOSED,
        proposed_by_id=actor.id,
        proposed_at=utcnow(),
    )
    db.session.add(quotation)
    db.session.flush()
    _audit("quotation.proposed", consultation, actor, quotation)
    return quotation


def get(consultation: Consultation, quotation_id: int) -> Quotation:
    """Quotation ``quotation_id`` of ``consultation``; ``NotFound`` for any other."""
    quotation = db.session.get(Quotation, quotation_id)
    if quotation is None or quotation.consultation_id != consultation.id:
        raise NotFound()
    return quotation


def approve(consultation: Consultation, quotation_id: int, actor: User) -> Quotation:
    """Approve a proposed quotation (flushed, audited).

    Raises :class:`NotYourDecision` when ``actor`` proposed it, :class:`AlreadyDecided` when
    it is no longer proposed.
    """
    quotation = get(consultation, quotation_id)
    if quotation.status is not QuotationStatus.PROPOSED:
        raise AlreadyDecided()
    return _decide(consultation, quotation, actor, QuotationStatus.APPROVED)


def reject(consultation: Consultation, quotation_id: int, actor: User) -> Quotation:
    """Reject a proposed quotation, or withdraw an approved one (flushed, audited).

    Raises :class:`NotYourDecision` when ``actor`` proposed it, :class:`AlreadyDecided` when
    it is already rejected.
    """
    quotation = get(consultation, quotation_id)
    if quotation.status is QuotationStatus.REJECTED:
        raise AlreadyDecided()
    return _decide(consultation, quotation, actor, QuotationStatus.REJECTED)


def _decide(
    consultation: Consultation, quotation: Quotation, actor: User, status: QuotationStatus
) -> Quotation:
    if quotation.proposed_by_id == actor.id:
        raise NotYourDecision()
    quotation.status = status
    quotation.decided_by_id = actor.id
    quotation.decided_at = utcnow()
    db.session.flush()
    _audit(f"quotation.{status}", consultation, actor, quotation)
    return quotation


def _audit(action: str, consultation: Consultation, actor: User, quotation: Quotation) -> None:
    """Who did what to which quotation: never the passage, the note or the answer."""
    record(
        action,
        f"consultation:{consultation.uuid}",
        organisation_id=consultation.organisation_id,
        actor_id=actor.id,
        details={"quotation": quotation.id, "question": quotation.question_key},
    )


def quotations(
    consultation: Consultation, statuses: Sequence[QuotationStatus] = tuple(QuotationStatus)
) -> list[Quotation]:
    """The quotations of ``consultation`` with one of ``statuses``, in questionnaire order."""
    rows = db.session.scalars(
        select(Quotation)
        .where(Quotation.consultation_id == consultation.id, Quotation.status.in_(statuses))
        .options(selectinload(Quotation.response))
        .order_by(Quotation.id)
    ).all()
    order = {q.key: n for n, q in enumerate(consultation.document().questions())}
    return sorted(rows, key=lambda q: (order.get(q.question_key, len(order)), q.id))


def approved(consultation: Consultation) -> list[Quotation]:
    """What a report may print: the approved quotations, in questionnaire order."""
    return quotations(consultation, [QuotationStatus.APPROVED])


def for_review(consultation: Consultation) -> list[tuple[Quotation, str]]:
    """The proposed quotations, each with the original answer it redacts (for publishers)."""
    proposed = quotations(consultation, [QuotationStatus.PROPOSED])
    if not proposed:
        return []
    rows = db.session.execute(
        select(Answer.response_id, Answer.question_key, Answer.text).where(
            Answer.response_id.in_({q.response_id for q in proposed}),
            and_(Answer.item_key == "", Answer.choice_key == ""),
        )
    ).all()
    texts = {(r.response_id, r.question_key): r.text or "" for r in rows}
    return [(q, texts.get((q.response_id, q.question_key), "")) for q in proposed]


def people(quotations: Sequence[Quotation]) -> dict[int, str]:
    """Names of the proposers and deciders of ``quotations``, by user id."""
    ids = {q.proposed_by_id for q in quotations} | {q.decided_by_id for q in quotations}
    ids.discard(None)
    if not ids:
        return {}
    return dict(db.session.execute(select(User.id, User.name).where(User.id.in_(ids))).all())
