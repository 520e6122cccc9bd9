"""The organisers' responses desk: who answered and who has not yet (counts, invitations, gaps),
and, for analysts only, what they said (the list and its CSV and XLSX exports)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from flask import Blueprint, current_app, render_template, request
from flask.wrappers import Response as HttpResponse
from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import exists, select
from sqlalchemy.orm import selectinload

from consult.accounts.access import organiser_route
from consult.accounts.models import Membership, Organisation
from consult.accounts.permissions import Permission
from consult.audit.services import record
from consult.consultations import services as consultations
from consult.consultations.models import Consultation, Status
from consult.extensions import db
from consult.i18n.content import current_language
from consult.opcat.vocabulary import SEALED_STAKEHOLDERS
from consult.questionnaires.schema import Channel, JurisdictionMode, Questionnaire
from consult.respond import exports, services
from consult.respond.display import Words
from consult.respond.exports import Labels, ResponseFilter
from consult.respond.models import Invitation, InvitationDraft, Response
from consult.sealed import services as sealed

bp = Blueprint("respond_admin", __name__, url_prefix="/admin")
BASE = "/<org>/consultations/<slug>/responses"
PAGE_SIZE = 50

#: What became of an invitation, in the order the desk shows them.
INVITATION_STATUSES: dict[str, LazyString] = {
    "answered": _l("Answered"),
    "draft": _l("Draft saved, not sent"),
    "not_yet": _l("Not answered yet"),
    "withdrawn": _l("Invitation withdrawn"),
}
#: Groups whose silence a consultation on an NPM must notice (DESIGN.md §1): each entry is
#: covered by an answer from any of its categories, on any channel.
KEY_GROUPS: tuple[tuple[frozenset[str], LazyString | None], ...] = (
    (frozenset({"government_national"}), None),
    (frozenset({"government_subnational"}), None),
    (frozenset({"parliament"}), None),
    (frozenset({"judiciary"}), None),
    (frozenset({"nhri"}), None),
    (frozenset({"civil_society"}), None),
    (SEALED_STAKEHOLDERS, _l("Persons deprived of liberty, former detainees or their families")),
)


@bp.get(f"{BASE}/")
@organiser_route(Permission.VIEW)
def summary(organisation: Organisation, membership: Membership, slug: str) -> str:
    """How many answered, by group, jurisdiction and channel, which invitations are still
    open, and which key groups and jurisdictions are silent so far."""
    consultation = consultations.get(organisation, slug)
    document = consultation.document()
    labels = Labels.of(consultation, document, current_language())
    by_category = services.counts(consultation, "stakeholder_category")
    by_jurisdiction = services.counts(consultation, "jurisdiction")
    waiting = _sealed_waiting(consultation)
    invitations = invitation_tally(consultation)
    return render_template(
        "respond/admin/summary.html",
        organisation=organisation,
        membership=membership,
        consultation=consultation,
        total=services.total(consultation),
        by_category=_labelled(by_category, labels.categories),
        by_jurisdiction=_labelled(by_jurisdiction, labels.jurisdictions),
        by_channel=_labelled(services.counts(consultation, "channel"), labels.channels),
        asks_jurisdiction=document.profile.jurisdiction is not JurisdictionMode.NONE,
        invitations=invitations,
        invited_by_category=_invited_rows(invitations.by_category, labels.categories),
        invited_by_jurisdiction=_invited_rows(invitations.by_jurisdiction, labels.jurisdictions),
        statuses=INVITATION_STATUSES,
        silent_groups=silent_groups(document, labels, {k for k, _n in by_category if k}, waiting),
        silent_jurisdictions=[
            label for key, label in labels.jurisdictions.items() if key not in dict(by_jurisdiction)
        ],
        sealed_waiting=waiting,
    )


@bp.get(f"{BASE}/list")
@organiser_route(Permission.READ_RESPONSES)
def listing(organisation: Organisation, membership: Membership, slug: str) -> str:
    """The responses with their answers, filtered, a page at a time."""
    consultation = consultations.get(organisation, slug)
    filters = ResponseFilter.from_args(request.args)
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    query = exports.selected(consultation, filters).options(selectinload(Response.answers))
    rows = db.session.execute(query.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    document = consultation.document()
    locale = current_language()
    labels = Labels.of(consultation, document, locale)
    return render_template(
        "respond/admin/list.html",
        organisation=organisation,
        membership=membership,
        consultation=consultation,
        rows=rows,
        page=page,
        page_size=PAGE_SIZE,
        total=exports.count(consultation, filters),
        everything=services.total(consultation),
        filters=filters,
        document=document,
        words=Words(document, locale, consultation.default_locale),
        labels=labels,
        category_choices=_offered_categories(consultation, document, locale),
        channel_choices=list(labels.channels.items()),
    )


@bp.get(f"{BASE}/export.csv")
@organiser_route(Permission.READ_RESPONSES)
def export_csv(organisation: Organisation, membership: Membership, slug: str) -> HttpResponse:
    """The (filtered) responses as CSV, one row per response."""
    data = _export(organisation, slug, "csv")
    return _attachment(exports.to_csv(data), "text/csv; charset=utf-8", f"{slug}-responses.csv")


@bp.get(f"{BASE}/export.xlsx")
@organiser_route(Permission.READ_RESPONSES)
def export_xlsx(organisation: Organisation, membership: Membership, slug: str) -> HttpResponse:
    """The (filtered) responses as an Excel workbook, one row per response."""
    data = _export(organisation, slug, "xlsx")
    body = exports.to_xlsx(data, _("Responses"))
    return _attachment(body, exports.XLSX_MIMETYPE, f"{slug}-responses.xlsx")


def _export(organisation: Organisation, slug: str, kind: str) -> exports.Table:
    """The table to export; the export itself goes into the audit log (it holds free text)."""
    consultation = consultations.get(organisation, slug)
    filters = ResponseFilter.from_args(request.args)
    record(
        "responses.exported",
        f"consultation:{consultation.uuid}",
        organisation_id=organisation.id,
        actor_id=current_user.id,
        details={"format": kind, "filters": filters.params()},
    )
    db.session.commit()
    return exports.table(consultation, filters, current_language())


def _attachment(body: bytes, mimetype: str, filename: str) -> HttpResponse:
    response = current_app.response_class(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f"attachment; filename={filename}"
    response.headers["Cache-Control"] = "no-store"
    return response


# The desk ----------------------------------------------------------------------------------


@dataclass
class InvitationTally:
    """Invitations of one consultation by status, and invited vs answered per group and place.

    A withdrawn invitation counts in ``statuses`` only: nobody is waiting for its answer.
    """

    statuses: Counter[str] = field(default_factory=Counter)
    #: ``{category: [invited, answered]}``, and the same by jurisdiction key.
    by_category: dict[str, list[int]] = field(default_factory=dict)
    by_jurisdiction: dict[str, list[int]] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.statuses.values())

    def add(self, category: str, jurisdiction: str | None, status: str) -> None:
        self.statuses[status] += 1
        if status == "withdrawn":
            return
        answered = int(status == "answered")
        for counts, key in ((self.by_category, category), (self.by_jurisdiction, jurisdiction)):
            if key:
                pair = counts.setdefault(key, [0, 0])
                pair[0] += 1
                pair[1] += answered


def invitation_status(revoked: bool, answered: bool, drafted: bool) -> str:
    """What became of an invitation: withdrawal wins, then an answer, then a saved draft."""
    if revoked:
        return "withdrawn"
    if answered:
        return "answered"
    return "draft" if drafted else "not_yet"


def invitation_tally(consultation: Consultation) -> InvitationTally:
    drafted = exists().where(InvitationDraft.invitation_id == Invitation.id)
    rows = db.session.execute(
        select(
            Invitation.stakeholder_category,
            Invitation.jurisdiction,
            Invitation.revoked_at.is_not(None),
            Invitation.answered_at.is_not(None),
            drafted,
        ).where(Invitation.consultation_id == consultation.id)
    )
    tally = InvitationTally()
    for category, jurisdiction, revoked, answered, draft in rows:
        tally.add(category, jurisdiction, invitation_status(revoked, answered, draft))
    return tally


def silent_groups(
    document: Questionnaire, labels: Labels, answered: set[str], sealed_waiting: int
) -> list[str]:
    """Key groups the questionnaire offers and from whom no answer came yet.

    Only persons deprived of liberty, former detainees and families may use the sealed
    channels, so sealed answers still waiting to be opened count as theirs.
    """
    offered = set(document.profile.categories)
    silent = []
    for categories, label in KEY_GROUPS:
        if not categories & offered or categories & answered:
            continue
        if categories == SEALED_STAKEHOLDERS and sealed_waiting:
            continue
        silent.append(str(label) if label else labels.category(next(iter(categories))))
    return silent


def _sealed_waiting(consultation: Consultation) -> int:
    """Sealed answers received and not yet opened by the trustees."""
    if consultation.status in (Status.UNSEALED, Status.PUBLISHED):
        return 0
    received, _held = sealed.envelope_counts(consultation)
    return received


def _category_labels(consultation: Consultation, locale: str) -> dict[str, str]:
    """Every stakeholder category's label, custom ones included (other pages use it too)."""
    return exports.category_labels(consultation, consultation.document(), locale)


def _offered_categories(
    consultation: Consultation, document: Questionnaire, locale: str
) -> list[tuple[str, str]]:
    """Categories of every channel the questionnaire offers, each once, in its order."""
    choices = dict(
        services.category_choices(document, Channel.OPEN, locale, consultation.default_locale)
    )
    return list(choices.items())


def _invited_rows(
    counts: dict[str, list[int]], labels: dict[str, str]
) -> list[tuple[str, int, int]]:
    """``(label, invited, answered)``, most invited first."""
    rows = [
        (labels.get(key, key), invited, answered) for key, (invited, answered) in counts.items()
    ]
    return sorted(rows, key=lambda row: (-row[1], row[0].casefold()))


def _labelled(
    counts: Iterable[tuple[str | None, int]], labels: dict[str, str]
) -> list[tuple[str, int]]:
    return [(labels.get(key or "", key or "—"), n) for key, n in counts]
