"""What report pages read besides the frozen numbers: quotations, the annex, published reports.

The numbers of a report are a snapshot; quotations are read live, so a quotation withdrawn
after publication disappears from the page and the PDF at once. Only *approved* quotations
are read, and only the answers of invited organisations that consented to publication under
their name go to the annex (DESIGN.md §4, §7).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from consult.consultations.models import Consultation
from consult.extensions import db
from consult.quotations import services as quotations
from consult.quotations.services import QUOTABLE_CHANNELS
from consult.reports.labels import ReportLabels
from consult.reports.models import Report, ReportStatus
from consult.respond import exports
from consult.respond.display import Words

#: Published reports listed on the home page, newest first.
HOME_LIMIT = 20


@dataclass(frozen=True)
class Quote:
    """An approved, redacted passage, and the question it answers."""

    text: str
    question: str
    #: Language the respondent wrote in.
    lang: str
    #: Channel it came through, named in the reader's language.
    channel: str


@dataclass(frozen=True)
class Quotes:
    #: From the sealed and assisted channels: persons deprived of liberty.
    voices: list[Quote]
    #: From the open and invited channels.
    others: list[Quote]


def quotes(consultation: Consultation, labels: ReportLabels) -> Quotes:
    """The approved quotations of ``consultation``, in questionnaire order, split by channel."""
    voices: list[Quote] = []
    others: list[Quote] = []
    for quotation in quotations.approved(consultation):
        channel = quotation.response.channel
        quote = Quote(
            text=quotation.text,
            question=labels.question_text(quotation.question_key),
            lang=quotation.response.locale,
            channel=labels.column(None, "channel", channel.value),
        )
        (voices if channel in QUOTABLE_CHANNELS else others).append(quote)
    return Quotes(voices, others)


@dataclass(frozen=True)
class AnnexEntry:
    """One invited organisation's response, published in full with its consent."""

    organisation: str
    category: str
    #: ``(question, answer lines)`` for each question it answered, in questionnaire order.
    answers: list[tuple[str, list[str]]]


def annex(consultation: Consultation, labels: ReportLabels) -> list[AnnexEntry]:
    """The responses of invited organisations that consented to publication under their name."""
    document = consultation.document()
    words = Words(document, labels.locale, consultation.default_locale)
    consenting = exports.ResponseFilter(consenting=True)
    return [
        AnnexEntry(
            organisation=row.organisation or row.response.declared_organisation or "",
            category=labels.row(None, "category", row.response.stakeholder_category),
            answers=[
                (words.text(q.text), words.summary(q, row.answers[q.key]))
                for q in document.questions()
                if q.key in row.answers
            ],
        )
        for row in exports._rows(consultation, consenting)
    ]


def published_reports(limit: int = HOME_LIMIT) -> list[Report]:
    """The newest published report of each consultation that has one, newest first."""
    reports = db.session.scalars(
        select(Report)
        .where(Report.status == ReportStatus.PUBLISHED)
        .order_by(Report.published_at.desc(), Report.revision.desc())
    )
    seen: dict[int, Report] = {}
    for report in reports:
        seen.setdefault(report.consultation_id, report)
        if len(seen) >= limit:
            break
    return list(seen.values())
