"""Keys and envelopes: registering a ceremony, and sealing a submission inside the request.

The plaintext of a sealed answer lives only in memory, for the duration of the request that
seals it: it is never written, logged or put in an error. What is stored is the envelope.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from consult.accounts.models import User
from consult.audit.services import record
from consult.consultations.models import Consultation
from consult.db import utcnow
from consult.errors import Conflict
from consult.extensions import db
from consult.questionnaires.answers import Submission
from consult.questionnaires.schema import Channel, Questionnaire
from consult.respond.services import NotAccepting
from consult.sealed import crypto, payload
from consult.sealed.models import CeremonyMode, CeremonyTrustee, Envelope, SealingKey
from consult.settings import current_settings


class NoKey(Conflict):
    default_message = _l("The sealed channel is not ready: its key ceremony has not taken place.")


class KeyExists(Conflict):
    default_message = _l(
        "This consultation already has its key. A new ceremony is only possible before it opens."
    )


def sealing_key(consultation: Consultation) -> SealingKey | None:
    return db.session.scalar(
        select(SealingKey).where(SealingKey.consultation_id == consultation.id)
    )


def uses_sealed_channels(document: Questionnaire) -> bool:
    return any(
        channel in q.channels for q in document.questions() for channel in payload.SEALED_CHANNELS
    )


def register_key(
    consultation: Consultation,
    actor: User,
    *,
    public: bytes,
    wrapped: bytes,
    identifier: int,
    threshold: int,
    trustee_ids: list[int | None],
    mode: CeremonyMode,
) -> SealingKey:
    """Store the public outcome of a ceremony; trustee ``i`` holds share ``i + 1`` (flushed).

    Refused once the consultation has opened with a key, so envelopes never change key.
    """
    existing = sealing_key(consultation)
    if existing is not None:
        if consultation.version is not None:
            raise KeyExists()
        db.session.delete(existing)
        db.session.flush()
    key = SealingKey(
        consultation_id=consultation.id,
        suite=crypto.SUITE_ID,
        key_id=crypto.key_id(public),
        public_key=public,
        wrapped_private_key=wrapped,
        share_identifier=identifier,
        threshold=threshold,
        share_count=len(trustee_ids),
        mode=mode,
        trustees=[
            CeremonyTrustee(share_number=n, user_id=user_id)
            for n, user_id in enumerate(trustee_ids, start=1)
        ],
    )
    db.session.add(key)
    db.session.flush()
    record(
        "sealed.ceremony",
        f"consultation:{consultation.uuid}",
        organisation_id=consultation.organisation_id,
        actor_id=actor.id,
        details={
            "key_id": key.key_id,
            "threshold": threshold,
            "shares": len(trustee_ids),
            "mode": str(mode),
        },
    )
    return key


@lru_cache(maxsize=64)
def _size(version: str, document_json: str) -> int:
    from consult.questionnaires.schema import from_json

    return payload.envelope_size(from_json(document_json))


def envelope_size(consultation: Consultation) -> int:
    """The padded size of this consultation's version (computed once per version)."""
    from consult.questionnaires.schema import to_json

    document = consultation.document()
    return _size(consultation.version or "", to_json(document))


def key_hash(consultation: Consultation, submission_key: str) -> str:
    """Keyed hash of a sealed form's submission key (DESIGN.md §5)."""
    secret = current_settings().secret_key.encode()
    message = f"sealed|{consultation.uuid}|{submission_key}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def seal(
    consultation: Consultation,
    channel: Channel,
    submission: Submission,
    *,
    locale: str,
    submission_key: str,
    details: Mapping[str, Any] | None = None,
    held: bool = False,
) -> Envelope:
    """Seal a checked submission and store only the envelope (flushed, not committed).

    A retry with the same submission key returns the envelope already stored; whether its
    answers were the same cannot be told, and is not recorded anywhere.
    """
    if submission.errors:
        raise ValueError("only a checked submission without errors can be sealed")
    if not consultation.is_accepting():
        raise NotAccepting()
    key = sealing_key(consultation)
    if key is None:
        raise NoKey()
    hashed = key_hash(consultation, submission_key)
    existing = _by_key(consultation, hashed)
    if existing is not None:
        return existing
    version = consultation.version or ""
    body = payload.build(
        submission, version=version, channel=channel, locale=locale, details=details
    )
    sealed = crypto.seal(
        body,
        key.public_key,
        crypto.info(str(consultation.uuid), version, key.key_id),
        envelope_size(consultation),
    )
    del body
    envelope = Envelope(
        consultation_id=consultation.id,
        suite=sealed.suite,
        key_id=sealed.key_id,
        ciphertext=sealed.ciphertext,
        sha256=sealed.digest,
        received_on=utcnow().date(),
        is_held=held,
        submission_key_hash=hashed,
    )
    try:
        with db.session.begin_nested():
            db.session.add(envelope)
    except IntegrityError:  # the same key, committed by a parallel request a moment ago
        existing = _by_key(consultation, hashed)
        if existing is None:
            raise
        return existing
    return envelope


def _by_key(consultation: Consultation, hashed: str) -> Envelope | None:
    return db.session.scalar(
        select(Envelope).where(
            Envelope.consultation_id == consultation.id, Envelope.submission_key_hash == hashed
        )
    )


def envelope_counts(consultation: Consultation) -> tuple[int, int]:
    """Envelopes received, and how many of them are held for review."""
    rows = db.session.execute(
        select(Envelope.is_held, func.count())
        .where(Envelope.consultation_id == consultation.id)
        .group_by(Envelope.is_held)
    ).all()
    counts = {bool(held): n for held, n in rows}
    return counts.get(False, 0) + counts.get(True, 0), counts.get(True, 0)
