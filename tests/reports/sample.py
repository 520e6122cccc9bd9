"""A hand-built report of the sample questionnaire, and ways to store it with its surroundings.

The numbers are chosen so that shares are easy to check by hand (20 of 40 is 50 %) and some
cells are hidden (``None``), as suppression would leave them.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from flask import Flask
from sqlalchemy import select

from consult.accounts.models import User
from consult.consultations.models import Consultation
from consult.extensions import db
from consult.questionnaires.schema import Channel
from consult.quotations.models import Quotation, QuotationStatus
from consult.reports.data import (
    ALL,
    DEPRIVED,
    OTHERS,
    Borda,
    NumberSummary,
    QuestionResult,
    ReportData,
    Table,
    digest,
    to_dict,
)
from consult.reports.models import Report, ReportStatus
from consult.respond.models import Answer, Invitation, Response

LANGS = ("en", "fr", "es", "ar")
SLUG = "npm-report"
GROUP = [DEPRIVED, OTHERS]
PUBLISHED_AT = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)
#: Text that must come out escaped and fetch nothing, wherever it is printed.
HOSTILE = (
    "<script>alert(1)</script> file:///etc/passwd <link rel=attachment "
    "href=file:///etc/passwd> http://169.254.169.254/ <img src=http://10.0.0.1/x>"
)


def table(
    rows: list[str], columns: list[str], cells: list[list[int | None]], totals: list[int | None]
) -> Table:
    """A table whose row totals and total follow from published cells (``None`` if any hidden)."""
    row_totals: list[int | None] = [
        None if None in row else sum(n for n in row if n is not None) for row in cells
    ]
    total = None if None in totals else sum(n for n in totals if n is not None)
    return Table(rows, columns, cells, row_totals, totals, total)


def report_data() -> ReportData:
    """Numbers of the sample questionnaire: 40 responses, 15 of them from persons in detention."""
    model = QuestionResult(
        "model",
        "single",
        tables={
            ALL: table(["a", "b", "c"], [ALL], [[20], [16], [None]], [40]),
            "group": table(["a", "b", "c"], GROUP, [[6, 14], [7, 9], [None, None]], [15, 25]),
            "channel": table(
                ["a", "b", "c"], ["open", "sealed"], [[14, 6], [9, 7], [None, None]], [25, 15]
            ),
        },
    )
    ranking = QuestionResult(
        "ranking",
        "ranking",
        tables={
            ALL: table(["ombuds", "new-body"], ["1", "2"], [[24, 14], [14, 24]], [38, 38]),
            "group": table(["ombuds", "new-body"], GROUP, [[9, 15], [5, 9]], [14, 24]),
        },
        borda={
            ALL: Borda(["ombuds", "new-body"], [ALL], [[24], [14]], [38]),
            "group": Borda(["ombuds", "new-body"], GROUP, [[9, 15], [5, 9]], [14, 24]),
        },
    )
    matrix = QuestionResult(
        "matrix",
        "matrix",
        tables={
            # Each guarantee was rated by 40; the two smallest ratings of each are hidden.
            ALL: Table(
                ["functional_independence", "resources"],
                ["essential", "important", "not_important", "dont_know"],
                [[30, 6, None, None], [25, 10, None, None]],
                [40, 40],
                [55, 16, None, None],
                80,
            ),
        },
    )
    visits = QuestionResult(
        "visits",
        "number",
        tables={ALL: table(["answered"], [ALL], [[12]], [12])},
        numbers={ALL: NumberSummary([ALL], [12], [3.5], [3.0])},
    )
    why = QuestionResult(
        "why", "long_text", tables={ALL: table(["answered"], [ALL], [[None]], [None])}
    )
    participation = {
        "group": table(GROUP, ["open", "sealed"], [[0, 15], [25, 0]], [25, 15]),
        "category": table(
            ["civil_society", "deprived_of_liberty"],
            ["open", "sealed"],
            [[25, 0], [0, 15]],
            [25, 15],
        ),
    }
    return ReportData(
        k=5,
        responses=40,
        held=2,
        participation=participation,
        questions=[model, why, ranking, matrix, visits],
        options_question="ranking",
        guarantees_question="matrix",
    )


def store_report(
    app: Flask,
    slug: str = SLUG,
    data: ReportData | None = None,
    *,
    status: ReportStatus = ReportStatus.PUBLISHED,
    revision: int = 1,
    narrative: dict[str, str] | None = None,
    limitations: dict[str, str] | None = None,
    reason: dict[str, str] | None = None,
    dataset_digest: str = "d" * 64,
) -> int:
    """Insert a report row as the workflow would leave it; its id."""
    data = data or report_data()
    with app.app_context():
        consultation = the_consultation(slug)
        report = Report(
            consultation_id=consultation.id,
            revision=revision,
            status=status,
            k=data.k,
            data=to_dict(data),
            digest=digest(data),
            dataset_digest=dataset_digest,
            audit_head="a" * 64,
            narrative=narrative or {"en": "Most respondents asked for a new body."},
            limitations=limitations or {},
            published_at=None if status is ReportStatus.PREPARED else PUBLISHED_AT,
            withdrawn_at=PUBLISHED_AT if status is ReportStatus.WITHDRAWN else None,
            withdrawal_reason=reason or {},
        )
        db.session.add(report)
        db.session.commit()
        return int(report.id)


def the_consultation(slug: str = SLUG) -> Consultation:
    consultation = db.session.scalar(select(Consultation).where(Consultation.slug == slug))
    assert consultation is not None
    return consultation


def add_response(
    app: Flask,
    channel: Channel,
    answers: dict[str, str],
    *,
    slug: str = SLUG,
    organisation: str | None = None,
    consent: bool = False,
) -> str:
    """A stored response with text answers (an invitation too when ``organisation``); its id."""
    with app.app_context():
        consultation = the_consultation(slug)
        invitation = None
        if organisation is not None:
            invitation = Invitation(
                consultation_id=consultation.id,
                organisation_name=organisation,
                stakeholder_category="civil_society",
                language="en",
                token_hash=uuid.uuid4().hex + uuid.uuid4().hex,
            )
            db.session.add(invitation)
            db.session.flush()
        response = Response(
            consultation_id=consultation.id,
            channel=channel,
            questionnaire_version="0" * 64,
            locale="en",
            received_on=PUBLISHED_AT.date() if invitation else None,
            stakeholder_category="civil_society" if invitation else "deprived_of_liberty",
            invitation_id=invitation.id if invitation else None,
            publication_consent=consent,
            answers=[Answer(question_key=key, text=text) for key, text in answers.items()],
        )
        db.session.add(response)
        db.session.commit()
        return str(response.id)


def approve_quotation(app: Flask, response_id: str, text: str, key: str = "why") -> None:
    """An approved quotation of ``response_id``'s answer to ``key``."""
    with app.app_context():
        consultation = the_consultation()
        people = db.session.scalars(select(User.id).limit(2)).all()
        db.session.add(
            Quotation(
                consultation_id=consultation.id,
                response_id=uuid.UUID(response_id),
                question_key=key,
                text=text,
                status=QuotationStatus.APPROVED,
                proposed_by_id=people[0] if people else None,
                decided_by_id=None,
                decided_at=PUBLISHED_AT,
            )
        )
        db.session.commit()
