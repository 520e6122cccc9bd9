"""Small helpers the account views share (sign-in, form errors, request details)."""

from __future__ import annotations

from flask import request, session
from flask_login import login_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from consult.accounts import sessions
from consult.accounts.models import User
from consult.errors import Conflict, ValidationFailed

#: Errors a service raises about what the person typed: shown on the form, not as a page.
FORM_ERRORS = (ValidationFailed, Conflict)


def form_error(form: FlaskForm, field: str, error: Exception) -> None:
    """Show a service's error message under ``field`` of ``form``."""
    message = getattr(error, "message", None) or str(error)
    getattr(form, field).errors = [*getattr(form, field).errors, str(message)]


def sign_in(user: User) -> None:
    """Start a fresh session (new id, nothing kept from before) for ``user``."""
    session.clear()
    sessions.start(user)
    login_user(user)


def client_address() -> str:
    """The client's address (through trusted proxies only), for the login throttle."""
    return request.remote_addr or ""


def no_store(response: Response) -> Response:
    """Keep a page that shows a secret out of every cache, the browser's included."""
    response.headers["Cache-Control"] = "no-store"
    return response
