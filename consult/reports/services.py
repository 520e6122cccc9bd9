"""Reports: reading the public one; preparing, publishing and withdrawing (flush, never commit)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from consult.accounts.models import User
from consult.audit.chain import GENESIS
from consult.audit.models import AuditHead
from consult.audit.services import record
from consult.consultations.models import Consultation, Phase, Status
from consult.db import utcnow
from consult.errors import Conflict, NotFound, ValidationFailed
from consult.extensions import db
from consult.forms import REQUIRED, too_long
from consult.i18n.numbers import lazy_number
from consult.questionnaires.answers import clean_text
from consult.reports.data import ReportData, digest, from_dict, to_dict
from consult.reports.models import Report, ReportStatus
from consult.sealed import services as sealed
from consult.settings import current_settings

#: What the public may see: the published report, or the notice of a withdrawn one.
PUBLIC = (ReportStatus.PUBLISHED, ReportStatus.WITHDRAWN)


def public_report(consultation: Consultation) -> Report:
    """The latest report that was ever made public; raise ``NotFound`` if there is none.

    A withdrawn report stays the answer until a newer one is published, so its address keeps
    saying what happened instead of vanishing.
    """
    report = db.session.scalar(
        select(Report)
        .where(Report.consultation_id == consultation.id, Report.status.in_(PUBLIC))
        .order_by(Report.revision.desc())
        .limit(1)
    )
    if report is None:
        raise NotFound()
    return report


def numbers(report: Report) -> ReportData:
    """The frozen numbers of a report."""
    return from_dict(report.data)


# Preparing, publishing, withdrawing ----------------------------------------------------------

#: Longest narrative, limitations or withdrawal reason, per language.
TEXT_MAX = 20000
REASON_MAX = 2000
#: Highest suppression threshold accepted: beyond it nearly every table would be hidden.
K_MAX = 100


class InvalidReport(ValidationFailed):
    """Field-by-field problems with what was typed: ``errors[field] = [messages]``."""

    def __init__(self, errors: Mapping[str, list[object]]) -> None:
        super().__init__(_l("Some fields need your attention."))
        self.errors = dict(errors)


def k_floor() -> int:
    """The instance's smallest suppression threshold (``CONSULT_SUPPRESSION_K``)."""
    return current_settings().suppression_k


def revisions(consultation: Consultation) -> list[Report]:
    """Every report of ``consultation``, newest first."""
    return list(
        db.session.scalars(
            select(Report)
            .where(Report.consultation_id == consultation.id)
            .order_by(Report.revision.desc())
        )
    )


def latest(consultation: Consultation) -> Report | None:
    """The newest revision, whatever its status."""
    return next(iter(revisions(consultation)), None)


def not_ready_reason(consultation: Consultation) -> LazyString | None:
    """Why no report can be prepared now (what to do first), or ``None`` when it can.

    A report counts every answer, so the consultation must have stopped taking them, and its
    sealed envelopes, if any, must have been opened by the trustees.
    """
    if consultation.status in (Status.UNSEALED, Status.PUBLISHED):
        return None
    if consultation.status is Status.DRAFT:
        return _l("This consultation has not opened yet: there is nothing to report.")
    if consultation.phase() is not Phase.CLOSED:
        return _l("The consultation is still taking answers: close it before preparing a report.")
    if sealed.envelope_counts(consultation)[0]:
        return _l(
            "Sealed answers have not been opened yet: the trustees must unseal them before "
            "a report is prepared."
        )
    return None


def prepare(
    consultation: Consultation,
    actor: User,
    k: int,
    narrative: Mapping[str, str],
    limitations: Mapping[str, str],
) -> Report:
    """Compute the numbers once and store them as a new revision (flushed, audited).

    Earlier revisions are kept as they are: the history says what was prepared and published.
    Raises ``Conflict`` while the consultation is not ready, :class:`InvalidReport` for a
    threshold below the instance's floor or texts too long.
    """
    from consult.reports import aggregate

    reason = not_ready_reason(consultation)
    if reason is not None:
        raise Conflict(reason)
    texts = check_texts(consultation, {"narrative": narrative, "limitations": limitations})
    errors = _k_errors(k)
    if errors:
        raise InvalidReport(errors)
    data = aggregate.build(consultation, k)
    report = Report(
        consultation_id=consultation.id,
        revision=_next_revision(consultation),
        k=k,
        data=to_dict(data),
        digest=digest(data),
        dataset_digest=aggregate.dataset_digest(consultation),
        audit_head=_audit_head(),
        prepared_by_id=actor.id,
        **texts,
    )
    _add(report)
    _record("report.prepared", report, actor, k=k, dataset_digest=report.dataset_digest)
    return report


