"""A report as HTML (the public page, the organisers' preview) and as a tagged PDF.

One context for both renderings: :func:`context` reads the frozen numbers, lays them out
(:mod:`consult.reports.page`) and adds what is read live (approved quotations, the annex of
consenting organisations). The web page and the PDF include the same partials
(``templates/reports/_report.html``), so their numbers, charts and tables cannot differ.

It reads no request: callers pass the consultation, the report and the languages. PDFs are
rendered through :mod:`consult.pdf` (nothing fetched outside the app's static files) inside an
explicit UI locale, and kept on disk (``instance/reports/``) by report, digest, languages,
designation revision (DESIGN.md §3) and the HTML itself (a quotation withdrawn after
publication, or an update to a recommendation, changes the HTML, never the digest). Laying out
a big report takes seconds, so when jobs run in the background (:mod:`consult.jobs`),
publishing renders every language ahead of the readers (:func:`prerender`).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from flask import current_app, g, render_template, url_for
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _

from consult.consultations.models import Consultation
from consult.extensions import db
from consult.i18n.content import resolve
from consult.i18n.locales import direction, is_ui_locale
from consult.pdf import discard, html_to_pdf, stored
from consult.questionnaires.schema import CHANNEL_LABELS, CHANNELS
from consult.reports import designation, public, services
from consult.reports.compare_view import designation_view
from consult.reports.labels import report_labels
from consult.reports.models import Report, ReportStatus
from consult.reports.page import PRINTED_BREAKDOWNS, Layout, voices

#: Folder of the instance where rendered report PDFs are kept.
FOLDER = "reports"


def context(
    consultation: Consultation, report: Report, content_locale: str, *, preview: bool = False
) -> dict[str, Any]:
    """Everything the report templates need, in the active UI language."""
    default = consultation.default_locale
    base: dict[str, Any] = {
        "consultation": consultation,
        "report": report,
        "title": consultation.text("title", content_locale),
        "content_lang": content_locale,
        "content_dir": direction(content_locale),
        "preview": preview,
        "withdrawn": report.status is ReportStatus.WITHDRAWN,
    }
    if base["withdrawn"]:
        return base | {"reason": resolve(report.withdrawal_reason, default, content_locale)}
    data = services.numbers(report)
    locale = get_locale()
    labels = report_labels(
        consultation, content_locale, locale.language if locale else "en", data.k
    )
    layout = Layout(data, labels, rtl=base["content_dir"] == "rtl")
    questions = layout.questions()
    found = {
        "data": data,
        "participation": layout.participation(),
        "questions": questions,
        "options": layout.options(),
        "voices": voices(questions),
        "designation": designation_view(consultation, data, labels),
        "quotes": public.quotes(consultation, labels),
        "annex": public.annex(consultation, labels),
        "channels": _channels(consultation),
        "narrative": resolve(report.narrative, default, content_locale),
        "limitations": resolve(report.limitations, default, content_locale),
        "printed_breakdowns": PRINTED_BREAKDOWNS,
    }
    return base | found | {"contents": _contents(found)}


def _channels(consultation: Consultation) -> list[str]:
    used = {c for q in consultation.document().questions() for c in q.channels}
    return [str(CHANNEL_LABELS[c]) for c in CHANNELS if c in used]


def _contents(found: dict[str, Any]) -> list[tuple[str, str]]:
    """``(anchor, heading)`` of the sections this report has, in order."""
    sections = [
        ("methodology", _("Methodology"), True),
        ("narrative", _("What the organiser says"), found["narrative"] or found["limitations"]),
        ("options", _("The options for the National Preventive Mechanism"), found["options"]),
        ("results", _("Results, question by question"), True),
        ("voices", _("Voices of persons deprived of liberty"), True),
        ("designation", _("The designation and what the consultation said"), found["designation"]),
        ("quotations", _("Quotations from other respondents"), found["quotes"].others),
        ("annex", _("Annex: responses of invited organisations"), found["annex"]),
    ]
    return [(anchor, heading) for anchor, heading, shown in sections if shown]


def report_document(
    consultation: Consultation,
    report: Report,
    *,
    content_locale: str,
    ui_locale: str,
    report_url: str,
    preview: bool = False,
) -> str:
    """The PDF's HTML: the UI in ``ui_locale``, the consultation's texts in ``content_locale``."""
    with force_locale(ui_locale):
        return render_template(
            "reports/document.html",
            **context(consultation, report, content_locale, preview=preview),
            pdf=True,
            report_url=report_url,
        )


def report_pdf(
    consultation: Consultation,
    report: Report,
    *,
    content_locale: str,
    ui_locale: str,
    report_url: str,
    static_root: Path,
) -> bytes:
    """The report as a tagged PDF (see :func:`report_document`), from disk when rendered
    before with the same report, digest, designation revision, languages and text."""
    html = report_document(
        consultation,
        report,
        content_locale=content_locale,
        ui_locale=ui_locale,
        report_url=report_url,
    )
    latest = designation.latest(consultation)
    revision = latest.revision if latest else 0
    key = "\x00".join(
        (report.digest, str(revision), ui_locale, content_locale, str(static_root), html)
    )
    name = f"{report.id}-{hashlib.sha256(key.encode()).hexdigest()}.pdf"
    return stored(_folder(), name, lambda: html_to_pdf(html, static_root))


def public_pdf(consultation: Consultation, report: Report, content_locale: str) -> bytes:
    """The PDF readers get at ``/<content_locale>/c/<slug>/report.pdf``.

    The interface speaks the content language when the UI has it, else the consultation's
    fallback UI language, as on the web page. Its links use the instance's public address,
    whatever address the request came by, so that a reader's request and a background job
    render the same document (and find it on disk).
    """
    ui = content_locale if is_ui_locale(content_locale) else consultation.ui_fallback_locale
    path = f"/{content_locale}/c/{consultation.slug}/report.pdf"
    with current_app.test_request_context(path, base_url=current_app.config["CONSULT"].base_url):
        g.lang, g.content_locale = ui, content_locale
        return report_pdf(
            consultation,
            report,
            content_locale=content_locale,
            ui_locale=ui,
            report_url=url_for("reports.page", slug=consultation.slug, _external=True),
            static_root=Path(current_app.static_folder or "static"),
        )


def prerender(report_id: int) -> None:
    """A job: render the PDF of a published report in every language it is offered in."""
    report = db.session.get(Report, report_id)
    if report is None or report.status is not ReportStatus.PUBLISHED:
        return
    for content in report.consultation.offered_locales:
        public_pdf(report.consultation, report, content)


def forget(report: Report) -> None:
    """Delete the stored PDFs of a report (withdrawn: its numbers must not be served)."""
    discard(_folder(), f"{report.id}-")


def _folder() -> Path:
    return Path(current_app.instance_path) / FOLDER
