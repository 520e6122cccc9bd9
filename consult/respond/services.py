"""Taking answers: who may say what, and storing a checked submission exactly once."""

from __future__ import annotations

import gettext
import hashlib
import hmac
import uuid
from datetime import date
from functools import cache
from typing import Any

import pycountry
from flask_babel import lazy_gettext as _l
from sqlalchemy import Table, bindparam, cast, exists, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.dml import ReturningInsert
from sqlalchemy.sql.elements import ColumnElement

from consult.consultations.models import Consultation, Status
from consult.db import utcnow
from consult.errors import Conflict
from consult.extensions import db
from consult.opcat.vocabulary import SEALED_STAKEHOLDERS, STAKEHOLDERS
from consult.questionnaires.answers import ProfileRules, Submission
from consult.questionnaires.schema import (
    Channel,
    JurisdictionMode,
    Question,
    Questionnaire,
)
from consult.respond.models import Answer, Response
from consult.settings import current_settings

#: Channels where respondents may name their organisation.
NAMED_CHANNELS = frozenset({Channel.OPEN, Channel.INVITED})


class NotAccepting(Conflict):
    default_message = _l("This consultation is not taking answers now.")


class KeyReused(Conflict):
    default_message = _l(
        "These answers were already sent from this form, with different "
        "content. Reload the questionnaire to answer again."
    )


def questions_for(document: Questionnaire, channel: Channel) -> list[Question]:
    return document.for_channel(channel)


def category_choices(
    document: Questionnaire, channel: Channel, locale: str, default_locale: str
) -> list[tuple[str, str]]:
    """Stakeholder categories a respondent of ``channel`` may choose, labelled."""
    from consult.i18n.content import resolve

    custom = {c.key: c.label for c in document.profile.custom_categories}
    return [
        (k, resolve(custom[k], default_locale, locale) if k in custom else STAKEHOLDERS.label(k))
        for k in category_keys(document, channel)
    ]


def category_keys(document: Questionnaire, channel: Channel) -> list[str]:
    """The keys of :func:`category_choices`, without a label to translate."""
    keys = [k for k in document.profile.categories if _fits(k, channel)]
    if channel in NAMED_CHANNELS:
        keys += [c.key for c in document.profile.custom_categories]
    return keys


def _fits(category: str, channel: Channel) -> bool:
    """Sealed channels are for those who risk reprisals; the others are for everyone."""
    if channel in (Channel.SEALED, Channel.ASSISTED):
        return category in SEALED_STAKEHOLDERS
    return True


def jurisdiction_choices(
    consultation: Consultation, document: Questionnaire, locale: str
) -> list[tuple[str, str]]:
    """Sub-national jurisdictions offered, in the reader's language where one is known."""
    from consult.i18n.content import resolve

    mode = document.profile.jurisdiction
    if mode is JurisdictionMode.CUSTOM:
        return [
            (c.key, resolve(c.label, consultation.default_locale, locale))
            for c in document.profile.custom_jurisdictions
        ]
    if mode is JurisdictionMode.SUBDIVISIONS:
        return subdivisions(consultation.country, locale)
    return []


def jurisdiction_keys(consultation: Consultation, document: Questionnaire) -> list[str]:
    """The keys of :func:`jurisdiction_choices`, without a name to look up."""
    mode = document.profile.jurisdiction
    if mode is JurisdictionMode.CUSTOM:
        return [c.key for c in document.profile.custom_jurisdictions]
    if mode is JurisdictionMode.SUBDIVISIONS:
        return [s.code for s in _top_subdivisions(consultation.country)]
    return []


def subdivisions(country: str, locale: str) -> list[tuple[str, str]]:
    """Top-level subdivisions of ``country`` from ISO 3166-2, named in ``locale``.

    ``pycountry`` translates only some names into some languages; the ISO name (a proper noun)
    stands in for the others.
    """
    names = gettext.translation(
        "iso3166-2", pycountry.LOCALES_DIR, languages=[locale], fallback=True
    )
    pairs = [(s.code, names.gettext(s.name)) for s in _top_subdivisions(country)]
    return sorted(pairs, key=lambda pair: pair[1].casefold())


def _top_subdivisions(country: str) -> list[Any]:
    found = pycountry.subdivisions.get(country_code=country) or []
    return [s for s in found if not s.parent_code]


def profile_rules(
    consultation: Consultation, document: Questionnaire, channel: Channel, locale: str
) -> ProfileRules:
    """What the profile of ``channel`` may hold. The keys are the same in every language, so
    ``locale`` changes nothing (nothing is translated: this runs on every answer sent)."""
    return ProfileRules(
        categories=category_keys(document, channel),
        jurisdictions=jurisdiction_keys(consultation, document),
        ask_place=document.profile.ask_place,
        ask_organisation=channel in NAMED_CHANNELS,
    )


def key_hash(consultation: Consultation, submission_key: str) -> str:
    """Keyed hash of a form's submission key: what the database keeps of it."""
    secret = current_settings().secret_key.encode()
    message = f"submission|{consultation.uuid}|{submission_key}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def store(
    consultation: Consultation,
    channel: Channel,
    submission: Submission,
    *,
    locale: str,
    submission_key: str,
    today: date | None = None,
) -> Response:
    """Store a checked submission once (flushed, not committed); the response, as :func:`keep`
    stores it (``NotAccepting``, ``KeyReused``), loaded for a caller that adds to it."""
    response_id = keep(
        consultation,
        channel,
        submission,
        locale=locale,
        submission_key=submission_key,
        today=today,
    )
    return db.session.get_one(Response, response_id)


