"""How long envelopes are kept, and deleting every response (``/admin/<org>/consultations/…``).

The retention period is a consultation setting (organisers); deleting every response is for
owners only (``MANAGE_MEMBERS``, the owner's own permission), after a confirmation page that
says what goes and what stays, with the consultation's short name typed.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from consult.accounts.access import organiser_route
from consult.accounts.models import Membership, Organisation
from consult.accounts.permissions import Permission
from consult.consultations import services as consultations
from consult.consultations.models import Consultation
from consult.extensions import db
from consult.reports import render
from consult.reports import services as reports
from consult.retention import services as retention
from consult.retention.forms import DeleteResponsesForm, RetentionForm

bp = Blueprint("retention", __name__, url_prefix="/admin")


@bp.route("/<org>/consultations/<slug>/retention", methods=["GET", "POST"])
@organiser_route(Permission.EDIT_CONSULTATIONS)
def edit(
    organisation: Organisation, membership: Membership, slug: str
) -> Response | tuple[str, int]:
    """How many days after unsealing the sealed envelopes are deleted."""
    consultation = consultations.get(organisation, slug)
    form = RetentionForm(data={"days": consultation.sealed_retention_days})
    if not form.validate_on_submit():
        return _page(organisation, consultation, form)
    retention.set_retention(consultation, form.days.data, membership.user)
    db.session.commit()
    flash(_("The retention period was saved."), "success")
    return redirect(url_for(".edit", org=organisation.slug, slug=slug))


def _page(
    organisation: Organisation, consultation: Consultation, form: RetentionForm
) -> tuple[str, int]:
    return render_template(
        "retention/edit.html",
        organisation=organisation,
        consultation=consultation,
        form=form,
        due=retention.deletion_due_at(consultation),
        left=retention.counts(consultation).envelopes,
    ), 400 if form.errors else 200


@bp.route("/<org>/consultations/<slug>/responses/delete", methods=["GET", "POST"])
@organiser_route(Permission.MANAGE_MEMBERS)
def delete_responses(
    organisation: Organisation, membership: Membership, slug: str
) -> Response | tuple[str, int]:
    """Confirm, then delete every response of the consultation (owners only; 409 while open)."""
    consultation = consultations.get(organisation, slug)
    if not retention.deletable(consultation):
        raise retention.StillOpen()
    form = DeleteResponsesForm()
    if form.validate_on_submit():
        try:
            deleted = retention.delete_responses(
                consultation, membership.user, form.confirmation.data or ""
            )
        except retention.NotConfirmed as error:
            form.confirmation.errors = [str(error.message)]
        else:
            db.session.commit()
            if deleted.quotations:  # stored PDFs may print them
                for report in reports.revisions(consultation):
                    render.forget(report)
            flash(_("Every response of this consultation was deleted."), "success")
            return redirect(url_for("consultations.show", org=organisation.slug, slug=slug))
    return render_template(
        "retention/delete.html",
        organisation=organisation,
        consultation=consultation,
        form=form,
        counts=retention.counts(consultation),
        reports=len(reports.revisions(consultation)),
    ), 400 if form.errors else 200