def _k_errors(k: int) -> dict[str, list[object]]:
    floor = k_floor()
    if k < floor:
        return {
            "k": [
                _l("Use a threshold of at least %(floor)s on this site.", floor=lazy_number(floor))
            ]
        }
    if k > K_MAX:
        return {"k": [_l("Use a threshold of at most %(max)s.", max=lazy_number(K_MAX))]}
    return {}


def _next_revision(consultation: Consultation) -> int:
    current = db.session.scalar(
        select(func.max(Report.revision)).where(Report.consultation_id == consultation.id)
    )
    return (current or 0) + 1


def _audit_head() -> str:
    """Hash of the audit log's last event: the numbers are tied to the history so far."""
    return db.session.scalar(select(AuditHead.hash).where(AuditHead.id == 1)) or GENESIS


def _add(report: Report) -> None:
    """Insert ``report``; a revision number taken a moment ago by someone else is a conflict."""
    try:
        with db.session.begin_nested():
            db.session.add(report)
    except IntegrityError:
        raise Conflict() from None


def check_texts(
    consultation: Consultation, fields: Mapping[str, Mapping[str, str]], limit: int = TEXT_MAX
) -> dict[str, dict[str, str]]:
    """The texts as stored (``{field: {locale: text}}``, offered languages only, empty ones
    left out); :class:`InvalidReport` names each ``<field>_<locale>`` that is too long."""
    cleaned: dict[str, dict[str, str]] = {}
    errors: dict[str, list[object]] = {}
    for name, texts in fields.items():
        cleaned[name] = {}
        for code in consultation.offered_locales:
            text = clean_text(texts.get(code, ""))
            if len(text) > limit:
                errors[f"{name}_{code}"] = [too_long(limit)]
            elif text:
                cleaned[name][code] = text
    if errors:
        raise InvalidReport(errors)
    return cleaned


def edit_texts(
    report: Report,
    actor: User,
    narrative: Mapping[str, str],
    limitations: Mapping[str, str],
) -> None:
    """Replace the narrative and limitations of a report not yet published (flushed, audited).

    A published report is frozen: a correction is a new revision. Raises ``Conflict`` otherwise.
    """
    if report.status is not ReportStatus.PREPARED:
        raise Conflict(
            _l("This report is no longer a draft: prepare a new revision to change its texts.")
        )
    texts = check_texts(report.consultation, {"narrative": narrative, "limitations": limitations})
    changed = sorted(name for name, value in texts.items() if getattr(report, name) != value)
    for name, value in texts.items():
        setattr(report, name, value)
    db.session.flush()
    if changed:
        _record("report.texts_edited", report, actor, fields=changed)


def draft(consultation: Consultation) -> Report:
    """The newest revision while it is still prepared; ``Conflict`` otherwise."""
    report = latest(consultation)
    if report is None or report.status is not ReportStatus.PREPARED:
        raise Conflict(_l("No revision is waiting for publication: prepare one first."))
    return report


def withdrawable(consultation: Consultation) -> Report:
    """The report the public sees now; ``Conflict`` when none is published."""
    report = public_or_none(consultation)
    if report is None or report.status is not ReportStatus.PUBLISHED:
        raise Conflict(_l("No report is public: there is nothing to withdraw."))
    return report


def get_revision(consultation: Consultation, revision: int | None) -> Report:
    """Revision ``revision`` of the consultation's report; ``NotFound`` for any other."""
    report = db.session.scalar(
        select(Report).where(Report.consultation_id == consultation.id, Report.revision == revision)
    )
    if report is None:
        raise NotFound()
    return report


