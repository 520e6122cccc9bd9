"""Settings of a consultation's sealed channel: audience, urgent-help contacts, receipts, holding.

Settings that protect respondents (audience, receipts) are fixed once the consultation opens;
the contacts and the holding threshold stay editable, and every change is audited.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from consult.accounts.models import User
from consult.audit.services import record
from consult.consultations.models import Consultation, Status
from consult.extensions import db
from consult.forms import too_long
from consult.i18n.numbers import lazy_number
from consult.questionnaires import schema

ADULTS, ALL_AGES = "adults", "all_ages"
URGENT_HELP_MAX = 1000
HOLD_AFTER_RANGE = (1, 10000)
URGENT_PATH = "consultation.urgent_help"
AUDIENCES: dict[str, LazyString] = {
    ADULTS: _l("Adults only"),
    ALL_AGES: _l("All ages: children say they are under 18 and confirm that they want to answer"),
}
BAD_HOLD_AFTER = _l(
    "Enter a whole number from %(low)s to %(high)s.",
    low=lazy_number(HOLD_AFTER_RANGE[0]),
    high=lazy_number(HOLD_AFTER_RANGE[1]),
)


@dataclass
class SealedSettings:
    """What an organiser asked for the sealed channel, before it is checked."""

    audience: str
    receipts: bool
    hold_after: int | None
    #: ``{locale: text}``; empty texts left out.
    urgent_help: dict[str, str] = field(default_factory=dict)


def current(consultation: Consultation) -> SealedSettings:
    return SealedSettings(
        consultation.sealed_audience,
        consultation.sealed_receipts,
        consultation.sealed_hold_after,
        dict(consultation.urgent_help or {}),
    )


def problems(wanted: SealedSettings, consultation: Consultation) -> dict[str, list[object]]:
    """Field-by-field problems of ``wanted``."""
    errors: dict[str, list[object]] = {}
    if wanted.audience not in AUDIENCES:
        errors["audience"] = [_l("Choose one of the answers offered.")]
    low, high = HOLD_AFTER_RANGE
    if wanted.hold_after is None or not low <= wanted.hold_after <= high:
        errors["hold_after"] = [BAD_HOLD_AFTER]
    for code in consultation.offered_locales:
        if len(wanted.urgent_help.get(code, "")) > URGENT_HELP_MAX:
            errors[f"urgent_help_{code}"] = [too_long(URGENT_HELP_MAX)]
    return errors


def update(
    consultation: Consultation,
    wanted: SealedSettings,
    actor: User,
    reviewed: Mapping[str, Collection[str]] | None = None,
) -> list[str]:
    """Apply ``wanted`` (checked with :func:`problems`) and audit the change; flushed.

    Audience and receipts keep their values once the consultation has opened. A translation
    of the contacts left untouched while the main language's text changes becomes stale,
    unless marked ``reviewed``. Returns the names of the settings that changed.
    """
    if consultation.status is not Status.DRAFT:
        wanted.audience = consultation.sealed_audience
        wanted.receipts = consultation.sealed_receipts
    document = consultation.document()
    before = consultation.text_slots(document)
    now = vars(current(consultation))
    changed = [name for name, value in vars(wanted).items() if now[name] != value]
    consultation.sealed_audience, consultation.sealed_receipts = wanted.audience, wanted.receipts
    consultation.sealed_hold_after = wanted.hold_after or consultation.sealed_hold_after
    consultation.urgent_help = dict(wanted.urgent_help)
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
        record(
            "sealed.settings_changed",
            f"consultation:{consultation.uuid}",
            organisation_id=consultation.organisation_id,
            actor_id=actor.id,
            details={"fields": changed},
        )
    return changed
