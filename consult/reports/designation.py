"""The designation record and "You said — what happened" (flush, never commit; all audited).

Once a consultation has closed, a publisher records what the State designated, as dated
revisions that are never edited, and the consultation's main recommendations with dated
updates on what became of each. Every key is checked against the OPCAT vocabulary and the
consultation's own NPM options; problems come back field by field (:class:`InvalidDesignation`)
so the form can show them next to what was typed. The audit log says who recorded what kind
of change, never the texts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from consult.accounts.models import User
from consult.audit.services import record
from consult.consultations.models import Consultation, Phase
from consult.errors import Conflict, NotFound
from consult.extensions import db
from consult.forms import REQUIRED
from consult.opcat.vocabulary import STAGES
from consult.questionnaires.schema import Questionnaire
from consult.reports.designation_checks import (
    CHOOSE,
    OPCAT_ADOPTED,
    TEXT_MAX,
    CheckedEntry,
    DesignationEntry,
    Errors,
    InvalidDesignation,
    date_range_message,
    today_in,
)
from consult.reports.designation_models import (
    DesignationRevision,
    Recommendation,
    RecommendationStatus,
    RecommendationUpdate,
)
from consult.reports.services import InvalidReport, check_texts

#: Stages that a State may never go through, so a later stage does not make them "skipped".
OPTIONAL_STAGES = frozenset({"art24_postponed"})
__all__ = ["DesignationEntry", "InvalidDesignation"]


class NotClosedYet(Conflict):
    default_message = _l(
        "The designation can be recorded once the consultation has closed: it says what the "
        "State did after hearing the answers."
    )


def ensure_available(consultation: Consultation) -> None:
    """Raise :class:`NotClosedYet` while the consultation is a draft, scheduled or open."""
    if consultation.phase() in (Phase.DRAFT, Phase.SCHEDULED, Phase.OPEN):
        raise NotClosedYet()


# Pure rules ----------------------------------------------------------------------------------


def suggested_option(document: Questionnaire, model: str) -> str | None:
    """The key of the one NPM option of ``document`` whose model is ``model``.

    ``None`` when several options or none have that model: then the publisher chooses.
    """
    matches = [option.key for option in document.options if option.model == model]
    return matches[0] if len(matches) == 1 else None


def stage_states(stages: Mapping[str, date | None]) -> dict[str, str]:
    """Each stage of OPCAT.md §4, in order, as ``reached``, ``pending`` or ``skipped``.

    A stage is *reached* when it has a date; *skipped* when it has none while a later stage
    (in the order of OPCAT.md §4) has one; *pending* otherwise. ``art24_postponed`` is
    optional (most States never postpone under article 24), so it is never *skipped*: without
    a date it stays *pending*. Keys outside the vocabulary are ignored.
    """
    states: dict[str, str] = {}
    later_reached = False
    for key in reversed(STAGES.keys()):
        if stages.get(key) is not None:
            states[key] = "reached"
            later_reached = True
        elif later_reached and key not in OPTIONAL_STAGES:
            states[key] = "skipped"
        else:
            states[key] = "pending"
    return {term.key: states[term.key] for term in STAGES}


def changed_fields(previous: DesignationRevision | None, current: DesignationRevision) -> list[str]:
    """Names of the parts of ``current`` that differ from ``previous`` (none for a first one)."""
    if previous is None:
        return []
    before, after = previous.summary(), current.summary()
    return [name for name in after if after[name] != before[name]]


def history(revisions: Sequence[DesignationRevision]) -> dict[int, list[str]]:
    """For each of ``revisions`` (newest first), what changed since the one before it."""
    older: list[DesignationRevision | None] = [*revisions[1:], None]
    return {r.revision: changed_fields(o, r) for r, o in zip(revisions, older, strict=False)}


# Revisions -----------------------------------------------------------------------------------


def revisions(consultation: Consultation) -> list[DesignationRevision]:
    """Every revision of the designation record, newest first."""
    return list(
        db.session.scalars(
            select(DesignationRevision)
            .where(DesignationRevision.consultation_id == consultation.id)
            .order_by(DesignationRevision.revision.desc())
        )
    )


def latest(consultation: Consultation) -> DesignationRevision | None:
    """The revision the report shows; ``None`` before the first one."""
    return next(iter(revisions(consultation)), None)


def record_revision(
    consultation: Consultation, actor: User, entry: DesignationEntry
) -> DesignationRevision:
    """Check ``entry`` and store it as the next revision (flushed, audited).

    Raises :class:`NotClosedYet` before the consultation has closed, :class:`InvalidDesignation`
    naming each field that is wrong, ``Conflict`` when another revision took the number first.
    """
    ensure_available(consultation)
    checked = CheckedEntry(consultation, entry)
    if checked.errors:
        raise InvalidDesignation(checked.errors)
    previous = latest(consultation)
    revision = checked.revision(_next_revision(consultation), actor)
    _insert(revision)
    _audit(
        "designation.recorded",
        consultation,
        actor,
        revision=revision.revision,
        model=revision.model,
        option=revision.option_key,
        changed=changed_fields(previous, revision),
    )
    return revision


def _next_revision(consultation: Consultation) -> int:
    current = db.session.scalar(
        select(func.max(DesignationRevision.revision)).where(
            DesignationRevision.consultation_id == consultation.id
        )
    )
    return (current or 0) + 1


def _insert(row: object) -> None:
    """Insert ``row``; a number taken a moment ago by someone else is a conflict."""
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:
        raise Conflict() from None


# Recommendations -----------------------------------------------------------------------------


def recommendations(consultation: Consultation) -> list[Recommendation]:
    """The consultation's recommendations in order, each with its updates."""
    return list(
        db.session.scalars(
            select(Recommendation)
            .where(Recommendation.consultation_id == consultation.id)
            .order_by(Recommendation.position)
        )
    )


