"""A member's own two-factor authentication: set up, confirm, recovery codes, switch off.

Registered inside the accounts blueprint, under ``/admin/account/two-factor/``. Pages that
show the secret or recovery codes are marked ``no-store``.
"""

from __future__ import annotations

from flask import Blueprint, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from consult.accounts import two_factor
from consult.accounts.forms import TwoFactorCheckForm, TwoFactorConfirmForm
from consult.accounts.models import User
from consult.accounts.throttle import TooManyAttempts
from consult.accounts.web import FORM_ERRORS, client_address, form_error, no_store, sign_in
from consult.extensions import db
from consult.forms import ActionForm
from consult.urls import safe_next

bp = Blueprint("two_factor", __name__, url_prefix="/account/two-factor")


def _user() -> User:
    user: User = current_user._get_current_object()
    return user


def _page(
    confirm_form: TwoFactorConfirmForm | None = None,
    check_form: TwoFactorCheckForm | None = None,
    status: int = 200,
) -> Response:
    """The two-factor page in the state the user is in: off, being set up, or on."""
    user = _user()
    secret = two_factor.pending_secret(user)
    uri = two_factor.provisioning_uri(user, secret) if secret else None
    html = render_template(
        "accounts/two_factor.html",
        enabled=user.has_two_factor,
        secret=secret,
        uri=uri,
        qr_code=two_factor.qr_code(uri) if uri else None,
        remaining=two_factor.remaining_recovery_codes(user),
        action_form=ActionForm(),
        confirm_form=confirm_form or TwoFactorConfirmForm(formdata=None, next=_next()),
        check_form=check_form or TwoFactorCheckForm(formdata=None),
        next=_next(),
    )
    return no_store(make_response(html, status))


def _next() -> str:
    """Where to go once set up (the organiser page that asked for it), if anywhere."""
    return safe_next(request.values.get("next"), "")


def _codes_page(codes: list[str]) -> Response:
    html = render_template(
        "accounts/recovery_codes.html",
        codes=codes,
        next=_next() or url_for("accounts.two_factor.overview"),
    )
    return no_store(make_response(html))


@bp.get("/")
@login_required
def overview() -> Response:
    return _page()


@bp.post("/start")
@login_required
def start() -> Response:
    """Make a new secret to set up (replacing an unfinished one)."""
    if ActionForm().validate_on_submit():
        two_factor.start_setup(_user())
        db.session.commit()
    return redirect(url_for("accounts.two_factor.overview", next=_next() or None))


@bp.post("/confirm")
@login_required
def confirm() -> Response:
    """Check the first code; on success show the recovery codes, once."""
    form = TwoFactorConfirmForm()
    if not form.validate_on_submit():
        return _page(confirm_form=form, status=400)
    user = _user()
    try:
        codes = two_factor.confirm_setup(user, form.code.data or "")
    except FORM_ERRORS as error:
        form_error(form, "code", error)
        return _page(confirm_form=form, status=400)
    sign_in(user)  # a new session id; every other session has ended
    db.session.commit()
    flash(_("Two-factor authentication is on."), "success")
    return _codes_page(codes)


@bp.post("/recovery-codes")
@login_required
def recovery_codes() -> Response:
    """Replace the recovery codes, after password and code."""
    form = TwoFactorCheckForm()
    if not form.validate_on_submit():
        return _page(check_form=form, status=400)
    try:
        codes = two_factor.regenerate_recovery_codes(
            _user(), form.password.data or "", form.code.data or "", client_address()
        )
    except (*FORM_ERRORS, TooManyAttempts) as error:
        return _check_failed(form, error)
    db.session.commit()
    return _codes_page(codes)


@bp.post("/disable")
@login_required
def disable() -> Response:
    """Switch two-factor authentication off, after password and code."""
    form = TwoFactorCheckForm()
    if not form.validate_on_submit():
        return _page(check_form=form, status=400)
    try:
        two_factor.disable(
            _user(), form.password.data or "", form.code.data or "", client_address()
        )
    except (*FORM_ERRORS, TooManyAttempts) as error:
        return _check_failed(form, error)
    db.session.commit()
    flash(_("Two-factor authentication is off."), "success")
    return redirect(url_for("accounts.two_factor.overview"))


def _check_failed(form: TwoFactorCheckForm, error: Exception) -> Response:
    """Show why password and code were refused; the failure counts in the throttle."""
    db.session.commit()
    field = "password" if isinstance(error, two_factor.PasswordWrong) else "code"
    form_error(form, field, error)
    return _page(check_form=form, status=getattr(error, "status", 400))
