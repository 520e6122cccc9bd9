"""The report desk (``/admin/<org>/c/<slug>/report/…``): prepare, publish, withdraw.

Analysts prepare revisions and write their texts; publishers publish a revision or withdraw the
public report. Any member sees where the report stands and its history. Each view parses the
form, calls one service, and commits once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict
from werkzeug.routing import BuildError
from werkzeug.wrappers import Response

from consult.accounts.access import may_open, organiser_route
from consult.accounts.models import Membership, Organisation
from consult.accounts.permissions import Permission
from consult.consultations import services as consultations
from consult.consultations.models import Consultation
from consult.extensions import db
from consult.forms import whole_number
from consult.i18n.content import current_language
from consult.i18n.numbers import format_number
from consult.jobs import jobs
from consult.questionnaires.schema import CHANNEL_LABELS
from consult.reports import render, services
from consult.reports.forms import (
    PublishForm,
    TranslatedForm,
    prepare_form,
    texts_form,
    withdraw_form,
)
from consult.reports.models import Report, ReportStatus

bp = Blueprint("report_admin", __name__, url_prefix="/admin")
BASE = "/<org>/c/<slug>/report"
#: The report pages' preview of a revision (``consult/reports/views.py``).
PREVIEW = "reports.preview"


@bp.get(f"{BASE}/")
@organiser_route(Permission.VIEW)
def index(organisation: Organisation, membership: Membership, slug: str) -> ResponseReturnValue:
    """Where the report stands, its revisions, and the actions the member's roles allow."""
    consultation = consultations.get(organisation, slug)
    return _index(organisation, membership, consultation, PublishForm())


@bp.route(f"{BASE}/prepare", methods=["GET", "POST"])
@organiser_route(Permission.READ_RESPONSES)
def prepare(organisation: Organisation, membership: Membership, slug: str) -> ResponseReturnValue:
    """Compute a new revision with its threshold and texts."""
    desk = _Desk(organisation, membership, consultations.get(organisation, slug))
    previous = services.latest(desk.consultation)
    form = prepare_form(desk.consultation, _posted(), previous, services.k_floor())

    def run() -> str:
        report = services.prepare(
            desk.consultation,
            membership.user,
            form.k.data or 0,
            form.texts("narrative"),
            form.texts("limitations"),
        )
        return _(
            "Revision %(revision)s is prepared: check it, then a publisher can publish it.",
            revision=format_number(report.revision),
        )

    return desk.submit("prepare", form, run)


@bp.route(f"{BASE}/texts", methods=["GET", "POST"])
@organiser_route(Permission.READ_RESPONSES)
def texts(organisation: Organisation, membership: Membership, slug: str) -> ResponseReturnValue:
    """Correct the narrative and limitations of the prepared revision."""
    desk = _Desk(organisation, membership, consultations.get(organisation, slug))
    report = _shown_or(desk.consultation, services.draft)
    form = texts_form(report, _posted())

    def run() -> str:
        services.edit_texts(
            report, membership.user, form.texts("narrative"), form.texts("limitations")
        )
        return _(
            "The texts of revision %(revision)s are saved.", revision=format_number(report.revision)
        )

    return desk.submit("texts", form, run, report)


@bp.post(f"{BASE}/publish")
@organiser_route(Permission.PUBLISH)
def publish(organisation: Organisation, membership: Membership, slug: str) -> ResponseReturnValue:
    """Make the revision the publisher reviewed public."""
    consultation = consultations.get(organisation, slug)
    form = PublishForm()
    if not form.validate_on_submit():
        return _index(organisation, membership, consultation, form)
    report = services.get_revision(consultation, _number(form.revision.data))
    services.publish(report, membership.user)
    db.session.commit()
    if jobs().background:  # inline, the first reader renders each PDF instead
        jobs().enqueue("consult.reports.render.prerender", report.id)
    flash(
        _("Revision %(revision)s is published.", revision=format_number(report.revision)), "success"
    )
    return _to_index(organisation, slug)


