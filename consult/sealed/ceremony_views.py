"""The key ceremony of a consultation (``/admin/<org>/consultations/<slug>/ceremony``).

In the app, the key pair, the opening key and the shares exist only while one request runs:
its response is the single page that shows each trustee's words, marked ``no-store``; nothing
of them is stored, logged, flashed or put in a URL. Offline, ``consult-keygen`` makes
everything on a trustee's computer and the organiser uploads only the public parts. Either
way each trustee later confirms, signed in, with the four public header words of their share.

The operations live in :mod:`consult.sealed.ceremony`.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, flash, make_response, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from consult.accounts.access import organiser_route
from consult.accounts.models import Membership, Organisation, User
from consult.accounts.permissions import Permission
from consult.consultations import services as consultations
from consult.consultations.models import Consultation, Status
from consult.errors import Forbidden, ValidationFailed
from consult.extensions import db
from consult.i18n.numbers import format_number
from consult.sealed import ceremony as ceremony_service
from consult.sealed import crypto, services
from consult.sealed.forms import (
    MODE_LABELS,
    CeremonyForm,
    ConfirmForm,
    UploadForm,
    ceremony_form,
    upload_form,
)
from consult.sealed.models import CeremonyTrustee, SealingKey

bp = Blueprint("ceremony", __name__, url_prefix="/admin")
BASE = "/<org>/consultations/<slug>/ceremony"


# Views --------------------------------------------------------------------------------------


@bp.get(BASE)
@organiser_route(Permission.RUN_LIFECYCLE)
def status(organisation: Organisation, membership: Membership, slug: str) -> ResponseReturnValue:
    """Where the ceremony stands, and the form to hold one while the consultation is a draft."""
    consultation = consultations.get(organisation, slug)
    form = ceremony_form(ceremony_service.eligible_trustees(organisation))
    form.current_key.data = _current_key_id(consultation)
    return _status_page(organisation, membership, consultation, form)


@bp.post(BASE)
@organiser_route(Permission.RUN_LIFECYCLE)
def start(organisation: Organisation, membership: Membership, slug: str) -> ResponseReturnValue:
    """Hold the ceremony in the app; the response is the only page that ever shows the shares."""
    consultation = consultations.get(organisation, slug)
    ceremony_service.ensure_draft(consultation)
    form = ceremony_form(ceremony_service.eligible_trustees(organisation))
    if not form.validate_on_submit():
        return _status_page(organisation, membership, consultation, form, 400)
    ceremony = ceremony_service.hold_ceremony(
        consultation, membership.user, form.trustee_ids, form.k, form.current_key.data
    )
    db.session.commit()
    return _shares_page(organisation, consultation, ceremony, form)


@bp.route(f"{BASE}/upload", methods=["GET", "POST"])
@organiser_route(Permission.RUN_LIFECYCLE)
def upload(organisation: Organisation, membership: Membership, slug: str) -> ResponseReturnValue:
    """Register the public outcome of a ``consult-keygen create`` ceremony."""
    consultation = consultations.get(organisation, slug)
    ceremony_service.ensure_draft(consultation)
    form = upload_form(ceremony_service.eligible_trustees(organisation))
    if request.method == "GET":
        form.current_key.data = _current_key_id(consultation)
        return _upload_page(organisation, consultation, form)
    if not form.validate_on_submit() or form.upload is None:
        return _upload_page(organisation, consultation, form, 400)
    try:
        ceremony_service.register_upload(
            consultation, membership.user, form.upload, form.trustee_ids, form.current_key.data
        )
    except ValidationFailed as error:
        (form.file if form.file.data else form.text).errors.append(str(error.message))
        return _upload_page(organisation, consultation, form, 400)
    db.session.commit()
    flash(_("The key of the offline ceremony is registered."), "success")
    return redirect(url_for(".status", org=organisation.slug, slug=slug))


@bp.get(f"{BASE}/check")
@organiser_route(Permission.HOLD_SHARE)
def check(organisation: Organisation, membership: Membership, slug: str) -> ResponseReturnValue:
    """What a trustee's share should say, and how to check every word of it offline."""
    consultation = consultations.get(organisation, slug)
    return _check_page(organisation, membership, consultation, ConfirmForm(formdata=None))