def keep(
    consultation: Consultation,
    channel: Channel,
    submission: Submission,
    *,
    locale: str,
    submission_key: str,
    today: date | None = None,
) -> uuid.UUID:
    """Store a checked submission once, in two statements; the id of its response.

    The same submission key with the same answers keeps the response already stored (a
    double click, a retry); with different answers it raises :class:`KeyReused`. Raises
    :class:`NotAccepting` outside the consultation's open phase.
    """
    if submission.errors:
        raise ValueError("only a checked submission without errors can be stored")
    if not consultation.is_accepting():
        raise NotAccepting()
    row = _response_row(consultation, channel, submission, locale, today)
    row["submission_key_hash"] = key_hash(consultation, submission_key)
    row["answers_digest"] = submission.digest()
    # Made before the first write: on SQLite, the write lock is held from there to COMMIT.
    answers = [{"response_id": row["id"], **vars(answer)} for answer in submission.rows]
    if not insert_once(Response.__table__, row, consultation.version):
        return _same_or_refuse(consultation, row)  # a retry or a parallel twin; or closed
    if answers:
        db.session.connection().execute(_ANSWERS, answers)
    return row["id"]


#: Built once: every answer stores its rows with it.
_ANSWERS = Answer.__table__.insert()


def insert_once(table: Table, row: dict[str, Any], version: str | None) -> bool:
    """Insert ``row`` if its consultation takes answers now, at ``version``, and its table
    holds no row with its consultation's submission key hash yet; whether it did.

    One ``INSERT … SELECT … WHERE`` *the consultation is open, within its dates, at that
    version* ``ON CONFLICT (consultation_id, submission_key_hash) DO NOTHING RETURNING``,
    the same on SQLite and PostgreSQL: no look-up before and no savepoint around it. The
    database decides at the moment of storing, so an answer checked against a copy of the
    consultation (:mod:`consult.respond.answering`) is never stored after it closed. A
    parallel request with the same key waits for the first one to commit, then inserts
    nothing. (``RETURNING`` says what happened: SQLAlchemy leaves ``rowcount`` unset on
    psycopg.)
    """
    connection = db.session.connection()
    statement = _insert_once(table, connection.dialect.name, tuple(row))
    parameters = {**row, ACCEPTING_NOW: utcnow(), ACCEPTING_VERSION: version}
    return connection.execute(statement, parameters).first() is not None


#: The parameters of the condition :func:`insert_once` adds to the row's own.
ACCEPTING_NOW, ACCEPTING_VERSION = "accepting_at", "accepting_version"


@cache
def _insert_once(table: Table, dialect: str, names: tuple[str, ...]) -> ReturningInsert[Any]:
    """The statement of :func:`insert_once` for ``table``'s columns ``names``."""
    # PostgreSQL types the selected parameters from the columns they fill; SQLite needs no
    # cast (and its CAST to a date or time would turn the text into a number).
    values: list[ColumnElement[Any]] = [bindparam(name, type_=table.c[name].type) for name in names]
    if dialect == "postgresql":
        values = [cast(value, value.type) for value in values]
    accepting = exists().where(
        Consultation.id == bindparam("consultation_id"),
        Consultation.status == Status.OPEN,
        or_(Consultation.opens_at.is_(None), Consultation.opens_at <= bindparam(ACCEPTING_NOW)),
        or_(Consultation.closes_at.is_(None), Consultation.closes_at > bindparam(ACCEPTING_NOW)),
        Consultation.version.is_not_distinct_from(bindparam(ACCEPTING_VERSION)),
    )
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(table).from_select(names, select(*values).where(accepting))
    statement = statement.on_conflict_do_nothing(
        index_elements=["consultation_id", "submission_key_hash"]
    )
    return statement.returning(*table.primary_key.columns)


def _same_or_refuse(consultation: Consultation, row: dict[str, Any]) -> uuid.UUID:
    """The response stored before under the same key, if it holds the same answers;
    :class:`NotAccepting` if there is none (the consultation stopped taking answers)."""
    stored = db.session.execute(
        select(Response.id, Response.answers_digest).where(
            Response.consultation_id == consultation.id,
            Response.submission_key_hash == row["submission_key_hash"],
        )
    ).first()
    if stored is None:
        raise NotAccepting()
    if stored.answers_digest != row["answers_digest"]:
        raise KeyReused()
    return stored.id


def _response_row(
    consultation: Consultation,
    channel: Channel,
    submission: Submission,
    locale: str,
    today: date | None,
) -> dict[str, Any]:
    profile = submission.profile
    return {
        "id": uuid.uuid4(),
        "consultation_id": consultation.id,
        "channel": channel,
        "questionnaire_version": consultation.version or "",
        "locale": locale,
        "received_on": today or utcnow().date(),
        "stakeholder_category": profile.category,
        "jurisdiction": profile.jurisdiction or None,
        "place_category": profile.place or None,
        "declared_organisation": profile.organisation or None,
        "is_held": False,
        "publication_consent": False,
    }


def counts(consultation: Consultation, column: str) -> list[tuple[str | None, int]]:
    """Number of responses by ``stakeholder_category``, ``jurisdiction`` or ``channel``."""
    field = getattr(Response, column)
    rows = db.session.execute(
        select(field, func.count())
        .where(Response.consultation_id == consultation.id)
        .group_by(field)
        .order_by(func.count().desc())
    )
    return [(str(key) if key is not None else None, n) for key, n in rows]


def total(consultation: Consultation) -> int:
    return (
        db.session.scalar(
            select(func.count())
            .select_from(Response)
            .where(Response.consultation_id == consultation.id)
        )
        or 0
    )
