"""Reports: reading the public one; preparing, publishing and withdrawing (flush, never commit)."""

from __future__ import annotations

from sqlalchemy import select

from consult.consultations.models import Consultation
from consult.errors import NotFound
from consult.extensions import db
from consult.reports.data import ReportData, from_dict
from consult.reports.models import Report, ReportStatus

#: What the public may see: the published report, or the notice of a withdrawn one.
PUBLIC = (ReportStatus.PUBLISHED, ReportStatus.WITHDRAWN)


def public_report(consultation: Consultation) -> Report:
    """The latest report that was ever made public; raise ``NotFound`` if there is none.

    A withdrawn report stays the answer until a newer one is published, so its address keeps
    saying what happened instead of vanishing.
    """
    report = db.session.scalar(
        select(Report)
        .where(Report.consultation_id == consultation.id, Report.status.in_(PUBLIC))
        .order_by(Report.revision.desc())
        .limit(1)
    )
    if report is None:
        raise NotFound()
    return report


def numbers(report: Report) -> ReportData:
    """The frozen numbers of a report."""
    return from_dict(report.data)
