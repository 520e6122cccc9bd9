"""Re-sharing a consultation's opening key: new trustees, the same key pair.

When a trustee leaves, or a share may be lost or exposed, k current trustees type their shares
in one sitting; the private key is unwrapped, wrapped again under a fresh opening key, and that
key is split among the new trustees. The key id, and so every envelope already sealed, stays
the same; the previous shares stop opening the key stored here.

The shares, the opening keys and the private key exist only inside :func:`reshare`; nothing
of them is stored, logged or put in an error. Backups taken before a re-share still hold the
previous wrapped key, which the previous shares open: that is why they must be destroyed.
"""

from __future__ import annotations

from collections.abc import Sequence

from flask_babel import lazy_gettext as _l
from sqlalchemy import update

from consult.accounts.models import User
from consult.audit.services import record
from consult.consultations.models import Consultation
from consult.errors import Conflict, ValidationFailed
from consult.extensions import db
from consult.sealed import crypto, services, unsealing
from consult.sealed.models import CeremonyMode, CeremonyTrustee, SealingKey


class SharesRefused(ValidationFailed):
    """The shares typed do not open the key; the message says why, never what was typed."""


class KeyChanged(Conflict):
    default_message = _l(
        "The key's shares changed since this page was shown: it was re-shared meanwhile. "
        "Open the page again and use the new shares."
    )


def refusal(error: crypto.SealedError) -> SharesRefused:
    """The user-facing error for a refusal of :mod:`crypto`: the words unsealing uses."""
    messages = unsealing.SHARE_MESSAGES
    kind = next((k for k in messages if isinstance(error, k)), crypto.ShareError)
    return SharesRefused(messages[kind])


def current_key(consultation: Consultation) -> SealingKey:
    """The consultation's key; :class:`services.NoKey` when it has none."""
    key = services.sealing_key(consultation)
    if key is None:
        raise services.NoKey()
    return key


def ensure_current(key: SealingKey, expected_identifier: int | None) -> None:
    """Raise :class:`KeyChanged` unless the form was made for the key's current set of shares."""
    if expected_identifier != key.share_identifier:
        raise KeyChanged()


def reshare(
    consultation: Consultation,
    actor: User,
    shares: Sequence[str],
    trustee_ids: list[int],
    threshold: int,
    expected_identifier: int | None,
) -> crypto.Ceremony:
    """Split the key anew among ``trustee_ids``; the caller shows the new shares once (flushed).

    Raises :class:`KeyChanged` when the key was re-shared since the form was shown, and
    :class:`SharesRefused` when ``shares`` do not open it; the key is then left untouched.
    """
    key = current_key(consultation)
    ensure_current(key, expected_identifier)
    ceremony = _new_set(key, shares, threshold, len(trustee_ids))
    previous = (key.threshold, key.share_count)
    _store(key, ceremony, trustee_ids)
    record(
        "sealed.reshared",
        f"consultation:{consultation.uuid}",
        organisation_id=consultation.organisation_id,
        actor_id=actor.id,
        details={
            "key_id": key.key_id,
            "previous": {"threshold": previous[0], "shares": previous[1]},
            "threshold": threshold,
            "shares": len(trustee_ids),
        },
    )
    return ceremony


def _new_set(key: SealingKey, shares: Sequence[str], threshold: int, count: int) -> crypto.Ceremony:
    """A new set of shares whose identifier differs from the current one's.

    A SLIP-39 identifier has 15 bits: a new set could, rarely, draw the current identifier,
    and then a previous share would not read as foreign. Drawing again costs nothing.
    """
    while True:
        try:
            ceremony = crypto.reshare(
                shares,
                key.share_identifier,
                key.threshold,
                key.wrapped_private_key,
                key.key_id,
                threshold,
                count,
            )
        except crypto.SealedError as error:
            raise refusal(error) from None
        if ceremony.public != key.public_key:  # unwrap checks the key id; this costs nothing
            raise refusal(crypto.WrongOpeningKey())
        if ceremony.identifier != key.share_identifier:
            return ceremony


def _store(key: SealingKey, ceremony: crypto.Ceremony, trustee_ids: list[int]) -> None:
    """Replace the wrapped key and its trustees, unless another re-share got there first."""
    changed = db.session.execute(
        update(SealingKey)
        .where(
            SealingKey.id == key.id,
            SealingKey.wrapped_private_key == key.wrapped_private_key,
        )
        .values(
            wrapped_private_key=ceremony.wrapped,
            share_identifier=ceremony.identifier,
            threshold=ceremony.threshold,
            share_count=len(trustee_ids),
            # The server held the private key for this request: no longer an offline key.
            mode=CeremonyMode.IN_APP,
        )
        .execution_options(synchronize_session=False)
    )
    if changed.rowcount != 1:  # type: ignore[attr-defined]
        raise KeyChanged()
    key.trustees.clear()
    db.session.flush()
    db.session.refresh(key)
    key.trustees.extend(
        CeremonyTrustee(share_number=n, user_id=user_id)
        for n, user_id in enumerate(trustee_ids, start=1)
    )
    db.session.flush()