@bp.route(f"{BASE}/confirm", methods=["GET", "POST"])
@organiser_route(Permission.HOLD_SHARE)
def confirm(organisation: Organisation, membership: Membership, slug: str) -> ResponseReturnValue:
    """A trustee confirms, signed in as themselves, with the four header words of their share."""
    consultation = consultations.get(organisation, slug)
    form = ConfirmForm()
    if request.method == "GET":
        return _check_page(organisation, membership, consultation, form)
    key = services.sealing_key(consultation)
    share = ceremony_service.share_of(key, membership.user)
    if key is None or share is None:
        raise Forbidden(_l("You hold no share of this consultation's key."))
    form.expected = crypto.ShareInfo(key.share_identifier, share.share_number, key.threshold)
    if not form.validate_on_submit():
        return _check_page(organisation, membership, consultation, form, 400)
    ceremony_service.confirm_share(consultation, key, share)
    db.session.commit()
    flash(
        _(
            "Thank you: you hold share %(number)s of this key.",
            number=format_number(share.share_number),
        ),
        "success",
    )
    return redirect(url_for(".check", org=organisation.slug, slug=slug))


# Pages --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sheet:
    """One trustee's printed page."""

    number: int
    name: str
    words: list[str]


def _current_key_id(consultation: Consultation) -> str:
    key = services.sealing_key(consultation)
    return key.key_id if key else ""


def _holders(key: SealingKey | None) -> list[tuple[CeremonyTrustee, User | None]]:
    if key is None:
        return []
    return [(t, db.session.get(User, t.user_id) if t.user_id else None) for t in key.trustees]


def _status_page(
    organisation: Organisation,
    membership: Membership,
    consultation: Consultation,
    form: CeremonyForm,
    status: int = 200,
) -> tuple[str, int]:
    key = services.sealing_key(consultation)
    return render_template(
        "sealed/ceremony.html",
        organisation=organisation,
        membership=membership,
        consultation=consultation,
        key=key,
        holders=_holders(key),
        form=form,
        enough_trustees=len(form.eligible) >= 2,
        is_draft=consultation.status is Status.DRAFT,
        mode_labels=MODE_LABELS,
    ), status


def _shares_page(
    organisation: Organisation,
    consultation: Consultation,
    ceremony: crypto.Ceremony,
    form: CeremonyForm,
) -> Response:
    """The shares, once: not cached, not stored, laid out one trustee per printed page."""
    members = {m.user_id: m for m in form.eligible}
    sheets = [
        Sheet(number, members[user_id].user.name, share.split())
        for number, (user_id, share) in enumerate(
            zip(form.trustee_ids, ceremony.shares, strict=True), start=1
        )
    ]
    html = render_template(
        "sealed/ceremony_shares.html",
        organisation=organisation,
        consultation=consultation,
        ceremony=ceremony,
        count=len(sheets),
        sheets=sheets,
    )
    response = make_response(html, 200)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Clear-Site-Data"] = '"cache"'
    return response


def _upload_page(
    organisation: Organisation, consultation: Consultation, form: UploadForm, status: int = 200
) -> tuple[str, int]:
    return render_template(
        "sealed/ceremony_upload.html",
        organisation=organisation,
        consultation=consultation,
        key=services.sealing_key(consultation),
        form=form,
        enough_trustees=len(form.eligible) >= 2,
    ), status


def _check_page(
    organisation: Organisation,
    membership: Membership,
    consultation: Consultation,
    form: ConfirmForm,
    status: int = 200,
) -> tuple[str, int]:
    key = services.sealing_key(consultation)
    return render_template(
        "sealed/share_check.html",
        organisation=organisation,
        consultation=consultation,
        key=key,
        share=ceremony_service.share_of(key, membership.user),
        form=form,
    ), status
