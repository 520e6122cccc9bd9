"""What the requests that send answers read of their consultation: a copy kept for a moment.

Every answer sent looks its consultation up (and, on the sealed channel, its key). Under
load that look-up was a fifth of a submission's time (``bench/submission.py``, profiled):
an ORM load, and on SQLite a transaction of its own before the one that stores. The pages
that *send* answers (``POST`` on the open and sealed channels) read instead a copy that this
process keeps for at most :data:`FRESH_FOR` seconds, loaded whole (questionnaire,
organisation and sealing key) in a session of its own and closed at once, so that nothing in
it is ever expired or loaded again. Requests share it and only read it.

Nothing depends on the copy being current for what matters:

- **Whether answers are taken** is decided by the database when the answer is stored: the
  insert itself requires the consultation to be open, within its dates and at the version
  the answers were checked against (:func:`consult.respond.services.insert_once`). A copy
  that still says "open" a moment after closing costs a refused insert, never an answer
  stored after the close; and a copy that says "not open" is never trusted but read again.
- **Changes made by this process** (an organiser's edit, a new key, a test) drop every copy
  as they are flushed and again when committed (:func:`_note_changes`), so the next answer
  sees them.
- **Changes made by another worker** reach this one within :data:`FRESH_FOR` seconds: a
  corrected text, a new hold threshold or a new contact for urgent help.

Pages that only show (``GET``) always read the database.
"""

from __future__ import annotations

import threading
import time
import weakref
from dataclasses import dataclass
from itertools import chain
from typing import Any, cast

from flask import current_app
from sqlalchemy import bindparam, event, select
from sqlalchemy.orm import Session, joinedload, undefer

from consult.accounts.models import Organisation
from consult.consultations import services as consultations
from consult.consultations.models import Consultation
from consult.extensions import db
from consult.sealed.models import SealingKey

#: Seconds a copy serves before it is read again (changes made by another worker).
FRESH_FOR = 2.0
#: Consultations kept at most: the ones taking answers now are a handful.
KEPT = 64
#: What a copy is made of: a change to any of these drops the copies.
_WATCHED = (Consultation, SealingKey, Organisation)
_CHANGED = "consult.answering.changed"
EXTENSION = "consult.answering"


@dataclass(frozen=True)
class _Copy:
    consultation: Consultation
    key: SealingKey | None
    taken: float


class _Copies:
    """One application's copies, by slug (each application has its own database)."""

    def __init__(self) -> None:
        self.by_slug: dict[str, _Copy] = {}
        self.lock = threading.Lock()

    def keep(self, slug: str, copy: _Copy) -> None:
        with self.lock:
            self.by_slug[slug] = copy
            while len(self.by_slug) > KEPT:
                del self.by_slug[next(iter(self.by_slug))]

    def forget(self, slug: str | None) -> None:
        with self.lock:
            if slug is None:
                self.by_slug.clear()
            else:
                self.by_slug.pop(slug, None)


#: Every application's copies, for :func:`_note_changes` (which knows no application).
_everywhere: weakref.WeakSet[_Copies] = weakref.WeakSet()
_everywhere_lock = threading.Lock()


def _copies() -> _Copies:
    found = current_app.extensions.get(EXTENSION)
    if found is None:
        with _everywhere_lock:
            found = current_app.extensions.setdefault(EXTENSION, _Copies())
            _everywhere.add(found)
    return cast(_Copies, found)


#: Built once: the consultation whole, its organisation and its key, in one query.
_QUERY = (
    select(Consultation, SealingKey)
    .outerjoin(SealingKey, SealingKey.consultation_id == Consultation.id)
    .where(Consultation.slug == bindparam("slug"))
    .options(undefer(Consultation.questionnaire), joinedload(Consultation.organisation))
)


def consultation(slug: str) -> Consultation:
    """The consultation ``slug``, as readers may see it (``NotFound`` for a draft or an
    unknown slug), for a request that sends answers. Read-only: never change it."""
    return _copy(slug).consultation


def consultation_and_key(slug: str) -> tuple[Consultation, SealingKey | None]:
    """:func:`consultation`, and its sealing key if its ceremony took place."""
    copy = _copy(slug)
    return copy.consultation, copy.key


def forget(slug: str | None = None) -> None:
    """Drop this application's copy of ``slug`` (of every consultation by default): it will
    be read again."""
    _copies().forget(slug)


def _copy(slug: str) -> _Copy:
    now = time.monotonic()
    copy = _copies().by_slug.get(slug)
    if (
        copy is None
        or now - copy.taken > FRESH_FOR
        or not copy.consultation.is_accepting()  # "closed" is never taken on trust
    ):
        copy = _load(slug, now)
    return copy


def _load(slug: str, now: float) -> _Copy:
    with Session(db.engine) as session:  # closed at once: what it loaded never expires
        row = session.execute(_QUERY, {"slug": slug}).first()
    found, key = row if row is not None else (None, None)
    readable = consultations.readable(found)  # drafts and unknown slugs are not kept
    readable.shared_document()  # parsed here, once for the process
    copy = _Copy(readable, key, now)
    _copies().keep(slug, copy)
    return copy


def _forget_everywhere() -> None:
    with _everywhere_lock:
        every = list(_everywhere)
    for copies in every:
        copies.forget(None)


@event.listens_for(Session, "after_flush")
def _note_changes(session: Session, _context: Any) -> None:
    """A consultation, its key or its organisation changed: drop the copies now, and again
    once committed (another request may have read the old rows in between)."""
    changed = chain(session.new, session.dirty, session.deleted)
    if any(isinstance(instance, _WATCHED) for instance in changed):
        session.info[_CHANGED] = True
        _forget_everywhere()


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    if session.info.pop(_CHANGED, False):
        _forget_everywhere()


@event.listens_for(Session, "after_soft_rollback")
def _rolled_back(session: Session, _previous: Any) -> None:
    session.info.pop(_CHANGED, None)
