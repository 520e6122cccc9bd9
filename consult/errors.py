"""Domain errors and the handlers that turn every failure into a friendly, translated page.

Services raise a :class:`ConsultError` subclass; it carries its HTTP status and a translated
message, so views need no ``try``. Nothing internal (stack trace, SQL, form data) ever reaches
a user: the 500 handler rolls the session back and shows a generic page.
"""

from __future__ import annotations

import logging
import traceback
from typing import Any

from flask import Flask, jsonify, make_response, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from consult.extensions import db

log = logging.getLogger(__name__)


class ConsultError(Exception):
    """Base of the domain errors: a status and a message a user may read."""

    status = 400
    default_message: LazyString | str = _l("The request could not be completed.")
    #: Heading of the error page, where the status's own heading would mislead.
    title: LazyString | None = None

    def __init__(self, message: LazyString | str | None = None, **details: Any) -> None:
        self.message = message if message is not None else self.default_message
        self.details = details
        super().__init__(str(self.message))


class NotFound(ConsultError):
    status = 404
    default_message = _l("This page does not exist, or you may not see it.")


class Forbidden(ConsultError):
    status = 403
    default_message = _l("Your roles in this organisation do not allow this.")


class Conflict(ConsultError):
    status = 409
    default_message = _l("This conflicts with the current state; reload the page and try again.")


class LinkInvalid(ConsultError):
    """A single-use link that is unknown, used, revoked or expired."""

    status = 410
    default_message = _l("This link is no longer valid.")


class ValidationFailed(ConsultError):
    status = 400


#: Titles and explanations of the HTTP errors users can meet, translated at render time.
HTTP_PAGES: dict[int, tuple[LazyString, LazyString]] = {
    400: (_l("Bad request"), _l("The request was not understood. Go back and try again.")),
    403: (_l("Not allowed"), _l("Your roles in this organisation do not allow this.")),
    404: (_l("Page not found"), _l("This page does not exist, or you may not see it.")),
    405: (_l("Not allowed"), _l("This address does not accept that kind of request.")),
    409: (
        _l("Conflict"),
        _l("This conflicts with the current state; reload the page and try again."),
    ),
    410: (_l("Link no longer valid"), _l("This link is no longer valid.")),
    413: (
        _l("Too much data"),
        _l("What you sent is larger than this site accepts. Shorten it and try again."),
    ),
    429: (
        _l("Too many requests"),
        _l(
            "Too many requests came from your connection in a short time. Wait a moment and "
            "try again: if you were sending a form, go back, and what you typed is usually "
            "still there."
        ),
    ),
    500: (
        _l("Something went wrong"),
        _l(
            "An unexpected error occurred. Nothing you sent has been shown to anyone. "
            "Please try again later."
        ),
    ),
}
#: Paths whose errors are JSON for programs (the API), not pages for people.
API_PREFIX = "/api/"
CSRF_MESSAGE = _l(
    "Your form expired or did not come from this site. Reload the page and send it again."
)


def render_error(
    status: int, message: LazyString | str | None = None, title: LazyString | None = None
) -> tuple[str, int]:
    """The error page for ``status`` with an optional, already user-safe message and title."""
    title, message = _words(status, message, title)
    return render_template("errors/error.html", status=status, title=title, message=message), status


def error_response(
    status: int, message: LazyString | str | None = None, title: LazyString | None = None
) -> ResponseReturnValue:
    """:func:`render_error`, or under :data:`API_PREFIX` the same words as a JSON body."""
    if not request.path.startswith(API_PREFIX):
        return render_error(status, message, title)
    title, message = _words(status, message, title)
    return jsonify(error={"status": status, "title": str(title), "message": str(message)}), status


def _words(
    status: int, message: LazyString | str | None, title: LazyString | None
) -> tuple[LazyString, LazyString | str]:
    code = status if status in HTTP_PAGES else 400 if status < 500 else 500
    heading, default = HTTP_PAGES[code]
    return title or heading, message or default


def register_error_handlers(app: Flask) -> None:
    """One handler per error type; each renders the translated error page."""

    @app.errorhandler(ConsultError)
    def consult_error(error: ConsultError) -> ResponseReturnValue:
        db.session.rollback()
        return error_response(error.status, error.message, error.title)

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> ResponseReturnValue:
        return error_response(400, CSRF_MESSAGE)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Any:
        if error.code is None or error.code < 400:
            return error
        response = make_response(error_response(error.code))
        if isinstance(error, MethodNotAllowed) and error.valid_methods:
            response.headers["Allow"] = ", ".join(error.valid_methods)  # required with a 405
        return response

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception) -> ResponseReturnValue:
        db.session.rollback()
        # Where it failed, but not the message, the query string or the body: those may hold
        # answers, tokens or SQL parameters.
        frames = "".join(traceback.format_tb(error.__traceback__))
        log.error(
            "unhandled %s on %s %s\n%s",
            type(error).__name__,
            request.method,
            request.url_rule.rule if request.url_rule else "(no route)",
            frames,
        )
        return error_response(500)
