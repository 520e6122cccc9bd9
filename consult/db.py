"""The declarative base, its naming convention, and the column types every feature shares.

Nothing here imports Flask: models stay importable by pure tools (migrations, the offline CLI).
"""

from __future__ import annotations

import enum
import sys
import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Enum, MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, registry
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always read back timezone-aware.

    SQLite keeps no offset, so values are normalised to UTC on the way in and tagged on the
    way out; naive values are refused rather than guessed.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where a UTC time is required")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class TranslatedText(TypeDecorator[dict[str, str]]):
    """Content in several languages, stored as a JSON object ``{locale: text}``.

    Empty strings are dropped on the way in, so "missing" has one spelling. Resolve a value
    for display with :func:`consult.i18n.content.resolve`.
    """

    impl = JSON
    cache_ok = True

    def process_bind_param(self, value: dict[str, str] | None, dialect: Any) -> dict[str, str]:
        return {locale: text for locale, text in (value or {}).items() if text and text.strip()}

    def process_result_value(self, value: Any, dialect: Any) -> dict[str, str]:
        return dict(value or {})


def enum_column(enum_class: type[enum.Enum], **kwargs: Any) -> Enum:
    """An enum stored by value as a checked VARCHAR (no PostgreSQL enum type to outlive it)."""
    return Enum(
        enum_class,
        native_enum=False,
        create_constraint=True,
        length=max(len(member.value) for member in enum_class),
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
        name=enum_class.__name__.lower(),
        **kwargs,
    )


class Base(DeclarativeBase):
    """Declarative base with the naming convention that migrations rely on."""

    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCDateTime(), dict[str, str]: TranslatedText()},
    )


class CreatedAtMixin:
    #: When the row was created (UTC).
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


def new_uuid() -> uuid.UUID:
    return uuid.uuid4()


#: Requests with these methods only read (a stale session touch aside): their transactions
#: start deferred, so readers never wait for each other in WAL mode.
READING_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@event.listens_for(Engine, "connect")
def _configure_sqlite(dbapi_connection: Any, connection_record: Any) -> None:
    """SQLite set up for durability, on every pooled connection (PRAGMAs are per connection).

    Foreign keys enforced; WAL so readers do not block the writer; ``synchronous=FULL`` so a
    committed answer survives a power cut (NORMAL may lose the last transactions in WAL);
    ``secure_delete`` so purged envelopes and drafts are overwritten, not left in free pages;
    a busy timeout so writers queue instead of failing. pysqlite's own transaction handling
    defers BEGIN and breaks SAVEPOINT, so it is switched off and SQLAlchemy emits BEGIN itself
    (see the SQLAlchemy pysqlite notes).
    """
    if type(dbapi_connection).__module__ != "sqlite3":
        return
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_begin(conn: Any) -> None:
    """SQLAlchemy's BEGIN on SQLite, sent straight to the driver (every transaction of
    every request starts here: the engine's own execution path would double its cost)."""
    if conn.dialect.name == "sqlite":
        conn.connection.driver_connection.execute(begin_statement())


def begin_statement() -> str:
    """``BEGIN IMMEDIATE`` unless the current request only reads.

    A deferred transaction that reads and then writes cannot wait for another writer: if one
    committed after its first read, SQLite refuses the write at once ("database is locked"),
    whatever the busy timeout. Taking the write lock at BEGIN makes writers queue behind each
    other instead. Reading requests stay deferred so that they run side by side; outside
    requests (commands, jobs) every transaction is taken as a writer.
    """
    flask = sys.modules.get("flask")  # looked up, not imported: this module stays Flask-free
    if flask is None or not flask.has_request_context():
        return "BEGIN IMMEDIATE"
    if flask.request.method in READING_METHODS or flask.g.get(_READ_FIRST):
        return "BEGIN"
    return "BEGIN IMMEDIATE"


#: Set on ``flask.g`` by :func:`read_first` until :func:`start_writing`.
_READ_FIRST = "_sqlite_read_first"


def read_first() -> None:
    """Say that this request reads everything it needs, then writes once, after
    :func:`start_writing`: on SQLite its reads run in a deferred transaction, so the write
    lock is held for the writing only, not for the whole request.

    The answering pages do this: a submission is checked against the questionnaire (most
    of a request's time) before anything is stored, and answers arriving together would
    otherwise queue behind each other's checking. Call it before the request's first query.
    """
    import flask

    flask.g.setdefault(_READ_FIRST, True)


def start_writing(session: Any) -> None:
    """End the reading transaction of a :func:`read_first` request, so that its next
    transaction takes the write lock at ``BEGIN`` (SQLite; nothing to do elsewhere).
    ``session`` is the scoped session, ``db.session``.

    The request has written nothing yet, so ending the transaction only lets go of its
    snapshot; what it loaded is kept as it was read, without loading it again. The rows
    are as they stood a moment before the write, as they would be on PostgreSQL, where
    reading and writing are not one atomic step either.
    """
    import flask

    if not flask.g.pop(_READ_FIRST, False):
        return
    current = session()
    if not current.in_transaction():  # it read nothing, or nothing from this session
        return
    if current.new or current.dirty or current.deleted:
        raise RuntimeError("a read-first request changed rows before it started writing")
    if session.get_bind().dialect.name == "sqlite":
        expiring, current.expire_on_commit = current.expire_on_commit, False
        try:
            current.commit()
        finally:
            current.expire_on_commit = expiring
