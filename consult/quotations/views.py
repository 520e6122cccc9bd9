"""Quotations (``/admin/<org>/consultations/<slug>/quotations/…``): redact, then approve.

Analysts read the free text of the sealed and assisted channels and propose redacted passages;
publishers see each proposal next to its original and approve or reject it. Nobody else sees
that free text. Pages that show it are not cached.
"""

from __future__ import annotations

from flask import Blueprint, flash, make_response, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from consult.accounts.access import organiser_route
from consult.accounts.models import Membership, Organisation
from consult.accounts.permissions import Permission
from consult.consultations import services as consultations
from consult.consultations.models import Consultation
from consult.errors import ValidationFailed
from consult.extensions import db
from consult.forms import ActionForm
from consult.i18n.content import current_language
from consult.questionnaires.schema import CHANNEL_LABELS
from consult.quotations import services
from consult.quotations.forms import ProposeForm, propose_form
from consult.quotations.models import STATUS_LABELS, QuotationStatus
from consult.respond.admin import _category_labels
from consult.respond.display import Words

bp = Blueprint("quotations", __name__, url_prefix="/admin")
BASE = "/<org>/consultations/<slug>/quotations"


@bp.get(f"{BASE}/")
@organiser_route(Permission.READ_RESPONSES)
def index(organisation: Organisation, membership: Membership, slug: str) -> ResponseReturnValue:
    """The free-text answers of one question, a page at a time, and every quotation so far."""
    consultation = consultations.get(organisation, slug)
    questions = services.text_questions(consultation)
    counts = services.answer_counts(consultation)
    wanted = request.args.get("question", "")
    chosen = next((q for q in questions if q.key == wanted), None) or next(
        (q for q in questions if counts.get(q.key)), questions[0] if questions else None
    )
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    answers = services.originals(consultation, chosen.key, page) if chosen else []
    quotations = services.quotations(consultation)
    html = render_template(
        "quotations/index.html",
        **_context(organisation, membership, consultation),
        questions=questions,
        counts=counts,
        chosen=chosen,
        answers=answers,
        page=page,
        page_size=services.PAGE_SIZE,
        quotations=quotations,
        quoted={(q.response_id, q.question_key) for q in quotations},
        people=services.people(quotations),
    )
    return _private(html)


@bp.route(f"{BASE}/new/<response_id>/<key>", methods=["GET", "POST"])
@organiser_route(Permission.READ_RESPONSES)
def propose(
    organisation: Organisation, membership: Membership, slug: str, response_id: str, key: str
) -> ResponseReturnValue:
    """Redact a passage of one answer and propose it for publication."""
    consultation = consultations.get(organisation, slug)
    source = services.original(consultation, response_id, key)
    prefill = source.text if request.method == "GET" else None
    form = propose_form(len(source.text), source.locale, prefill)
    if not form.validate_on_submit():
        return _propose_page(organisation, membership, consultation, source, form)
    try:
        services.propose(
            consultation, membership.user, source, form.text.data or "", form.note.data or ""
        )
    except ValidationFailed as error:
        form.text.errors = [str(error.message)]
        return _propose_page(organisation, membership, consultation, source, form)
    db.session.commit()
    flash(_("The quotation is proposed: a publisher will review it."), "success")
    return redirect(url_for(".index", org=organisation.slug, slug=slug, question=key))


@bp.get(f"{BASE}/review")
@organiser_route(Permission.PUBLISH)
def review(organisation: Organisation, membership: Membership, slug: str) -> ResponseReturnValue:
    """Proposed quotations beside their originals; approved and rejected ones without them."""
    consultation = consultations.get(organisation, slug)
    proposed = services.for_review(consultation)
    decided = services.quotations(
        consultation, [QuotationStatus.APPROVED, QuotationStatus.REJECTED]
    )
    html = render_template(
        "quotations/review.html",
        **_context(organisation, membership, consultation),
        proposed=proposed,
        approved=[q for q in decided if q.status is QuotationStatus.APPROVED],
        rejected=[q for q in decided if q.status is QuotationStatus.REJECTED],
        people=services.people([q for q, _original in proposed] + decided),
        form=ActionForm(),
    )
    return _private(html)


@bp.post(f"{BASE}/<int:quotation_id>/approve")
@organiser_route(Permission.PUBLISH)
def approve(
    organisation: Organisation, membership: Membership, slug: str, quotation_id: int
) -> Response:
    """Approve a proposal: reports may print it. Never by the person who proposed it."""
    return _decide(organisation, membership, slug, quotation_id, QuotationStatus.APPROVED)


@bp.post(f"{BASE}/<int:quotation_id>/reject")
@organiser_route(Permission.PUBLISH)
def reject(
    organisation: Organisation, membership: Membership, slug: str, quotation_id: int
) -> Response:
    """Reject a proposal, or withdraw an approved quotation. Never by its proposer."""
    return _decide(organisation, membership, slug, quotation_id, QuotationStatus.REJECTED)


def _decide(
    organisation: Organisation,
    membership: Membership,
    slug: str,
    quotation_id: int,
    decision: QuotationStatus,
) -> Response:
    consultation = consultations.get(organisation, slug)
    if decision is QuotationStatus.APPROVED:
        services.approve(consultation, quotation_id, membership.user)
        message = _("The quotation is approved: reports may publish it.")
    else:
        services.reject(consultation, quotation_id, membership.user)
        message = _("The quotation is rejected: it will not be published.")
    db.session.commit()
    flash(message, "success")
    return redirect(url_for(".review", org=organisation.slug, slug=slug))


# Pages --------------------------------------------------------------------------------------


def _context(
    organisation: Organisation, membership: Membership, consultation: Consultation
) -> dict[str, object]:
    """What every quotation page needs to name questions, channels and groups."""
    locale = current_language()
    return {
        "organisation": organisation,
        "membership": membership,
        "consultation": consultation,
        "words": Words(consultation.document(), locale, consultation.default_locale),
        "questions_by_key": {q.key: q for q in services.text_questions(consultation)},
        "channel_labels": CHANNEL_LABELS,
        "status_labels": STATUS_LABELS,
        "categories": _category_labels(consultation, locale),
    }


def _propose_page(
    organisation: Organisation,
    membership: Membership,
    consultation: Consultation,
    source: services.Original,
    form: ProposeForm,
) -> Response:
    html = render_template(
        "quotations/propose.html",
        **_context(organisation, membership, consultation),
        source=source,
        form=form,
    )
    return _private(html, 400 if form.errors else 200)


def _private(html: str, status: int = 200) -> Response:
    """Unredacted testimony: never kept in a browser's or a proxy's cache."""
    response = make_response(html, status)
    response.headers["Cache-Control"] = "no-store"
    return response
