"""How long a consultation keeps what it received, and deleting it (issue 9).

**Sealed envelopes** are needed until the trustees have opened them, and a while after: to
check the dataset digest printed in the report against the envelopes, or to open them again
offline. Each consultation says how many days after unsealing they are deleted
(``Consultation.sealed_retention_days``, 30 by default; 0 deletes them at the first purge
after unsealing). Nothing runs on a schedule: :func:`purge_due` deletes every set that is due
when it is called, by ``flask consult purge`` from cron (daily is enough), and is idempotent.
The opened answers stay (they are anonymous rows without dates); only the ciphertexts go.

**Responses** (every channel, the sealed envelopes not yet opened and the invited
stakeholders' drafts included) can be deleted by an owner once the consultation no longer
takes answers (:func:`delete_responses`). Quotations taken from them go with them, so they
also disappear from published reports; the reports' numbers are a frozen snapshot and stay.

Both are audited with counts and, for envelopes, the digest of the set deleted (the same
digest the unsealing recorded), never with anything a respondent wrote. Rows are deleted with
``DELETE``; SQLite overwrites them (``secure_delete``), PostgreSQL's space is reused by VACUUM.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, Select, delete, func, select

from consult.accounts.models import User
from consult.audit.services import record
from consult.consultations.models import Consultation, Phase, Status
from consult.db import utcnow
from consult.errors import Conflict, ValidationFailed
from consult.extensions import db
from consult.i18n.numbers import lazy_number
from consult.quotations.models import Quotation
from consult.respond.models import Answer, Invitation, InvitationDraft, Response
from consult.sealed.models import Envelope
from consult.sealed.unseal import set_digest

#: Days the envelopes may be kept after unsealing: from at once to ten years.
RETENTION_RANGE = (0, 3650)
#: Phases in which answers may still arrive: nothing is deleted then.
TAKING_ANSWERS = (Phase.OPEN, Phase.SCHEDULED)
AFTER_UNSEALING = (Status.UNSEALED, Status.PUBLISHED)

BAD_RETENTION = _l(
    "Enter a whole number of days from %(low)s to %(high)s.",
    low=lazy_number(RETENTION_RANGE[0]),
    high=lazy_number(RETENTION_RANGE[1]),
)


class StillOpen(Conflict):
    default_message = _l(
        "Responses cannot be deleted while the consultation is open or about to open. "
        "Close it first."
    )


class NotConfirmed(ValidationFailed):
    default_message = _l("Type the consultation's short name exactly as shown to confirm.")


class BadRetention(ValidationFailed):
    default_message = BAD_RETENTION


# Sealed envelopes ---------------------------------------------------------------------------


def deletion_due_at(consultation: Consultation) -> datetime | None:
    """When the envelopes are due for deletion (``None`` before unsealing)."""
    if consultation.unsealed_at is None:
        return None
    return consultation.unsealed_at + timedelta(days=consultation.sealed_retention_days)


def set_retention(consultation: Consultation, days: int | None, actor: User) -> bool:
    """Keep the envelopes ``days`` after unsealing (flushed, audited); whether it changed.

    Raises :class:`BadRetention` outside :data:`RETENTION_RANGE`.
    """
    low, high = RETENTION_RANGE
    if days is None or not low <= days <= high:
        raise BadRetention()
    before = consultation.sealed_retention_days
    if days == before:
        return False
    consultation.sealed_retention_days = days
    db.session.flush()
    record(
        "retention.changed",
        f"consultation:{consultation.uuid}",
        organisation_id=consultation.organisation_id,
        actor_id=actor.id,
        details={"days": days, "before": before},
    )
    return True


@dataclass(frozen=True)
class Purged:
    """One consultation's envelopes deleted."""

    slug: str
    envelopes: int
    held: int
    #: SHA-256 over the sorted ciphertext hashes of the set deleted.
    digest: str


def purge_due(now: datetime | None = None) -> list[Purged]:
    """Delete the envelopes of every consultation whose retention period has ended (flushed).

    Idempotent: a consultation with no envelopes left is skipped, and records nothing.
    """
    now = now or utcnow()
    candidates = db.session.scalars(
        select(Consultation)
        .where(
            Consultation.status.in_(AFTER_UNSEALING),
            Consultation.unsealed_at.is_not(None),
            select(Envelope.id).where(Envelope.consultation_id == Consultation.id).exists(),
        )
        .order_by(Consultation.id)
    ).all()
    purged = []
    for consultation in candidates:
        due = deletion_due_at(consultation)
        if due is not None and due <= now:
            done = _delete_envelopes(consultation)
            if done is not None:
                purged.append(done)
    return purged


