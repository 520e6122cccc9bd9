"""Two-factor authentication of organisers: TOTP (RFC 6238) codes and recovery codes.

A member sets it up from their account (secret shown as text, ``otpauth://`` URI and QR
code), proves their app works with a first code, and receives ten single-use recovery codes,
shown once. Sign-in then asks for a code after the password (:mod:`consult.accounts.signin`).

Storage, against a reader of the database or its backups (see :mod:`consult.accounts.keys`):

- the TOTP secret is encrypted (AES-256-GCM, key derived from the app secret, bound to the
  user), as the server must read it back to compute codes;
- recovery codes are kept as HMAC-SHA256 under a key derived from the app secret. Not
  Argon2 like passwords: a code is random with about 50 bits of entropy, so a slow hash adds
  nothing against guessing that the entropy and the login throttle do not already give,
  while ten Argon2 checks per attempt would make every attempt a cheap way to load the
  server. The key (a pepper kept out of the database) means a leaked table alone allows no
  offline guessing at all, and the user id in the message ties each code to its account.

A code is accepted at most once: the time step of the last accepted TOTP code is stored and
only later steps pass, and a recovery code is spent by one conditional ``UPDATE``, so two
parallel requests cannot both use it.
"""

from __future__ import annotations

import hmac
import secrets
from enum import StrEnum
from urllib.parse import urlsplit

import pyotp
import segno
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, or_, select, update

from consult.accounts import keys, sessions, throttle
from consult.accounts.models import Membership, Organisation, RecoveryCode, TwoFactor, User
from consult.accounts.permissions import SENSITIVE_ROLES
from consult.accounts.services import verify_password
from consult.audit.services import record
from consult.db import utcnow
from consult.errors import Conflict, ValidationFailed
from consult.extensions import db
from consult.settings import current_settings

#: Accept the code of the previous and the next 30-second step too (clock drift, typing).
VALID_WINDOW = 1
RECOVERY_CODE_COUNT = 10
#: Lowercase letters and digits without the look-alikes 0/o, 1/l/i.
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
RECOVERY_LENGTH = 10


class Factor(StrEnum):
    TOTP = "totp"
    RECOVERY = "recovery"


class CodeWrong(ValidationFailed):
    default_message = _l(
        "This code is not right, or it has already been used. Wait for a new code and try again."
    )


class PasswordWrong(ValidationFailed):
    default_message = _l("This is not your current password.")


def _key(purpose: str) -> bytes:
    return keys.derive(current_settings().secret_key, purpose)


def _context(user: User) -> str:
    return f"user:{user.id}"


# Setting up --------------------------------------------------------------------------------


def start_setup(user: User) -> None:
    """Give ``user`` a new, unconfirmed TOTP secret; ``Conflict`` when it is already on."""
    if user.has_two_factor:
        raise Conflict(_l("Two-factor authentication is already on."))
    encrypted = keys.encrypt(_key("totp-secret/v1"), pyotp.random_base32().encode(), _context(user))
    if user.two_factor is None:
        user.two_factor = TwoFactor(secret_encrypted=encrypted)
    else:
        user.two_factor.secret_encrypted = encrypted
        user.two_factor.last_used_step = None
    db.session.flush()


def _secret(user: User) -> str:
    assert user.two_factor is not None
    blob = user.two_factor.secret_encrypted
    return keys.decrypt(_key("totp-secret/v1"), blob, _context(user)).decode()


def pending_secret(user: User) -> str | None:
    """The secret of an unfinished setup, to show; ``None`` when there is none."""
    if user.two_factor is None or user.two_factor.confirmed_at is not None:
        return None
    return _secret(user)


def provisioning_uri(user: User, secret: str) -> str:
    """The ``otpauth://`` URI that authenticator apps read, labelled with this instance."""
    issuer = f"consult {urlsplit(current_settings().base_url).hostname or ''}".strip()
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=issuer)


def qr_code(uri: str) -> str:
    """``uri`` as a QR code in a ``data:`` URI of an SVG image (made here, no third party)."""
    return str(segno.make(uri, error="m").svg_data_uri(scale=5, border=2))


def confirm_setup(user: User, code: str) -> list[str]:
    """Turn two-factor authentication on with a first good code; return the recovery codes.

    Every other session of the user ends, since none of them passed a second factor.
    Raises ``Conflict`` when there is no setup to confirm, ``CodeWrong`` for a bad code.
    """
    if user.two_factor is None or user.two_factor.confirmed_at is not None:
        raise Conflict(_l("Start the setup of two-factor authentication again."))
    if not _accept_totp(user, code):
        raise CodeWrong()
    user.two_factor.confirmed_at = utcnow()
    codes = _new_recovery_codes(user)
    sessions.end_all(user)
    record("user.two_factor_enabled", f"user:{user.id}", actor_id=user.id)
    return codes


# Checking codes ----------------------------------------------------------------------------


def _normalised(code: str) -> str:
    return "".join(code.split()).replace("-", "").lower()


