"""The language switcher for pages without a ``/<lang>/`` prefix (organiser area, sign-in)."""

from __future__ import annotations

from flask import Blueprint, redirect, request, session, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from consult.errors import ValidationFailed
from consult.extensions import db
from consult.i18n.locales import SESSION_KEY, is_ui_locale
from consult.urls import safe_next

bp = Blueprint("i18n", __name__)


@bp.post("/language")
def switch() -> Response:
    """Remember the chosen UI language (in the account when signed in) and go back."""
    code = request.form.get("locale", "")
    if not is_ui_locale(code):
        raise ValidationFailed()
    session[SESSION_KEY] = code
    if current_user.is_authenticated:
        current_user.locale = code
        db.session.commit()
    return redirect(safe_next(request.form.get("next"), url_for("accounts.index")))
