"""Taking answers: who may say what, and storing a checked submission exactly once."""

from __future__ import annotations

import gettext
import hashlib
import hmac
from datetime import date

import pycountry
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from consult.consultations.models import Consultation
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

    keys = [k for k in document.profile.categories if _fits(k, channel)]
    choices = [(k, STAKEHOLDERS.label(k)) for k in keys]
    if channel in NAMED_CHANNELS:
        choices += [
            (c.key, resolve(c.label, default_locale, locale))
            for c in document.profile.custom_categories
        ]
    return choices


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


def subdivisions(country: str, locale: str) -> list[tuple[str, str]]:
    """Top-level subdivisions of ``country`` from ISO 3166-2, named in ``locale``.

    ``pycountry`` translates only some names into some languages; the ISO name (a proper noun)
    stands in for the others.
    """
    found = pycountry.subdivisions.get(country_code=country) or []
    names = gettext.translation(
        "iso3166-2", pycountry.LOCALES_DIR, languages=[locale], fallback=True
    )
    top = [s for s in found if not s.parent_code]
    pairs = [(s.code, names.gettext(s.name)) for s in top]
    return sorted(pairs, key=lambda pair: pair[1].casefold())


def profile_rules(
    consultation: Consultation, document: Questionnaire, channel: Channel, locale: str
) -> ProfileRules:
    return ProfileRules(
        categories=[
            k
            for k, _label in category_choices(
                document, channel, locale, consultation.default_locale
            )
        ],
        jurisdictions=[k for k, _label in jurisdiction_choices(consultation, document, locale)],
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
    """Store a checked submission once (flushed, not committed).

    The same submission key with the same answers returns the response already stored (a
    double click, a retry); with different answers it raises :class:`KeyReused`.
    """
    if submission.errors:
        raise ValueError("only a checked submission without errors can be stored")
    if not consultation.is_accepting():
        raise NotAccepting()
    hashed = key_hash(consultation, submission_key)
    digest = submission.digest()
    existing = _by_key(consultation, hashed)
    if existing is not None:
        return _same_or_refuse(existing, digest)
    response = _new_response(consultation, channel, submission, locale, today)
    response.submission_key_hash, response.answers_digest = hashed, digest
    try:
        with db.session.begin_nested():
            db.session.add(response)
    except IntegrityError:  # the same key, committed by a parallel request a moment ago
        existing = _by_key(consultation, hashed)
        if existing is None:
            raise
        return _same_or_refuse(existing, digest)
    return response


def _by_key(consultation: Consultation, hashed: str) -> Response | None:
    return db.session.scalar(
        select(Response).where(
            Response.consultation_id == consultation.id, Response.submission_key_hash == hashed
        )
    )


def _same_or_refuse(existing: Response, digest: str) -> Response:
    if existing.answers_digest != digest:
        raise KeyReused()
    return existing


def _new_response(
    consultation: Consultation,
    channel: Channel,
    submission: Submission,
    locale: str,
    today: date | None,
) -> Response:
    profile = submission.profile
    return Response(
        consultation_id=consultation.id,
        channel=channel,
        questionnaire_version=consultation.version or "",
        locale=locale,
        received_on=today or utcnow().date(),
        stakeholder_category=profile.category,
        jurisdiction=profile.jurisdiction or None,
        place_category=profile.place or None,
        declared_organisation=profile.organisation or None,
        answers=[Answer(**vars(row)) for row in submission.rows],
    )


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
