"""Login throttling: failed sign-ins counted per account and per client address.

After :data:`ACCOUNT_LIMIT` failures for one e-mail address, or :data:`ADDRESS_LIMIT` from
one client address, within a window of :data:`WINDOW`, sign-in is refused until the window
ends, with one message. Passwords and second-factor codes count alike, and a refused
attempt checks nothing, so a right password says nothing during a lock-out either.

No enumeration: an unknown address is counted and refused exactly like a real account (its
key is a hash of whatever was typed), so neither the answer, its status nor its timing
tells whether an account exists.

Nothing stored names anyone (DESIGN.md §6): an account's key is an HMAC of the normalised
e-mail address under a key derived from the app secret; an address's key is an HMAC under a
key that changes every day. The counts live in the database so every worker shares them,
and rows are deleted once their window is over. A plain refusal rather than a delay: a
sleeping worker would let a few clients hold the whole server.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import case, delete, select
from sqlalchemy.dialects import postgresql, sqlite

from consult.accounts import keys
from consult.accounts.models import LoginThrottle
from consult.db import utcnow
from consult.errors import ConsultError
from consult.extensions import db
from consult.i18n.numbers import lazy_ngettext as _ln
from consult.settings import current_settings

WINDOW = timedelta(minutes=15)
#: Wrong passwords or codes for one account within :data:`WINDOW`.
ACCOUNT_LIMIT = 5
#: Failures from one client address within :data:`WINDOW`: higher, as an office or a
#: shelter may share one address between several members.
ADDRESS_LIMIT = 20
_table = LoginThrottle.__table__


class TooManyAttempts(ConsultError):
    status = 429
    default_message = _ln(
        "Too many failed sign-in attempts. Wait %(num)s minute and try again.",
        "Too many failed sign-in attempts. Wait %(num)s minutes and try again.",
        int(WINDOW.total_seconds() // 60),
    )


def account_key(email: str) -> str:
    """The throttle key of what was typed as an e-mail address, account or not."""
    secret = keys.derive(current_settings().secret_key, "login-throttle/account/v1")
    return "account:" + keys.keyed_hash(secret, email.strip().lower())


def address_key(address: str) -> str:
    """The throttle key of a client address today, under a key that changes every day."""
    secret = keys.derive(current_settings().secret_key, "login-throttle/address/v1")
    return "address:" + keys.keyed_hash(keys.daily_key(secret, utcnow().date()), address)


def _keys(email: str, address: str) -> list[tuple[str, int]]:
    found = [(account_key(email), ACCOUNT_LIMIT)]
    if address:
        found.append((address_key(address), ADDRESS_LIMIT))
    return found


def check(email: str, address: str) -> None:
    """Raise :class:`TooManyAttempts` while the account or the address is locked out."""
    limits = dict(_keys(email, address))
    rows = db.session.execute(
        select(_table.c.key, _table.c.failures).where(
            _table.c.key.in_(limits), _table.c.window_ends_at > utcnow()
        )
    )
    if any(failures >= limits[key] for key, failures in rows):
        raise TooManyAttempts()


def failed(email: str, address: str) -> None:
    """Count one failure for the account and the address (flushed, not committed)."""
    now = utcnow()
    db.session.execute(delete(_table).where(_table.c.window_ends_at <= now))
    for key, _limit in _keys(email, address):
        _count(key, now)


def _count(key: str, now: datetime) -> None:
    """One atomic upsert, so parallel failures are all counted."""
    dialect = db.session.get_bind().dialect.name
    make_insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    insert = make_insert(_table).values(key=key, failures=1, window_ends_at=now + WINDOW)
    expired = _table.c.window_ends_at <= now
    db.session.execute(
        insert.on_conflict_do_update(
            index_elements=[_table.c.key],
            set_={
                "failures": case((expired, 1), else_=_table.c.failures + 1),
                "window_ends_at": case((expired, now + WINDOW), else_=_table.c.window_ends_at),
            },
        )
    )


def succeeded(email: str) -> None:
    """Forget the account's failures after a complete sign-in (the address's stay)."""
    db.session.execute(delete(_table).where(_table.c.key == account_key(email)))