def _delete_envelopes(consultation: Consultation) -> Purged | None:
    where = Envelope.consultation_id == consultation.id
    rows = db.session.execute(select(Envelope.sha256, Envelope.is_held).where(where)).all()
    if not rows:
        return None
    done = Purged(
        consultation.slug,
        envelopes=len(rows),
        held=sum(1 for row in rows if row.is_held),
        digest=set_digest(row.sha256 for row in rows),
    )
    db.session.execute(delete(Envelope).where(where).execution_options(synchronize_session=False))
    record(
        "sealed.envelopes_deleted",
        f"consultation:{consultation.uuid}",
        organisation_id=consultation.organisation_id,
        details={
            "envelopes": done.envelopes,
            "held": done.held,
            "digest": done.digest,
            "retention_days": consultation.sealed_retention_days,
        },
    )
    return done


# Every response --------------------------------------------------------------------------


@dataclass(frozen=True)
class Deleted:
    """What an owner's deletion removed (counts only)."""

    responses: int
    answers: int
    quotations: int
    envelopes: int
    drafts: int

    @property
    def anything(self) -> bool:
        return any(asdict(self).values())


def deletable(consultation: Consultation) -> bool:
    """Whether responses may be deleted now (not while answers may still arrive)."""
    return consultation.phase() not in TAKING_ANSWERS


def counts(consultation: Consultation) -> Deleted:
    """What :func:`delete_responses` would delete now."""
    responses = select(Response.id).where(Response.consultation_id == consultation.id)
    return Deleted(
        responses=_count(select(func.count()).select_from(responses.subquery())),
        answers=_count(
            select(func.count()).select_from(Answer).where(Answer.response_id.in_(responses))
        ),
        quotations=_count(
            select(func.count()).select_from(Quotation).where(Quotation.response_id.in_(responses))
        ),
        envelopes=_count(
            select(func.count())
            .select_from(Envelope)
            .where(Envelope.consultation_id == consultation.id)
        ),
        drafts=_count(
            select(func.count()).select_from(InvitationDraft).where(_drafts_of(consultation))
        ),
    )


def _count(statement: Select[Any]) -> int:
    return int(db.session.scalar(statement) or 0)


def _drafts_of(consultation: Consultation) -> ColumnElement[bool]:
    invitations = select(Invitation.id).where(Invitation.consultation_id == consultation.id)
    return InvitationDraft.invitation_id.in_(invitations)


def delete_responses(consultation: Consultation, actor: User, confirmation: str) -> Deleted:
    """Delete every response of ``consultation`` and what hangs on them (flushed, audited).

    ``confirmation`` must be the consultation's slug, typed. Deletes, children first (so
    nothing relies on the database's cascades): quotations, answers, responses, sealed
    envelopes not yet deleted, invited stakeholders' drafts. Reports stay. Raises
    :class:`StillOpen` (409) while answers may arrive, :class:`NotConfirmed` otherwise.
    """
    if not deletable(consultation):
        raise StillOpen()
    if confirmation.strip() != consultation.slug:
        raise NotConfirmed()
    found = counts(consultation)
    responses = select(Response.id).where(Response.consultation_id == consultation.id)
    for statement in (
        delete(Quotation).where(Quotation.response_id.in_(responses)),
        delete(Answer).where(Answer.response_id.in_(responses)),
        delete(Response).where(Response.consultation_id == consultation.id),
        delete(Envelope).where(Envelope.consultation_id == consultation.id),
        delete(InvitationDraft).where(_drafts_of(consultation)),
    ):
        db.session.execute(statement.execution_options(synchronize_session=False))
    db.session.expire_all()  # loaded responses and quotations are gone
    record(
        "responses.deleted",
        f"consultation:{consultation.uuid}",
        organisation_id=consultation.organisation_id,
        actor_id=actor.id,
        details=asdict(found),
    )
    return found