def publish(report: Report, actor: User) -> None:
    """Make a prepared report public; the consultation becomes *published* (flushed, audited).

    Only the newest revision can be published, so nobody publishes numbers that a colleague
    has just replaced. An earlier published revision stays in the history, superseded.
    """
    if report.status is not ReportStatus.PREPARED:
        raise Conflict(_l("Only a prepared report can be published."))
    if latest(report.consultation) is not report:
        raise Conflict(_l("A newer revision of this report exists: review and publish that one."))
    consultation = report.consultation
    reason = not_ready_reason(consultation)
    if reason is not None:
        raise Conflict(reason)
    superseded = public_revision(consultation)
    report.status, report.published_at, report.published_by_id = (
        ReportStatus.PUBLISHED,
        utcnow(),
        actor.id,
    )
    consultation.closed_at = consultation.closed_at or consultation.closes_at or utcnow()
    consultation.status = Status.PUBLISHED
    db.session.flush()
    _record("report.published", report, actor, supersedes=superseded)


def public_or_none(consultation: Consultation) -> Report | None:
    """:func:`public_report`, or ``None`` if nothing was ever public."""
    try:
        return public_report(consultation)
    except NotFound:
        return None


def public_revision(consultation: Consultation) -> int | None:
    report = public_or_none(consultation)
    return report.revision if report else None


def withdraw(report: Report, actor: User, reason: Mapping[str, str]) -> None:
    """Take the public report down, leaving a notice with the date and ``reason``.

    The consultation returns to where it stood before publication: *unsealed* when it had
    sealed envelopes (all opened, or it could not have been prepared), *closed* otherwise.
    Raises ``Conflict`` unless ``report`` is the one the public sees, :class:`InvalidReport`
    without a reason in the consultation's main language.
    """
    consultation = report.consultation
    if withdrawable(consultation) is not report:
        raise Conflict(_l("Only the report the public sees now can be withdrawn."))
    texts = check_texts(consultation, {"reason": reason}, REASON_MAX)["reason"]
    if not texts.get(consultation.default_locale):
        raise InvalidReport({f"reason_{consultation.default_locale}": [REQUIRED]})
    report.status, report.withdrawn_at, report.withdrawn_by_id = (
        ReportStatus.WITHDRAWN,
        utcnow(),
        actor.id,
    )
    report.withdrawal_reason = texts
    # Opened once, it stays opened, even after its envelopes were deleted (consult.retention).
    was_unsealed = consultation.unsealed_at is not None
    had_envelopes = was_unsealed or sealed.envelope_counts(consultation)[0] > 0
    consultation.status = Status.UNSEALED if had_envelopes else Status.CLOSED
    db.session.flush()
    _record("report.withdrawn", report, actor, languages=sorted(texts))


@dataclass(frozen=True)
class Summary:
    """The headline numbers of a revision, as published (``None`` where suppressed)."""

    k: int
    responses: int | None
    held: int | None
    #: ``(channel, responses)`` in the order of the participation tables.
    channels: list[tuple[str, int | None]]


def summary(report: Report) -> Summary:
    data = numbers(report)
    table = data.participation.get("category")
    channels = list(zip(table.columns, table.column_totals, strict=True)) if table else []
    return Summary(data.k, data.responses, data.held, channels)


def people(reports: Sequence[Report]) -> dict[int, str]:
    """Names of whoever prepared, published or withdrew ``reports``, by user id."""
    ids = {
        user_id
        for r in reports
        for user_id in (r.prepared_by_id, r.published_by_id, r.withdrawn_by_id)
        if user_id is not None
    }
    if not ids:
        return {}
    return dict(db.session.execute(select(User.id, User.name).where(User.id.in_(ids))).all())


def _record(action: str, report: Report, actor: User, **details: object) -> None:
    """Audit one step: which revision, with which numbers; never texts or answers."""
    consultation = report.consultation
    record(
        action,
        f"consultation:{consultation.uuid}",
        organisation_id=consultation.organisation_id,
        actor_id=actor.id,
        details={"revision": report.revision, "digest": report.digest, **details},
    )
