"""Signing in: the password, then (where set up) a second factor, under the login throttle.

The password step either signs in at once or opens a :class:`LoginChallenge`: a short-lived
server-side record whose random token the browser's session holds. Only the code step,
against that record, completes the sign-in; the view then starts a brand-new session.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select

from consult.accounts import services, throttle, two_factor
from consult.accounts.models import LoginChallenge, User
from consult.db import utcnow
from consult.errors import LinkInvalid
from consult.extensions import db
from consult.tokens import digest, new_token

#: Time to type the code after the password.
CHALLENGE_MINUTES = 5
#: Wrong codes after which the password must be given again.
CHALLENGE_TRIES = 5


class ChallengeExpired(LinkInvalid):
    default_message = _l("Your sign-in was not finished in time. Sign in again.")


@dataclass(frozen=True)
class PasswordAccepted:
    """The outcome of a right password: the user, and the challenge token if a code is due."""

    user: User
    challenge: str | None = None


def password_step(email: str, password: str, address: str) -> PasswordAccepted:
    """Check the password under the throttle.

    Raises ``TooManyAttempts`` during a lock-out, ``LoginFailed`` for a wrong pair (counted;
    the caller commits the count).
    """
    return _throttled(email, address, lambda: services.authenticate(email, password))


def join(token: str, *, password: str, name: str, locale: str, address: str) -> PasswordAccepted:
    """Accept a member invitation (:func:`services.accept_invitation`) under the throttle:
    for an existing account its password is checked like a sign-in, code step included."""
    email = services.open_invitation(token).email
    return _throttled(
        email,
        address,
        lambda: services.accept_invitation(token, password=password, name=name, locale=locale),
    )


def _throttled(email: str, address: str, check: Callable[[], User]) -> PasswordAccepted:
    """Run the password ``check`` unless locked out, counting a ``LoginFailed``."""
    throttle.check(email, address)
    try:
        user = check()
    except services.LoginFailed:
        throttle.failed(email, address)
        raise
    return _after_password(user)


def _after_password(user: User) -> PasswordAccepted:
    if not user.has_two_factor:
        throttle.succeeded(user.email)
        return PasswordAccepted(user)
    now = utcnow()
    db.session.execute(delete(LoginChallenge).where(LoginChallenge.expires_at <= now))
    token, token_hash = new_token()
    expires_at = now + timedelta(minutes=CHALLENGE_MINUTES)
    db.session.add(LoginChallenge(token_hash=token_hash, user_id=user.id, expires_at=expires_at))
    db.session.flush()
    return PasswordAccepted(user, token)


def open_challenge(token: str | None) -> LoginChallenge:
    """The live challenge of ``token``; ``ChallengeExpired`` when gone, old or locked."""
    challenge = (
        db.session.scalar(select(LoginChallenge).where(LoginChallenge.token_hash == digest(token)))
        if token
        else None
    )
    if challenge is None or challenge.expires_at <= utcnow() or not challenge.user.is_active:
        raise ChallengeExpired()
    return challenge


def code_step(token: str | None, code: str, address: str) -> tuple[User, two_factor.Factor]:
    """Complete a sign-in with a TOTP or recovery code; the challenge is spent either way
    after :data:`CHALLENGE_TRIES` wrong codes.

    Raises ``ChallengeExpired``, ``TooManyAttempts``, or ``CodeWrong`` (counted; the caller
    commits the count).
    """
    challenge = open_challenge(token)
    user = challenge.user
    throttle.check(user.email, address)
    try:
        factor = two_factor.verify(user, code)
    except two_factor.CodeWrong:
        _count_wrong_code(challenge, address)
        raise
    db.session.delete(challenge)
    throttle.succeeded(user.email)
    return user, factor


def _count_wrong_code(challenge: LoginChallenge, address: str) -> None:
    challenge.failures += 1
    if challenge.failures >= CHALLENGE_TRIES:
        db.session.delete(challenge)
    throttle.failed(challenge.user.email, address)
    db.session.flush()
