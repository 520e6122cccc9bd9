"""Invited stakeholders in the organiser area: ``/admin/<org>/consultations/<slug>/invitations/``.

Organisers add invitations one by one or from a CSV file, hand out the links (shown once,
exported as CSV for mail merge, or mailed when SMTP is configured), send reminders and
withdraw invitations. Invitations may be prepared while the consultation is a draft; their
links work once it is open. No page here is cached: they hold links and contact addresses.
"""

from __future__ import annotations

from collections import Counter

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from consult.accounts.access import organiser_route
from consult.accounts.models import Membership, Organisation
from consult.accounts.permissions import Permission
from consult.consultations import services as consultations
from consult.consultations.models import Consultation, Status
from consult.extensions import db
from consult.forms import ActionForm, whole_number
from consult.i18n.content import current_language
from consult.i18n.numbers import ngettext
from consult.mail import mailer
from consult.questionnaires.schema import Channel
from consult.respond import invitation_rows as rows
from consult.respond import invitations
from consult.respond.admin import _category_labels
from consult.respond.invitation_forms import ImportForm, InvitationForm
from consult.respond.invitations import InvitationStatus
from consult.respond.models import Invitation
from consult.respond.services import category_choices, jurisdiction_choices

bp = Blueprint("invitations", __name__, url_prefix="/admin")
BASE = "/<org>/consultations/<slug>/invitations"
ONE = f"{BASE}/<int:invitation_id>"
GET_POST = ["GET", "POST"]


@bp.after_request
def no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get(f"{BASE}/")
@organiser_route(Permission.EDIT_CONSULTATIONS)
def index(organisation: Organisation, membership: Membership, slug: str) -> str:
    """Every invitation with its status, filtered by status and category."""
    consultation = consultations.get(organisation, slug)
    state = request.args.get("status", "")
    state = state if state in set(InvitationStatus) else ""
    category = request.args.get("category", "")
    everyone = invitations.listing(consultation)
    return render_template(
        "invitations/index.html",
        **_context(organisation, membership, consultation),
        invitations=invitations.only(everyone, state=state, category=category),
        total=len(everyone),
        counts=Counter(invitations.status(i) for i in everyone),
        state=state,
        category=category,
        statuses=list(InvitationStatus),
        action_form=ActionForm(),
    )


@bp.route(f"{BASE}/new", methods=GET_POST)
@organiser_route(Permission.EDIT_CONSULTATIONS)
def new(organisation: Organisation, membership: Membership, slug: str) -> str | tuple[str, int]:
    """Add one invitation; its link is shown once."""
    consultation = consultations.get(organisation, slug)
    form = _invitation_form(consultation)
    if not form.is_submitted():
        return _form_page(organisation, membership, consultation, form), 200
    valid = form.validate()
    fields, problems = invitations.check_row(consultation, form.row())
    form.show(problems)
    if not valid or fields is None:
        return _form_page(organisation, membership, consultation, form), 400
    invitation, token = invitations.create(consultation, fields, membership.user)
    db.session.commit()
    return _link_page(organisation, membership, consultation, invitation, token, created=True)


@bp.route(f"{BASE}/import", methods=GET_POST)
@organiser_route(Permission.EDIT_CONSULTATIONS)
def import_(organisation: Organisation, membership: Membership, slug: str) -> str | tuple[str, int]:
    """Invitations from a CSV file: the good rows are created, the others reported by line."""
    consultation = consultations.get(organisation, slug)
    form = ImportForm()
    if not form.is_submitted():
        return _import_page(organisation, membership, consultation, form), 200
    if not form.validate():
        return _import_page(organisation, membership, consultation, form), 400
    try:
        report = invitations.import_csv(consultation, form.file.data.read(), membership.user)
    except invitations.BadFile as error:
        db.session.rollback()
        form.file.errors = [*form.file.errors, str(error.message)]
        return _import_page(organisation, membership, consultation, form), 400
    db.session.commit()
    return _import_page(organisation, membership, consultation, form, report), 200


@bp.post(f"{BASE}/links.csv")
@organiser_route(Permission.EDIT_CONSULTATIONS)
def links(organisation: Organisation, membership: Membership, slug: str) -> Response:
    """New links as CSV: of the invitations listed in the form, or of every one pending."""
    consultation = consultations.get(organisation, slug)
    ids = None
    if "invitation" in request.form:
        found = (whole_number(v) for v in request.form.getlist("invitation"))
        ids = {n for n in found if n is not None}
    chosen = invitations.pending(consultation, ids)
    if not chosen:
        flash(_("No invitation is waiting for an answer: there is no link to download."), "error")
        return redirect(_index_url(consultation))
    body = invitations.links_csv(consultation, chosen, membership.user)
    db.session.commit()
    response = Response(body, mimetype="text/csv")
    response.headers["Content-Disposition"] = (
        f"attachment; filename={consultation.slug}-invitation-links.csv"
    )
    return response


@bp.post(f"{BASE}/remind")
@organiser_route(Permission.EDIT_CONSULTATIONS)
def remind_all(organisation: Organisation, membership: Membership, slug: str) -> Response:
    """Mail everyone who has not answered (the invitation itself to those never mailed)."""
    consultation = consultations.get(organisation, slug)
    report = invitations.remind_all(consultation, membership.user)
    db.session.commit()
    for message, category in _send_messages(report):
        flash(message, category)
    return redirect(_index_url(consultation))


@bp.post(f"{ONE}/send")
@organiser_route(Permission.EDIT_CONSULTATIONS)
def send(
    organisation: Organisation, membership: Membership, slug: str, invitation_id: int
) -> Response:
    return _send(organisation, membership, slug, invitation_id, reminder=False)


