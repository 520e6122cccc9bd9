"""Server-side records of signed-in sessions, wired into Flask-Login.

The signed session cookie carries only a random token (Flask-Login's "alternative token"
pattern); its hash names a :class:`UserSession` row. Signing in creates a new token (the
session id rotates), signing out deletes the row, and a row past its idle or absolute timeout
is deleted on first use, so a stolen cookie dies with its session.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from flask_babel import gettext
from flask_login import LoginManager
from sqlalchemy import delete, select
from sqlalchemy.exc import OperationalError

from consult.accounts.models import User, UserSession
from consult.db import utcnow
from consult.extensions import db
from consult.i18n.locales import N_
from consult.settings import current_settings
from consult.tokens import digest, new_token

#: Touch ``last_seen_at`` at most this often, so reads do not become writes.
TOUCH_EVERY = timedelta(minutes=1)


def init_login_manager(manager: LoginManager, app: Flask) -> None:
    manager.init_app(app)
    manager.login_view = "accounts.login"
    manager.login_message = N_("Please sign in to see this page.")
    manager.login_message_category = "info"
    manager.localize_callback = gettext
    manager.session_protection = None  # the server-side record does this job
    manager.user_loader(load)


def start(user: User) -> str:
    """Open a new session for ``user`` and return its token (flushed, not committed)."""
    token, token_hash = new_token()
    db.session.add(UserSession(token_hash=token_hash, user_id=user.id, last_seen_at=utcnow()))
    db.session.flush()
    user.session_token = token
    return token


def load(token: str) -> User | None:
    """The user of a live session, or ``None`` when it ended, expired or the user is locked."""
    record = db.session.scalar(select(UserSession).where(UserSession.token_hash == digest(token)))
    if record is None:
        return None
    now = utcnow()
    settings = current_settings()
    idle = now - record.last_seen_at > timedelta(minutes=settings.session_idle_minutes)
    too_old = now - record.created_at > timedelta(hours=settings.session_absolute_hours)
    if idle or too_old or not record.user.is_active:
        db.session.delete(record)
        _commit_if_free()  # the ended session is refused all the same; a later one deletes it
        return None
    if now - record.last_seen_at > TOUCH_EVERY:
        record.last_seen_at = now
        _commit_if_free()  # the touch can wait for the next request
    record.user.session_token = token
    return record.user


def _commit_if_free() -> None:
    """Commit, or give up the change when the database refuses it.

    A reading request's transaction is deferred on SQLite (``consult.db.begin_statement``):
    when a writer committed since it began, a write is refused at once. What is written here
    is housekeeping; the reader must not get an error page for it.
    """
    try:
        db.session.commit()
    except OperationalError:
        db.session.rollback()


def end(token: str | None) -> None:
    """Delete the session record of ``token`` (flushed, not committed)."""
    if token:
        db.session.execute(delete(UserSession).where(UserSession.token_hash == digest(token)))


def end_all(user: User) -> None:
    """Sign ``user`` out everywhere, e.g. after a password change (flushed, not committed)."""
    db.session.execute(delete(UserSession).where(UserSession.user_id == user.id))
