"""The observatory page, ``/<lang>/observatory``: every published consultation compared.

Filters are plain query parameters (``region``, ``model``, ``alignment``) sent by a form with a
submit button, so the page works without JavaScript and a filtered view can be linked to.
The same rows are served as JSON at ``/api/v1/observatory`` (:mod:`consult.reports.api`).
"""

from __future__ import annotations

from flask import Blueprint, g, render_template, request
from werkzeug.wrappers import Response as HTTPResponse

from consult.reports import observatory
from consult.reports.views import PUBLIC_CACHE, _response
from consult.respond.views import add_lang, pull_lang

bp = Blueprint("observatory", __name__, url_prefix="/<lang>")
bp.url_value_preprocessor(pull_lang)
bp.url_defaults(add_lang)


@bp.get("/observatory")
def index() -> HTTPResponse:
    """The published consultations the filters admit; 400 for a filter value not offered."""
    filters = observatory.Filters.parse(request.args)
    html = render_template(
        "reports/observatory.html",
        rows=observatory.rows(filters, g.lang),
        filters=filters,
        choices=observatory.choices(g.lang),
    )
    return _response(html, "text/html", PUBLIC_CACHE)