@bp.post(f"{ONE}/remind")
@organiser_route(Permission.EDIT_CONSULTATIONS)
def remind(
    organisation: Organisation, membership: Membership, slug: str, invitation_id: int
) -> Response:
    return _send(organisation, membership, slug, invitation_id, reminder=True)


@bp.post(f"{ONE}/link")
@organiser_route(Permission.EDIT_CONSULTATIONS)
def new_link(
    organisation: Organisation, membership: Membership, slug: str, invitation_id: int
) -> str:
    """A new link, shown once; the previous one stops working."""
    consultation = consultations.get(organisation, slug)
    invitation = invitations.get(consultation, invitation_id)
    token = invitations.issue_link(invitation, membership.user)
    db.session.commit()
    return _link_page(organisation, membership, consultation, invitation, token)


@bp.post(f"{ONE}/revoke")
@organiser_route(Permission.EDIT_CONSULTATIONS)
def revoke(
    organisation: Organisation, membership: Membership, slug: str, invitation_id: int
) -> Response:
    consultation = consultations.get(organisation, slug)
    invitation = invitations.get(consultation, invitation_id)
    invitations.revoke(invitation, membership.user)
    db.session.commit()
    flash(
        _(
            "The invitation of %(organisation)s was withdrawn: its link no longer works.",
            organisation=invitation.organisation_name,
        ),
        "success",
    )
    return redirect(_index_url(consultation))


# Helpers -----------------------------------------------------------------------------------


def _send(
    organisation: Organisation,
    membership: Membership,
    slug: str,
    invitation_id: int,
    *,
    reminder: bool,
) -> Response:
    consultation = consultations.get(organisation, slug)
    invitation = invitations.get(consultation, invitation_id)
    invitations.send(invitation, membership.user, reminder=reminder)
    db.session.commit()
    message = (
        _("A reminder was sent to %(organisation)s.", organisation=invitation.organisation_name)
        if reminder
        else _(
            "The invitation was sent to %(organisation)s.",
            organisation=invitation.organisation_name,
        )
    )
    flash(message, "success")
    return redirect(_index_url(consultation))


def _send_messages(report: invitations.SendReport) -> list[tuple[str, str]]:
    messages = []
    if report.reminded:
        messages.append(
            ngettext("%(num)s reminder sent.", "%(num)s reminders sent.", report.reminded)
        )
    if report.sent:
        messages.append(
            ngettext("%(num)s invitation sent.", "%(num)s invitations sent.", report.sent)
        )
    if not report.reminded and not report.sent:
        messages.append(_("No message was sent."))
    result = [(message, "success") for message in messages]
    if report.without_contact:
        result.append(
            (
                ngettext(
                    "%(num)s invitation has no e-mail address: use the CSV of links for it.",
                    "%(num)s invitations have no e-mail address: use the CSV of links for them.",
                    report.without_contact,
                ),
                "error",
            )
        )
    if report.failed:
        result.append(
            (
                ngettext(
                    "%(num)s message was refused by the mail server; its link is unchanged.",
                    "%(num)s messages were refused by the mail server; their links are unchanged.",
                    report.failed,
                ),
                "error",
            )
        )
    return result


def _index_url(consultation: Consultation) -> str:
    return url_for(".index", org=consultation.organisation.slug, slug=consultation.slug)


def _choices(consultation: Consultation) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The categories and jurisdictions an invitation may have, labelled for this reader."""
    document = consultation.document()
    locale = current_language()
    return (
        category_choices(document, Channel.INVITED, locale, consultation.default_locale),
        jurisdiction_choices(consultation, document, locale),
    )


def _invitation_form(consultation: Consultation) -> InvitationForm:
    categories, jurisdictions = _choices(consultation)
    return InvitationForm().bind(consultation, categories, jurisdictions, current_language())


def _context(
    organisation: Organisation, membership: Membership, consultation: Consultation
) -> dict[str, object]:
    categories, jurisdictions = _choices(consultation)
    return {
        "organisation": organisation,
        "membership": membership,
        "consultation": consultation,
        "is_draft": consultation.status is Status.DRAFT,
        "mail_enabled": mailer().enabled,
        "can_send": invitations.can_send(consultation),
        "categories": categories,
        "jurisdictions": jurisdictions,
        "category_labels": _category_labels(consultation, current_language()),
        "jurisdiction_labels": dict(jurisdictions),
        "status_of": invitations.status,
        "is_pending": invitations.is_pending,
    }


def _form_page(
    organisation: Organisation,
    membership: Membership,
    consultation: Consultation,
    form: InvitationForm,
) -> str:
    return render_template(
        "invitations/new.html", **_context(organisation, membership, consultation), form=form
    )


def _import_page(
    organisation: Organisation,
    membership: Membership,
    consultation: Consultation,
    form: ImportForm,
    report: invitations.ImportReport | None = None,
) -> str:
    return render_template(
        "invitations/import.html",
        **_context(organisation, membership, consultation),
        form=form,
        report=report,
        columns=rows.COLUMNS,
        max_rows=rows.MAX_ROWS,
        organisation_max=rows.ORGANISATION_MAX,
        action_form=ActionForm(),
    )


def _link_page(
    organisation: Organisation,
    membership: Membership,
    consultation: Consultation,
    invitation: Invitation,
    token: str,
    *,
    created: bool = False,
) -> str:
    return render_template(
        "invitations/link.html",
        **_context(organisation, membership, consultation),
        invitation=invitation,
        link=invitations.link(invitation, token, consultation),
        created=created,
    )