@bp.route(f"{BASE}/withdraw", methods=["GET", "POST"])
@organiser_route(Permission.PUBLISH)
def withdraw(organisation: Organisation, membership: Membership, slug: str) -> ResponseReturnValue:
    """Take the public report down; its page then says when and why."""
    desk = _Desk(organisation, membership, consultations.get(organisation, slug))
    report = _shown_or(desk.consultation, services.withdrawable)
    form = withdraw_form(report, _posted())

    def run() -> str:
        services.withdraw(report, membership.user, form.texts("reason"))
        render.forget(report)
        return _("The report is withdrawn: its public page shows your notice.")

    return desk.submit("withdraw", form, run, report)


@dataclass(frozen=True)
class _Desk:
    """The pages of one consultation's report desk, as one member sees them."""

    organisation: Organisation
    membership: Membership
    consultation: Consultation

    def submit(
        self,
        page: str,
        form: TranslatedForm,
        action: Callable[[], str],
        report: Report | None = None,
    ) -> ResponseReturnValue:
        """Show ``page`` until ``form`` is valid, then run ``action``, commit, say what it did.

        The service's field errors come back onto the page, with everything typed kept.
        """
        if form.validate_on_submit():
            try:
                message = action()
            except services.InvalidReport as error:
                form.place(error.errors)
            else:
                db.session.commit()
                flash(message, "success")
                return _to_index(self.organisation, self.consultation.slug)
        return self.page(page, form, report)

    def page(
        self, name: str, form: TranslatedForm, report: Report | None = None
    ) -> tuple[str, int]:
        html = render_template(
            f"reports/admin/{name}.html",
            **_context(self.organisation, self.membership, self.consultation),
            form=form,
            report=report,
            not_ready=services.not_ready_reason(self.consultation),
            k_floor=services.k_floor(),
        )
        return html, 400 if form.errors else 200


# Helpers ------------------------------------------------------------------------------------


def _posted() -> MultiDict[str, str] | None:
    return request.form if request.method == "POST" else None


def _number(value: str | None) -> int | None:
    return whole_number(value)


def _shown_or(consultation: Consultation, current: Callable[[Consultation], Report]) -> Report:
    """On a POST, the revision the form was shown for; on a GET, ``current(consultation)``."""
    if request.method == "POST":
        return services.get_revision(consultation, _number(request.form.get("revision")))
    return current(consultation)


def _to_index(organisation: Organisation, slug: str) -> Response:
    return redirect(url_for(".index", org=organisation.slug, slug=slug))


def _link(endpoint: str, **values: Any) -> str | None:
    """The address of ``endpoint``, or ``None`` while no such page exists."""
    try:
        return url_for(endpoint, **values)
    except BuildError:
        return None


def _context(
    organisation: Organisation, membership: Membership, consultation: Consultation
) -> dict[str, object]:
    return {
        "organisation": organisation,
        "membership": membership,
        "consultation": consultation,
        "Permission": Permission,
        "ReportStatus": ReportStatus,
    }


def _index(
    organisation: Organisation,
    membership: Membership,
    consultation: Consultation,
    publish_form: PublishForm,
) -> tuple[str, int]:
    reports = services.revisions(consultation)
    latest = reports[0] if reports else None
    public = services.public_or_none(consultation)
    lang = current_language()
    html = render_template(
        "reports/admin/index.html",
        **_context(organisation, membership, consultation),
        reports=reports,
        latest=latest,
        public=public,
        people=services.people(reports),
        not_ready=services.not_ready_reason(consultation),
        summary=services.summary(latest) if latest else None,
        channel_labels=CHANNEL_LABELS,
        publish_form=publish_form,
        public_url=_link("reports.page", lang=lang, slug=consultation.slug) if public else None,
        preview_url=_preview(membership, consultation, latest),
    )
    return html, 400 if publish_form.errors else 200


def _preview(
    membership: Membership, consultation: Consultation, report: Report | None
) -> str | None:
    """The preview of the newest revision, once the report pages offer one this member may use."""
    if report is None:
        return None
    if not may_open(membership, current_app.view_functions.get(PREVIEW)):
        return None
    return _link(
        PREVIEW, org=membership.organisation.slug, slug=consultation.slug, revision=report.revision
    )
