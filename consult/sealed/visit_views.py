"""Visit sessions in the organiser area: ``/admin/<org>/consultations/<slug>/visits/…``.

Every member sees the list of sessions; facilitators open them, key in forms (the ``assisted``
channel, under ``…/assisted`` so that access logs leave the requests out), unlock a device as a
kiosk, and close them. The entry page is the respondents' questionnaire page in one-page mode,
limited to the sealed categories, with the session's place and jurisdiction filled in; after
each form it comes back blank, saying how many forms were entered. Nothing of a form outlives
its request but its envelope.
"""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, logout_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response as HTTPResponse
from wtforms import SelectField

from consult.accounts import sessions
from consult.accounts.access import organiser_route
from consult.accounts.models import Membership, Organisation
from consult.accounts.permissions import Permission
from consult.consultations import services as consultations
from consult.consultations.models import Consultation
from consult.errors import render_error
from consult.extensions import csrf, db
from consult.forms import required
from consult.i18n.locales import display_name
from consult.i18n.numbers import format_number, ngettext
from consult.opcat.vocabulary import PLACES
from consult.questionnaires.answers import CHOOSE_OFFERED, Submission
from consult.questionnaires.schema import Channel
from consult.respond import flow as flows
from consult.respond.services import jurisdiction_choices
from consult.respond.views import _Page, _page
from consult.sealed import kiosk, visits
from consult.sealed.views import FORM_TYPE, NOT_A_FORM
from consult.sealed.visit_models import VisitMode, VisitSession

bp = Blueprint("visits", __name__, url_prefix="/admin")

VISITS = "/<org>/consultations/<slug>/visits"
DEFAULT_HOURS = 4


@bp.after_request
def no_store(response: HTTPResponse) -> HTTPResponse:
    """The entry page holds answers being keyed in; no page of a visit is worth caching."""
    response.headers["Cache-Control"] = "no-store"
    return response


# Opening -----------------------------------------------------------------------------------


class VisitForm(FlaskForm):
    # Choices are checked below, with the respondents' wording.
    mode = SelectField(_l("How the answers are collected"), validate_choice=False)
    place = SelectField(
        _l("Category of place"),
        validate_choice=False,
        validators=[required()],
        description=_l("Filled in on each form; you can change it for one form."),
    )
    jurisdiction = SelectField(_l("Jurisdiction"), validate_choice=False)
    hours = SelectField(
        _l("Length of the visit"),
        validate_choice=False,
        default=str(DEFAULT_HOURS),
        description=_l("The session, and a kiosk unlocked for it, stop by themselves after this."),
    )

    def bind(self, consultation: Consultation) -> VisitForm:
        """Offer the ways, places, jurisdictions and lengths of this consultation."""
        locale = get_locale().language if get_locale() else "en"
        self.mode.choices = [(m.value, str(m.label)) for m in VisitMode]
        self.place.choices = PLACES.choices()
        offered = jurisdiction_choices(consultation, consultation.document(), locale)
        self.jurisdiction.choices = [("", _("Chosen on each form")), *offered]
        self.hours.choices = [
            (str(n), ngettext("%(num)s hour", "%(num)s hours", n))
            for n in range(1, visits.MAX_HOURS + 1)
        ]
        return self

    def offered(self) -> bool:
        """Whether every choice is one offered; marks the others."""
        fine = True
        for field in (self.mode, self.place, self.jurisdiction, self.hours):
            if field.data not in {str(value) for value, _label in field.choices or []}:
                field.errors = [*field.errors, CHOOSE_OFFERED]
                fine = False
        return fine

    def plan(self) -> visits.VisitPlan:
        return visits.VisitPlan(
            place=self.place.data or "",
            jurisdiction=self.jurisdiction.data or None,
            mode=VisitMode(self.mode.data),
            hours=int(self.hours.data or DEFAULT_HOURS),
        )


@bp.get(f"{VISITS}/")
@organiser_route(Permission.VIEW)
def index(organisation: Organisation, membership: Membership, slug: str) -> str:
    """The consultation's visit sessions: where, how, by whom, and how many forms."""
    consultation = consultations.get(organisation, slug)
    return render_template(
        "visits/index.html",
        organisation=organisation,
        membership=membership,
        consultation=consultation,
        sessions=visits.sessions_of(consultation),
        can_open=consultation.is_accepting(),
        places=PLACES,
    )


@bp.route(f"{VISITS}/new", methods=["GET", "POST"])
@organiser_route(Permission.ASSISTED_ENTRY)
def open_(
    organisation: Organisation, membership: Membership, slug: str
) -> HTTPResponse | tuple[str, int]:
    """Open a session: the way of collecting, the place, the jurisdiction, the length."""
    consultation = consultations.get(organisation, slug)
    form = VisitForm().bind(consultation)
    if not form.is_submitted():
        return _open_page(organisation, consultation, form, 200)
    if not all([form.validate(), form.offered()]):  # both, so that every error shows
        return _open_page(organisation, consultation, form, 400)
    plan = form.plan()
    if not visits.can_collect(consultation, plan.mode):
        form.mode.errors = [*form.mode.errors, visits.CannotCollect.default_message]
        return _open_page(organisation, consultation, form, 409)
    visit = visits.open_session(consultation, membership.user, plan)
    db.session.commit()
    flash(_("The visit session is open."), "success")
    return redirect(_show_url(visit))


