"""The organiser's view of responses: who answered (counts), and what they said (analysts)."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from consult.accounts.access import organiser_route
from consult.accounts.models import Membership, Organisation
from consult.accounts.permissions import Permission
from consult.consultations import services as consultations
from consult.consultations.models import Consultation
from consult.extensions import db
from consult.i18n.content import current_language
from consult.opcat.vocabulary import STAKEHOLDERS
from consult.questionnaires.schema import CHANNEL_LABELS, Channel
from consult.respond import services
from consult.respond.display import Words
from consult.respond.models import Response

bp = Blueprint("respond_admin", __name__, url_prefix="/admin")
PAGE_SIZE = 50


@bp.get("/<org>/consultations/<slug>/responses/")
@organiser_route(Permission.VIEW)
def summary(organisation: Organisation, membership: Membership, slug: str) -> str:
    """How many answered, by group, jurisdiction and channel: the gaps show at a glance."""
    consultation = consultations.get(organisation, slug)
    document = consultation.document()
    locale = current_language()
    return render_template(
        "respond/admin/summary.html",
        organisation=organisation,
        membership=membership,
        consultation=consultation,
        total=services.total(consultation),
        by_category=_labelled(
            services.counts(consultation, "stakeholder_category"),
            _category_labels(consultation, locale),
        ),
        by_jurisdiction=_labelled(
            services.counts(consultation, "jurisdiction"),
            dict(services.jurisdiction_choices(consultation, document, locale)),
        ),
        by_channel=_labelled(
            services.counts(consultation, "channel"),
            {c.value: str(CHANNEL_LABELS[c]) for c in Channel},
        ),
        asks_jurisdiction=document.profile.jurisdiction.value != "none",
    )


@bp.get("/<org>/consultations/<slug>/responses/list")
@organiser_route(Permission.READ_RESPONSES)
def listing(organisation: Organisation, membership: Membership, slug: str) -> str:
    """Open and invited responses with their answers, a page at a time."""
    consultation = consultations.get(organisation, slug)
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    query = (
        select(Response)
        .where(Response.consultation_id == consultation.id)
        .order_by(Response.received_on.desc(), Response.id)
        .options(selectinload(Response.answers))
    )
    rows = db.session.scalars(query.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    document = consultation.document()
    return render_template(
        "respond/admin/list.html",
        organisation=organisation,
        membership=membership,
        consultation=consultation,
        responses=rows,
        page=page,
        page_size=PAGE_SIZE,
        total=services.total(consultation),
        document=document,
        words=Words(document, current_language(), consultation.default_locale),
        categories=_category_labels(consultation, current_language()),
        jurisdictions=dict(
            services.jurisdiction_choices(consultation, document, current_language())
        ),
    )


def _category_labels(consultation: Consultation, locale: str) -> dict[str, str]:
    from consult.i18n.content import resolve

    labels = {term.key: str(term.label) for term in STAKEHOLDERS}
    for choice in consultation.document().profile.custom_categories:
        labels[choice.key] = resolve(choice.label, consultation.default_locale, locale)
    return labels


def _labelled(
    counts: list[tuple[str | None, int]], labels: dict[str, str]
) -> list[tuple[str, int]]:
    return [(labels.get(key or "", key or "—"), n) for key, n in counts]
