"""Visit sessions: opening one, sealing the forms entered in it, unlocking a kiosk, closing it.

A facilitator keys in paper forms and interviews (the ``assisted`` channel), or lets people
answer alone on a kiosk (the ``sealed`` channel). Each form is sealed in the request like any
sealed answer; what the envelope carries about its collection (the way, the place category and
the facilitator's *role*) is inside it. The session keeps a count of the forms and nothing
that says which envelopes they became; the audit log records the opening and closing with that
count, never a form on its own (its time would be the envelope's).

Neither kind of entry is held for review: one facilitator, or one kiosk, speaks for many people
from one address (DESIGN.md §6).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from consult.accounts.models import User
from consult.audit.services import record
from consult.consultations.models import Consultation
from consult.db import utcnow
from consult.errors import Conflict, Forbidden, NotFound, ValidationFailed
from consult.extensions import db
from consult.opcat.vocabulary import PLACES
from consult.questionnaires.answers import Submission
from consult.questionnaires.schema import Channel
from consult.respond.services import NotAccepting, questions_for
from consult.sealed import services as sealed
from consult.sealed.visit_models import VisitMode, VisitSession

#: The longest a session (and a kiosk unlocked for it) lasts before it stops by itself.
MAX_HOURS = 8
#: What a facilitator is called inside an envelope: a role, never a person.
FACILITATOR_ROLE = "facilitator"


class CannotCollect(Conflict):
    default_message = _l(
        "This way of answering is not available: the consultation has no sealed key, or no "
        "questions for it."
    )


class SessionOver(Conflict):
    default_message = _l("This visit session is over. Open a new one to enter more forms.")


class NotYourSession(Forbidden):
    default_message = _l("Only the facilitator who opened this visit session can use it.")


class WrongMode(Conflict):
    default_message = _l("This visit session does not collect answers this way.")


@dataclass(frozen=True)
class VisitPlan:
    """What a facilitator says when opening a session."""

    place: str
    jurisdiction: str | None
    mode: VisitMode
    hours: int


def channel_of(mode: VisitMode) -> Channel:
    """The channel a session's forms are sealed in: people at a kiosk answer on their own."""
    return Channel.SEALED if mode is VisitMode.KIOSK else Channel.ASSISTED


def can_collect(consultation: Consultation, mode: VisitMode) -> bool:
    """Whether ``mode`` can take answers now: open, with a key, and questions for its channel."""
    return (
        consultation.is_accepting()
        and sealed.sealing_key(consultation) is not None
        and bool(questions_for(consultation.shared_document(), channel_of(mode)))
    )


def sessions_of(consultation: Consultation) -> list[VisitSession]:
    """The consultation's sessions, the latest first."""
    return list(
        db.session.scalars(
            select(VisitSession)
            .where(VisitSession.consultation_id == consultation.id)
            .order_by(VisitSession.opened_at.desc(), VisitSession.id.desc())
        )
    )


def get(consultation: Consultation, visit_id: int) -> VisitSession:
    """Session ``visit_id`` of ``consultation``; ``NotFound`` for any other."""
    visit = db.session.get(VisitSession, visit_id)
    if visit is None or visit.consultation_id != consultation.id:
        raise NotFound()
    return visit


def open_session(
    consultation: Consultation, facilitator: User, plan: VisitPlan, now: datetime | None = None
) -> VisitSession:
    """Open a session for ``facilitator`` (flushed, audited).

    Raises :class:`NotAccepting` when the consultation takes no answers, :class:`CannotCollect`
    when the chosen way has no key or no questions, ``ValidationFailed`` for an unknown place
    or a length out of range.
    """
    if not consultation.is_accepting():
        raise NotAccepting()
    if not can_collect(consultation, plan.mode):
        raise CannotCollect()
    if plan.place not in PLACES or not 1 <= plan.hours <= MAX_HOURS:
        raise ValidationFailed()
    opened = now or utcnow()
    visit = VisitSession(
        consultation_id=consultation.id,
        facilitator_id=facilitator.id,
        place=plan.place,
        jurisdiction=plan.jurisdiction or None,
        mode=plan.mode,
        opened_at=opened,
        ends_at=opened + timedelta(hours=plan.hours),
    )
    db.session.add(visit)
    db.session.flush()
    _record("visit.opened", visit, facilitator, {"place": plan.place, "mode": str(plan.mode)})
    return visit


