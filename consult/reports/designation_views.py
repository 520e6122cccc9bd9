"""The designation desk (``/admin/<org>/c/<slug>/designation/…``): what the State did.

Any member reads the latest revision, its history and the recommendations with their
updates; publishers record revisions, recommendations and updates. Nothing here exists
before the consultation closes (a translated ``Conflict``). Each view parses the form, calls
one service, and commits once; a refused form comes back with every value typed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from consult.accounts.access import organiser_route
from consult.accounts.models import Membership, Organisation
from consult.accounts.permissions import Permission
from consult.consultations import services as consultations
from consult.consultations.models import Consultation
from consult.extensions import db
from consult.i18n.content import resolve
from consult.i18n.numbers import format_number
from consult.opcat import vocabulary
from consult.reports import designation as services
from consult.reports.designation_checks import InvalidDesignation
from consult.reports.designation_forms import (
    recommendation_form,
    revision_form,
    update_form,
)
from consult.reports.designation_models import RECOMMENDATION_STATUS_LABELS
from consult.reports.forms import TranslatedForm

bp = Blueprint("designation", __name__, url_prefix="/admin")
BASE = "/<org>/c/<slug>/designation"
GET_POST = ["GET", "POST"]

#: Names of the parts of a revision, for "what changed".
PART_LABELS = {
    "designated_on": _l("Date of designation"),
    "legal_basis": _l("Legal basis"),
    "instrument": _l("Founding text"),
    "bodies": _l("Designated bodies"),
    "model": _l("Model"),
    "option": _l("Option of the consultation"),
    "places": _l("Places covered"),
    "guarantees": _l("OPCAT guarantees"),
    "stages": _l("Implementation stages"),
    "note": _l("Note"),
}
STAGE_STATE_LABELS = {
    "reached": _l("Reached"),
    "pending": _l("Not reached yet"),
    "skipped": _l("Skipped"),
}


@bp.get(f"{BASE}/")
@organiser_route(Permission.VIEW)
def index(organisation: Organisation, membership: Membership, slug: str) -> ResponseReturnValue:
    """The latest revision, the history of revisions, the recommendations and their updates."""
    desk = _Desk.of(organisation, membership, slug)
    revisions = services.revisions(desk.consultation)
    recommendations = services.recommendations(desk.consultation)
    latest = revisions[0] if revisions else None
    recorders = [r.recorded_by_id for r in revisions]
    updaters = [u.recorded_by_id for r in recommendations for u in r.updates]
    return render_template(
        "designation/index.html",
        **desk.context(),
        latest=latest,
        revisions=revisions,
        changes=services.history(revisions),
        states=services.stage_states(latest.stage_dates()) if latest else {},
        recommendations=recommendations,
        people=services.names([*recorders, *updaters]),
    )


@bp.route(f"{BASE}/new", methods=GET_POST)
@organiser_route(Permission.PUBLISH)
def record(organisation: Organisation, membership: Membership, slug: str) -> ResponseReturnValue:
    """Record a new revision, starting from the latest one."""
    desk = _Desk.of(organisation, membership, slug)
    form = revision_form(desk.consultation, _posted(), services.latest(desk.consultation))

    def run() -> str:
        revision = services.record_revision(desk.consultation, membership.user, form.entry())
        return _(
            "Revision %(revision)s of the designation is recorded.",
            revision=format_number(revision.revision),
        )

    return desk.submit("revision", form, run)


@bp.route(f"{BASE}/recommendations/new", methods=GET_POST)
@organiser_route(Permission.PUBLISH)
def add_recommendation(
    organisation: Organisation, membership: Membership, slug: str
) -> ResponseReturnValue:
    """Add one of the consultation's main recommendations at the end of the list."""
    desk = _Desk.of(organisation, membership, slug)
    form = recommendation_form(desk.consultation, _posted())

    def run() -> str:
        services.add_recommendation(desk.consultation, membership.user, form.texts("text"))
        return _("The recommendation is added.")

    return desk.submit("recommendation", form, run)


