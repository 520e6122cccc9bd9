"""Creating consultations, editing their texts, and moving them through their lifecycle."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, select
from sqlalchemy.orm import defer

from consult.accounts.models import SLUG_PATTERN, Organisation, User
from consult.audit.services import record
from consult.consultations.models import (
    SLUG_MAX,
    SUMMARY_MAX,
    TITLE_MAX,
    Consultation,
    Phase,
    Status,
)
from consult.db import utcnow
from consult.errors import Conflict, NotFound, ValidationFailed
from consult.extensions import db
from consult.forms import too_long
from consult.i18n.content import current_language, is_country, timezones
from consult.i18n.locales import UI_LOCALES, display_name, is_known_language
from consult.i18n.numbers import lazy_ngettext as _ln
from consult.i18n.numbers import lazy_number
from consult.questionnaires import schema
from consult.sealed import services as sealed

MAX_LANGUAGES = 24


class InvalidConsultation(ValidationFailed):
    """Field-by-field problems with a consultation's settings: ``errors[field] = [messages]``."""

    def __init__(self, errors: Mapping[str, list[object]]) -> None:
        super().__init__(_l("Some fields need your attention."))
        self.errors = dict(errors)


@dataclass
class ConsultationDraft:
    """What an organiser typed for a consultation, before it is checked."""

    slug: str
    country: str
    default_locale: str
    offered_locales: list[str]
    title: dict[str, str] = field(default_factory=dict)
    summary: dict[str, str] = field(default_factory=dict)
    use_of_input: dict[str, str] = field(default_factory=dict)
    timezone: str = "UTC"
    ui_fallback_locale: str = "en"
    #: Scheduled dates, UTC (the form converts from the consultation's time zone).
    opens_at: datetime | None = None
    closes_at: datetime | None = None


def for_organisation(organisation: Organisation) -> list[Consultation]:
    return list(
        db.session.scalars(
            select(Consultation)
            .where(Consultation.organisation_id == organisation.id)
            .order_by(Consultation.created_at.desc())
        )
    )


def get(organisation: Organisation, slug: str) -> Consultation:
    """The consultation ``slug`` of ``organisation``; ``NotFound`` for any other."""
    consultation = db.session.scalar(
        select(Consultation).where(
            Consultation.slug == slug, Consultation.organisation_id == organisation.id
        )
    )
    if consultation is None:
        raise NotFound()
    return consultation


def get_public(slug: str) -> Consultation:
    """A consultation readers may see (anything but a draft); ``NotFound`` otherwise.

    Its questionnaire column is left to load when used: respondents' pages find the parsed
    document by its digest (:meth:`Consultation.shared_document`).
    """
    return readable(db.session.scalar(_PUBLIC, {"slug": slug}))


def readable(consultation: Consultation | None) -> Consultation:
    """``consultation`` if readers may see it (anything but a draft); ``NotFound`` otherwise."""
    if consultation is None or consultation.status is Status.DRAFT:
        raise NotFound()
    return consultation


#: Built once: every respondent's request looks its consultation up.
_PUBLIC = (
    select(Consultation)
    .where(Consultation.slug == bindparam("slug"))
    .options(defer(Consultation.questionnaire))
)


def public_consultations() -> list[Consultation]:
    """Every consultation readers may see (anything but a draft), newest first."""
    return list(
        db.session.scalars(
            select(Consultation)
            .where(Consultation.status != Status.DRAFT)
            .order_by(Consultation.created_at.desc(), Consultation.id.desc())
        )
    )


def open_consultations() -> list[Consultation]:
    """Consultations taking answers now, or about to (their dates decide, not a scheduler)."""
    return [c for c in _status_open() if c.phase() in (Phase.OPEN, Phase.SCHEDULED)]


def _status_open() -> list[Consultation]:
    return list(
        db.session.scalars(
            select(Consultation)
            .where(Consultation.status == Status.OPEN)
            .order_by(Consultation.opened_at.desc())
        )
    )


def check(draft: ConsultationDraft, current: Consultation | None = None) -> None:
    """Raise :class:`InvalidConsultation` listing every problem of ``draft``."""
    errors: dict[str, list[object]] = {}
    if not re.fullmatch(SLUG_PATTERN, draft.slug) or not 3 <= len(draft.slug) <= SLUG_MAX:
        errors["slug"] = [
            _l(
                "Use 3 to %(max)s lowercase letters, digits and single hyphens, "
                "for example npm-2027.",
                max=lazy_number(SLUG_MAX),
            )
        ]
    elif _slug_taken(draft.slug, current):
        errors["slug"] = [_l("Another consultation already uses this address.")]
    if not is_country(draft.country):
        errors["country"] = [_l("Choose a country from the list.")]
    errors.update(_language_errors(draft))
    errors.update(_schedule_errors(draft))
    for name, texts, limit in (
        ("title", draft.title, TITLE_MAX),
        ("summary", draft.summary, SUMMARY_MAX),
    ):
        for code in draft.offered_locales:
            problem = _text_problem(texts.get(code, ""), limit)
            if problem is not None:
                errors[f"{name}_{code}"] = [problem]
    if errors:
        raise InvalidConsultation(errors)


def _slug_taken(slug: str, current: Consultation | None) -> bool:
    query = select(Consultation.id).where(Consultation.slug == slug)
    if current is not None:
        query = query.where(Consultation.id != current.id)
    return db.session.scalar(query) is not None


