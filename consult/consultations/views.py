"""The organiser's dashboard and consultation settings (``/admin/<org>/…``)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from consult.accounts.access import organiser_route
from consult.accounts.models import Membership, Organisation
from consult.accounts.permissions import Permission
from consult.consultations import services
from consult.consultations.forms import ConsultationForm, consultation_form
from consult.consultations.models import Consultation, Status
from consult.extensions import db
from consult.forms import ActionForm
from consult.respond import services as responses

bp = Blueprint("consultations", __name__, url_prefix="/admin")


@bp.get("/<org>/")
@organiser_route(Permission.VIEW)
def dashboard(organisation: Organisation, membership: Membership) -> str:
    return render_template(
        "consultations/dashboard.html",
        organisation=organisation,
        membership=membership,
        consultations=services.for_organisation(organisation),
    )


@bp.route("/<org>/consultations/new", methods=["GET", "POST"])
@organiser_route(Permission.EDIT_CONSULTATIONS)
def new(organisation: Organisation, membership: Membership) -> Response | tuple[str, int]:
    form = consultation_form(request.form if request.method == "POST" else None)
    if not _submitted(form):
        return _settings_page(organisation, form, None)
    errors = _problems(form, None)
    if errors:
        return _settings_page(organisation, form, None, errors)
    consultation = services.create(organisation, form.draft(), membership.user)
    db.session.commit()
    flash(_("The consultation was created as a draft."), "success")
    return redirect(url_for(".show", org=organisation.slug, slug=consultation.slug))


@bp.get("/<org>/consultations/<slug>/")
@organiser_route(Permission.VIEW)
def show(organisation: Organisation, membership: Membership, slug: str) -> str:
    consultation = services.get(organisation, slug)
    return render_template(
        "consultations/show.html",
        states=consultation.text_states(),
        response_total=responses.total(consultation),
        organisation=organisation,
        membership=membership,
        consultation=consultation,
        action_form=ActionForm(),
        Status=Status,
    )


@bp.route("/<org>/consultations/<slug>/edit", methods=["GET", "POST"])
@organiser_route(Permission.EDIT_CONSULTATIONS)
def edit(
    organisation: Organisation, membership: Membership, slug: str
) -> Response | tuple[str, int]:
    consultation = services.get(organisation, slug)
    form = consultation_form(request.form if request.method == "POST" else None, consultation)
    if not _submitted(form):
        return _settings_page(organisation, form, consultation)
    errors = _problems(form, consultation)
    if errors:
        return _settings_page(organisation, form, consultation, errors)
    services.update(consultation, form.draft(), membership.user, form.reviewed_paths())
    db.session.commit()
    flash(_("The consultation was saved."), "success")
    return redirect(url_for(".show", org=organisation.slug, slug=consultation.slug))


@bp.post("/<org>/consultations/<slug>/open")
@organiser_route(Permission.RUN_LIFECYCLE)
def open_(organisation: Organisation, membership: Membership, slug: str) -> Response:
    consultation = services.get(organisation, slug)
    services.open_(consultation, membership.user)
    db.session.commit()
    flash(_("The consultation is open."), "success")
    return redirect(url_for(".show", org=organisation.slug, slug=slug))


@bp.post("/<org>/consultations/<slug>/close")
@organiser_route(Permission.RUN_LIFECYCLE)
def close(organisation: Organisation, membership: Membership, slug: str) -> Response:
    consultation = services.get(organisation, slug)
    services.close(consultation, membership.user)
    db.session.commit()
    flash(_("The consultation is closed."), "success")
    return redirect(url_for(".show", org=organisation.slug, slug=slug))


def _submitted(form: ConsultationForm) -> bool:
    """A real save, not the "update the language fields" button (which only re-renders)."""
    return form.is_submitted() and not form.update_languages.data


def _problems(form: ConsultationForm, current: Consultation | None) -> dict[str, list[object]]:
    """Everything wrong with the submission at once: the form's checks and the service's."""
    form.validate()
    draft = form.draft()
    if current is not None and current.status is not Status.DRAFT:
        services.keep_fixed_settings(current, draft)
    try:
        services.check(draft, current)
    except services.InvalidConsultation as error:
        return error.errors
    return {name: list(messages) for name, messages in form.errors.items()}


def _source_text(consultation: Consultation | None, path: str) -> str:
    """The default-language text of a consultation text ``consultation.<field>``."""
    if consultation is None or not path.startswith("consultation."):
        return ""
    texts = getattr(consultation, path.split(".", 1)[1], None) or {}
    return str(texts.get(consultation.default_locale, ""))


def _settings_page(
    organisation: Organisation,
    form: ConsultationForm,
    consultation: Consultation | None,
    errors: dict[str, list[object]] | None = None,
) -> tuple[str, int]:
    unplaced: list[object] = []
    for name, messages in (errors or {}).items():
        if name not in form:
            unplaced.extend(messages)
            continue
        known = list(form[name].errors)
        form[name].errors = known + [str(m) for m in messages if str(m) not in known]
    status = 400 if errors or form.errors else 200
    states = consultation.text_states() if consultation is not None else {}
    stale = {
        (path, code): _source_text(consultation, path)
        for code, state in states.items()
        for path in state.stale
    }
    return render_template(
        "consultations/settings.html",
        organisation=organisation,
        form=form,
        consultation=consultation,
        unplaced=unplaced,
        stale=stale,
        Status=Status,
    ), status
