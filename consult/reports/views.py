"""Report pages: ``/<lang>/c/<slug>/report`` (and ``.pdf``), and the organisers' preview.

The public page shows the latest report ever published: its numbers, or, once withdrawn, a
notice saying when and why. The preview (``/admin/<org>/c/<slug>/report/<revision>/preview``)
shows any revision, a prepared one included, to the analysts who prepare it and the
publishers who decide on it.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, current_app, render_template, request, url_for
from flask_babel import get_locale
from werkzeug.wrappers import Response as HTTPResponse

from consult.accounts.access import organiser_route
from consult.accounts.models import Membership, Organisation
from consult.accounts.permissions import Permission
from consult.consultations import services as consultations
from consult.consultations.models import Consultation
from consult.errors import NotFound
from consult.i18n.content import current_language
from consult.reports import public, render, services
from consult.reports.models import Report
from consult.respond.views import _public, add_lang, pull_lang

bp = Blueprint("reports", __name__)

#: Endpoints under ``/<lang>/``: they take and give the language like the other public pages.
PUBLIC_ENDPOINTS = frozenset({"reports.page", "reports.pdf"})
#: A published report changes only by withdrawal or a quotation decision: a few minutes.
PUBLIC_CACHE = "public, max-age=300"
PRIVATE_CACHE = "private, no-store"


@bp.url_value_preprocessor
def _pull_lang(endpoint: str | None, values: dict[str, Any] | None) -> None:
    if endpoint in PUBLIC_ENDPOINTS:
        pull_lang(endpoint, values)


@bp.url_defaults
def _add_lang(endpoint: str, values: dict[str, Any]) -> None:
    if endpoint in PUBLIC_ENDPOINTS:
        add_lang(endpoint, values)


@bp.get("/<lang>/c/<slug>/report")
def page(slug: str) -> HTTPResponse:
    """The published report, or the notice of its withdrawal."""
    consultation = _public(slug)
    report = services.public_report(consultation)
    html = _page(consultation, report, current_language(), preview=False)
    return _response(html, "text/html", PUBLIC_CACHE)


@bp.get("/<lang>/c/<slug>/report.pdf")
def pdf(slug: str) -> HTTPResponse:
    """The published report as a tagged PDF, in the page's languages."""
    consultation = _public(slug)
    report = services.public_report(consultation)
    content = current_language()
    document = render.public_pdf(consultation, report, content)
    response = _response(document, "application/pdf", PUBLIC_CACHE)
    name = re.sub(r"[^A-Za-z0-9_-]", "", content)
    response.headers["Content-Disposition"] = f'inline; filename="{slug}-report-{name}.pdf"'
    return response.make_conditional(request)


@bp.get("/admin/<org>/c/<slug>/report/<int:revision>/preview")
@organiser_route(Permission.READ_RESPONSES, Permission.PUBLISH)
def preview(
    organisation: Organisation, membership: Membership, slug: str, revision: int
) -> HTTPResponse:
    """A revision as the public would see it once published, marked as a preview."""
    consultation = consultations.get(organisation, slug)
    report = services.get_revision(consultation, revision)
    html = _page(consultation, report, _preview_language(consultation), preview=True)
    return _response(html, "text/html", PRIVATE_CACHE)


def _preview_language(consultation: Consultation) -> str:
    """``?content=`` if the consultation offers it, else the member's language or the default."""
    locale = get_locale()
    for wanted in (request.args.get("content"), locale.language if locale else None):
        if wanted in consultation.offered_locales:
            return str(wanted)
    return consultation.default_locale


def _page(consultation: Consultation, report: Report, content: str, *, preview: bool) -> str:
    return render_template(
        "reports/page.html",
        **render.context(consultation, report, content, preview=preview),
        pdf=False,
        pdf_url=None if preview else url_for(".pdf", slug=consultation.slug),
    )


def _response(body: str | bytes, mimetype: str, cache: str) -> HTTPResponse:
    response = current_app.response_class(body, mimetype=mimetype)
    response.headers["Cache-Control"] = cache
    response.add_etag()
    return response


@bp.app_template_global()
def published_reports() -> list[Report]:
    """For the home page: the newest published report of each consultation."""
    return public.published_reports()


@bp.app_template_global()
def public_report_of(consultation: Consultation) -> Report | None:
    """For the consultation page: its public report (published or withdrawn), if any."""
    try:
        return services.public_report(consultation)
    except NotFound:
        return None
