"""The read-only JSON API under ``/api/v1/``: public consultations and their published reports.

Everything here is public already (consultation pages, report.json), so any site may read it
(``Access-Control-Allow-Origin: *``) and caches may keep it a few minutes. Drafts never
appear. Only ``GET`` (and ``HEAD``, ``OPTIONS``) are routed: any other method gets ``405``, and
every error is a JSON body (:func:`consult.errors.render_error`). The document describing it
all is at ``/api/v1/openapi.json`` (:mod:`consult.reports.openapi`).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, g, request, url_for
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response as HTTPResponse

from consult.consultations import services as consultations
from consult.consultations.models import Consultation
from consult.errors import ValidationFailed
from consult.extensions import csrf
from consult.i18n.locales import DEFAULT_LOCALE, UI_LOCALES, is_ui_locale
from consult.paper.views import PUBLIC_CACHE
from consult.reports import exports, observatory, openapi
from consult.reports.open_data import open_report
from consult.reports.services import public_or_none

#: Where the API lives; part of every path of the OpenAPI document.
PREFIX = "/api/v1"

bp = Blueprint("api", __name__, url_prefix=PREFIX)
csrf.exempt(bp)  # nothing here changes anything; other methods are refused by routing

UNKNOWN_LANGUAGE = _l("This consultation is not offered in the language you asked for.")
UNKNOWN_UI_LANGUAGE = _l(
    "Ask for one of the interface languages: %(languages)s.", languages=", ".join(UI_LOCALES)
)


@bp.before_request
def speak_requested_language() -> None:
    """``?lang=`` also sets the language of error messages, when the interface speaks it."""
    lang = request.args.get("lang")
    if is_ui_locale(lang):
        g.lang = lang


@bp.after_request
def public_headers(response: HTTPResponse) -> HTTPResponse:
    """Readable from any site; successful answers cached a few minutes."""
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    if response.status_code == 200:
        response.headers["Cache-Control"] = PUBLIC_CACHE
    return response


@bp.get("/consultations")
def consultation_list() -> HTTPResponse:
    """Every public consultation (open, closed, unsealed, published), newest first."""
    listed = [_consultation(c) for c in consultations.public_consultations()]
    return _json({"consultations": listed})


@bp.get("/consultations/<slug>")
def consultation(slug: str) -> HTTPResponse:
    """One public consultation."""
    return _json(_consultation(consultations.get_public(slug)))


@bp.get("/consultations/<slug>/report")
def report(slug: str) -> HTTPResponse:
    """The published report, exactly as ``report.json``; ``?lang=`` names it."""
    consultation = consultations.get_public(slug)
    locale = request.args.get("lang") or consultation.default_locale
    if locale not in consultation.offered_locales and not is_ui_locale(locale):
        raise ValidationFailed(UNKNOWN_LANGUAGE)
    ui_locale = locale if is_ui_locale(locale) else consultation.ui_fallback_locale
    with force_locale(ui_locale):
        body = open_report(consultation, locale, ui_locale).document()
    return _respond(body)


@bp.get("/observatory")
def observatory_rows() -> HTTPResponse:
    """The observatory's rows, as on ``/<lang>/observatory``: keys, and names in ``?lang=``."""
    lang = request.args.get("lang") or DEFAULT_LOCALE
    if not is_ui_locale(lang):
        raise ValidationFailed(UNKNOWN_UI_LANGUAGE)
    filters = observatory.Filters.parse(request.args)
    entries = [_entry(row, lang) for row in observatory.rows(filters, lang)]
    return _json({"lang": lang, "filters": filters.to_dict(), "entries": entries})


@bp.get("/openapi.json")
def openapi_document() -> HTTPResponse:
    """The OpenAPI 3.1 description of this API."""
    return _json(openapi.document())


def _consultation(consultation: Consultation) -> dict[str, Any]:
    slug = consultation.slug
    reported = public_or_none(consultation) is not None
    links = {
        "self": url_for("api.consultation", slug=slug, _external=True),
        "page": url_for(
            "respond.consultation", lang=consultation.default_locale, slug=slug, _external=True
        ),
        "report": url_for("api.report", slug=slug, _external=True) if reported else None,
    }
    return {**exports.consultation_summary(consultation), "links": links}


def _entry(row: observatory.Row, lang: str) -> dict[str, Any]:
    links = {
        "report": url_for("reports.page", lang=lang, slug=row.slug, _external=True),
        "consultation": url_for("api.consultation", slug=row.slug, _external=True),
    }
    return {**row.to_dict(), "links": links}


def _json(content: dict[str, Any]) -> HTTPResponse:
    return _respond(exports.to_json(content))


def _respond(body: bytes) -> HTTPResponse:
    response = current_app.response_class(body, mimetype=exports.JSON_MIMETYPE)
    response.add_etag()
    return response.make_conditional(request)
