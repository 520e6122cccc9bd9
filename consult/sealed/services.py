"""Keys and envelopes: registering a ceremony, and sealing a submission inside the request.

The plaintext of a sealed answer lives only in memory, for the duration of the request that
seals it: it is never written, logged or put in an error. What is stored is the envelope.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import defer

from consult.accounts.models import User
from consult.audit.services import record
from consult.consultations import services as consultations
from consult.consultations.models import Consultation
from consult.db import utcnow
from consult.errors import Conflict
from consult.extensions import db
from consult.questionnaires.answers import Submission
from consult.questionnaires.schema import Channel, Questionnaire
from consult.respond import answering
from consult.respond.services import NotAccepting, insert_once
from consult.sealed import crypto, payload
from consult.sealed.models import (
    CeremonyMode,
    CeremonyTrustee,
    Envelope,
    SealingKey,
    new_envelope_id,
)
from consult.settings import current_settings


class NoKey(Conflict):
    default_message = _l("The sealed channel is not ready: its key ceremony has not taken place.")


class KeyExists(Conflict):
    default_message = _l(
        "This consultation already has its key. A new ceremony is only possible before it opens."
    )


def sealing_key(consultation: Consultation) -> SealingKey | None:
    return db.session.scalar(_SEALING_KEY, {"consultation": consultation.id})


#: Built once: every sealed answer looks its key up.
_SEALING_KEY = select(SealingKey).where(SealingKey.consultation_id == bindparam("consultation"))


def public_channel(slug: str, *, sending: bool = False) -> tuple[Consultation, SealingKey | None]:
    """The consultation readers may see (as ``consultations.get_public``) and the key its
    sealed web channel seals with (as :func:`channel_key`), in one query: the channel needs
    both for every answer. A request ``sending`` answers reads them from the process's copy
    (:mod:`consult.respond.answering`), read-only."""
    if sending:
        consultation, key = answering.consultation_and_key(slug)
    else:
        row = db.session.execute(_PUBLIC_WITH_KEY, {"slug": slug}).first()
        found, key = row if row is not None else (None, None)
        consultation = consultations.readable(found)
    return consultation, key if _asked(consultation.shared_document()) else None


#: Built once, as ``_SEALING_KEY``.
_PUBLIC_WITH_KEY = (
    select(Consultation, SealingKey)
    .outerjoin(SealingKey, SealingKey.consultation_id == Consultation.id)
    .where(Consultation.slug == bindparam("slug"))
    .options(defer(Consultation.questionnaire))
)


def channel_key(consultation: Consultation, document: Questionnaire) -> SealingKey | None:
    """The key the sealed web channel seals with, or ``None`` while it cannot take answers
    (no key ceremony yet, or no question asked on that channel)."""
    return sealing_key(consultation) if _asked(document) else None


def _asked(document: Questionnaire) -> bool:
    """Whether the questionnaire asks anything on the sealed web channel."""
    return bool(document.for_channel(Channel.SEALED))


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


#: Padded size of each questionnaire version seen by this process (a few bytes each).
_SIZES: dict[str, int] = {}


def envelope_size(consultation: Consultation) -> int:
    """The padded size of this consultation's version, computed once per version.

    The size follows from the structure alone (question keys and types, choice and row keys,
    text limits, channels: :func:`payload.envelope_size` reads no text), and the version is
    the hash of that structure, so texts corrected after opening never change it.
    """
    version = consultation.version
    if version is None:  # a draft: its structure may still change
        return payload.envelope_size(consultation.shared_document())
    size = _SIZES.get(version)
    if size is None:
        size = _SIZES[version] = payload.envelope_size(consultation.shared_document())
    return size


def key_hash(consultation: Consultation, submission_key: str) -> str:
    """Keyed hash of a sealed form's submission key (DESIGN.md §5)."""
    secret = current_settings().secret_key.encode()
    message = f"sealed|{consultation.uuid}|{submission_key}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Stored:
    """What the sealed channel learns of a stored envelope."""

    id: str
    #: SHA-256 of the ciphertext, hex (a receipt is its beginning).
    sha256: str
    #: False for a retry of a form sealed before: nothing new was stored.
    is_new: bool


def seal(
    consultation: Consultation,
    channel: Channel,
    submission: Submission,
    *,
    locale: str,
    submission_key: str,
    details: Mapping[str, Any] | None = None,
    held: bool = False,
    key: SealingKey | None = None,
) -> Stored:
    """Seal a checked submission and store only the envelope (flushed, not committed).

    ``key`` is the consultation's sealing key, when the caller has it already. A retry with
    the same submission key stores nothing and returns the envelope stored before; whether
    its answers were the same cannot be told, and is not recorded anywhere. Raises
    ``NotAccepting`` outside the open phase and ``NoKey`` before the key ceremony.
    """
    if submission.errors:
        raise ValueError("only a checked submission without errors can be sealed")
    if not consultation.is_accepting():
        raise NotAccepting()
    key = key or sealing_key(consultation)
    if key is None:
        raise NoKey()
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
    row: dict[str, Any] = {
        "id": new_envelope_id(),
        "consultation_id": consultation.id,
        "suite": sealed.suite,
        "key_id": sealed.key_id,
        "ciphertext": sealed.ciphertext,
        "sha256": sealed.digest,
        "received_on": utcnow().date(),
        "is_held": held,
        "submission_key_hash": key_hash(consultation, submission_key),
    }
    if insert_once(Envelope.__table__, row, consultation.version):
        return Stored(row["id"], row["sha256"], is_new=True)
    first = db.session.execute(  # a retry, or a parallel twin: the first one stays
        select(Envelope.id, Envelope.sha256).where(
            Envelope.consultation_id == consultation.id,
            Envelope.submission_key_hash == row["submission_key_hash"],
        )
    ).first()
    if first is None:  # nothing stored before: the consultation stopped taking answers
        raise NotAccepting()
    return Stored(first.id, first.sha256, is_new=False)


def envelope_counts(consultation: Consultation) -> tuple[int, int]:
    """Envelopes received, and how many of them are held for review."""
    rows = db.session.execute(
        select(Envelope.is_held, func.count())
        .where(Envelope.consultation_id == consultation.id)
        .group_by(Envelope.is_held)
    ).all()
    counts = {bool(held): n for held, n in rows}
    return counts.get(False, 0) + counts.get(True, 0), counts.get(True, 0)
