"""Open data of a published report: ``/<lang>/c/<slug>/report.csv``, ``.json`` and ``.xlsx``.

The same frozen numbers as the report page, for anyone to reuse: public, cached a few minutes,
readable from other sites. ``<lang>`` names the texts (questionnaire texts in that content
language, interface words in the matching UI language). A withdrawn report answers
``410 Gone`` with the notice, never its numbers; a consultation without a public report, 404.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from flask import Blueprint, current_app, g, request
from flask_babel import get_locale
from werkzeug.wrappers import Response as HTTPResponse

from consult.consultations.models import Consultation
from consult.i18n.content import current_language
from consult.paper.views import PUBLIC_CACHE
from consult.reports import exports, workbook
from consult.reports.data import ReportData
from consult.reports.labels import ReportLabels, report_labels
from consult.reports.models import Report
from consult.reports.services import public_report
from consult.respond.views import _public, add_lang, pull_lang
from consult.spreadsheets import CSV_MIMETYPE, XLSX_MIMETYPE

bp = Blueprint("open_data", __name__, url_prefix="/<lang>")
bp.url_value_preprocessor(pull_lang)
bp.url_defaults(add_lang)


@dataclass(frozen=True)
class OpenReport:
    """A published report with its numbers and their names in one language."""

    consultation: Consultation
    report: Report
    data: ReportData
    labels: ReportLabels

    def document(self) -> bytes:
        """``report.json``."""
        content = exports.document(self.consultation, self.report, self.labels, self.data)
        return exports.to_json(content)

    def etag(self, extension: str) -> str:
        """The same for the same content in every format: ``report.json`` holds all a file says
        (XLSX bytes are not a fingerprint: the workbook records when it was written)."""
        return hashlib.sha256(self.document() + extension.encode()).hexdigest()


def open_report(consultation: Consultation, locale: str, ui_locale: str) -> OpenReport:
    """The public report of ``consultation`` named in ``locale`` (words in the active UI
    language, recorded as ``ui_locale``); raise ``NotFound`` without a public report and
    :class:`~consult.reports.exports.ReportWithdrawn` for a withdrawn one."""
    report = public_report(consultation)
    data = exports.published_numbers(report)
    return OpenReport(
        consultation, report, data, report_labels(consultation, locale, ui_locale, report.k)
    )


@bp.get("/c/<slug>/report.json")
def report_json(slug: str) -> HTTPResponse:
    """The numbers, their names and how to check them, as documented in docs/report-json.md."""
    found = _open(slug)
    return _file(found, found.document(), exports.JSON_MIMETYPE, "json", attachment=False)


@bp.get("/c/<slug>/report.csv")
def report_csv(slug: str) -> HTTPResponse:
    """One line per published number (long format), for spreadsheets and scripts."""
    found = _open(slug)
    return _file(found, exports.to_csv(found.data, found.labels), CSV_MIMETYPE, "csv")


@bp.get("/c/<slug>/report.xlsx")
def report_xlsx(slug: str) -> HTTPResponse:
    """A workbook: about, participation, one sheet per question, and the long format."""
    found = _open(slug)
    about = exports.about(found.consultation, found.report, found.labels)
    body = workbook.to_xlsx(found.data, found.labels, about)
    return _file(found, body, XLSX_MIMETYPE, "xlsx")


def _open(slug: str) -> OpenReport:
    locale = get_locale()
    return open_report(_public(slug), current_language(), locale.language if locale else g.lang)


def _file(
    found: OpenReport, body: bytes, mimetype: str, extension: str, *, attachment: bool = True
) -> HTTPResponse:
    """A public file: cached a few minutes, readable from other sites, revalidated by ETag."""
    response = current_app.response_class(body, mimetype=mimetype)
    if attachment:
        language = re.sub(r"[^A-Za-z0-9_-]", "", current_language())
        name = f"{found.consultation.slug}-report-{language}.{extension}"
        response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = PUBLIC_CACHE
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    response.set_etag(found.etag(extension))
    return response.make_conditional(request)