def _open_page(
    organisation: Organisation, consultation: Consultation, form: VisitForm, status: int
) -> tuple[str, int]:
    return render_template(
        "visits/open.html",
        organisation=organisation,
        consultation=consultation,
        form=form,
        accepting=consultation.is_accepting(),
    ), status


# One session -------------------------------------------------------------------------------


@bp.get(f"{VISITS}/<int:visit_id>")
@organiser_route(Permission.ASSISTED_ENTRY)
def show(organisation: Organisation, membership: Membership, slug: str, visit_id: int) -> str:
    """The session: its facts, its count, and what its facilitator can do next."""
    consultation = consultations.get(organisation, slug)
    visit = visits.get(consultation, visit_id)
    return render_template(
        "visits/show.html",
        organisation=organisation,
        consultation=consultation,
        visit=visit,
        places=PLACES,
        jurisdiction=_jurisdiction_label(consultation, visit.jurisdiction),
        own=visit.facilitator_id == membership.user_id,
        kiosk_mode=visits.channel_of(visit.mode) is Channel.SEALED,
    )


@bp.route(f"{VISITS}/<int:visit_id>/assisted", methods=["GET", "POST"])
@organiser_route(Permission.ASSISTED_ENTRY)
@csrf.exempt  # checked by the page, so that an expired form comes back with its answers
def enter(
    organisation: Organisation, membership: Membership, slug: str, visit_id: int
) -> HTTPResponse | tuple[str, int]:
    """Key in one form after another; each is sealed as it is sent."""
    if request.method == "POST" and request.mimetype != FORM_TYPE:
        return render_error(415, NOT_A_FORM)  # before anything reads the body
    consultation = consultations.get(organisation, slug)
    visit = visits.usable(visits.get(consultation, visit_id), membership.user, Channel.ASSISTED)
    g.content_locale = _form_language(consultation)
    page = _page(consultation, Channel.ASSISTED, False, _EntryPage)
    assert isinstance(page, _EntryPage)
    page.visit, page.organisation = visit, organisation
    if request.method == "GET":
        page.flow.form.update(visits.prefill(visit))
        return page.render(flows.PROFILE)
    return page.handle()


def _jurisdiction_label(consultation: Consultation, key: str | None) -> str | None:
    locale = get_locale().language if get_locale() else "en"
    labels = dict(jurisdiction_choices(consultation, consultation.document(), locale))
    return labels.get(key, key) if key else None


def _form_language(consultation: Consultation) -> str:
    """The language of the form being keyed in: chosen, else the facilitator's, else the main."""
    ui = get_locale()
    for code in (request.values.get("content"), ui.language if ui else None):
        if code in consultation.offered_locales:
            return str(code)
    return consultation.default_locale


class _EntryPage(_Page):
    """A questionnaire page of the assisted channel: it seals into the session."""

    template = "visits/entry.html"
    visit: VisitSession
    organisation: Organisation

    def context(self, step: str) -> dict[str, object]:
        """The session, and the languages a paper form may be in."""
        offered = self.consultation.offered_locales
        return {
            **super().context(step),
            "visit": self.visit,
            "organisation": self.organisation,
            "place_label": PLACES.label(self.visit.place),
            "languages": [(code, display_name(code)) for code in offered],
        }

    def store(self, submission: Submission) -> HTTPResponse:
        """Seal (never held: one facilitator keys many forms), count, and start a blank form."""
        visits.enter_form(self.visit, submission, locale=self.locale, submission_key=self.key)
        db.session.commit()
        flash(_("Form %(n)s entered.", n=format_number(self.visit.forms_entered)), "success")
        url = url_for(
            ".enter",
            org=self.organisation.slug,
            slug=self.consultation.slug,
            visit_id=self.visit.id,
            content=self.locale,
        )
        return redirect(url, code=303)


@bp.post(f"{VISITS}/<int:visit_id>/kiosk")
@organiser_route(Permission.ASSISTED_ENTRY)
def unlock(
    organisation: Organisation, membership: Membership, slug: str, visit_id: int
) -> HTTPResponse:
    """Make this device a kiosk for the visit, and sign its facilitator out on it at once."""
    consultation = consultations.get(organisation, slug)
    visit = visits.usable(visits.get(consultation, visit_id), membership.user, Channel.SEALED)
    visits.record_unlock(visit, membership.user)
    sessions.end(current_user.session_token)
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("This device is now a kiosk until the visit ends. Lock it when you leave."), "success")
    response = redirect(url_for("kiosk.start", lang=consultation.default_locale), code=303)
    kiosk.unlock(response, visit)
    return response


@bp.post(f"{VISITS}/<int:visit_id>/close")
@organiser_route(Permission.ASSISTED_ENTRY)
def close(
    organisation: Organisation, membership: Membership, slug: str, visit_id: int
) -> HTTPResponse:
    """Close the session; its count goes to the audit log."""
    consultation = consultations.get(organisation, slug)
    visit = visits.get(consultation, visit_id)
    visits.close(visit, membership.user)
    count = visit.forms_entered
    db.session.commit()
    flash(
        ngettext(
            "The visit session is closed: %(num)s form entered.",
            "The visit session is closed: %(num)s forms entered.",
            count,
        ),
        "success",
    )
    return redirect(_show_url(visit))


def _show_url(visit: VisitSession) -> str:
    consultation = visit.consultation
    return url_for(
        ".show",
        org=consultation.organisation.slug,
        slug=consultation.slug,
        visit_id=visit.id,
    )