@bp.route(f"{BASE}/recommendations/<int:recommendation_id>/edit", methods=GET_POST)
@organiser_route(Permission.PUBLISH)
def edit_recommendation(
    organisation: Organisation, membership: Membership, slug: str, recommendation_id: int
) -> ResponseReturnValue:
    """Correct the text of a recommendation; its updates stay as they were."""
    desk = _Desk.of(organisation, membership, slug)
    recommendation = services.get_recommendation(desk.consultation, recommendation_id)
    form = recommendation_form(desk.consultation, _posted(), recommendation)

    def run() -> str:
        services.edit_recommendation(
            desk.consultation, recommendation_id, membership.user, form.texts("text")
        )
        return _("The recommendation is corrected.")

    return desk.submit("recommendation", form, run, recommendation=recommendation)


@bp.post(f"{BASE}/recommendations/<int:recommendation_id>/move")
@organiser_route(Permission.PUBLISH)
def move_recommendation(
    organisation: Organisation, membership: Membership, slug: str, recommendation_id: int
) -> Response:
    """Move a recommendation one place up or down the list."""
    desk = _Desk.of(organisation, membership, slug)
    form = TranslatedForm()
    if form.validate_on_submit():
        step = -1 if request.form.get("direction") == "up" else 1
        services.move_recommendation(desk.consultation, recommendation_id, membership.user, step)
        db.session.commit()
    return desk.to_index()


@bp.route(f"{BASE}/recommendations/<int:recommendation_id>/updates/new", methods=GET_POST)
@organiser_route(Permission.PUBLISH)
def add_update(
    organisation: Organisation, membership: Membership, slug: str, recommendation_id: int
) -> ResponseReturnValue:
    """Record where a recommendation stands as of a date."""
    desk = _Desk.of(organisation, membership, slug)
    recommendation = services.get_recommendation(desk.consultation, recommendation_id)
    form = update_form(desk.consultation, _posted())

    def run() -> str:
        services.add_update(
            desk.consultation,
            recommendation_id,
            membership.user,
            form.status.data or "",
            form.as_of.data,
            form.note(),
        )
        return _("The update is recorded.")

    return desk.submit("update", form, run, recommendation=recommendation)


@dataclass(frozen=True)
class _Desk:
    """The designation pages of one consultation, as one member sees them."""

    organisation: Organisation
    membership: Membership
    consultation: Consultation

    @classmethod
    def of(cls, organisation: Organisation, membership: Membership, slug: str) -> _Desk:
        """The desk of consultation ``slug``; ``Conflict`` before it has closed."""
        consultation = consultations.get(organisation, slug)
        services.ensure_available(consultation)
        return cls(organisation, membership, consultation)

    def context(self) -> dict[str, object]:
        return {
            "organisation": self.organisation,
            "membership": self.membership,
            "consultation": self.consultation,
            "vocabulary": vocabulary,
            "options": {o.key: o for o in self.consultation.document().options},
            "resolve": resolve,
            "part_labels": PART_LABELS,
            "stage_state_labels": STAGE_STATE_LABELS,
            "recommendation_labels": RECOMMENDATION_STATUS_LABELS,
        }

    def submit(
        self,
        page: str,
        form: TranslatedForm,
        action: Callable[[], str],
        **extra: object,
    ) -> ResponseReturnValue:
        """Show ``page`` until ``form`` is valid, then run ``action``, commit, say what it did.

        The service's field errors come back onto the page, with everything typed kept.
        """
        if form.validate_on_submit():
            try:
                message = action()
            except InvalidDesignation as error:
                form.place(error.errors)
            else:
                db.session.commit()
                flash(message, "success")
                return self.to_index()
        html = render_template(f"designation/{page}.html", **self.context(), form=form, **extra)
        return html, 400 if form.errors else 200

    def to_index(self) -> Response:
        return redirect(url_for(".index", org=self.organisation.slug, slug=self.consultation.slug))


def _posted() -> MultiDict[str, str] | None:
    return request.form if request.method == "POST" else None
