"""Sealing keys, the trustees of each ceremony, and sealed envelopes.

The database never holds a private key in clear, a share, or a plaintext answer: only the
public key, the private key wrapped under an opening key that exists nowhere, and envelopes.
An envelope row holds what DESIGN.md §5 lists and nothing more — no address, no browser, no
session, no language, no time finer than a day.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consult.db import CreatedAtMixin, enum_column
from consult.extensions import db


class CeremonyMode(StrEnum):
    #: The server generated the key in one request and forgot it.
    IN_APP = "in_app"
    #: A trustee's computer generated it with ``consult-keygen``; the server never saw it.
    OFFLINE = "offline"


class SealingKey(CreatedAtMixin, db.Model):  # type: ignore[name-defined]
    """The public half of a consultation's key pair, and its wrapped private half."""

    __tablename__ = "sealing_key"
    __table_args__ = (
        CheckConstraint(
            "threshold >= 2 AND threshold <= share_count AND share_count <= 16",
            name="threshold_range",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(
        ForeignKey("consultation.id", ondelete="CASCADE"), unique=True
    )
    #: HPKE suite the envelopes are sealed with.
    suite: Mapped[str] = mapped_column(String(64))
    #: First 16 bytes of SHA-256 of the public key, hex.
    key_id: Mapped[str] = mapped_column(String(32), unique=True)
    #: Raw ML-KEM-768 public key followed by the raw X25519 public key.
    public_key: Mapped[bytes] = mapped_column(LargeBinary)
    #: The private key under AES-256-GCM with the opening key that the trustees' shares make.
    wrapped_private_key: Mapped[bytes] = mapped_column(LargeBinary)
    #: SLIP-39 identifier shared by the shares of this ceremony (public; tells shares apart).
    share_identifier: Mapped[int]
    #: Shares needed to open (k) and shares made (n).
    threshold: Mapped[int]
    share_count: Mapped[int]
    mode: Mapped[CeremonyMode] = mapped_column(enum_column(CeremonyMode))

    trustees: Mapped[list[CeremonyTrustee]] = relationship(
        cascade="all, delete-orphan", order_by="CeremonyTrustee.share_number"
    )


class CeremonyTrustee(db.Model):  # type: ignore[name-defined]
    """Who holds share number n of a ceremony (never the share itself)."""

    __tablename__ = "ceremony_trustee"

    sealing_key_id: Mapped[int] = mapped_column(
        ForeignKey("sealing_key.id", ondelete="CASCADE"), primary_key=True
    )
    #: 1-based number of the share, as its header says.
    share_number: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    #: When the trustee confirmed holding this share (its header words).
    confirmed_at: Mapped[datetime | None]


def new_envelope_id() -> str:
    """A random 128-bit identifier, hex."""
    return secrets.token_hex(16)


class Envelope(db.Model):  # type: ignore[name-defined]
    """One sealed submission, exactly as DESIGN.md §5 lists it."""

    __tablename__ = "envelope"
    __table_args__ = (UniqueConstraint("consultation_id", "submission_key_hash"),)

    #: Random 128-bit id, hex: says nothing about order or time.
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_envelope_id)
    consultation_id: Mapped[int] = mapped_column(
        ForeignKey("consultation.id", ondelete="CASCADE"), index=True
    )
    suite: Mapped[str] = mapped_column(String(64))
    key_id: Mapped[str] = mapped_column(String(32))
    #: HPKE output: encapsulated key, then the padded plaintext under AES-256-GCM.
    ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    #: SHA-256 of the ciphertext, hex: the dataset digest is made of these.
    sha256: Mapped[str] = mapped_column(String(64))
    #: The day it arrived, nothing finer.
    received_on: Mapped[date]
    #: Arrived past the rate limit: counted apart at unsealing, never refused.
    is_held: Mapped[bool] = mapped_column(default=False)
    #: Keyed hash of the form's submission key: a retry stores nothing twice.
    submission_key_hash: Mapped[str | None] = mapped_column(String(64))