def _language_errors(draft: ConsultationDraft) -> dict[str, list[object]]:
    unknown = [code for code in draft.offered_locales if not is_known_language(code)]
    if unknown:
        return {
            "other_languages": [_l("Unknown language code: %(codes)s", codes=", ".join(unknown))]
        }
    if not draft.offered_locales:
        return {"languages": [_l("Choose at least one language.")]}
    if len(draft.offered_locales) > MAX_LANGUAGES:
        return {
            "languages": [
                _ln(
                    "Choose at most %(num)s language.",
                    "Choose at most %(num)s languages.",
                    MAX_LANGUAGES,
                )
            ]
        }
    if draft.default_locale not in draft.offered_locales:
        return {
            "default_locale": [
                _l("The main language must be one of the languages of the consultation.")
            ]
        }
    return {}


def _schedule_errors(draft: ConsultationDraft) -> dict[str, list[object]]:
    errors: dict[str, list[object]] = {}
    if draft.timezone not in timezones():
        errors["timezone"] = [_l("Choose a time zone from the list.")]
    if draft.ui_fallback_locale not in UI_LOCALES:
        errors["ui_fallback_locale"] = [_l("Choose one of the interface languages.")]
    if draft.opens_at and draft.closes_at and draft.closes_at <= draft.opens_at:
        errors["closes_at"] = [_l("The closing date must come after the opening date.")]
    for code in draft.offered_locales:
        if len(draft.use_of_input.get(code, "")) > SUMMARY_MAX:
            errors[f"use_of_input_{code}"] = [too_long(SUMMARY_MAX)]
    return errors


def _text_problem(text: str, limit: int) -> object | None:
    if not text.strip():
        return _l("This field is required.")
    if len(text) > limit:
        return too_long(limit)
    return None


def create(organisation: Organisation, draft: ConsultationDraft, actor: User) -> Consultation:
    """A new draft consultation, after :func:`check`."""
    check(draft)
    consultation = Consultation(organisation=organisation, **vars(draft))
    document = schema.Questionnaire()
    schema.update_sources(
        [], consultation.text_slots(document), document.sources, draft.default_locale, {}
    )
    consultation.questionnaire = schema.to_dict(document)
    db.session.add(consultation)
    db.session.flush()
    _record(
        "consultation.created",
        consultation,
        actor,
        {"slug": consultation.slug, "languages": consultation.offered_locales},
    )
    return consultation


def update(
    consultation: Consultation,
    draft: ConsultationDraft,
    actor: User,
    reviewed: Mapping[str, Collection[str]] | None = None,
) -> None:
    """Change a consultation's settings and texts.

    Address, country and languages are fixed once the consultation has opened; after that
    only the texts and dates can change, and each change is audited. A translation left
    untouched while its default text changes becomes stale, unless marked ``reviewed``.
    """
    if consultation.status is not Status.DRAFT:
        keep_fixed_settings(consultation, draft)
    check(draft, consultation)
    changed = sorted(
        name for name, value in vars(draft).items() if getattr(consultation, name) != value
    )
    document = consultation.document()
    before = consultation.text_slots(document)
    for name, value in vars(draft).items():
        setattr(consultation, name, value)
    schema.update_sources(
        before,
        consultation.text_slots(document),
        document.sources,
        consultation.default_locale,
        reviewed or {},
    )
    consultation.questionnaire = schema.to_dict(document)
    db.session.flush()
    if changed:
        action = (
            "consultation.edited"
            if consultation.status is Status.DRAFT
            else "consultation.text_corrected"
        )
        _record(action, consultation, actor, {"fields": changed})


def keep_fixed_settings(consultation: Consultation, draft: ConsultationDraft) -> None:
    """Put back in ``draft`` what cannot change once the consultation has opened."""
    draft.slug, draft.country = consultation.slug, consultation.country
    draft.default_locale = consultation.default_locale
    draft.offered_locales = list(consultation.offered_locales)


def open_(consultation: Consultation, actor: User) -> None:
    """Open a draft to respondents (at its scheduled date, if one is set) and freeze its version.

    Refused while an offered language lacks a text or has a stale one, and while there is
    nothing to answer.
    """
    if consultation.status is not Status.DRAFT:
        raise Conflict(_l("Only a draft consultation can be opened."))
    incomplete = [
        code for code, state in consultation.text_states().items() if state.missing or state.stale
    ]
    if incomplete:
        raise Conflict(
            _l(
                "Complete the texts in every language before opening: %(languages)s.",
                languages=", ".join(display_name(code, current_language()) for code in incomplete),
            )
        )
    document = consultation.document()
    if not list(document.questions()):
        raise Conflict(_l("Add at least one question before opening."))
    ranks_options = any(
        q.type is schema.QuestionType.RANKING and q.rank_source == "options"
        for q in document.questions()
    )
    if ranks_options and len(document.options) < 2:
        raise Conflict(_l("Add at least two NPM options to rank before opening."))
    if sealed.uses_sealed_channels(document) and sealed.sealing_key(consultation) is None:
        raise Conflict(
            _l(
                "Questions are asked on the sealed or assisted channels: hold the "
                "key ceremony before opening."
            )
        )
    now = utcnow()
    consultation.version = schema.version(document)
    consultation.status = Status.OPEN
    consultation.opened_at = max(now, consultation.opens_at or now)
    db.session.flush()
    _record("consultation.opened", consultation, actor, {"version": consultation.version})


def close(consultation: Consultation, actor: User) -> None:
    """Stop taking answers now (also when a closing date has already passed)."""
    if consultation.status is not Status.OPEN:
        raise Conflict(_l("Only an open consultation can be closed."))
    now = utcnow()
    consultation.status = Status.CLOSED
    consultation.closed_at = min(now, consultation.closes_at or now)
    db.session.flush()
    _record("consultation.closed", consultation, actor)


def _record(
    action: str,
    consultation: Consultation,
    actor: User,
    details: Mapping[str, object] | None = None,
) -> None:
    record(
        action,
        f"consultation:{consultation.uuid}",
        organisation_id=consultation.organisation_id,
        actor_id=actor.id,
        details=details,
    )
