"""The organiser's settings of a consultation's sealed channel (``/admin/<org>/…/sealed-settings``).

Who the channel speaks to (adults, or all ages with a path for children) and whether a receipt
is shown are fixed once the consultation opens: respondents were told what happens, and a
receipt that appears half-way would link some of them to their answers. The urgent-help
contacts and the threshold for holding envelopes stay editable; every change is audited.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from consult.accounts.access import organiser_route
from consult.accounts.models import Membership, Organisation
from consult.accounts.permissions import Permission
from consult.consultations import services as consultations
from consult.consultations.models import Consultation, Status
from consult.extensions import db
from consult.forms import MultiCheckboxField, whole_number
from consult.i18n.locales import display_name
from consult.sealed import services as sealed
from consult.sealed import settings as sealed_settings
from consult.sealed.settings import (
    AUDIENCES,
    HOLD_AFTER_RANGE,
    URGENT_HELP_MAX,
    URGENT_PATH,
    SealedSettings,
)

bp = Blueprint("sealed_settings", __name__, url_prefix="/admin")

# The form and the page ---------------------------------------------------------------------


class SealedSettingsForm(FlaskForm):
    """Only the CSRF token and the review marks: the other fields are read by hand below."""

    reviewed = MultiCheckboxField(validate_choice=False)


def _read(formdata: MultiDict[str, str], consultation: Consultation) -> SealedSettings:
    typed = {
        code: formdata.get(f"urgent_help_{code}", "").strip()
        for code in consultation.offered_locales
    }
    number = formdata.get("hold_after", "").strip()
    return SealedSettings(
        audience=formdata.get("audience", ""),
        receipts=formdata.get("receipts") == "yes",
        hold_after=whole_number(number, 6),
        urgent_help={code: text for code, text in typed.items() if text},
    )


def _reviewed(form: SealedSettingsForm) -> dict[str, set[str]]:
    marks: dict[str, set[str]] = {}
    for value in form.reviewed.data or []:
        path, _sep, code = value.rpartition("|")
        marks.setdefault(path, set()).add(code)
    return marks


@bp.route("/<org>/consultations/<slug>/sealed-settings", methods=["GET", "POST"])
@organiser_route(Permission.EDIT_CONSULTATIONS)
def edit(
    organisation: Organisation, membership: Membership, slug: str
) -> Response | tuple[str, int]:
    """Audience, urgent-help contacts, receipts and hold threshold; envelope counts."""
    consultation = consultations.get(organisation, slug)
    form = SealedSettingsForm()
    if not form.validate_on_submit():
        return _page(organisation, consultation, form, sealed_settings.current(consultation), {})
    wanted = _read(request.form, consultation)
    errors = sealed_settings.problems(wanted, consultation)
    if errors:
        return _page(organisation, consultation, form, wanted, errors)
    sealed_settings.update(consultation, wanted, membership.user, _reviewed(form))
    db.session.commit()
    flash(_("The settings of the sealed channel were saved."), "success")
    return redirect(url_for(".edit", org=organisation.slug, slug=consultation.slug))


def _page(
    organisation: Organisation,
    consultation: Consultation,
    form: SealedSettingsForm,
    values: SealedSettings,
    errors: dict[str, list[object]],
) -> tuple[str, int]:
    ui = get_locale().language if get_locale() else "en"
    states = consultation.text_states()
    stale = {code for code, state in states.items() if URGENT_PATH in state.stale}
    received, held = sealed.envelope_counts(consultation)
    return render_template(
        "sealed/settings.html",
        organisation=organisation,
        consultation=consultation,
        form=form,
        values=values,
        errors=errors,
        stale=stale,
        source=(consultation.urgent_help or {}).get(consultation.default_locale, ""),
        languages=[(code, display_name(code, ui)) for code in consultation.offered_locales],
        audiences=AUDIENCES,
        frozen=consultation.status is not Status.DRAFT,
        key=sealed.sealing_key(consultation),
        received=received,
        held=held,
        limits=HOLD_AFTER_RANGE,
        urgent_max=URGENT_HELP_MAX,
        URGENT_PATH=URGENT_PATH,
    ), 400 if errors else 200