def usable(visit: VisitSession, user: User, channel: Channel) -> VisitSession:
    """``visit``, if ``user`` opened it, it is still open, and it collects through ``channel``.

    Raises :class:`NotYourSession`, :class:`SessionOver`, :class:`WrongMode`, or
    :class:`NotAccepting` once the consultation has stopped taking answers.
    """
    if visit.facilitator_id != user.id:
        raise NotYourSession()
    if not visit.is_open():
        raise SessionOver()
    if channel_of(visit.mode) is not channel:
        raise WrongMode()
    if not visit.consultation.is_accepting():
        raise NotAccepting()
    return visit


def prefill(visit: VisitSession) -> dict[str, str]:
    """The profile fields each new form of the session starts with (changeable per form)."""
    return {"p-place": visit.place, "p-jurisdiction": visit.jurisdiction or ""}


def assisted_details(visit: VisitSession) -> dict[str, str]:
    """What an assisted envelope says about its collection: the way, the place, a role."""
    return {
        "mode": str(visit.mode),
        "facilitator_role": FACILITATOR_ROLE,
        "setting": visit.place,
    }


def enter_form(
    visit: VisitSession, submission: Submission, *, locale: str, submission_key: str
) -> bool:
    """Seal one form keyed in by the facilitator, and count it (flushed, not committed).

    Returns whether it is a new form: a retry of the same form is neither stored nor counted
    again.
    """
    return _seal_and_count(
        visit, Channel.ASSISTED, submission, locale, submission_key, assisted_details(visit)
    )


def seal_at_kiosk(
    visit: VisitSession,
    submission: Submission,
    *,
    locale: str,
    submission_key: str,
    details: Mapping[str, Any] | None = None,
) -> bool:
    """Seal one answer given at a kiosk unlocked for ``visit``, and count it (flushed)."""
    return _seal_and_count(
        visit,
        Channel.SEALED,
        submission,
        locale,
        submission_key,
        {"kiosk": True, **(details or {})},
    )


def _seal_and_count(
    visit: VisitSession,
    channel: Channel,
    submission: Submission,
    locale: str,
    submission_key: str,
    details: Mapping[str, Any],
) -> bool:
    stored = sealed.seal(
        visit.consultation,
        channel,
        submission,
        locale=locale,
        submission_key=submission_key,
        details=details,
        held=False,  # many people, one address: never held for review
    )
    if stored.is_new:  # in SQL, so that two kiosks of one session never lose a count
        db.session.execute(
            update(VisitSession)
            .where(VisitSession.id == visit.id)
            .values(forms_entered=VisitSession.forms_entered + 1)
        )
        db.session.expire(visit, ["forms_entered"])
    return stored.is_new


def record_unlock(visit: VisitSession, actor: User) -> None:
    """Audit that a device was unlocked as a kiosk for ``visit`` (flushed)."""
    _record("visit.kiosk_unlocked", visit, actor)


def close(visit: VisitSession, actor: User, now: datetime | None = None) -> None:
    """Close the session, also one that ran out; audited with its count (flushed).

    Raises :class:`NotYourSession` for anyone but its facilitator, :class:`Conflict` when it
    was closed already.
    """
    if visit.facilitator_id != actor.id:
        raise NotYourSession()
    if visit.closed_at is not None:
        raise Conflict(_l("This visit session is already closed."))
    moment = now or utcnow()
    visit.closed_at = min(moment, visit.ends_at)
    db.session.flush()
    _record("visit.closed", visit, actor, {"forms": visit.forms_entered})


def _record(
    action: str,
    visit: VisitSession,
    actor: User,
    details: Mapping[str, object] | None = None,
) -> None:
    consultation = visit.consultation
    record(
        action,
        f"consultation:{consultation.uuid}",
        organisation_id=consultation.organisation_id,
        actor_id=actor.id,
        details={"visit": visit.id, **(details or {})},
    )


def kiosk_visit(visit_id: int, consultation_uuid: str) -> VisitSession | None:
    """The kiosk session a ticket names, while it may take answers; ``None`` otherwise."""
    visit = db.session.get(VisitSession, visit_id)
    if visit is None or str(visit.consultation.uuid) != consultation_uuid:
        return None
    if visit.mode is not VisitMode.KIOSK or not visit.is_open():
        return None
    return visit if can_collect(visit.consultation, visit.mode) else None