def get_recommendation(consultation: Consultation, recommendation_id: int) -> Recommendation:
    """Recommendation ``recommendation_id`` of ``consultation``; ``NotFound`` for any other."""
    found = db.session.get(Recommendation, recommendation_id)
    if found is None or found.consultation_id != consultation.id:
        raise NotFound()
    return found


def add_recommendation(
    consultation: Consultation, actor: User, text: Mapping[str, str]
) -> Recommendation:
    """Add a recommendation at the end of the list (flushed, audited).

    Raises :class:`InvalidDesignation` when the text is missing in the main language or too
    long, :class:`NotClosedYet` before the consultation has closed.
    """
    ensure_available(consultation)
    position = db.session.scalar(
        select(func.max(Recommendation.position)).where(
            Recommendation.consultation_id == consultation.id
        )
    )
    recommendation = Recommendation(
        consultation_id=consultation.id,
        position=(position or 0) + 1,
        text=_recommendation_text(consultation, text),
        created_by_id=actor.id,
    )
    _insert(recommendation)
    _audit("recommendation.added", consultation, actor, recommendation=recommendation.id)
    return recommendation


def edit_recommendation(
    consultation: Consultation, recommendation_id: int, actor: User, text: Mapping[str, str]
) -> Recommendation:
    """Correct the text of a recommendation (flushed, audited); its updates stay as they are."""
    ensure_available(consultation)
    recommendation = get_recommendation(consultation, recommendation_id)
    recommendation.text = _recommendation_text(consultation, text)
    db.session.flush()
    _audit("recommendation.edited", consultation, actor, recommendation=recommendation.id)
    return recommendation


def move_recommendation(
    consultation: Consultation, recommendation_id: int, actor: User, step: int
) -> None:
    """Swap a recommendation with the one before (``step`` -1) or after (+1) it (audited).

    Does nothing at either end of the list.
    """
    ensure_available(consultation)
    ordered = recommendations(consultation)
    moving = get_recommendation(consultation, recommendation_id)
    index = ordered.index(moving) + (1 if step > 0 else -1)
    if not 0 <= index < len(ordered):
        return
    other = ordered[index]
    spare = ordered[-1].position + 1  # positions are unique: pass through a free one
    first, second = moving.position, other.position
    for row, position in ((moving, spare), (other, first), (moving, second)):
        row.position = position
        db.session.flush()
    _audit("recommendation.moved", consultation, actor, recommendation=moving.id, to=second)


def _recommendation_text(consultation: Consultation, text: Mapping[str, str]) -> dict[str, str]:
    try:
        cleaned = check_texts(consultation, {"text": text}, TEXT_MAX)["text"]
    except InvalidReport as error:
        raise InvalidDesignation(error.errors) from None
    if not cleaned.get(consultation.default_locale):
        raise InvalidDesignation({f"text_{consultation.default_locale}": [REQUIRED]})
    return cleaned


def add_update(
    consultation: Consultation,
    recommendation_id: int,
    actor: User,
    status: str,
    as_of: date | None,
    note: Mapping[str, str],
) -> RecommendationUpdate:
    """Record where a recommendation stands as of a date (flushed, audited; never edited).

    Raises :class:`InvalidDesignation` for an unknown status, a missing or impossible date, or
    a note too long.
    """
    ensure_available(consultation)
    recommendation = get_recommendation(consultation, recommendation_id)
    errors: Errors = {}
    texts: dict[str, str] = {}
    if status not in set(RecommendationStatus):
        errors["status"] = [REQUIRED if not status else CHOOSE]
    today = today_in(consultation)
    if as_of is None:
        errors["as_of"] = [REQUIRED]
    elif not OPCAT_ADOPTED <= as_of <= today:
        errors["as_of"] = [date_range_message(today)]
    try:
        texts = check_texts(consultation, {"note": note}, TEXT_MAX)["note"]
    except InvalidReport as error:
        errors.update(error.errors)
    if errors:
        raise InvalidDesignation(errors)
    update = RecommendationUpdate(
        status=RecommendationStatus(status), as_of=as_of, note=texts, recorded_by_id=actor.id
    )
    recommendation.updates.append(update)
    db.session.flush()
    _audit(
        "recommendation.updated",
        consultation,
        actor,
        recommendation=recommendation.id,
        status=update.status.value,
    )
    return update


# Shared --------------------------------------------------------------------------------------


def _audit(action: str, consultation: Consultation, actor: User, **details: Any) -> None:
    """Who recorded what kind of change: keys and numbers only, never the texts."""
    record(
        action,
        f"consultation:{consultation.uuid}",
        organisation_id=consultation.organisation_id,
        actor_id=actor.id,
        details=details,
    )


def names(user_ids: Iterable[int | None]) -> dict[int, str]:
    """Names of the users ``user_ids`` (``None`` ignored), by id."""
    ids = {user_id for user_id in user_ids if user_id is not None}
    if not ids:
        return {}
    return dict(db.session.execute(select(User.id, User.name).where(User.id.in_(ids))).all())
