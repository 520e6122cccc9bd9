"""Key ceremonies: choosing the trustees, making or registering a key, confirming shares.

In the app, the key pair, the opening key and the shares exist only inside one call of
:func:`hold_ceremony`; offline, ``consult-keygen`` makes them and :func:`register_upload`
takes only the public parts. Services flush, never commit.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from consult.accounts import services as accounts
from consult.accounts.models import Membership, Organisation, User
from consult.accounts.permissions import Role
from consult.audit.services import record
from consult.consultations.models import Consultation, Status
from consult.db import utcnow
from consult.errors import Conflict, ValidationFailed
from consult.extensions import db
from consult.sealed import crypto, keygen, services
from consult.sealed.models import CeremonyMode, CeremonyTrustee, SealingKey


def eligible_trustees(organisation: Organisation) -> list[Membership]:
    """Active members, with active accounts, who hold the trustee role; by name."""
    return [
        m
        for m in accounts.members(organisation)
        if m.is_active and m.user.is_active and Role.TRUSTEE in m.roles
    ]


def ensure_draft(consultation: Consultation) -> None:
    """Raise a 409 unless the consultation's key may still change (it is a draft)."""
    if consultation.status is Status.DRAFT:
        return
    if services.sealing_key(consultation) is not None:
        raise services.KeyExists()
    raise Conflict(_l("A key ceremony is only possible while the consultation is a draft."))


def _ensure_replaces(consultation: Consultation, replaces: str | None) -> None:
    """The form was made for the key in place now: a resubmitted page replaces nothing."""
    key = services.sealing_key(consultation)
    if (key.key_id if key else "") != (replaces or ""):
        raise Conflict(
            _l(
                "The key changed since this page was shown: a ceremony has taken place "
                "meanwhile. Open the ceremony page again before holding another."
            )
        )


def hold_ceremony(
    consultation: Consultation,
    actor: User,
    trustee_ids: list[int],
    threshold: int,
    replaces: str | None,
) -> crypto.Ceremony:
    """Make and register a key in this request; the caller shows the shares once (flushed)."""
    ensure_draft(consultation)
    _ensure_replaces(consultation, replaces)
    ceremony = crypto.run_ceremony(threshold, len(trustee_ids))
    holders: list[int | None] = list(trustee_ids)
    services.register_key(
        consultation,
        actor,
        public=ceremony.public,
        wrapped=ceremony.wrapped,
        identifier=ceremony.identifier,
        threshold=threshold,
        trustee_ids=holders,
        mode=CeremonyMode.IN_APP,
    )
    return ceremony


def register_upload(
    consultation: Consultation,
    actor: User,
    upload: keygen.Upload,
    trustee_ids: list[int],
    replaces: str | None,
) -> SealingKey:
    """Register an offline ceremony's public outcome (flushed).

    Raises :class:`ValidationFailed` when the key already belongs to another consultation:
    one key pair per consultation, so envelopes can never be opened elsewhere.
    """
    ensure_draft(consultation)
    _ensure_replaces(consultation, replaces)
    elsewhere = db.session.scalar(
        select(SealingKey.id).where(
            SealingKey.key_id == upload.key_id, SealingKey.consultation_id != consultation.id
        )
    )
    if elsewhere is not None:
        raise ValidationFailed(
            _l("This key belongs to another consultation: hold one ceremony per consultation.")
        )
    holders: list[int | None] = list(trustee_ids)
    return services.register_key(
        consultation,
        actor,
        public=upload.public,
        wrapped=upload.wrapped,
        identifier=upload.identifier,
        threshold=upload.threshold,
        trustee_ids=holders,
        mode=CeremonyMode.OFFLINE,
    )


def share_of(key: SealingKey | None, user: User) -> CeremonyTrustee | None:
    """The share ``user`` holds in the ceremony of ``key``, if any."""
    if key is None:
        return None
    return next((t for t in key.trustees if t.user_id == user.id), None)


def confirm_share(consultation: Consultation, key: SealingKey, share: CeremonyTrustee) -> None:
    """Record that a trustee showed the header of their share (flushed, audited)."""
    share.confirmed_at = share.confirmed_at or utcnow()
    db.session.flush()
    record(
        "sealed.share_confirmed",
        f"consultation:{consultation.uuid}",
        organisation_id=consultation.organisation_id,
        actor_id=share.user_id,
        details={"key_id": key.key_id, "share": share.share_number},
    )