def _accept_totp(user: User, code: str) -> bool:
    """Whether ``code`` is a current TOTP code not used before; if so, mark its step used."""
    code = _normalised(code)
    if not (len(code) == 6 and code.isdigit()) or user.two_factor is None:
        return False
    totp = pyotp.TOTP(_secret(user))
    now = totp.timecode(utcnow())
    for step in range(now - VALID_WINDOW, now + VALID_WINDOW + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return _spend_step(user, step)
    return False


def _spend_step(user: User, step: int) -> bool:
    """Record ``step`` as used unless it (or a later one) already was; atomic."""
    spent = db.session.execute(
        update(TwoFactor)
        .where(
            TwoFactor.user_id == user.id,
            or_(TwoFactor.last_used_step.is_(None), TwoFactor.last_used_step < step),
        )
        .values(last_used_step=step)
    )
    return bool(spent.rowcount == 1)  # type: ignore[attr-defined]


def _code_hash(user: User, code: str) -> str:
    return keys.keyed_hash(_key("recovery-code/v1"), f"{user.id}|{_normalised(code)}")


def _spend_recovery_code(user: User, code: str) -> bool:
    spent = db.session.execute(
        update(RecoveryCode)
        .where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == _code_hash(user, code),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=utcnow())
    )
    return bool(spent.rowcount == 1)  # type: ignore[attr-defined]


def verify(user: User, code: str) -> Factor:
    """Check a sign-in code of ``user``: a TOTP code, or else a recovery code (then spent).

    Returns which one it was; raises ``CodeWrong`` when it is neither.
    """
    if not user.has_two_factor:
        raise CodeWrong()
    if _accept_totp(user, code):
        return Factor.TOTP
    if _spend_recovery_code(user, code):
        record(
            "user.recovery_code_used",
            f"user:{user.id}",
            actor_id=user.id,
            details={"remaining": remaining_recovery_codes(user)},
        )
        return Factor.RECOVERY
    raise CodeWrong()


def remaining_recovery_codes(user: User) -> int:
    return (
        db.session.scalar(
            select(func.count(RecoveryCode.id)).where(
                RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)
            )
        )
        or 0
    )


# Recovery codes and switching off -----------------------------------------------------------


def _new_recovery_codes(user: User) -> list[str]:
    """Replace the user's recovery codes with new ones; return them, formatted, to show once."""
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [
        "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_LENGTH))
        for _ in range(RECOVERY_CODE_COUNT)
    ]
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=_code_hash(user, c)) for c in codes)
    db.session.flush()
    half = RECOVERY_LENGTH // 2
    return [f"{code[:half]}-{code[half:]}" for code in codes]


def _reauthenticate(user: User, password: str, code: str, address: str) -> None:
    """Raise ``PasswordWrong`` or ``CodeWrong`` unless both prove the person is ``user``.

    Failures count in the login throttle (``TooManyAttempts`` past it), so a stolen session
    cannot be used to guess the password or the codes either.
    """
    throttle.check(user.email, address)
    try:
        if not verify_password(user, password):
            raise PasswordWrong()
        verify(user, code)
    except ValidationFailed:
        throttle.failed(user.email, address)
        raise


def regenerate_recovery_codes(user: User, password: str, code: str, address: str) -> list[str]:
    """New recovery codes in place of the old ones, after password and code."""
    _reauthenticate(user, password, code, address)
    codes = _new_recovery_codes(user)
    record("user.recovery_codes_regenerated", f"user:{user.id}", actor_id=user.id)
    return codes


def disable(user: User, password: str, code: str, address: str) -> None:
    """Switch two-factor authentication off, after password and code (or a recovery code)."""
    _reauthenticate(user, password, code, address)
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    user.two_factor = None
    db.session.flush()
    record("user.two_factor_disabled", f"user:{user.id}", actor_id=user.id)


# The organisation's rule -------------------------------------------------------------------


def must_set_up(membership: Membership) -> bool:
    """Whether the organisation requires two-factor authentication of this member, who has
    not set it up: owners, trustees, analysts and publishers, where the rule is on."""
    return (
        membership.organisation.is_two_factor_required
        and bool(membership.roles & SENSITIVE_ROLES)
        and not membership.user.has_two_factor
    )


def set_required(organisation: Organisation, required: bool, actor: User) -> None:
    """Turn the organisation's two-factor rule on or off (audited when it changes).

    Raises ``Conflict`` when an owner without two-factor authentication turns it on: they
    would lock themselves out of the page that turns it off again.
    """
    if organisation.is_two_factor_required == required:
        return
    if required and not actor.has_two_factor:
        raise Conflict(
            _l("Set up two-factor authentication for yourself before requiring it of others.")
        )
    organisation.is_two_factor_required = required
    db.session.flush()
    record(
        "organisation.two_factor_required",
        f"organisation:{organisation.slug}",
        organisation_id=organisation.id,
        actor_id=actor.id,
        details={"required": required},
    )
